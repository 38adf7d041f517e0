"""Issue 13, point 2: Ctrl-C during a scan that spills customer partitions (cohorts) raises KeyboardInterrupt
promptly, leaves no temporary file behind, and the next scan works."""
from __future__ import annotations

import os
import tempfile

import numpy as np
import pytest

import cxkit
from _interrupt import interrupt, needs_signals, timed

pytestmark = needs_signals
pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")


def _write(root, files: int, rows: int = 200_000) -> str:
    root.mkdir(exist_ok=True)
    rng = np.random.default_rng(0)
    for i in range(files):
        pq.write_table(pa.table({
            "customer_id": rng.integers(0, 50_000, rows),
            "time": pa.array(np.int64(1_704_067_200) * 10**9 + rng.integers(0, 365 * 86400, rows) * 10**9,
                             pa.timestamp("ns")),
            "nps": rng.integers(0, 11, rows).astype(float)}), root / f"part-{i}.parquet")
    return str(root)


def test_sigint_during_a_partitioned_scan(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    spill = tmp_path / "spill"
    spill.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spill))
    roots = {n: _write(tmp_path / f"d{n}", n) for n in (2, 4, 8)}

    def call(n: int):
        scan = cxkit.scan(roots[min(roots, key=lambda k: abs(k - n))], progress=False, batch_rows=50_000,
                          partition_rows=100_000)
        return lambda: cxkit.retention.cohorts(scan)

    seconds = timed(call(2)) * 2
    out = interrupt(call, 4, seconds, at=0.5)
    assert out.latency < 0.5, f"KeyboardInterrupt {out.latency:.3f} s after the signal"
    assert os.listdir(spill) == []  # the spilled partitions are gone
    assert int(cxkit.retention.cohorts(cxkit.scan(roots[2], progress=False)).counts.iloc[:, 0].sum()) > 0
    assert os.listdir(spill) == []

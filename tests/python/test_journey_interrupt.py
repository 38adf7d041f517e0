"""Ctrl-C during long journey calls (issue 11: "Ctrl-C interrupts every long call within ~100 ms ... paths"):
building paths from a big log and higher-order Markov attribution stop within a fraction of their run time,
return nothing, and the next call works and gives the same answer as an uninterrupted one."""
from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest
from _interrupt import interrupt, later, needs_signals

import cxkit
from cxkit.journey.attribution import markov

pytestmark = needs_signals


def _log(customers: int) -> cxkit.EventLog:
    rng = np.random.default_rng(0)
    per = 8
    n = customers * per
    df = pd.DataFrame({
        "customer_id": np.repeat(np.arange(customers), per),
        "time": pd.Timestamp("2024-01-01") + pd.to_timedelta(np.tile(np.arange(per), customers), unit="h"),
        "channel": pd.Categorical.from_codes(rng.integers(0, 12, n), [f"ch{j}" for j in range(12)]),
        "kind": pd.Categorical.from_codes(rng.integers(0, 2, n) * (rng.random(n) < 0.05), ["touch", "purchase"]),
    })
    return cxkit.EventLog.from_pandas(df)


@pytest.fixture(scope="module")
def big_log() -> cxkit.EventLog:
    return _log(400_000)


def test_ctrl_c_stops_paths_on_a_big_log(big_log: cxkit.EventLog):
    t0 = time.perf_counter()
    want = cxkit.journey.paths(big_log, by="channel")
    full = time.perf_counter() - t0
    assert full > 0.3, f"the log is too small to test an interruption ({full:.3f} s)"
    # the big log; a bigger one when the call finished before the signal
    out = interrupt(lambda n: later(cxkit.journey.paths, big_log if n == 400_000 else _log(n), by="channel"),
                    400_000, full, at=0.25)
    assert out.result is None  # nothing half-built came back
    assert out.latency < max(0.25, full / 5)
    again = cxkit.journey.paths(big_log, by="channel")
    pd.testing.assert_frame_equal(again.to_pandas(), want.to_pandas())


def test_ctrl_c_stops_higher_order_markov():
    def chain(rows: int) -> cxkit.journey.Paths:
        rng = np.random.default_rng(1)
        paths = [" > ".join(f"c{j}" for j in rng.integers(0, 18, rng.integers(1, 9))) for _ in range(rows)]
        df = pd.DataFrame({"path": paths, "total_conversions": rng.integers(0, 3, rows),
                           "total_null": rng.integers(1, 4, rows)})
        return cxkit.journey.Paths.from_pandas(df)

    p = chain(150_000)
    t0 = time.perf_counter()
    want = markov(p, order=4).credits
    full = time.perf_counter() - t0
    assert full > 0.1, f"the chain is too small to test an interruption ({full:.3f} s)"
    out = interrupt(lambda n: later(markov, p if n == 150_000 else chain(n), order=4), 150_000, full, at=0.25)
    assert out.result is None
    assert out.latency < max(0.25, full / 5)
    pd.testing.assert_frame_equal(markov(p, order=4).credits, want)

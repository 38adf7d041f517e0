"""Writes valid serialized states into tests/fuzz/corpus/<State>/valid-*.bin: seeds for the fuzzer (it mutates
real headers and bodies) and regression inputs that must keep loading (old bytes stay readable).

Run once from a checkout with cxkit installed: ``.venv/bin/python tests/fuzz/make_corpus.py``. The files are
checked in; re-running overwrites them with the same bytes for the same cxkit.
"""
from __future__ import annotations

import pathlib

import numpy as np
import pandas as pd

import cxkit
from cxkit import _core

CORPUS = pathlib.Path(__file__).resolve().parent / "corpus"


def save(name: str, tag: str, data: bytes) -> None:
    d = CORPUS / name
    d.mkdir(parents=True, exist_ok=True)
    (d / f"valid-{tag}.bin").write_bytes(data)


def main() -> None:
    log = cxkit.datasets.simulate(40, seed=3, as_log=True)
    save("ScorecardState", "monthly-by-channel", cxkit.scorecard_state(log, by="channel", period="M")._core.serialize())
    save("ScorecardState", "overall", cxkit.scorecard_state(log)._core.serialize())
    save("CohortState", "monthly", cxkit.retention.cohort_state(log, period="M").serialize())
    save("CohortState", "empty", _core.retention.CohortState("M").serialize())
    for cls in ("NpsState", "CsatState", "CesState", "FcrState", "ComplaintState", "ResponseTimeState",
                "MeanState", "ActivityState", "CustomerSet"):
        save(cls, "empty", getattr(_core.metrics, cls)().serialize())
    n = _core.metrics.NpsState()
    n.fill(np.array([0, 5, 7, 9, 10, 10], dtype=np.float64))
    save("NpsState", "six", n.serialize())
    tx = pd.DataFrame({"customer_id": [1, 1, 2, 3, 3, 3], "item": ["a", "b", "a", "c", "a", "b"]})
    save("RecommenderState", "small", cxkit.segment.RecommenderState(tx, item="item")._core.serialize())


if __name__ == "__main__":
    main()

"""The README's Python tour runs as written, and its merge claim holds."""
import pathlib
import re

import numpy as np
import pandas as pd

README = pathlib.Path(__file__).resolve().parents[2] / "README.md"


def test_readme_python_tour_runs():
    text = README.read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert len(blocks) >= 2
    ns: dict = {}
    for block in blocks:  # in order: later blocks use the names of earlier ones
        exec(compile(block, str(README), "exec"), ns)
    import cxkit

    merged = ns["card"].to_frame().set_index("channel").sort_index()
    whole = cxkit.scorecard(ns["log"], by="channel").set_index("channel").sort_index()
    # per-channel counts of the two halves merge to the whole; retention is pooled over the same months
    for col in ["events", "customers", "nps_n", "csat_n", "complaints", "response_time_n"]:
        np.testing.assert_array_equal(merged[col].to_numpy(), whole[col].to_numpy())
    for col in ["nps", "csat", "ces", "fcr", "response_time_median", "revenue", "retention_rate", "churn_rate"]:
        np.testing.assert_allclose(merged[col].to_numpy(), whole[col].to_numpy(), rtol=1e-12, equal_nan=True)
    assert str(ns["cxkit"].nps([10, 9, 8, 3, 10])) == "NPS 40.0 [-29.8, 79.8] (n=5, 95% CI)"

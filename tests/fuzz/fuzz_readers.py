"""atheris fuzzing of cxkit's readers: EventLog.from_csv (arbitrary bytes as a CSV file) and
EventLog.from_pandas / from_arrow (small frames of fuzzer-chosen column types and values).

The contract under test (issue 12): any input either loads (and then to_pandas() works and has one row per kept
event) or raises ValueError; nothing else (TypeError, KeyError, a pybind11 RuntimeError, a crash).

Run by ./scripts/test for a bounded time:  python tests/fuzz/fuzz_readers.py -max_total_time=60 CORPUS_DIR
"""
from __future__ import annotations

import os
import sys
import tempfile
import warnings

import atheris

with atheris.instrument_imports(include=["cxkit"]):
    import cxkit

import numpy as np
import pandas as pd
import pyarrow as pa

warnings.simplefilter("ignore")
_tmp = tempfile.mkdtemp(prefix="cxkit-fuzz-")
_csv = os.path.join(_tmp, "input.csv")
_stats = {"loaded": 0, "refused": 0}

_TEXT = ["a", "b", "1", "", "NaN", "2024-01-02", "13/02/2024", "01/02/2024", "\ud800", "é", "9", "10", "x,y"]


def _value(fdp: atheris.FuzzedDataProvider, kind: int):
    if kind == 0:
        return fdp.ConsumeIntInRange(-3, 12)
    if kind == 1:
        return fdp.ConsumeRegularFloat() if fdp.ConsumeBool() else float(fdp.ConsumeIntInRange(0, 10))
    if kind == 2:
        return _TEXT[fdp.ConsumeIntInRange(0, len(_TEXT) - 1)]
    if kind == 3:
        return None
    if kind == 4:
        return fdp.ConsumeBool()
    return pd.Timestamp("2024-01-01") + pd.Timedelta(seconds=fdp.ConsumeIntInRange(-10**9, 10**9))


def _frame(fdp: atheris.FuzzedDataProvider) -> pd.DataFrame:
    n = fdp.ConsumeIntInRange(0, 8)
    cols = {}
    for name in ("customer_id", "time", "channel", "nps", "csat"):
        if name != "customer_id" and name != "time" and not fdp.ConsumeBool():
            continue
        kinds = [fdp.ConsumeIntInRange(0, 5)] if fdp.ConsumeBool() else None
        cols[name] = [_value(fdp, kinds[0] if kinds else fdp.ConsumeIntInRange(0, 5)) for _ in range(n)]
    return pd.DataFrame(cols)


def _check(build) -> None:
    try:
        log = build()
    except ValueError:
        _stats["refused"] += 1
        return
    out = log.to_pandas()
    assert len(out) == len(log), (len(out), len(log))
    _stats["loaded"] += 1


def TestOneInput(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    what = fdp.ConsumeIntInRange(0, 2)
    errors = "drop" if fdp.ConsumeBool() else "raise"
    if what == 0:
        with open(_csv, "wb") as f:
            f.write(fdp.ConsumeBytes(fdp.remaining_bytes()))
        _check(lambda: cxkit.EventLog.from_csv(_csv, errors=errors))
        return
    df = _frame(fdp)
    if what == 1:
        _check(lambda: cxkit.EventLog.from_pandas(df, errors=errors))
    else:
        try:
            table = pa.Table.from_pandas(df, preserve_index=False)
        except (pa.ArrowException, TypeError, ValueError, OverflowError):
            return  # pyarrow itself refuses the frame: nothing of cxkit's to test
        _check(lambda: cxkit.EventLog.from_arrow(table))


def main() -> None:
    atheris.Setup(sys.argv, TestOneInput)
    try:
        atheris.Fuzz()
    finally:
        print(f"readers: {_stats['loaded']} inputs loaded, {_stats['refused']} refused", flush=True)


if __name__ == "__main__":
    main()

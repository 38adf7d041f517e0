"""Ctrl-C while a large log is built (issue 11: every long call is interruptible): the build's loops (sorting,
copying, checking) ask for signals between chunks, so KeyboardInterrupt comes while the build runs, nothing is
returned, and the next build works."""
from __future__ import annotations

import os
import signal
import threading
import time

import numpy as np
import pandas as pd
import pytest

import cxkit

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGINT") or os.name == "nt", reason="needs POSIX signals")


def _frame(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    # float64 measures need no conversion in Python: the time goes to the core's copy, sort and checks
    cols = {f"m{i}": rng.random(n) for i in range(12)}
    return pd.DataFrame({"customer_id": rng.integers(0, n // 4, n).astype(np.int32),
                         "time": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 10**6, n), unit="s"),
                         **cols})


def test_sigint_stops_a_large_from_pandas():
    measures = [f"m{i}" for i in range(12)]
    small = _frame(200_000)
    t0 = time.perf_counter()
    cxkit.EventLog.from_pandas(small, measures=measures)
    small_cost = time.perf_counter() - t0
    big = _frame(6_000_000, seed=1)  # ~30x the small build

    sent, handled = [], []

    def handler(signum, frame):
        handled.append(time.perf_counter())
        raise KeyboardInterrupt

    def send():
        sent.append(time.perf_counter())
        os.kill(os.getpid(), signal.SIGINT)

    previous = signal.signal(signal.SIGINT, handler)
    result = None
    # signal once Python's own conversion (factorising the ids) is over and the core build runs
    timer = threading.Timer(max(0.3, 4 * small_cost), send)
    try:
        timer.start()
        with pytest.raises(KeyboardInterrupt):
            result = cxkit.EventLog.from_pandas(big, measures=measures)
    finally:
        timer.cancel()
        timer.join()
        signal.signal(signal.SIGINT, previous)
    assert result is None
    assert len(sent) == 1 and len(handled) == 1
    # within a few chunks of the signal (~100 ms on a quiet machine), not at the end of the build (~30x small_cost)
    assert handled[0] - sent[0] < max(0.5, 3 * small_cost)  # ~100 ms when quiet; room for a loaded machine
    log = cxkit.EventLog.from_pandas(small, measures=measures)
    assert len(log) == len(small)
    assert signal.getsignal(signal.SIGINT) is previous

"""Ctrl-C during long journey calls (issue 11: "Ctrl-C interrupts every long call within ~100 ms ... paths"):
building paths from a big log and higher-order Markov attribution stop within a fraction of their run time,
return nothing, and the next call works and gives the same answer as an uninterrupted one."""
from __future__ import annotations

import os
import signal
import threading
import time
from typing import Callable

import numpy as np
import pandas as pd
import pytest

import cxkit
from cxkit.journey.attribution import markov

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGINT") or os.name == "nt", reason="needs POSIX signals")


def _interrupt(call: Callable[[], object], after: float) -> tuple[float, object]:
    """Runs call(), sending SIGINT `after` seconds in; returns (seconds from the signal to the handler, result)."""
    sent: list[float] = []
    handled: list[float] = []

    def handler(signum: int, frame: object) -> None:
        handled.append(time.perf_counter())
        raise KeyboardInterrupt

    def send() -> None:
        sent.append(time.perf_counter())
        os.kill(os.getpid(), signal.SIGINT)

    previous = signal.signal(signal.SIGINT, handler)
    timer = threading.Timer(after, send)
    result = None
    try:
        timer.start()
        with pytest.raises(KeyboardInterrupt):
            result = call()
    finally:
        timer.cancel()
        timer.join()
        signal.signal(signal.SIGINT, previous)
    assert len(sent) == 1 and len(handled) == 1
    return handled[0] - sent[0], result


@pytest.fixture(scope="module")
def big_log() -> cxkit.EventLog:
    rng = np.random.default_rng(0)
    customers, per = 400_000, 8
    n = customers * per
    df = pd.DataFrame({
        "customer_id": np.repeat(np.arange(customers), per),
        "time": pd.Timestamp("2024-01-01") + pd.to_timedelta(np.tile(np.arange(per), customers), unit="h"),
        "channel": pd.Categorical.from_codes(rng.integers(0, 12, n), [f"ch{j}" for j in range(12)]),
        "kind": pd.Categorical.from_codes(rng.integers(0, 2, n) * (rng.random(n) < 0.05), ["touch", "purchase"]),
    })
    return cxkit.EventLog.from_pandas(df)


def test_ctrl_c_stops_paths_on_a_big_log(big_log: cxkit.EventLog):
    t0 = time.perf_counter()
    want = cxkit.journey.paths(big_log, by="channel")
    full = time.perf_counter() - t0
    assert full > 0.3, f"the log is too small to test an interruption ({full:.3f} s)"
    latency, result = _interrupt(lambda: cxkit.journey.paths(big_log, by="channel"), after=full / 4)
    assert result is None  # nothing half-built came back
    assert latency < max(0.25, full / 5)
    again = cxkit.journey.paths(big_log, by="channel")
    pd.testing.assert_frame_equal(again.to_pandas(), want.to_pandas())


def test_ctrl_c_stops_higher_order_markov():
    rng = np.random.default_rng(1)
    rows = 150_000
    paths = [" > ".join(f"c{j}" for j in rng.integers(0, 18, rng.integers(1, 9))) for _ in range(rows)]
    df = pd.DataFrame({"path": paths, "total_conversions": rng.integers(0, 3, rows), "total_null": rng.integers(1, 4, rows)})
    p = cxkit.journey.Paths.from_pandas(df)
    t0 = time.perf_counter()
    want = markov(p, order=4).credits
    full = time.perf_counter() - t0
    assert full > 0.1, f"the chain is too small to test an interruption ({full:.3f} s)"
    latency, result = _interrupt(lambda: markov(p, order=4), after=full / 4)
    assert result is None
    assert latency < max(0.25, full / 5)
    pd.testing.assert_frame_equal(markov(p, order=4).credits, want)

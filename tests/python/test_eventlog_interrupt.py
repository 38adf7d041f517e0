"""Ctrl-C while a large log is built (issue 11: every long call is interruptible): the build's loops (sorting,
copying, checking) ask for signals between chunks, so KeyboardInterrupt comes while the build runs, nothing is
returned, and the next build works."""
from __future__ import annotations

import signal

import numpy as np
import pandas as pd
from _interrupt import interrupt, later, needs_signals, timed

import cxkit

pytestmark = needs_signals


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
    small_cost = timed(lambda: cxkit.EventLog.from_pandas(small, measures=measures))
    previous = signal.getsignal(signal.SIGINT)
    # 6,000,000 rows (~30x the small build; bigger after a call that finished first, 1.5x: memory); the signal
    # once Python's own conversion (factorising the ids) is over and the core build runs
    out = interrupt(lambda n: later(cxkit.EventLog.from_pandas, _frame(n, seed=1), measures=measures), 6_000_000,
                    30 * small_cost, at=0.15, grow=1.5, tries=2)
    assert out.result is None
    # within a few chunks of the signal (~100 ms on a quiet machine), not at the end of the build (~30x small_cost)
    assert out.latency < max(0.5, 3 * small_cost)  # ~100 ms when quiet; room for a loaded machine
    log = cxkit.EventLog.from_pandas(small, measures=measures)
    assert len(log) == len(small)
    assert signal.getsignal(signal.SIGINT) is previous

"""The timing rule every bench follows, on both sides: an untimed warm-up call, then the best time over at least
5 runs and at least 0.5 s of runs (this machine is shared and noisy; the first calls in a process also run while
the CPU is still ramping up, so a single or cold timing says little)."""
from __future__ import annotations

import time
from typing import Callable, TypeVar

T = TypeVar("T")


def best_of(fn: Callable[[], T], repeat: int = 5, min_seconds: float = 0.5) -> tuple[float, T]:
    """(best seconds, last result) of fn() after a warm-up call, over at least max(5, repeat) runs and min_seconds."""
    out = fn()
    best, spent, runs = float("inf"), 0.0, 0
    while runs < max(5, repeat) or spent < min_seconds:
        t0 = time.perf_counter()
        out = fn()
        dt = time.perf_counter() - t0
        best, spent, runs = min(best, dt), spent + dt, runs + 1
    return best, out

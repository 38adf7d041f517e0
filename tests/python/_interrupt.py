"""Ctrl-C in a test: run a long call, send SIGINT part-way through it, and measure how soon KeyboardInterrupt came.

The one helper of the tests/python/test_*interrupt*.py files. The signal is timed from the measured duration of the
call on this machine, now (a fixed delay passes or fails with the machine's load), and a call that finished before
the signal (the machine got faster than measured) is retried with a bigger input instead of failing.

    seconds = timed(lambda: fit(small)) * big / small         # the expected duration of the big call
    out = interrupt(lambda n: (lambda: fit(make(n))), big, seconds)
    assert out.latency < 0.25
"""
from __future__ import annotations

import os
import signal
import threading
import time
from dataclasses import dataclass
from typing import Callable

import pytest

# Use as `pytestmark = needs_signals` in each interrupt test module.
needs_signals = pytest.mark.skipif(not hasattr(signal, "SIGINT") or os.name == "nt", reason="needs POSIX signals")


@dataclass(frozen=True)
class Interrupted:
    latency: float  # seconds from the signal to the KeyboardInterrupt (the handler ran)
    ran: float  # seconds from the start of the call to the KeyboardInterrupt
    delay: float  # seconds from the start of the call to the signal
    size: int  # the input size that was interrupted (the one asked for, or bigger after retries)
    result: object  # what the call returned: None, since it raised


def later(f: Callable[..., object], *args: object, **kwargs: object) -> Callable[[], object]:
    """f(*args, **kwargs) to call later: the arguments are built now, outside the interrupted call."""
    return lambda: f(*args, **kwargs)


def timed(call: Callable[[], object]) -> float:
    """Seconds call() takes on this machine, now."""
    t0 = time.perf_counter()
    call()
    return time.perf_counter() - t0


def sigint_after(call: Callable[[], object], delay: float) -> Interrupted | None:
    """Runs call() and sends SIGINT `delay` seconds in. None when call() returned before the signal (nothing is
    raised then, even if the signal lands just after); otherwise what the interruption measured. The previous
    SIGINT handler is restored in every case."""
    sent: list[float] = []
    handled: list[float] = []
    armed = [True]  # the handler raises only while call() runs: a signal landing after it returned is ignored

    def handler(signum: int, frame: object) -> None:
        handled.append(time.perf_counter())
        if armed[0]:
            raise KeyboardInterrupt

    def send() -> None:
        sent.append(time.perf_counter())
        os.kill(os.getpid(), signal.SIGINT)

    previous = signal.signal(signal.SIGINT, handler)
    timer = threading.Timer(delay, send)
    result = None
    interrupted = False
    t0 = time.perf_counter()
    try:
        timer.start()
        try:
            result = call()
        except KeyboardInterrupt:
            interrupted = True
        armed[0] = False
    finally:
        armed[0] = False
        timer.cancel()
        timer.join()
        # A signal sent as the call returned: let its (disarmed) handler run before the previous one is back.
        deadline = time.perf_counter() + 2.0
        while sent and not handled and time.perf_counter() < deadline:
            time.sleep(0.005)
        signal.signal(signal.SIGINT, previous)
    if not interrupted:
        return None
    assert len(sent) == 1 and len(handled) == 1, "KeyboardInterrupt without our signal"
    return Interrupted(latency=handled[0] - sent[0], ran=handled[0] - t0, delay=delay, size=0, result=result)


def interrupt(make_call: Callable[[int], Callable[[], object]], size: int, seconds: float, *, at: float = 0.3,
              grow: float = 2.0, tries: int = 3) -> Interrupted:
    """Interrupts make_call(size)() `at` of the way through its expected duration `seconds` (measured on this
    machine, e.g. with timed() on a smaller input and scaled). A call that finished before the signal (the machine
    got faster than measured) is retried with int(size * grow) and the same signal time, up to `tries` calls;
    this fails only if every call finished first."""
    delay = max(0.01, at * seconds)
    sizes = []
    for _ in range(tries):
        call = make_call(size)  # building the input is not part of the timed call
        out = sigint_after(call, delay)
        del call  # free this input before a bigger one is built
        if out is not None:
            return Interrupted(out.latency, out.ran, out.delay, size, out.result)
        sizes.append(size)
        size = max(size + 1, int(size * grow))
    pytest.fail(f"calls of sizes {sizes} all finished before the signal ({delay:.3f} s in): the input is too small "
                "to interrupt")

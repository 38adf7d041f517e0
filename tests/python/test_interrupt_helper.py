"""The shared Ctrl-C helper of the interrupt tests (tests/python/_interrupt.py): a call that finished before the
signal is retried with a bigger input instead of failing, and a signal that lands after the call is harmless."""
from __future__ import annotations

import signal
import time

from _interrupt import interrupt, needs_signals, sigint_after

pytestmark = needs_signals


def test_a_call_that_finished_before_the_signal_is_retried_with_a_bigger_input():
    sizes: list[int] = []

    def make(n: int):
        sizes.append(n)
        return lambda: time.sleep(0.02 * n)  # time.sleep is interrupted by the handler's KeyboardInterrupt

    previous = signal.getsignal(signal.SIGINT)
    # expected 0.5 s, signal 0.25 s in: sizes 1 (0.02 s) and 4 (0.08 s) end first, 16 (0.32 s) is interrupted
    out = interrupt(make, 1, 0.5, at=0.5, grow=4, tries=4)
    assert sizes == [1, 4, 16] and out.size == 16
    assert 0.2 < out.delay < 0.3 and out.latency < 0.25 and out.ran < 0.32 + 0.25
    assert out.result is None
    assert signal.getsignal(signal.SIGINT) is previous


def test_a_call_over_before_the_signal_returns_none_and_restores_the_handler():
    previous = signal.getsignal(signal.SIGINT)
    assert sigint_after(lambda: None, 0.2) is None
    assert signal.getsignal(signal.SIGINT) is previous


def test_a_signal_landing_as_the_call_returns_raises_nothing():
    """Signal and return race (the call ends when the signal is due): either outcome is reported, and no
    KeyboardInterrupt escapes after the call returned (it would error this test)."""
    previous = signal.getsignal(signal.SIGINT)
    outcomes = [sigint_after(lambda: time.sleep(0.03), 0.03) for _ in range(20)]
    assert all(o is None or o.latency < 0.25 for o in outcomes)
    assert signal.getsignal(signal.SIGINT) is previous

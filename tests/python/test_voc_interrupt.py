"""Ctrl-C during a long sentiment call: the C++ loop checks for signals between chunks, so KeyboardInterrupt is
raised while it runs (not after it would have finished), the call returns nothing, and the next call works."""

import signal

from _interrupt import interrupt, later, needs_signals, timed

import cxkit

pytestmark = needs_signals


def test_sigint_stops_a_long_sentiment_call():
    text = "The agent was helpful but the refund is still missing. I am NOT happy!! " * 100  # 7 kB
    # the cost of 1% of the work, on this machine, now
    one_percent = timed(lambda: cxkit.voc.sentiment([text] * 5_000))
    previous = signal.getsignal(signal.SIGINT)
    # 500,000 rows (one object, many rows: cheap to build, long to score); the signal 5% of the way in
    out = interrupt(lambda n: later(cxkit.voc.sentiment, [text] * n), 500_000, 100 * one_percent, at=0.05)
    assert out.result is None  # nothing half-written came back
    # Without the checks the handler would run only when the whole call returns (~100x one_percent after the
    # start); with them, within a chunk or two of the signal.
    assert out.latency < 25 * one_percent
    # the scorer is left in a clean state
    assert cxkit.voc.sentiment(["The book was good."]).compound.tolist() == [0.4404]
    assert signal.getsignal(signal.SIGINT) is previous

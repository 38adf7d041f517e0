"""Ctrl-C during a long sentiment call: the C++ loop checks for signals between chunks, so KeyboardInterrupt is
raised while it runs (not after it would have finished), the call returns nothing, and the next call works."""

import os
import signal
import threading
import time

import pytest

import cxkit

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGINT") or os.name == "nt", reason="needs POSIX signals")


def test_sigint_stops_a_long_sentiment_call():
    text = "The agent was helpful but the refund is still missing. I am NOT happy!! " * 100  # 7 kB
    # the cost of 1% of the work, on this machine, now
    t0 = time.perf_counter()
    cxkit.voc.sentiment([text] * 5_000)
    one_percent = time.perf_counter() - t0
    texts = [text] * 500_000  # one object, many rows: cheap to build, long to score

    sent, handled = [], []

    def handler(signum, frame):
        handled.append(time.perf_counter())
        raise KeyboardInterrupt

    def send():
        sent.append(time.perf_counter())
        os.kill(os.getpid(), signal.SIGINT)

    previous = signal.signal(signal.SIGINT, handler)
    timer = threading.Timer(0.2, send)
    result = None
    try:
        timer.start()
        with pytest.raises(KeyboardInterrupt):
            result = cxkit.voc.sentiment(texts)
    finally:
        timer.cancel()
        timer.join()
        signal.signal(signal.SIGINT, previous)
    assert result is None  # nothing half-written came back
    assert len(sent) == 1 and len(handled) == 1
    # Without the checks the handler would run only when the whole call returns (~100x one_percent after the
    # start); with them, within a chunk or two of the signal.
    assert handled[0] - sent[0] < 25 * one_percent
    # the scorer is left in a clean state
    assert cxkit.voc.sentiment(["The book was good."]).compound.tolist() == [0.4404]
    assert signal.getsignal(signal.SIGINT) is previous

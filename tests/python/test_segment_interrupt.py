"""Ctrl-C during long segment calls (issue 11: "Ctrl-C interrupts every long call within ~100 ms"): k-means fits
(Lloyd, Elkan, k-means++ seeding) and the Recommender's fit and recommend run in bind::released_interruptible on
core::parallel_for, so KeyboardInterrupt is raised while they run, nothing half-built is left (the estimator keeps
its previous fit) and the next call works."""

import os
import signal
import threading
import time

import numpy as np
import pandas as pd
import pytest

import cxkit

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGINT") or os.name == "nt", reason="needs POSIX signals")


def _interrupt(call, after: float = 0.3):
    """Runs call() with a SIGINT sent `after` seconds in; returns (seconds from the signal to the handler, the
    seconds the call ran). The handler raises KeyboardInterrupt, which must come out of call()."""
    sent, handled = [], []

    def handler(signum, frame):
        handled.append(time.perf_counter())
        raise KeyboardInterrupt

    def send():
        sent.append(time.perf_counter())
        os.kill(os.getpid(), signal.SIGINT)

    previous = signal.signal(signal.SIGINT, handler)
    timer = threading.Timer(after, send)
    t0 = time.perf_counter()
    try:
        timer.start()
        with pytest.raises(KeyboardInterrupt):
            call()
    finally:
        timer.cancel()
        timer.join()
        signal.signal(signal.SIGINT, previous)
    assert len(sent) == 1 and len(handled) == 1, "the call ended before the signal: make the work longer"
    return handled[0] - sent[0], handled[0] - t0


@pytest.fixture(scope="module")
def blobs():
    rng = np.random.default_rng(3)
    return rng.normal(size=(300_000, 8))


@pytest.mark.parametrize("algorithm", ["lloyd", "elkan"])
def test_sigint_stops_a_kmeans_fit_and_keeps_the_previous_fit(blobs, algorithm):
    km = cxkit.segment.KMeans(3, seed=1, algorithm=algorithm, threads=2).fit(blobs[:1000])
    before = km.cluster_centers_.copy(), km.labels_.copy(), km.inertia_
    # many clusters, no tolerance, many starts: seconds of work if not stopped
    km.n_clusters, km.tol, km.max_iter, km.n_init = 64, 0.0, 300, 5
    delay, ran = _interrupt(lambda: km.fit(blobs))
    assert delay < 0.25, f"KeyboardInterrupt {delay:.3f} s after the signal"
    # nothing half-built: the previous fit is intact
    np.testing.assert_array_equal(km.cluster_centers_, before[0])
    np.testing.assert_array_equal(km.labels_, before[1])
    assert km.inertia_ == before[2] and len(km.labels_) == 1000
    # the next call works (and equals a fresh fit)
    km.n_clusters, km.tol, km.max_iter, km.n_init = 3, 1e-4, 300, 1
    again = km.fit(blobs[:1000])
    np.testing.assert_array_equal(again.labels_, before[1])


def test_sigint_stops_kmeans_plusplus_seeding(blobs):
    # k-means++ alone (max_iter=1) with many centres: the seeding loop checks between centres
    km = cxkit.segment.KMeans(2000, max_iter=1, seed=0, threads=1)
    delay, _ = _interrupt(lambda: km.fit(blobs))
    assert delay < 0.25
    assert not hasattr(km, "cluster_centers_")  # never fitted: still not fitted
    assert len(cxkit.segment.KMeans(2, seed=0).fit(blobs[:200]).labels_) == 200


@pytest.fixture(scope="module")
def purchases():
    # 400,000 customers buying from 20,000 items, 12 purchases each: a co-occurrence product of seconds
    rng = np.random.default_rng(5)
    n_cust, per = 400_000, 12
    cust = np.repeat(np.arange(n_cust), per)
    item = (rng.zipf(1.3, size=n_cust * per) % 20_000).astype(np.int64)
    return pd.DataFrame({"customer_id": cust, "item": item})


def test_sigint_stops_a_recommender_fit_and_keeps_the_previous_fit(purchases):
    small = pd.DataFrame({"customer_id": [1, 1, 2, 2, 2, 3], "item": ["a", "b", "a", "b", "c", "b"]})
    rec = cxkit.segment.Recommender(threads=2).fit(small)
    before = rec.recommend([1, 3], n=2)
    state_before = rec.state_
    t0 = time.perf_counter()
    cxkit.segment.Recommender(threads=2).fit(purchases)
    full = time.perf_counter() - t0  # the signal comes a third of the way into the fit, whatever the machine's load
    delay, _ = _interrupt(lambda: rec.fit(purchases), after=full / 3)
    assert delay < 0.25, f"KeyboardInterrupt {delay:.3f} s after the signal"
    pd.testing.assert_frame_equal(rec.recommend([1, 3], n=2), before)
    assert rec.state_ == state_before and len(rec.items_) == 3
    # partial_fit interrupted the same way keeps the fit too
    delay, _ = _interrupt(lambda: rec.partial_fit(purchases), after=full / 3)
    pd.testing.assert_frame_equal(rec.recommend([1, 3], n=2), before)
    # the next call works
    assert rec.partial_fit(pd.DataFrame({"customer_id": [3], "item": ["c"]})).recommend([3], n=1)["item"].tolist() \
        == ["a"]


def test_sigint_stops_the_compiled_recommender_fit(purchases):
    # the C++ fit alone (codes prepared first), so the signal surely lands in C++, not in the Python preparation
    from cxkit import _core
    from cxkit.segment._recommender import _purchase_codes

    cust, cust_ids, item, item_ids = _purchase_codes(purchases, None, "item", None)
    core = _core.segment.Recommender("cosine", 2)
    core.fit(np.array([0, 0, 1], dtype=np.int32), np.array([0, 1, 1], dtype=np.int32), 2, 2)
    args = (cust.astype(np.int32), item.astype(np.int32), len(cust_ids), len(item_ids))
    delay, ran = _interrupt(lambda: core.fit(*args), after=0.15)
    assert delay < 0.25, f"KeyboardInterrupt {delay:.3f} s after the signal"
    assert core.fitted and len(core.item_counts) == 2  # the previous fit, whole
    core.fit(*args)
    assert len(core.item_counts) == len(item_ids)


def test_sigint_stops_recommend(purchases):
    rec = cxkit.segment.Recommender(threads=2).fit(purchases.iloc[:400_000])
    customers = np.tile(rec.customers_.to_numpy(), 60)  # about 2 million lists
    delay, _ = _interrupt(lambda: rec.recommend(customers, n=10), after=0.3)
    assert delay < 0.25, f"KeyboardInterrupt {delay:.3f} s after the signal"
    assert len(rec.recommend(customers[:5], n=3)) > 0

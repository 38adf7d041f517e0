"""Ctrl-C during long segment calls (issue 11: "Ctrl-C interrupts every long call within ~100 ms"): k-means fits
(Lloyd, Elkan, k-means++ seeding) and the Recommender's fit and recommend run in bind::released_interruptible on
core::parallel_for, so KeyboardInterrupt is raised while they run, nothing half-built is left (the estimator keeps
its previous fit) and the next call works."""

import numpy as np
import pandas as pd
import pytest
from _interrupt import interrupt, later, needs_signals, timed

import cxkit

pytestmark = needs_signals


@pytest.fixture(scope="module")
def blobs():
    rng = np.random.default_rng(3)
    return rng.normal(size=(300_000, 8))


@pytest.mark.parametrize("algorithm", ["lloyd", "elkan"])
def test_sigint_stops_a_kmeans_fit_and_keeps_the_previous_fit(blobs, algorithm):
    km = cxkit.segment.KMeans(3, seed=1, algorithm=algorithm, threads=2).fit(blobs[:1000])
    before = km.cluster_centers_.copy(), km.labels_.copy(), km.inertia_
    # many clusters, no tolerance, many starts: seconds of work if not stopped
    km.n_clusters, km.tol, km.max_iter = 64, 0.0, 300
    # The cost of 10 iterations of one start; a start that does not converge runs 300. The size is the number of
    # starts (a bigger size when the fit converged before the signal).
    ten = timed(lambda: cxkit.segment.KMeans(64, tol=0.0, max_iter=10, n_init=1, seed=1, algorithm=algorithm,
                                               threads=2).fit(blobs))

    def starts(n: int):
        km.n_init, km.max_iter = n, 300
        return lambda: km.fit(blobs)

    # the signal ~15 iterations in (at 0.05 of 30 x 10 iterations: the first start is rarely over by then)
    out = interrupt(starts, 5, 30 * ten, at=0.05)
    assert out.latency < 0.25, f"KeyboardInterrupt {out.latency:.3f} s after the signal"
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
    # seeding costs about n x k: time 200 centres, interrupt 2000 (more when the machine got faster)
    per_centre = timed(lambda: cxkit.segment.KMeans(200, max_iter=1, seed=0, threads=1).fit(blobs)) / 200
    km = cxkit.segment.KMeans(2000, max_iter=1, seed=0, threads=1)

    def centres(k: int):
        km.n_clusters = k
        return lambda: km.fit(blobs)

    out = interrupt(centres, 2000, 2000 * per_centre, at=0.1)
    assert out.latency < 0.25
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


def _copies(purchases: pd.DataFrame, n: int) -> pd.DataFrame:
    """n copies of the purchases by disjoint customers: n times the work."""
    if n == 1:
        return purchases
    step = int(purchases["customer_id"].max()) + 1
    return pd.concat([purchases.assign(customer_id=purchases["customer_id"] + k * step) for k in range(n)],
                     ignore_index=True)


def test_sigint_stops_a_recommender_fit_and_keeps_the_previous_fit(purchases):
    small = pd.DataFrame({"customer_id": [1, 1, 2, 2, 2, 3], "item": ["a", "b", "a", "b", "c", "b"]})
    rec = cxkit.segment.Recommender(threads=2).fit(small)
    before = rec.recommend([1, 3], n=2)
    state_before = rec.state_
    full = timed(lambda: cxkit.segment.Recommender(threads=2).fit(purchases))
    # the signal comes a third of the way into the fit, whatever the machine's load
    out = interrupt(lambda n: later(rec.fit, _copies(purchases, n)), 1, full, at=1 / 3)
    assert out.latency < 0.25, f"KeyboardInterrupt {out.latency:.3f} s after the signal"
    pd.testing.assert_frame_equal(rec.recommend([1, 3], n=2), before)
    assert rec.state_ == state_before and len(rec.items_) == 3
    # partial_fit interrupted the same way keeps the fit too
    interrupt(lambda n: later(rec.partial_fit, _copies(purchases, n)), 1, full, at=1 / 3)
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

    def copies(n: int):
        # n copies by disjoint customers: n times the work
        c = np.concatenate([args[0] + k * args[2] for k in range(n)]).astype(np.int32)
        many = (c, np.tile(args[1], n), n * args[2], args[3])
        return lambda: core.fit(*many)

    # the cost of a quarter of the customers, scaled
    quarter = args[0] < args[2] // 4
    small = (args[0][quarter], args[1][quarter], args[2], args[3])
    full = 4 * timed(lambda: _core.segment.Recommender("cosine", 2).fit(*small))
    out = interrupt(copies, 1, full, at=1 / 3)
    assert out.latency < 0.25, f"KeyboardInterrupt {out.latency:.3f} s after the signal"
    assert core.fitted and len(core.item_counts) == 2  # the previous fit, whole
    core.fit(*args)
    assert len(core.item_counts) == len(item_ids)


def test_sigint_stops_recommend(purchases):
    rec = cxkit.segment.Recommender(threads=2).fit(purchases.iloc[:400_000])
    customers = rec.customers_.to_numpy()
    # the cost of one list, from 1000; then enough lists for ~2 s of work (the signal ~0.6 s in)
    per_list = timed(lambda: rec.recommend(customers[:1000], n=10)) / 1000
    lists = max(5_000, int(2.0 / per_list))
    out = interrupt(lambda n: later(rec.recommend, np.resize(customers, n), n=10), lists, lists * per_list)
    assert out.latency < 0.25, f"KeyboardInterrupt {out.latency:.3f} s after the signal"
    assert len(rec.recommend(customers[:5], n=3)) > 0

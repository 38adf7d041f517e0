"""The Recommender's mergeable state: merge(A, B) == fill(A u B) on two parts with different item distributions and
customers present in both, from_state / partial_fit equal to fit on all purchases, serialize and pickle round trips."""
from __future__ import annotations

import doctest
import pickle

import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from cxkit import _core
from cxkit.segment import Recommender
from cxkit.segment import _recommender
from cxkit.segment._recommender import RecommenderState


def part(seed, customers, n_items, hot, n):
    """Purchases of customer ids in `customers`, half of them among the `hot` items."""
    rng = np.random.default_rng(seed)
    cust = rng.choice(customers, n)
    item = np.where(rng.random(n) < 0.5, rng.choice(hot, n), rng.integers(0, n_items, n))
    return pd.DataFrame({"customer_id": cust, "item": [f"sku{j:03d}" for j in item]})


@pytest.fixture(scope="module")
def parts():
    # A: customers 0..1199 buying mostly items 0..19; B: customers 800..1999 buying mostly items 80..99 and a few
    # items A never saw (100..109): customers 800..1199 are in both parts
    a = part(1, np.arange(0, 1200), 100, np.arange(0, 20), 6000)
    b = part(2, np.arange(800, 2000), 110, np.arange(80, 100), 6000)
    return a, b


def cooccurrence(df, items):
    c, _ = pd.factorize(df["customer_id"])
    i = items.get_indexer(df["item"])
    X = sparse.csr_matrix((np.ones(len(df)), (c, i)), shape=(c.max() + 1, len(items)))
    X.data[:] = 1.0  # repeats count once (csr sums duplicates)
    X.sum_duplicates()
    X.data[:] = 1.0
    return (X.T @ X).toarray()


def test_parts_overlap_so_counts_are_not_additive(parts):
    """Why the state keeps item sets: the parts' co-occurrence counts do not add up to the whole's."""
    a, b = parts
    assert len(set(a["customer_id"]) & set(b["customer_id"])) > 300
    items = pd.Index(sorted(set(a["item"]) | set(b["item"])))
    whole = cooccurrence(pd.concat([a, b]), items)
    assert (cooccurrence(a, items) + cooccurrence(b, items) != whole).sum() > 100


def test_merge_equals_fill_of_the_union(parts):
    a, b = parts
    sa, sb, whole = RecommenderState(a), RecommenderState(b), RecommenderState(pd.concat([a, b]))
    assert sa + sb == whole
    assert sb + sa == whole
    assert sa.merge(sb) == whole
    assert (sa + sb).pairs().equals(whole.pairs())
    assert list((sa + sb).customers_) == list(whole.customers_)
    assert list((sa + sb).items_) == list(whole.items_)
    assert RecommenderState() + sa == sa and sa + RecommenderState() == sa
    third = RecommenderState(part(3, np.arange(1900, 2100), 120, np.arange(100, 120), 500))
    assert (sa + sb) + third == sa + (sb + third)
    s = RecommenderState(a)
    s += sb
    assert s == whole and sa != whole
    assert len(whole) == len(pd.concat([a, b]).drop_duplicates())


@pytest.mark.parametrize("similarity", ["cosine", "lift"])
def test_from_state_and_partial_fit_equal_fit_on_all(parts, similarity):
    a, b = parts
    full = Recommender(similarity, threads=2).fit(pd.concat([a, b]))
    merged = Recommender.from_state(RecommenderState(a) + RecommenderState(b), similarity, threads=2)
    stepwise = Recommender(similarity, threads=2).fit(a).partial_fit(b)
    for rec in (merged, stepwise):
        assert list(rec.customers_) == list(full.customers_)
        assert list(rec.items_) == list(full.items_)
        d = rec.similarity_matrix() - full.similarity_matrix()
        assert d.nnz == 0 or abs(d).max() == 0
        pd.testing.assert_frame_equal(rec.recommend(n=5), full.recommend(n=5))
        assert rec.state_ == full.state_ == RecommenderState(pd.concat([a, b]))
    # the parts' recommenders alone differ from the whole's (the test data can tell them apart)
    assert (Recommender(similarity).fit(a).similarity_matrix() != full.similarity_matrix()[:100, :100]).nnz > 0


def test_state_keeps_customers_from_a_table_out_and_from_state_takes_the_table(parts):
    a, _ = parts
    table = pd.DataFrame({"customer_id": [5000, 0], "ok": [True, False], "seg": ["x", "y"]})
    rec = Recommender().fit(a, customers=table, consent="ok", segment="seg")
    assert 5000 in rec.customers_ and 5000 not in rec.state_.customers_
    again = Recommender.from_state(rec.state_, customers=table, consent="ok", segment="seg")
    pd.testing.assert_frame_equal(again.recommend([0, 5000, 7]), rec.recommend([0, 5000, 7]))
    # partial_fit keeps the previous table, consent and segments
    more = rec.partial_fit(pd.DataFrame({"customer_id": [5000], "item": ["sku001"]}))
    assert more.recommend([0])["source"].eq("segment_popular").all()


def test_pickle_and_serialize_round_trip(parts):
    a, b = parts
    s = RecommenderState(a) + RecommenderState(b)
    back = pickle.loads(pickle.dumps(s))
    assert back == s and back.pairs().equals(s.pairs())
    core = s._core
    assert _core.segment.RecommenderState.deserialize(core.serialize()) == core
    assert pickle.loads(pickle.dumps(core)) == core
    with pytest.raises(ValueError, match="serialized state"):
        _core.segment.RecommenderState.deserialize(core.serialize()[:-5])
    with pytest.raises(ValueError, match="expected a serialized RecommenderState"):
        _core.segment.RecommenderState.deserialize(_core.segment.RecommenderState().serialize().replace(
            b"RecommenderState", b"RecommenderStatX"))
    empty = pickle.loads(pickle.dumps(RecommenderState()))
    assert empty == RecommenderState() and len(empty) == 0


def test_ids_of_any_hashable_and_bad_input():
    x = RecommenderState(pd.DataFrame({"customer_id": ["u1", "u2"], "item": [("a", 1), ("b", 2)]}))
    y = RecommenderState(pd.DataFrame({"customer_id": ["u2", "u3"], "item": [("a", 1), ("c", 3)]}))
    assert len(x + y) == 4
    assert sorted((x + y).pairs().itertuples(index=False, name=None)) == [
        ("u1", ("a", 1)), ("u2", ("a", 1)), ("u2", ("b", 2)), ("u3", ("c", 3))]
    with pytest.raises(ValueError, match="missing customer id"):
        RecommenderState(pd.DataFrame({"customer_id": [1, None], "item": ["a", "b"]}))
    with pytest.raises(TypeError, match="RecommenderState"):
        Recommender.from_state(pd.DataFrame())


def test_docstring_examples():
    finder, runner = doctest.DocTestFinder(), doctest.DocTestRunner()
    for obj, name in ((RecommenderState, "RecommenderState"), (Recommender.from_state, "from_state"),
                      (Recommender.partial_fit, "partial_fit"), (Recommender, "Recommender")):
        for test in finder.find(obj, name, globs={}):
            runner.run(test)
    assert runner.failures == 0 and runner.tries >= 10
    assert _recommender.RecommenderState is RecommenderState

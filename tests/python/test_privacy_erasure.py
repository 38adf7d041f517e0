"""Erasure (issue 15): states holding per-customer data forget a customer exactly (state and bytes equal a fresh
fill without them, no trace of the id); states of pure counts refuse and say why."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import cxkit
from cxkit import privacy
from cxkit.segment._recommender import RecommenderState


@pytest.fixture(scope="module")
def buys() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    return pd.DataFrame({"customer_id": [f"cust-{i:04d}" for i in rng.integers(0, 300, 4000)],
                         "item": [f"sku{i}" for i in rng.integers(0, 50, 4000)]})


def test_customer_keys_match_the_logs_keys():
    keys = privacy.customer_keys(["alice", "bob"])
    # FNV-1a 64 of the UTF-8 bytes (independent: written out here)
    def fnv(s: str) -> int:
        h = 0xcbf29ce484222325
        for b in s.encode():
            h = ((h ^ b) * 0x100000001b3) % 2**64
        return h
    assert keys.tolist() == [fnv("alice"), fnv("bob")]
    assert privacy.customer_keys([7, 8]).tolist() == [7, 8]
    assert privacy.customer_keys(pd.Series([7, 8])).tolist() == [7, 8]
    import pyarrow as pa
    assert privacy.customer_keys(pa.array([7, 8])).tolist() == [7, 8]  # integer Arrow ids were hashed as text
    assert privacy.customer_keys(pa.array(["alice"])).tolist() == [fnv("alice")]


def test_customer_set_and_activity_forget(buys):
    ids = buys["customer_id"].unique()
    gone = ids[:40]
    keys_all, keys_kept = privacy.customer_keys(ids), privacy.customer_keys(ids[40:])
    s_all, s_kept = cxkit.metrics.CustomerSet(), cxkit.metrics.CustomerSet()
    a_all, a_kept = cxkit.ActivityState(), cxkit.ActivityState()
    periods = np.arange(len(ids)) % 5
    a_all.add(keys_all, periods)
    a_kept.add(keys_kept, periods[40:])
    s_all += _set_of(keys_all)
    s_kept += _set_of(keys_kept)
    assert len(s_all) == len(ids) and len(s_kept) == len(ids) - 40
    s_all.erase(privacy.customer_keys(gone))
    a_all.erase(privacy.customer_keys(gone))
    assert s_all == s_kept and s_all.serialize() == s_kept.serialize()
    assert a_all == a_kept and a_all.serialize() == a_kept.serialize()
    for k in privacy.customer_keys(gone):
        assert int(k).to_bytes(8, "little") not in s_all.serialize()


def _set_of(keys: np.ndarray):
    """A CustomerSet holding these keys, built from its documented byte layout (tag, version, sorted keys)."""
    return cxkit.metrics.CustomerSet.deserialize(_customer_set_bytes(np.unique(keys)))


def _customer_set_bytes(sorted_keys: np.ndarray) -> bytes:
    tag = b"CustomerSet"
    return (len(tag).to_bytes(8, "little") + tag + (1).to_bytes(4, "little") +
            len(sorted_keys).to_bytes(8, "little") + sorted_keys.astype("<u8").tobytes())


def test_recommender_state_forgets_and_recommends_as_without_them(buys):
    gone = buys["customer_id"].unique()[:25]
    full = RecommenderState(buys)
    kept = RecommenderState(buys[~buys["customer_id"].isin(gone)])
    assert full.erase(list(gone) + ["nobody"]) == 25
    assert full == kept
    assert not set(gone) & set(full.customers_)
    assert all(g.encode() not in __import__("pickle").dumps(full) for g in gone)
    a = cxkit.segment.Recommender.from_state(full).recommend(n=3)
    b = cxkit.segment.Recommender.from_state(kept).recommend(n=3)
    pd.testing.assert_frame_equal(a, b)


def test_a_scorecard_cannot_forget_and_says_so():
    log = cxkit.EventLog.from_pandas(cxkit.datasets.simulate(n_customers=50, seed=1))
    with pytest.raises(TypeError, match="cannot forget"):
        cxkit.scorecard_state(log).erase(["c1"])

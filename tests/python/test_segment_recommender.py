"""cxkit.segment.Recommender against an independent scipy.sparse implementation (X.T @ X, normalised)."""
import numpy as np
import pandas as pd
import pytest
from scipy import sparse

import cxkit
from cxkit.segment import Recommender


def make_purchases(n_customers=2000, n_items=150, n=15000, seed=0):
    rng = np.random.default_rng(seed)
    # skewed popularity and some taste structure: customers of group g prefer items of block g
    group = rng.integers(0, 3, n_customers)
    cust = rng.integers(0, n_customers, n)
    base = np.minimum(rng.integers(0, n_items, n), rng.integers(0, n_items, n))
    block = (group[cust] * (n_items // 3) + rng.integers(0, n_items // 3, n)) % n_items
    item = np.where(rng.random(n) < 0.5, base, block)
    return pd.DataFrame({"customer_id": cust + 1000, "item": [f"sku{j:04d}" for j in item]}), cust, item


def reference(cust, item, n_customers, n_items, similarity):
    """The scipy recipe: binary incidence X, C = X.T @ X, normalised, zero diagonal; scores X @ S."""
    X = sparse.csr_matrix((np.ones(len(cust)), (cust, item)), shape=(n_customers, n_items))
    X.sum_duplicates()
    X.data[:] = 1.0
    C = (X.T @ X).tocoo()
    c = np.asarray(X.sum(axis=0)).ravel()
    N = int((np.diff(X.indptr) > 0).sum())
    if similarity == "cosine":
        data = C.data / np.sqrt(c[C.row] * c[C.col])
    else:
        data = C.data * N / (c[C.row] * c[C.col])
    data[C.row == C.col] = 0.0
    S = sparse.csr_matrix((data, (C.row, C.col)), shape=(n_items, n_items))
    S.eliminate_zeros()
    return X, S, (X @ S).toarray()


def reference_top(X, scores, n=5, exclude=True):
    out = {}
    dense = X.toarray()
    for u in range(scores.shape[0]):
        s = scores[u].copy()
        ok = s > 0
        if exclude:
            ok &= dense[u] == 0
        cand = np.flatnonzero(ok)
        order = np.lexsort((cand, -s[cand]))[:n]
        out[u] = list(cand[order])
    return out


@pytest.mark.parametrize("similarity", ["cosine", "lift"])
def test_similarity_and_top5_equal_scipy(similarity):
    df, cust, item = make_purchases()
    # customers and items as cxkit codes them: sorted ids
    ccodes, cids = pd.factorize(df["customer_id"], sort=True)
    icodes, iids = pd.factorize(df["item"], sort=True)
    X, S, scores = reference(ccodes, icodes, len(cids), len(iids), similarity)

    rec = Recommender(similarity, threads=2).fit(df, item="item")
    assert list(rec.items_) == list(iids)
    assert list(rec.customers_) == list(cids)
    mine = rec.similarity_matrix().tocsr()
    assert (mine != mine.T).nnz == 0
    assert mine.nnz == S.nnz
    assert np.array_equal(mine.indptr, S.indptr) and np.array_equal(mine.indices, S.indices)
    np.testing.assert_allclose(mine.data, S.data, rtol=1e-12, atol=0)

    got = rec.recommend(n=5)
    assert (got["source"] == "personalised").all()
    want = reference_top(X, scores, n=5, exclude=True)
    code_of_item = {v: k for k, v in enumerate(iids)}
    for u, cid in enumerate(cids):
        g = got[got["customer_id"] == cid]
        assert [code_of_item[i] for i in g["item"]] == want[u], cid
        assert list(g["rank"]) == list(range(1, len(g) + 1))
        np.testing.assert_allclose(g["score"].to_numpy(), scores[u, want[u]], rtol=1e-12, atol=0)

    # similar items: the item's column of S, ordered by score then item
    dense = S.toarray()
    for j in (0, 7, 42):
        sim = rec.similar_items(iids[j], n=5)
        cand = np.flatnonzero(dense[:, j] > 0)
        order = cand[np.lexsort((cand, -dense[cand, j]))][:5]
        assert list(sim["item"]) == list(iids[order])
        np.testing.assert_allclose(sim["score"], dense[order, j], rtol=1e-12, atol=0)


def test_keep_purchased_and_thread_count_do_not_change_lists():
    df, *_ = make_purchases(500, 60, 4000, seed=3)
    ccodes, cids = pd.factorize(df["customer_id"], sort=True)
    icodes, iids = pd.factorize(df["item"], sort=True)
    X, S, scores = reference(ccodes, icodes, len(cids), len(iids), "lift")
    one = Recommender("lift", threads=1).fit(df, item="item").recommend(n=8, exclude_purchased=False)
    many = Recommender("lift", threads=3).fit(df, item="item").recommend(n=8, exclude_purchased=False)
    pd.testing.assert_frame_equal(one, many)
    want = reference_top(X, scores, n=8, exclude=False)
    for u in (0, 10, 200):
        g = one[one["customer_id"] == cids[u]]
        assert list(g["item"]) == list(iids[want[u]])


def test_consent_and_segments_fall_back_to_popular_items():
    df, *_ = make_purchases(800, 90, 6000, seed=5)
    ids = np.sort(df["customer_id"].unique())
    rng = np.random.default_rng(1)
    # the CRM table: segments, consent (some missing = not consented), plus two customers without purchases
    table = pd.DataFrame({"customer_id": np.r_[ids, [1, 2]]})
    table["segment"] = rng.choice(["Champions", "At Risk", "Lost"], len(table))
    table["consent_personalisation"] = rng.choice([True, False, None], len(table), p=[0.6, 0.3, 0.1])
    rec = Recommender().fit(df, item="item", customers=table, consent="consent_personalisation",
                            segment="segment")
    out = rec.recommend(table["customer_id"], n=4)

    # independent popularity per segment: distinct buyers of the item / customers in the segment (pandas)
    bought = df.drop_duplicates().merge(table, on="customer_id")
    pop = (bought.groupby(["segment", "item"]).size() / table.groupby("segment").size()).rename("share").reset_index()
    consented = table.set_index("customer_id")["consent_personalisation"].eq(True)
    for cid in np.r_[ids[:40], [1, 2]]:
        g = out[out["customer_id"] == cid]
        has_history = cid in set(df["customer_id"])
        if consented[cid] and has_history:
            assert (g["source"] == "personalised").all()
            assert not set(g["item"]) & set(df.loc[df["customer_id"] == cid, "item"])
        else:
            seg = table.set_index("customer_id").loc[cid, "segment"]
            p = pop[pop["segment"] == seg].sort_values(["share", "item"], ascending=[False, True]).head(4)
            assert (g["source"] == "segment_popular").all()
            assert list(g["item"]) == list(p["item"])
            np.testing.assert_allclose(g["score"], p["share"], rtol=1e-12)
    # the same fallback through popular_items
    p = rec.popular_items("Lost", n=3)
    want = pop[pop["segment"] == "Lost"].sort_values(["share", "item"], ascending=[False, True]).head(3)
    assert list(p["item"]) == list(want["item"])


def test_consent_series_privacy_by_default():
    df = pd.DataFrame({"customer_id": ["a", "a", "b", "b", "c"], "item": ["x", "y", "x", "z", "y"]})
    # c is missing from the consent series: not consented
    rec = Recommender().fit(df, consent=pd.Series({"a": True, "b": False}))
    out = rec.recommend(["a", "b", "c"], n=2)
    assert list(out.loc[out["customer_id"] == "a", "source"]) == ["personalised"]
    assert set(out.loc[out["customer_id"] != "a", "source"]) == {"segment_popular"}
    # without segments the fallback is everyone's popular items: x and y bought by 2 of 3 customers
    assert list(out.loc[out["customer_id"] == "c", "item"]) == ["x", "y"]


def test_from_event_log_equals_from_dataframe():
    df, *_ = make_purchases(300, 40, 2500, seed=2)
    df["time"] = pd.Timestamp("2024-01-01") + pd.to_timedelta(np.arange(len(df)), unit="h")
    df["kind"] = "purchase"
    noise = df.sample(300, random_state=0).assign(kind="interaction", item="sku9999")
    log = cxkit.EventLog.from_pandas(pd.concat([df, noise]), categoricals=["item"])
    a = Recommender().fit(log, item="item").recommend(n=5)
    b = Recommender().fit(df, item="item").recommend(n=5)
    key = ["customer_id", "rank"]
    pd.testing.assert_frame_equal(a.sort_values(key).reset_index(drop=True),
                                  b.sort_values(key).reset_index(drop=True))
    assert "sku9999" not in set(Recommender().fit(log, item="item").items_)


def test_integer_ids_sparse_and_dense_code_alike():
    df, *_ = make_purchases(300, 40, 2500, seed=4)
    df["item_no"] = df["item"].str[3:].astype(np.int64)          # dense ints 0..39
    wide = df.assign(item_no=df["item_no"] * 10**12 - 7, customer_id=df["customer_id"] * -(10**9))  # sparse ints
    a = Recommender().fit(df, item="item_no")
    b = Recommender().fit(wide, item="item_no")
    assert list(a.items_) == sorted(df["item_no"].unique())
    assert list(b.items_) == sorted(wide["item_no"].unique())
    assert list(b.customers_) == sorted(wide["customer_id"].unique())
    ra = a.recommend(n=5)
    rb = b.recommend(n=5)
    np.testing.assert_array_equal(ra["item"].to_numpy() * 10**12 - 7, rb.sort_values(["customer_id"],
                                  ascending=False, kind="stable")["item"].to_numpy())


def test_bad_input():
    df = pd.DataFrame({"customer_id": [1, 1, 2], "item": ["a", "b", None]})
    with pytest.raises(ValueError, match="column 'item', row 2"):
        Recommender().fit(df)
    good = df.dropna()
    rec = Recommender().fit(good)
    with pytest.raises(ValueError, match="row 1: unknown customer 99"):
        rec.recommend([1, 99])
    with pytest.raises(ValueError, match="unknown item 'zz'"):
        rec.similar_items("zz")
    with pytest.raises(ValueError, match="similarity"):
        Recommender("jaccard")
    with pytest.raises(ValueError, match="'sku'"):
        Recommender().fit(good, item="sku")
    with pytest.raises(ValueError, match="customers="):
        Recommender().fit(good, consent="consent_personalisation")
    with pytest.raises(ValueError, match="not a boolean"):
        Recommender().fit(good, consent=pd.Series({1: "yes", 2: True}))
    with pytest.raises(RuntimeError, match="not fitted"):
        Recommender().recommend([1])
    with pytest.raises(ValueError, match="n must be"):
        rec.recommend([1], n=-1)

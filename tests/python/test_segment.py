"""cxkit.segment: k-means, silhouette, choose_k and RFM against scikit-learn and pandas."""
import warnings

import numpy as np
import pandas as pd
import pytest

import cxkit
from cxkit import segment

sklearn = pytest.importorskip("sklearn")
from sklearn.cluster import KMeans as SkKMeans  # noqa: E402
from sklearn.datasets import make_blobs  # noqa: E402
from sklearn.metrics import adjusted_rand_score  # noqa: E402
from sklearn.metrics import silhouette_score as sk_silhouette  # noqa: E402


@pytest.fixture(scope="module")
def cdnow():
    return cxkit.datasets.load_cdnow()


@pytest.fixture(scope="module")
def cdnow_summary(cdnow):
    end = cdnow["time"].max()
    g = cdnow.groupby("customer_id", sort=True)
    return pd.DataFrame({"recency": (end - g["time"].max()) / pd.Timedelta(days=1),
                         "frequency": g.size().astype(float), "monetary": g["value"].sum()})


# ------------------------------------------------------------------------------------------------------ k-means
@pytest.mark.parametrize("algorithm", ["lloyd", "elkan"])
def test_inertia_matches_sklearn_on_blobs(algorithm):
    X, _ = make_blobs(n_samples=4000, centers=6, n_features=5, cluster_std=2.5, random_state=3)
    sk = SkKMeans(6, n_init=5, random_state=0).fit(X)
    km = segment.KMeans(6, n_init=5, algorithm=algorithm, seed=0).fit(X)
    assert km.inertia_ <= sk.inertia_ * 1.005
    assert km.cluster_centers_.shape == (6, 5) and km.labels_.shape == (4000,)
    assert km.n_iter_ >= 1
    # inertia_ is the sum of squared distances to the reported centres
    d = ((X - km.cluster_centers_[km.labels_]) ** 2).sum()
    assert km.inertia_ == pytest.approx(d, rel=1e-9)


def test_inertia_matches_sklearn_on_standardised_cdnow_rfm(cdnow_summary):
    X = cdnow_summary[["recency", "frequency", "monetary"]]
    Z = ((X - X.mean()) / X.std(ddof=0)).to_numpy()
    sk = SkKMeans(5, n_init=3, random_state=0).fit(Z)
    km = segment.KMeans(5, n_init=3, standardize=True, seed=0).fit(X)
    assert km.inertia_ <= sk.inertia_ * 1.005
    # centres in original units: close to the segment means of the original columns (not equal: as sklearn, the
    # run stops on the tol criterion and the labels are then reassigned to the returned centres)
    means = X.groupby(km.labels_).mean().to_numpy()
    np.testing.assert_allclose(km.cluster_centers_, means, rtol=0.02)
    assert list(km.centers_.columns) == ["recency", "frequency", "monetary"]
    assert list(km.feature_names_in_) == ["recency", "frequency", "monetary"]


@pytest.mark.parametrize("algorithm", ["lloyd", "elkan"])
def test_recovers_well_separated_planted_clusters(algorithm):
    rng = np.random.default_rng(7)
    centres = rng.uniform(-100, 100, size=(7, 4))
    truth = rng.integers(0, 7, size=3000)
    X = centres[truth] + rng.normal(0, 1.0, size=(3000, 4))
    km = segment.KMeans(7, n_init=4, algorithm=algorithm, seed=1).fit(X)
    assert adjusted_rand_score(truth, km.labels_) == 1.0
    assert (km.predict(X) == km.labels_).all()


def test_determinism_threads_and_algorithms():
    X, _ = make_blobs(n_samples=5000, centers=5, n_features=3, cluster_std=3.0, random_state=1)
    a = segment.KMeans(5, n_init=3, seed=42, threads=1).fit(X)
    b = segment.KMeans(5, n_init=3, seed=42, threads=4).fit(X)
    c = segment.KMeans(5, n_init=3, seed=42, algorithm="elkan", threads=3).fit(X)
    assert (a.labels_ == b.labels_).all() and a.inertia_ == b.inertia_
    np.testing.assert_array_equal(a.cluster_centers_, b.cluster_centers_)
    assert (a.labels_ == c.labels_).all()
    np.testing.assert_allclose(a.inertia_, c.inertia_, rtol=1e-12)
    d = segment.KMeans(5, n_init=3, seed=42).fit(X)
    assert (d.labels_ == a.labels_).all()


def sklearn_fit_and_seeding(X, k, seed, n_init, algorithm):
    """sklearn's KMeans(random_state=seed) and the rows each of its runs started from. The rows come from a fit
    whose init is a callable doing sklearn.cluster.kmeans_plusplus (what init="k-means++" runs) on the RandomState
    KMeans.fit hands to every run in turn; that fit must equal the default one."""
    from sklearn.cluster import kmeans_plusplus

    rows = []

    def recording(Xc, n_clusters, random_state):
        centres, idx = kmeans_plusplus(Xc, n_clusters, random_state=random_state)
        rows.append(idx)
        return centres

    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):  # sklearn's OpenMP threads spin-wait on a loaded machine: seconds instead of ms
        sk = SkKMeans(k, n_init=n_init, algorithm=algorithm, random_state=seed).fit(X)
        rec = SkKMeans(k, init=recording, n_init=n_init, algorithm=algorithm, random_state=seed).fit(X)
    assert rec.inertia_ == sk.inertia_ and (rec.labels_ == sk.labels_).all()
    return sk, np.array(rows)


def _blobs(n, d, k, std, state):
    return make_blobs(n_samples=n, n_features=d, centers=k, cluster_std=std, random_state=state)[0]


@pytest.mark.parametrize("algorithm", ["lloyd", "elkan"])
@pytest.mark.parametrize("data,k", [("blobs_small", 4), ("blobs", 8), ("blobs_wide", 6), ("normal", 5),
                                    ("cdnow_z", 5)])
def test_same_seed_same_draws_and_result_as_sklearn(data, k, algorithm, cdnow_summary):
    if data == "cdnow_z":
        R = cdnow_summary[["recency", "frequency", "monetary"]].to_numpy()
        X = (R - R.mean(axis=0)) / R.std(axis=0)
    elif data == "normal":
        X = np.random.default_rng(11).normal(size=(3000, 4)) * [1.0, 2.0, 0.5, 3.0]
    else:
        X = {"blobs_small": lambda: _blobs(2000, 3, 4, 1.0, 5), "blobs": lambda: _blobs(20000, 10, 8, 4.0, 0),
             "blobs_wide": lambda: _blobs(6000, 7, 9, 6.0, 2)}[data]()
    for seed in (0, 1, 2, 12345):
        sk, rows = sklearn_fit_and_seeding(X, k, seed, 3, algorithm)
        km = segment.KMeans(k, n_init=3, algorithm=algorithm, seed=seed).fit(X)
        np.testing.assert_array_equal(km.init_indices_, rows)  # every run starts from sklearn's rows
        assert (km.labels_ == sk.labels_).all()
        assert km.n_iter_ == sk.n_iter_
        assert km.inertia_ == pytest.approx(sk.inertia_, rel=1e-10)
        np.testing.assert_allclose(km.cluster_centers_, sk.cluster_centers_, rtol=1e-9, atol=1e-9)


def test_standardize_draws_as_sklearn_on_z_scores(cdnow_summary):
    X = cdnow_summary[["recency", "frequency", "monetary"]]
    Z = ((X - X.mean()) / X.std(ddof=0)).to_numpy()
    for seed in (0, 7):
        sk, rows = sklearn_fit_and_seeding(Z, 6, seed, 4, "lloyd")
        km = segment.KMeans(6, n_init=4, standardize=True, seed=seed).fit(X)
        np.testing.assert_array_equal(km.init_indices_, rows)
        assert (km.labels_ == sk.labels_).all() and km.n_iter_ == sk.n_iter_
        assert km.inertia_ == pytest.approx(sk.inertia_, rel=1e-10)


def test_c_order_fortran_order_and_dataframe_give_the_same_fit():
    X = _blobs(3000, 4, 5, 2.0, 8)  # C order, copied to column-major in the core
    a = segment.KMeans(5, n_init=2, seed=3).fit(X)
    b = segment.KMeans(5, n_init=2, seed=3).fit(np.asfortranarray(X))
    c = segment.KMeans(5, n_init=2, seed=3).fit(pd.DataFrame(X, columns=list("abcd")))
    W = np.zeros((3000, 8))
    W[:, ::2] = X
    assert not W[:, ::2].flags.c_contiguous and not W[:, ::2].flags.f_contiguous
    d = segment.KMeans(5, n_init=2, seed=3).fit(W[:, ::2])  # neither order: numpy copies
    e = segment.KMeans(5, n_init=2, seed=3, threads=1).fit(X)
    for other in (b, c, d, e):
        assert (other.labels_ == a.labels_).all() and other.inertia_ == a.inertia_
        np.testing.assert_array_equal(other.cluster_centers_, a.cluster_centers_)


def test_seed_range_is_numpys():
    X = np.random.default_rng(0).normal(size=(200, 2))
    segment.KMeans(3, seed=2**32 - 1).fit(X)
    with pytest.raises(ValueError, match="seed"):
        segment.KMeans(3, seed=2**32).fit(X)


def test_dataframe_in_keeps_names_and_predict_aligns_columns():
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": rng.normal(size=300), "b": rng.normal(size=300) * 10, "c": rng.normal(size=300)})
    km = segment.KMeans(3, standardize=True).fit(df)
    assert list(km.centers_.columns) == ["a", "b", "c"]
    assert (km.predict(df[["c", "a", "b"]]) == km.labels_).all()
    assert (km.fit_predict(df) == km.labels_).all()
    with pytest.raises(ValueError, match="lacks"):
        km.predict(df[["a", "b"]])


# ------------------------------------------------------------------------------------------------------ bad input
def test_bad_input():
    X = np.random.default_rng(0).normal(size=(50, 3))
    Xn = X.copy()
    Xn[7, 1] = np.nan
    with pytest.raises(ValueError, match=r"spend.*row 7.*NaN"):
        segment.KMeans(3).fit(pd.DataFrame(Xn, columns=["visits", "spend", "tickets"]))
    Xi = X.copy()
    Xi[3, 2] = np.inf
    with pytest.raises(ValueError, match="inf"):
        segment.KMeans(3).fit(Xi)
    with pytest.raises(ValueError, match="fewer than n_clusters"):
        segment.KMeans(8).fit(X[:5])
    with pytest.raises(ValueError, match="n_clusters"):
        segment.KMeans(0).fit(X)
    with pytest.raises(ValueError, match="algorithm"):
        segment.KMeans(3, algorithm="full").fit(X)
    with pytest.raises(ValueError, match="n_init"):
        segment.KMeans(3, n_init=0).fit(X)
    with pytest.raises(ValueError, match="two-dimensional"):
        segment.KMeans(3).fit(X[:, 0])
    with pytest.raises(ValueError, match="not numeric"):
        segment.KMeans(2).fit(pd.DataFrame({"a": [1.0, 2, 3], "b": ["x", "y", "z"]}))
    with pytest.raises(RuntimeError, match="not fitted"):
        segment.KMeans(3).predict(X)
    with pytest.raises(ValueError, match=">= 2"):
        segment.choose_k(X, k=[1, 2])


def test_constant_column_is_dropped_with_a_warning():
    rng = np.random.default_rng(2)
    df = pd.DataFrame({"a": rng.normal(size=200), "const": 3.0, "b": rng.normal(size=200)})
    with pytest.warns(UserWarning, match="const"):
        km = segment.KMeans(3, standardize=True).fit(df)
    assert km.dropped_columns_ == ["const"]
    assert np.isfinite(km.cluster_centers_).all()
    assert (km.cluster_centers_[:, 1] == 3.0).all()
    # the same clustering as without the column
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ref = segment.KMeans(3, standardize=True).fit(df[["a", "b"]])
    assert (ref.labels_ == km.labels_).all()
    assert (km.predict(df) == km.labels_).all()
    with pytest.warns(UserWarning, match="const"):
        segment.choose_k(df, k=[2, 3], standardize=True)


def test_duplicate_points_warn_fewer_distinct_clusters():
    X = np.repeat([[0.0, 0.0], [1.0, 1.0]], 10, axis=0)
    with pytest.warns(UserWarning, match="distinct clusters"):
        segment.KMeans(3).fit(X)


# ------------------------------------------------------------------------------------------------------ silhouette
def test_silhouette_equals_sklearn_on_the_same_sample():
    X, y = make_blobs(n_samples=3000, centers=4, n_features=3, cluster_std=2.0, random_state=5)
    labels = segment.KMeans(4, seed=0).fit(X).labels_
    full = segment.silhouette_score(X[:1200], labels[:1200])
    assert abs(full - sk_silhouette(X[:1200], labels[:1200])) < 1e-9
    idx = segment.silhouette_sample(len(X), 800, seed=3)
    assert len(np.unique(idx)) == 800
    ours = segment.silhouette_score(X, labels, sample_size=800, seed=3)
    assert abs(ours - sk_silhouette(X[idx], labels[idx])) < 1e-9
    # string labels are fine
    s = segment.silhouette_score(X[:500], np.array(["abcd"[i] for i in labels[:500]]))
    assert abs(s - sk_silhouette(X[:500], labels[:500])) < 1e-9
    with pytest.raises(ValueError):
        segment.silhouette_score(X[:10], np.zeros(10))


def test_choose_k_suggests_the_planted_k():
    X, _ = make_blobs(n_samples=2000, centers=4, n_features=2, cluster_std=0.6, random_state=11)
    out = segment.choose_k(X, k=range(2, 7), sample_size=1000)
    assert list(out.columns) == ["k", "inertia", "silhouette"]
    assert list(out["k"]) == [2, 3, 4, 5, 6]
    assert out.attrs["suggested_k"] == 4
    assert out["inertia"].is_monotonic_decreasing
    again = segment.choose_k(X, k=range(2, 7), sample_size=1000)
    pd.testing.assert_frame_equal(out, again)


# ------------------------------------------------------------------------------------------------------ RFM
SEGMENTS = [  # REFERENCES.md, first match wins
    ("Champions", (4, 5), (4, 5), (4, 5)), ("Loyal", (2, 5), (3, 5), (3, 5)),
    ("Potential Loyalist", (3, 5), (1, 3), (1, 3)), ("New Customers", (4, 5), (1, 1), (1, 1)),
    ("Promising", (3, 4), (1, 1), (1, 1)), ("Need Attention", (2, 3), (2, 3), (2, 3)),
    ("About To Sleep", (2, 3), (1, 2), (1, 2)), ("At Risk", (1, 2), (2, 5), (2, 5)),
    ("Can't Lose Them", (1, 1), (4, 5), (4, 5)), ("Hibernating", (1, 2), (1, 2), (1, 2)),
    ("Lost", (1, 2), (1, 2), (1, 2)),
]


def pandas_rfm(summary, bins=5):
    r = pd.qcut(summary["recency"].rank(method="first"), bins, labels=range(bins, 0, -1)).astype(int)
    f = pd.qcut(summary["frequency"].rank(method="first"), bins, labels=range(1, bins + 1)).astype(int)
    m = pd.qcut(summary["monetary"].rank(method="first"), bins, labels=range(1, bins + 1)).astype(int)
    seg = pd.Series("Others", index=summary.index, dtype=object)
    done = pd.Series(False, index=summary.index)
    for name, (rl, rh), (fl, fh), (ml, mh) in SEGMENTS:
        hit = ~done & r.between(rl, rh) & f.between(fl, fh) & m.between(ml, mh)
        seg[hit] = name
        done |= hit
    return r, f, m, seg


def test_rfm_equals_pandas_on_cdnow_summary(cdnow_summary):
    r, f, m, seg = pandas_rfm(cdnow_summary)
    out = segment.rfm_scores(cdnow_summary)
    assert list(out.columns) == ["r", "f", "m", "rfm", "segment"]
    assert out.index.equals(cdnow_summary.index)
    np.testing.assert_array_equal(out["r"], r)
    np.testing.assert_array_equal(out["f"], f)
    np.testing.assert_array_equal(out["m"], m)
    np.testing.assert_array_equal(out["segment"].astype(str), seg)
    assert (out["rfm"] == r.astype(str) + f.astype(str) + m.astype(str)).all()
    # the map as written: two rules are shadowed by earlier ones (documented)
    counts = out["segment"].value_counts()
    assert counts["Can't Lose Them"] == 0 and counts["Lost"] == 0 and counts["Hibernating"] > 0
    # other bin counts too
    r3, f3, m3, _ = pandas_rfm(cdnow_summary, bins=3)
    out3 = segment.rfm_scores(cdnow_summary, bins=3)
    np.testing.assert_array_equal(out3["r"], r3)
    np.testing.assert_array_equal(out3["m"], m3)


def test_rfm_from_an_event_log_equals_pandas(cdnow, cdnow_summary):
    log = cxkit.EventLog.from_pandas(cdnow[["customer_id", "time", "value"]].assign(kind="purchase"))
    out = segment.rfm_scores(log)
    assert list(out.columns) == ["recency", "frequency", "monetary", "r", "f", "m", "rfm", "segment"]
    np.testing.assert_array_equal(out.index.to_numpy(), cdnow_summary.index.to_numpy())
    np.testing.assert_allclose(out["recency"], cdnow_summary["recency"])
    np.testing.assert_array_equal(out["frequency"], cdnow_summary["frequency"])
    np.testing.assert_allclose(out["monetary"], cdnow_summary["monetary"], rtol=1e-12)
    r, f, m, seg = pandas_rfm(cdnow_summary)
    np.testing.assert_array_equal(out["r"], r)
    np.testing.assert_array_equal(out["f"], f)
    np.testing.assert_array_equal(out["m"], m)
    np.testing.assert_array_equal(out["segment"].astype(str), seg)


def test_rfm_custom_map_column_names_and_bad_input():
    df = pd.DataFrame({"days": [1.0, 50, 3, 200, 7, 30], "n": [5.0, 1, 4, 1, 2, 3], "spend": [500.0, 9, 80, 5, 60, 40]})
    out = segment.rfm_scores(df, bins=3, recency="days", frequency="n", monetary="spend",
                             segments={"best": ((3, 3), (3, 3), (3, 3)), "rest": ((1, 3), (1, 2), (1, 3))},
                             others="other")
    assert list(out["segment"].cat.categories) == ["best", "rest", "other"]
    assert out.loc[0, "segment"] == "best" and out.loc[0, "rfm"] == "333"
    seg = segment.default_rfm_segments()
    seg = pd.concat([seg.iloc[[8, 10]], seg.drop(index=[8, 10])])  # un-shadow Can't Lose Them and Lost
    assert list(segment.rfm_scores(df, recency="days", frequency="n", monetary="spend",
                                   segments=seg)["segment"].cat.categories)[:2] == ["Can't Lose Them", "Lost"]
    with pytest.raises(ValueError, match="no column"):
        segment.rfm_scores(df)
    bad = df.assign(n=[1.0, np.nan, 2, 3, 4, 5])
    with pytest.raises(ValueError, match=r"frequency.*row 1.*NaN"):
        segment.rfm_scores(bad.rename(columns={"days": "recency", "n": "frequency", "spend": "monetary"}))
    with pytest.raises(ValueError, match="bins"):
        segment.rfm_scores(df, bins=0, recency="days", frequency="n", monetary="spend")
    with pytest.raises(ValueError, match="lo > hi"):
        segment.rfm_scores(df, recency="days", frequency="n", monetary="spend", segments=[("x", 3, 1, 1, 5, 1, 5)])

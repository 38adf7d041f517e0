"""Segmentation speed, side by side in one run: cxkit vs scikit-learn (k-means) and vs the pandas qcut recipe (RFM).

    .venv/bin/python bench/segment.py [--rows 1000000] [--customers 1000000] [--n-init 3] [--seeds 3] [--repeat 1]
                                      [--purchases 2000000] [--only kmeans|rfm|recommender] [--per-iteration]

  KMeans  1M x 10 float64 (make_blobs, 8 centres, C order as make_blobs returns it), k=8, the same n_init, both
          algorithms, several seeds; cxkit.segment.KMeans(seed=s) draws the k-means++ rows that
          sklearn.cluster.KMeans(random_state=s) draws, so both run the same iterations (the table shows the
          inertia difference and the iteration counts per seed); both on every core. Target: ratio cxkit/sklearn
          <= 1.0 at inertia within 0.5% of scikit-learn's.
  RFM     1M customers (recency in whole days: many ties), cxkit.segment.rfm_scores (r, f, m, rfm string,
          segment) vs the pandas recipe pd.qcut(x.rank(method="first"), 5) x 3 + the eleven-segment map with
          np.select + the rfm string. Target: >= 10x faster. The results are checked equal.
Absolute times depend on the machine; the ratios measured in one run are what to compare.
"""
from __future__ import annotations

import argparse
import os
import time

import numpy as np
import pandas as pd

from cxkit import segment
from _timing import best_of  # noqa: E402  (bench/ is on sys.path when run as a script)




def pandas_rfm(df: pd.DataFrame, rules: pd.DataFrame) -> pd.DataFrame:
    r = pd.qcut(df["recency"].rank(method="first"), 5, labels=[5, 4, 3, 2, 1]).astype(np.int8)
    f = pd.qcut(df["frequency"].rank(method="first"), 5, labels=[1, 2, 3, 4, 5]).astype(np.int8)
    m = pd.qcut(df["monetary"].rank(method="first"), 5, labels=[1, 2, 3, 4, 5]).astype(np.int8)
    conds = [r.between(x.r_lo, x.r_hi) & f.between(x.f_lo, x.f_hi) & m.between(x.m_lo, x.m_hi)
             for x in rules.itertuples()]
    seg = np.select(conds, list(rules["name"]), default="Others")
    rfm = r.astype(str) + f.astype(str) + m.astype(str)
    return pd.DataFrame({"r": r, "f": f, "m": m, "rfm": rfm, "segment": seg}, index=df.index)


def scipy_item_similarity(df: pd.DataFrame):
    """The scipy.sparse recipe: binary customer x item incidence X, C = X.T @ X, cosine-normalised, zero diagonal.
    The ids are dense integers, so they index X directly (cxkit codes them, which scipy is spared)."""
    from scipy import sparse

    cc, ic = df["customer_id"].to_numpy(), df["item"].to_numpy()  # dense int ids: used as indices, no coding
    cids, iids = np.arange(cc.max() + 1), np.arange(ic.max() + 1)
    X = sparse.csr_matrix((np.ones(len(cc)), (cc, ic)), shape=(len(cids), len(iids)))
    X.sum_duplicates()
    X.data[:] = 1.0
    C = (X.T @ X).tocoo()
    c = np.asarray(X.sum(axis=0)).ravel()
    data = C.data / np.sqrt(c[C.row] * c[C.col])
    data[C.row == C.col] = 0.0
    S = sparse.csr_matrix((data, (C.row, C.col)), shape=C.shape)
    S.eliminate_zeros()
    return X, S, cids, iids


def bench_recommender(n_purchases: int, n_customers: int, n_items: int, repeat: int) -> None:
    rng = np.random.default_rng(2)
    weights = rng.lognormal(0.0, 1.5, n_items)
    df = pd.DataFrame({"customer_id": rng.integers(0, n_customers, n_purchases),
                       "item": rng.choice(n_items, n_purchases, p=weights / weights.sum())})
    print(f"\nRecommender fit (cosine): {n_purchases:,} purchases, {df['customer_id'].nunique():,} customers, "
          f"{df['item'].nunique():,} items")
    t_cx, rec = best_of(lambda: segment.Recommender().fit(df, item="item"), repeat)
    t_sp, (X, S, cids, iids) = best_of(lambda: scipy_item_similarity(df), repeat)
    sample = np.random.default_rng(3).choice(len(cids), min(5000, len(cids)), replace=False)
    got = rec.recommend(cids[sample], n=5)
    scores = (X[sample] @ S).toarray()
    same = S.nnz == 2 * rec.n_pairs_
    for k, u in enumerate(sample):
        s = scores[k]
        cand = np.flatnonzero((s > 0) & (X[u].toarray().ravel() == 0))
        want = iids[cand[np.lexsort((cand, -s[cand]))][:5]]
        same &= list(got.loc[got["customer_id"] == cids[u], "item"]) == list(want)
    print(f"cxkit.segment.Recommender().fit       {t_cx:8.3f} s   ({rec.n_pairs_:,} item pairs)")
    print(f"scipy.sparse X.T @ X, normalised       {t_sp:8.3f} s")
    print(f"speed-up scipy / cxkit: {t_sp / t_cx:.1f}x; same similarity size and top-5 lists of 5,000 customers: "
          f"{same}")


def bench_kmeans(a) -> None:
    from sklearn.cluster import KMeans as SkKMeans
    from sklearn.datasets import make_blobs

    X, _ = make_blobs(n_samples=a.rows, n_features=10, centers=8, cluster_std=4.0, random_state=0)
    seeds = list(range(a.seeds))
    print(f"\nKMeans: {a.rows:,} x 10 float64, k=8, n_init={a.n_init}, seeds {seeds} (times summed over the seeds)")
    print(f"{'algorithm':<9} {'cxkit s':>9} {'sklearn s':>10} {'ratio':>7}  inertia diff % per seed (cxkit vs sklearn)"
          "   iterations cx/sk")
    for algo in ("lloyd", "elkan"):
        t_cx = t_sk = 0.0
        diffs, iters = [], []
        for s in seeds:
            t, cx = best_of(lambda: segment.KMeans(8, n_init=a.n_init, algorithm=algo, seed=s).fit(X), a.repeat)
            t_cx += t
            t, sk = best_of(lambda: SkKMeans(8, n_init=a.n_init, algorithm=algo, random_state=s).fit(X), a.repeat)
            t_sk += t
            diffs.append(100 * (cx.inertia_ - sk.inertia_) / sk.inertia_)
            iters.append(f"{cx.n_iter_}/{sk.n_iter_}")
        print(f"{algo:<9} {t_cx:9.2f} {t_sk:10.2f} {t_cx / t_sk:7.2f}  "
              f"{' '.join(f'{d:+.3f}' for d in diffs):<40} {' '.join(iters)}")


def bench_kmeans_per_iteration(a) -> None:
    """Time per Lloyd/Elkan iteration on 1 and 2 threads, side by side: (fit with max_iter=10 - fit with max_iter=1)
    / 9 for the same seed (the same draws, so the same iterations), tol=0, n_init=1; sklearn limited by threadpoolctl."""
    from sklearn.cluster import KMeans as SkKMeans
    from sklearn.datasets import make_blobs
    from threadpoolctl import threadpool_limits

    X, _ = make_blobs(n_samples=a.rows, n_features=10, centers=8, cluster_std=4.0, random_state=0)
    print(f"\nKMeans per iteration: {a.rows:,} x 10, k=8, seed 1, best after a warm-up over >= 5 runs and 0.5 s")
    for th in (1, 2):
        for algo in ("lloyd", "elkan"):
            def sk(m):
                with threadpool_limits(th):
                    return SkKMeans(8, n_init=1, max_iter=m, tol=0, algorithm=algo, random_state=1).fit(X)

            def cx(m):
                return segment.KMeans(8, n_init=1, max_iter=m, tol=0, algorithm=algo, seed=1, threads=th).fit(X)

            r = max(a.repeat, 3)
            (s1, _), (s10, s), (c1, _), (c10, c) = best_of(lambda: sk(1), r), best_of(lambda: sk(10), r), \
                best_of(lambda: cx(1), r), best_of(lambda: cx(10), r)
            print(f"  {th} thread(s) {algo:<6} cxkit {1e3 * (c10 - c1) / 9:6.1f} ms  sklearn {1e3 * (s10 - s1) / 9:6.1f} ms"
                  f"   (iterations {c.n_iter_}/{s.n_iter_})")


def bench_rfm(a) -> None:
    rng = np.random.default_rng(1)
    n = a.customers
    df = pd.DataFrame({"recency": rng.integers(0, 540, n).astype(float),
                       "frequency": rng.geometric(0.35, n).astype(float),
                       "monetary": np.round(rng.lognormal(4, 1, n), 2)},
                      index=pd.RangeIndex(n, name="customer_id"))
    rules = segment.default_rfm_segments()
    print(f"\nRFM scores + segments: {n:,} customers")
    t_cx, cx = best_of(lambda: segment.rfm_scores(df), max(a.repeat, 3))
    t_core, _ = best_of(lambda: segment._rfm._seg.rfm_scores(df["recency"].to_numpy(), df["frequency"].to_numpy(),
                                                             df["monetary"].to_numpy()), max(a.repeat, 3))
    t_pd, pdr = best_of(lambda: pandas_rfm(df, rules), max(a.repeat, 3))
    same = all((cx[c].to_numpy() == pdr[c].to_numpy()).all() for c in ("r", "f", "m", "rfm")) and \
        (cx["segment"].astype(str).to_numpy() == pdr["segment"].to_numpy()).all()
    print(f"cxkit.segment.rfm_scores (DataFrame out)  {t_cx:8.3f} s")
    print(f"  of which the C++ scoring               {t_core:8.3f} s")
    print(f"pandas qcut recipe                        {t_pd:8.3f} s")
    print(f"speed-up pandas / cxkit: {t_pd / t_cx:.1f}x (core only {t_pd / t_core:.1f}x); results equal: {same}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--customers", type=int, default=1_000_000)
    ap.add_argument("--n-init", type=int, default=3)
    ap.add_argument("--seeds", type=int, default=3, help="seeds 0..seeds-1, for both libraries")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--purchases", type=int, default=2_000_000)
    ap.add_argument("--only", choices=["kmeans", "rfm", "recommender"], help="run one section")
    ap.add_argument("--per-iteration", action="store_true", help="KMeans: also the time per iteration, 1 and 2 threads")
    a = ap.parse_args()

    import scipy
    import sklearn

    print(f"cores: {os.cpu_count()}, scikit-learn {sklearn.__version__}, pandas {pd.__version__}, "
          f"scipy {scipy.__version__}")
    if a.only in (None, "kmeans"):
        bench_kmeans(a)
        if a.per_iteration:
            bench_kmeans_per_iteration(a)
    if a.only in (None, "rfm"):
        bench_rfm(a)
    if a.only in (None, "recommender"):
        bench_recommender(a.purchases, a.purchases // 10, a.purchases // 100, max(a.repeat, 1))


if __name__ == "__main__":
    main()

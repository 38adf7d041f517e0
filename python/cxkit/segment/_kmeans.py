"""k-means, silhouette and choosing k over cxkit's C++ core (include/cxkit/segment)."""
from __future__ import annotations

import warnings
from typing import Any, Iterable

import numpy as np
import pandas as pd

from .. import _core

_seg = _core.segment


def _features(X: Any, what: str = "X", fortran: bool = True) -> tuple[np.ndarray, list[str] | None]:
    """A Fortran-ordered float64 matrix (a view of a single-dtype float64 DataFrame or Fortran array: no copy) and
    the column names when X is a DataFrame. fortran=False: a C-contiguous matrix is returned as is (the core copies
    it to column-major on every core)."""
    if isinstance(X, pd.DataFrame):
        bad = [str(c) for c in X.columns
               if not (pd.api.types.is_numeric_dtype(X[c]) or pd.api.types.is_bool_dtype(X[c]))]
        if bad:
            raise ValueError(f"{what}: column(s) {', '.join(bad)} are not numeric; k-means needs numeric features")
        names = [str(c) for c in X.columns]
        if any(isinstance(t, pd.api.extensions.ExtensionDtype) for t in X.dtypes):
            arr = X.to_numpy(dtype=np.float64, na_value=np.nan)
        else:
            arr = X.to_numpy(dtype=np.float64)  # a view for a single float64 block
    else:
        names = None
        arr = np.asarray(X, dtype=np.float64)
        if arr.ndim == 1:
            raise ValueError(f"{what} must be two-dimensional (rows x features); got a 1-d array "
                             "(use X.reshape(-1, 1) for one feature)")
    if arr.ndim != 2:
        raise ValueError(f"{what} must be two-dimensional (rows x features), got {arr.ndim} dimensions")
    if not fortran and arr.flags.c_contiguous:
        return arr, names
    return np.asfortranarray(arr), names


def _seed(seed: Any, limit: int | None = None) -> int:
    seed = int(seed)
    if seed < 0:
        raise ValueError(f"seed must be >= 0, got {seed}")
    if limit is not None and seed >= limit:
        raise ValueError(f"seed must be < {limit} (numpy's RandomState), got {seed}")
    return seed


def _threads(threads: int | None) -> int:
    return 0 if threads is None else int(threads)


def _n_init(n_init: Any) -> int:
    if isinstance(n_init, str):
        if n_init != "auto":
            raise ValueError(f"n_init must be 'auto' or an int >= 1, got {n_init!r}")
        return 0
    n = int(n_init)
    if n < 1:
        raise ValueError(f"n_init must be 'auto' or an int >= 1, got {n_init!r}")
    return n


class KMeans:
    """k-means with scikit-learn's conventions: greedy k-means++ seeding, ``tol`` relative to the mean feature
    variance, the best of ``n_init`` runs by inertia, Lloyd or Elkan iterations (same labels), the same result for
    the same ``seed`` on any number of threads.

    Parameters
    ----------
    n_clusters : int, default 8
    n_init : "auto" or int, default "auto"
        Number of k-means++ initialisations; "auto" is 1 (as scikit-learn >= 1.4 with k-means++).
    max_iter : int, default 300
    tol : float, default 1e-4
        Relative tolerance on the centre shift (times the mean column variance of the data clustered).
    algorithm : "lloyd" or "elkan"
    seed : int, default 0
        0 .. 2**32-1. The seeding draws what ``sklearn.cluster.KMeans(random_state=seed)`` draws: numpy's legacy
        ``RandomState(seed)``, one generator used in sequence by the ``n_init`` k-means++ seedings, with
        scikit-learn's and numpy's formulas, so each run starts from the rows scikit-learn's run of the same index
        starts from (``init_indices_``); the runs then follow the same iterations up to rounding (the distances
        are computed differently, so a row within rounding of two centres may go either way).
    standardize : bool, default False
        Cluster z-scores (ddof 0) of each column; ``cluster_centers_`` are still in original units, ``inertia_``
        is in the standardised space. A constant column is dropped from the distances with a ``UserWarning``
        (listed in ``dropped_columns_``) instead of dividing by zero.
    threads : int or None
        None: every core.

    Attributes (after fit)
    ----------------------
    labels_ : ndarray of int32, cluster_centers_ : ndarray (k x features), inertia_ : float, n_iter_ : int,
    feature_names_in_ : ndarray of str (DataFrame input only), centers_ : DataFrame of the centres with the
    feature names, dropped_columns_ : list of column names, init_indices_ : ndarray (n_init x k) of the rows
    each run's k-means++ seeding chose as initial centres, best_init_ : index of the kept run.

    Without ``standardize`` a constant column is harmless (it adds nothing to any distance) and is kept.
    Bad input raises ``ValueError``: NaN or infinite features (naming the column and row), fewer rows than
    clusters, ``n_clusters < 1``.

    The fit runs in C++ on a copy of ``X`` without the GIL and stops on Ctrl-C (``KeyboardInterrupt``) between
    passes; the fitted attributes are published together when it has finished, so an interrupted or failed fit
    leaves the previous fit (or none).
    """

    # Set by fit (in one __dict__ update), not by __init__; annotations only, so an unfitted model has none of them.
    labels_: np.ndarray
    cluster_centers_: np.ndarray
    inertia_: float
    n_iter_: int
    init_indices_: np.ndarray
    best_init_: int
    n_features_in_: int
    feature_names_in_: np.ndarray
    dropped_columns_: list[str]
    _names: list[str] | None
    _scale: tuple[np.ndarray, np.ndarray] | None

    def __init__(self, n_clusters: int = 8, *, n_init: Any = "auto", max_iter: int = 300, tol: float = 1e-4,
                 algorithm: str = "lloyd", seed: int = 0, standardize: bool = False,
                 threads: int | None = None) -> None:
        self.n_clusters = n_clusters
        self.n_init = n_init
        self.max_iter = max_iter
        self.tol = tol
        self.algorithm = algorithm
        self.seed = seed
        self.standardize = standardize
        self.threads = threads

    def __repr__(self) -> str:
        return (f"KMeans(n_clusters={self.n_clusters}, n_init={self.n_init!r}, algorithm={self.algorithm!r}, "
                f"seed={self.seed}, standardize={self.standardize})")

    def fit(self, X: Any, y: Any = None) -> "KMeans":
        if self.algorithm not in ("lloyd", "elkan"):
            raise ValueError(f"algorithm must be 'lloyd' or 'elkan', got {self.algorithm!r}")
        arr, names = _features(X, fortran=False)
        r = _seg.kmeans(arr, n_clusters=int(self.n_clusters), n_init=_n_init(self.n_init),
                        max_iter=int(self.max_iter), tol=float(self.tol), algorithm=self.algorithm,
                        seed=_seed(self.seed, 2**32), standardize=bool(self.standardize),
                        threads=_threads(self.threads), column_names=names or [])
        cols = names if names is not None else [str(j) for j in range(arr.shape[1])]
        # published in one update after the C++ fit returned: an error or Ctrl-C (KeyboardInterrupt from the fit)
        # leaves the previous fit as it was
        fitted = {
            "labels_": r["labels"], "cluster_centers_": np.ascontiguousarray(r["centers"]),
            "inertia_": float(r["inertia"]), "n_iter_": int(r["n_iter"]),
            "init_indices_": np.asarray(r["init_indices"], dtype=np.int64), "best_init_": int(r["best_init"]),
            "n_features_in_": arr.shape[1], "_names": names,
            "dropped_columns_": [cols[j] for j in r["dropped_columns"]],
            "_scale": (r["scale_mean"], r["scale_std"]) if self.standardize else None,
        }
        if names is not None:
            fitted["feature_names_in_"] = np.asarray(names, dtype=object)
        else:
            self.__dict__.pop("feature_names_in_", None)
        self.__dict__.update(fitted)
        if self.dropped_columns_:
            warnings.warn(f"KMeans(standardize=True): constant column(s) {', '.join(self.dropped_columns_)} "
                          "dropped from the distances (zero variance)", UserWarning, stacklevel=2)
        if r["n_distinct"] < int(self.n_clusters):
            warnings.warn(f"KMeans found only {r['n_distinct']} distinct clusters (n_clusters={self.n_clusters}); "
                          "the data has duplicate points", UserWarning, stacklevel=2)
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "cluster_centers_"):
            raise RuntimeError("this KMeans is not fitted yet: call fit(X) first")

    @property
    def centers_(self) -> pd.DataFrame:
        """The centres as a DataFrame (one row per cluster, the feature names as columns), original units."""
        self._check_fitted()
        cols = self._names if self._names is not None else list(range(self.n_features_in_))
        return pd.DataFrame(self.cluster_centers_, columns=cols).rename_axis("cluster")

    def predict(self, X: Any) -> np.ndarray:
        """The closest centre of each row (in the fitted, possibly standardised, space)."""
        self._check_fitted()
        if isinstance(X, pd.DataFrame) and self._names is not None:
            missing = [c for c in self._names if c not in map(str, X.columns)]
            if missing:
                raise ValueError(f"X lacks the fitted feature(s) {', '.join(missing)}")
            X = X.rename(columns=str)[self._names]
        arr, _ = _features(X)
        if arr.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {arr.shape[1]} features, the model was fitted on {self.n_features_in_}")
        mean, std = self._scale if self._scale is not None else (None, None)
        return _seg.predict(arr, np.asfortranarray(self.cluster_centers_), mean, std, _threads(self.threads))

    def fit_predict(self, X: Any, y: Any = None) -> np.ndarray:
        return self.fit(X).labels_


def _encode_labels(labels: Any, n: int) -> np.ndarray:
    lab = np.asarray(labels)
    if lab.ndim != 1 or lab.shape[0] != n:
        raise ValueError(f"labels must be one label per row ({n}), got shape {lab.shape}")
    _, codes = np.unique(lab, return_inverse=True)
    return codes.astype(np.int64).reshape(-1)


def silhouette_samples(X: Any, labels: Any, *, threads: int | None = None) -> np.ndarray:
    """Silhouette of each row, s = (b - a) / max(a, b), as sklearn.metrics.silhouette_samples (euclidean)."""
    arr, _ = _features(X)
    return _seg.silhouette_samples(arr, _encode_labels(labels, arr.shape[0]), _threads(threads))


def silhouette_score(X: Any, labels: Any, sample_size: int | None = None, seed: int = 0, *,
                     threads: int | None = None) -> float:
    """Mean silhouette (as sklearn.metrics.silhouette_score, euclidean), on a seeded sample of ``sample_size``
    rows when given (``silhouette_sample(len(X), sample_size, seed)`` are its rows). Labels may be any values;
    2 <= distinct labels <= rows - 1 or ValueError."""
    arr, _ = _features(X)
    size = 0 if sample_size is None else int(sample_size)
    if sample_size is not None and size < 1:
        raise ValueError(f"sample_size must be None or >= 1, got {sample_size}")
    return float(_seg.silhouette_score(arr, _encode_labels(labels, arr.shape[0]), size, _seed(seed),
                                       _threads(threads)))


def silhouette_sample(n: int, sample_size: int, seed: int = 0) -> np.ndarray:
    """The row indices silhouette_score(X, labels, sample_size, seed) scores for len(X) == n, so that another
    tool (e.g. scikit-learn) can score the very same sample."""
    return _seg.silhouette_sample_indices(int(n), int(sample_size), _seed(seed))


def choose_k(X: Any, k: Iterable[int] = range(2, 9), seed: int = 0, sample_size: int | None = 10_000, *,
             n_init: Any = "auto", algorithm: str = "lloyd", standardize: bool = False,
             threads: int | None = None) -> pd.DataFrame:
    """k-means for each k, its inertia and silhouette; the suggested k is the one with the highest silhouette
    (the smallest on ties).

    The silhouette (O(n^2)) is measured on one seeded sample of ``sample_size`` rows shared by every k (None:
    every row), in the space that was clustered (z-scores when ``standardize``; constant columns then dropped
    with a warning).

    Returns a DataFrame with columns ``k``, ``inertia``, ``silhouette``; ``attrs["suggested_k"]`` holds the
    suggestion.
    """
    ks = [int(v) for v in k]
    if not ks:
        raise ValueError("k is empty")
    if min(ks) < 2:
        raise ValueError(f"every k must be >= 2 (the silhouette needs two clusters), got {min(ks)}")
    arr, names = _features(X)
    if standardize:
        cols = names if names is not None else [str(j) for j in range(arr.shape[1])]
        if not np.isfinite(arr).all():
            # let the core name the bad column and row
            _seg.kmeans(arr, n_clusters=1, column_names=names or [])
        mean = arr.mean(axis=0)
        std = arr.std(axis=0)
        const = arr.max(axis=0) == arr.min(axis=0)
        if const.any():
            warnings.warn(f"choose_k(standardize=True): constant column(s) "
                          f"{', '.join(c for c, d in zip(cols, const) if d)} dropped (zero variance)",
                          UserWarning, stacklevel=2)
        keep = ~const
        if not keep.any():
            raise ValueError("X: every column is constant; nothing to cluster")
        arr = np.asfortranarray((arr[:, keep] - mean[keep]) / std[keep])
        names = [c for c, kp in zip(cols, keep) if kp]
    size = 0 if sample_size is None else int(sample_size)
    rows = []
    for kk in ks:
        km = KMeans(kk, n_init=n_init, algorithm=algorithm, seed=seed, threads=threads)
        km.fit(arr)
        sil = _seg.silhouette_score(arr, km.labels_.astype(np.int64), size, _seed(seed), _threads(threads))
        rows.append((kk, km.inertia_, float(sil)))
    out = pd.DataFrame(rows, columns=["k", "inertia", "silhouette"])
    best = out["silhouette"].max()
    out.attrs["suggested_k"] = int(out.loc[out["silhouette"] == best, "k"].min())
    return out

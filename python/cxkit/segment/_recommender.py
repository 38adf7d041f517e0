"""Personalised recommendations: item-item co-occurrence of purchases (implicit feedback), with a consent-aware
fallback to the segment's popular items."""
from __future__ import annotations

from typing import Any, Iterable

import numpy as np
import pandas as pd

from .. import _core
from .._eventlog import EventLog

_seg = _core.segment
_SOURCES = np.array(["personalised", "segment_popular"], dtype=object)


def _show(v: Any) -> str:
    return repr(v.item() if isinstance(v, np.generic) else v)


def _factorize(values: np.ndarray) -> tuple[np.ndarray, pd.Index]:
    """(codes, sorted distinct ids); -1 for missing. Dense integer ids (the usual CRM keys) are coded with a lookup
    table, an O(n) pass with no hashing; anything else goes through pd.factorize (sorted when the ids sort)."""
    arr = np.asarray(values)
    if arr.dtype.kind in "iu" and len(arr):
        lo, hi = int(arr.min()), int(arr.max())
        if hi - lo < 4 * len(arr) + 1024:
            off = arr - arr.dtype.type(lo)
            present = np.zeros(hi - lo + 1, dtype=bool)
            present[off] = True
            remap = np.cumsum(present, dtype=np.int32)
            remap -= 1
            return remap[off], pd.Index(np.flatnonzero(present).astype(arr.dtype) + arr.dtype.type(lo))
    try:
        codes, uniques = pd.factorize(values, sort=True)
    except TypeError:  # ids that cannot be sorted: first-seen order
        codes, uniques = pd.factorize(values)
    return codes, pd.Index(uniques)


def _first_bad(mask: np.ndarray) -> int:
    return int(np.flatnonzero(mask)[0])


class Recommender:
    """Item-item recommender fitted on purchase events (who bought what; repeats count once).

    The item x item similarity is the co-occurrence ``C = X^T X`` of the customer x item incidence ``X``
    normalised by ``similarity``:

    * ``"cosine"``: ``C[i, j] / sqrt(c_i c_j)`` (``c_i`` = customers who bought ``i``)
    * ``"lift"``: ``C[i, j] N / (c_i c_j)`` (``N`` = customers with a purchase): how much more often ``i`` and
      ``j`` are bought together than by chance.

    The diagonal is zero. A customer's score for item ``j`` is the sum of ``S[i, j]`` over the items ``i`` it
    bought (``X @ S``); lists are ordered by score (descending), then item (ascending), so they are the same on any
    thread count. Items sharing no customer with the basket (score 0) are not recommended: a list can be shorter
    than ``n``.

    **Consent.** Customers who did not consent to personalisation (``consent``) get the most popular items of their
    segment (``segment``; everyone's when they have none) by share of the segment's customers who bought them,
    and their own purchase history is not used (``exclude_purchased`` does not apply to them). Customers without
    any purchase get the same fallback. The ``source`` column of :meth:`recommend` says which applied.

    Parameters
    ----------
    similarity : {"cosine", "lift"}
    threads : int, optional
        Threads for fitting and recommending (default: every core).

    Examples
    --------
    >>> import pandas as pd, cxkit
    >>> buys = pd.DataFrame({"customer_id": [1, 1, 2, 2, 2, 3], "item": ["a", "b", "a", "b", "c", "b"]})
    >>> rec = cxkit.segment.Recommender().fit(buys, item="item")
    >>> rec.recommend([1, 3], n=2)[["customer_id", "rank", "item"]].values.tolist()
    [[1, 1, 'c'], [3, 1, 'a'], [3, 2, 'c']]
    """

    def __init__(self, similarity: str = "cosine", *, threads: int | None = None):
        if similarity not in ("cosine", "lift"):
            raise ValueError(f"similarity must be 'cosine' or 'lift', got {similarity!r}")
        self.similarity = similarity
        self.threads = threads
        self._core: Any = None

    def __repr__(self) -> str:
        if self._core is None:
            return f"Recommender(similarity={self.similarity!r})"
        return (f"Recommender(similarity={self.similarity!r}; {len(self.items_):,} items, "
                f"{len(self.customers_):,} customers, {self.n_pairs_:,} item pairs)")

    # ------------------------------------------------------------------------------------------------- fit
    def fit(self, purchases: pd.DataFrame | EventLog, customer: str | None = None, item: str = "item", *,
            purchase_kind: str | None = "purchase", customers: pd.DataFrame | None = None,
            consent: str | pd.Series | None = None, segment: str | pd.Series | None = None) -> "Recommender":
        """Fit on purchase events.

        Parameters
        ----------
        purchases : DataFrame or EventLog
            One row per purchase with a customer and an item column. From an EventLog, the events whose ``kind`` is
            ``purchase_kind`` (all events when None or the log has no ``kind``) and the categorical column ``item``
            (e.g. ``EventLog.from_pandas(df, categoricals=["item"])``).
        customer : str, optional
            Customer id column of a DataFrame (default ``customer_id``, else ``customer``).
        item : str
            Item column (any hashable ids). Items (:attr:`items_`) and customers (:attr:`customers_`) are coded in
            sorted id order when the ids sort, so ties between items go to the smaller id.
        customers : DataFrame, optional
            One row per customer (e.g. :meth:`EventLog.customers` with CRM attributes) holding the consent and
            segment columns named by ``consent`` / ``segment``; its id column is ``customer_id`` (or ``customer``).
            Its customers can receive recommendations even without purchases (the fallback).
        consent : str or Series of bool, optional
            Personalisation consent: a column of ``customers``, or a Series indexed by customer id. Customers
            missing from it, or with NaN, have not consented (privacy by default). None: no consent filtering (every
            customer is personalised; use when consent was checked upstream).
        segment : str or Series, optional
            Segment labels (e.g. RFM segments or k-means labels): a column of ``customers`` or a Series indexed by
            customer id. Used for the popular-items fallback.
        """
        cust, items = self._purchase_columns(purchases, customer, item, purchase_kind)
        item_codes, item_ids = _factorize(items)
        cust_codes, cust_ids = _factorize(cust)
        for name, codes, values in (("customer", cust_codes, cust), ("item", item_codes, items)):
            if (codes < 0).any():
                row = _first_bad(codes < 0)
                raise ValueError(f"purchases, column '{name}', row {row}: missing {name} id ({_show(values[row])})")

        table = None
        if customers is not None:
            if not isinstance(customers, pd.DataFrame):
                raise TypeError(f"customers must be a DataFrame, got {type(customers).__name__}")
            idc = next((c for c in ("customer_id", "customer") if c in customers.columns), None)
            if idc is None:
                raise ValueError("customers needs a 'customer_id' (or 'customer') column")
            if customers[idc].duplicated().any():
                row = _first_bad(customers[idc].duplicated().to_numpy())
                raise ValueError(f"customers, column '{idc}', row {row}: customer {_show(customers[idc].iloc[row])} "
                                 "appears twice")
            table = customers.set_index(idc)
            extra = table.index[~table.index.isin(cust_ids)]
            if len(extra):
                cust_ids = cust_ids.append(extra)
        self.customers_ = pd.Index(cust_ids, name="customer_id")

        def per_customer(spec: Any, what: str) -> pd.Series | None:
            if spec is None:
                return None
            if isinstance(spec, str):
                if table is None:
                    raise ValueError(f"{what}={spec!r} names a column of customers=, which was not given")
                if spec not in table.columns:
                    raise ValueError(f"customers has no column '{spec}' (given as {what}=)")
                s = table[spec]
            elif isinstance(spec, pd.Series):
                s = spec
                if s.index.duplicated().any():
                    row = _first_bad(s.index.duplicated())
                    raise ValueError(f"{what}, row {row}: customer {_show(s.index[row])} appears twice")
            else:
                raise TypeError(f"{what} must be a column name or a Series indexed by customer id")
            return s.reindex(self.customers_)

        seg_codes = None
        labels = per_customer(segment, "segment")
        if labels is not None:
            codes, uniques = pd.factorize(labels)
            seg_codes = codes.astype(np.int32)
            self.segments_ = pd.Index(uniques, name="segment")
        else:
            self.segments_ = pd.Index([], name="segment")
        flags = per_customer(consent, "consent")
        if flags is not None:
            f = flags.astype(object).where(flags.notna(), False)
            bad = ~f.map(lambda v: isinstance(v, (bool, np.bool_)) or v in (0, 1)).to_numpy(dtype=bool)
            if bad.any():
                row = _first_bad(bad)
                raise ValueError(f"consent, customer {_show(self.customers_[row])}: not a boolean flag ({f.iloc[row]!r})")
            self._consent = f.astype(bool).to_numpy().astype(np.uint8)
        else:
            self._consent = None

        core = _seg.Recommender(self.similarity, 0 if self.threads is None else int(self.threads))
        core.fit(cust_codes.astype(np.int32, copy=False), item_codes.astype(np.int32, copy=False),
                 len(self.customers_), len(item_ids), seg_codes)
        self._core = core
        self.items_ = pd.Index(item_ids, name="item")
        self.item_counts_ = pd.Series(core.item_counts, index=self.items_, name="customers")
        self.n_buyers_ = int(core.n_buyers)
        self.n_pairs_ = int(core.n_nonzero) // 2
        return self

    @staticmethod
    def _purchase_columns(purchases: Any, customer: str | None, item: str,
                          purchase_kind: str | None) -> tuple[np.ndarray, np.ndarray]:
        if isinstance(purchases, EventLog):
            core = purchases._core
            if item not in core.categorical_names():
                raise ValueError(f"the EventLog has no categorical column '{item}' (build it with "
                                 f"categoricals=['{item}']); it has: {', '.join(core.categorical_names())}")
            codes, cats = core.categorical(item)
            keep = codes >= 0
            if purchase_kind is not None and "kind" in core.categorical_names():
                kcodes, kcats = core.categorical("kind")
                kind_code = kcats.index(purchase_kind) if purchase_kind in kcats else -2
                keep &= kcodes == kind_code
            ids = purchases._customer_labels()[core.customer()[keep]]
            return ids, np.asarray(cats, dtype=object)[codes[keep]]
        if not isinstance(purchases, pd.DataFrame):
            raise TypeError(f"purchases must be a DataFrame or an EventLog, got {type(purchases).__name__}")
        if customer is None:
            customer = next((c for c in ("customer_id", "customer") if c in purchases.columns), None)
            if customer is None:
                raise ValueError("purchases needs a customer column: pass customer='your column'")
        for role, col in (("customer", customer), ("item", item)):
            if col not in purchases.columns:
                raise ValueError(f"column '{col}' (given as {role}=) is not in purchases; "
                                 f"it has: {', '.join(map(str, purchases.columns))}")
        df = purchases
        if purchase_kind is not None and "kind" in df.columns:
            df = df[df["kind"] == purchase_kind]
        return df[customer].to_numpy(), df[item].to_numpy()

    def _check_fitted(self) -> None:
        if self._core is None:
            raise RuntimeError("this Recommender is not fitted yet: call fit(purchases) first")

    # --------------------------------------------------------------------------------------------- results
    def _customer_codes(self, customers: Iterable[Any] | None) -> tuple[np.ndarray, pd.Index]:
        if customers is None:
            ids = self.customers_
        else:
            if np.isscalar(customers) or isinstance(customers, str):
                customers = [customers]
            ids = pd.Index(list(customers) if not isinstance(customers, (np.ndarray, pd.Index, pd.Series))
                           else customers)
        codes = self.customers_.get_indexer(ids)
        if (codes < 0).any():
            row = _first_bad(codes < 0)
            raise ValueError(f"customers, row {row}: unknown customer {_show(ids[row])} (not in the purchases or the "
                             "customers table given to fit)")
        return codes.astype(np.int32), ids

    def recommend(self, customers: Iterable[Any] | None = None, n: int = 5, exclude_purchased: bool = True
                  ) -> pd.DataFrame:
        """Top-``n`` items per customer: a DataFrame (customer_id, rank, item, score, source).

        ``customers``: ids (default: every customer seen in fit); an unknown id raises ``ValueError`` naming it.
        ``exclude_purchased`` drops the items a (consenting) customer already bought. ``source`` is
        ``"personalised"`` or ``"segment_popular"`` (no consent, or no purchase history; score = share of the
        segment's customers who bought the item).
        """
        self._check_fitted()
        if int(n) < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        codes, ids = self._customer_codes(customers)
        r = self._core.recommend(codes, int(n), bool(exclude_purchased), self._consent)
        return pd.DataFrame({
            "customer_id": ids.to_numpy()[r["request"]],
            "rank": r["rank"],
            "item": self.items_.to_numpy()[r["item"]],
            "score": r["score"],
            "source": pd.Categorical.from_codes(r["source"], categories=list(_SOURCES)),
        })

    def similar_items(self, item: Any, n: int = 5) -> pd.DataFrame:
        """The ``n`` items most similar to ``item``: DataFrame (item, score), score descending then item.
        An unknown item raises ``ValueError``."""
        self._check_fitted()
        code = self.items_.get_indexer([item])[0]
        if code < 0:
            raise ValueError(f"item: unknown item {_show(item)} (not in the purchases given to fit)")
        if int(n) < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        idx, scores = self._core.similar_items(int(code), int(n))
        return pd.DataFrame({"item": self.items_.to_numpy()[idx], "score": scores})

    def popular_items(self, segment: Any = None, n: int = 5) -> pd.DataFrame:
        """The fallback list: the segment's (everyone's when None) most bought items, by share of its customers."""
        self._check_fitted()
        code = -1
        if segment is not None:
            code = self.segments_.get_indexer([segment])[0]
            if code < 0:
                raise ValueError(f"segment: unknown segment {segment!r}; known: {list(self.segments_)}")
        idx, scores = self._core.popular(int(code), int(n))
        return pd.DataFrame({"item": self.items_.to_numpy()[idx], "share": scores})

    def similarity_matrix(self):
        """The item x item similarity as a ``scipy.sparse.csc_matrix`` (needs scipy), rows/columns in
        :attr:`items_` order."""
        self._check_fitted()
        from scipy import sparse

        indptr, indices, data = self._core.similarity_csc()
        k = len(self.items_)
        return sparse.csc_matrix((data, indices, indptr), shape=(k, k))

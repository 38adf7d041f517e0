"""Personalised recommendations: item-item co-occurrence of purchases (implicit feedback), with a consent-aware
fallback to the segment's popular items."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable

import numpy as np
import pandas as pd

from .. import _core
from ..core import EventLog, Scan

if TYPE_CHECKING:
    from scipy import sparse

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


def _warm(index: pd.Index) -> pd.Index:
    """The index with its lazily built lookup table and uniqueness flag computed now: pandas builds them on first
    use without a lock, and two threads doing that at once can see a unique index as not unique (InvalidIndexError
    in get_indexer). Indexes are warmed before they are published to other threads."""
    index.is_unique  # noqa: B018 - computed for its cached side effect
    index.get_indexer(index[:1])
    return index


def _first_bad(mask: np.ndarray) -> int:
    return int(np.flatnonzero(mask)[0])


def _purchase_codes(purchases: Any, customer: str | None, item: str, purchase_kind: str | None
                    ) -> tuple[np.ndarray, pd.Index, np.ndarray, pd.Index]:
    """(customer codes, customer ids, item codes, item ids) of purchase events; a missing id raises ValueError."""
    cust, items = Recommender._purchase_columns(purchases, customer, item, purchase_kind)
    item_codes, item_ids = _factorize(items)
    cust_codes, cust_ids = _factorize(cust)
    for name, codes, values in (("customer", cust_codes, cust), ("item", item_codes, items)):
        if (codes < 0).any():
            row = _first_bad(codes < 0)
            raise ValueError(f"purchases, column '{name}', row {row}: missing {name} id ({_show(values[row])})")
    return cust_codes, cust_ids, item_codes, item_ids


class RecommenderState:
    """The mergeable state behind a :class:`Recommender`: which customer bought which item (repeats count once).

    Item co-occurrence counts cannot be added across parts of the data when a customer buys in several parts (her
    items of one part co-occur with her items of the other), so the state keeps every customer's item set; ``+``
    is their union, and :meth:`Recommender.from_state` computes the similarity from it. Hence
    ``Recommender.from_state(RecommenderState(A) + RecommenderState(B))`` is ``Recommender().fit(A u B)``, also when
    customers appear in both parts (Dask partitions, daily batches). Customers and items are keyed by their ids, so
    states with different ids merge; a state pickles (versioned bytes of the C++ state plus the id lists).

    Parameters are those of :meth:`Recommender.fit` (``purchases``, ``customer``, ``item``, ``purchase_kind``);
    ``RecommenderState()`` is the empty state.

    **Threads.** A state may be shared between threads: ``+=`` builds the merged state first and then replaces
    this one's contents in a single step (the GIL is held while the object changes), so a thread that serializes,
    pickles or lists the :meth:`pairs` of it meanwhile sees the state before or after the merge, never a mix.

    Examples
    --------
    >>> import pandas as pd, pickle, cxkit
    >>> from cxkit.segment._recommender import RecommenderState
    >>> monday = pd.DataFrame({"customer_id": [1, 1, 2], "item": ["a", "b", "a"]})
    >>> tuesday = pd.DataFrame({"customer_id": [2, 3], "item": ["c", "b"]})
    >>> state = RecommenderState(monday, item="item") + RecommenderState(tuesday, item="item")
    >>> state == RecommenderState(pd.concat([monday, tuesday]), item="item")
    True
    >>> pickle.loads(pickle.dumps(state)) == state
    True
    >>> cxkit.segment.Recommender.from_state(state).recommend([2], n=1)["item"].tolist()
    ['b']
    """

    def __init__(self, purchases: pd.DataFrame | EventLog | Scan | None = None, customer: str | None = None,
                 item: str = "item", *, purchase_kind: str | None = "purchase") -> None:
        if purchases is None:
            self._set(pd.Index([], name="customer_id"), pd.Index([], name="item"), _seg.RecommenderState())
            return
        if isinstance(purchases, Scan):  # batch by batch: the union of item sets merges across any split
            total: RecommenderState = purchases.fold(
                lambda part: RecommenderState(part, customer, item, purchase_kind=purchase_kind))
            self._set(total.customers_, total.items_, total._core)
            return
        cust_codes, cust_ids, item_codes, item_ids = _purchase_codes(purchases, customer, item, purchase_kind)
        self._set(cust_ids, item_ids, _seg.RecommenderState(cust_codes.astype(np.int64), item_codes.astype(np.int64)))

    def _set(self, customers: pd.Index, items: pd.Index, core: Any) -> "RecommenderState":
        # one attribute, assigned at once: a reader on another thread sees the old or the new state, never a mix
        self._snap = (_warm(pd.Index(customers, name="customer_id")), _warm(pd.Index(items, name="item")), core)
        return self

    @property
    def customers_(self) -> pd.Index:
        """The customer ids the keys index."""
        return self._snap[0]

    @property
    def items_(self) -> pd.Index:
        """The item ids the keys index."""
        return self._snap[1]

    @property
    def _core(self) -> Any:
        return self._snap[2]

    @classmethod
    def _make(cls, customers: pd.Index, items: pd.Index, core: Any) -> "RecommenderState":
        return cls.__new__(cls)._set(customers, items, core)

    @staticmethod
    def _keyed_by(snap: tuple[pd.Index, pd.Index, Any], customers: pd.Index, items: pd.Index) -> Any:
        """The C++ state of ``snap`` with keys = positions in ``customers`` / ``items`` (which contain its ids)."""
        own_c, own_i, core = snap
        c = customers.get_indexer(own_c)
        i = items.get_indexer(own_i)
        return _seg.RecommenderState(c[core.customer], i[core.item])

    def __add__(self, other: "RecommenderState") -> "RecommenderState":
        if not isinstance(other, RecommenderState):
            return NotImplemented
        a, b = self._snap, other._snap
        customers, items = _union(a[0], b[0]), _union(a[1], b[1])
        return RecommenderState._make(customers, items,
                                      self._keyed_by(a, customers, items) + self._keyed_by(b, customers, items))

    def __iadd__(self, other: "RecommenderState") -> "RecommenderState":
        if not isinstance(other, RecommenderState):
            return NotImplemented
        merged = self + other
        self._snap = merged._snap
        return self

    merge = __add__

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RecommenderState):
            return NotImplemented
        a, b = self._snap, other._snap
        if a[0].equals(b[0]) and a[1].equals(b[1]):
            return bool(a[2] == b[2])
        customers, items = _union(a[0], b[0]), _union(a[1], b[1])
        return bool(self._keyed_by(a, customers, items) == self._keyed_by(b, customers, items))

    def __len__(self) -> int:
        return len(self._core)

    def __reduce__(self) -> tuple[Any, tuple[np.ndarray, np.ndarray, bytes]]:
        customers, items, core = self._snap
        return (_restore_state, (customers.to_numpy(), items.to_numpy(), core.serialize()))

    def pairs(self) -> pd.DataFrame:
        """The (customer_id, item) pairs, sorted by customer then item code."""
        customers, items, core = self._snap
        return pd.DataFrame({"customer_id": customers.to_numpy()[core.customer], "item": items.to_numpy()[core.item]})

    def __repr__(self) -> str:
        customers, items, core = self._snap
        return f"RecommenderState({len(core):,} pairs, {len(customers):,} customers, {len(items):,} items)"


def _union(a: pd.Index, b: pd.Index) -> pd.Index:
    """Sorted union of two id lists (as fit codes them); an empty side keeps the other's dtype."""
    if len(a) == 0:
        return b
    if len(b) == 0 or a.equals(b):
        return a
    return a.union(b)


def _restore_state(customers: np.ndarray, items: np.ndarray, core_bytes: bytes) -> RecommenderState:
    core = _seg.RecommenderState.deserialize(core_bytes)  # refuses negative keys, unsorted or duplicate pairs
    if len(core) and (core.customer.max() >= len(customers) or core.item.max() >= len(items)):
        raise ValueError("serialized RecommenderState: a key is outside its id list "
                         f"({len(customers)} customers, {len(items)} items)")
    for name, ids in (("customer", customers), ("item", items)):
        if pd.Index(ids).has_duplicates:
            raise ValueError(f"serialized RecommenderState: the {name} id list has duplicates")
    return RecommenderState._make(pd.Index(customers), pd.Index(items), core)


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

    **Scale-out.** The purchases behind a fit are a mergeable :class:`RecommenderState` (:attr:`state_`): fill
    one per partition or batch, add them up and fit with :meth:`from_state`, or add a batch with
    :meth:`partial_fit`; the result equals :meth:`fit` on all the purchases.

    **When to contact.** ``recommend(..., timing=(clv_model, rfm_summary), horizon=...)`` adds each customer's
    probability of being alive, of buying within the horizon, expected purchases and median time to the next
    purchase (see :meth:`recommend`).

    **Threads and Ctrl-C.** :meth:`fit`, :meth:`partial_fit` and :meth:`recommend` run in C++ without the GIL and
    stop on Ctrl-C (``KeyboardInterrupt``) within a few tens of milliseconds. A fit is all or nothing: it is built
    aside and published in one step, so an error or an interrupt leaves the previous fit, and another thread
    calling :meth:`recommend` meanwhile reads the old fit or the new one, never a mix.

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

    # (customers, consent, segment) of the last fit, set by _fit; annotation only (partial_fit reads it with getattr).
    _fit_args: tuple[pd.DataFrame | None, Any, Any]

    def __init__(self, similarity: str = "cosine", *, threads: int | None = None) -> None:
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
        cust_codes, cust_ids, item_codes, item_ids = _purchase_codes(purchases, customer, item, purchase_kind)

        def fill(core: Any, n_customers: int, n_items: int, seg_codes: Any) -> None:
            core.fit(cust_codes.astype(np.int32, copy=False), item_codes.astype(np.int32, copy=False),
                     n_customers, n_items, seg_codes)

        return self._fit(cust_ids, item_ids, fill, customers, consent, segment)

    def _fit(self, cust_ids: pd.Index, item_ids: pd.Index, fill: Any, customers: pd.DataFrame | None,
             consent: Any, segment: Any) -> "Recommender":
        # All or nothing: the fit is built in a fresh object and published in one dict update, so a failed or
        # interrupted (Ctrl-C) fit leaves the previous fit as it was, and another thread reading this Recommender
        # sees either the old fit or the new one, never a mix.
        fresh = Recommender.__new__(Recommender)
        fresh.similarity, fresh.threads = self.similarity, self.threads
        fresh._fit_ids(cust_ids, item_ids, fill, customers, consent, segment)
        fresh._fit_args = (customers, consent, segment)
        self.__dict__.update(fresh.__dict__)
        return self

    def _fit_ids(self, cust_ids: pd.Index, item_ids: pd.Index, fill: Any, customers: pd.DataFrame | None,
                 consent: Any, segment: Any) -> None:
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
        fill(core, len(self.customers_), len(item_ids), seg_codes)
        self._core = core
        self.items_ = pd.Index(item_ids, name="item")
        # what the reading methods use, as one attribute (another thread's fit replaces it at once)
        self._snap = (core, self._consent, _warm(self.customers_), _warm(self.items_), _warm(self.segments_))
        self.item_counts_ = pd.Series(core.item_counts, index=self.items_, name="customers")
        self.n_buyers_ = int(core.n_buyers)
        self.n_pairs_ = int(core.n_nonzero) // 2

    @classmethod
    def from_state(cls, state: RecommenderState, similarity: str = "cosine", *, threads: int | None = None,
                   customers: pd.DataFrame | None = None, consent: str | pd.Series | None = None,
                   segment: str | pd.Series | None = None) -> "Recommender":
        """A Recommender fitted on a (merged) :class:`RecommenderState`: the same as :meth:`fit` on all the
        purchases the state was filled from. ``customers``, ``consent`` and ``segment`` are those of :meth:`fit`.

        >>> import pandas as pd, cxkit
        >>> from cxkit.segment._recommender import RecommenderState
        >>> a = pd.DataFrame({"customer_id": [1, 1, 2], "item": ["a", "b", "a"]})
        >>> b = pd.DataFrame({"customer_id": [2, 3], "item": ["c", "b"]})
        >>> rec = cxkit.segment.Recommender.from_state(RecommenderState(a) + RecommenderState(b))
        >>> rec.similar_items("a", n=2)["item"].tolist()
        ['c', 'b']
        """
        if not isinstance(state, RecommenderState):
            raise TypeError(f"state must be a RecommenderState, got {type(state).__name__}")
        rec = cls(similarity, threads=threads)

        def fill(core: Any, n_customers: int, n_items: int, seg_codes: Any) -> None:
            core.fit_state(state._core, n_customers, n_items, seg_codes)

        return rec._fit(state.customers_, state.items_, fill, customers, consent, segment)

    @property
    def state_(self) -> RecommenderState:
        """The fitted purchases as a mergeable :class:`RecommenderState` (customers without a purchase left out)."""
        self._check_fitted()
        fit, _, known, items, _ = self._snap
        core = fit.state()
        used = np.unique(core.customer)
        remap = np.full(len(known), -1, dtype=np.int64)
        remap[used] = np.arange(len(used))
        return RecommenderState._make(known[used], items, _seg.RecommenderState(remap[core.customer], core.item))

    def partial_fit(self, purchases: pd.DataFrame | EventLog, customer: str | None = None, item: str = "item", *,
                    purchase_kind: str | None = "purchase", customers: pd.DataFrame | None = None,
                    consent: str | pd.Series | None = None, segment: str | pd.Series | None = None
                    ) -> "Recommender":
        """Add purchases to a fitted (or unfitted) Recommender: its :attr:`state_` plus the new purchases' state,
        refitted with :meth:`from_state` (the similarity is recomputed from all pairs, so the result is exactly
        :meth:`fit` on all purchases; a customer buying in both batches links her old and new items).
        ``customers`` / ``consent`` / ``segment`` default to those of the previous fit.

        >>> import pandas as pd, cxkit
        >>> rec = cxkit.segment.Recommender().fit(pd.DataFrame({"customer_id": [1, 1], "item": ["a", "b"]}))
        >>> rec.partial_fit(pd.DataFrame({"customer_id": [1, 2], "item": ["c", "a"]})).recommend([2])["item"].tolist()
        ['b', 'c']
        """
        new = RecommenderState(purchases, customer, item, purchase_kind=purchase_kind)
        state = self.state_ + new if self._core is not None else new
        prev = getattr(self, "_fit_args", (None, None, None))
        args = tuple(p if g is None else g for g, p in zip((customers, consent, segment), prev))

        def fill(core: Any, n_customers: int, n_items: int, seg_codes: Any) -> None:
            core.fit_state(state._core, n_customers, n_items, seg_codes)

        return self._fit(state.customers_, state.items_, fill, *args)

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
    @staticmethod
    def _customer_codes(known: pd.Index, customers: Iterable[Any] | None) -> tuple[np.ndarray, pd.Index]:
        if customers is None:
            ids = known
        else:
            if np.isscalar(customers) or isinstance(customers, str):
                customers = [customers]
            ids = pd.Index(list(customers) if not isinstance(customers, (np.ndarray, pd.Index, pd.Series))
                           else customers)
        codes = known.get_indexer(ids)
        if (codes < 0).any():
            row = _first_bad(codes < 0)
            raise ValueError(f"customers, row {row}: unknown customer {_show(ids[row])} (not in the purchases or the "
                             "customers table given to fit)")
        return codes.astype(np.int32), ids

    def recommend(self, customers: Iterable[Any] | None = None, n: int = 5, exclude_purchased: bool = True, *,
                  timing: tuple[Any, pd.DataFrame] | None = None, horizon: float | None = None) -> pd.DataFrame:
        """Top-``n`` items per customer: a DataFrame (customer_id, rank, item, score, source).

        ``customers``: ids (default: every customer seen in fit); an unknown id raises ``ValueError`` naming it.
        ``exclude_purchased`` drops the items a (consenting) customer already bought. ``source`` is
        ``"personalised"`` or ``"segment_popular"`` (no consent, or no purchase history; score = share of the
        segment's customers who bought the item).

        **When to contact.** ``timing=(model, summary)``, a fitted CLV purchase model of :mod:`cxkit.clv`
        (``BetaGeoModel``, ``ParetoNBDModel``, ``ModifiedBetaGeoModel``, ``BetaGeoBetaBinomModel``) and the RFM
        summary it predicts from (indexed by customer id, e.g. :func:`cxkit.clv.rfm_summary`), adds per customer,
        over the next ``horizon`` periods of the summary's time unit (required with ``timing``):

        * ``p_alive``: the model's ``probability_alive``;
        * ``p_purchase``: ``probability_of_purchase_within(horizon)``, the chance of a purchase in the horizon;
        * ``expected_purchases``: ``conditional_expected_purchases(horizon)``;
        * ``median_time_to_next_purchase``: half of such customers buy again by then (``inf``: likely churned).

        Customers missing from the summary (e.g. from ``customers=`` without purchases) get NaN in these columns;
        when none of the requested customers is in the summary (ids of another type?) it raises ``ValueError``.

        Examples
        --------
        >>> import pandas as pd, cxkit
        >>> buys = pd.DataFrame({"customer_id": [1, 1, 2, 2, 2, 3], "item": ["a", "b", "a", "b", "c", "b"]})
        >>> rec = cxkit.segment.Recommender().fit(buys)
        >>> summary = pd.DataFrame({"frequency": [4.0, 1.0, 1.0], "recency": [30.0, 20.0, 3.0],
        ...                         "T": [32.0, 30.0, 30.0]}, index=pd.Index([1, 2, 3], name="customer_id"))
        >>> model = cxkit.clv.BetaGeoModel.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
        >>> out = rec.recommend([1, 3], n=1, timing=(model, summary), horizon=4)
        >>> out[["customer_id", "item", "p_alive", "p_purchase", "median_time_to_next_purchase"]].round(3)
           customer_id item  p_alive  p_purchase  median_time_to_next_purchase
        0            1    c    0.843       0.301                          8.59
        1            3    a    0.312       0.040                           inf

        Customer 1 is likely to buy within the horizon (contact her now, with item c); customer 3 has probably
        lapsed (a win-back campaign rather than a recommendation).
        """
        self._check_fitted()
        core, consent, known, items, _ = self._snap
        if int(n) < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        codes, ids = self._customer_codes(known, customers)
        when = None if timing is None else _timing_columns(ids, timing, horizon)
        r = core.recommend(codes, int(n), bool(exclude_purchased), consent)
        out = pd.DataFrame({
            "customer_id": ids.to_numpy()[r["request"]],
            "rank": r["rank"],
            "item": items.to_numpy()[r["item"]],
            "score": r["score"],
            "source": pd.Categorical.from_codes(r["source"], categories=list(_SOURCES)),
        })
        if when is not None:
            for name, values in when.items():
                out[name] = values[r["request"]]
        return out

    def similar_items(self, item: Any, n: int = 5) -> pd.DataFrame:
        """The ``n`` items most similar to ``item``: DataFrame (item, score), score descending then item.
        An unknown item raises ``ValueError``."""
        self._check_fitted()
        core, _, _, items, _ = self._snap
        code = items.get_indexer([item])[0]
        if code < 0:
            raise ValueError(f"item: unknown item {_show(item)} (not in the purchases given to fit)")
        if int(n) < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        idx, scores = core.similar_items(int(code), int(n))
        return pd.DataFrame({"item": items.to_numpy()[idx], "score": scores})

    def popular_items(self, segment: Any = None, n: int = 5) -> pd.DataFrame:
        """The fallback list: the segment's (everyone's when None) most bought items, by share of its customers."""
        self._check_fitted()
        core, _, _, items, segments = self._snap
        code = -1
        if segment is not None:
            code = segments.get_indexer([segment])[0]
            if code < 0:
                raise ValueError(f"segment: unknown segment {segment!r}; known: {list(segments)}")
        idx, scores = core.popular(int(code), int(n))
        return pd.DataFrame({"item": items.to_numpy()[idx], "share": scores})

    def similarity_matrix(self) -> "sparse.csc_matrix":
        """The item x item similarity as a ``scipy.sparse.csc_matrix`` (needs scipy), rows/columns in
        :attr:`items_` order."""
        self._check_fitted()
        from scipy import sparse

        core, _, _, items, _ = self._snap
        indptr, indices, data = core.similarity_csc()
        k = len(items)
        return sparse.csc_matrix((data, indices, indptr), shape=(k, k))


_TIMING_COLUMNS = ("p_alive", "p_purchase", "expected_purchases", "median_time_to_next_purchase")


def _timing_columns(ids: pd.Index, timing: Any, horizon: Any) -> dict[str, np.ndarray]:
    """The per-customer timing columns of Recommender.recommend (NaN for customers missing from the summary)."""
    from ..clv._models import _RfmModel, _column

    if not (isinstance(timing, tuple) and len(timing) == 2):
        raise TypeError("timing must be a (model, summary) pair: a fitted cxkit.clv purchase model and its RFM summary")
    model, summary = timing
    if not isinstance(model, _RfmModel):
        raise TypeError(f"timing: the model must be a fitted cxkit.clv purchase model, got {type(model).__name__}")
    if not isinstance(summary, pd.DataFrame):
        raise TypeError(f"timing: the summary must be a DataFrame indexed by customer id, got {type(summary).__name__}")
    if horizon is None:
        raise ValueError("horizon: needed with timing= (periods ahead, in the summary's time unit)")
    if isinstance(horizon, bool) or np.ndim(horizon) != 0 or not np.isfinite(horizon) or horizon < 0:
        raise ValueError(f"horizon: must be a finite number >= 0, got {horizon!r}")
    if summary.index.has_duplicates:
        row = _first_bad(summary.index.duplicated())
        raise ValueError(f"timing summary, row {row}: customer {_show(summary.index[row])} appears twice")
    rows = summary.index.get_indexer(ids)
    found = rows >= 0
    if len(ids) and not found.any():
        raise ValueError(f"timing: none of the {len(ids)} customers is in the summary's index (e.g. "
                         f"{_show(ids[0])}; the summary has {_show(summary.index[0]) if len(summary) else 'no rows'})")
    sub = summary.iloc[rows[found]]
    f = _column(sub, ("frequency", "x"), "repeat purchases").to_numpy(np.float64)
    r = _column(sub, ("recency", "t_x"), "time of the last purchase").to_numpy(np.float64)
    T = _column(sub, model._t_names, "customer age").to_numpy(np.float64)
    values = {
        "p_alive": model.probability_alive(f, r, T),
        "p_purchase": model.probability_of_purchase_within(horizon, f, r, T),
        "expected_purchases": model.conditional_expected_purchases(horizon, f, r, T),
        "median_time_to_next_purchase": model.median_time_to_next_purchase(f, r, T),
    }
    out = {}
    for name in _TIMING_COLUMNS:
        col = np.full(len(ids), np.nan)
        col[found] = np.asarray(values[name], dtype=np.float64)
        out[name] = col
    return out

"""cxkit on a Dask cluster: the same analyses on a Dask DataFrame, for data past one machine (``pip install
cxkit[dask]``).

The pattern is dask-histogram's: every partition (a pandas DataFrame on a worker) is read into an
:class:`~cxkit.EventLog` and filled into the analysis' mergeable state in C++ with the GIL released; the states
travel pickled and are merged by a tree reduction (``split_every`` states at a time); the result is finalised
once, on the client. Analyses that need each customer's events together (cohorts, ``rfm_summary``) first shuffle
the frame by customer with Dask's own shuffle (``DataFrame.shuffle``), so each partition holds whole customers.
Results equal the in-memory ones on any number of partitions (counts exactly, float sums to 1e-12 relative).

Column mapping keywords (``customer=``, ``nps=``, ``categoricals=``, ``errors=``, ...) are those of
:meth:`cxkit.EventLog.from_pandas`; each partition is validated by the same rules, and a bad value raises the same
``ValueError`` on the client (its row is the row within the partition).

Thread safety: these functions hold no state; the cluster's workers each build their own logs and states.

>>> import dask.dataframe as dd, pandas as pd, cxkit.dask
>>> df = pd.DataFrame({"customer_id": [1, 2, 1, 3], "nps": [9.0, 3.0, 10.0, 7.0],
...                    "time": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-02-01", "2024-02-03"])})
>>> cxkit.dask.scorecard(dd.from_pandas(df, npartitions=2), scheduler="sync")["nps_n"].tolist()
[4]
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, TypeVar

import pandas as pd

from ..clv import rfm_summary as _rfm_summary
from ..core import EventLog
from ..journey import Paths
from ..journey._paths import _SEP, paths_from_rows
from ..journey._paths import paths as _paths
from ..metrics import Scorecard
from ..metrics import scorecard_state as _scorecard_state
from ..retention import Cohorts
from ..retention._cohorts import cohort_state as _cohort_state
from ..segment._recommender import RecommenderState

if TYPE_CHECKING:
    import dask.dataframe as dd

__all__ = ["scorecard", "scorecard_state", "cohorts", "rfm_summary", "recommender_state", "paths", "customers",
           "score_text", "fold"]

S = TypeVar("S")


def _dask() -> Any:
    try:
        import dask
        import dask.dataframe  # noqa: F401 - the DataFrame collection must be importable too
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError("cxkit.dask needs Dask: pip install 'cxkit[dask]'") from e
    return dask


def _log(part: pd.DataFrame, mapping: dict[str, Any]) -> EventLog:
    return EventLog.from_pandas(part, **mapping)


def _fill(part: pd.DataFrame, state_of: Callable[[EventLog], S], mapping: dict[str, Any]) -> S | None:
    """One partition's state (None for an empty partition: it adds nothing)."""
    if len(part) == 0:
        return None
    return state_of(_log(part, mapping))


def _merge(*states: Any) -> Any:
    acc = None
    for s in states:
        if s is None:
            continue
        if acc is None:
            acc = s
        else:
            acc += s
    return acc


def fold(ddf: "dd.DataFrame", state_of: Callable[[EventLog], S], *, split_every: int = 8,
         scheduler: Any = None, **mapping: Any) -> S:
    """The sum of ``state_of(EventLog of partition)`` over the partitions of ``ddf``: filled on the workers,
    merged by a tree reduction of ``split_every`` states at a time, computed once. ``state_of`` must be picklable
    (a module-level function or a functools.partial) and return a mergeable state (``+=``)."""
    dask = _dask()
    if isinstance(split_every, bool) or not isinstance(split_every, int) or split_every < 2:
        raise ValueError(f"split_every must be a whole number >= 2, got {split_every!r}")
    fill, merge = dask.delayed(_fill, pure=True), dask.delayed(_merge, pure=True)
    level = [fill(p, state_of, mapping) for p in ddf.to_delayed()]
    while len(level) > 1:
        level = [merge(*level[i:i + split_every]) for i in range(0, len(level), split_every)]
    result = level[0].compute(scheduler=scheduler) if level else None
    if result is None:
        raise ValueError("the Dask DataFrame holds no events")
    return result


def _customer_column(ddf: "dd.DataFrame", mapping: dict[str, Any]) -> str:
    given = mapping.get("customer")
    if given is not None:
        return str(given)
    for c in ("customer_id", "customer"):
        if c in ddf.columns:
            return c
    raise ValueError("missing required column for customer: pass customer='your column' "
                     "(looked for customer_id, customer)")


def _by_customer(ddf: "dd.DataFrame", mapping: dict[str, Any]) -> "dd.DataFrame":
    """The frame shuffled by customer (Dask's shuffle): each partition then holds whole customers."""
    return ddf.shuffle(on=_customer_column(ddf, mapping))


class _ScorecardOf:
    """A picklable state_of for the scorecard (a lambda would not travel to the workers)."""

    def __init__(self, by: Any, period: str | None, retention_period: str, complaint_kind: str):
        self.by, self.period, self.retention_period, self.complaint_kind = by, period, retention_period, complaint_kind

    def __call__(self, log: EventLog) -> Scorecard:
        return _scorecard_state(log, self.by, self.period, retention_period=self.retention_period,
                                complaint_kind=self.complaint_kind)


def scorecard_state(ddf: "dd.DataFrame", by: str | list[str] | None = None, period: str | None = None, *,
                    retention_period: str = "M", complaint_kind: str = "complaint", split_every: int = 8,
                    scheduler: Any = None, **mapping: Any) -> Scorecard:
    """The mergeable scorecard state of a Dask DataFrame (see :func:`cxkit.scorecard`; ``by`` names event
    columns). No shuffle: scorecard states merge exactly whatever rows each partition holds."""
    return fold(ddf, _ScorecardOf(by, period, retention_period, complaint_kind), split_every=split_every,
                scheduler=scheduler, **mapping)


def scorecard(ddf: "dd.DataFrame", by: str | list[str] | None = None, period: str | None = None,
              confidence: float = 0.95, *, discount_rate: float = 0.10, retention_period: str = "M",
              complaint_kind: str = "complaint", min_change_n: int = 30, split_every: int = 8,
              scheduler: Any = None, **mapping: Any) -> pd.DataFrame:
    """:func:`cxkit.scorecard` of a Dask DataFrame: the same table, every KPI, grouping and period."""
    st = scorecard_state(ddf, by, period, retention_period=retention_period, complaint_kind=complaint_kind,
                         split_every=split_every, scheduler=scheduler, **mapping)
    return st.to_frame(confidence, discount_rate, min_change_n)


class _CohortOf:
    def __init__(self, period: str):
        self.period = period

    def __call__(self, log: EventLog) -> Any:
        return _cohort_state(log, self.period)


def cohorts(ddf: "dd.DataFrame", period: str = "M", max_cells: int | None = None, *, split_every: int = 8,
            scheduler: Any = None, **mapping: Any) -> Cohorts:
    """:func:`cxkit.retention.cohorts` of a Dask DataFrame. A customer's cohort is the period of her first event,
    so the frame is shuffled by customer first (Dask's shuffle) and the per-partition states, of disjoint
    customers, add up exactly."""
    state = fold(_by_customer(ddf, mapping), _CohortOf(period), split_every=split_every, scheduler=scheduler,
                 **mapping)
    return Cohorts(state, max_cells=max_cells)


class _RecommenderOf:
    def __init__(self, item: str, purchase_kind: str | None):
        self.item, self.purchase_kind = item, purchase_kind

    def __call__(self, log: EventLog) -> RecommenderState:
        return RecommenderState(log, item=self.item, purchase_kind=self.purchase_kind)


def recommender_state(ddf: "dd.DataFrame", item: str = "item", *, purchase_kind: str | None = "purchase",
                      split_every: int = 8, scheduler: Any = None, **mapping: Any) -> RecommenderState:
    """The :class:`cxkit.segment.RecommenderState` of a Dask DataFrame (``item``: a categorical column of the
    log, mapped with ``categoricals=`` unless it is a standard one); no shuffle: item sets merge by union.
    Fit with ``cxkit.segment.Recommender.from_state``."""
    return fold(ddf, _RecommenderOf(item, purchase_kind), split_every=split_every, scheduler=scheduler, **mapping)


def _last_purchase(part: pd.DataFrame, value: Any, mapping: dict[str, Any]) -> pd.DataFrame:
    from ..clv._rfm import _from_eventlog

    if len(part) == 0:
        return pd.DataFrame({"last": []}, dtype="int64")
    tx, _, t, _ = _from_eventlog(_log(part, mapping), value)
    return pd.DataFrame({"last": [pd.Timestamp(tx[t].max()).value] if len(tx) else []}, dtype="int64")


def _rfm_part(part: pd.DataFrame, value: Any, freq: str, end: pd.Timestamp, freq_multiplier: float,
              mapping: dict[str, Any]) -> pd.DataFrame | None:
    from ..clv._rfm import _from_eventlog

    if len(part) == 0:
        return None
    tx, c, t, v = _from_eventlog(_log(part, mapping), value)
    if len(tx) == 0:
        return None
    return _rfm_summary(tx, c, t, v, freq=freq, observation_end=end, freq_multiplier=freq_multiplier)


def rfm_summary(ddf: "dd.DataFrame", value: Any = None, freq: str = "W", observation_end: Any = None,
                freq_multiplier: float = 1, *, scheduler: Any = None, **mapping: Any) -> pd.DataFrame:
    """:func:`cxkit.clv.rfm_summary` of the purchase events of a Dask DataFrame, as a pandas DataFrame (one row
    per customer: bounded by customers, not events). The frame is shuffled by customer first (Dask's shuffle);
    each partition is summarised on its worker with the end of observation of the whole frame (default: its last
    purchase, one reduction over the unshuffled frame first). Fit the CLV models on the client, e.g. on the
    unique (frequency, recency, T) rows with ``weights`` (``summary.groupby([...]).size()``): the same fit as on
    every customer."""
    dask = _dask()
    end = observation_end
    if end is None:
        lasts = dask.compute(*[dask.delayed(_last_purchase)(p, value, mapping) for p in ddf.to_delayed()],
                             scheduler=scheduler)
        found = [int(x["last"].iloc[0]) for x in lasts if len(x)]
        if not found:
            raise ValueError("column 'time': there are no transactions to summarise")
        end = pd.Timestamp(max(found))
    parts = _by_customer(ddf, mapping).to_delayed()
    out = dask.compute(*[dask.delayed(_rfm_part)(p, value, freq, pd.Timestamp(end), freq_multiplier, mapping)
                         for p in parts], scheduler=scheduler)
    frames = [f for f in out if f is not None and len(f)]
    if not frames:
        raise ValueError("column 'time': there are no transactions to summarise")
    return pd.concat(frames).sort_index()


def _path_rows(part: pd.DataFrame, by: str, session_gap: Any, conversion: str, collapse: bool,
               mapping: dict[str, Any]) -> pd.DataFrame | None:
    if len(part) == 0:
        return None
    return _paths(_log(part, mapping), by, session_gap, conversion, collapse).to_pandas(sep=_SEP)


def paths(ddf: "dd.DataFrame", by: str = "touchpoint", session_gap: Any = None, conversion: str = "purchase",
          collapse: bool = False, *, scheduler: Any = None, **mapping: Any) -> Paths:
    """:func:`cxkit.journey.paths` of a Dask DataFrame. A journey needs each customer's events in time order, so
    the frame is shuffled by customer first (Dask's shuffle); each worker makes its partition's paths and sends
    back their rows (one per distinct path), which the client adds up by path. The result has no step times;
    transitions, funnels and the Markov, heuristic and Shapley attributions
    (:mod:`cxkit.journey.attribution`) equal the in-memory ones."""
    dask = _dask()
    parts = _by_customer(ddf, mapping).to_delayed()
    rows = dask.compute(*[dask.delayed(_path_rows)(p, by, session_gap, conversion, collapse, mapping)
                          for p in parts], scheduler=scheduler)
    return paths_from_rows([r for r in rows if r is not None])


def _customers_part(part: pd.DataFrame, mapping: dict[str, Any]) -> pd.DataFrame | None:
    return _log(part, mapping).customers() if len(part) else None


def customers(ddf: "dd.DataFrame", *, scheduler: Any = None, **mapping: Any) -> pd.DataFrame:
    """:meth:`cxkit.EventLog.customers` of a Dask DataFrame (one row per customer: id, first and last seen,
    events, revenue), after a shuffle by customer; the input of survival curves
    (:func:`cxkit.retention.kaplan_meier` on the durations)."""
    dask = _dask()
    parts = _by_customer(ddf, mapping).to_delayed()
    out = dask.compute(*[dask.delayed(_customers_part)(p, mapping) for p in parts], scheduler=scheduler)
    frames = [f for f in out if f is not None]
    if not frames:
        raise ValueError("the Dask DataFrame holds no events")
    return pd.concat(frames).sort_values("customer_id", kind="stable").reset_index(drop=True)


def _score_part(part: pd.DataFrame, text: str, out: str) -> pd.DataFrame:
    from ..voc import sentiment

    texts = part[text].astype(object)  # Dask's Arrow-backed strings mark a missing text as pd.NA
    texts = texts.where(texts.notna(), None)
    scores = sentiment(texts)["compound"].to_numpy() if len(part) else []
    return part.assign(**{out: scores})


def score_text(ddf: "dd.DataFrame", text: str = "text", out: str = "sentiment") -> "dd.DataFrame":
    """``ddf`` with its ``text`` column scored by VADER (:func:`cxkit.voc.sentiment`'s compound score, NaN for
    no text) into ``out``: a ``map_partitions``, lazy like any Dask DataFrame."""
    if text not in ddf.columns:
        raise ValueError(f"column '{text}' is not in the frame; it has: {', '.join(map(str, ddf.columns))}")
    meta = ddf._meta.assign(**{out: pd.Series([], dtype="float64")})
    return ddf.map_partitions(_score_part, text, out, meta=meta)


def __dir__() -> list[str]:
    return __all__

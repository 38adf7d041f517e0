"""The CX scorecard from an EventLog: every KPI by group and period, as a pandas DataFrame."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence, Union

import numpy as np
import pandas as pd

from .._core import metrics as _m
from ..core import EventLog, Scan
from ..core import Segmentation

_PERIODS = {None: "", "D": "D", "W": "W", "M": "M", "Q": "Q", "Y": "Y"}

#: What ``by=`` takes: a column name, a Segmentation, or a sequence mixing column names and one Segmentation.
By = Union[None, str, Segmentation, Sequence[Union[str, Segmentation]]]

if TYPE_CHECKING:
    from typing_extensions import TypeAlias  # typing.TypeAlias is 3.10+; only mypy reads this

# cxkit._core has no stubs yet, so this is an alias of Any to mypy; TypeAlias lets it be used as a type.
ScorecardState: TypeAlias = _m.ScorecardState


def _split_by(by: By) -> tuple[list[str], Segmentation | None]:
    if by is None:
        return [], None
    items = [by] if isinstance(by, (str, Segmentation)) else list(by)
    cols, seg = [], None
    for item in items:
        if isinstance(item, Segmentation):
            if seg is not None:
                raise ValueError("by= takes at most one Segmentation")
            seg = item
        elif isinstance(item, str):
            cols.append(item)
        else:
            raise TypeError(f"by= takes column names and a Segmentation, got {type(item).__name__}")
    if len(set(cols)) != len(cols):
        raise ValueError("by= names a column twice")
    return cols, seg


class Scorecard:
    """The mergeable state behind a scorecard: ``+=`` another (from another log or partition), pickle it, and
    finish it with :meth:`to_frame`. Groups are keyed by their labels, so partitions with different
    dictionaries merge exactly.

    Thread safety: one Scorecard may be shared between threads. ``+=`` holds the GIL while it merges;
    :meth:`to_frame` copies the state with the GIL held and computes the table from the copy, so it sees the
    state before or after another thread's ``+=``, never half-merged."""

    def __init__(self, core: ScorecardState):
        self._core = core

    def __iadd__(self, other: "Scorecard") -> "Scorecard":
        self._core += other._core
        return self

    def __add__(self, other: "Scorecard") -> "Scorecard":
        return Scorecard(self._core + other._core)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Scorecard) and self._core == other._core

    def __reduce__(self) -> tuple[object, tuple[bytes]]:
        return (Scorecard._from_bytes, (self._core.serialize(),))

    def serialize(self) -> bytes:
        """The state as versioned bytes (see :meth:`deserialize`)."""
        return self._core.serialize()

    @staticmethod
    def deserialize(b: bytes) -> "Scorecard":
        """A Scorecard from bytes made by :meth:`serialize`; untrusted bytes are checked (ValueError)."""
        return Scorecard(ScorecardState.deserialize(b))

    _from_bytes = deserialize  # the name pickles from older versions refer to

    def to_frame(self, confidence: float = 0.95, discount_rate: float = 0.10, min_change_n: int = 30, *,
                 max_activity_rows: int = 0) -> pd.DataFrame:
        """The scorecard table (see :func:`cxkit.scorecard` for its columns).

        ``max_activity_rows``: retention needs one row per group and period between each group's first and last
        active period; more than max(65536, 64 per customer-period) is refused unless this allows more.
        """
        if isinstance(min_change_n, bool) or not isinstance(min_change_n, (int, np.integer)) or min_change_n < 0:
            raise ValueError(f"min_change_n must be a whole number >= 0, got {min_change_n!r}")
        d = self._core.table(confidence, discount_rate, int(min_change_n), int(max_activity_rows))
        data: dict[str, Any] = {}
        for name, col in zip(d["group_columns"], d["labels"]):
            data[name] = pd.Series(col, dtype=object)
        if d["period"]:
            starts = pd.to_datetime(np.asarray(d["period_start"], dtype=np.int64), unit="ns")
            data["period"] = pd.PeriodIndex(starts, freq="Y" if d["period"] == "Y" else d["period"])
        n = len(d["period_start"])
        # The columns and their kinds come from C++ (the KPI registry): counts become integers, and columns that
        # only mean something with periods are left out without them.
        for name, is_count, periods_only in _m.SCORECARD_COLUMNS:
            if periods_only and not d["period"]:
                continue
            col = d["columns"][name]
            data[name] = col.astype(np.int64) if is_count else col
        df = pd.DataFrame(data, index=pd.RangeIndex(n))
        if d["period"]:  # the registered KPIs' period-over-period flags (nps_change_significant)
            for name, flag in d["flags"].items():
                df[name] = np.asarray(flag, dtype=bool)
        return df

    def __repr__(self) -> str:
        return f"Scorecard({len(self._core)} cells, by={self._core.group_columns}, period={self._core.period!r})"


def scorecard_state(log: EventLog | Scan, by: By = None, period: str | None = None, *, retention_period: str = "M",
                    complaint_kind: str = "complaint", threads: int | None = None) -> Scorecard:
    """The mergeable scorecard state of a log (see :func:`scorecard`); a :func:`cxkit.scan` is folded batch by
    batch (the states merge exactly whatever rows each batch holds)."""
    if isinstance(log, Scan):
        if _split_by(by)[1] is not None:
            raise ValueError("a scan is grouped by event columns only: a Segmentation belongs to one EventLog")
        return log.fold(lambda part: scorecard_state(part, by, period, retention_period=retention_period,
                                                     complaint_kind=complaint_kind, threads=threads))
    if not isinstance(log, EventLog):
        raise TypeError(f"scorecard expects a cxkit.EventLog, got {type(log).__name__}")
    if period not in _PERIODS:
        raise ValueError(f"period must be None, 'D', 'W', 'M', 'Q' or 'Y', got {period!r}")
    cols, seg = _split_by(by)
    if seg is not None and seg._log is not log:
        raise ValueError(f"segmentation '{seg.name}' was made for a different log")
    core = _m.fill_scorecard(log._core, cols, seg._core if seg else None, _PERIODS[period], retention_period,
                                complaint_kind, 0 if threads is None else int(threads))
    return Scorecard(core)


def scorecard(log: EventLog | Scan, by: By = None, period: str | None = None, confidence: float = 0.95, *,
              discount_rate: float = 0.10, retention_period: str = "M", complaint_kind: str = "complaint",
              min_change_n: int = 30, threads: int | None = None) -> pd.DataFrame:
    """The CX scorecard: the ten KPIs per group and period, with confidence intervals.

    Parameters
    ----------
    log : EventLog
    by : None, str, list of str, Segmentation, or a list mixing column names and one Segmentation
        Categorical event columns (``"channel"``, ``"stage"``, ``"touchpoint"``, ``"kind"`` or any other) and/or
        a customer segmentation. None: one overall row.
    period : None, "D", "W", "M", "Q" or "Y"
        One row per group and period when given.
    confidence : float
        Level of the NPS (adjusted Wald) and CSAT (Wilson) intervals and of the period-over-period NPS test.
    discount_rate : float
        Annual discount rate of the simple CLV, converted to the retention period.
    retention_period : str
        Without ``period``, retention and churn are pooled over periods of this length (default months).
    complaint_kind : str
        The ``kind`` value that marks a complaint.
    min_change_n : int
        ``nps_change_significant`` needs at least this many NPS answers in both periods (default 30): the z-test
        is a normal approximation, and a period of a few identical answers has zero variance and an infinite z.
        ``nps_change_z`` and ``nps_change_p`` are reported whatever the counts.

    Returns
    -------
    DataFrame, one row per group (and period) with columns: the group columns, ``period``, ``nps, nps_low,
    nps_high, nps_n`` (points -100..100), ``csat, csat_low, csat_high, csat_n`` (% of 4-5), ``ces`` (mean 1-7),
    ``ces_agree`` (% of 5-7), ``ces_n``, ``fcr`` (% of resolved tickets resolved at first contact), ``fcr_n``,
    ``response_time_mean, response_time_median, response_time_p90`` (seconds), ``response_time_n``,
    ``complaints``, ``complaint_rate`` (per customer), ``complaints_per_1000``, ``sentiment`` (mean compound),
    ``sentiment_n``, ``retention_rate`` ((E - N) / S) and ``churn_rate`` (lost / S) from customer activity,
    ``clv`` (simple m r / (1 + d - r) with m the revenue per active customer per period), ``customers``,
    ``events``, ``revenue``; with a period also ``nps_change_z``, ``nps_change_p`` and
    ``nps_change_significant`` (the NPS moved from the previous period by more than noise at ``confidence``).
    NaN where a group has no data for a KPI.
    """
    st = scorecard_state(log, by, period, retention_period=retention_period, complaint_kind=complaint_kind,
                         threads=threads)
    return st.to_frame(confidence, discount_rate, min_change_n)

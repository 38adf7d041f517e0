"""Acquisition cohorts x age: active customers and retention shares, from an EventLog (C++ CohortState)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._core import retention as _cr

if TYPE_CHECKING:
    from ..core import EventLog, Scan



def _max_cells(v: int) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
        raise ValueError(f"max_cells must be a positive integer, got {v!r}")
    return int(v)

_FREQ = {"D": "D", "W": "W-SUN", "M": "M", "Q": "Q", "Y": "Y"}


class Cohorts:
    """Cohort table: ``counts`` (cohort x age: customers active), ``sizes`` (customers acquired per cohort),
    ``retention`` (counts / sizes; NaN where the age is past the end of the data), ``state`` (the mergeable
    :class:`cxkit.retention.CohortState`). The cohort index holds pandas Periods; ages count periods since the
    first one. ``max_cells`` raises the limit on the table's size (cohorts x ages; by default 64 x the counts
    the state holds, at least 2**22), which guards against a small hostile or sparse state."""

    def __init__(self, state: "_cr.CohortState", max_cells: int | None = None):
        self.state = state
        self.period = state.period
        # A state from untrusted bytes may describe a huge sparse table: table() refuses more than
        # state.default_max_cells cells unless max_cells allows it.
        starts, counts = state.table(0 if max_cells is None else _max_cells(max_cells))
        freq = _FREQ[self.period]
        idx = pd.PeriodIndex(pd.to_datetime(starts.astype("datetime64[ns]")).to_period(freq), name="cohort")
        ages = pd.RangeIndex(counts.shape[1], name="age")
        self.counts = pd.DataFrame(counts.astype(np.int64), index=idx, columns=ages)
        self.sizes = self.counts[0].rename("customers") if counts.shape[1] else pd.Series(dtype=np.int64)
        ret = self.counts.div(self.sizes, axis=0).astype(float)
        if len(idx):
            ordinal = np.asarray([p.ordinal for p in idx])
            last = int(ordinal.max())
            # the last period with any activity bounds what can be observed
            nz = counts > 0
            if nz.any():
                last = int(max(o + int(np.nonzero(r)[0].max()) for o, r in zip(ordinal, nz) if r.any()))
            observable = (ordinal[:, None] + np.arange(counts.shape[1])[None, :]) <= last
            ret = ret.where(observable)
        self.retention = ret

    def plot(self, ax: Any = None, max_age: int | None = None, annotate: bool | None = None) -> Any:
        """Heatmap of retention shares (cohort x age); returns the Axes (see
        :func:`cxkit.retention.plotting.plot_cohorts`)."""
        from .plotting import plot_cohorts

        return plot_cohorts(self, ax=ax, max_age=max_age, annotate=annotate)

    def _repr_html_(self) -> str:
        return ("<b>cohort retention</b> (share of the cohort active at each age)"
                + self.retention.to_html(float_format=lambda v: f"{100 * v:.1f}%", na_rep=""))

    def __repr__(self) -> str:
        return f"Cohorts(period={self.period!r}, cohorts={len(self.counts)}, ages={self.counts.shape[1]})"


def cohorts(log: "EventLog | Scan | pd.DataFrame", period: str = "M", max_cells: int | None = None) -> Cohorts:
    """Acquisition cohort (period of each customer's first event) x age (periods since) table of active
    customers and retention shares, from a :class:`cxkit.EventLog` (or a DataFrame with customer and time
    columns), or a :func:`cxkit.scan` (which needs each customer's events together: it is partitioned by
    customer hash into temporary files first). ``period``: "D", "W" (Monday weeks), "M", "Q" or "Y". ``max_cells``: see :class:`Cohorts` (a
    daily table over many years may need it)."""
    from ..core import EventLog, Scan

    if isinstance(log, pd.DataFrame):
        log = EventLog.from_pandas(log)
    if period not in _FREQ:
        raise ValueError(f"period must be one of {sorted(_FREQ)}, got {period!r}")
    if isinstance(log, Scan):  # a customer's first period needs all its events: customer-hash partitions
        return Cohorts(log.fold(lambda part: cohort_state(part, period), whole_customers=True), max_cells=max_cells)
    state = _cr.CohortState(period)
    state.fill(log._core)
    return Cohorts(state, max_cells=max_cells)


def cohort_state(log: "EventLog", period: str = "M") -> "_cr.CohortState":
    """The mergeable CohortState of a log (add states of customer-disjoint partitions, then ``Cohorts(state)``)."""
    state = _cr.CohortState(period)
    state.fill(log._core)
    return state

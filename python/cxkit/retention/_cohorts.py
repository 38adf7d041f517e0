"""Acquisition cohorts x age: active customers and retention shares, from an EventLog (C++ CohortState)."""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .. import _core

_FREQ = {"D": "D", "W": "W-SUN", "M": "M", "Q": "Q", "Y": "Y"}


class Cohorts:
    """Cohort table: ``counts`` (cohort x age: customers active), ``sizes`` (customers acquired per cohort),
    ``retention`` (counts / sizes; NaN where the age is past the end of the data), ``state`` (the mergeable
    :class:`cxkit.retention.CohortState`). The cohort index holds pandas Periods; ages count periods since the
    first one."""

    def __init__(self, state: "_core.CohortState"):
        self.state = state
        self.period = state.period
        starts, counts = state.table()
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
        """Heatmap of retention shares (cohort x age); returns the Axes."""
        import matplotlib.pyplot as plt  # lazy

        r = self.retention if max_age is None else self.retention.iloc[:, : max_age + 1]
        if ax is None:
            _, ax = plt.subplots(figsize=(min(14, 2 + 0.6 * r.shape[1]), min(10, 1.5 + 0.35 * r.shape[0])))
        later = r.iloc[:, 1:].to_numpy(dtype=float)
        vmax = float(np.nanmax(later)) * 1.05 if later.size and np.isfinite(later).any() else 1.0
        im = ax.imshow(np.ma.masked_invalid(r.to_numpy(dtype=float)), aspect="auto", cmap="viridis", vmin=0,
                       vmax=vmax, interpolation="nearest")  # scaled to ages >= 1 (age 0 is always 100%)
        ax.set_xticks(range(r.shape[1]))
        ax.set_xticklabels(r.columns)
        ax.set_yticks(range(r.shape[0]))
        ax.set_yticklabels([str(p) for p in r.index])
        ax.set_xlabel(f"age ({self.period} since acquisition)")
        ax.set_ylabel("acquisition cohort")
        if annotate is None:
            annotate = r.size <= 400
        if annotate:
            for i in range(r.shape[0]):
                for j in range(r.shape[1]):
                    v = r.iat[i, j]
                    if v == v:
                        ax.text(j, i, f"{100 * v:.0f}", ha="center", va="center", fontsize=7,
                                color="white" if v < 0.6 * vmax else "black")
        ax.figure.colorbar(im, ax=ax, label="retention share (age 0 = 100%)")
        ax.set_title("Retention by acquisition cohort (%)")
        return ax

    def _repr_html_(self) -> str:
        return ("<b>cohort retention</b> (share of the cohort active at each age)"
                + self.retention.to_html(float_format=lambda v: f"{100 * v:.1f}%", na_rep=""))

    def __repr__(self) -> str:
        return f"Cohorts(period={self.period!r}, cohorts={len(self.counts)}, ages={self.counts.shape[1]})"


def cohorts(log: Any, period: str = "M") -> Cohorts:
    """Acquisition cohort (period of each customer's first event) x age (periods since) table of active
    customers and retention shares, from a :class:`cxkit.EventLog` (or a DataFrame with customer and time
    columns). ``period``: "D", "W" (Monday weeks), "M", "Q" or "Y"."""
    from .._eventlog import EventLog

    if isinstance(log, pd.DataFrame):
        log = EventLog.from_pandas(log)
    if period not in _FREQ:
        raise ValueError(f"period must be one of {sorted(_FREQ)}, got {period!r}")
    state = _core.CohortState(period)
    state.fill(log._core)
    return Cohorts(state)


def cohort_state(log: Any, period: str = "M") -> "_core.CohortState":
    """The mergeable CohortState of a log (add states of customer-disjoint partitions, then ``Cohorts(state)``)."""
    state = _core.CohortState(period)
    state.fill(log._core)
    return state

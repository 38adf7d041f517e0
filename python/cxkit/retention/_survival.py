"""Kaplan-Meier survival and log-rank tests on cxkit's C++ core (equal to lifelines to rounding)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._core import retention as _cr



def _durations(x: Any, name: str = "durations") -> np.ndarray:
    a = np.asarray(x)
    if a.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional")
    if np.issubdtype(a.dtype, np.timedelta64):
        raise ValueError(f"{name}: convert timedeltas to numbers first (e.g. .dt.days)")
    try:
        return np.ascontiguousarray(a, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise ValueError(f"{name} must be numeric") from e


def _observed(x: Any, n: int, name: str = "observed") -> np.ndarray:
    if x is None:
        return np.ones(n, dtype=np.float64)
    a = np.asarray(x)
    if a.ndim == 1 and a.dtype.kind in "biuf":
        a = np.ascontiguousarray(a)  # flags are read in their own dtype (bool, int8, ...): no float64 copy
    else:
        a = _durations(x, name)
    if len(a) != n:
        raise ValueError(f"{name} has {len(a)} rows but durations has {n}")
    return a


@dataclass
class LogRankResult:
    """Result of a log-rank test (as lifelines' StatisticalResult): ``statistic``, ``p_value``,
    ``degrees_of_freedom``, and the observed and expected events per group."""
    statistic: float
    p_value: float
    degrees_of_freedom: int
    groups: list = field(default_factory=list)
    observed: np.ndarray | None = None
    expected: np.ndarray | None = None

    @property
    def summary(self) -> pd.DataFrame:
        return pd.DataFrame({"test_statistic": [self.statistic], "p": [self.p_value],
                             "degrees_of_freedom": [self.degrees_of_freedom]})

    def __repr__(self) -> str:
        return (f"LogRankResult(statistic={self.statistic:.4g}, p_value={self.p_value:.4g}, "
                f"degrees_of_freedom={self.degrees_of_freedom})")


class KaplanMeier:
    """A fitted Kaplan-Meier estimate (as lifelines' KaplanMeierFitter).

    Attributes: ``survival_function_`` (index ``timeline``; columns ``survival``, ``lower``, ``upper``: the
    exponential-Greenwood bounds at ``confidence``), ``event_table`` (``at_risk``, ``observed``, ``censored``),
    ``median_survival_time_`` (inf when survival stays above 0.5), ``confidence``, ``label``.
    """

    def __init__(self, d: dict, label: str = "KM_estimate"):
        idx = pd.Index(d["timeline"], name="timeline")
        self.survival_function_ = pd.DataFrame(
            {"survival": d["survival"], "lower": d["lower"], "upper": d["upper"]}, index=idx)
        self.event_table = pd.DataFrame(
            {"at_risk": d["at_risk"], "observed": d["observed"], "censored": d["censored"]}, index=idx)
        self.variance_sum_ = pd.Series(d["variance_sum"], index=idx, name="greenwood")
        self.median_survival_time_ = float(d["median"])
        self.confidence = float(d["confidence"])
        self.label = label

    def survival_at(self, times: Any) -> np.ndarray:
        """S(t) (a right-continuous step function) at the given times."""
        t = np.atleast_1d(np.asarray(times, dtype=float))
        tl = self.survival_function_.index.to_numpy()
        pos = np.searchsorted(tl, t, side="right") - 1
        s = self.survival_function_["survival"].to_numpy()
        return np.where(pos >= 0, s[np.clip(pos, 0, None)], 1.0)

    def plot(self, ax: Any = None, ci: bool = True, **kwargs: Any) -> Any:
        """Step plot of the survival function with its confidence band; returns the Axes (see
        :func:`cxkit.retention.plotting.plot_survival`)."""
        from .plotting import plot_survival

        return plot_survival(self, ax=ax, ci=ci, **kwargs)

    def __repr__(self) -> str:
        n = int(self.event_table["at_risk"].iloc[0]) if len(self.event_table) else 0
        return (f"KaplanMeier(label={self.label!r}, n={n}, events={int(self.event_table['observed'].sum())}, "
                f"median={self.median_survival_time_:g})")


class KaplanMeierGroups:
    """Kaplan-Meier estimates by group with the multivariate log-rank test.

    ``fits`` (group -> :class:`KaplanMeier`), ``survival_function_`` (long: group, timeline, survival, lower,
    upper), ``median_survival_time_`` (a Series by group), ``logrank_`` (:class:`LogRankResult`; None with one group).
    """

    def __init__(self, fits: dict, logrank: LogRankResult | None):
        self.fits = fits
        self.logrank_ = logrank
        self.survival_function_ = pd.concat(
            {g: f.survival_function_ for g, f in fits.items()}, names=["group", "timeline"])
        self.median_survival_time_ = pd.Series({g: f.median_survival_time_ for g, f in fits.items()},
                                               name="median_survival_time")

    def __getitem__(self, group: Any) -> KaplanMeier:
        return self.fits[group]

    def plot(self, ax: Any = None, ci: bool = True) -> Any:
        """One survival curve with its band per group; returns the Axes (see
        :func:`cxkit.retention.plotting.plot_survival_groups`)."""
        from .plotting import plot_survival_groups

        return plot_survival_groups(self, ax=ax, ci=ci)

    def __repr__(self) -> str:
        return f"KaplanMeierGroups({len(self.fits)} groups, {self.logrank_!r})"


def kaplan_meier(durations: Any, observed: Any = None, confidence: float = 0.95,
                 groups: Any = None, label: str = "KM_estimate") -> KaplanMeier | KaplanMeierGroups:
    """Kaplan-Meier survival estimate with Greenwood variance and exponential-Greenwood bounds.

    durations: finite numbers >= 0; observed: 1 = the event (churn) was observed, 0 = censored (default: all 1);
    bool, integer or float flags accepted, anything else than 0/1 is a ``ValueError`` naming the row.
    With ``groups`` (one label per row): a :class:`KaplanMeierGroups` with one fit per group and the
    multivariate log-rank test.
    """
    d = _durations(durations)
    e = None if observed is None else _observed(observed, len(d))  # None: every event observed
    if groups is None:
        return KaplanMeier(_cr.kaplan_meier(d, e, confidence), label=label)
    g = np.asarray(groups)
    if len(g) != len(d):
        raise ValueError(f"groups has {len(g)} rows but durations has {len(d)}")
    codes, labels = pd.factorize(g, sort=True)
    if (codes < 0).any():
        raise ValueError(f"groups: row {int(np.argmax(codes < 0))} is missing")
    # validate all rows once (errors name the input row), then fit each group
    _cr.kaplan_meier(d, e, confidence)
    fits = {}
    for k, lab in enumerate(labels):
        m = codes == k
        fits[lab] = KaplanMeier(_cr.kaplan_meier(d[m], None if e is None else e[m], confidence), label=str(lab))
    if e is None:
        e = np.ones(len(d), dtype=np.float64)
    lr = _logrank(d, codes.astype(np.int64), e, list(labels)) if len(labels) >= 2 else None
    return KaplanMeierGroups(fits, lr)


def _logrank(d: np.ndarray, codes: np.ndarray, e: np.ndarray, labels: list) -> LogRankResult:
    r = _cr.logrank_test(d, codes, e)
    return LogRankResult(float(r["statistic"]), float(r["p_value"]), int(r["degrees_of_freedom"]),
                         [labels[int(c)] for c in r["groups"]], r["observed"], r["expected"])


def logrank_test(durations_a: Any, durations_b: Any, observed_a: Any = None, observed_b: Any = None) -> LogRankResult:
    """Two-sample log-rank test, as lifelines' ``logrank_test(durations_A, durations_B, event_observed_A,
    event_observed_B)``."""
    da, db = _durations(durations_a, "durations_a"), _durations(durations_b, "durations_b")
    ea, eb = _observed(observed_a, len(da), "observed_a"), _observed(observed_b, len(db), "observed_b")
    codes = np.r_[np.zeros(len(da), np.int64), np.ones(len(db), np.int64)]
    return _logrank(np.r_[da, db], codes, np.r_[ea, eb], ["a", "b"])


def multivariate_logrank_test(durations: Any, groups: Any, observed: Any = None) -> LogRankResult:
    """Log-rank test of equal survival across two or more groups, as lifelines' ``multivariate_logrank_test``."""
    d = _durations(durations)
    e = _observed(observed, len(d))
    g = np.asarray(groups)
    if len(g) != len(d):
        raise ValueError(f"groups has {len(g)} rows but durations has {len(d)}")
    codes, labels = pd.factorize(g, sort=True)
    if (codes < 0).any():
        raise ValueError(f"groups: row {int(np.argmax(codes < 0))} is missing")
    return _logrank(d, codes.astype(np.int64), e, list(labels))

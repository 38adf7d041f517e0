"""Retention: acquisition cohorts, survival (Kaplan-Meier, log-rank) and churn flags.

>>> import cxkit
>>> km = cxkit.retention.kaplan_meier([5, 6, 6, 2, 4, 4], observed=[1, 0, 0, 1, 1, 1])
>>> km.median_survival_time_
5.0
"""
from __future__ import annotations

from .._core import retention as _cr
from . import plotting
from ._churn import churn_flags
from ._cohorts import Cohorts, cohort_state, cohorts
from ._survival import (KaplanMeier, KaplanMeierGroups, LogRankResult, kaplan_meier, logrank_test,
                        multivariate_logrank_test)

CohortState = _cr.CohortState

__all__ = ["kaplan_meier", "logrank_test", "multivariate_logrank_test", "cohorts", "cohort_state", "Cohorts",
           "churn_flags", "CohortState", "KaplanMeier", "KaplanMeierGroups", "LogRankResult", "plotting"]


def __dir__() -> list[str]:
    return __all__

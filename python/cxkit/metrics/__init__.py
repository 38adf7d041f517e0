"""The CX metrics: the KPIs (NPS, CSAT, CES with intervals and tests), their mergeable states, and the scorecard.

Mirrors ``include/cxkit/metrics/`` and ``cxkit._core.metrics``. The most-used names are re-exported at the top
level (``cxkit.scorecard``, ``cxkit.nps``, ...).

Thread safety of the states (NpsState, ..., Scorecard, LiveScorecard): one object may be shared between threads.
Mutations (``+=``, ``fill``, ``add``, ``update``, ``append``) hold the GIL while they change the object
(``Scorecard.update`` fills into a new state without the GIL first); long reads (``Scorecard.to_frame``,
``ActivityState.by_period``) copy it with the GIL held and compute from the copy.

>>> import cxkit
>>> str(cxkit.metrics.nps([10, 9, 8, 3, 10]))
'NPS 40.0 [-29.8, 79.8] (n=5, 95% CI)'
"""
from __future__ import annotations

from ._kpis import (ActivityState, CesResult, CesState, ComplaintState, CsatResult, CsatState, CustomerSet,
                    FcrState, KpiState, MeanState, NpsResult, NpsState, ResponseTimeState, TestResult, ces, csat,
                    csat_test, nps, nps_state, nps_test, simple_clv)
from ._live import LiveFigures, LiveScorecard
from ._scorecard import Scorecard, ScorecardState, scorecard, scorecard_state

__all__ = [
    "nps", "csat", "ces", "nps_state", "nps_test", "csat_test", "NpsResult", "CsatResult", "CesResult",
    "TestResult", "NpsState", "CsatState", "CesState", "FcrState", "ResponseTimeState", "MeanState",
    "ComplaintState", "CustomerSet", "ActivityState", "KpiState", "simple_clv",
    "Scorecard", "ScorecardState", "scorecard", "scorecard_state", "LiveScorecard",
    "LiveFigures",
]


def __dir__() -> list[str]:
    return __all__

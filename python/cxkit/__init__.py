"""cxkit: customer-experience analytics on a fast C++ core.

The CX scorecard (NPS, CSAT, CES, FCR, response time, complaints, sentiment, retention, churn, CLV) by channel,
stage, segment and period, from an :class:`EventLog` of customer touchpoint events.

>>> import cxkit
>>> log = cxkit.datasets.simulate(2_000, seed=1, as_log=True)
>>> card = cxkit.scorecard(log, by="channel", period="M")
"""
from __future__ import annotations

try:
    from . import _core
except ImportError as e:  # pragma: no cover - only when the extension was not built
    raise ImportError(
        "cxkit's compiled core (cxkit._core) is missing: install cxkit with `pip install .` from a checkout "
        "(or run ./scripts/setup), not by putting python/ on sys.path"
    ) from e

from . import clv, core, datasets, journey, retention, segment, voc
from . import attribution, drivers
from ._prioritise import PRIORITY_QUADRANTS, STAKEHOLDER_QUADRANTS, prioritise
from .core import EventLog, InputError
from ._kpis import CesResult, CsatResult, NpsResult, TestResult, ces, csat, csat_test, nps, nps_test
from ._scorecard import Scorecard, scorecard, scorecard_state
from .core import Segmentation

__version__ = _core.__version__

NpsState = _core.NpsState
CsatState = _core.CsatState
CesState = _core.CesState
FcrState = _core.FcrState
ResponseTimeState = _core.ResponseTimeState
MeanState = _core.MeanState
ComplaintState = _core.ComplaintState
ActivityState = _core.ActivityState
simple_clv = _core.simple_clv

__all__ = [
    "EventLog", "Segmentation", "InputError", "Scorecard", "scorecard", "scorecard_state",
    "nps", "csat", "ces", "nps_test", "csat_test", "NpsResult", "CsatResult", "CesResult", "TestResult",
    "NpsState", "CsatState", "CesState", "FcrState", "ResponseTimeState", "MeanState", "ComplaintState",
    "ActivityState", "simple_clv", "datasets", "core", "clv", "retention", "segment", "voc", "journey", "attribution", "drivers", "prioritise",
    "PRIORITY_QUADRANTS", "STAKEHOLDER_QUADRANTS", "__version__",
]


def __dir__() -> list[str]:
    return __all__

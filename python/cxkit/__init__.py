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

from . import clv, core, datasets, journey, metrics, retention, segment, voc
from .core import EventLog, InputError, Scan, Segmentation, scan
from .journey import PRIORITY_QUADRANTS, STAKEHOLDER_QUADRANTS, prioritise
from .metrics import (ActivityState, CesResult, CesState, ComplaintState, CsatResult, CsatState, FcrState,
                      MeanState, NpsResult, NpsState, ResponseTimeState, Scorecard, TestResult, ces, csat, csat_test,
                      nps, nps_test, scorecard, scorecard_state, simple_clv)

__version__ = _core.__version__

__all__ = [
    "EventLog", "Scan", "scan", "Segmentation", "InputError", "Scorecard", "scorecard", "scorecard_state",
    "nps", "csat", "ces", "nps_test", "csat_test", "NpsResult", "CsatResult", "CesResult", "TestResult",
    "NpsState", "CsatState", "CesState", "FcrState", "ResponseTimeState", "MeanState", "ComplaintState",
    "ActivityState", "simple_clv", "datasets", "core", "metrics", "clv", "retention", "segment", "voc", "journey",
    "prioritise",
    "PRIORITY_QUADRANTS", "STAKEHOLDER_QUADRANTS", "__version__",
]


def __dir__() -> list[str]:
    return __all__


_DEPRECATED_MODULES = {"attribution": "cxkit.journey.attribution", "drivers": "cxkit.journey.drivers"}


def __getattr__(name: str) -> object:
    # cxkit.attribution and cxkit.drivers moved under cxkit.journey; the old names work for one more release,
    # imported on first use so that `import cxkit` itself warns about nothing.
    if name in _DEPRECATED_MODULES:
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'cxkit' has no attribute {name!r}")

"""Customer journeys: paths, transitions, funnels, attribution (who gets the credit), drivers (what moves an
outcome) and prioritisation (what to fix first). Mirrors include/cxkit/journey/ and cxkit._core.journey."""
from __future__ import annotations

from . import attribution, drivers, plotting
from ._map import journey_map, moments_of_truth
from ._paths import Paths, paths
from .attribution import MarkovResult
from .drivers import relative_importance
from .prioritise import PRIORITY_QUADRANTS, STAKEHOLDER_QUADRANTS, prioritise

__all__ = ["Paths", "paths", "journey_map", "moments_of_truth", "attribution", "drivers", "plotting",
           "MarkovResult", "relative_importance", "prioritise", "PRIORITY_QUADRANTS", "STAKEHOLDER_QUADRANTS"]


def __dir__() -> list[str]:
    return __all__

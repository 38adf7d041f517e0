"""Deprecated: use :mod:`cxkit.journey.attribution` (this alias goes in the next release)."""
from __future__ import annotations

import warnings

from .journey.attribution import MarkovResult, heuristic, markov, shapley

__all__ = ["heuristic", "markov", "shapley", "MarkovResult"]

warnings.warn("cxkit.attribution is deprecated and will be removed in the next release: use cxkit.journey.attribution",
              DeprecationWarning, stacklevel=2)

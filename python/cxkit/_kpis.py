"""Moved to :mod:`cxkit.metrics`; kept for in-package imports of earlier versions. Remove after one release."""
from __future__ import annotations

from .metrics._kpis import CesResult, CsatResult, NpsResult, TestResult, ces, csat, csat_test, nps, nps_test

__all__ = ["CesResult", "CsatResult", "NpsResult", "TestResult", "ces", "csat", "csat_test", "nps", "nps_test"]

"""Customer lifetime value: RFM summaries of transaction logs, the buy-till-you-die purchase models (BG/NBD,
Pareto/NBD, MBG/NBD, BG/BB), the Gamma-Gamma spend model and discounted CLV, fitted and evaluated in cxkit's C++
core with the estimator shape of lifetimes.

>>> import cxkit
>>> summary = cxkit.datasets.load_cdnow_summary()
>>> bgf = cxkit.clv.BetaGeoModel().fit(summary)
>>> round(bgf.params_["r"], 4)
0.2426

Plots live in :mod:`cxkit.clv.plotting` (matplotlib, imported when a plot is drawn).
"""
from __future__ import annotations

from ._demo import _demo_section
from ._models import (
    BetaGeoBetaBinomModel,
    BetaGeoModel,
    ConvergenceWarning,
    NoDropoutSignalWarning,
    GammaGammaModel,
    ModifiedBetaGeoModel,
    ParetoNBDModel,
    customer_lifetime_value,
)
from ._rfm import rfm_summary

__all__ = [
    "rfm_summary", "BetaGeoModel", "ParetoNBDModel", "ModifiedBetaGeoModel", "BetaGeoBetaBinomModel",
    "GammaGammaModel", "customer_lifetime_value", "ConvergenceWarning", "NoDropoutSignalWarning",
    "plotting",
]


def __getattr__(name: str):
    if name == "demo_section":  # private since 0.2 (the CLI's demo text, not an API)
        import warnings

        warnings.warn("cxkit.clv.demo_section is private now; `python -m cxkit` prints the demo",
                      DeprecationWarning, stacklevel=2)
        return _demo_section
    if name == "plotting":  # imported on first use, so that `import cxkit` does not import matplotlib helpers
        import importlib

        return importlib.import_module(".plotting", __name__)
    raise AttributeError(f"module 'cxkit.clv' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__

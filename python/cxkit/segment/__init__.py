"""Segments and personas: k-means (scikit-learn's conventions), silhouette and choosing k, RFM scores and the named
RFM segments, persona profiles, item-item recommendations.

>>> import cxkit
>>> km = cxkit.segment.KMeans(4, standardize=True).fit(features)          # doctest: +SKIP
>>> cxkit.segment.rfm_scores(cxkit.EventLog.from_pandas(cdnow, kind=...))  # doctest: +SKIP

Plots live in :mod:`cxkit.segment.plotting` (matplotlib, imported when a plot is drawn).
The compute is in C++ (include/cxkit/segment); the GIL is released while it runs.
"""
from __future__ import annotations

from types import ModuleType

from ._kmeans import KMeans, choose_k, silhouette_sample, silhouette_samples, silhouette_score
from ._personas import Persona, Personas, personas
from ._recommender import Recommender, RecommenderState
from ._demo import _demo_section
from ._rfm import default_rfm_segments, rfm_measures, rfm_scores, rfm_summary

__all__ = ["KMeans", "choose_k", "silhouette_score", "silhouette_samples", "silhouette_sample",
           "rfm_scores", "rfm_measures", "default_rfm_segments", "personas", "Persona", "Personas", "Recommender",
           "RecommenderState", "plotting"]
# rfm_summary: deprecated name of rfm_measures (warns when called), kept out of __all__ for one release


def __getattr__(name: str) -> ModuleType:
    if name == "plotting":  # imported on first use, so that `import cxkit` does not import matplotlib helpers
        import importlib

        return importlib.import_module(".plotting", __name__)
    raise AttributeError(f"module 'cxkit.segment' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__

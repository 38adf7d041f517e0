"""Voice of the customer: sentiment (VADER), the feedback loop, complaints and empathy maps. Plots are in
:mod:`cxkit.voc.plotting` (matplotlib, imported when a plot is drawn).

>>> import cxkit
>>> cxkit.voc.sentiment(["The support was great!", "Still broken :("]).compound.tolist()
[0.7959, -0.7184]
"""
from __future__ import annotations

from . import plotting
from ._feedback import STOP_WORDS, EmpathyMap, FeedbackSummary, _demo_section, empathy_map, feedback_summary, top_terms
from ._sentiment import Lexicon, polarity_scores, score_log, sentiment, text_compound
from .plotting import plot_sentiment  # the plots live in cxkit.voc.plotting; this one is also here, as before
from ..core import register_text_scorer as _register_text_scorer

_register_text_scorer(text_compound)  # EventLog.from_pandas(score_text=True) scores with VADER

__all__ = ["sentiment", "polarity_scores", "Lexicon", "score_log", "text_compound", "feedback_summary",
           "FeedbackSummary", "empathy_map", "EmpathyMap", "top_terms", "plot_sentiment", "plotting", "STOP_WORDS"]


def __dir__() -> list[str]:
    return __all__

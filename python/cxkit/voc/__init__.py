"""Voice of the customer: sentiment (VADER), the feedback loop, complaints and empathy maps.

>>> import cxkit
>>> cxkit.voc.sentiment(["The support was great!", "Still broken :("]).compound.tolist()
[0.7959, -0.7184]
"""
from __future__ import annotations

from ._sentiment import Lexicon, polarity_scores, sentiment

__all__ = ["sentiment", "polarity_scores", "Lexicon"]


def __dir__() -> list[str]:
    return __all__

"""Multi-touch attribution: who gets the credit for conversions (heuristic rules, exact Markov, Shapley)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import _core
from .journey import Paths

__all__ = ["heuristic", "markov", "shapley", "MarkovResult"]


def _check(paths: Paths) -> "_core.Paths":
    if not isinstance(paths, Paths):
        raise TypeError(f"expected cxkit.journey.Paths, got {type(paths).__name__} "
                        "(make one with cxkit.journey.paths(log) or Paths.from_pandas(df))")
    if len(paths) == 0:
        raise ValueError("no paths to attribute")
    return paths._core


def heuristic(paths: Paths, first: float = 0.4, last: float = 0.4) -> pd.DataFrame:
    """First-touch, last-touch, linear and position-based (``first``/middle/``last`` shares, 40/20/40 by default)
    credit per channel, in conversions and in value (``*_value`` columns). Paths are taken as given (repeats
    count as touches)."""
    d = _core.heuristic_attribution(_check(paths), first, last)
    return pd.DataFrame(d).set_index("channel")


@dataclass
class MarkovResult:
    """Exact first-order Markov attribution: ``credits`` (removal effect, conversions, value per channel), the
    ``transition_matrix`` over (start), channels, (conversion), (null), and P(conversion) from the start."""
    credits: pd.DataFrame
    transition_matrix: pd.DataFrame
    conversion_probability: float

    def _repr_html_(self) -> str:
        return (f"<b>Markov attribution</b> (P(conversion) = {self.conversion_probability:.4f})"
                + self.credits.to_html(float_format=lambda v: f"{v:,.3f}"))


def markov(paths: Paths, order: int = 1) -> MarkovResult:
    """Markov-chain attribution (Anderl et al. 2016), exact from the absorbing chain: no simulation. All removal
    effects come from one LU factorisation of I - Q (see REFERENCES). Consecutive repeats are collapsed first,
    as ChannelAttribution does. Only first order is implemented so far."""
    if order != 1:
        raise ValueError(f"order {order} is not implemented yet; order=1 is exact")
    d = _core.markov_attribution(_check(paths))
    credits = pd.DataFrame({"removal_effect": d["removal_effect"], "conversions": d["conversions"],
                            "value": d["value"]}, index=pd.Index(d["channel"], name="channel"))
    tm = pd.DataFrame(d["transition"], index=d["states"], columns=d["states"])
    return MarkovResult(credits, tm, float(d["conversion_probability"]))


def shapley(paths: Paths, simplified: bool | None = None) -> pd.DataFrame:
    """Shapley-value attribution: a coalition of channels is worth the conversions of the paths it covers.
    Exact over all coalitions up to 20 channels; beyond that (or with ``simplified=True``) the simplified form of
    Zhao et al., which for this value function gives the same numbers."""
    core = _check(paths)
    use_simple = bool(simplified) if simplified is not None else len(paths.states) > _core.shapley_exact_limit
    d = _core.shapley_attribution(core, use_simple)
    out = pd.DataFrame({"conversions": d["conversions"], "value": d["value"]},
                       index=pd.Index(d["channel"], name="channel"))
    out.attrs["exact"] = bool(d["exact"])
    return out

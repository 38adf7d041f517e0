"""Multi-touch attribution: who gets the credit for conversions (heuristic rules, exact Markov, Shapley)."""
from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Union

import numpy as np
import pandas as pd

from .._core import journey as _cj
from ._paths import Paths


__all__ = ["heuristic", "markov", "shapley", "MarkovResult"]

# A duration: a Timedelta (or datetime.timedelta), a string pandas reads ("7D"), or a number of days.
HalfLife = Union[pd.Timedelta, datetime.timedelta, str, float, int]


def _check(paths: Paths) -> "_cj.Paths":
    if not isinstance(paths, Paths):
        raise TypeError(f"expected cxkit.journey.Paths, got {type(paths).__name__} "
                        "(make one with cxkit.journey.paths(log) or Paths.from_pandas(df))")
    if len(paths) == 0:
        raise ValueError("no paths to attribute")
    return paths._core


def _half_life_ns(half_life: HalfLife) -> float:
    """A half-life as nanoseconds (the log's time unit): a Timedelta, a string pandas reads ("7D", "12h") or a
    number of days."""
    if isinstance(half_life, bool):
        raise ValueError(f"half_life must be a duration, got {half_life!r}")
    try:
        td = pd.Timedelta(days=float(half_life)) if isinstance(half_life, (int, float, np.integer, np.floating)) \
            else pd.Timedelta(half_life)
    except (ValueError, TypeError) as e:
        raise ValueError(f"half_life must be a duration (a Timedelta, '7D', or a number of days), got {half_life!r}") from e
    if pd.isna(td) or td <= pd.Timedelta(0):
        raise ValueError(f"half_life must be a positive duration, got {half_life!r}")
    return float(td.value)


def heuristic(paths: Paths, first: float = 0.4, last: float = 0.4, half_life: HalfLife | None = None) -> pd.DataFrame:
    """First-touch, last-touch, linear and position-based (``first``/middle/``last`` shares, 40/20/40 by default)
    credit per channel, in conversions and in value (``*_value`` columns). Paths are taken as given (repeats
    count as touches).

    With ``half_life`` (a Timedelta, a string such as ``"7D"``, or a number of days), also time decay: each
    touch of a converting journey weighs 2^(-(conversion time - touch time) / half_life), and the journey's
    conversion and value are split in proportion (columns ``time_decay``, ``time_decay_value``). That needs
    the touches' times: paths built from an EventLog with :func:`cxkit.journey.paths`.

    With no conversions at all every credit is 0 (there is nothing to split); empty paths are a ValueError, and
    so are ``first``/``last`` weights below 0 or summing to more than 1."""
    core = _check(paths)
    d = _cj.heuristic_attribution(core, first, last)
    out = pd.DataFrame(d).set_index("channel")
    if half_life is not None:
        h = _half_life_ns(half_life)
        if not paths.has_times:
            raise ValueError("time decay needs the touches' times: build the paths from an EventLog with "
                             "cxkit.journey.paths(log) (a table of path strings has none)")
        t = _cj.time_decay_attribution(core, h)
        out["time_decay"] = t["conversions"]
        out["time_decay_value"] = t["value"]
    return out


@dataclass
class MarkovResult:
    """Exact Markov attribution of a given ``order``: ``credits`` (removal effect, conversions, value per
    channel), the chain's non-zero ``transitions`` (from, to, probability: ChannelAttribution's
    transition_matrix table; states of order k are k-tuples named "a > b"), P(conversion) from the start, and
    for order 1 the square ``transition_matrix`` over (start), channels, (conversion), (null) (``None`` for
    higher orders, whose k-tuple states are too many for a dense matrix, and above 4,093 channels)."""
    credits: pd.DataFrame
    transition_matrix: pd.DataFrame | None
    conversion_probability: float
    transitions: pd.DataFrame | None = None
    order: int = 1

    def _repr_html_(self) -> str:
        return (f"<b>Markov attribution, order {self.order}</b> (P(conversion) = {self.conversion_probability:.4f})"
                + self.credits.to_html(float_format=lambda v: f"{v:,.3f}"))


def markov(paths: Paths, order: int = 1) -> MarkovResult:
    """Markov-chain attribution (Anderl et al. 2016), exact from the absorbing chain: no simulation.

    ``order=1``: states are channels, consecutive repeats collapsed (as ChannelAttribution does); the removal
    effects come from the absorbing chain solved by strongly connected sets of channels (channels that lead back
    to one another), so the cost follows the largest such set, not the number of channels: 10,000 channels in a
    funnel take milliseconds. A set of more than ``cxkit._core.journey.markov_cycle_limit`` (4,000) channels is a
    ValueError (group rare channels first). ``transition_matrix`` is ``None`` above 4,093 channels (the
    ``transitions`` table has the chain).

    ``order=2..4``: ChannelAttribution's higher-order convention. The states of a path are its sliding windows
    of ``order`` consecutive touches as given (a > a > b > c at order 2: (a, a), (a, b), (b, c)); a path shorter
    than ``order`` is one state, the whole path; consecutive identical states collapse. Removing a channel
    removes every state containing it; each removal is one sparse LU solve of the reduced chain.
    ChannelAttribution estimates the same removal effects by simulation.

    Credit per channel: removal effect / sum of removal effects x total conversions (and x total value).
    Empty paths and paths with no conversions overall are a ValueError (the removal effects would be 0 / 0).
    """
    if isinstance(order, bool) or not isinstance(order, (int, np.integer)) or not 1 <= order <= _cj.markov_max_order:
        raise ValueError(f"order must be an integer from 1 to {_cj.markov_max_order}, got {order!r}")
    d = _cj.markov_attribution(_check(paths), int(order))
    credits = pd.DataFrame({"removal_effect": d["removal_effect"], "conversions": d["conversions"],
                            "value": d["value"]}, index=pd.Index(d["channel"], name="channel"))
    names = np.asarray(d["states"], dtype=object)
    transitions = pd.DataFrame({"from": names[d["from"]], "to": names[d["to"]], "probability": d["probability"]})
    transitions = transitions[transitions["from"] != transitions["to"]].reset_index(drop=True)  # absorbing loops
    tm = None if d["transition"] is None else pd.DataFrame(d["transition"], index=d["states"], columns=d["states"])
    return MarkovResult(credits, tm, float(d["conversion_probability"]), transitions, int(order))


def shapley(paths: Paths, simplified: bool | None = None) -> pd.DataFrame:
    """Shapley-value attribution: a coalition of channels is worth the conversions of the paths it covers.
    Exact over all coalitions up to 20 channels; beyond that (or with ``simplified=True``) the simplified form of
    Zhao et al., which for this value function gives the same numbers (``attrs["exact"]`` says which ran).
    With no conversions at all every credit is 0; empty paths are a ValueError."""
    core = _check(paths)
    use_simple = bool(simplified) if simplified is not None else len(paths.states) > _cj.shapley_exact_limit
    d = _cj.shapley_attribution(core, use_simple)
    out = pd.DataFrame({"conversions": d["conversions"], "value": d["value"]},
                       index=pd.Index(d["channel"], name="channel"))
    out.attrs["exact"] = bool(d["exact"])
    return out

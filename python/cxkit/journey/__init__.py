"""Customer journeys: paths, transitions, funnels (and, from cxkit.attribution, who gets the credit)."""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import pandas as pd

from .. import _core
from .._eventlog import EventLog

__all__ = ["Paths", "paths", "journey_map", "moments_of_truth"]


class Paths:
    """Journeys as sequences of states (channels, touchpoints or stages), one row per distinct path with its
    conversions, nulls (paths that did not convert) and value: ChannelAttribution's format.

    Make one with :func:`cxkit.journey.paths` from an EventLog, or :meth:`from_pandas` from a table of
    ``"a > b > c"`` strings. Feed it to :mod:`cxkit.attribution`.
    """

    def __init__(self, core: "_core.Paths"):
        self._core = core

    @classmethod
    def from_pandas(cls, df: pd.DataFrame, path: str = "path", conversions: str = "total_conversions",
                    nulls: str | None = "total_null", value: str | None = None, sep: str = ">") -> "Paths":
        """Paths from a table of path strings ("a > b > c") with conversion and null counts (and value)."""
        for c in (path, conversions, nulls, value):
            if c is not None and c not in df.columns:
                raise ValueError(f"column '{c}' is not in the frame; it has: {', '.join(map(str, df.columns))}")
        conv = pd.to_numeric(df[conversions], errors="coerce").to_numpy(dtype=float)
        nul = (pd.to_numeric(df[nulls], errors="coerce").to_numpy(dtype=float) if nulls is not None
               else np.zeros(len(df)))
        val = (pd.to_numeric(df[value], errors="coerce").to_numpy(dtype=float) if value is not None
               else np.zeros(0))
        for name, arr in ((conversions, conv), (nulls, nul)):
            bad = ~np.isfinite(arr) if len(arr) else np.zeros(0, bool)
            if bad.any():
                raise ValueError(f"column '{name}', row {int(np.flatnonzero(bad)[0])}: not a finite number")
        col = df[path]
        strings = col.tolist() if col.dtype == object else col.astype(str).tolist()
        return cls(_core.Paths.from_strings(strings, conv, nul, val, sep))

    def __len__(self) -> int:
        return len(self._core)

    @property
    def states(self) -> list[str]:
        return list(self._core.states)

    def to_pandas(self, sep: str = " > ") -> pd.DataFrame:
        """ChannelAttribution-style rows: path, total_conversions, total_null, total_conversion_value."""
        return pd.DataFrame({"path": self._core.path_strings(sep), "total_conversions": self._core.conversions,
                             "total_null": self._core.nulls, "total_conversion_value": self._core.value})

    def collapsed(self) -> "Paths":
        """The same paths with consecutive repeats collapsed (a > a > b becomes a > b)."""
        return Paths(self._core.collapsed())

    def _rows(self):
        off, codes = self._core.offsets, self._core.codes
        weight = self._core.conversions + self._core.nulls
        return off, codes, weight

    def transitions(self) -> pd.DataFrame:
        """Counts and probabilities of moving from one state to the next, with (start), (conversion) and (null)
        as the first and last states: columns from, to, count, probability."""
        off, codes, w = self._rows()
        n = len(self._core.states)
        start, conv, null = n, n + 1, n + 2
        lengths = np.diff(off).astype(np.int64)
        reps = np.repeat(np.arange(len(lengths)), lengths)
        pos = np.arange(len(codes)) - np.repeat(off[:-1].astype(np.int64), lengths)
        prev = np.where(pos == 0, start, np.concatenate([[start], codes[:-1]]))
        last = codes[off[1:].astype(np.int64) - 1]
        frm = np.concatenate([prev, last, last])
        to = np.concatenate([codes, np.full(len(lengths), conv), np.full(len(lengths), null)])
        cnt = np.concatenate([w[reps], self._core.conversions, self._core.nulls])
        names = np.array(self.states + ["(start)", "(conversion)", "(null)"], dtype=object)
        df = pd.DataFrame({"from": frm, "to": to, "count": cnt})
        df = df[df["count"] > 0].groupby(["from", "to"], as_index=False)["count"].sum()
        df["probability"] = df["count"] / df.groupby("from")["count"].transform("sum")
        df["from"] = names[df["from"].to_numpy()]
        df["to"] = names[df["to"].to_numpy()]
        return df.sort_values(["from", "count"], ascending=[True, False]).reset_index(drop=True)

    def top_paths(self, n: int = 10) -> pd.DataFrame:
        """The n most frequent paths with their conversion rate."""
        df = self.to_pandas()
        df["customers"] = df["total_conversions"] + df["total_null"]
        df["conversion_rate"] = df["total_conversions"] / df["customers"].where(df["customers"] > 0)
        return df.sort_values("customers", ascending=False, kind="mergesort").head(n).reset_index(drop=True)

    def funnel(self, steps: Sequence[str], mode: str = "closed") -> pd.DataFrame:
        """Funnel over the given states: a path reaches step k when steps 1..k occur in it in order ("closed":
        the funnel must start at step 1; "open": counting may start at any step, each step counted when the
        path reaches it after the previous ones it reached). Columns: step, customers, conversion (share of
        the first step), step_conversion (of the previous step), drop_off."""
        if mode not in ("closed", "open"):
            raise ValueError(f'mode must be "closed" or "open", got {mode!r}')
        if not steps:
            raise ValueError("funnel needs at least one step")
        index = {s: i for i, s in enumerate(self.states)}
        missing = [s for s in steps if s not in index]
        if missing:
            raise ValueError(f"unknown funnel step(s): {', '.join(missing)}; the paths have: {', '.join(self.states)}")
        codes = [index[s] for s in steps]
        off, seq, w = self._rows()
        reached = np.zeros(len(steps))
        for i in range(len(w)):
            path = seq[off[i]:off[i + 1]]
            k = 0
            if mode == "closed":
                for c in path:
                    if k < len(codes) and c == codes[k]:
                        k += 1
                reached[:k] += w[i]
            else:
                hit = np.zeros(len(codes), bool)
                for c in path:
                    for j in range(len(codes)):
                        if not hit[j] and c == codes[j] and (j == 0 or hit[:j].any()):
                            hit[j] = True
                reached += w[i] * hit
        out = pd.DataFrame({"step": list(steps), "customers": reached})
        first = reached[0] if reached[0] > 0 else np.nan
        out["conversion"] = reached / first
        prev = np.concatenate([[reached[0]], reached[:-1]])
        out["step_conversion"] = np.divide(reached, prev, out=np.full(len(reached), np.nan), where=prev > 0)
        out["drop_off"] = 1 - out["step_conversion"]
        return out

    def __repr__(self) -> str:
        return (f"Paths({len(self):,} distinct paths over {len(self.states)} states, "
                f"{self._core.conversions.sum():,.0f} conversions, {self._core.nulls.sum():,.0f} nulls)")


def paths(log: EventLog, by: str = "touchpoint", conversion: str = "purchase", collapse: bool = False) -> Paths:
    """One path per customer: the ``by`` column of their events in time order, up to the first event whose
    ``kind`` is ``conversion`` (a converting path) or all of them (a null path). Identical paths are merged.

    >>> p = cxkit.journey.paths(log, by="channel")      # doctest: +SKIP
    >>> cxkit.attribution.markov(p).credits              # doctest: +SKIP
    """
    if not isinstance(log, EventLog):
        raise TypeError(f"paths expects a cxkit.EventLog, got {type(log).__name__}")
    return Paths(_core.Paths.from_log(log._core, by, conversion, collapse))


from ._map import journey_map, moments_of_truth  # noqa: E402

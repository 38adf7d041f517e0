"""What to fix first: an impact x feasibility 2x2 (and the same helper for a stakeholder map)."""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

__all__ = ["prioritise", "PRIORITY_QUADRANTS", "STAKEHOLDER_QUADRANTS"]

PRIORITY_QUADRANTS = ("quick win", "major project", "fill-in", "thankless task")
STAKEHOLDER_QUADRANTS = ("champion", "gatekeeper", "supporter", "bystander")


def prioritise(items: pd.DataFrame, impact: str = "impact", feasibility: str = "feasibility", *,
               name: str | None = None, impact_cut: float | None = None, feasibility_cut: float | None = None,
               labels: Sequence[str] = PRIORITY_QUADRANTS) -> pd.DataFrame:
    """Place each item in a 2x2 of impact and feasibility, and rank them.

    Items at or above both cuts (default: the medians) are quick wins; high impact but hard are major projects;
    easy but low impact are fill-ins; the rest thankless tasks. The ranking orders quadrants in that order and,
    within a quadrant, by impact x feasibility (both scaled to [0, 1]). ``labels`` renames the four quadrants in
    the order (high/high, high impact-low feasibility, low impact-high feasibility, low/low): for a stakeholder
    map pass support as ``impact``, influence as ``feasibility`` and ``labels=STAKEHOLDER_QUADRANTS``.

    Feed it from moments of truth or pain points: e.g. impact = a driver's share of R^2, feasibility = your
    team's estimate of how easy the fix is.
    """
    for c in (impact, feasibility):
        if c not in items.columns:
            raise ValueError(f"column '{c}' is not in the items table")
    if len(labels) != 4:
        raise ValueError("labels needs four quadrant names")
    df = items.copy()
    imp = pd.to_numeric(df[impact], errors="coerce").to_numpy(dtype=float)
    fea = pd.to_numeric(df[feasibility], errors="coerce").to_numpy(dtype=float)
    for c, arr in ((impact, imp), (feasibility, fea)):
        bad = ~np.isfinite(arr)
        if bad.any():
            raise ValueError(f"column '{c}', row {int(np.flatnonzero(bad)[0])}: must be a finite number")
    if len(df) == 0:
        return df.assign(quadrant=pd.Series(dtype=object), priority=pd.Series(dtype=float), rank=pd.Series(dtype=int))
    ic = float(np.median(imp)) if impact_cut is None else float(impact_cut)
    fc = float(np.median(fea)) if feasibility_cut is None else float(feasibility_cut)
    hi_i, hi_f = imp >= ic, fea >= fc
    quadrant = np.select([hi_i & hi_f, hi_i & ~hi_f, ~hi_i & hi_f], [0, 1, 2], 3)

    def scaled(a: np.ndarray) -> np.ndarray:
        span = a.max() - a.min()
        return (a - a.min()) / span if span > 0 else np.ones_like(a)

    df["quadrant"] = np.asarray(labels, dtype=object)[quadrant]
    df["priority"] = scaled(imp) * scaled(fea)
    order = np.lexsort((-df["priority"].to_numpy(), quadrant))
    df = df.iloc[order].reset_index(drop=True)
    df["rank"] = np.arange(1, len(df) + 1)
    if name is not None:
        df = df.set_index(name)
    return df

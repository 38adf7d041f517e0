"""Driver analysis ("moments of truth"): which experiences move an outcome such as NPS, and by how much."""
from __future__ import annotations

import re
import numpy as np
import numpy.typing as npt
import pandas as pd

from .._core import journey as _cj


__all__ = ["relative_importance"]


def relative_importance(X: npt.ArrayLike | pd.DataFrame, y: npt.ArrayLike, method: str = "relative_weights", n_boot: int = 200,
                        confidence: float = 0.95, seed: int = 0) -> pd.DataFrame:
    """Share of the explained variance (R^2) of ``y`` that each driver (column of ``X``) carries.

    method="relative_weights": Johnson's relative weights (any number of drivers).
    method="shapley": Shapley / LMG, R^2 averaged over all orderings (exact, up to 15 drivers; more is a
    ValueError: use relative weights).

    Bad input is a ValueError naming the driver (and the first offending row): a missing or infinite value, a
    constant driver or outcome, collinear drivers (a singular correlation matrix), and no more rows than
    drivers + 1. Bootstrap resamples that turn degenerate (e.g. a rare driver constant in the resample) are
    left out of the intervals.

    Returns one row per driver: ``weight`` (its part of R^2), ``share`` (% of R^2), ``sign`` (direction of its
    correlation with y), and bootstrap percentile intervals ``low``/``high`` of the weight (``n_boot``
    resamples of the rows, seeded; ``n_boot=0`` skips them). ``attrs["r_squared"]`` holds the model's R^2.
    """
    if method not in ("relative_weights", "shapley"):
        raise ValueError(f'method must be "relative_weights" or "shapley", got {method!r}')
    if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < 0:
        raise ValueError(f"n_boot must be a whole number >= 0, got {n_boot!r}")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence!r}")
    try:  # the binding copies what it reads without the GIL: no defensive copy here
        Xa = np.ascontiguousarray(np.asarray(X, dtype=np.float64))
        ya = np.ascontiguousarray(np.asarray(y, dtype=np.float64).reshape(-1))
    except (TypeError, ValueError) as e:
        raise ValueError(f"X and y must be numeric: {e}") from e
    if Xa.ndim != 2:
        raise ValueError(f"X must be two-dimensional (rows x drivers), got {Xa.ndim} dimension(s)")
    if len(ya) != Xa.shape[0]:
        raise ValueError(f"y has {len(ya)} rows, X has {Xa.shape[0]}")
    names = list(X.columns) if isinstance(X, pd.DataFrame) else [f"x{j}" for j in range(Xa.shape[1])]
    fit = _cj.relative_weights if method == "relative_weights" else _cj.shapley_r_squared
    try:
        d = fit(Xa, ya)
    except ValueError as e:  # name the driver, not its position
        msg = re.sub(r"'X column (\d+)'", lambda m: f"'{names[int(m.group(1))]}' (X column {m.group(1)})", str(e))
        raise ValueError(msg) from None
    out = pd.DataFrame({"weight": d["weights"], "share": 100 * d["weights"] / d["r_squared"], "sign": d["signs"]},
                       index=pd.Index(names, name="driver"))
    if n_boot:
        rng = np.random.default_rng(seed)
        boots = np.empty((n_boot, Xa.shape[1]))
        for b in range(n_boot):
            idx = rng.integers(0, len(ya), len(ya))
            try:
                boots[b] = fit(Xa[idx], ya[idx])["weights"]
            except ValueError:  # a degenerate resample (e.g. a constant column): leave it out
                boots[b] = np.nan
        alpha = (1 - confidence) / 2
        out["low"] = np.nanquantile(boots, alpha, axis=0)
        out["high"] = np.nanquantile(boots, 1 - alpha, axis=0)
    out.attrs["r_squared"] = float(d["r_squared"])
    return out.sort_values("weight", ascending=False)

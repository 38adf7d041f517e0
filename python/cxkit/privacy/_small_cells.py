"""Small-cell suppression of published tables: no shown figure describes fewer than k customers."""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from .._core import privacy as _cp


def hidden_cells(customers: np.ndarray, min_customers: int) -> np.ndarray:
    """The cells of a grid of distinct-customer counts to hide (bool, same shape): every non-empty cell under
    min_customers, and enough others that no hidden cell follows from its row or column total (see
    :func:`suppress_small_cells`)."""
    grid = np.asarray(customers)
    if grid.ndim != 2:
        raise ValueError("customers: must be a 2-D grid")
    if np.any(grid < 0) or (grid.size and not np.all(np.isfinite(grid))):
        raise ValueError("customers: counts must be finite and >= 0")
    return _cp.suppress_small_cells(grid.astype(np.uint64), int(min_customers))[0]


def suppress_small_cells(table: pd.DataFrame, min_customers: int, *, rows: Sequence[str] = (),
                         cols: str | None = None, customers: str = "customers",
                         keep: Sequence[str] = ()) -> pd.DataFrame:
    """The long table with every cell that describes fewer than ``min_customers`` distinct customers hidden.

    A cell is one row of ``table``; ``rows`` (e.g. the group columns) and ``cols`` (e.g. ``"period"``) place it
    in a grid whose row and column totals a reader could compute. Primary suppression hides the cells under the
    threshold; complementary suppression then hides, in every row or column left with exactly one hidden cell,
    its smallest shown cell, so that no hidden figure follows from a total and the cells shown. A hidden cell's
    figures (every column but the keys and ``keep``) become NaN and its ``suppressed`` column is True.
    """
    if isinstance(min_customers, bool) or not isinstance(min_customers, (int, np.integer)) or min_customers < 1:
        raise ValueError(f"min_customers must be a whole number >= 1, got {min_customers!r}")
    if customers not in table.columns:
        raise ValueError(f"column '{customers}': not in the table (it counts each cell's distinct customers)")
    out = table.copy()
    if len(out) == 0:
        out["suppressed"] = np.zeros(0, bool)
        return out
    row_keys = list(rows)
    r_codes = (pd.MultiIndex.from_frame(out[row_keys]).factorize()[0] if row_keys
               else np.zeros(len(out), np.int64))
    c_codes = pd.factorize(out[cols])[0] if cols is not None else np.zeros(len(out), np.int64)
    grid = np.zeros((r_codes.max() + 1, c_codes.max() + 1), np.uint64)
    n = out[customers].fillna(0).to_numpy()
    if np.any(n < 0):
        raise ValueError(f"column '{customers}': counts must be >= 0")
    np.add.at(grid, (r_codes, c_codes), n.astype(np.uint64))
    mask = hidden_cells(grid, int(min_customers))[r_codes, c_codes]
    figures = [c for c in out.columns if c not in set(row_keys) | {cols} | set(keep)]
    for c in figures:
        if pd.api.types.is_bool_dtype(out[c]) or pd.api.types.is_integer_dtype(out[c]):
            out[c] = out[c].astype("float64" if not pd.api.types.is_bool_dtype(out[c]) else "object")
        out.loc[mask, c] = np.nan
    out["suppressed"] = mask
    return out

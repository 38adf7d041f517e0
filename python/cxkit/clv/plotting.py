"""Plots of fitted CLV models (matplotlib, imported when a plot is drawn). Each function returns its Axes and takes an
optional ``ax=`` to draw into.

- :func:`plot_frequency_recency_matrix` -- expected purchases in the next period by frequency and recency;
- :func:`plot_probability_alive_matrix` -- P(alive) by frequency and recency;
- :func:`plot_period_transactions` -- customers by number of repeat purchases, model vs actual;
- :func:`plot_calibration_purchases_vs_holdout_purchases` -- holdout purchases by calibration frequency, model vs
  actual (needs an :func:`~cxkit.clv.rfm_summary` with ``calibration_end``).
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["plot_frequency_recency_matrix", "plot_probability_alive_matrix", "plot_period_transactions",
           "plot_calibration_purchases_vs_holdout_purchases"]


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError as e:  # pragma: no cover - only without matplotlib
        raise ImportError("cxkit.clv.plotting needs matplotlib: pip install 'cxkit[plot]'") from e
    return plt


def _axes(ax):
    if ax is None:
        _, ax = _pyplot().subplots(figsize=(7, 5))
    return ax


def _extent(model, max_frequency, max_recency) -> tuple[int, float]:
    ext = getattr(model, "data_extent_", None)
    if max_frequency is None:
        if ext is None:
            raise ValueError("max_frequency: needed for a model built with from_params (no data extent known)")
        max_frequency = ext["frequency"]
    if max_recency is None:
        if ext is None:
            raise ValueError("max_recency: needed for a model built with from_params (no data extent known)")
        max_recency = ext["T"]
    return int(max_frequency), float(max_recency)


def _matrix(model, values, max_frequency, max_recency, title, label, ax, cmap):
    ax = _axes(ax)
    img = ax.imshow(values, aspect="auto", origin="upper", cmap=cmap, interpolation="nearest",
                    extent=(-0.5, max_recency + 0.5, max_frequency + 0.5, -0.5))
    ax.set_xlabel("customer's recency (time of the last purchase)")
    ax.set_ylabel("customer's historical frequency (repeat purchases)")
    ax.set_title(title)
    ax.figure.colorbar(img, ax=ax, label=label)
    return ax


def _grid(max_frequency: int, max_recency: float):
    f = np.arange(max_frequency + 1, dtype=np.float64)
    r = np.arange(int(np.floor(max_recency)) + 1, dtype=np.float64)
    F2, R2 = np.meshgrid(f, r, indexing="ij")
    F, R = F2.ravel(), R2.ravel()
    ok = ~((F == 0) & (R > 0))  # frequency 0 with recency > 0 is impossible
    return f, r, F, R, ok


def plot_frequency_recency_matrix(model, t: float = 1, max_frequency: int | None = None,
                                  max_recency: float | None = None, ax: Any = None, cmap: str = "viridis"):
    """Heat map of the expected purchases in the next ``t`` periods of a customer of age ``max_recency`` (the
    oldest customer's T by default), by historical frequency (rows) and recency (columns), as lifetimes'
    plot_frequency_recency_matrix. Impossible cells (frequency 0, recency > 0) are blank."""
    max_frequency, max_recency = _extent(model, max_frequency, max_recency)
    f, r, F, R, ok = _grid(max_frequency, max_recency)
    z = np.full(F.shape, np.nan)
    z[ok] = np.asarray(model.conditional_expected_purchases(t, F[ok], R[ok], np.full(ok.sum(), max_recency)))
    return _matrix(model, z.reshape(len(f), len(r)), max_frequency, r[-1],
                   f"Expected purchases in the next {t:g} period{'s' if t != 1 else ''}\n"
                   f"by frequency and recency ({type(model).__name__})", "expected purchases", ax, cmap)


def plot_probability_alive_matrix(model, max_frequency: int | None = None, max_recency: float | None = None,
                                  ax: Any = None, cmap: str = "viridis"):
    """Heat map of P(alive) of a customer of age ``max_recency`` by historical frequency (rows) and recency
    (columns), as lifetimes' plot_probability_alive_matrix."""
    max_frequency, max_recency = _extent(model, max_frequency, max_recency)
    f, r, F, R, ok = _grid(max_frequency, max_recency)
    z = np.full(F.shape, np.nan)
    z[ok] = np.asarray(model.probability_alive(F[ok], R[ok], np.full(ok.sum(), max_recency)))
    ax = _matrix(model, z.reshape(len(f), len(r)), max_frequency, r[-1],
                 f"Probability customer is alive,\nby frequency and recency ({type(model).__name__})",
                 "P(alive)", ax, cmap)
    return ax


def _summary_cols(summary: pd.DataFrame, t_names=("T",)):
    from ._models import _column

    f = _column(summary, ("frequency", "x"), "repeat purchases").to_numpy(np.float64)
    r = _column(summary, ("recency", "t_x"), "time of the last purchase").to_numpy(np.float64)
    T = _column(summary, t_names, "customer age").to_numpy(np.float64)
    return f, r, T


def _expected_frequency_counts(model, T: np.ndarray, max_frequency: int) -> np.ndarray:
    """Expected number of customers with 0..max_frequency-1 and >= max_frequency repeat purchases, given each
    customer's age T: exact sums of P(X(T) = n), once per distinct age."""
    out = np.zeros(max_frequency + 1)
    uT, counts = np.unique(T, return_counts=True)
    for t, c in zip(uT, counts):
        p = np.asarray(model.probability_of_n_purchases(t, np.arange(max_frequency)))
        out[:max_frequency] += c * p
        out[max_frequency] += c * max(0.0, 1.0 - p.sum())
    return out


def plot_period_transactions(model, summary: pd.DataFrame, max_frequency: int = 7, ax: Any = None):
    """Bar chart of the number of customers with 0, 1, ..., ``max_frequency``+ repeat purchases: actual (from
    ``summary``) next to the model's expectation for customers of the same ages T (exact from
    P(X(T) = n) of every model)."""
    f, _, T = _summary_cols(summary, getattr(model, "_t_names", ("T",)))
    actual = np.bincount(np.minimum(f, max_frequency).astype(np.int64), minlength=max_frequency + 1)
    expected = _expected_frequency_counts(model, T, max_frequency)
    ax = _axes(ax)
    x = np.arange(max_frequency + 1)
    w = 0.4
    ax.bar(x - w / 2, actual, w, label="actual")
    ax.bar(x + w / 2, expected, w, label="model")
    ax.set_xticks(x, [str(i) for i in range(max_frequency)] + [f"{max_frequency}+"])
    ax.set_xlabel("number of repeat purchases in the calibration period")
    ax.set_ylabel("customers")
    ax.set_title(f"Frequency of repeat purchases: model vs actual ({type(model).__name__})")
    ax.legend()
    return ax


def plot_calibration_purchases_vs_holdout_purchases(model, summary: pd.DataFrame, n: int = 7, ax: Any = None):
    """Mean holdout purchases by number of calibration repeat purchases (0..``n``), actual vs the model's
    conditional expectation over ``duration_holdout``, as lifetimes'
    plot_calibration_purchases_vs_holdout_purchases. ``summary`` comes from
    ``rfm_summary(..., calibration_end=...)`` (columns frequency, recency, T, frequency_holdout,
    duration_holdout)."""
    from ._models import _column

    f, r, T = _summary_cols(summary)
    actual = _column(summary, ("frequency_holdout",), "holdout purchases").to_numpy(np.float64)
    dur = _column(summary, ("duration_holdout",), "holdout length").to_numpy(np.float64)
    pred = np.asarray(model.conditional_expected_purchases(dur, f, r, T))
    df = pd.DataFrame({"f": f, "actual": actual, "model": pred})
    g = df[df["f"] <= n].groupby("f")[["actual", "model"]].mean()
    ax = _axes(ax)
    ax.plot(g.index, g["actual"], marker="o", label="actual (holdout)")
    ax.plot(g.index, g["model"], marker="s", linestyle="--", label="model")
    ax.set_xlabel("purchases in the calibration period")
    ax.set_ylabel("mean purchases in the holdout period")
    ax.set_title(f"Calibration vs holdout purchases ({type(model).__name__})")
    ax.legend()
    return ax

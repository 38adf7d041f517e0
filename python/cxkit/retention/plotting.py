"""Retention plots (matplotlib, imported lazily; every function returns its Axes): the cohort heatmap and
Kaplan-Meier survival curves. The objects' ``plot()`` methods call these."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from ._cohorts import Cohorts
    from ._survival import KaplanMeier, KaplanMeierGroups

__all__ = ["plot_cohorts", "plot_survival", "plot_survival_groups"]


def plot_cohorts(cohorts: "Cohorts", ax: Any = None, max_age: int | None = None, annotate: bool | None = None) -> Any:
    """Heatmap of retention shares (cohort x age); returns the Axes."""
    import matplotlib.pyplot as plt  # lazy

    r = cohorts.retention if max_age is None else cohorts.retention.iloc[:, : max_age + 1]
    if ax is None:
        _, ax = plt.subplots(figsize=(min(14, 2 + 0.6 * r.shape[1]), min(10, 1.5 + 0.35 * r.shape[0])))
    later = r.iloc[:, 1:].to_numpy(dtype=float)
    vmax = float(np.nanmax(later)) * 1.05 if later.size and np.isfinite(later).any() else 1.0
    # in percent, like the title and the cell labels; the colours scale to ages >= 1 (age 0 is always 100%)
    vmax = 100 * vmax
    im = ax.imshow(np.ma.masked_invalid(100 * r.to_numpy(dtype=float)), aspect="auto", cmap="viridis", vmin=0,
                   vmax=vmax, interpolation="nearest")
    ax.set_xticks(range(r.shape[1]))
    ax.set_xticklabels(r.columns)
    ax.set_yticks(range(r.shape[0]))
    ax.set_yticklabels([str(p) for p in r.index])
    ax.set_xlabel(f"age ({cohorts.period} since acquisition)")
    ax.set_ylabel("acquisition cohort")
    if annotate is None:
        annotate = r.size <= 400
    if annotate:
        for i in range(r.shape[0]):
            for j in range(r.shape[1]):
                v = r.iat[i, j]
                if v == v:
                    ax.text(j, i, f"{100 * v:.0f}", ha="center", va="center", fontsize=7,
                            color="white" if 100 * v < 0.6 * vmax else "black")
    ax.figure.colorbar(im, ax=ax, label="% of the cohort active (age 0 = 100%)")
    ax.set_title("Retention by acquisition cohort (%)")
    return ax


def plot_survival(km: "KaplanMeier", ax: Any = None, ci: bool = True, **kwargs: Any) -> Any:
    """Step plot of the survival function with its confidence band; returns the Axes."""
    import matplotlib.pyplot as plt  # lazy

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4))
    sf = km.survival_function_
    t = sf.index.to_numpy()
    line, = ax.step(t, sf["survival"], where="post", label=kwargs.pop("label", km.label), **kwargs)
    if ci:
        ax.fill_between(t, sf["lower"], sf["upper"], step="post", alpha=0.25, color=line.get_color(), lw=0)
    ax.set_xlabel("duration")
    ax.set_ylabel("survival probability")
    ax.set_ylim(0, 1.02)
    ax.legend(loc="best")
    return ax


def plot_survival_groups(groups: "KaplanMeierGroups", ax: Any = None, ci: bool = True) -> Any:
    """One survival curve with its band per group; returns the Axes."""
    import matplotlib.pyplot as plt  # lazy

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4))
    for f in groups.fits.values():
        plot_survival(f, ax=ax, ci=ci)
    if groups.logrank_ is not None:
        ax.set_title(f"log-rank p = {groups.logrank_.p_value:.3g}")
    return ax

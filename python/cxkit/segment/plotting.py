"""Plots of segmentations (matplotlib, imported when a plot is drawn). Each function returns its Axes and takes an
optional ``ax=`` to draw into.

- :func:`plot_rfm_segments` -- share of customers and of revenue per RFM segment (from :func:`rfm_scores`);
- :func:`plot_k_selection` -- inertia and silhouette against k (from :func:`choose_k`), the suggested k marked;
- :func:`plot_persona_profiles` -- standardised feature differences per persona (from :func:`personas`).
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["plot_rfm_segments", "plot_k_selection", "plot_persona_profiles"]


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError as e:  # pragma: no cover - only without matplotlib
        raise ImportError("cxkit.segment.plotting needs matplotlib: pip install 'cxkit[plot]'") from e
    return plt


def _axes(ax, size=(8, 5)):
    if ax is None:
        # constrained layout keeps long tick labels (segment names, features) inside the figure
        _, ax = _pyplot().subplots(figsize=size, layout="constrained")
    return ax


def rfm_segment_shares(scores: pd.DataFrame, monetary: str | None = "monetary") -> pd.DataFrame:
    """Customers, share of customers and (when ``monetary`` is a column) revenue and share of revenue per segment,
    in the segment map's order (empty segments kept, with zeros)."""
    if "segment" not in scores.columns:
        raise ValueError("scores needs a 'segment' column (the output of cxkit.segment.rfm_scores)")
    seg = scores["segment"]
    order = list(seg.cat.categories) if isinstance(seg.dtype, pd.CategoricalDtype) else sorted(seg.unique())
    counts = seg.value_counts().reindex(order, fill_value=0)
    out = pd.DataFrame({"customers": counts, "customer_share": counts / max(1, counts.sum())})
    if monetary is not None and monetary in scores.columns:
        rev = scores.groupby(seg, observed=False)[monetary].sum().reindex(order, fill_value=0.0)
        out["revenue"] = rev
        out["revenue_share"] = rev / rev.sum() if rev.sum() else 0.0
    out.index.name = "segment"
    return out


def plot_rfm_segments(scores: pd.DataFrame, monetary: str | None = "monetary", *, ax: Any = None,
                      hide_empty: bool = True) -> Any:
    """Horizontal bars per RFM segment: share of customers and, when ``monetary`` is a column of ``scores`` (e.g.
    ``rfm_scores(log)``, or a summary with a ``monetary`` column), share of revenue; each bar is labelled with its
    share (and the customer count). Segments in the map's order, empty ones left out unless ``hide_empty=False``.
    """
    t = rfm_segment_shares(scores, monetary)
    if hide_empty:
        t = t[t["customers"] > 0]
    if len(t) == 0:
        raise ValueError("scores has no customer")
    ax = _axes(ax, (8, 0.45 * len(t) + 1.5))
    y = np.arange(len(t))
    has_rev = "revenue_share" in t.columns
    h = 0.4 if has_rev else 0.7
    bars = ax.barh(y - (h / 2 if has_rev else 0), t["customer_share"], height=h, color="#4C72B0",
                   label="customers")
    for b, share, n in zip(bars, t["customer_share"], t["customers"]):
        ax.text(b.get_width(), b.get_y() + b.get_height() / 2, f" {share:.1%} ({n:,})", va="center", fontsize=8)
    if has_rev:
        bars = ax.barh(y + h / 2, t["revenue_share"], height=h, color="#DD8452", label="revenue")
        for b, share in zip(bars, t["revenue_share"]):
            ax.text(b.get_width(), b.get_y() + b.get_height() / 2, f" {share:.1%}", va="center", fontsize=8)
    ax.set_yticks(y, [str(s) for s in t.index])
    ax.invert_yaxis()
    top = float(np.nanmax(t[["customer_share"] + (["revenue_share"] if has_rev else [])].to_numpy()))
    ax.set_xlim(0, top * 1.3 if top > 0 else 1)
    from matplotlib.ticker import PercentFormatter

    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel("share")
    ax.set_title(f"RFM segments ({int(t['customers'].sum()):,} customers)")
    ax.legend(loc="lower right")
    return ax


def plot_k_selection(table: pd.DataFrame, *, ax: Any = None) -> Any:
    """Inertia (left axis) and silhouette (right axis) against k from :func:`choose_k`, the suggested k
    (``table.attrs["suggested_k"]``, else the best silhouette) marked. Returns the inertia Axes; the silhouette
    Axes is ``ax.silhouette_ax``."""
    for c in ("k", "inertia", "silhouette"):
        if c not in table.columns:
            raise ValueError(f"table needs a '{c}' column (the output of cxkit.segment.choose_k)")
    if len(table) == 0:
        raise ValueError("table is empty")
    t = table.sort_values("k")
    best = table.attrs.get("suggested_k")
    if best is None:
        best = int(t.loc[t["silhouette"].idxmax(), "k"])
    ax = _axes(ax, (7, 4.5))
    l1 = ax.plot(t["k"], t["inertia"], "o-", color="#4C72B0", label="inertia")
    ax.set_xlabel("k (clusters)")
    ax.set_ylabel("inertia (within-cluster sum of squares)", color="#4C72B0")
    ax.set_xticks(t["k"])
    ax2 = ax.twinx()
    l2 = ax2.plot(t["k"], t["silhouette"], "s--", color="#C44E52", label="silhouette")
    ax2.set_ylabel("silhouette", color="#C44E52")
    l3 = [ax.axvline(best, color="grey", linestyle=":", label=f"suggested k = {best}")]
    row = t[t["k"] == best]
    if len(row):
        ax2.plot([best], [row["silhouette"].iloc[0]], "*", color="#C44E52", markersize=16)
    ax.legend(l1 + l2 + l3, [x.get_label() for x in l1 + l2 + l3], loc="upper center", bbox_to_anchor=(0.5, -0.13),
              ncol=3, frameon=False)
    ax.set_title("Choosing k")
    ax.silhouette_ax = ax2
    return ax


def plot_persona_profiles(personas: Any, *, features: list[str] | None = None, max_features: int = 12,
                          ax: Any = None, cmap: str = "RdBu_r") -> Any:
    """Heat map of the standardised mean difference ``(segment mean - overall mean) / overall std`` of each feature
    (columns) for each persona (rows), annotated, on a diverging scale centred at 0. Takes :func:`personas`'
    result (or a DataFrame of SMDs, personas x features). Features: ``features``, else the ``max_features`` with
    the largest absolute SMD in any persona."""
    smd = personas if isinstance(personas, pd.DataFrame) else getattr(personas, "smd", None)
    if smd is None:
        raise ValueError("personas must be the result of cxkit.segment.personas (or a DataFrame of SMDs)")
    if features is not None:
        missing = [f for f in features if f not in smd.columns]
        if missing:
            raise ValueError(f"unknown feature(s): {', '.join(map(str, missing))}")
        smd = smd[list(features)]
    else:
        keep = smd.abs().max(axis=0).sort_values(ascending=False, kind="stable").index[:int(max_features)]
        smd = smd[[c for c in smd.columns if c in set(keep)]]
    ax = _axes(ax, (1.0 * smd.shape[1] + 3, 0.6 * smd.shape[0] + 2))
    v = smd.to_numpy(dtype=float)
    lim = max(0.5, float(np.nanmax(np.abs(v))) if v.size else 1.0)
    im = ax.imshow(v, cmap=cmap, vmin=-lim, vmax=lim, aspect="auto")
    for i in range(v.shape[0]):
        for j in range(v.shape[1]):
            ax.text(j, i, f"{v[i, j]:+.2f}", ha="center", va="center", fontsize=8,
                    color="white" if abs(v[i, j]) > 0.6 * lim else "black")
    ax.set_xticks(range(v.shape[1]), [str(c) for c in smd.columns], rotation=35, ha="right")
    sizes = None
    if not isinstance(personas, pd.DataFrame):
        sizes = {p.label: p.share for p in personas.profiles}
    ax.set_yticks(range(v.shape[0]), [f"{s} ({sizes[s]:.0%})" if sizes and s in sizes else str(s)
                                      for s in smd.index])
    ax.figure.colorbar(im, ax=ax, label="standardised difference (SD units)")
    ax.set_title("Persona profiles: feature vs everyone")
    return ax

"""Journey plots (matplotlib, imported lazily; every function returns its Axes or Figure)."""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from ._paths import Paths


def _axes(ax: Axes | None = None, figsize: tuple[float, float] = (8, 5)) -> Axes:
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def _tight(ax: Axes) -> None:
    from matplotlib.figure import Figure

    if isinstance(ax.figure, Figure):  # not a SubFigure
        ax.figure.tight_layout()


def plot_transition_heatmap(paths: Paths, ax: Axes | None = None, max_states: int = 15) -> Axes:
    """Heatmap of transition probabilities between states (rows: from, columns: to)."""
    ax = _axes(ax, (9, 7))
    t = paths.transitions()
    top = t.groupby("from")["count"].sum().sort_values(ascending=False).index[:max_states]
    keep = t[t["from"].isin(top)]
    to_order = [s for s in list(top) + ["(conversion)", "(null)"] if s in set(keep["to"])]
    m = keep.pivot_table(index="from", columns="to", values="probability", fill_value=0.0)
    m = m.reindex(index=[s for s in top if s in m.index], columns=to_order, fill_value=0.0)
    im = ax.imshow(m.to_numpy(), cmap="Blues", vmin=0, vmax=max(1e-9, float(m.to_numpy().max())), aspect="auto")
    ax.set_xticks(range(m.shape[1]), m.columns, rotation=45, ha="right")
    ax.set_yticks(range(m.shape[0]), m.index)
    for i in range(m.shape[0]):
        for j in range(m.shape[1]):
            v = m.iat[i, j]
            if v >= 0.05:
                ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=7, color="white" if v > 0.5 else "black")
    ax.figure.colorbar(im, ax=ax, label="transition probability")
    ax.set_xlabel("to")
    ax.set_ylabel("from")
    ax.set_title("Transitions between states")
    _tight(ax)
    return ax


def plot_funnel(funnel: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Horizontal funnel bars from ``Paths.funnel(...)`` with conversion labels."""
    ax = _axes(ax)
    n = len(funnel)
    widths = funnel["customers"].to_numpy(dtype=float)
    y = np.arange(n)[::-1]
    ax.barh(y, widths, left=(widths.max() - widths) / 2, color="#4C72B0")
    for yi, w, c, s in zip(y, widths, funnel["conversion"], funnel["step"]):
        ax.text(widths.max() / 2, yi, f"{s}: {w:,.0f} ({c:.0%})", ha="center", va="center", color="white",
                fontsize=9, fontweight="bold")
    ax.set_yticks([])
    ax.set_xticks([])
    for side in ("top", "right", "left", "bottom"):
        ax.spines[side].set_visible(False)
    ax.set_title("Funnel")
    return ax


def plot_attribution(credits: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Grouped bars of the conversions credited to each channel by several models.

    ``credits``: one row per channel, one column per model (e.g. built from ``heuristic(...)`` and
    ``markov(...).credits["conversions"]``).
    """
    ax = _axes(ax, (9, 5))
    credits.plot.bar(ax=ax, width=0.8)
    ax.set_ylabel("conversions credited")
    ax.set_xlabel("")
    ax.set_title("Attribution by model")
    ax.legend(title="model", fontsize=8)
    ax.tick_params(axis="x", rotation=0)
    _tight(ax)
    return ax


def plot_drivers(importance: pd.DataFrame, ax: Axes | None = None, top: int = 12) -> Axes:
    """Bars of each driver's share of R^2 (colour: direction of its effect) with bootstrap intervals."""
    ax = _axes(ax)
    d = importance.head(top).iloc[::-1]
    colors = np.where(d["sign"] < 0, "#C44E52", "#55A868")
    r2 = importance.attrs.get("r_squared", d["weight"].sum())
    xerr = None
    if {"low", "high"} <= set(d.columns):
        xerr = np.vstack([(d["weight"] - d["low"]).clip(lower=0), (d["high"] - d["weight"]).clip(lower=0)]) * 100 / r2
    ax.barh(range(len(d)), d["share"], color=colors, xerr=xerr, capsize=3)
    ax.set_yticks(range(len(d)), d.index)
    ax.set_xlabel("share of explained variance (%)")
    ax.set_title(f"Drivers (R² = {r2:.3f}; red: hurts the outcome, green: helps)")
    _tight(ax)
    return ax


def plot_priority_matrix(prioritised: pd.DataFrame, impact: str = "impact", feasibility: str = "feasibility",
                         label: str | None = None, ax: Axes | None = None) -> Axes:
    """The 2x2 of ``cxkit.prioritise`` output: feasibility across, impact up, quadrant lines at the cuts."""
    ax = _axes(ax, (7, 6))
    df = prioritised.reset_index() if label is not None and label not in prioritised.columns else prioritised
    x, y = df[feasibility].to_numpy(float), df[impact].to_numpy(float)
    colors = {"quick win": "#55A868", "major project": "#4C72B0", "fill-in": "#DD8452", "thankless task": "#8C8C8C"}
    for q, g in df.groupby("quadrant"):
        ax.scatter(g[feasibility], g[impact], s=60, label=q, color=colors.get(q))
    if label is not None:
        for _, r in df.iterrows():
            ax.annotate(str(r[label]), (r[feasibility], r[impact]), fontsize=8, xytext=(4, 4),
                        textcoords="offset points")
    ax.axvline(np.median(x), color="grey", lw=0.8, ls="--")
    ax.axhline(np.median(y), color="grey", lw=0.8, ls="--")
    ax.set_xlabel(feasibility)
    ax.set_ylabel(impact)
    ax.set_title("What to fix first")
    ax.legend(fontsize=8)
    return ax


def plot_journey_map(jmap: pd.DataFrame, ax: Axes | None = None, score: str = "csat") -> Axes:
    """The journey across stages: the customer-weighted mean ``score`` per stage as an emotion curve, each
    touchpoint as a dot (size: customers reached), pain points marked in red."""
    ax = _axes(ax, (10, 5))
    d = jmap.dropna(subset=[score])
    stages = [s for s in jmap["stage"].cat.categories if s in set(d["stage"])] if hasattr(jmap["stage"], "cat") \
        else list(dict.fromkeys(d["stage"]))
    xs = {s: i for i, s in enumerate(stages)}
    curve = [np.average(g[score], weights=g["customers"]) for s in stages for g in [d[d["stage"] == s]]]
    ax.plot(range(len(stages)), curve, "-o", color="#4C72B0", lw=2, label=f"mean {score} per stage")
    size = 30 + 300 * d["customers"] / d["customers"].max()
    colors = np.where(d["pain_point"], "#C44E52", "#8C8C8C")
    ax.scatter(d["stage"].map(xs).astype(float), d[score], s=size, c=colors, alpha=0.7, zorder=3)
    for _, r in d.iterrows():
        ax.annotate(r["touchpoint"], (xs[r["stage"]], r[score]), fontsize=7, xytext=(5, -3), textcoords="offset points")
    ax.set_xticks(range(len(stages)), stages)
    ax.set_ylabel(score)
    ax.set_title("Journey map (red: pain point)")
    ax.legend(fontsize=8)
    return ax


def plot_sankey(paths: Paths, ax: Axes | None = None, max_steps: int = 4, top_states: int = 8) -> Axes:
    """A Sankey-style flow of the first ``max_steps`` steps of the paths: one column per step, bands as wide as
    the customers moving between states (matplotlib polygons, no extra dependency)."""
    import matplotlib.patches as mpatches
    from matplotlib.path import Path as MPath

    ax = _axes(ax, (11, 6))
    tbl = paths.to_pandas()
    weight = (tbl["total_conversions"] + tbl["total_null"]).to_numpy()
    full = [p.split(" > ") for p in tbl["path"]]
    seqs = [f[:max_steps] + (["(end)"] if len(f) <= max_steps else ["(more)"]) for f in full]
    counts = pd.Series(weight).groupby([s[0] for s in seqs]).sum().sort_values(ascending=False)
    keep = set(counts.index[:top_states])
    name = lambda s: s if s in keep else "other"  # noqa: E731
    flows: dict = {}
    nodes: dict = {}
    for seq, w in zip(seqs, weight):
        seq = [name(s) if not s.startswith("(") else s for s in seq]
        for step, s in enumerate(seq[: max_steps + 1]):
            nodes[(step, s)] = nodes.get((step, s), 0) + w
        for step in range(min(len(seq) - 1, max_steps)):
            key = (step, seq[step], seq[step + 1])
            flows[key] = flows.get(key, 0) + w
    total = weight.sum()
    cmap = __import__("matplotlib").colormaps["tab10"]
    states = sorted({s for _, s in nodes}, key=lambda s: (s.startswith("("), s))
    color = {s: cmap(i % 10) for i, s in enumerate(states)}
    ypos: dict = {}
    gap = 0.02
    for step in range(max_steps + 1):
        y = 0.0
        for s in states:
            if (step, s) in nodes:
                h = nodes[(step, s)] / total
                ypos[(step, s)] = [y, y]  # top used by outgoing, incoming flows
                ax.add_patch(mpatches.Rectangle((step - 0.03, y), 0.06, h, color=color[s]))
                if h > 0.03:
                    ax.text(step + 0.05, y + h / 2, s, va="center", fontsize=8)
                y += h + gap
    for (step, a, b), w in sorted(flows.items()):
        h = w / total
        y0 = ypos[(step, a)][0]
        y1 = ypos[(step + 1, b)][1]
        ypos[(step, a)][0] += h
        ypos[(step + 1, b)][1] += h
        x0, x1 = step + 0.03, step + 1 - 0.03
        verts = [(x0, y0), ((x0 + x1) / 2, y0), ((x0 + x1) / 2, y1), (x1, y1), (x1, y1 + h),
                 ((x0 + x1) / 2, y1 + h), ((x0 + x1) / 2, y0 + h), (x0, y0 + h), (x0, y0)]
        codes = [MPath.MOVETO, MPath.CURVE4, MPath.CURVE4, MPath.CURVE4, MPath.LINETO, MPath.CURVE4, MPath.CURVE4,
                 MPath.CURVE4, MPath.CLOSEPOLY]
        ax.add_patch(mpatches.PathPatch(MPath(verts, codes), color=color[a], alpha=0.35, lw=0))
    ax.set_xlim(-0.2, max_steps + 0.6)
    ax.set_ylim(0, max(v[1] for v in ypos.values()) + 0.05)
    ax.invert_yaxis()
    ax.set_xticks(range(max_steps + 1), [f"step {i + 1}" for i in range(max_steps + 1)])
    ax.set_yticks([])
    ax.set_title("Journey flows")
    return ax

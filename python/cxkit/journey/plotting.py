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

    # not a SubFigure, and not a figure that already has a layout engine (constrained layout: keep it)
    if isinstance(ax.figure, Figure) and ax.figure.get_layout_engine() is None:
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
    """Horizontal funnel bars from ``Paths.funnel(...)``: the step names on the left axis, the customers and the
    conversion from the first step beside each bar (never inside it, so a narrow bar clips nothing)."""
    ax = _axes(ax, (8, 0.5 * len(funnel) + 1.5))
    n = len(funnel)
    widths = funnel["customers"].to_numpy(dtype=float)
    top = max(float(widths.max()), 1.0)
    y = np.arange(n)[::-1]
    ax.barh(y, widths, left=(top - widths) / 2, color="#4C72B0", height=0.7)
    for yi, w, c in zip(y, widths, funnel["conversion"]):
        ax.text((top + w) / 2 + 0.01 * top, yi, f"{w:,.0f} ({c:.0%})", ha="left", va="center", fontsize=9)
    ax.set_yticks(y, [str(s) for s in funnel["step"]])
    ax.set_xlim(0, top * 1.18)  # room for the label beside the widest bar
    ax.set_xticks([])
    for side in ("top", "right", "bottom"):
        ax.spines[side].set_visible(False)
    ax.set_title("Funnel: customers reaching each step (share of the first step)")
    _tight(ax)
    return ax


def plot_attribution(credits: pd.DataFrame, ax: Axes | None = None, unit: str = "conversions") -> Axes:
    """Grouped bars of the credit each model gives each channel, in one unit only.

    ``credits``: one row per channel, one column per model (e.g. ``heuristic(...)``, or built from it and
    ``markov(...).credits["conversions"]``). ``heuristic`` returns conversions and value (``*_value`` columns)
    side by side; a count and a sum of money never share an axis: ``unit="conversions"`` (default) draws the
    columns without the ``_value`` suffix, ``unit="value"`` the ``*_value`` ones.
    """
    if unit not in ("conversions", "value"):
        raise ValueError(f"plot_attribution: unit must be 'conversions' or 'value', got {unit!r}")
    value_cols = [c for c in credits.columns if str(c).endswith("_value") or str(c) == "value"]
    cols = value_cols if unit == "value" else [c for c in credits.columns if c not in value_cols]
    if not cols:
        raise ValueError(f"plot_attribution: no {unit} columns in {list(credits.columns)}")
    data = credits[cols].rename(columns=lambda c: str(c).removesuffix("_value").replace("_", " ") or "value")
    ax = _axes(ax, (9, 5))
    data.plot.bar(ax=ax, width=0.8, rot=0)
    ax.set_xlabel(str(credits.index.name or "channel"))
    ax.set_ylabel("conversions credited" if unit == "conversions" else "value credited")
    ax.set_title(f"Attribution by model ({unit})")
    ax.legend(fontsize=8, title="model", loc="upper right")
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
    touchpoint as a dot (size: customers reached), pain points marked in red. Every stage keeps its place on the
    x axis; a stage whose touchpoints have no ``score`` answers is named there as "no <score> answers" (it is
    not dropped). Touchpoint labels of one stage are spread vertically so they do not overlap."""
    ax = _axes(ax, (11, 5.5))
    stages = [str(s) for s in (jmap["stage"].cat.categories if hasattr(jmap["stage"], "cat")
                               else dict.fromkeys(jmap["stage"]))]
    stages = [s for s in stages if s in set(jmap["stage"].astype(str))]
    d = jmap.dropna(subset=[score]).assign(stage=lambda f: f["stage"].astype(str))
    xs = {s: i for i, s in enumerate(stages)}
    with_score = [s for s in stages if s in set(d["stage"])]
    curve = [np.average(g[score], weights=g["customers"]) for s in with_score for g in [d[d["stage"] == s]]]
    ax.plot([xs[s] for s in with_score], curve, "-o", color="#4C72B0", lw=2, label=f"mean {score} per stage")
    top = float(d["customers"].max()) if len(d) else 1.0
    size = 30 + 300 * d["customers"] / top
    colors = np.where(d["pain_point"], "#C44E52", "#8C8C8C")
    ax.scatter(d["stage"].map(xs).astype(float), d[score], s=size, c=colors, alpha=0.7, zorder=3)
    lo, hi = (float(d[score].min()), float(d[score].max())) if len(d) else (0.0, 1.0)
    span = max(hi - lo, 1e-9)
    gap = span / 14  # minimum vertical distance between two labels of one stage, in data units
    for s, g in d.groupby("stage", sort=False):
        g = g.sort_values(score)
        placed: list[float] = []
        for _, r in g.iterrows():
            yl = float(r[score]) if not placed else max(float(r[score]), placed[-1] + gap)
            placed.append(yl)
            ax.annotate(str(r["touchpoint"]), (xs[s], r[score]), xytext=(xs[s] + 0.06, yl), fontsize=8,
                        va="center", arrowprops=dict(arrowstyle="-", color="#bbbbbb", lw=0.6))
    missing = [s for s in stages if s not in set(d["stage"])]
    for s in missing:
        ax.text(xs[s], lo - 0.08 * span, f"no {score}\nanswers", ha="center", va="top", fontsize=8, color="#8C8C8C")
    ax.set_xlim(-0.4, len(stages) - 0.2)
    ax.set_ylim(lo - 0.3 * span, hi + 0.35 * span)
    ax.set_xticks(range(len(stages)), stages)
    ax.set_xlabel("journey stage")
    ax.set_ylabel(f"{score} ({'% satisfied' if score == 'csat' else 'points' if score == 'nps' else 'mean'})")
    ax.set_title("Journey map (dot size: customers reached; red: pain point)")
    ax.legend(fontsize=8, loc="upper left")
    _tight(ax)
    return ax


def plot_sankey(paths: Paths, ax: Axes | None = None, max_steps: int = 4, top_states: int = 8) -> Axes:
    """A Sankey-style flow of the first ``max_steps`` steps of the paths: one column per step that at least 1% of
    the journeys reach, bands as wide as the customers moving between states (matplotlib polygons, no extra
    dependency); nodes too thin for a name are named by the legend's colours."""
    import matplotlib.patches as mpatches
    from matplotlib.path import Path as MPath

    ax = _axes(ax, (11, 6))
    tbl = paths.to_pandas()
    weight = (tbl["total_conversions"] + tbl["total_null"]).to_numpy()
    full = [p.split(" > ") for p in tbl["path"]]
    # only the steps that at least 1% of the journeys reach get a column (a column of a few stray journeys looks
    # empty); the longer journeys end in "(more)"
    lengths = np.array([len(f) for f in full])
    total = max(float(weight.sum()), 1e-300)
    max_steps = max([1] + [k for k in range(1, max_steps + 1) if weight[lengths >= k].sum() >= 0.01 * total])
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
    # columns only as far as some path reaches: no empty step columns when the paths are short
    last = max(step for step, _ in nodes)
    for step in range(last + 1):
        y = 0.0
        for s in states:
            if (step, s) in nodes:
                h = nodes[(step, s)] / total
                ypos[(step, s)] = [y, y]  # top used by outgoing, incoming flows
                ax.add_patch(mpatches.Rectangle((step - 0.03, y), 0.06, h, color=color[s]))
                if h > 0.012:  # a thinner node is named by the legend's colour
                    ax.text(step + 0.05, y + h / 2, s, va="center", fontsize=8 if h > 0.03 else 6.5)
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
    ax.set_xlim(-0.2, last + 0.6)
    ax.set_ylim(0, max(v[1] for v in ypos.values()) + 0.05)
    ax.invert_yaxis()
    ax.set_xticks(range(last + 1), [f"step {i + 1}" for i in range(last + 1)])
    ax.set_yticks([])
    ax.legend(handles=[mpatches.Patch(color=color[s], label=s) for s in states], fontsize=8, title="state",
              loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.set_title("Journey flows: customers per state at each step (band width: customers)")
    _tight(ax)
    return ax

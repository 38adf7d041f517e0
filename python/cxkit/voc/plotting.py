"""Plots of voice-of-the-customer results (matplotlib, imported when a plot is drawn). Each function returns its
Axes and takes an optional ``ax`` to draw into."""
from __future__ import annotations

from typing import Any

import pandas as pd

from ._feedback import FeedbackSummary, _log_frame
from ._sentiment import sentiment

__all__ = ["plot_sentiment", "plot_backlog"]


def _pyplot() -> Any:
    try:
        import matplotlib.pyplot as plt
    except ImportError as e:  # pragma: no cover - only without matplotlib
        raise ImportError("cxkit.voc.plotting needs matplotlib: pip install 'cxkit[plot]'") from e
    return plt


def plot_sentiment(log: Any, by: str = "channel", period: str = "M", ax: Any = None) -> Any:
    """Mean VADER compound sentiment by ``by`` over time (the ``sentiment`` column, or the scored ``text``);
    returns the Axes."""
    plt = _pyplot()

    df = _log_frame(log)
    if "sentiment" in df.columns and df["sentiment"].notna().any():
        s = df["sentiment"]
    elif "text" in df.columns:
        s = sentiment(df["text"])["compound"]
    else:
        raise ValueError("the log has neither a sentiment nor a text column")
    freq = {"D": "D", "W": "W-SUN", "M": "M", "Q": "Q", "Y": "Y"}[period]
    t = pd.DataFrame({"g": df[by], "p": df["time"].dt.to_period(freq).dt.to_timestamp(), "s": s.to_numpy()})
    m = t.groupby(["p", "g"], observed=True)["s"].mean().unstack()
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 4))
    for col in m.columns:
        ax.plot(m.index, m[col], marker="o", label=str(col))
    ax.axhline(0, color="grey", lw=0.8)
    ax.set_ylabel("mean compound sentiment")
    ax.set_title(f"Sentiment by {by}")
    ax.legend(loc="best", fontsize=8)
    return ax


def plot_backlog(summary: FeedbackSummary, ax: Any = None) -> Any:
    """Open feedback items at the end of each period of a :func:`~cxkit.voc.feedback_summary`, with items opened
    and closed; returns the Axes."""
    plt = _pyplot()

    if ax is None:
        _, ax = plt.subplots(figsize=(8, 4))
    b = summary.backlog
    x = b.index.to_timestamp()
    width = (x[1] - x[0]).days * 0.4 if len(x) > 1 else 10
    ax.bar(x - pd.Timedelta(days=width / 2), b["opened"], width=width, label="opened", color="#9ecae1")
    ax.bar(x + pd.Timedelta(days=width / 2), b["closed"], width=width, label="closed", color="#a1d99b")
    ax.plot(x, b["open_at_end"], color="#d62728", marker="o", label="open backlog (end of period)")
    ax.set_ylabel("feedback items")
    ax.set_title("Complaint and feedback backlog")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8)
    ax.tick_params(axis="x", labelrotation=45)
    for t in ax.get_xticklabels():
        t.set_horizontalalignment("right")
    # the legend beside the axes and the slanted dates need room: without a layout they fell off the figure
    from matplotlib.figure import Figure

    if isinstance(ax.figure, Figure) and ax.figure.get_layout_engine() is None:  # not a SubFigure
        ax.figure.tight_layout()
    return ax

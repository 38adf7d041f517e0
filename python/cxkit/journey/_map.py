"""Journey map with pain points, and moments of truth (which touchpoint experiences drive the outcome)."""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from .._core import journey as _cj, metrics as _cm
from .._eventlog import EventLog
from .._scorecard import scorecard

_STAGES = ("awareness", "consideration", "purchase", "onboarding", "usage", "support", "loyalty", "advocacy")


def _holm(p: np.ndarray) -> np.ndarray:
    """Holm's step-down adjustment of p-values (family-wise error rate); NaN stays NaN."""
    out = np.full(len(p), np.nan)
    ok = np.flatnonzero(np.isfinite(p))
    order = ok[np.argsort(p[ok], kind="mergesort")]
    m = len(order)
    running = 0.0
    for i, j in enumerate(order):
        running = max(running, min(1.0, (m - i) * p[j]))
        out[j] = running
    return out


def journey_map(log: EventLog, stages: Sequence[str] | None = None, confidence: float = 0.95,
                alpha: float = 0.05) -> pd.DataFrame:
    """Stage x touchpoint map of the journey: customers reached, events, CSAT / NPS / CES / sentiment with
    intervals at ``confidence`` (CSAT: Wilson; NPS: adjusted Wald; CES and sentiment: Student-t interval of the
    mean, NaN with fewer than two answers) and answer counts (``*_n``), the drop-off after the touchpoint
    (share of the customers reached whose journey ends there), and a ``pain_point`` flag.

    A touchpoint is a pain point when its CSAT (top-2-box) is significantly below that of all other touchpoints
    together: a two-proportion z test per touchpoint, p-values adjusted with Holm's method over all touchpoints
    tested (family-wise error rate ``alpha``). ``csat_p_adjusted`` holds the adjusted p-value.
    """
    for c in ("stage", "touchpoint"):
        if c not in log._core.categorical_names():
            raise ValueError(f"journey_map needs a '{c}' column in the log")
    card = scorecard(log, by=["stage", "touchpoint"], confidence=confidence)
    card = card.dropna(subset=["touchpoint"])
    order = list(stages) if stages is not None else [s for s in _STAGES if s in set(card["stage"].dropna())]
    order += [s for s in card["stage"].dropna().unique() if s not in order]
    card["stage"] = pd.Categorical(card["stage"], categories=order, ordered=True)
    if stages is not None:
        card = card[card["stage"].notna()]

    # CES and sentiment: Student-t intervals of the mean per stage x touchpoint
    df = log.to_pandas()
    for score in ("ces", "sentiment"):
        low, high, n_ans = (np.full(len(card), np.nan) for _ in range(3))
        if score in df:
            g = df.groupby(["stage", "touchpoint"], observed=True)[score].agg(["mean", "std", "count"])
            key = pd.MultiIndex.from_arrays([card["stage"].astype(object), card["touchpoint"].astype(object)])
            g = g.reindex(key)
            lo, hi = _cj.mean_t_interval(g["mean"].to_numpy(float), g["std"].to_numpy(float),
                                           g["count"].fillna(0).to_numpy(float), confidence)
            low, high, n_ans = lo, hi, g["count"].fillna(0).to_numpy(float)
        card[f"{score}_low"], card[f"{score}_high"], card[f"{score}_n"] = low, high, n_ans

    # drop-off: customers whose last event is at the touchpoint, over customers reached
    codes, cats = log._core.categorical("touchpoint")
    off = np.asarray(log._core.customer_table()["events"], dtype=np.int64)
    ends = np.cumsum(off)[off > 0] - 1
    last_tp = codes[ends]
    last_tp = last_tp[last_tp >= 0]
    enders = pd.Series(np.bincount(last_tp, minlength=len(cats)), index=cats)
    card["drop_off"] = card["touchpoint"].map(enders).to_numpy() / card["customers"].to_numpy()

    # pain points: CSAT top-2 of the touchpoint vs all other touchpoints
    n = card["csat_n"].to_numpy(dtype=float)
    x = card["csat"].to_numpy(dtype=float) / 100 * n
    x = np.where(n > 0, x, 0.0)
    tot_x, tot_n = x.sum(), n.sum()
    p_vals = np.full(len(card), np.nan)
    for i in range(len(card)):
        if n[i] > 0 and tot_n - n[i] > 0:
            z, p = _cm.proportion_z_test(x[i], n[i], tot_x - x[i], tot_n - n[i])
            p_vals[i] = p
    adj = _holm(p_vals)
    rest = (tot_x - x) / np.where(tot_n - n > 0, tot_n - n, np.nan)
    worse = (x / np.where(n > 0, n, np.nan)) < rest
    card["csat_p_adjusted"] = adj
    card["pain_point"] = np.nan_to_num(adj, nan=1.0) < alpha
    card["pain_point"] &= np.nan_to_num(worse, nan=0).astype(bool)
    cols = ["stage", "touchpoint", "customers", "events", "csat", "csat_low", "csat_high", "csat_n", "nps", "nps_low",
            "nps_high", "nps_n", "ces", "ces_low", "ces_high", "ces_n", "sentiment", "sentiment_low",
            "sentiment_high", "sentiment_n", "response_time_median", "complaint_rate", "drop_off",
            "csat_p_adjusted", "pain_point"]
    return card[cols].sort_values(["stage", "customers"], ascending=[True, False]).reset_index(drop=True)


def moments_of_truth(log: EventLog, outcome: str = "nps", bad_csat: float = 2, inactive_days: float = 90,
                     method: str = "relative_weights", n_boot: int = 100, seed: int = 0) -> pd.DataFrame:
    """Rank touchpoints by how much a bad experience there drives the customer's outcome.

    Per customer and touchpoint, a bad experience is a CSAT answer <= ``bad_csat``, a negative sentiment
    (<= -0.05) or a complaint event at that touchpoint. The outcome per customer is their mean NPS answer
    ("nps"), mean CSAT ("csat"), churn ("churn": no event in the last ``inactive_days`` days of the log) or
    conversion ("conversion": any purchase). Each touchpoint's bad-experience indicator is a driver of the
    outcome in a relative-weights (or Shapley) analysis: ``weight`` is its part of R^2, ``share`` its % of
    R^2, ``effect`` the outcome difference between customers with and without a bad experience there, and
    ``bad_rate`` how often customers who reach the touchpoint have one.
    """
    from .drivers import relative_importance

    if outcome not in ("nps", "csat", "churn", "conversion"):
        raise ValueError(f'outcome must be "nps", "csat", "churn" or "conversion", got {outcome!r}')
    if "touchpoint" not in log._core.categorical_names():
        raise ValueError("moments_of_truth needs a 'touchpoint' column in the log")
    df = log.to_pandas()
    cust = df["customer_id"].to_numpy()
    bad = np.zeros(len(df), dtype=bool)
    if "csat" in df:
        bad |= (df["csat"] <= bad_csat).to_numpy()
    if "sentiment" in df:
        bad |= (df["sentiment"] <= -0.05).to_numpy()
    if "kind" in df:
        bad |= (df["kind"].astype(object) == "complaint").to_numpy()
    tp = df["touchpoint"].astype(object)
    frame = pd.DataFrame({"customer": cust, "touchpoint": tp, "bad": bad}).dropna(subset=["touchpoint"])
    reached = frame.groupby(["customer", "touchpoint"])["bad"].max().astype(float).unstack()  # NaN: not reached
    X = reached.fillna(0.0)

    if outcome in ("nps", "csat"):
        if outcome not in df:
            raise ValueError(f"the log has no '{outcome}' column")
        y = df.groupby(cust)[outcome].mean()
    elif outcome == "churn":
        last = df.groupby(cust)["time"].max()
        y = (last < df["time"].max() - pd.Timedelta(days=inactive_days)).astype(float)
    else:
        if "kind" not in df:
            raise ValueError("outcome='conversion' needs a 'kind' column")
        y = (df["kind"].astype(object) == "purchase").groupby(cust).any().astype(float)
    y = y.reindex(X.index).dropna()
    X = X.loc[y.index]
    X = X.loc[:, X.std() > 0]
    if X.shape[1] == 0:
        raise ValueError("no touchpoint has both good and bad experiences to compare")
    imp = relative_importance(X, y.to_numpy(), method=method, n_boot=n_boot, seed=seed)
    with_bad = {c: y[X[c] == 1].mean() - y[X[c] == 0].mean() for c in X.columns}
    rate = (reached == 1).sum() / reached.notna().sum()
    imp["effect"] = pd.Series(with_bad)
    imp["bad_rate"] = rate.reindex(imp.index)
    imp.index.name = "touchpoint"
    return imp.sort_values("weight", ascending=False)

"""The five sections of the CX report. Each takes the shared :class:`Context` and returns HTML; every number comes
from an analysis entry point of an area (scorecard, journey_map, paths, attribution, rfm_scores, the CLV models,
cohorts, kaplan_meier, ...): this module only chooses, formats and draws."""
from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .. import clv as _clv
from .. import journey as _journey
from .. import retention as _retention
from .. import segment as _segment
from .. import voc as _voc
from ..core import CATEGORICALS, EventLog
from ..metrics import scorecard
from ._html import (Formatter, absent, esc, figure_html, fmt_duration, fmt_int, fmt_money, fmt_num, fmt_pct,
                    new_figure, note, table_html)

PALETTE = ["#4C72B0", "#DD8452", "#55A868", "#C44E52", "#8172B3", "#937860", "#DA8BC3", "#8C8C8C"]


@dataclass(frozen=True)
class Kpi:
    """How the report shows one scorecard KPI: its column, name, unit, format, interval and count columns."""
    column: str
    name: str
    unit: str
    fmt: Formatter
    n: str | None
    low: str | None = None
    high: str | None = None
    definition: str = ""


KPIS = [
    Kpi("nps", "NPS", "points, -100 to 100", fmt_num(1), "nps_n", "nps_low", "nps_high",
        "% promoters (9-10) minus % detractors (0-6); adjusted Wald interval"),
    Kpi("csat", "CSAT", "% satisfied", fmt_pct(1, 1.0), "csat_n", "csat_low", "csat_high",
        "share of answers 4-5 on the 1-5 scale; Wilson interval"),
    Kpi("ces", "CES", "mean, 1-7", fmt_num(2), "ces_n", None, None, "mean customer-effort answer (7 = easiest)"),
    Kpi("fcr", "First-contact resolution", "% of resolved tickets", fmt_pct(1, 1.0), "fcr_n", None, None,
        "share of resolved tickets resolved at the first contact"),
    Kpi("response_time_median", "Response time (median)", "duration", fmt_duration, "response_time_n", None, None,
        "median time to the first response"),
    Kpi("complaints_per_1000", "Complaints", "per 1,000 customers", fmt_num(1), None, None, None,
        "events of kind 'complaint' per 1,000 customers active in the period"),
    Kpi("sentiment", "Sentiment", "mean compound, -1 to 1", fmt_num(3), "sentiment_n", None, None,
        "mean VADER compound score of the customers' texts"),
    Kpi("retention_rate", "Retention", "% per month", fmt_pct(1), None, None, None,
        "(customers active at a month's end - new ones) / active at its start, pooled over months; a returning "
        "customer counts as retained, so retention + churn can exceed 100%"),
    Kpi("churn_rate", "Churn", "% per month", fmt_pct(1), None, None, None,
        "share of a month's active customers not active the next month"),
    Kpi("clv", "Simple CLV", "revenue per customer", fmt_money, None, None, None,
        "m r / (1 + d - r): revenue per active customer per month m, retention r, 10% a year discount"),
    Kpi("revenue", "Revenue", "sum of event values", fmt_money, None, None, None, "sum of the events' values"),
]
KPI_BY_COLUMN = {k.column: k for k in KPIS}


@dataclass
class Context:
    """What every section reads: the log, its events as a DataFrame, the overall scorecard and what the data
    supports."""
    log: EventLog
    events: pd.DataFrame
    overall: pd.Series
    supported: dict[str, str | None]   # KPI column -> None when shown, else why it is not
    period: str
    confidence: float
    span_days: float
    extra_categoricals: list[str]
    persona_column: str | None
    feasibility: Mapping[str, float] | None
    feedback: pd.DataFrame | None
    inactive_days: float
    notes: list[str] = field(default_factory=list)

    def has(self, column: str) -> bool:
        return column in self.events.columns and self.events[column].notna().any()

    def kinds(self) -> set[str]:
        return set(self.events["kind"].dropna().astype(str)) if "kind" in self.events.columns else set()

    def purchases(self) -> pd.DataFrame:
        e = self.events
        if "kind" not in e.columns or "value" not in e.columns:
            return e.iloc[:0]
        return e[(e["kind"] == "purchase") & e["value"].notna()]


_PERIOD_NAMES = {"D": "day", "W": "week", "M": "month", "Q": "quarter", "Y": "year"}


def days_text(days: float) -> str:
    """A span in days as a reader says it: "1.9 days", "366 days"."""
    return f"{days:.1f} days" if days < 10 else f"{days:,.0f} days"


def choose_period(span_days: float) -> str:
    """The trend's period: months from a quarter of data on, weeks from three weeks on, days below."""
    return "M" if span_days >= 90 else "W" if span_days >= 21 else "D"


def kpi_support(log: EventLog, events: pd.DataFrame, overall: pd.Series, span_days: float) -> dict[str, str | None]:
    """None for each KPI the data supports, else the one-line reason it does not."""
    out: dict[str, str | None] = {}
    source = {"nps": "nps", "csat": "csat", "ces": "ces", "fcr": "fcr", "response_time_median": "response_time",
              "sentiment": "sentiment"}
    for k in KPIS:
        reason: str | None = None
        if k.column in source:
            col = source[k.column]
            if col not in events.columns:
                reason = f"no {col} column was mapped"
                if col == "sentiment" and "text" in events.columns:
                    reason = "no text was scored (pass score_text=True or call cxkit.voc.score_log)"
            elif not (k.n and overall.get(k.n, 0) > 0):
                reason = f"the {col} column has no answers"
        elif k.column == "complaints_per_1000":
            if "kind" not in events.columns:
                reason = "no kind column: complaints are events of kind 'complaint'"
            elif not (events["kind"] == "complaint").any():
                reason = "no event has kind 'complaint' (map your complaint events to that kind)"
        elif k.column in ("retention_rate", "churn_rate"):
            if span_days < 62:
                reason = f"the data covers {days_text(span_days)}; monthly retention needs at least two months"
        elif k.column in ("clv", "revenue"):
            if "value" not in events.columns or not events["value"].notna().any():
                reason = "no value column (purchase amounts) was mapped"
            elif k.column == "clv" and span_days < 62:
                reason = f"the data covers {days_text(span_days)}; the simple CLV needs monthly retention"
        out[k.column] = reason
    return out


def _interval(row: pd.Series, k: Kpi) -> str:
    if k.low and k.high and pd.notna(row.get(k.low)) and pd.notna(row.get(k.high)):
        return f"[{k.fmt(row[k.low])}, {k.fmt(row[k.high])}]"
    return ""


def _shown(ctx: Context) -> list[Kpi]:
    return [k for k in KPIS if ctx.supported[k.column] is None]


# --- 1. data coverage -----------------------------------------------------------------------------------------

def coverage(ctx: Context) -> str:
    e = ctx.events
    first, last = e["time"].min(), e["time"].max()
    out = ['<div class="cards">']
    cards = [("Period covered", f"{first:%Y-%m-%d} to {last:%Y-%m-%d}", days_text(ctx.span_days)),
             ("Events", fmt_int(len(e)), ""), ("Customers", fmt_int(ctx.log.n_customers), ""),
             ("Events per customer", f"{len(e) / max(ctx.log.n_customers, 1):,.1f}", "")]
    if "channel" in e.columns:
        cards.append(("Channels", fmt_int(e["channel"].nunique()), ""))
    for key, v, i in cards:
        out.append(f'<div class="card"><div class="k">{esc(key)}</div><div class="v">{esc(v)}</div>'
                   f'<div class="i">{esc(i)}</div></div>')
    out.append("</div>")
    for col in ("channel", "kind"):
        if col in e.columns:
            g = e.groupby(col, observed=True).agg(events=("time", "size"), customers=("customer_id", "nunique"))
            g = g.sort_values("events", ascending=False)
            g["share of events"] = g["events"] / len(e)
            out.append(f"<h3>Events by {esc(col)}</h3>")
            out.append(table_html(g, {"share of events": fmt_pct(1)}, index=True))
    out.append("<h3>Rows refused at the door</h3>")
    if ctx.log.n_dropped:
        d = ctx.log.dropped.rename(columns={"first_row": "first row"})
        out.append(note(f"{ctx.log.n_dropped:,} input rows were skipped (errors='drop'); each rule with its count "
                        "and the first row it refused:"))
        out.append(table_html(d))
    else:
        out.append(note("No input row was refused: every row passed the input rules."))
    out.append("<h3>What the data can and cannot tell</h3>")
    rows = []
    for k in KPIS:
        reason = ctx.supported[k.column]
        n = ctx.overall.get(k.n) if k.n else None
        rows.append({"KPI": k.name, "unit": k.unit, "answers": n if n is not None else np.nan,
                     "status": "shown" if reason is None else f"not shown: {reason}"})
    out.append(table_html(pd.DataFrame(rows), {"answers": fmt_int}))
    for n_ in ctx.notes:
        out.append(note(n_))
    return "".join(out)


# --- 2. scorecard ---------------------------------------------------------------------------------------------

def _kpi_cards(ctx: Context) -> str:
    out = ['<div class="cards">']
    for k in _shown(ctx):
        if k.column in ("revenue", "churn_rate"):
            continue
        v = ctx.overall[k.column]
        parts = [k.unit if k.unit != "duration" else "", _interval(ctx.overall, k),
                 f"n={fmt_int(ctx.overall[k.n])}" if k.n else ""]
        sub = " · ".join(p for p in parts if p)
        out.append(f'<div class="card"><div class="k">{esc(k.name)}</div>'
                   f'<div class="v">{esc(k.fmt(v))}</div><div class="i">{esc(sub)}</div></div>')
    out.append("</div>")
    return "".join(out)


def _kpi_table(ctx: Context) -> str:
    rows = []
    for k in _shown(ctx):
        rows.append({"KPI": k.name, "value": k.fmt(ctx.overall[k.column]),
                     f"{ctx.confidence:.0%} interval": _interval(ctx.overall, k),
                     "answers": ctx.overall[k.n] if k.n else np.nan, "unit": k.unit, "definition": k.definition})
    return table_html(pd.DataFrame(rows), {"answers": fmt_int, "value": str, f"{ctx.confidence:.0%} interval": str})


def _trend_figure(card: pd.DataFrame, kpis: list[Kpi], period: str) -> str:
    kpis = [k for k in kpis if k.column not in ("revenue", "churn_rate", "clv")]
    ncols = 2
    nrows = (len(kpis) + 1) // 2
    fig = new_figure(11, 2.9 * nrows)
    axes = fig.subplots(nrows, ncols, squeeze=False)
    x = np.arange(len(card))
    labels = card["period"].astype(str).tolist()
    step = max(1, -(-len(labels) // 6))  # at most six tick labels: they never overlap at this width
    scale = {"csat": 1.0, "fcr": 1.0, "retention_rate": 100.0}
    for ax, k in zip(axes.flat, kpis):
        s = scale.get(k.column, 1.0)
        y = card[k.column].to_numpy(dtype=float) * s
        unit = k.unit
        if k.column == "response_time_median":
            div, unit = (3600.0, "hours") if np.nanmedian(y) >= 5400 else (60.0, "minutes")
            y = y / div
        ax.plot(x, y, "-o", color=PALETTE[0], ms=4, lw=1.8)
        if k.low and k.high:
            ax.fill_between(x, card[k.low].to_numpy(dtype=float) * s, card[k.high].to_numpy(dtype=float) * s,
                            color=PALETTE[0], alpha=0.18, lw=0, label="interval")
        if k.column == "nps" and "nps_change_significant" in card.columns:
            sig = card["nps_change_significant"].fillna(False).to_numpy(dtype=bool)
            if sig.any():
                ax.plot(x[sig], y[sig], "o", ms=9, mfc="none", mec="#C44E52", mew=2,
                        label="significant change")
                ax.legend(fontsize=8, loc="best")
        ax.set_title(k.name, fontsize=11, loc="left")
        ax.set_ylabel(unit, fontsize=9)
        ax.set_xticks(x[::step], labels[::step], fontsize=8)
        ax.tick_params(axis="y", labelsize=8)
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(kpis):]:
        ax.set_visible(False)
    fig.suptitle(f"KPIs per {_PERIOD_NAMES[period]} (band: confidence interval)", fontsize=12)
    alt = f"Trend of {', '.join(k.name for k in kpis)} per {_PERIOD_NAMES[period]}, with interval bands"
    return figure_html(fig, alt)


def _group_figure(card: pd.DataFrame, col: str, kpis: list[Kpi]) -> str:
    """Dot-and-whisker comparison of the interval KPIs (one panel per KPI: NPS points and CSAT % never share an
    axis)."""
    card = card[np.logical_or.reduce([card[k.n].to_numpy() > 0 for k in kpis if k.n])]  # groups never asked
    fig = new_figure(11, 0.35 * len(card) + 1.4)
    axes = fig.subplots(1, len(kpis), squeeze=False)[0]
    order = card.sort_values("customers")[col].astype(str).tolist()
    c = card.set_index(card[col].astype(str)).loc[order]
    y = np.arange(len(c))
    for ax, k in zip(axes, kpis):
        v = c[k.column].to_numpy(dtype=float)
        lo = c[k.low].to_numpy(dtype=float) if k.low else v
        hi = c[k.high].to_numpy(dtype=float) if k.high else v
        ax.errorbar(v, y, xerr=[np.nan_to_num(v - lo), np.nan_to_num(hi - v)], fmt="o", color=PALETTE[0],
                    ecolor="#8aa5cf", capsize=3)
        overall = np.average(v[np.isfinite(v)], weights=c[k.n].to_numpy(dtype=float)[np.isfinite(v)]) \
            if k.n and np.isfinite(v).any() and c[k.n].sum() > 0 else np.nan
        if np.isfinite(overall):
            ax.axvline(overall, color="#8C8C8C", ls="--", lw=1)
        ax.set_yticks(y, c.index.tolist(), fontsize=9)
        ax.set_xlabel(f"{k.name} ({k.unit})", fontsize=9)
        ax.set_title(f"{k.name} by {col}", fontsize=11, loc="left")
        ax.grid(axis="x", alpha=0.3)
    alt = f"{' and '.join(k.name for k in kpis)} by {col} with confidence intervals"
    return figure_html(fig, alt)


_SHORT = {"First-contact resolution": "FCR", "Response time (median)": "median response",
          "Complaints": "complaints per 1,000", "Retention": "retention"}


def _group_table(card: pd.DataFrame, col: str, kpis: list[Kpi]) -> str:
    t = pd.DataFrame({col: card[col].astype(str), "customers": card["customers"], "events": card["events"]})
    names = []
    for k in kpis:
        if k.column in ("churn_rate", "clv", "retention_rate"):
            continue
        name = _SHORT.get(k.name, k.name)
        names.append(name)
        if k.low:
            t[name] = [f"{k.fmt(r[k.column])} {_interval(r, k)}".strip() for _, r in card.iterrows()]
        else:
            t[name] = [k.fmt(v) for v in card[k.column]]
    t = t.sort_values("customers", ascending=False)
    return table_html(t, {n: str for n in names})


def scorecard_section(ctx: Context) -> str:
    out = [note(f"Overall, over the whole period; intervals at {ctx.confidence:.0%} confidence."), _kpi_cards(ctx),
           _kpi_table(ctx)]
    shown = _shown(ctx)
    card = scorecard(ctx.log, period=ctx.period, confidence=ctx.confidence)
    out.append(f"<h3>Trend per {_PERIOD_NAMES[ctx.period]}</h3>")
    if len(card) >= 3 and shown:
        out.append(_trend_figure(card, shown, ctx.period))
        sig = card[card["nps_change_significant"].fillna(False).astype(bool)] \
            if "nps_change_significant" in card.columns and ctx.supported["nps"] is None else card.iloc[:0]
        if len(sig):
            prev = card["nps"].shift(1)
            t = pd.DataFrame({"period": sig["period"].astype(str), "NPS": sig["nps"], "previous": prev[sig.index],
                              "change": sig["nps"] - prev[sig.index], "p-value": sig["nps_change_p"]})
            out.append(note(f"NPS changes from the previous {_PERIOD_NAMES[ctx.period]} that are significant at "
                            f"{ctx.confidence:.0%} (two-sample z test, both periods with at least 30 answers):"))
            out.append(table_html(t, {"NPS": fmt_num(1), "previous": fmt_num(1), "change": fmt_num(1),
                                      "p-value": fmt_num(4)}))
        elif ctx.supported["nps"] is None:
            out.append(note(f"No {_PERIOD_NAMES[ctx.period]}'s NPS differs significantly ({ctx.confidence:.0%}) "
                            "from the previous one's: the movements in the chart are within noise."))
    else:
        out.append(absent(f"No trend: the data covers {len(card)} {_PERIOD_NAMES[ctx.period]}(s); a trend needs "
                          "at least three."))
    interval_kpis = [k for k in shown if k.low]
    for col in ["channel", "stage"] + ctx.extra_categoricals:
        if col not in ctx.events.columns:
            continue
        g = scorecard(ctx.log, by=col, confidence=ctx.confidence)
        if len(g) < 2:
            out.append(f"<h3>By {esc(col)}</h3>" + absent(f"Only one {col} in the data: nothing to compare."))
            continue
        out.append(f"<h3>By {esc(col)}</h3>")
        out.append(_group_table(g, col, [k for k in shown if k.column != "revenue"]))
        drawable = [k for k in interval_kpis if g[k.n].sum() > 0 and g[k.column].notna().sum() >= 2]
        if drawable:
            out.append(_group_figure(g, col, drawable))
    return "".join(out)


# --- 3. journey -----------------------------------------------------------------------------------------------

def journey_section(ctx: Context) -> str:
    from ..journey import plotting as jp

    out: list[str] = []
    e = ctx.events
    # journey map
    out.append("<h3>Journey map</h3>")
    stages = list(dict.fromkeys(e["stage"].dropna().astype(str))) if "stage" in e.columns else []
    if "stage" in e.columns and "touchpoint" in e.columns:
        jm = _journey.journey_map(ctx.log, confidence=ctx.confidence)
        stages = list(dict.fromkeys(jm["stage"].astype(str)))  # the map's order: the journey's
        score = "csat" if jm["csat_n"].sum() > 0 else "nps" if jm["nps_n"].sum() > 0 else None
        if score is None:
            out.append(absent("The journey map's emotion curve needs CSAT or NPS answers at touchpoints; "
                              "the data has neither."))
        else:
            fig = new_figure(11, 5.2)
            ax = fig.subplots()
            jp.plot_journey_map(jm, ax=ax, score=score)
            out.append(figure_html(fig, f"Journey map: mean {score.upper()} per stage and touchpoint, pain points "
                                        "in red"))
        pains = jm[jm["pain_point"]]
        if len(pains):
            t = pains[["stage", "touchpoint", "customers", "csat", "csat_low", "csat_high", "drop_off"]].copy()
            t["CSAT"] = [f"{r['csat']:.1f}% [{r['csat_low']:.1f}, {r['csat_high']:.1f}]" for _, r in t.iterrows()]
            t = t[["stage", "touchpoint", "customers", "CSAT", "drop_off"]].rename(columns={"drop_off": "drop-off"})
            out.append(note("Pain points: touchpoints whose CSAT is significantly below the journey's "
                            "(Holm-corrected):"))
            out.append(table_html(t, {"drop-off": fmt_pct(1), "CSAT": str}))
        elif score == "csat":
            out.append(note("No touchpoint's CSAT is significantly below the journey's (Holm-corrected)."))
    else:
        out.append(absent("No journey map: it needs both a stage and a touchpoint column."))

    # paths, funnel, attribution
    conversions = "kind" in e.columns and (e["kind"] == "purchase").any()
    out.append("<h3>Main paths</h3>")
    paths = None
    if "channel" not in e.columns:
        out.append(absent("No paths: they need a channel column."))
    else:
        paths = _journey.paths(ctx.log, by="channel")
        top = paths.top_paths(8)
        fig = new_figure(11, 5.5)
        jp.plot_sankey(paths, ax=fig.subplots(), max_steps=4, top_states=7)
        out.append(figure_html(fig, "Flow of customers across channels over their first four steps"))
        t = top[["path", "customers", "total_conversions", "conversion_rate"]].rename(
            columns={"total_conversions": "conversions", "conversion_rate": "conversion rate"})
        if not conversions:  # no purchase events: a column of zeros says nothing
            t = t[["path", "customers"]]
        out.append(note("The most frequent channel sequences (up to the first purchase):" if conversions else
                        "The most frequent channel sequences (the data has no purchases: no conversions):"))
        out.append(table_html(t, {"conversion rate": fmt_pct(1)}))
    out.append("<h3>Funnel</h3>")
    if len(stages) >= 2:
        # a conversion kind no event has: every path runs to the customer's last event (the funnel is about
        # reaching stages, not about stopping at the first purchase)
        sp = _journey.paths(ctx.log, by="stage", conversion="\x00no conversion")
        f = sp.funnel(stages)
        fig = new_figure(11, 0.5 * len(f) + 1.2)
        jp.plot_funnel(f, ax=fig.subplots())
        out.append(figure_html(fig, "Funnel of customers through the stages " + " > ".join(stages)))
    else:
        out.append(absent("No funnel: it needs at least two journey stages."))
    out.append("<h3>Attribution</h3>")
    if paths is None or not conversions:
        out.append(absent("No attribution: it needs conversions (events of kind 'purchase') and a channel column."))
    else:
        h = _journey.attribution.heuristic(paths, half_life="7D")
        credits = h[["first_touch", "last_touch", "linear", "position_based", "time_decay"]].copy()
        credits["markov"] = _journey.attribution.markov(paths).credits["conversions"]
        credits["shapley"] = _journey.attribution.shapley(paths)["conversions"]
        credits = credits.sort_values("markov", ascending=False)
        credits.columns = [c.replace("_", " ") for c in credits.columns]
        fig = new_figure(11, 4.2)
        jp.plot_attribution(credits, ax=fig.subplots())
        out.append(figure_html(fig, "Conversions credited to each channel by seven attribution models"))
        out.append(note("Conversions credited to each channel (time decay: 7-day half-life; Markov: removal "
                        "effects of the first-order chain; Shapley: exact over all channel coalitions)."))
        out.append(table_html(credits, {c: fmt_num(0) for c in credits.columns}, index=True))

    # moments of truth and priorities
    out.append("<h3>Moments of truth</h3>")
    if "touchpoint" in e.columns and ctx.supported["nps"] is None and ctx.overall["nps_n"] >= 100:
        mot = _journey.moments_of_truth(ctx.log, outcome="nps", n_boot=50)
        t = mot.head(6).reset_index()[["touchpoint", "share", "effect", "bad_rate"]].rename(
            columns={"share": "share of NPS variance", "effect": "effect on NPS", "bad_rate": "bad experiences"})
        out.append(note("Touchpoints whose bad experiences (CSAT 1-2) drive the customer's NPS answer, by share of "
                        "the explained variance (relative weights); effect in points of the 0-10 scale."))
        out.append(table_html(t, {"share of NPS variance": fmt_pct(1, 1.0), "effect on NPS": fmt_num(2),
                                  "bad experiences": fmt_pct(1)}))
        out.append("<h3>What to fix first</h3>")
        items = pd.DataFrame({"touchpoint": mot.index[:8].astype(str), "impact": mot["share"].head(8).to_numpy()})
        if ctx.feasibility:
            items["feasibility"] = [float(ctx.feasibility.get(tp, np.nan)) for tp in items["touchpoint"]]
            items = items.dropna(subset=["feasibility"])
        if ctx.feasibility and len(items):
            pri = _journey.prioritise(items, name="touchpoint")
            out.append(table_html(pri[["impact", "feasibility", "quadrant", "rank"]], {
                "impact": fmt_pct(1, 1.0), "feasibility": fmt_num(2), "rank": fmt_int}, index=True))
        else:
            out.append(absent("Impact x feasibility needs the team's feasibility per touchpoint (0-1): pass "
                              "feasibility={touchpoint: score} to cxkit.report. By impact alone: "
                              + ", ".join(items["touchpoint"].head(4)) + "."))
    else:
        out.append(absent("No moments of truth: they need at least 100 NPS answers and a touchpoint column."))
    return "".join(out)


# --- 4. customers ---------------------------------------------------------------------------------------------

def customers_section(ctx: Context) -> str:
    from ..segment import plotting as sp

    out: list[str] = []
    buys = ctx.purchases()
    if len(buys) == 0:
        return absent("No customer value section: it needs purchases (events of kind 'purchase' with a value).")
    span_weeks = ctx.span_days / 7
    out.append("<h3>Customer lifetime value</h3>")
    summary = _clv.rfm_summary(buys, value="value", freq="W")
    repeat = summary[summary["frequency"] > 0]
    clv = None
    if span_weeks < 8 or len(repeat) < 50:
        out.append(absent(f"No CLV model: it needs at least 8 weeks of purchases and 50 repeat buyers (the data: "
                          f"{span_weeks:.0f} weeks, {len(repeat):,} repeat buyers)."))
    else:
        # the fits' warnings (no convergence, no drop-out signal) go into the report, not to the console
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            bg = _clv.BetaGeoModel().fit(summary)
            gg = _clv.GammaGammaModel().fit(repeat["frequency"], repeat["monetary_value"])
            clv = _clv.customer_lifetime_value(bg, gg, summary, months=12, discount_rate=0.01, freq="W")
            rows = []
            for model, what in ((bg, "BG/NBD purchases"), (gg, "Gamma-Gamma spend")):
                for name, r in model.summary.iterrows():
                    rows.append({"model": what, "parameter": name, "estimate": r["coef"],
                                 "95% interval": f"[{r['lower 95%']:.4g}, {r['upper 95%']:.4g}]"})
        alive = bg.probability_alive(summary["frequency"], summary["recency"], summary["T"])
        out.append(note(f"BG/NBD fitted on {len(summary):,} buyers' weekly purchases, Gamma-Gamma on "
                        f"{len(repeat):,} repeat buyers; CLV over 12 months at 1% a month discount."))
        for w in dict.fromkeys(str(w.message) for w in caught
                               if issubclass(w.category, (_clv.ConvergenceWarning, _clv.NoDropoutSignalWarning))):
            out.append(absent(f"Caution: {w}"))
        out.append(table_html(pd.DataFrame(rows), {"estimate": fmt_num(4)}))
        fig = new_figure(11, 3.4)
        a1, a2 = fig.subplots(1, 2)
        v = clv.to_numpy(dtype=float)
        a1.hist(v[np.isfinite(v)], bins=40, color=PALETTE[0])
        a1.set_xlabel("12-month CLV (currency)")
        a1.set_ylabel("customers")
        a1.set_title("CLV distribution", loc="left", fontsize=11)
        a2.hist(alive.to_numpy(dtype=float), bins=np.linspace(0, 1, 21), color=PALETTE[2])
        a2.set_xlabel("probability the customer is still active")
        a2.set_ylabel("customers")
        a2.set_title("P(alive) at the end of the data", loc="left", fontsize=11)
        out.append(figure_html(fig, "Histograms of the 12-month CLV and of the probability of being alive"))
        top = summary.assign(clv=clv, p_alive=alive).sort_values("clv", ascending=False).head(10)
        t = pd.DataFrame({"customer": top.index.astype(str), "purchases": top["frequency"] + 1,
                          "mean spend": top["monetary_value"], "P(alive)": top["p_alive"], "12-month CLV": top["clv"]})
        out.append(note(f"Top 10 customers by 12-month CLV (total of all customers: {clv.sum():,.0f})."))
        out.append(table_html(t, {"mean spend": fmt_money, "P(alive)": fmt_num(2), "12-month CLV": fmt_money}))

        out.append("<h3>Who to contact and when</h3>")
        slipping = summary.assign(clv=clv, p_alive=alive)
        slipping = slipping[(slipping["p_alive"] < 0.7) & (slipping["frequency"] > 0)]
        slipping = slipping.sort_values("clv", ascending=False).head(10)
        if len(slipping):
            p4 = bg.probability_of_purchase_within(4, slipping["frequency"], slipping["recency"], slipping["T"])
            wait = bg.median_time_to_next_purchase(slipping["frequency"], slipping["recency"], slipping["T"])
            t = pd.DataFrame({"customer": slipping.index.astype(str), "12-month CLV": slipping["clv"],
                              "P(alive)": slipping["p_alive"], "P(buys within 4 weeks)": np.asarray(p4),
                              "median wait (weeks)": np.asarray(wait),
                              "weeks since last purchase": slipping["T"] - slipping["recency"]})
            out.append(note("The most valuable repeat buyers whose probability of still being active has fallen "
                            "below 70%: contact them first."))
            out.append(table_html(t, {"12-month CLV": fmt_money, "P(alive)": fmt_num(2),
                                      "P(buys within 4 weeks)": fmt_num(2), "median wait (weeks)": fmt_num(1),
                                      "weeks since last purchase": fmt_num(1)}))
        else:
            out.append(note("Every repeat buyer is still likely active (P(alive) >= 70%)."))

    out.append("<h3>RFM segments</h3>")
    rfm = _segment.rfm_scores(ctx.log)
    fig = new_figure(11, 4.2)
    sp.plot_rfm_segments(rfm, ax=fig.subplots())
    out.append(figure_html(fig, "Share of customers and of revenue per RFM segment"))
    counts = rfm.groupby("segment", observed=True).agg(customers=("r", "size"), revenue=("monetary", "sum"),
                                                       r=("r", "mean"), f=("f", "mean"), m=("m", "mean"))
    counts = counts[counts["customers"] > 0].sort_values("customers", ascending=False)
    counts.insert(1, "share", counts["customers"] / counts["customers"].sum())
    counts.insert(3, "revenue share", counts["revenue"] / counts["revenue"].sum())
    out.append(table_html(counts.rename(columns={"r": "mean R", "f": "mean F", "m": "mean M"}),
                          {"share": fmt_pct(1), "revenue": fmt_money, "revenue share": fmt_pct(1),
                           "mean R": fmt_num(1), "mean F": fmt_num(1), "mean M": fmt_num(1)}, index=True))

    out.append("<h3>Personas</h3>")
    features = rfm[["recency", "frequency", "monetary"]]
    if len(features) >= 40:
        km = _segment.KMeans(4, seed=0, standardize=True).fit(features)
        per = _segment.personas(features, km, ctx.log)
        out.append(note(f"k-means (k=4) on the standardised recency (days), frequency and monetary value of "
                        f"{len(features):,} buyers; each card compares the segment with all buyers "
                        "(SMD: standardised mean difference)."))
        out.append(per._repr_html_())
    else:
        out.append(absent(f"No personas: {len(features)} buyers are too few for four segments."))
    return "".join(out)


# --- 5. voice of the customer and retention --------------------------------------------------------------------

def voc_section(ctx: Context) -> str:
    out: list[str] = []
    e = ctx.events
    out.append("<h3>Sentiment</h3>")
    if ctx.supported["sentiment"] is None:
        if "channel" in e.columns:
            g = scorecard(ctx.log, by="channel")
            g = g[g["sentiment_n"] > 0].sort_values("sentiment")
            fig = new_figure(11, 0.35 * len(g) + 1.3)
            ax = fig.subplots()
            colors = [PALETTE[3] if v < -0.05 else PALETTE[2] if v > 0.05 else PALETTE[7] for v in g["sentiment"]]
            ax.barh(g["channel"].astype(str), g["sentiment"], color=colors)
            ax.axvline(0, color="black", lw=0.8)
            ax.set_xlabel("mean sentiment (VADER compound, -1 to 1)")
            ax.set_title("Sentiment by channel", loc="left", fontsize=11)
            for yi, (v, n) in enumerate(zip(g["sentiment"], g["sentiment_n"])):
                ax.annotate(f"{v:+.2f} (n={n:,.0f})", (v, yi), xytext=(4 if v >= 0 else -4, 0),
                            textcoords="offset points", va="center", ha="left" if v >= 0 else "right", fontsize=8)
            ax.margins(x=0.25)
            out.append(figure_html(fig, "Mean sentiment by channel"))
        if "channel" in e.columns and ctx.span_days >= 14:
            fig = new_figure(11, 3.8)
            ax = fig.subplots()
            _voc.plotting.plot_sentiment(ctx.log, by="channel", period=ctx.period, ax=ax)
            ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), title="channel")
            out.append(figure_html(fig, f"Mean sentiment per channel and {_PERIOD_NAMES[ctx.period]}"))
    else:
        out.append(absent(f"No sentiment: {ctx.supported['sentiment']}."))

    out.append("<h3>Complaint themes</h3>")
    texts = e["text"].astype(str) if "text" in e.columns else None
    if texts is not None and (texts.str.len() > 0).any():
        has = texts.str.len() > 0
        if "kind" in e.columns and ((e["kind"] == "complaint") & has).any():
            pick, what = (e["kind"] == "complaint") & has, "complaints"
        elif "sentiment" in e.columns and ((e["sentiment"] < -0.05) & has).any():
            pick, what = (e["sentiment"] < -0.05) & has, "negative texts (sentiment below -0.05)"
        else:
            pick, what = has, "all texts"
        terms = _voc.top_terms(texts[pick].tolist(), n=12)
        out.append(note(f"Most frequent words and word pairs of the {pick.sum():,} {what} (stop words removed):"))
        out.append(table_html(terms, {"share": fmt_pct(1)}))
    else:
        out.append(absent("No complaint themes: the data has no text column (or only empty texts)."))

    out.append("<h3>Feedback loop</h3>")
    if ctx.feedback is not None:
        fs = _voc.feedback_summary(ctx.feedback)
        out.append(fs._repr_html_())
    else:
        out.append(absent("No feedback-loop status: pass feedback= (one row per feedback item with its status, "
                          "acted and closed times; see cxkit.voc.feedback_summary)."))

    out.append("<h3>Empathy map</h3>")
    seg = ctx.persona_column or ("channel" if "channel" in e.columns else None)
    if seg is not None:
        em = _voc.empathy_map(ctx.log, segment=seg)
        out.append(note(f"Per {seg}: what customers say (phrases), think (survey scores), do (touchpoints and "
                        "channels) and feel (sentiment)."))
        out.append(f'<div class="em">{em._repr_html_()}</div>')
    else:
        out.append(absent("No empathy map: it needs a persona, segment or channel column."))

    out.append("<h3>Retention cohorts</h3>")
    if ctx.span_days >= 62:
        coh = _retention.cohorts(ctx.log, period="M")
        fig = new_figure(11, 0.32 * len(coh.retention) + 1.8)
        _retention.plotting.plot_cohorts(coh, ax=fig.subplots())
        out.append(figure_html(fig, "Share of each monthly acquisition cohort active in each later month"))
    else:
        out.append(absent(f"No cohorts: the data covers {days_text(ctx.span_days)}; monthly cohorts need at least "
                          "two months."))
    out.append("<h3>Survival</h3>")
    if ctx.span_days > 2 * ctx.inactive_days:
        flags = _retention.churn_flags(ctx.log, inactive_days=ctx.inactive_days)
        first = e.groupby("customer_id", observed=True)["time"].min().reindex(flags.index)
        days = (flags["last_seen"] - first).dt.total_seconds() / 86400.0
        km = _retention.kaplan_meier(days.to_numpy(), observed=flags["churned_inactive"].to_numpy())
        assert isinstance(km, _retention.KaplanMeier)  # no groups= given: one curve
        fig = new_figure(11, 3.8)
        ax = fig.subplots()
        _retention.plotting.plot_survival(km, ax=ax, label="all customers")
        ax.set_xlabel("days from the first to the last event")
        ax.set_ylabel("share not yet churned")
        ax.set_title(f"Customer survival (churned: no event for {ctx.inactive_days:.0f} days)", loc="left",
                     fontsize=11)
        out.append(figure_html(fig, "Kaplan-Meier survival curve of customers with its confidence band"))
        out.append(note(f"{flags['churned_inactive'].mean():.1%} of customers have had no event for "
                        f"{ctx.inactive_days:.0f} days at the end of the data."))
    else:
        out.append(absent(f"No survival curve: the data covers {days_text(ctx.span_days)}; churn after "
                          f"{ctx.inactive_days:.0f} inactive days needs more than {2 * ctx.inactive_days:.0f}."))
    return "".join(out)


def extra_categoricals(log: EventLog, events: pd.DataFrame) -> list[str]:
    """The log's own categorical columns beyond channel/stage/touchpoint/kind (e.g. persona, region)."""
    skip = set(CATEGORICALS) | {"customer_id", "time", "text"}
    return [c for c in events.columns if c not in skip and not pd.api.types.is_numeric_dtype(events[c])
            and events[c].nunique() <= 30]

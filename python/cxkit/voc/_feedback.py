"""The closed feedback loop, complaints, negative-feedback terms, empathy maps and VoC plots (pandas over the C++
sentiment scorer)."""
from __future__ import annotations

import html
import re
from collections import Counter
from typing import Any

import numpy as np
import pandas as pd

from ._sentiment import sentiment

STOP_WORDS = frozenset("""a about above after again against all am an and any are aren't as at be because been before
being below between both but by can can't cannot could couldn't did didn't do does doesn't doing don't down during
each few for from further had hadn't has hasn't have haven't having he he'd he'll he's her here here's hers herself
him himself his how how's i i'd i'll i'm i've if in into is isn't it it's its itself let's me more most mustn't my
myself no nor not of off on once only or other ought our ours ourselves out over own same shan't she she'd she'll
she's should shouldn't so some such than that that's the their theirs them themselves then there there's these they
they'd they'll they're they've this those through to too under until up very was wasn't we we'd we'll we're we've
were weren't what what's when when's where where's which while who who's whom why why's with won't would wouldn't
you you'd you'll you're you've your yours yourself yourselves also just get got please thanks thank hi hello dear
would could one us""".split())

_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?", re.UNICODE)


def _terms(text: str, n: tuple[int, ...]) -> list[str]:
    words = [w for w in _WORD.findall(text.lower()) if w not in STOP_WORDS and len(w) > 1]
    out = []
    for k in n:
        out += [" ".join(words[i:i + k]) for i in range(len(words) - k + 1)]
    return out


def top_terms(texts: Any, n: int = 10, ngrams: tuple[int, ...] = (1, 2)) -> pd.DataFrame:
    """The most frequent n-grams (after stop words) of the texts: DataFrame term, count, share of texts."""
    c: Counter = Counter()
    docs = 0
    for t in texts:
        if isinstance(t, str):
            docs += 1
            c.update(set(_terms(t, ngrams)))
    rows = c.most_common(n)
    return pd.DataFrame({"term": [r[0] for r in rows], "count": [r[1] for r in rows],
                         "share": [r[1] / docs if docs else np.nan for r in rows]})


class FeedbackSummary:
    """Result of :func:`feedback_summary`. Attributes: ``n``, ``closed_loop_rate``, ``times`` (time to act and to
    close: n, median, p90, in hours), ``backlog`` (open items at the end of each period), ``complaint_rate``
    (complaints per 1,000 customers by channel and period), ``negative_terms`` (top n-grams of negative feedback by
    segment), ``by_type`` (items by type and status)."""

    # set from feedback_summary's keywords by __init__
    n: int
    closed_loop_rate: float
    times: pd.DataFrame
    backlog: pd.DataFrame
    complaint_rate: pd.DataFrame
    negative_terms: pd.DataFrame
    by_type: pd.DataFrame

    def __init__(self, **kw: Any) -> None:
        self.__dict__.update(kw)

    def plot_backlog(self, ax: Any = None) -> Any:
        """Open feedback items at the end of each period, with items opened and closed; returns the Axes
        (:func:`cxkit.voc.plotting.plot_backlog`)."""
        from .plotting import plot_backlog

        return plot_backlog(self, ax=ax)

    def __repr__(self) -> str:
        t = self.times
        return (f"FeedbackSummary(n={self.n}, closed_loop_rate={self.closed_loop_rate:.1%}, "
                f"median time to close={t.loc['close', 'median_hours']:.1f} h)")

    def _repr_html_(self) -> str:
        return (f"<b>Feedback loop</b>: {self.n:,} items, closed-loop rate {self.closed_loop_rate:.1%}"
                + self.times.to_html(float_format=lambda v: f"{v:.1f}")
                + "<b>Complaints per 1,000 customers</b>" + self.complaint_rate.to_html(float_format=lambda v: f"{v:.1f}"))


def feedback_summary(feedback: pd.DataFrame, *, customer: str = "customer_id", time: str = "time",
                     channel: str = "channel", type: str = "type", text: str | None = "text",
                     status: str = "status", acted: str = "acted_time", closed: str = "closed_time",
                     informed: str = "customer_informed", segment: str | None = None, period: str = "M",
                     customers: Any = None, n_terms: int = 10, negative_below: float = -0.05) -> FeedbackSummary:
    """The closed feedback loop and complaints, from one row per feedback item.

    Columns (names configurable): customer, time (opened), channel, type (complaint / suggestion / praise /
    question), text, status, acted-on time, closed time (NaT while open) and the customer-informed flag.

    - closed-loop rate: share of items that were closed *and* whose customer was told what was done;
    - time to act / to close: hours from opening, median and 90th percentile over the items that got there;
    - backlog: items opened, closed and still open at the end of each period;
    - complaint rate: complaints per 1,000 customers by channel and period; the base is ``customers`` (a number,
      or a Series by period) or, by default, the distinct customers with feedback in that period;
    - negative terms: top n-grams (stop words removed) of the texts with VADER compound < ``negative_below``, by
      ``segment`` (default: channel).
    An item closed or acted on before it was opened is a ``ValueError`` naming the row.
    """
    df = feedback
    for c in (customer, time, channel, type):
        if c not in df.columns:
            raise ValueError(f"feedback has no column {c!r}")
    t0 = pd.to_datetime(df[time])
    if t0.isna().any():
        raise ValueError(f"column {time!r}, row {int(np.argmax(t0.isna().to_numpy()))}: opening time is missing")
    t_act = pd.to_datetime(df[acted]) if acted in df.columns else pd.Series(pd.NaT, index=df.index)
    t_close = pd.to_datetime(df[closed]) if closed in df.columns else pd.Series(pd.NaT, index=df.index)
    for name, tt in ((closed, t_close), (acted, t_act)):
        bad = (tt < t0).to_numpy()
        if bad.any():
            i = int(np.argmax(bad))
            raise ValueError(f"column {name!r}, row {i}: {name} {tt.iloc[i]} is before the item was opened "
                             f"({t0.iloc[i]})")
    inf = df[informed].fillna(False).astype(bool) if informed in df.columns else pd.Series(False, index=df.index)
    is_closed = t_close.notna()
    if status in df.columns:
        is_closed |= df[status].astype(str).str.lower().isin(["closed", "resolved"])
    n = len(df)
    closed_loop = float((is_closed & inf).sum() / n) if n else np.nan

    def stats(delta: pd.Series) -> dict:
        h = delta.dropna().dt.total_seconds() / 3600
        return {"n": len(h), "median_hours": h.median() if len(h) else np.nan,
                "p90_hours": h.quantile(0.9) if len(h) else np.nan}

    times = pd.DataFrame({"act": stats(t_act - t0), "close": stats(t_close - t0)}).T
    times.index.name = "time_to"

    freq = {"D": "D", "W": "W-SUN", "M": "M", "Q": "Q", "Y": "Y"}[period]
    p_open = t0.dt.to_period(freq)
    p_close = t_close.dt.to_period(freq)
    periods = pd.period_range(p_open.min(), max(p_open.max(), p_close.max() if p_close.notna().any() else p_open.max()),
                              freq=freq) if n else pd.PeriodIndex([], freq=freq)
    opened = p_open.value_counts().reindex(periods, fill_value=0)
    closed_n = p_close.dropna().value_counts().reindex(periods, fill_value=0)
    backlog = pd.DataFrame({"opened": opened, "closed": closed_n})
    backlog["open_at_end"] = (backlog["opened"].cumsum() - backlog["closed"].cumsum()).astype(int)
    backlog.index.name = "period"

    kinds = df[type].astype(str).str.lower()
    comp = df[kinds == "complaint"]
    cnt = comp.groupby([comp[channel], p_open[kinds == "complaint"]]).size().unstack(0, fill_value=0)
    cnt = cnt.reindex(periods, fill_value=0)
    if customers is None:
        base = df.groupby(p_open)[customer].nunique().reindex(periods)
    elif np.isscalar(customers):
        base = pd.Series(float(np.asarray(customers)), index=periods)  # np.asarray: a type float() accepts
    else:
        base = pd.Series(customers).reindex(periods)
    rate = cnt.div(base, axis=0) * 1000
    rate.index.name = "period"
    rate.columns.name = channel

    neg_terms = pd.DataFrame(columns=["segment", "term", "count", "share"])
    if text and text in df.columns:
        s = sentiment(df[text])
        neg = df[(s["compound"] < negative_below).to_numpy()]
        seg = segment or channel
        parts = []
        for g, sub in neg.groupby(seg, observed=True):
            tt = top_terms(sub[text], n_terms)
            tt.insert(0, "segment", g)
            parts.append(tt)
        if parts:
            neg_terms = pd.concat(parts, ignore_index=True)
    by_type = df.groupby([kinds.rename("type"), is_closed.map({True: "closed", False: "open"}).rename("state")]
                         ).size().unstack(fill_value=0)
    return FeedbackSummary(n=n, closed_loop_rate=closed_loop, times=times, backlog=backlog, complaint_rate=rate,
                           negative_terms=neg_terms, by_type=by_type)


def _log_frame(log: Any) -> pd.DataFrame:
    from ..core import EventLog

    if isinstance(log, EventLog):
        return log.to_pandas()
    if isinstance(log, pd.DataFrame):
        return log
    raise TypeError("expected a cxkit.EventLog or a pandas DataFrame")


class EmpathyMap:
    """Four quadrants per segment: says (characteristic phrases), feels (sentiment distribution), does (top
    touchpoints and channels), thinks (survey scores). ``cards`` maps segment -> dict of the four; rendered as
    HTML cards in Jupyter."""

    def __init__(self, segment: str, cards: dict[Any, dict[str, Any]]) -> None:
        self.segment = segment
        self.cards = cards

    def __getitem__(self, seg: Any) -> dict:
        return self.cards[seg]

    def _repr_html_(self) -> str:
        def cell(title: str, body: str, color: str) -> str:
            return (f'<div style="background:{color};padding:8px;border-radius:6px;min-height:90px">'
                    f"<b>{title}</b><br>{body}</div>")

        out = []
        for seg, c in self.cards.items():
            says = "<br>".join(f"&ldquo;{html.escape(p)}&rdquo;" for p in c["says"]) or "<i>no text</i>"
            f = c["feels"]
            feels = (f"negative {f['negative']:.0%} &middot; neutral {f['neutral']:.0%} &middot; "
                     f"positive {f['positive']:.0%}<br>mean compound {f['mean_compound']:+.2f}")
            does = "<br>".join(html.escape(f"{k} ({v:.0%})") for k, v in c["does"].items())
            thinks = "<br>".join(html.escape(f"{k}: {v:.2f}") for k, v in c["thinks"].items()) or "<i>no scores</i>"
            out.append(
                f'<div style="border:1px solid #ccc;border-radius:8px;padding:8px;margin:6px;width:560px">'
                f"<div style='text-align:center'><b>{html.escape(str(self.segment))} = {html.escape(str(seg))}</b>"
                f" ({c['customers']:,} customers)</div>"
                f'<div style="display:grid;grid-template-columns:1fr 1fr;gap:6px;margin-top:6px">'
                f'{cell("Says", says, "#e8f1fa")}{cell("Thinks", thinks, "#f3e8fa")}'
                f'{cell("Does", does, "#e9f7ec")}{cell("Feels", feels, "#fdf2e4")}</div></div>')
        return '<div style="display:flex;flex-wrap:wrap">' + "".join(out) + "</div>"

    def __repr__(self) -> str:
        return f"EmpathyMap(segment={self.segment!r}, {len(self.cards)} segments)"


def empathy_map(log: Any, segment: str = "channel", n_phrases: int = 5) -> EmpathyMap:
    """Empathy map per segment (a column of the log, e.g. a persona or segment label, or ``channel``).

    says: the n-grams most characteristic of the segment's texts (highest lift of their document share against the
    other segments, among terms in at least 2% of its texts); feels: shares of negative (< -0.05), neutral and
    positive (> 0.05) VADER compound and the mean; does: top touchpoints and channels by share of events;
    thinks: mean NPS, CSAT, CES where present."""
    df = _log_frame(log)
    if segment not in df.columns:
        raise ValueError(f"the log has no column {segment!r}")
    has_text = "text" in df.columns
    comp = None
    if "sentiment" in df.columns and df["sentiment"].notna().any():
        comp = df["sentiment"].to_numpy()
    elif has_text:
        comp = sentiment(df["text"])["compound"].to_numpy()
    doc_terms = [set(_terms(t, (1, 2))) if isinstance(t, str) else set() for t in df["text"]] if has_text else None
    total: Counter = Counter()
    if doc_terms is not None:
        for s in doc_terms:
            total.update(s)
    n_all = len(df)
    cards = {}
    for seg, idx in df.groupby(segment, observed=True).indices.items():
        sub = df.iloc[idx]
        says: list[str] = []
        if doc_terms is not None:
            c: Counter = Counter()
            for i in idx:
                c.update(doc_terms[i])
            n_in, n_out = len(idx), max(1, n_all - len(idx))
            scored = []
            for term, k in c.items():
                if k < max(2, 0.02 * n_in):
                    continue
                share_in = k / n_in
                share_out = (total[term] - k + 1) / (n_out + 1)
                scored.append((share_in / share_out * np.log1p(k), term))
            says = [t for _, t in sorted(scored, reverse=True)[:n_phrases]]
        cs = comp[idx] if comp is not None else np.array([])
        cs = cs[~np.isnan(cs)]
        feels = {"negative": float((cs < -0.05).mean()) if len(cs) else np.nan,
                 "neutral": float(((cs >= -0.05) & (cs <= 0.05)).mean()) if len(cs) else np.nan,
                 "positive": float((cs > 0.05).mean()) if len(cs) else np.nan,
                 "mean_compound": float(cs.mean()) if len(cs) else np.nan}
        does = {}
        for col in ("touchpoint", "channel"):
            if col in sub.columns and col != segment:
                vc = sub[col].value_counts(normalize=True).head(3)
                does.update({f"{col}: {k}": v for k, v in vc.items()})
        thinks = {k: float(sub[k].mean()) for k in ("nps", "csat", "ces") if k in sub.columns and sub[k].notna().any()}
        cards[seg] = {"customers": int(sub["customer_id"].nunique()) if "customer_id" in sub.columns else len(sub),
                      "says": says, "feels": feels, "does": does, "thinks": thinks}
    return EmpathyMap(segment, cards)


def _demo_section() -> str:
    """The voice-of-the-customer section of ``python -m cxkit demo``: sentiment and negative-ticket rate of the
    support tickets by channel, and the monthly retention cohorts of CDNOW."""
    from .. import datasets
    from ..core import EventLog
    from ..retention import cohorts

    ev = datasets.load_support_tickets(as_events=True)
    s = sentiment(ev["text"])
    t = pd.DataFrame({"channel": ev["channel"], "customer": ev["customer_id"], "compound": s["compound"]})
    g = t.groupby("channel", observed=True)
    tab = pd.DataFrame({
        "tickets": g.size(), "customers": g["customer"].nunique(), "mean_compound": g["compound"].mean(),
        "negative_share": g["compound"].apply(lambda x: (x < -0.05).mean()),
        "negative_per_1000_customers": g.apply(lambda x: 1000 * (x["compound"] < -0.05).sum() / x["customer"].nunique(),
                                               include_groups=False),
    })
    lines = ["Voice of the customer: support tickets by channel (VADER sentiment, cxkit.voc.sentiment)",
             "  a complaint here is a ticket with negative sentiment (compound < -0.05); rate per 1,000 customers",
             tab.to_string(float_format=lambda v: f"{v:.3f}").replace("\n", "\n  ").join(["  ", ""])]
    cd = datasets.load_cdnow()
    c = cohorts(EventLog.from_pandas(cd[["customer_id", "time"]], customer="customer_id", time="time"), period="M")
    r = c.retention.iloc[:, :7]
    lines.append("Retention cohorts of CDNOW (share of each monthly acquisition cohort active at age 0-6 months)")
    lines.append(r.map(lambda v: "" if v != v else f"{100 * v:.1f}%").assign(customers=c.sizes)
                 .to_string().replace("\n", "\n  ").join(["  ", ""]))
    return "\n".join(lines)

"""The CX report (``cxkit.report``): one self-contained HTML page that a CX manager reads top to bottom and shares.

A Python-only presentation layer over the areas (no C++ counterpart, no KPI of its own): it calls their analysis
entry points (:func:`cxkit.scorecard`, :func:`cxkit.journey.journey_map`, the attribution models, the CLV models,
:func:`cxkit.segment.rfm_scores`, :func:`cxkit.retention.cohorts`, ...), formats the numbers and draws them.

>>> import cxkit
>>> log = cxkit.datasets.simulate(2_000, seed=1, as_log=True)
>>> path = cxkit.report(log, "report.html")   # doctest: +SKIP
"""
from __future__ import annotations

import os
import time
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from ..core import EventLog
from ..metrics import scorecard
from . import _html
from ._sections import (Context, choose_period, coverage, customers_section, extra_categoricals, journey_section,
                        kpi_support, scorecard_section, voc_section)

__all__ = ["report", "report_html", "SECTIONS"]

#: The report's sections in reading order: (anchor, heading). Each appears in every report; when the data does not
#: support its content, it says so in one line.
SECTIONS = [
    ("coverage", "1. Data coverage"),
    ("scorecard", "2. Scorecard"),
    ("journey", "3. The journey"),
    ("customers", "4. Customers"),
    ("voc", "5. Voice of the customer and retention"),
]


def report_html(log: EventLog, *, title: str | None = None, period: str | None = None, confidence: float = 0.95,
                feasibility: Mapping[str, float] | None = None, feedback: pd.DataFrame | None = None,
                persona: str | None = None, inactive_days: float = 90, source: str | None = None) -> str:
    """The report of ``log`` as one HTML string (see :func:`report`)."""
    from .. import voc as _voc

    if not isinstance(log, EventLog):
        raise TypeError(f"cxkit.report needs a cxkit.EventLog, got {type(log).__name__}")
    try:
        import matplotlib  # noqa: F401
    except ImportError as e:  # pragma: no cover - matplotlib is in the test environment
        raise ImportError("cxkit.report draws its charts with matplotlib: pip install 'cxkit[report]'") from e
    t0 = time.perf_counter()
    notes: list[str] = []
    cols = log.columns
    if "text" in cols and "sentiment" in cols and not log.to_pandas()["sentiment"].notna().any():
        log = _voc.score_log(log, replace=True)
        notes.append("Sentiment was scored from the text column with VADER (compound score, -1 to 1).")
    events = log.to_pandas()
    if len(events) == 0:
        raise ValueError("cxkit.report: the event log is empty")
    overall = scorecard(log, confidence=confidence).iloc[0]
    span = (events["time"].max() - events["time"].min()) / pd.Timedelta(days=1)
    extra = extra_categoricals(log, events)
    if persona is None:
        # a column constant per customer (e.g. a CRM persona or segment) is the empathy map's natural split
        per_customer = [c for c in extra if events.groupby("customer_id", observed=True)[c].nunique().max() <= 1]
        persona = per_customer[0] if per_customer else None
    elif persona not in events.columns:
        raise ValueError(f"cxkit.report: persona column {persona!r} is not in the log (columns: {', '.join(cols)})")
    ctx = Context(log=log, events=events, overall=overall,
                  supported=kpi_support(log, events, overall, float(span)),
                  period=period or choose_period(float(span)), confidence=confidence, span_days=float(span),
                  extra_categoricals=extra, persona_column=persona, feasibility=feasibility, feedback=feedback,
                  inactive_days=inactive_days, notes=notes)
    builders = {"coverage": coverage, "scorecard": scorecard_section, "journey": journey_section,
                "customers": customers_section, "voc": voc_section}
    body = []
    for anchor, heading in SECTIONS:
        body.append(f'<section id="{anchor}"><h2>{_html.esc(heading)}</h2>{builders[anchor](ctx)}</section>')
    first, last = events["time"].min(), events["time"].max()
    what = source or "event log"
    subtitle = (f"{what}: {len(events):,} events of {log.n_customers:,} customers, {first:%Y-%m-%d} to "
                f"{last:%Y-%m-%d}")
    from .. import __version__

    footer = (f"Made by cxkit {__version__} in {time.perf_counter() - t0:.1f} s on "
              f"{pd.Timestamp.now():%Y-%m-%d %H:%M}. Every number comes from cxkit's analysis functions; "
              "intervals at " f"{confidence:.0%} confidence.")
    return _html.page(title or "Customer-experience report", subtitle, [(a, h) for a, h in SECTIONS],
                      "".join(body), footer)


def report(log: EventLog, path: str | os.PathLike[str] = "report.html", *, title: str | None = None,
           period: str | None = None, confidence: float = 0.95, feasibility: Mapping[str, float] | None = None,
           feedback: pd.DataFrame | None = None, persona: str | None = None, inactive_days: float = 90,
           source: str | None = None) -> Path:
    """Write the CX report of ``log`` to ``path``: one self-contained HTML file (styles inline, charts as
    embedded PNG with alt text, no network) with five sections, read top to bottom:

    1. data coverage: period, events, customers, channels, the rows refused at the door, and which KPIs the data
       cannot support and why;
    2. the scorecard: every supported KPI with its interval and unit, a trend per KPI with its band (period
       chosen from the data's span unless ``period`` is given), significant NPS changes, comparisons by channel,
       stage and the log's other categorical columns;
    3. the journey: journey map with pain points, main paths, funnel over the stages, attribution models side by
       side, moments of truth and, with ``feasibility`` ({touchpoint: 0..1}), what to fix first;
    4. customers: BG/NBD + Gamma-Gamma CLV, top customers, who to contact, RFM segments, persona cards;
    5. voice of the customer and retention: sentiment by channel and over time, complaint themes, the feedback
       loop (with ``feedback``, see :func:`cxkit.voc.feedback_summary`), empathy maps per ``persona`` column
       (default: a column constant per customer, else channel), cohorts and survival (churn: ``inactive_days``
       without an event).

    A section whose input is missing says in one line why. Retention is the scorecard's (E - N) / S: returning
    customers count as retained, so retention + churn can exceed 100%. A text column without sentiment values is
    scored with VADER first. Returns the path written.
    """
    out = Path(path)
    text = report_html(log, title=title, period=period, confidence=confidence, feasibility=feasibility,
                       feedback=feedback, persona=persona, inactive_days=inactive_days, source=source)
    out.write_text(text, encoding="utf-8")
    return out

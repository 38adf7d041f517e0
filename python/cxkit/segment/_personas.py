"""Persona profiles of segments: size, centre, distinguishing features, dominant channels and touchpoints, KPIs."""
from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any, Iterator

import numpy as np
import pandas as pd

from ..core import EventLog


@dataclass
class Persona:
    """One segment's profile (see :func:`personas`)."""

    label: Any
    size: int
    share: float
    centre: pd.Series                       # mean of each feature in the segment, original units
    distinguishing: pd.DataFrame            # feature, mean, overall, smd (standardised mean difference); top first
    channels: pd.DataFrame | None = None    # share of the segment's events per channel, lift vs everyone
    touchpoints: pd.DataFrame | None = None
    stages: pd.DataFrame | None = None
    kpis: pd.Series | None = None           # the segment's row of cxkit.scorecard(log, by=segmentation)
    extra: dict = field(default_factory=dict)

    @property
    def summary(self) -> str:
        """A short description from the most distinguishing features, e.g. "high revenue, low tickets"."""
        parts = []
        for _, row in self.distinguishing.head(3).iterrows():
            if abs(row["smd"]) < 0.2:
                continue
            parts.append(f"{'high' if row['smd'] > 0 else 'low'} {row['feature']}")
        return ", ".join(parts) or "close to average"

    def __repr__(self) -> str:
        return f"Persona({self.label!r}: {self.size:,} customers ({self.share:.1%}); {self.summary})"

    def _repr_html_(self) -> str:
        e = html.escape
        rows = "".join(
            f"<tr><td>{e(str(r.feature))}</td><td style='text-align:right'>{r.mean:,.3g}</td>"
            f"<td style='text-align:right'>{r.overall:,.3g}</td>"
            f"<td style='text-align:right;color:{'#1a7f37' if r.smd > 0 else '#b42318'}'>{r.smd:+.2f}</td></tr>"
            for r in self.distinguishing.head(5).itertuples())
        out = [f"<div style='border:1px solid #ccc;border-radius:6px;padding:8px 12px;margin:6px;"
               f"display:inline-block;vertical-align:top;min-width:260px;font-family:sans-serif;font-size:13px'>",
               f"<div style='font-size:15px;font-weight:bold'>Segment {e(str(self.label))}</div>",
               f"<div style='color:#555'>{self.size:,} customers &middot; {self.share:.1%} &middot; "
               f"{e(self.summary)}</div>",
               "<table style='margin-top:6px'><tr><th>feature</th><th>segment</th><th>all</th><th>SMD</th></tr>"
               f"{rows}</table>"]
        for title, tab in (("Channels", self.channels), ("Touchpoints", self.touchpoints)):
            if tab is not None and len(tab):
                items = ", ".join(f"{e(str(i))} {r.share:.0%} (x{r.lift:.1f})" for i, r in tab.head(3).iterrows())
                out.append(f"<div style='margin-top:4px'><b>{title}:</b> {items}</div>")
        if self.kpis is not None:
            shown = []
            for name, fmt in (("nps", "NPS {:.0f}"), ("csat", "CSAT {:.0f}%"), ("ces", "CES {:.2f}"),
                              ("fcr", "FCR {:.0f}%"), ("churn_rate", "churn {:.1%}"), ("clv", "CLV {:,.0f}")):
                v = self.kpis.get(name)
                if v is not None and pd.notna(v):
                    shown.append(fmt.format(v))
            if shown:
                out.append(f"<div style='margin-top:4px'><b>KPIs:</b> {e(' · '.join(shown))}</div>")
        out.append("</div>")
        return "".join(out)


class Personas:
    """The personas of a segmentation: iterate, index by label, :attr:`table` for one row per segment."""

    def __init__(self, profiles: list[Persona], table: pd.DataFrame, scorecard: pd.DataFrame | None,
                 smd: pd.DataFrame | None = None) -> None:
        self.profiles = profiles
        self.table = table
        self.scorecard = scorecard
        #: standardised mean difference of every feature (columns) for every segment (rows)
        self.smd = smd

    def __len__(self) -> int:
        return len(self.profiles)

    def __iter__(self) -> Iterator[Persona]:
        return iter(self.profiles)

    def __getitem__(self, label: Any) -> Persona:
        for p in self.profiles:
            if p.label == label or str(p.label) == str(label):
                return p
        raise KeyError(label)

    def __repr__(self) -> str:
        return "Personas(\n" + "\n".join(f"  {p!r}" for p in self.profiles) + "\n)"

    def _repr_html_(self) -> str:
        return "<div>" + "".join(p._repr_html_() for p in self.profiles) + "</div>"


def _event_mix(log: EventLog, column: str, seg_of_event: np.ndarray, n_seg: int) -> list[pd.DataFrame] | None:
    core = log._core
    if column not in core.categorical_names():
        return None
    codes, cats = core.categorical(column)
    codes = np.asarray(codes)
    cats = list(cats)
    ok = (codes >= 0) & (seg_of_event >= 0)
    m = len(cats)
    counts = np.bincount(seg_of_event[ok] * m + codes[ok], minlength=n_seg * m).reshape(n_seg, m)
    overall = counts.sum(axis=0) / max(1, counts.sum())
    out = []
    for s in range(n_seg):
        tot = counts[s].sum()
        share = counts[s] / tot if tot else np.zeros(m)
        with np.errstate(divide="ignore", invalid="ignore"):
            lift = np.where(overall > 0, share / overall, np.nan)
        df = pd.DataFrame({"events": counts[s], "share": share, "lift": lift}, index=pd.Index(cats, name=column))
        out.append(df[df["events"] > 0].sort_values("share", ascending=False))
    return out


def personas(features: pd.DataFrame, labels: Any, log: EventLog | None = None, *, n_features: int = 5,
             scorecard_kwargs: dict | None = None) -> Personas:
    """One profile per segment.

    Parameters
    ----------
    features : DataFrame
        One row per customer (indexed by customer id when ``log`` is given), numeric feature columns in their
        original units (e.g. what was clustered).
    labels : array-like, Series aligned on ``features``' index, or a fitted :class:`KMeans`
        The segment of each row.
    log : EventLog, optional
        Adds each segment's dominant channels, stages and touchpoints (share of its customers' events, lift
        against everyone's) and its KPI scorecard row (``cxkit.scorecard(log, by=Segmentation.from_mapping(log,
        labels_by_customer))``; customers of the log missing from ``features`` belong to no segment).
    n_features : int
        Distinguishing features kept per persona, by absolute standardised mean difference
        ``(segment mean - overall mean) / overall std`` (ddof 0; a constant feature has SMD 0).

    Returns
    -------
    Personas: ``.profiles`` (list of :class:`Persona`), ``.table`` (one row per segment: size, share, summary
    and the centre), ``.smd`` (the standardised mean difference of every feature for every segment),
    ``.scorecard`` (the segment scorecard, with a log); renders as HTML persona cards.
    """
    if not isinstance(features, pd.DataFrame):
        raise TypeError(f"features must be a DataFrame (one row per customer), got {type(features).__name__}")
    if hasattr(labels, "labels_"):
        labels = labels.labels_
    if isinstance(labels, pd.Series):
        if not labels.index.equals(features.index):
            labels = labels.reindex(features.index)
        lab = labels.to_numpy()
    else:
        lab = np.asarray(labels)
    if lab.ndim != 1 or len(lab) != len(features):
        raise ValueError(f"labels must have one value per row of features ({len(features)}), got {lab.shape}")
    num = features.select_dtypes(include=[np.number, "bool"]).astype(np.float64)
    if num.shape[1] == 0:
        raise ValueError("features has no numeric column")
    present = pd.notna(lab)
    if not present.any():
        raise ValueError("every label is missing")
    uniques, codes = np.unique(lab[present].astype(object) if lab.dtype == object else lab[present],
                               return_inverse=True)
    seg = np.full(len(lab), -1, dtype=np.int64)
    seg[present] = codes
    n_seg = len(uniques)
    X = num.to_numpy()
    overall_mean = np.nanmean(X, axis=0)
    overall_std = np.nanstd(X, axis=0)
    n_total = int(present.sum())

    mixes: dict[str, list[pd.DataFrame] | None] = {}
    card = None
    if log is not None:
        if not isinstance(log, EventLog):
            raise TypeError(f"log must be a cxkit.EventLog, got {type(log).__name__}")
        from ..metrics import scorecard as _scorecard
        from ..core import Segmentation

        ids = log._customer_labels()
        by_cust = pd.Series(seg, index=features.index)
        if log._core.customer_ids_are_strings:
            by_cust.index = by_cust.index.map(str)
        if by_cust.index.has_duplicates:
            raise ValueError("features has a customer id twice (its index must be the customer ids)")
        seg_of_cust = by_cust.reindex(pd.Index(ids)).fillna(-1).to_numpy(dtype=np.int64)
        seg_of_event = seg_of_cust[log._core.customer()]
        for col in ("channel", "touchpoint", "stage"):
            mixes[col] = _event_mix(log, col, seg_of_event, n_seg)
        mapping = pd.Series(np.asarray(uniques, dtype=object)[seg[present]], index=features.index[present]).astype(str)
        segmentation = Segmentation.from_mapping(log, mapping, name="segment")
        card = _scorecard(log, by=segmentation, **(scorecard_kwargs or {}))

    channel_mix, touchpoint_mix, stage_mix = mixes.get("channel"), mixes.get("touchpoint"), mixes.get("stage")
    profiles, rows, smd_rows = [], [], []
    for s, label in enumerate(uniques):
        rows_s = seg == s
        Xs = X[rows_s]
        mean = np.nanmean(Xs, axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            smd = np.where(overall_std > 0, (mean - overall_mean) / overall_std, 0.0)
        smd_rows.append(smd)
        dist = pd.DataFrame({"feature": num.columns, "mean": mean, "overall": overall_mean, "smd": smd})
        dist = dist.reindex(dist["smd"].abs().sort_values(ascending=False, kind="stable").index)
        dist = dist.head(int(n_features)).reset_index(drop=True)
        kpis = None
        if card is not None:
            hit = card[card["segment"].astype(str) == str(label)]
            kpis = hit.iloc[0] if len(hit) else None
        p = Persona(label=label.item() if hasattr(label, "item") else label, size=int(rows_s.sum()),
                    share=float(rows_s.sum() / n_total), centre=pd.Series(mean, index=num.columns, name=label),
                    distinguishing=dist,
                    channels=channel_mix[s] if channel_mix else None,
                    touchpoints=touchpoint_mix[s] if touchpoint_mix else None,
                    stages=stage_mix[s] if stage_mix else None, kpis=kpis)
        profiles.append(p)
        row = {"segment": p.label, "size": p.size, "share": p.share, "summary": p.summary}
        if p.channels is not None and len(p.channels):
            row["top_channel"] = p.channels.index[0]
        if p.touchpoints is not None and len(p.touchpoints):
            row["top_touchpoint"] = p.touchpoints.index[0]
        row.update({f"centre_{c}": v for c, v in p.centre.items()})
        rows.append(row)
    table = pd.DataFrame(rows).set_index("segment")
    smd_all = pd.DataFrame(np.array(smd_rows), index=table.index, columns=num.columns)
    return Personas(profiles, table, card, smd_all)

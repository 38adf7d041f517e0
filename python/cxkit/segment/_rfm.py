"""RFM scores and the named RFM segments over cxkit's C++ core (include/cxkit/segment/rfm.hpp)."""
from __future__ import annotations

import warnings
from typing import Any, Mapping

import numpy as np
import pandas as pd

from .. import _core
from ..core import EventLog

_seg = _core.segment
_RULE_COLUMNS = ["name", "r_lo", "r_hi", "f_lo", "f_hi", "m_lo", "m_hi"]


def default_rfm_segments() -> pd.DataFrame:
    """The eleven RFM segments of the reference map (for 5 bins), in order; the first rule a customer's (R, F, M)
    satisfies names its segment, "Others" when none does. Ranges are inclusive.

    The map is data: pass a modified copy as ``rfm_scores(..., segments=...)``. Note that with "first match
    wins" two rules of the map as written can never match: "Can't Lose Them" (R1 F4-5 M4-5) is shadowed by
    "At Risk" (R1-2 F2-5 M2-5) and "Lost" (R<=2 F<=2 M<=2) by "Hibernating" (R1-2 F1-2 M1-2). They are kept as
    written; reorder or edit the table to change that.
    """
    return pd.DataFrame(_seg.default_rfm_segments(), columns=_RULE_COLUMNS)


def _rules(segments: Any) -> list[tuple[str, int, int, int, int, int, int]]:
    if isinstance(segments, pd.DataFrame):
        missing = [c for c in _RULE_COLUMNS if c not in segments.columns]
        if missing:
            raise ValueError(f"segments lacks column(s) {', '.join(missing)} (expected {', '.join(_RULE_COLUMNS)})")
        rows = segments[_RULE_COLUMNS].itertuples(index=False, name=None)
    elif isinstance(segments, Mapping):
        rows = []
        for name, ranges in segments.items():
            try:
                (rl, rh), (fl, fh), (ml, mh) = ranges
            except (TypeError, ValueError):
                raise ValueError(f"segments['{name}'] must be ((r_lo, r_hi), (f_lo, f_hi), (m_lo, m_hi))") from None
            rows.append((name, rl, rh, fl, fh, ml, mh))
    else:
        rows = list(segments)
    out = []
    for i, row in enumerate(rows):
        row = tuple(row)
        if len(row) != 7:
            raise ValueError(f"segments, rule {i}: expected (name, r_lo, r_hi, f_lo, f_hi, m_lo, m_hi), got {row!r}")
        name, r_lo, r_hi, f_lo, f_hi, m_lo, m_hi = row
        out.append((str(name), int(r_lo), int(r_hi), int(f_lo), int(f_hi), int(m_lo), int(m_hi)))
    return out


def rfm_measures(log: EventLog, purchase_kind: str = "purchase", now: Any = None) -> pd.DataFrame:
    """The three RFM measures per customer, the input of :func:`rfm_scores`: recency (days from the last purchase to
    ``now``, default the log's last event), frequency (number of purchases) and monetary (total purchase value),
    from the purchase events of a log (``kind == purchase_kind`` with a ``value``). Customers without a purchase are
    left out. Indexed by customer id.

    Not the CLV summary: :func:`cxkit.clv.rfm_summary` gives the (frequency, recency, T) of the CLV models (repeat
    purchases, age at the last purchase, age), from other inputs."""
    core = log._core
    if "kind" not in core.categorical_names():
        raise ValueError("the log has no 'kind' column: purchases are the events with kind == 'purchase'")
    if "value" not in core.measure_names():
        raise ValueError("the log has no 'value' column: purchases need a value")
    codes, cats = core.categorical("kind")
    cats = list(cats)
    time = core.time()
    end = np.int64(time.max()) if now is None else np.int64(pd.Timestamp(now).value)
    value = core.measure("value")
    cust = core.customer()
    if purchase_kind in cats:
        is_p = (np.asarray(codes) == cats.index(purchase_kind)) & ~np.isnan(value)
    else:
        is_p = np.zeros(len(value), dtype=bool)
    c = cust[is_p]
    ids = log._customer_labels()
    n_ids = len(ids)
    freq = np.bincount(c, minlength=n_ids)
    money = np.bincount(c, weights=value[is_p], minlength=n_ids)
    last = np.full(n_ids, np.iinfo(np.int64).min)
    np.maximum.at(last, c, time[is_p])
    buyers = np.flatnonzero(freq > 0)
    recency = (end - last[buyers]) / 86_400e9
    return pd.DataFrame({"recency": recency, "frequency": freq[buyers].astype(np.float64),
                         "monetary": money[buyers]},
                        index=pd.Index(ids[buyers], name="customer_id"))


def rfm_summary(log: EventLog, purchase_kind: str = "purchase", now: Any = None) -> pd.DataFrame:
    """Deprecated name of :func:`rfm_measures` (it was easy to confuse with :func:`cxkit.clv.rfm_summary`, which
    takes other inputs and returns other columns); it will be removed in the next release."""
    warnings.warn("cxkit.segment.rfm_summary is deprecated: use cxkit.segment.rfm_measures (the same function); "
                  "cxkit.clv.rfm_summary is the CLV models' summary", DeprecationWarning, stacklevel=2)
    return rfm_measures(log, purchase_kind=purchase_kind, now=now)


def rfm_scores(summary_or_log: Any, bins: int = 5, recency: str = "recency", frequency: str = "frequency",
               monetary: str = "monetary", segments: Any = None, *, ties: str = "first", others: str = "Others",
               purchase_kind: str = "purchase", now: Any = None) -> pd.DataFrame:
    """RFM scores 1..bins by quantiles and the named RFM segment of each customer.

    Parameters
    ----------
    summary_or_log : DataFrame or EventLog
        A summary table, one row per customer, with the columns named by ``recency`` (time since the last
        purchase: small = recent = high R), ``frequency`` and ``monetary``; or an :class:`~cxkit.EventLog`, whose
        purchase events (``kind == "purchase"`` with a ``value``) give recency in days to ``now`` (default: the
        log's last event), frequency = number of purchases and monetary = total value (see :func:`rfm_measures`;
        customers without a purchase are left out).
    bins : int
        Number of quantile bins (scores 1..bins).
    segments : None, DataFrame, list of (name, r_lo, r_hi, f_lo, f_hi, m_lo, m_hi) or dict name -> ((r_lo, r_hi),
        (f_lo, f_hi), (m_lo, m_hi))
        The segment map, first match wins; None is :func:`default_rfm_segments` (which, as written, never
        yields "Can't Lose Them" or "Lost": see there).
    ties : "first" or "equal"
        "first" is the pandas recipe ``pd.qcut(x.rank(method="first"), bins, labels=...)`` (equal values may get
        different scores, the earlier row the lower one); "equal" gives every member of a tie group the score of
        its first member.

    Returns
    -------
    DataFrame indexed as the summary (or by customer id for a log; then with the recency, frequency and
    monetary columns first) with columns ``r``, ``f``, ``m`` (int8), ``rfm`` (e.g. "555"; digits joined by "-"
    when bins > 9) and ``segment`` (categorical in rule order, then ``others``).
    """
    if isinstance(summary_or_log, EventLog):
        table = rfm_measures(summary_or_log, purchase_kind=purchase_kind, now=now)
        recency, frequency, monetary = "recency", "frequency", "monetary"
        keep = True
    elif isinstance(summary_or_log, pd.DataFrame):
        table = summary_or_log
        keep = False
        missing = [c for c in (recency, frequency, monetary) if c not in table.columns]
        if missing:
            raise ValueError(f"the summary has no column(s) {', '.join(map(repr, missing))} "
                             "(name them with recency=, frequency=, monetary=)")
    else:
        raise TypeError(f"rfm_scores expects a DataFrame or a cxkit.EventLog, got {type(summary_or_log).__name__}")

    def col(name: str) -> np.ndarray:
        s = table[name]
        if not (pd.api.types.is_numeric_dtype(s) or pd.api.types.is_timedelta64_dtype(s)):
            raise ValueError(f"column '{name}' is not numeric")
        if pd.api.types.is_timedelta64_dtype(s):
            s = s / pd.Timedelta(days=1)
        return np.ascontiguousarray(s.to_numpy(dtype=np.float64, na_value=np.nan))

    rules = None if segments is None else _rules(segments)
    r = _seg.rfm_scores(col(recency), col(frequency), col(monetary), bins=int(bins), ties=ties, segments=rules,
                        others=others)
    names = list(r["segment_names"])
    if len(set(names)) != len(names):
        raise ValueError("segment names must be unique (including the 'others' name)")
    b = int(bins)
    sep = "" if b <= 9 else "-"
    rs, fs, ms = r["r"], r["f"], r["m"]
    # the "rfm" strings through a lookup table of the bins^3 combinations (fast for millions of customers)
    lut = np.array([f"{i}{sep}{j}{sep}{k}" for i in range(1, b + 1) for j in range(1, b + 1)
                    for k in range(1, b + 1)], dtype=object)
    rfm = lut[((rs.astype(np.int64) - 1) * b + (fs - 1)) * b + (ms - 1)] if len(rs) else np.array([], dtype=object)
    out = pd.DataFrame({"r": rs, "f": fs, "m": ms, "rfm": rfm,
                        "segment": pd.Categorical.from_codes(r["segment"], categories=names)},
                       index=table.index)
    if keep:
        out = pd.concat([table, out], axis=1)
    return out

"""Churn flags per customer: from inactivity (no event for more than N days) and from a fitted buy-till-you-die
model's P(alive) (cxkit.clv)."""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

_DAY_NS = 86_400 * 10**9
_T_NAMES = ("T", "periods", "n_periods")


def _timestamp(value: Any, name: str) -> pd.Timestamp:
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name}: not a timestamp: {value!r}") from None
    if ts is pd.NaT:
        raise ValueError(f"{name}: must be a timestamp, got NaT")
    if ts.tzinfo is not None:  # event times are UTC without a zone
        ts = ts.tz_convert("UTC").tz_localize(None)
    return ts.as_unit("ns")


def _last_seen_of_log(log: Any, as_of: Any) -> tuple[pd.Series, pd.Timestamp]:
    """Per customer the time of the last event at or before as_of (customers whose first event is later are
    left out), and as_of (default: the log's last event)."""
    table = log.customers()
    if len(table) == 0:
        raise ValueError("the log has no events")
    latest = table["last_seen"].max()
    ts = latest if as_of is None else _timestamp(as_of, "as_of")
    if ts >= latest:  # every event counts: the log's own customer table
        last = table.set_index("customer_id")["last_seen"]
    else:
        ev = log.to_pandas()[["customer_id", "time"]]
        ev = ev[ev["time"].to_numpy() <= ts.to_datetime64()]
        last = ev.groupby("customer_id", sort=True, observed=True)["time"].max()
    last.index.name = "customer_id"
    return last, ts


def _inactivity(last: pd.Series, as_of: pd.Timestamp, inactive_days: float) -> pd.DataFrame:
    ns = as_of.value - last.to_numpy(dtype="datetime64[ns]").view(np.int64)
    days = ns / _DAY_NS
    return pd.DataFrame({"last_seen": last.to_numpy(dtype="datetime64[ns]"), "days_inactive": days,
                         "churned_inactive": days > inactive_days}, index=last.index)


def _p_alive(model: Any, summary: pd.DataFrame) -> pd.Series:
    t_col = next((c for c in _T_NAMES if c in summary.columns), None)
    missing = [c for c in ("frequency", "recency") if c not in summary.columns] + ([] if t_col else ["T"])
    if missing:
        raise ValueError(f"the RFM summary has no column {', '.join(repr(m) for m in missing)} "
                         f"(expected frequency, recency, T as cxkit.clv.rfm_summary returns)")
    p = model.probability_alive(summary["frequency"].to_numpy(dtype=np.float64),
                                summary["recency"].to_numpy(dtype=np.float64),
                                summary[t_col].to_numpy(dtype=np.float64))
    return pd.Series(np.asarray(p, dtype=np.float64), index=summary.index, name="p_alive")


def churn_flags(data: Any, inactive_days: float | None = None, as_of: Any = None, *, model: Any = None,
                threshold: float = 0.5, freq: str = "W", freq_multiplier: float = 1) -> pd.DataFrame:
    """Which customers have churned, by inactivity and/or by a fitted CLV model's probability of being alive.

    Parameters
    ----------
    data : EventLog, or DataFrame
        An :class:`cxkit.EventLog` (every event counts as activity; the model uses its purchase events, as
        :func:`cxkit.clv.rfm_summary` does), a customer table with a ``last_seen`` column (such as
        ``log.customers()``; ids in ``customer_id`` or the index), or an RFM summary (``frequency``,
        ``recency``, ``T`` in the model's time unit, indexed by customer, as :func:`cxkit.clv.rfm_summary`
        returns) for the model rule alone.
    inactive_days : float, optional
        Inactivity rule: a customer has churned when ``as_of`` is more than ``inactive_days`` days after their last
        event (``days_inactive > inactive_days``).
    as_of : timestamp, optional
        The date of the assessment: events after it are ignored, and customers whose first event is later are
        left out (a customer table must have no ``last_seen`` after it). Default: the last event of the log (the
        latest ``last_seen`` of a customer table).
    model : fitted cxkit.clv model (BetaGeoModel, ParetoNBDModel, ModifiedBetaGeoModel, ...), optional
        Model rule: a customer has churned when P(alive) < ``threshold``. With an EventLog the RFM summary is
        computed at ``as_of`` with ``freq`` and ``freq_multiplier``, which must be the time unit the model was
        fitted in (default weeks).
    threshold : float
        P(alive) below which the model rule flags a customer (default 0.5).

    Returns
    -------
    DataFrame indexed by ``customer_id`` (sorted) with, for the inactivity rule, ``last_seen``,
    ``days_inactive`` and ``churned_inactive``; for the model rule ``p_alive`` and ``churned_model`` (missing,
    ``<NA>``, for a customer without purchases, whom the model cannot judge); and ``churned``: the one rule's
    flag, or with both rules True when either flags the customer (missing when one rule cannot judge and the
    other does not flag). Flags are pandas nullable booleans.

    Examples
    --------
    >>> import pandas as pd, cxkit
    >>> df = pd.DataFrame({"customer_id": [1, 1, 2],
    ...                    "time": pd.to_datetime(["2024-01-01", "2024-03-20", "2024-01-15"])})
    >>> flags = cxkit.retention.churn_flags(cxkit.EventLog.from_pandas(df), inactive_days=30,
    ...                                     as_of="2024-03-31")
    >>> flags["days_inactive"].tolist(), flags["churned"].tolist()
    ([11.0, 76.0], [False, True])
    """
    from ..core import EventLog

    if inactive_days is None and model is None:
        raise ValueError("churn_flags needs a rule: inactive_days=... (inactivity) and/or model=... (P(alive))")
    if inactive_days is not None and not (np.isfinite(inactive_days) and inactive_days >= 0):
        raise ValueError(f"inactive_days: must be a finite number >= 0, got {inactive_days!r}")
    if model is not None:
        if not hasattr(model, "probability_alive"):
            raise TypeError(f"model: expected a fitted cxkit.clv purchase model (BetaGeoModel, ParetoNBDModel, ...), "
                            f"got {type(model).__name__}")
        if not (0 < threshold < 1):
            raise ValueError(f"threshold: must be between 0 and 1, got {threshold!r}")

    parts: list[pd.DataFrame] = []
    if isinstance(data, EventLog):
        last, ts = _last_seen_of_log(data, as_of)
        if inactive_days is not None:
            parts.append(_inactivity(last, ts, inactive_days))
        if model is not None:
            from ..clv import rfm_summary

            ev = data.to_pandas()
            if "kind" not in ev.columns:
                raise ValueError("column 'kind': the EventLog has no event kinds, so no purchase events for the model")
            # purchases up to as_of itself (not to the end of its period), as lifetimes' summaries cut them
            buys = ev.loc[(ev["kind"] == "purchase").to_numpy() & (ev["time"].to_numpy() <= ts.to_datetime64()),
                          ["customer_id", "time"]]
            if len(buys) == 0:
                raise ValueError("the log has no purchase event (kind == 'purchase') at or before as_of")
            summary = rfm_summary(buys, freq=freq, observation_end=ts, freq_multiplier=freq_multiplier)
            p = _p_alive(model, summary).reindex(last.index)
            parts.append(p.to_frame())
    elif isinstance(data, pd.DataFrame):
        if inactive_days is not None:
            if "last_seen" not in data.columns:
                raise ValueError("inactive_days needs each customer's last activity: pass the EventLog or a customer "
                                 "table with a last_seen column (log.customers())")
            table = data.set_index("customer_id") if "customer_id" in data.columns else data
            last = pd.Series(pd.to_datetime(table["last_seen"]).to_numpy(dtype="datetime64[ns]"),
                             index=table.index, name="last_seen")
            bad = pd.isna(last.to_numpy())
            if bad.any():
                raise ValueError(f"column 'last_seen', row {int(np.argmax(bad))}: missing timestamp")
            ts = last.max() if as_of is None else _timestamp(as_of, "as_of")
            late = last.to_numpy() > ts.to_datetime64()
            if late.any():  # the table knows only the last activity, not whether there was any before as_of
                raise ValueError(f"column 'last_seen', row {int(np.argmax(late))}: after as_of; a customer table "
                                 f"only knows the last activity, pass the EventLog to assess an earlier date")
            last = last.sort_index()
            last.index.name = "customer_id"
            parts.append(_inactivity(last, ts, inactive_days))
        if model is not None:
            summary = data.set_index("customer_id") if "customer_id" in data.columns else data
            p = _p_alive(model, summary)
            p.index.name = "customer_id"
            parts.append(p.sort_index().to_frame())
    else:
        raise TypeError(f"churn_flags expects a cxkit.EventLog or a DataFrame, got {type(data).__name__}")

    out = parts[0] if len(parts) == 1 else parts[0].join(parts[1], how="outer")
    flags = []
    if "churned_inactive" in out.columns:
        out["churned_inactive"] = out["churned_inactive"].astype("boolean")
        flags.append(out["churned_inactive"])
    if "p_alive" in out.columns:
        churned = pd.array(out["p_alive"].to_numpy() < threshold, dtype="boolean")
        churned[np.isnan(out["p_alive"].to_numpy())] = pd.NA
        out["churned_model"] = churned
        flags.append(out["churned_model"])
    out["churned"] = flags[0] if len(flags) == 1 else flags[0] | flags[1]
    out.index.name = "customer_id"
    return out

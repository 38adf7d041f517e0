"""rfm_summary: per-customer frequency / recency / T / monetary value from a transaction log, as lifetimes does it."""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .. import _core

FREQS = ("D", "W", "M", "H", "h", "min", "s")


def _timestamp_ns(value: Any, name: str) -> int:
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError) as e:
        raise ValueError(f"{name}: cannot read {value!r} as a date/time ({e})") from None
    if ts is pd.NaT:
        raise ValueError(f"{name}: must be a date/time, got NaT")
    if ts.tz is not None:
        ts = ts.tz_localize(None)
    return int(ts.as_unit("ns").value)


def _time_ns(series: pd.Series, column: str) -> np.ndarray:
    s = series
    if not pd.api.types.is_datetime64_any_dtype(s):
        try:
            s = pd.to_datetime(s)
        except (TypeError, ValueError) as e:
            raise ValueError(f"column '{column}': cannot read the values as dates/times ({e})") from None
    if getattr(s.dt, "tz", None) is not None:
        s = s.dt.tz_localize(None)
    return s.to_numpy(dtype="datetime64[ns]").view(np.int64)  # NaT (int64 min) is refused by the C++ pass


def _customer_ids(cust: pd.Series, column: str) -> tuple[np.ndarray, Any]:
    """int64 ids for the C++ pass and how to turn its output ids into the index: integer ids go as they are (read
    in place when int64), other ids as codes of a sorted factorisation (the index takes the codes' values)."""
    if pd.api.types.is_integer_dtype(cust.dtype) and cust.dtype != np.uint64:
        if isinstance(cust.dtype, pd.api.extensions.ExtensionDtype) and cust.isna().any():
            raise ValueError(f"column '{column}', row {int(np.argmax(cust.isna().to_numpy()))}: customer id is "
                             "missing")
        return cust.to_numpy(dtype=np.int64), None
    codes, uniques = pd.factorize(cust, sort=True)
    if (codes < 0).any():
        raise ValueError(f"column '{column}', row {int(np.argmax(codes < 0))}: customer id is missing")
    return codes.astype(np.int64, copy=False), uniques


def _factorize(cust: pd.Series) -> tuple[np.ndarray, Any]:
    """Codes 0..n-1 in sorted order of the ids, and the sorted ids. Integer ids in a compact range are mapped by
    direct indexing (O(rows), no hashing); other ids go through pandas' hash factorisation."""
    if pd.api.types.is_integer_dtype(cust.dtype) and len(cust) > 0:
        a = cust.to_numpy(dtype=np.int64)
        lo, hi = int(a.min()), int(a.max())
        if hi - lo <= 4 * len(a) + 1_000_000:
            off = a - lo
            present = np.zeros(hi - lo + 1, dtype=bool)
            present[off] = True
            ids = np.flatnonzero(present)
            remap = np.cumsum(present, dtype=np.int64) - 1
            return remap[off], pd.Index(ids + lo, dtype=cust.dtype)
    return pd.factorize(cust, sort=True)


def _from_eventlog(log: Any, value: Any) -> tuple[pd.DataFrame, str, str, str | None]:
    df = log.to_pandas()
    if "kind" not in df.columns:
        raise ValueError("column 'kind': the EventLog has no event kinds, so no purchase events to summarise")
    keep = (df["kind"] == "purchase").to_numpy()
    val = None
    if value is not False and "value" in df.columns:
        val = "value"
        keep &= df["value"].notna().to_numpy()
    return df.loc[keep, ["customer_id", "time"] + ([val] if val else [])], "customer_id", "time", val


def rfm_summary(transactions: Any, customer: str = "customer_id", time: str = "time", value: str | None = None,
                freq: str = "W", observation_end: Any = None, calibration_end: Any = None,
                freq_multiplier: float = 1) -> pd.DataFrame:
    """Per-customer RFM summary of a transaction log, with the exact meaning of
    ``lifetimes.utils.summary_data_from_transaction_data`` (and ``calibration_and_holdout_data``).

    Time is cut into periods of ``freq`` (``"D"``, ``"W"`` = weeks Monday to Sunday as in pandas, ``"M"``, ``"H"``,
    ``"min"``, ``"s"``); purchases of one customer in the same period are merged into one.

    - ``frequency``: number of periods with a purchase after the first one (repeat purchases);
    - ``recency``: periods from the first to the last purchase; ``T``: periods from the first purchase to the end
      of observation (``observation_end``, default: the last transaction), both divided by ``freq_multiplier``
      (e.g. ``freq="D", freq_multiplier=7`` gives weeks with daily resolution);
    - ``monetary_value`` (when ``value`` names a column): the mean of the repeat periods' totals, 0 when
      ``frequency`` is 0.

    With ``calibration_end``, the summary describes the calibration period (transactions at or before
    ``calibration_end``; ``T`` runs to it), and three columns describe the holdout period (after
    ``calibration_end``, up to ``observation_end``): ``frequency_holdout`` (periods with a purchase),
    ``monetary_value_holdout`` (mean value of the holdout transactions, as lifetimes; with ``value``) and
    ``duration_holdout`` (periods from calibration end to observation end). Customers whose first purchase is
    in the holdout are left out, as in lifetimes. Unlike lifetimes, the calibration columns keep their plain names
    (``frequency``, ``recency``, ``T``, ``monetary_value``) so the result feeds the models directly.

    ``transactions`` is a DataFrame (columns named by ``customer``, ``time``, ``value``), a
    :class:`cxkit.EventLog`, or a :func:`cxkit.scan` (larger than memory: it needs each customer's events
    together, so the scan is partitioned by customer hash into temporary files and summarised one partition at a
    time; memory is bounded by one partition plus the result, one row per customer; no ``calibration_end``). An
    EventLog or a scan whose purchase events (``kind == "purchase"`` with a ``value``) are used, with their
    value as the monetary value (pass ``value=False`` to leave it out).

    Returns a float DataFrame indexed by customer id (sorted), one row per customer.

    The work is one C++ pass over int64 times and customer ids (integer ids as they are, other ids factorised
    first) on two threads with the GIL released; a bad row raises ValueError naming the column and the row.

    Examples
    --------
    >>> import pandas as pd, cxkit
    >>> tx = pd.DataFrame({"customer_id": [1, 1, 1, 2],
    ...                    "time": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-15", "2024-01-10"]),
    ...                    "value": [10.0, 5.0, 20.0, 7.0]})
    >>> cxkit.clv.rfm_summary(tx, value="value", observation_end="2024-01-31")
                 frequency  recency    T  monetary_value
    customer_id
    1                  1.0      2.0  4.0            20.0
    2                  0.0      0.0  3.0             0.0
    """
    from ..core import EventLog, Scan

    if freq not in FREQS:
        raise ValueError(f"freq: must be one of {', '.join(FREQS)}, got {freq!r}")
    if not (np.isfinite(freq_multiplier) and freq_multiplier > 0):
        raise ValueError(f"freq_multiplier: must be a finite number > 0, got {freq_multiplier!r}")
    if isinstance(transactions, Scan):
        return _rfm_of_scan(transactions, value, freq, observation_end, calibration_end, freq_multiplier)
    if isinstance(transactions, EventLog):
        transactions, customer, time, value = _from_eventlog(transactions, value)
    elif not isinstance(transactions, pd.DataFrame):
        raise TypeError(f"transactions: expected a pandas DataFrame or a cxkit.EventLog, got "
                        f"{type(transactions).__name__}")
    if value is False:
        value = None
    for role, col in (("customer", customer), ("time", time), ("value", value)):
        if col is not None and col not in transactions.columns:
            raise ValueError(f"column '{col}' ({role}=) is not in the transactions; columns are "
                             f"{list(transactions.columns)}")

    cust = transactions[customer]
    ns = _time_ns(transactions[time], time)
    ids, uniques = _customer_ids(cust, customer)
    val = None
    if value is not None:
        vcol = transactions[value]
        if pd.api.types.is_float_dtype(vcol.dtype) and not isinstance(vcol.dtype, pd.api.extensions.ExtensionDtype):
            val = vcol.to_numpy(dtype=np.float64)  # in place for float64; non-finite values refused in C++
        else:
            val = pd.to_numeric(vcol, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
            bad = ~np.isfinite(val)
            if bad.any():
                i = int(np.argmax(bad))
                raise ValueError(f"column '{value}', row {i}: must be a finite number, got {vcol.iloc[i]!r}")

    if len(ns) == 0:
        raise ValueError(f"column '{time}': there are no transactions to summarise")

    # One C++ pass (two threads, GIL released): periods, grouping by customer, per-customer summaries.
    # how errors name the columns (explicit keywords: a **dict would hide the argument types from mypy)
    vname = value or "value"
    if calibration_end is not None:
        cal_ns = _timestamp_ns(calibration_end, "calibration_end")
        obs_ns = int(ns.max()) if observation_end is None else _timestamp_ns(observation_end, "observation_end")
        if not ((ns > cal_ns) & (ns <= obs_ns)).any():
            raise ValueError("calibration_end/observation_end: no transaction falls after calibration_end and at or "
                             "before observation_end, so the holdout period is empty")
        g = _core.clv.summarize_transactions(ids, ns, val, freq=freq, end_ns=cal_ns, whole_end_period=False,
                                             holdout=True, holdout_end_ns=obs_ns, customer_name=customer,
                                             time_name=time, value_name=vname)
    else:
        end_ns = int(ns.max()) if observation_end is None else _timestamp_ns(observation_end, "observation_end")
        g = _core.clv.summarize_transactions(ids, ns, val, freq=freq, end_ns=end_ns, whole_end_period=True,
                                             customer_name=customer, time_name=time, value_name=vname)
    m = len(g["customer"])
    if m == 0:
        raise ValueError(f"column '{time}': no transaction falls at or before the end of observation")

    # The columns are rows of one (k, m) array: the DataFrame takes it as one block, without a copy.
    cols = ["frequency", "recency", "T"]
    if val is not None:
        cols.append("monetary_value")
    if calibration_end is not None:
        cols += ["frequency_holdout"] + (["monetary_value_holdout"] if val is not None else []) + ["duration_holdout"]
    out = np.empty((len(cols), m))
    row = dict(zip(cols, out))
    first = g["first"]
    np.subtract(g["periods"], 1, out=row["frequency"], casting="unsafe")
    np.subtract(g["last"], first, out=row["recency"], casting="unsafe")
    np.subtract(g["end_period"], first, out=row["T"], casting="unsafe")
    if freq_multiplier != 1:
        row["recency"] /= freq_multiplier
        row["T"] /= freq_multiplier
    if val is not None:
        f = row["frequency"]
        np.divide(g["repeat_value"], f, out=row["monetary_value"], where=f > 0)
        row["monetary_value"][f == 0] = 0.0
    if calibration_end is not None:
        row["frequency_holdout"][:] = g["holdout_periods"]
        if val is not None:
            cnt = g["holdout_rows"]
            mv = row["monetary_value_holdout"]
            mv[:] = 0.0
            np.divide(g["holdout_value"], cnt, out=mv, where=cnt > 0)
        row["duration_holdout"][:] = (g["holdout_end_period"] - g["end_period"]) / freq_multiplier

    if uniques is None:
        index = pd.Index(g["customer"], name=customer)
        if index.dtype != cust.dtype:
            index = index.astype(cust.dtype)
    else:
        index = uniques.take(g["customer"]) if isinstance(uniques, pd.Index) else pd.Index(uniques[g["customer"]])
        index = index.rename(customer)
    return pd.DataFrame(out.T, index=index, columns=cols, copy=False)


def _rfm_of_scan(scan: Any, value: Any, freq: str, observation_end: Any, calibration_end: Any,
                 freq_multiplier: float) -> pd.DataFrame:
    """rfm_summary of a cxkit.scan: per customer-hash partition (whole customers), with the scan's end of
    observation, concatenated (each customer is in one partition, so the rows are the in-memory rows)."""
    if calibration_end is not None:
        raise ValueError("calibration_end: not available for a scan; summarise the calibration and holdout "
                         "periods of an EventLog, or filter the scan's files by time")
    with scan.customer_partitions() as parts:
        end = observation_end
        if end is None:  # the last purchase of the whole scan: one more pass over the partitions
            last = [pd.Timestamp(tx[t].max()).value for tx, _, t, _ in (_from_eventlog(log, value) for log in parts) if len(tx)]
            if not last:
                raise ValueError("column 'time': there are no transactions to summarise")
            end = pd.Timestamp(max(last))
        out = []
        for log in parts:
            tx, c, t, v = _from_eventlog(log, value)
            if len(tx):
                out.append(rfm_summary(tx, c, t, v, freq=freq, observation_end=end,
                                       freq_multiplier=freq_multiplier))
    if not out:
        raise ValueError("column 'time': there are no transactions to summarise")
    return pd.concat(out).sort_index()

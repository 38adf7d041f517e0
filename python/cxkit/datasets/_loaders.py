"""Loaders for the real data sets shipped inside :mod:`cxkit.datasets.data`.

All files are read through :mod:`importlib.resources`, so they work from an
installed wheel, a zip import or a source checkout alike. Nothing is read
from outside the package.
"""

from __future__ import annotations

import importlib.resources as _resources
from typing import IO

import numpy as np
import pandas as pd

__all__ = [
    "load_cdnow",
    "load_cdnow_summary",
    "load_donations",
    "load_support_tickets",
    "EVENT_COLUMNS",
]

#: Canonical event columns of :class:`cxkit.EventLog`, in order.
EVENT_COLUMNS = [
    "customer_id",
    "time",
    "channel",
    "stage",
    "touchpoint",
    "kind",
    "value",
    "nps",
    "csat",
    "ces",
    "response_time",
    "fcr",
    "sentiment",
    "text",
]


def _open(name: str) -> IO[bytes]:
    """Open a packaged data file in binary mode."""
    # one joinpath per part: Traversable.joinpath takes a single child before Python 3.11 (e.g. zipfile.Path)
    return _resources.files("cxkit.datasets").joinpath("data").joinpath(name).open("rb")


def _to_ns(s: pd.Series) -> pd.Series:
    return s.astype("datetime64[ns]")


def load_cdnow(sample: bool = False) -> pd.DataFrame:
    """Load the CDNOW transaction log (CD purchases, 1997-01-01 to 1998-06-30).

    Parameters
    ----------
    sample : bool, default False
        ``False``: the full master file ``CDNOW_master.txt`` (69,659 purchases
        of 23,570 customers). ``True``: the 1/10 sample ``CDNOW_sample.txt``
        (6,919 purchases of 2,357 customers), the one used by Fader, Hardie &
        Lee (2005) and by the summaries of :func:`load_cdnow_summary`; its
        ``newID`` (1..2357) is used as ``customer_id`` so that the ids match
        the ``ID`` column of the summaries.

    Returns
    -------
    pandas.DataFrame
        Columns ``customer_id`` (int64), ``time`` (datetime64[ns], day
        resolution), ``cds`` (int64, number of CDs bought) and ``value``
        (float64, dollar value of the purchase), in file order (sorted by
        customer, then date). A customer can have several rows on one day.

    Examples
    --------
    >>> from cxkit.datasets import load_cdnow
    >>> df = load_cdnow()
    >>> df.shape, df["customer_id"].nunique()
    ((69659, 4), 23570)
    >>> load_cdnow(sample=True)["customer_id"].nunique()
    2357
    """
    if sample:
        with _open("CDNOW_sample.txt") as fh:
            raw = pd.read_csv(
                fh,
                sep=r"\s+",
                header=None,
                names=["master_id", "customer_id", "date", "cds", "value"],
                dtype={"master_id": "int64", "customer_id": "int64", "date": str,
                       "cds": "int64", "value": "float64"},
            )
    else:
        with _open("CDNOW_master.txt") as fh:
            raw = pd.read_csv(
                fh,
                sep=r"\s+",
                header=0,
                names=["customer_id", "date", "cds", "value"],
                dtype={"customer_id": "int64", "date": str, "cds": "int64",
                       "value": "float64"},
            )
    out = pd.DataFrame(
        {
            "customer_id": raw["customer_id"].astype("int64").to_numpy(),
            "time": _to_ns(pd.to_datetime(raw["date"], format="%Y%m%d")).to_numpy(),
            "cds": raw["cds"].astype("int64").to_numpy(),
            "value": raw["value"].astype("float64").to_numpy(),
        }
    )
    return out


def load_cdnow_summary(with_transactions: bool = False) -> pd.DataFrame:
    """Load the per-customer CDNOW summary of the 2,357-customer sample.

    Calibration period of 39 weeks (1997-01-01 to 1997-09-30), time in weeks.
    These are the inputs of the BG/NBD, Pareto/NBD, MBG/NBD and Gamma-Gamma
    reference fits of ``REFERENCES.md``.

    Parameters
    ----------
    with_transactions : bool, default False
        ``False``: ``cdnow_customers_summary.csv`` with columns ``frequency``
        (repeat purchases), ``recency`` (weeks from first to last purchase) and
        ``T`` (weeks from first purchase to the end of calibration).
        ``True``: ``cdnow_customers_summary_with_transactions.csv`` with the
        same quantities in Fader-Hardie notation ``x``, ``t_x``, ``T`` plus
        ``zbar`` (mean spend of the repeat purchases, 0 when ``x == 0``).
        The file has CRLF line ends and no final newline; both are handled.

    Returns
    -------
    pandas.DataFrame
        2,357 rows indexed by ``ID`` (int64, 1..2357, the sample's ``newID``);
        counts are int64, the rest float64.

    Examples
    --------
    >>> from cxkit.datasets import load_cdnow_summary
    >>> load_cdnow_summary().iloc[0].tolist()
    [2.0, 30.43, 38.86]
    >>> load_cdnow_summary(with_transactions=True).loc[1, "zbar"]
    np.float64(22.35)
    """
    name = (
        "cdnow_customers_summary_with_transactions.csv"
        if with_transactions
        else "cdnow_customers_summary.csv"
    )
    with _open(name) as fh:
        df = pd.read_csv(fh, index_col=0)
    df.index = df.index.astype("int64")
    df.index.name = "ID"
    for c in df.columns:
        if c in ("frequency", "x"):
            df[c] = df[c].astype("int64")
        else:
            df[c] = df[c].astype("float64")
    return df


def load_donations() -> pd.DataFrame:
    """Load the BG/BB donation data (Fader, Hardie & Shang 2010).

    Aggregated repeat-donation patterns of 11,104 first-time donors of 1995
    over the 6 following annual opportunities.

    Returns
    -------
    pandas.DataFrame
        22 rows, int64 columns ``frequency`` (repeat donations, 0..6),
        ``recency`` (year of the last donation, 0..6), ``periods`` (always 6)
        and ``weights`` (number of donors with that pattern; sums to 11,104).

    Examples
    --------
    >>> from cxkit.datasets import load_donations
    >>> d = load_donations()
    >>> len(d), int(d["weights"].sum())
    (22, 11104)
    """
    with _open("donations.csv") as fh:
        df = pd.read_csv(fh)
    return df.astype("int64")


_TICKET_DATE_COLS = ["Date of Purchase", "First Response Time", "Time to Resolution"]

_TICKET_CHANNEL_MAP = {
    "email": "email",
    "phone": "phone",
    "chat": "chat",
    "social media": "social",
}


def load_support_tickets(as_events: bool = False) -> pd.DataFrame:
    """Load 8,469 (synthetic) customer support tickets.

    The CSV has multi-line quoted free-text fields and synthetic names and
    e-mail addresses (treat them as PII in examples). 8,320 distinct e-mails.
    Status: 2,769 ``Closed``, 2,881 ``Pending Customer Response``, 2,819
    ``Open``; only closed tickets have a resolution time and a satisfaction
    rating (2,769 ratings, 1-5).

    Parameters
    ----------
    as_events : bool, default False
        ``False``: the raw table, all 17 columns with their original names;
        ``Date of Purchase``, ``First Response Time`` and ``Time to
        Resolution`` parsed to datetime64[ns] (NaT when missing).
        ``True``: the canonical cxkit event columns, one ``ticket`` event per
        ticket that has a first response (see the mapping below).

    Returns
    -------
    pandas.DataFrame
        Raw table (8,469 rows) or events (5,650 rows, 5,589 customers), the
        latter sorted by ``(customer_id, time)``.

    Notes
    -----
    Mapping used by ``as_events=True`` (the data set has no ticket-creation
    time and no contact count, so some CX fields cannot be derived honestly):

    - ``customer_id`` = ``Customer Email`` (a string; PII).
    - ``time`` = ``First Response Time``. The 2,819 ``Open`` tickets have no
      first response and hence no usable timestamp: they are **dropped**, so
      the event log holds 5,650 tickets (``Closed`` + ``Pending Customer
      Response``). Note all first responses fall within 2023-05-31 to
      2023-06-02, so the log spans about two days.
    - ``channel`` = ``Ticket Channel`` lower-cased and mapped to cxkit names:
      Email -> ``email``, Phone -> ``phone``, Chat -> ``chat``,
      Social media -> ``social``.
    - ``stage`` = ``"support"``, ``kind`` = ``"ticket"``,
      ``touchpoint`` = ``Ticket Type`` lower-cased with ``_`` for spaces
      (``refund_request``, ``technical_issue``, ``cancellation_request``,
      ``product_inquiry``, ``billing_inquiry``).
    - ``csat`` = ``Customer Satisfaction Rating`` (1-5, closed tickets only,
      NaN otherwise). ``nps``, ``ces``, ``value`` and ``sentiment`` are NaN
      (not in the data; score ``text`` with cxkit's sentiment tools).
    - ``text`` = ``Ticket Subject + ". " + Ticket Description`` with the
      template placeholder ``{product_purchased}`` replaced by ``Product
      Purchased``.
    - ``response_time`` = seconds from ``First Response Time`` to ``Time to
      Resolution``, i.e. the time **from first response to resolution**,
      *not* a first-response time (the creation time is not in the data).
      Only closed tickets have both stamps; 1,365 of the 2,769 give a
      negative difference (the synthetic stamps are inconsistent) and are set
      to NaN, leaving 1,404 non-missing values.
    - ``fcr`` = NaN for every ticket: a closed ticket is resolved, but the
      data do not say whether it took one contact or more, and the other
      tickets are not resolved, so first-contact resolution cannot be
      derived from this data set.

    Examples
    --------
    >>> from cxkit.datasets import load_support_tickets
    >>> load_support_tickets().shape
    (8469, 17)
    >>> ev = load_support_tickets(as_events=True)
    >>> len(ev), ev["customer_id"].nunique()
    (5650, 5589)
    """
    with _open("customer_support_tickets.csv") as fh:
        raw = pd.read_csv(fh)
    for c in _TICKET_DATE_COLS:
        raw[c] = _to_ns(pd.to_datetime(raw[c], format="%Y-%m-%d %H:%M:%S"
                                       if c != "Date of Purchase" else "%Y-%m-%d"))
    if not as_events:
        return raw

    t = raw[raw["First Response Time"].notna()].copy()
    first = t["First Response Time"]
    resol = t["Time to Resolution"]
    rt = (resol - first).dt.total_seconds()
    rt = rt.where(rt >= 0)

    channel = t["Ticket Channel"].str.strip().str.lower().map(_TICKET_CHANNEL_MAP)
    touchpoint = (
        t["Ticket Type"].str.strip().str.lower().str.replace(" ", "_", regex=False)
    )
    product = t["Product Purchased"].astype(object).fillna("product")
    desc = t["Ticket Description"].astype(object).fillna("")
    desc = [d.replace("{product_purchased}", p) for d, p in zip(desc, product)]
    text = [
        f"{s}. {d}" if isinstance(s, str) and s else d
        for s, d in zip(t["Ticket Subject"].astype(object), desc)
    ]
    n = len(t)
    nan = np.full(n, np.nan)
    ev = pd.DataFrame(
        {
            "customer_id": pd.Series(t["Customer Email"].to_numpy(dtype=object),
                                     dtype=object),
            "time": first.to_numpy(),
            "channel": pd.Categorical(channel.to_numpy(dtype=object)),
            "stage": pd.Categorical(np.full(n, "support", dtype=object)),
            "touchpoint": pd.Categorical(touchpoint.to_numpy(dtype=object)),
            "kind": pd.Categorical(np.full(n, "ticket", dtype=object)),
            "value": nan,
            "nps": nan.copy(),
            "csat": t["Customer Satisfaction Rating"].astype("float64").to_numpy(),
            "ces": nan.copy(),
            "response_time": rt.astype("float64").to_numpy(),
            "fcr": nan.copy(),
            "sentiment": nan.copy(),
            "text": pd.Series(np.array(text, dtype=object), dtype=object),
        }
    )
    ev = ev.sort_values(["customer_id", "time"], kind="stable").reset_index(drop=True)
    return ev[EVENT_COLUMNS]

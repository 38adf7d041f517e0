"""Scorecard speed, side by side in one run: cxkit vs idiomatic pandas vs a numpy memory-bandwidth floor.

    .venv/bin/python bench/scorecard.py [--customers 700000] [--repeat 3]

Builds a ~10M-event log with the simulator, then times the scorecard by channel and month three ways:
  cxkit   cxkit.scorecard(log, by="channel", period="M") (all KPIs, intervals, retention/churn, CLV)
  pandas  the same KPIs with idiomatic pandas groupby (what a data scientist would write)
  numpy   one numpy sum over each column the scorecard reads: a floor no implementation can beat by much
and prints the ratios (targets: cxkit >= 20x faster than pandas, within 5x of the numpy floor) and the memory of
the EventLog against the bytes of its columns (target <= 1.5x). Absolute times depend on the machine; ratios
measured in one run are what to compare.
"""
from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

import cxkit
from _timing import best_of  # noqa: E402  (bench/ is on sys.path when run as a script)




def pandas_scorecard(df: pd.DataFrame) -> pd.DataFrame:
    """The scorecard KPIs by channel and month with idiomatic pandas."""
    d = df.assign(month=df["time"].dt.to_period("M"))
    d["promoter"] = (d["nps"] >= 9).astype(float).where(d["nps"].notna())
    d["detractor"] = (d["nps"] <= 6).astype(float).where(d["nps"].notna())
    d["csat_top2"] = (d["csat"] >= 4).astype(float).where(d["csat"].notna())
    d["ces_agree"] = (d["ces"] >= 5).astype(float).where(d["ces"].notna())
    d["complaint"] = d["kind"] == "complaint"
    g = d.groupby(["channel", "month"], observed=True)
    card = g.agg(
        nps_n=("nps", "count"), promoters=("promoter", "sum"), detractors=("detractor", "sum"),
        csat=("csat_top2", "mean"), csat_n=("csat", "count"), ces=("ces", "mean"), ces_agree=("ces_agree", "mean"),
        fcr=("fcr", "mean"), response_time_mean=("response_time", "mean"),
        response_time_median=("response_time", "median"), complaints=("complaint", "sum"),
        sentiment=("sentiment", "mean"), customers=("customer_id", "nunique"), events=("customer_id", "size"),
        revenue=("value", "sum"),
    )
    card["response_time_p90"] = g["response_time"].quantile(0.9)
    card["nps"] = 100 * (card["promoters"] - card["detractors"]) / card["nps_n"]
    pp, pd_ = card["promoters"] / card["nps_n"], card["detractors"] / card["nps_n"]
    var = pp + pd_ - (pp - pd_) ** 2
    card["nps_se"] = 100 * np.sqrt(var / card["nps_n"])
    card["complaint_rate"] = card["complaints"] / card["customers"]
    # retention and churn per channel and month from customer activity
    act = d[["channel", "month", "customer_id"]].drop_duplicates()
    act["first"] = act.groupby(["channel", "customer_id"], observed=True)["month"].transform("min")
    act["prev"] = act["month"] - 1
    E = act.groupby(["channel", "month"], observed=True).size()
    N = act[act["month"] == act["first"]].groupby(["channel", "month"], observed=True).size()
    kept = act.merge(act[["channel", "customer_id", "month"]].rename(columns={"month": "prev"}),
                     on=["channel", "customer_id", "prev"])
    R = kept.groupby(["channel", "month"], observed=True).size()
    S = E.rename(index=lambda p: p + 1 if isinstance(p, pd.Period) else p, level="month")
    card["retention_rate"] = (E - N.reindex(E.index, fill_value=0)) / S.reindex(E.index)
    card["churn_rate"] = (S.reindex(E.index) - R.reindex(E.index, fill_value=0)) / S.reindex(E.index)
    return card


def numpy_floor(cols: list[np.ndarray]) -> float:
    return float(sum(np.sum(c) for c in cols))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--customers", type=int, default=700_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    t0 = time.perf_counter()
    df = cxkit.datasets.simulate(args.customers, seed=0)
    df = df.drop(columns=[c for c in ("text", "persona") if c in df.columns])
    print(f"simulated {len(df):,} events of {args.customers:,} customers in {time.perf_counter() - t0:.1f} s")

    t0 = time.perf_counter()
    log = cxkit.EventLog.from_pandas(df)
    build = time.perf_counter() - t0
    print(f"EventLog.from_pandas: {build:.2f} s; {log!r}")

    # the columns the scorecard reads, as the log holds them
    core = log._core
    cols = [core.customer(), core.time()] + [core.categorical(n)[0] for n in core.categorical_names()] + \
           [core.measure(n) for n in core.measure_names()]
    column_bytes = sum(c.nbytes for c in cols)

    t_cx, card = best_of(lambda: cxkit.scorecard(log, by="channel", period="M"), args.repeat)
    t_np, _ = best_of(lambda: numpy_floor(cols), args.repeat)
    t_pd, pcard = best_of(lambda: pandas_scorecard(df), max(1, args.repeat - 2))

    # the two agree (a benchmark of different answers would mean nothing)
    m = card.set_index(["channel", "period"]).sort_index()
    p = pcard.sort_index()
    p.index = p.index.set_names(["channel", "period"])
    for c in ("nps", "csat", "customers", "events", "response_time_p90", "retention_rate"):
        a = m[c].to_numpy(dtype=float)
        b = p[c].reindex(m.index).to_numpy(dtype=float) * (100 if c == "csat" else 1)
        assert np.allclose(a, b, equal_nan=True, rtol=1e-9, atol=1e-9), c

    print(f"\nscorecard by channel and month, {len(df):,} events, best after a warm-up over >= 5 runs and 0.5 s (bench/_timing.py):")
    print(f"  cxkit   {t_cx:8.3f} s  ({len(card)} rows, all KPIs)")
    print(f"  pandas  {t_pd:8.3f} s  (idiomatic groupby, same KPIs; results agree)")
    print(f"  numpy   {t_np:8.3f} s  (one sum per column: the memory-bandwidth floor)")
    print("ratios:")
    print(f"  pandas / cxkit       = {t_pd / t_cx:6.1f}x   (target >= 20x)")
    print(f"  cxkit / numpy floor  = {t_cx / t_np:6.2f}x   (target <= 5x)")
    print(f"  EventLog bytes / column bytes = {log.nbytes / column_bytes:5.2f}x   (target <= 1.5x; "
          f"{log.nbytes / 2**20:.0f} MiB for {column_bytes / 2**20:.0f} MiB of columns)")


if __name__ == "__main__":
    main()

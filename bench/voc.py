"""Voice of the customer and retention speed, side by side in one run: cxkit vs the peers users would otherwise use.

    .venv/bin/python bench/voc.py [--texts 1000000] [--durations 10000000] [--events 10000000] [--repeat 3]
                                  [--only sentiment|survival|cohorts] [--threads N]

  sentiment  cxkit.voc.sentiment of 1M short texts (the support-ticket sentences, cycled; both cores) vs the
             vaderSentiment package. The package is timed on a 20,000-text sample and extrapolated linearly to
             the full count (it scores one text at a time, so its time is linear in the number of texts).
  survival   cxkit.retention.kaplan_meier on 10M integer durations with censoring vs lifelines' KaplanMeierFitter
             (survival, exponential-Greenwood bounds and median), both timed in full.
  cohorts    cxkit.retention.cohorts(log, "M") on a 10M-event log vs the idiomatic pandas equivalent on the same
             events (to_period, drop_duplicates, first period per customer, groupby size), both timed in full;
             building the EventLog is not counted (it is built once and serves every analysis).
Prints each time (each side: best after a warm-up over >= 5 runs and 0.5 s, bench/_timing.py) and the ratios (targets: sentiment >= 100x, Kaplan-Meier >= 10x,
cohorts >= 20x). Absolute times depend on the machine (and its load); the ratios are measured in the same run.
"""
from __future__ import annotations

import argparse
import os
import re
import time

import numpy as np
import pandas as pd

import cxkit
from _timing import best_of  # noqa: E402  (bench/ is on sys.path when run as a script)




def short_texts(n: int) -> list[str]:
    t = cxkit.datasets.load_support_tickets()
    parts = []
    for col in ["Ticket Subject", "Ticket Description", "Resolution"]:
        for text in t[col].dropna():
            parts += [p.strip() for p in re.split(r"(?<=[.!?])\s+|\n+", text) if p.strip()]
    reps = -(-n // len(parts))
    return (parts * reps)[:n]


def bench_sentiment(n: int, repeat: int, sample: int = 20_000, threads: int | None = None) -> tuple[float, float]:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    texts = short_texts(n)
    mean_len = sum(map(len, texts[:100_000])) / min(n, 100_000)
    t_cx, df = best_of(lambda: cxkit.voc.sentiment(texts, threads=threads), repeat)
    c0 = time.process_time()
    cxkit.voc.sentiment(texts, threads=threads)
    cpu = time.process_time() - c0  # CPU seconds of all threads: tells a loaded machine from a slow scorer
    an = SentimentIntensityAnalyzer()
    sub = texts[:sample]
    t0 = time.perf_counter()
    ref = [an.polarity_scores(s) for s in sub]
    t_sample = time.perf_counter() - t0
    t_pkg = t_sample * n / len(sub)
    same = all(df.iloc[i]["compound"] == ref[i]["compound"] for i in range(0, len(sub), 97))
    used = f"{threads} thread(s)" if threads else "all threads"
    print(f"sentiment  {n:,} texts (mean {mean_len:.0f} chars), {os.cpu_count()} cores, {used}")
    print(f"  cxkit           {t_cx:8.3f} s   ({1e6 * t_cx / n:.2f} us/text; {cpu:.3f} s of CPU over all threads)")
    print(f"  vaderSentiment  {t_pkg:8.3f} s   (extrapolated: {t_sample:.2f} s for {len(sub):,} texts, "
          f"{1e6 * t_sample / len(sub):.1f} us/text)   same scores on the sample: {same}")
    print(f"  ratio           {t_pkg / t_cx:8.1f}x   (target >= 100x)")
    return t_cx, t_pkg


def bench_kaplan_meier(n: int, repeat: int) -> tuple[float, float]:
    from lifelines import KaplanMeierFitter

    rng = np.random.default_rng(1)
    d = rng.gamma(1.5, 200.0, n).round()  # days to churn
    e = (rng.random(n) < 0.7).astype(np.int8)
    t_cx, km = best_of(lambda: cxkit.retention.kaplan_meier(d, e), repeat)
    def with_lifelines():
        f = KaplanMeierFitter().fit(d, e)
        _ = f.confidence_interval_, f.median_survival_time_
        return f

    t_ll, ref = best_of(with_lifelines, repeat)  # the same rule on both sides: a warm-up, then the best run
    diff = np.abs(km.survival_function_["survival"].to_numpy() - ref.survival_function_.iloc[:, 0].to_numpy()).max()
    print(f"kaplan-meier  {n:,} durations ({len(km.survival_function_):,} distinct times)")
    print(f"  cxkit           {t_cx:8.3f} s")
    print(f"  lifelines       {t_ll:8.3f} s   (max |S difference| {diff:.1e})")
    print(f"  ratio           {t_ll / t_cx:8.1f}x   (target >= 10x)")
    return t_cx, t_ll


def pandas_cohorts(df: pd.DataFrame) -> pd.DataFrame:
    d = pd.DataFrame({"customer_id": df["customer_id"], "p": df["time"].dt.to_period("M")}).drop_duplicates()
    first = d.groupby("customer_id")["p"].transform("min")
    d["age"] = (d["p"].astype("int64") - first.astype("int64")).to_numpy()
    d["cohort"] = first
    counts = d.groupby(["cohort", "age"]).size().unstack(fill_value=0)
    return counts.div(counts[0], axis=0)


def bench_cohorts(n: int, repeat: int) -> tuple[float, float]:
    rng = np.random.default_rng(2)
    n_cust = max(1, n // 12)
    cust = rng.integers(0, n_cust, n)
    start = np.datetime64("2022-01-01", "ns").astype(np.int64)
    first = rng.integers(0, 600, n_cust) * 86_400 * 10**9  # acquisition day
    lag = (rng.exponential(120.0, n) * 86_400 * 10**9).astype(np.int64)
    t = start + first[cust] + lag
    df = pd.DataFrame({"customer_id": cust, "time": t.view("datetime64[ns]")})
    log = cxkit.EventLog.from_pandas(df, customer="customer_id", time="time")
    t_cx, c = best_of(lambda: cxkit.retention.cohorts(log, "M"), repeat)
    t0 = time.perf_counter()
    ref = pandas_cohorts(df)
    t_pd = time.perf_counter() - t0
    same = np.allclose(c.counts.div(c.sizes, axis=0).to_numpy(), ref.reindex(columns=c.counts.columns,
                                                                              fill_value=0).to_numpy())
    print(f"cohorts  {n:,} events, {n_cust:,} customers, monthly ({len(c.counts)} cohorts x {c.counts.shape[1]} ages)")
    print(f"  cxkit           {t_cx:8.3f} s")
    print(f"  pandas          {t_pd:8.3f} s   (same table: {same})")
    print(f"  ratio           {t_pd / t_cx:8.1f}x   (target >= 20x)")
    return t_cx, t_pd


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--texts", type=int, default=1_000_000)
    ap.add_argument("--durations", type=int, default=10_000_000)
    ap.add_argument("--events", type=int, default=10_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--only", choices=["sentiment", "survival", "cohorts"], help="run one part only")
    ap.add_argument("--threads", type=int, default=None, help="sentiment threads (default: one per core)")
    a = ap.parse_args()
    if a.only in (None, "sentiment"):
        bench_sentiment(a.texts, a.repeat, threads=a.threads)
    if a.only in (None, "survival"):
        bench_kaplan_meier(a.durations, a.repeat)
    if a.only in (None, "cohorts"):
        bench_cohorts(a.events, a.repeat)


if __name__ == "__main__":
    main()

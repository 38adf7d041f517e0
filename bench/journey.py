"""Journey speed, side by side in one run.

    .venv/bin/python bench/journey.py [--rows 1000000] [--customers 700000] [--ca-python /tmp/ca-venv/bin/python]
                                      [--ca-seeds 6] [--orders 1,2] [--ca-max-step 100]

1. Markov attribution on path rows in ChannelAttribution's format, order 1 (and 2): cxkit (exact, end to end
   from the DataFrame) vs ChannelAttribution's markov_model (simulation), run in its own environment
   (--ca-python; the ChannelAttribution package from PyPI). CA's noise: markov_model run with --ca-seeds seeds
   (the first run is the one timed); for every channel with more than 1% of the credit, is cxkit's exact credit
   within CA's own seed-to-seed spread (min..max over the seeds), and how many seed sds from CA's mean.
   CA cuts simulated journeys at the longest observed path by default, which counts cut journeys as lost and
   pulls its estimates away from the exact chain's; the noise is measured again with --ca-max-step (100), long
   enough for the journeys to end.
2. Paths + transitions + funnel on a ~10M-event simulated log: cxkit vs the idiomatic pandas equivalent.
3. Relative weights, 30 drivers x 1M rows (target: under 1 s).
Prints the ratios; absolute times depend on the machine.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile

import numpy as np
import pandas as pd

import cxkit
from cxkit.journey import Paths
from _timing import best_of  # noqa: E402  (bench/ is on sys.path when run as a script)

CA_SCRIPT = r"""
import json, sys, time
import pandas as pd
from ChannelAttribution import markov_model
path, order, seeds, max_step = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
# markov_model runs nfold = 10 simulations seeded seed, seed + 1, ... seed + 9 and reports the one nearest their
# median: consecutive seeds share most of those runs (and often report the very same one), so the seeds used
# for the noise are 1000 apart, giving independent estimates.
df = pd.read_parquet(path) if path.endswith(".parquet") else pd.read_csv(path)
extra = {"max_step": max_step} if max_step > 0 else {}
runs, times = [], []
for seed in range(0, 1000 * seeds, 1000):
    t0 = time.perf_counter()
    res = markov_model(df, "path", "total_conversions", var_null="total_null", order=order, sep=">", verbose=0,
                       out_more=True, seed=seed, **extra)
    times.append(time.perf_counter() - t0)
    credits = res["result"] if isinstance(res, dict) else res
    runs.append(credits.set_index("channel_name")["total_conversions"].to_dict())
# bench/_timing.py's rule: the first run is the warm-up, the best of the others (>= 5 of >= 1 s each) is the time
print(json.dumps({"seconds": min(times[1:]) if len(times) > 1 else times[0], "runs": runs}))
"""


def gen_paths(rows: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    channels = np.array(["search", "social", "email", "display", "affiliate", "direct", "tv", "radio", "sms", "app"])
    pop = np.array([0.22, 0.18, 0.14, 0.12, 0.08, 0.1, 0.05, 0.03, 0.04, 0.04])
    lengths = rng.integers(1, 7, rows)
    codes = rng.choice(len(channels), lengths.sum(), p=pop)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    paths = [" > ".join(channels[codes[s:s + n]]) for s, n in zip(starts, lengths)]
    has_email = np.array(["email" in p for p in paths])
    conv = rng.poisson(np.where(has_email, 2.0, 0.6))
    null = rng.poisson(3.0, rows)
    return pd.DataFrame({"path": paths, "total_conversions": conv, "total_null": null})


def run_ca(data: str, order: int, seeds: int, max_step: int, ca_python: str) -> dict:
    with tempfile.TemporaryDirectory() as d:
        script = os.path.join(d, "ca.py")
        with open(script, "w") as f:
            f.write(CA_SCRIPT)
        out = subprocess.run([ca_python, script, data, str(order), str(seeds), str(max_step)], capture_output=True,
                             text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def noise_report(cx: pd.Series, runs: list[dict], label: str) -> None:
    """Per channel with > 1% of the credit: cxkit's exact credit against CA's seed-to-seed spread."""
    ca = pd.DataFrame(runs).reindex(columns=cx.index)  # seeds x channels
    total = cx.sum()
    lo, hi, mean, sd = ca.min(), ca.max(), ca.mean(), ca.std(ddof=1)
    print(f"   {label}: CA over {len(ca)} seeds vs cxkit exact, channels with > 1% of the credit")
    print(f"     {'channel':<10} {'cxkit':>11} {'CA mean':>11} {'CA min':>11} {'CA max':>11} {'CA sd':>8} "
          f"{'z':>6}  within spread")
    inside = 0
    big = cx[cx / total > 0.01].sort_values(ascending=False)
    for ch, v in big.items():
        ok = bool(lo[ch] <= v <= hi[ch])
        inside += ok
        z = (v - mean[ch]) / sd[ch] if sd[ch] > 0 else float("nan")
        print(f"     {ch:<10} {v:11.1f} {mean[ch]:11.1f} {lo[ch]:11.1f} {hi[ch]:11.1f} {sd[ch]:8.1f} {z:+6.1f}  "
              f"{'yes' if ok else 'NO'}")
    print(f"   -> {inside} of {len(big)} channels within CA's seed-to-seed spread; "
          f"largest |cxkit - CA mean| = {((big - mean[big.index]).abs() / total).max():.3%} of all conversions")


def bench_markov(rows: int, ca_python: str | None, orders: list[int], seeds: int, max_step: int) -> None:
    df = gen_paths(rows)
    have_ca = bool(ca_python) and os.path.exists(ca_python)
    with tempfile.TemporaryDirectory() as d:
        data = os.path.join(d, "paths.csv")
        if have_ca:
            df.to_csv(data, index=False)
        for order in orders:
            t_cx, res = best_of(lambda: cxkit.journey.attribution.markov(Paths.from_pandas(df), order=order))
            print(f"\n1. Markov attribution, order {order}, {rows:,} path rows (ChannelAttribution format)")
            print(f"   cxkit (exact, from the DataFrame): {t_cx:.3f} s")
            if not have_ca:
                print("   ChannelAttribution: not measured (pass --ca-python, the python of an environment with "
                      "`pip install ChannelAttribution`)")
                continue
            ca = run_ca(data, order, seeds, 0, ca_python)
            print(f"   ChannelAttribution markov_model (simulation, its defaults, seed 0): {ca['seconds']:.3f} s")
            target = "   (target >= 10x)" if order == 1 else ""
            print(f"   ratio ChannelAttribution / cxkit = {ca['seconds'] / t_cx:.1f}x{target}")
            noise_report(res.credits["conversions"], ca["runs"], f"order {order}, CA defaults")
            if max_step > 0:
                ca = run_ca(data, order, seeds, max_step, ca_python)
                noise_report(res.credits["conversions"], ca["runs"],
                             f"order {order}, CA with max_step={max_step} (journeys not cut short)")


def pandas_paths_transitions_funnel(df: pd.DataFrame, steps: list[str]):
    d = df[["customer_id", "time", "channel", "kind"]]
    first_conv = d[d["kind"] == "purchase"].groupby("customer_id")["time"].min()
    d = d[d["channel"].notna()]
    d = d[d["time"] < d["customer_id"].map(first_conv).fillna(pd.Timestamp.max)]
    paths = d.groupby("customer_id")["channel"].agg(lambda s: " > ".join(s.astype(str)))
    conv = paths.index.isin(first_conv.index)
    table = pd.DataFrame({"path": paths.to_numpy(), "conv": conv}).groupby("path")["conv"].agg(["sum", "size"])
    g = d.groupby("customer_id")
    nxt, dt = g["channel"].shift(-1), g["time"].shift(-1) - d["time"]
    trans = pd.DataFrame({"from": d["channel"], "to": nxt, "dt": dt}).groupby(["from", "to"], observed=True)["dt"] \
        .agg(["size", "median"])
    reached, median_next = [], []
    cur, prev = d, None
    for i, step in enumerate(steps):  # closed funnel: time of reaching each step in order
        hit = cur[cur["channel"] == step].groupby("customer_id")["time"].min()
        reached.append(len(hit))
        if prev is not None:
            median_next.append((hit - prev.reindex(hit.index)).median())
        prev = hit
        cur = d[d["time"] > d["customer_id"].map(hit)] if i + 1 < len(steps) else cur
    return table, trans, reached


def bench_paths(customers: int) -> None:
    df = cxkit.datasets.simulate(customers, seed=0).drop(columns=["text"])
    log = cxkit.EventLog.from_pandas(df)
    steps = ["social", "web", "email"]
    def cx():
        p = cxkit.journey.paths(log, by="channel")
        return p, p.transitions(), p.funnel(steps)

    t_cx, (p, tr, fu) = best_of(cx)
    t_pd, (table, trans, reached) = best_of(lambda: pandas_paths_transitions_funnel(df, steps))
    print(f"\n2. paths + transitions + funnel (counts and median times), {len(df):,} events of {customers:,} customers")
    print(f"   cxkit  {t_cx:.3f} s   pandas {t_pd:.3f} s   ratio pandas / cxkit = {t_pd / t_cx:.1f}x   (target >= 20x)")
    print(f"   (distinct paths: cxkit {len(p):,}, pandas {len(table):,}; funnel cxkit {fu['customers'].tolist()}, "
          f"pandas {reached})")


def bench_drivers() -> None:
    rng = np.random.default_rng(1)
    X = rng.normal(size=(1_000_000, 30)) + 0.3 * rng.normal(size=(1_000_000, 1))
    y = X @ rng.normal(size=30) + rng.normal(size=1_000_000)
    t, _ = best_of(lambda: cxkit.journey.drivers.relative_importance(X, y, n_boot=0))
    print(f"\n3. relative weights, 30 drivers x 1,000,000 rows: {t:.3f} s   (target < 1 s)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--customers", type=int, default=700_000)
    ap.add_argument("--ca-python", default="/tmp/ca-venv/bin/python")
    ap.add_argument("--ca-seeds", type=int, default=6, help="ChannelAttribution runs (seeds 0..n-1) for its noise")
    ap.add_argument("--orders", default="1,2", help="Markov orders to compare, e.g. 1 or 1,2")
    ap.add_argument("--ca-max-step", type=int, default=100,
                    help="also measure CA's noise with this max_step (0: only with its default, the longest "
                         "observed path)")
    args = ap.parse_args()
    if args.ca_seeds < 2:
        ap.error("--ca-seeds must be at least 2 to measure a spread")
    bench_markov(args.rows, args.ca_python, [int(o) for o in args.orders.split(",")], args.ca_seeds, args.ca_max_step)
    bench_paths(args.customers)
    bench_drivers()


if __name__ == "__main__":
    main()

"""Journey speed, side by side in one run.

    .venv/bin/python bench/journey.py [--rows 1000000] [--customers 700000] [--ca-python /tmp/ca-venv/bin/python]

1. Markov attribution, order 1, on path rows in ChannelAttribution's format: cxkit (exact, end to end from the
   DataFrame) vs ChannelAttribution's markov_model (simulation), run in its own environment (--ca-python; the
   ChannelAttribution package from PyPI). Also checks the credits agree within that package's simulation noise.
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
import time

import numpy as np
import pandas as pd

import cxkit
from cxkit.journey import Paths

CA_SCRIPT = r"""
import json, sys, time
import pandas as pd
from ChannelAttribution import markov_model
df = pd.read_parquet(sys.argv[1]) if sys.argv[1].endswith(".parquet") else pd.read_csv(sys.argv[1])
t0 = time.perf_counter()
res = markov_model(df, "path", "total_conversions", var_null="total_null", order=1, sep=">", verbose=0, out_more=True)
t = time.perf_counter() - t0
credits = res["result"] if isinstance(res, dict) else res
credits = credits.set_index("channel_name")["total_conversions"].to_dict()
print(json.dumps({"seconds": t, "credits": credits}))
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


def bench_markov(rows: int, ca_python: str | None) -> None:
    df = gen_paths(rows)
    t0 = time.perf_counter()
    res = cxkit.attribution.markov(Paths.from_pandas(df))
    t_cx = time.perf_counter() - t0
    print(f"\n1. Markov attribution, order 1, {rows:,} path rows (ChannelAttribution format)")
    print(f"   cxkit (exact, from the DataFrame): {t_cx:.3f} s")
    if not ca_python or not os.path.exists(ca_python):
        print("   ChannelAttribution: not measured (pass --ca-python, the python of an environment with "
              "`pip install ChannelAttribution`)")
        return
    with tempfile.TemporaryDirectory() as d:
        data, script = os.path.join(d, "paths.csv"), os.path.join(d, "ca.py")
        df.to_csv(data, index=False)
        with open(script, "w") as f:
            f.write(CA_SCRIPT)
        out = subprocess.run([ca_python, script, data], capture_output=True, text=True, check=True)
    ca = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"   ChannelAttribution markov_model (simulation): {ca['seconds']:.3f} s")
    print(f"   ratio ChannelAttribution / cxkit = {ca['seconds'] / t_cx:.1f}x   (target >= 10x)")
    total = res.credits["conversions"].sum()
    print("   credits (channel: cxkit exact / ChannelAttribution simulated):")
    for ch, v in res.credits["conversions"].sort_values(ascending=False).items():
        other = ca["credits"].get(ch, float("nan"))
        print(f"     {ch:<10} {v:12.1f} {other:12.1f}  ({(other - v) / total:+.3%} of all conversions)")


def pandas_paths_transitions_funnel(df: pd.DataFrame, steps: list[str]):
    d = df[["customer_id", "time", "channel", "kind"]]
    first_conv = d[d["kind"] == "purchase"].groupby("customer_id")["time"].min()
    d = d[d["channel"].notna()]
    d = d[d["time"] < d["customer_id"].map(first_conv).fillna(pd.Timestamp.max)]
    paths = d.groupby("customer_id")["channel"].agg(lambda s: " > ".join(s.astype(str)))
    conv = paths.index.isin(first_conv.index)
    table = pd.DataFrame({"path": paths.to_numpy(), "conv": conv}).groupby("path")["conv"].agg(["sum", "size"])
    nxt = d.groupby("customer_id")["channel"].shift(-1)
    trans = pd.DataFrame({"from": d["channel"], "to": nxt}).value_counts()
    reached = []
    cur = d
    for i, step in enumerate(steps):  # closed funnel: time of reaching each step in order
        hit = cur[cur["channel"] == step].groupby("customer_id")["time"].min()
        reached.append(len(hit))
        cur = d[d["time"] > d["customer_id"].map(hit)] if i + 1 < len(steps) else cur
    return table, trans, reached


def bench_paths(customers: int) -> None:
    df = cxkit.datasets.simulate(customers, seed=0).drop(columns=["text"])
    log = cxkit.EventLog.from_pandas(df)
    steps = ["social", "web", "email"]
    t0 = time.perf_counter()
    p = cxkit.journey.paths(log, by="channel")
    tr = p.transitions()
    fu = p.funnel(steps)
    t_cx = time.perf_counter() - t0
    t0 = time.perf_counter()
    table, trans, reached = pandas_paths_transitions_funnel(df, steps)
    t_pd = time.perf_counter() - t0
    print(f"\n2. paths + transitions + funnel, {len(df):,} events of {customers:,} customers")
    print(f"   cxkit  {t_cx:.3f} s   pandas {t_pd:.3f} s   ratio pandas / cxkit = {t_pd / t_cx:.1f}x   (target >= 20x)")
    print(f"   (distinct paths: cxkit {len(p):,}, pandas {len(table):,}; funnel cxkit {fu['customers'].tolist()}, "
          f"pandas {reached})")


def bench_drivers() -> None:
    rng = np.random.default_rng(1)
    X = rng.normal(size=(1_000_000, 30)) + 0.3 * rng.normal(size=(1_000_000, 1))
    y = X @ rng.normal(size=30) + rng.normal(size=1_000_000)
    t0 = time.perf_counter()
    cxkit.drivers.relative_importance(X, y, n_boot=0)
    t = time.perf_counter() - t0
    print(f"\n3. relative weights, 30 drivers x 1,000,000 rows: {t:.3f} s   (target < 1 s)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--customers", type=int, default=700_000)
    ap.add_argument("--ca-python", default="/tmp/ca-venv/bin/python")
    args = ap.parse_args()
    bench_markov(args.rows, args.ca_python)
    bench_paths(args.customers)
    bench_drivers()


if __name__ == "__main__":
    main()

"""Peak memory of EventLog.from_pandas beyond the finished log (issue 12, "pathological cost").

Builds a frame of N events (int64 customer ids, datetime64[ns] times, a 4-way categorical channel, a float64
value and a sparse float64 NPS), then measures the process's peak RSS during from_pandas, relative to the RSS
just before it. "extra" = peak - before - log.nbytes: what the build needed beyond the log it returns. Target:
extra < 0.5 * log.nbytes, for sorted and unsorted input alike.

    python bench/eventlog_memory.py 50000000          # one run per ordering, in fresh processes
Not a test: it needs several GB and a quiet machine. Linux only (/proc/self/clear_refs resets the peak).
"""
from __future__ import annotations

import gc
import subprocess
import sys


def _status(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(field)


def run(n: int, sort: bool) -> None:
    import numpy as np
    import pandas as pd

    import cxkit

    rng = np.random.default_rng(7)
    cust = rng.integers(0, max(1, n // 50), n)
    if sort:
        cust.sort()
    df = pd.DataFrame({
        "customer_id": cust,
        "time": pd.Timestamp("2024-01-01") + pd.to_timedelta(np.arange(n) % 86_400_000, unit="s"),
        "channel": pd.Categorical.from_codes(rng.integers(0, 4, n).astype(np.int8), ["web", "phone", "store", "chat"]),
        "value": rng.gamma(2.0, 30.0, n),
        "nps": np.where(rng.random(n) < 0.3, rng.integers(0, 11, n), np.nan),
    })
    del cust
    gc.collect()
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # reset the peak (VmHWM) to the current RSS
    before = _status("VmRSS")
    log = cxkit.EventLog.from_pandas(df)
    peak = _status("VmHWM")
    size = log.nbytes
    extra = peak - before - size
    gib = 2.0**30
    print(f"n={n:,} {'sorted' if sort else 'unsorted'}: log {size / gib:.2f} GiB, build peak above the frame "
          f"{(peak - before) / gib:.2f} GiB, beyond the log {extra / gib:.2f} GiB = {extra / size:.0%} of the log")


if __name__ == "__main__":
    if len(sys.argv) > 2:
        run(int(sys.argv[1]), sys.argv[2] == "sorted")
    else:
        n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000_000
        for order in ("sorted", "unsorted"):
            subprocess.run([sys.executable, __file__, str(n), order], check=True)

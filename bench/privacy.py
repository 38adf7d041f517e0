"""Privacy speed, side by side in one run: cxkit vs the plain Python route a user would otherwise write.

    .venv/bin/python bench/privacy.py [--ids 10000000] [--texts 1000000] [--only pseudonymise|redact]

  pseudonymise  cxkit.privacy.pseudonymise of 10M customer ids (a pyarrow string column, as from Parquet or
                EventLog ingest) vs hashlib.blake2b(id, key=key, digest_size=16).hexdigest() in a list
                comprehension (the same function, so the results are checked equal first). hashlib is timed on a
                1M-id sample and extrapolated linearly (one hash per id: linear).
  redact        cxkit.privacy.redact of 1M support-ticket texts (the 8,469 shipped tickets, cycled) with the
                row's customer name vs the `re` module: one compiled pattern each for e-mail, card (with a Luhn
                check in Python), phone, and the row's name. `re` is timed on a 100,000-text sample and
                extrapolated linearly.
Both sides follow bench/_timing.py (a warm-up, then the best of >= 5 runs and 0.5 s). Targets: >= 10x each.
"""
from __future__ import annotations

import argparse
import hashlib
import re

import numpy as np
import pyarrow as pa

import cxkit
from cxkit import privacy
from _timing import best_of  # noqa: E402  (bench/ is on sys.path when run as a script)

KEY = bytes(range(32))


def bench_pseudonymise(n: int) -> None:
    rng = np.random.default_rng(0)
    ids = pa.array([f"C{v:09d}" for v in rng.integers(0, 10**9, n)])
    sample_n = min(n, 1_000_000)
    sample = ids.slice(0, sample_n).to_pylist()

    def with_hashlib() -> list[str]:
        return [hashlib.blake2b(i.encode(), key=KEY, digest_size=16).hexdigest() for i in sample]

    assert privacy.pseudonymise(ids.slice(0, 10_000), KEY).to_pylist() == with_hashlib()[:10_000] or \
        privacy.pseudonymise(sample[:10_000], KEY) == with_hashlib()[:10_000]
    t_cx, _ = best_of(lambda: privacy.pseudonymise(ids, KEY))
    t_py, _ = best_of(with_hashlib)
    t_py *= n / sample_n
    print(f"pseudonymise {n:,} ids: hashlib loop {t_py:.2f} s (from {sample_n:,}), cxkit {t_cx:.3f} s, "
          f"ratio {t_py / t_cx:.1f}x (target >= 10x)")


EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
CARD = re.compile(r"(?<![\w])(?:\d[ -]?){12,18}\d(?![\w])")
PHONE = re.compile(r"(?<![\w])(?:\+\d[\d ().-]{5,}\d|\d{10,15})(?![\w])")


def luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        v = int(ch)
        if i % 2:
            v = v * 2 - 9 if v > 4 else v * 2
        total += v
    return total % 10 == 0


def redact_re(text: str, name: str) -> str:
    text = EMAIL.sub("[email]", text)
    text = CARD.sub(lambda m: "[card]" if luhn(re.sub(r"\D", "", m.group())) else m.group(), text)
    text = PHONE.sub("[phone]", text)
    words = [re.escape(w) for w in sorted([name, *name.split()], key=len, reverse=True) if len(w) >= 2]
    if words:
        text = re.sub(r"(?<![\w])(?:" + "|".join(words) + r")(?![\w])", "[name]", text, flags=re.I)
    return text


def bench_redact(n: int) -> None:
    t = cxkit.datasets.load_support_tickets()
    reps = -(-n // len(t))
    texts = pa.array(np.tile(t["Ticket Description"].to_numpy(), reps)[:n])
    names = pa.array(np.tile(t["Customer Name"].to_numpy(), reps)[:n])
    sample_n = min(n, 100_000)
    st, sn = texts.slice(0, sample_n).to_pylist(), names.slice(0, sample_n).to_pylist()
    out, counts = privacy.redact(texts.slice(0, 8469), names=names.slice(0, 8469))
    ref = [redact_re(a, b) for a, b in zip(st[:8469], sn[:8469])]
    same = sum(a == b for a, b in zip(out.to_pylist(), ref))
    print(f"  check: {same:,} of 8,469 tickets redacted identically by both ({counts})")
    t_cx, _ = best_of(lambda: privacy.redact(texts, names=names))
    t_py, _ = best_of(lambda: [redact_re(a, b) for a, b in zip(st, sn)])
    t_py *= n / sample_n
    print(f"redact {n:,} ticket texts: re module {t_py:.2f} s (from {sample_n:,}), cxkit {t_cx:.3f} s, "
          f"ratio {t_py / t_cx:.1f}x (target >= 10x)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--ids", type=int, default=10_000_000)
    ap.add_argument("--texts", type=int, default=1_000_000)
    ap.add_argument("--only", choices=["pseudonymise", "redact"])
    a = ap.parse_args()
    if a.only in (None, "pseudonymise"):
        bench_pseudonymise(a.ids)
    if a.only in (None, "redact"):
        bench_redact(a.texts)


if __name__ == "__main__":
    main()

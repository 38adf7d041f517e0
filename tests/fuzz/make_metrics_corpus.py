"""Writes the hostile inputs of issue 12 for the metrics states to tests/fuzz/corpus/<state>/ (each must be refused
with ValueError; tests/python/test_metrics_untrusted.py replays them). Run from anywhere: python make_metrics_corpus.py"""
from __future__ import annotations

import pathlib
import struct

CORPUS = pathlib.Path(__file__).resolve().parent / "corpus"


def s(b: bytes | str) -> bytes:
    if isinstance(b, str):
        b = b.encode()
    return struct.pack("<Q", len(b)) + b


def header(tag: bytes | str, version: int = 1) -> bytes:
    return s(tag) + struct.pack("<I", version)


def u64(*v: int) -> bytes:
    return b"".join(struct.pack("<Q", x) for x in v)


def i64(*v: int) -> bytes:
    return b"".join(struct.pack("<q", x) for x in v)


def f64(*v: float) -> bytes:
    return b"".join(struct.pack("<d", x) for x in v)


def vec_u64(v: list[int]) -> bytes:
    return u64(len(v)) + u64(*v)


def vec_i64(v: list[int]) -> bytes:
    return u64(len(v)) + i64(*v)


def vec_f64(v: list[float]) -> bytes:
    return u64(len(v)) + f64(*v)


BIG = 2**63
INF = float("inf")


def kpi(events: int = 1, nps: tuple[int, int, int] = (0, 0, 0), complaints: tuple[int, int] | None = None,
        revenue: float = 0.0) -> bytes:
    c = complaints if complaints is not None else (0, events)
    parts = [header("CustomerSet") + vec_u64([]), header("NpsState") + u64(*nps), header("CsatState") + u64(0, 0, 0, 0, 0),
             header("CesState") + u64(*[0] * 7), header("FcrState") + u64(0, 0),
             header("ResponseTimeState") + vec_f64([]) + f64(0.0), header("MeanState") + u64(0) + f64(0.0, 0.0),
             header("ComplaintState") + u64(*c)]
    return header("KpiState") + u64(events) + f64(revenue) + b"".join(s(p) for p in parts)


def activity(keys: list[int], periods: list[int]) -> bytes:
    return header("ActivityState") + vec_u64(keys) + vec_i64(periods)


def scorecard(cols: list[str], period: int, act_period: int, cells: list[tuple[int, bytes, int, bytes]],
              acts: list[tuple[int, bytes, bytes]]) -> bytes:
    b = header("ScorecardState") + u64(len(cols)) + b"".join(s(c) for c in cols)
    b += struct.pack("<ii", period, act_period) + u64(len(cells))
    for has, label, p, k in cells:
        b += bytes([has]) + s(label) + i64(p) + s(k)
    b += u64(len(acts))
    for has, label, a in acts:
        b += bytes([has]) + s(label) + s(a)
    return b


CASES: dict[str, dict[str, bytes]] = {
    "NpsState": {
        "version_0": header("NpsState", 0) + u64(1, 2, 3),
        "non_utf8_tag": header(b"\xff\xfeNps") + u64(1, 2, 3),
        "sum_overflows": header("NpsState") + u64(BIG, BIG, 0),
    },
    "CsatState": {"sum_overflows": header("CsatState") + u64(BIG, 0, 0, 0, BIG)},
    "CesState": {"sum_overflows": header("CesState") + u64(0, 0, BIG, 0, 0, 0, BIG)},
    "FcrState": {"fcr_above_100": header("FcrState") + u64(3, 5)},
    "ComplaintState": {"complaints_above_events": header("ComplaintState") + u64(9, 2)},
    "ResponseTimeState": {
        "negative": header("ResponseTimeState") + vec_f64([5.0, -2.0]) + f64(3.0),
        "infinite": header("ResponseTimeState") + vec_f64([5.0, INF]) + f64(INF),
        "wrong_sum": header("ResponseTimeState") + vec_f64([1.0, 2.0]) + f64(50.0),
    },
    "MeanState": {
        "sum_without_values": header("MeanState") + u64(0) + f64(1.0, 1.0),
        "negative_sum_sq": header("MeanState") + u64(2) + f64(0.0, -1.0),
    },
    "CustomerSet": {"duplicate_keys": header("CustomerSet") + vec_u64([3, 3])},
    "ActivityState": {
        # 73 bytes: one customer in period 0 and period 2^24 - 2; by_period() once allocated 4.3 GB.
        "by_period_4GB": activity([1, 1], [0, 2**24 - 2]),
        "duplicate_pairs": activity([1, 1], [4, 4]),
    },
    "KpiState": {
        "more_answers_than_events": kpi(events=1, nps=(2, 0, 0)),
        "complaints_not_events": kpi(events=3, complaints=(0, 1)),
        "infinite_revenue": kpi(revenue=INF),
    },
    "ScorecardState": {
        "duplicate_cells": scorecard(["channel"], 3, 3, [(1, b"web", 24290, kpi())] * 2, []),
        "non_utf8_label": scorecard(["channel"], 3, 3, [(1, b"w\xffb", 24290, kpi())], []),
        "empty_column_name": scorecard([""], 0, 3, [], []),
        "duplicate_column": scorecard(["a", "a"], 0, 3, [], []),
        "period_index_out_of_range": scorecard(["channel"], 3, 3, [(1, b"web", 2**62, kpi())], []),
        "period_index_without_period": scorecard(["channel"], 0, 3, [(1, b"web", 7, kpi())], []),
        "missing_label_with_text": scorecard(["channel"], 0, 3, [(0, b"web", 0, kpi())], []),
        "fcr_above_100_inside": scorecard([], 0, 3, [(1, b"", 0, kpi().replace(
            s(header("FcrState") + u64(0, 0)), s(header("FcrState") + u64(1, 2))))], []),
        "version_0": header("ScorecardState", 0) + u64(0),
    },
}

# Valid bytes whose finished table would be huge: refused by table()/by_period() unless the caller allows more.
OVERSIZED: dict[str, dict[str, bytes]] = {
    "ScorecardState": {
        # ~340 bytes: 3 groups, each active on day -100000 and day +100000 (600,003 retention rows).
        "table_8GB": scorecard(["channel"], 0, 1, [], [(1, g, activity([1, 1], [-100_000, 100_000])) for g in
                                                      (b"a", b"b", b"c")]),
    },
}


def main() -> None:
    for group in (CASES, OVERSIZED):
        for state, cases in group.items():
            d = CORPUS / state
            d.mkdir(parents=True, exist_ok=True)
            for name, data in cases.items():
                (d / f"metrics_{name}.bin").write_bytes(data)


if __name__ == "__main__":
    main()

"""CohortState from untrusted bytes and shared between threads (issue 12: "a 480 KB CohortState allocates a 3 GB
matrix"; "CohortState.fill releases the GIL while mutating, and table()/serialize() on another thread segfault")."""
from __future__ import annotations

import pathlib
import threading

import numpy as np
import pandas as pd
import pytest

import cxkit

CORPUS = pathlib.Path(__file__).resolve().parents[1] / "fuzz" / "corpus" / "CohortState"
HOSTILE = sorted(p for p in CORPUS.glob("hostile-*.bin") if p.name != "hostile-sparse_huge_table.bin")


def test_the_corpus_is_there():
    assert len(HOSTILE) >= 12


@pytest.mark.parametrize("path", HOSTILE, ids=lambda p: p.stem)
def test_hostile_bytes_are_refused_with_a_value_error(path: pathlib.Path):
    """Each file breaks one invariant (duplicate or unordered cohorts, empty or zero-size cohorts, more active
    customers than the cohort has, sizes overflowing, period indices no timestamp has, bad period, version 0,
    truncation): a ValueError, never a crash, a UnicodeDecodeError or a state that loads."""
    with pytest.raises(ValueError) as e:
        cxkit.retention.CohortState.deserialize(path.read_bytes())
    assert e.type is ValueError  # not a UnicodeDecodeError (a ValueError subclass)


def test_a_sparse_state_cannot_allocate_a_huge_table():
    """96 KB of valid bytes describing a 3,000 x 3,000 table: refused unless the caller asks for it."""
    s = cxkit.retention.CohortState.deserialize((CORPUS / "hostile-sparse_huge_table.bin").read_bytes())
    assert s.default_max_cells == 2**22
    with pytest.raises(ValueError, match="max_cells"):
        s.table()
    with pytest.raises(ValueError, match="max_cells"):
        cxkit.retention.Cohorts(s)
    c = cxkit.retention.Cohorts(s, max_cells=9_000_000)
    assert c.counts.shape == (3000, 3000)
    with pytest.raises(ValueError, match="max_cells"):
        cxkit.retention.Cohorts(s, max_cells=0)


def _log(seed: int, first_id: int, customers: int = 400, first_day: int = 0) -> cxkit.EventLog:
    rng = np.random.default_rng(seed)
    n = customers * 5
    cust = rng.integers(first_id, first_id + customers, n)
    t = pd.Timestamp("2023-01-01") + pd.to_timedelta(first_day + rng.integers(0, 700 + 5 * seed, n), unit="D")
    return cxkit.EventLog.from_pandas(pd.DataFrame({"customer_id": cust, "time": t}))


def test_fill_on_one_thread_while_others_read_does_not_crash():
    """One thread fills a shared daily state in a loop (each log with new customers, later first days and longer
    spans, so every fill adds cohorts and grows age vectors: the map and vectors reallocate) while two others read
    table() and serialize(): no crash, and every snapshot read is a valid state (it deserialises, sizes only
    grow). Before the fix, fill mutated the state without the GIL and this crashed or read freed memory."""
    logs = [_log(k, 100_000 * k, customers=4_000, first_day=3 * k) for k in range(40)]
    state = cxkit.retention.CohortState("D")
    stop = threading.Event()
    errors: list[BaseException] = []
    seen: list[int] = []
    rounds = 1
    start = threading.Barrier(3)

    def writer() -> None:
        start.wait()
        try:
            for _ in range(rounds):
                for log in logs:
                    state.fill(log._core)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)
        finally:
            stop.set()

    def reader(kind: str) -> None:
        start.wait()
        try:
            last = 0
            while not stop.is_set():
                if kind == "table":
                    _, counts = state.table()
                    total = int(counts[:, 0].sum()) if counts.size else 0
                else:
                    s = cxkit.retention.CohortState.deserialize(state.serialize())
                    _, counts = s.table()
                    total = int(counts[:, 0].sum()) if counts.size else 0
                assert total >= last
                last = total
                seen.append(total)
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=writer), threading.Thread(target=reader, args=("table",)),
               threading.Thread(target=reader, args=("serialize",))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(seen) > 0
    expected = cxkit.retention.CohortState("D")
    for _ in range(rounds):
        for log in logs:
            expected += cxkit.retention.cohort_state(log, period="D")
    assert state == expected


def test_merges_from_threads_add_up():
    """Merging (+=) into one shared state from several threads loses nothing."""
    parts = [cxkit.retention.cohort_state(_log(k, 10_000 * k, 100)) for k in range(8)]
    state = cxkit.retention.CohortState("M")

    def merge(p: "cxkit.retention.CohortState") -> None:
        nonlocal state
        for _ in range(20):
            state += p

    threads = [threading.Thread(target=merge, args=(p,)) for p in parts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    _, counts = state.table()
    assert int(counts[:, 0].sum()) == 20 * sum(int(p.table()[1][:, 0].sum()) for p in parts)


def test_cohorts_of_a_log_can_ask_for_a_large_table():
    """A real daily log whose table passes the default limit only when the caller asks (max_cells)."""
    days = 2_100  # one customer active every day for ~6 years, and one new one-day customer per day
    t = pd.Timestamp("2020-01-01") + pd.to_timedelta(np.r_[np.arange(days), np.arange(days)], unit="D")
    cust = np.r_[np.zeros(days, np.int64), np.arange(1, days + 1)]
    log = cxkit.EventLog.from_pandas(pd.DataFrame({"customer_id": cust, "time": t}))
    with pytest.raises(ValueError, match="max_cells"):
        cxkit.retention.cohorts(log, period="D")
    c = cxkit.retention.cohorts(log, period="D", max_cells=5_000_000)
    assert c.counts.shape == (days, days) and int(c.sizes.sum()) == days + 1

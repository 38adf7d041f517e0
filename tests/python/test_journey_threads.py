"""Journey objects shared between threads (issue 12, "Races"; HELPERS thread-safety rule). Paths is immutable
once built, so any number of threads may compute on one Paths at once and get the same answers as one thread;
Paths.from_strings holds its own references to the path strings, so another thread emptying the list while the
GIL is released cannot free them under the parser."""
from __future__ import annotations

import threading

import numpy as np
import pandas as pd

import cxkit
from cxkit.journey.attribution import heuristic, markov, shapley


def _paths(rows: int = 5_000, seed: int = 0) -> cxkit.journey.Paths:
    rng = np.random.default_rng(seed)
    paths = [" > ".join(f"c{j}" for j in rng.integers(0, 9, rng.integers(1, 6))) for _ in range(rows)]
    return cxkit.journey.Paths.from_pandas(pd.DataFrame({"path": paths, "total_conversions": rng.integers(0, 3, rows),
                                                         "total_null": rng.integers(1, 3, rows)}))


def test_many_threads_on_one_paths_agree_with_one_thread():
    p = _paths()
    want = (markov(p).credits, markov(p, order=2).credits, heuristic(p), shapley(p), p.transitions())
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(5):
                got = (markov(p).credits, markov(p, order=2).credits, heuristic(p), shapley(p), p.transitions())
                for g, w in zip(got, want):
                    pd.testing.assert_frame_equal(g, w)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_from_strings_survives_the_list_changing_on_another_thread():
    core = cxkit._core.journey
    base = [f"a{i % 50} > b{i % 7} > c{i % 3}" for i in range(300_000)]  # >= 200,000 rows: parsed on two threads
    conv = np.ones(len(base))
    nulls = np.zeros(len(base))
    value = np.zeros(0)
    stop = threading.Event()
    shared = list(base)

    def churn() -> None:
        while not stop.is_set():
            shared.clear()
            shared.extend(f"{s} " for s in base)  # new string objects each round; the old ones may be freed

    t = threading.Thread(target=churn)
    t.start()
    try:
        for _ in range(10):
            snapshot_len = len(shared)
            try:
                p = core.Paths.from_strings(shared, conv[:snapshot_len], nulls[:snapshot_len], value)
            except ValueError:
                continue  # the list changed length between the two reads: refused, not a crash
            assert len(p) == snapshot_len  # the lengths agreed: every row parsed
    finally:
        stop.set()
        t.join()

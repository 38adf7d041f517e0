"""RecommenderState as untrusted bytes and as a shared object (issue 12).

- Every file of tests/fuzz/corpus/RecommenderState is refused with a ValueError that says what is wrong (the
  corpus is also replayed by the fuzz/regression runner).
- issue 12 defect "negative recommender keys": a state with negative keys loaded, and the Python layer then took
  ids from the END of its id lists (silently wrong pairs).
- Threads: one thread merges into a state (+=) and refits a Recommender (partial_fit) in a loop while others
  serialize, pickle, list the pairs of and recommend from the same objects: no crash, and every read sees a whole
  state (the old or the new one, never a mix of its id lists and its keys).
"""

import pickle
import struct
import threading
import traceback
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import cxkit
from cxkit import _core
from cxkit.segment import RecommenderState
from cxkit.segment._recommender import _restore_state

CORPUS = Path(__file__).resolve().parents[1] / "fuzz" / "corpus" / "RecommenderState"

_WHY = {
    "hostile-negative-customer-key.bin": "negative customer key",
    "hostile-negative-item-key.bin": "negative item key",
    "hostile-most-negative-key.bin": "negative customer key",
    "hostile-unsorted-pairs.bin": "not sorted and unique",
    "hostile-duplicate-pair.bin": "not sorted and unique",
    "hostile-lengths-differ.bin": "different lengths",
    "hostile-length-claims-2-pow-60.bin": "exceeds the data",
    "hostile-truncated.bin": "serialized state",
    "hostile-trailing-byte.bin": "trailing bytes",
    "hostile-wrong-tag.bin": "expected a serialized RecommenderState",
    "hostile-version-0.bin": "version 0",
    "hostile-version-newer.bin": "version 99",
}


def _raw(customer, item):
    tag = b"RecommenderState"
    b = struct.pack("<Q", len(tag)) + tag + struct.pack("<I", 1)
    for v in (customer, item):
        b += struct.pack("<Q", len(v)) + b"".join(struct.pack("<q", x) for x in v)
    return b


def test_the_corpus_is_complete():
    assert sorted(p.name for p in CORPUS.glob("hostile-*.bin")) == sorted(_WHY)
    for p in CORPUS.glob("valid-*.bin"):  # the valid seeds load
        _core.segment.RecommenderState.deserialize(p.read_bytes())


@pytest.mark.parametrize("name", sorted(_WHY))
def test_hostile_bytes_are_refused_with_a_clear_error(name):
    data = (CORPUS / name).read_bytes()
    with pytest.raises(ValueError, match=_WHY[name]):
        _core.segment.RecommenderState.deserialize(data)


def test_negative_keys_in_a_pickle_are_refused_not_read_from_the_end():
    """issue 12: negative recommender keys. Before the fix this pickle loaded, and pairs() showed customer 'c'
    (ids[-1]) for key -1."""
    hostile = _raw([-1, 0], [0, 0])
    with pytest.raises(ValueError, match="negative customer key"):
        _restore_state(np.array(["a", "b", "c"], dtype=object), np.array(["x"], dtype=object), hostile)
    with pytest.raises(ValueError, match="outside its id list"):
        _restore_state(np.array(["a"], dtype=object), np.array(["x"], dtype=object), _raw([0, 5], [0, 0]))
    with pytest.raises(ValueError, match="duplicates"):
        _restore_state(np.array(["a", "a"], dtype=object), np.array(["x"], dtype=object), _raw([0, 1], [0, 0]))
    good = _restore_state(np.array(["a", "b"], dtype=object), np.array(["x"], dtype=object), _raw([0, 1], [0, 0]))
    assert good.pairs().values.tolist() == [["a", "x"], ["b", "x"]]


def _batch(seed: int, n: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"customer_id": rng.integers(0, 300, n), "item": rng.integers(0, 60, n).astype(str)})


def test_threads_merge_and_read_a_shared_state_and_recommender():
    state = RecommenderState(_batch(0))
    rec = cxkit.segment.Recommender(threads=2).fit(_batch(0))
    batches = [_batch(s) for s in range(1, 25)]
    errors: list[str] = []  # the tracebacks
    stop = threading.Event()

    def writer() -> None:
        try:
            for b in batches:
                nonlocal state
                state += RecommenderState(b)
                rec.partial_fit(b)
        except BaseException:  # pragma: no cover - reported below
            errors.append(traceback.format_exc())
        finally:
            stop.set()

    def reader() -> None:
        try:
            while not stop.is_set():
                s = state  # the object another thread is merging into
                back = pickle.loads(pickle.dumps(s))
                assert len(back) == len(back.pairs())
                p = s.pairs()  # ids and keys from one snapshot: every pair is a known (customer, item)
                assert p["customer_id"].between(0, 299).all() and p["item"].isin([str(i) for i in range(60)]).all()
                out = rec.recommend(rec.customers_[:50], n=3)
                assert out["item"].isin(rec.items_).all() or len(out) == 0
                rec.similar_items(rec.items_[0], n=3)
        except BaseException:  # pragma: no cover - reported below
            errors.append(traceback.format_exc())

    threads = [threading.Thread(target=writer)] + [threading.Thread(target=reader) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors[0]
    # the merged state equals one state of everything, and the refitted recommender equals one fit on everything
    everything = pd.concat([_batch(0)] + batches)
    assert state == RecommenderState(everything)
    fresh = cxkit.segment.Recommender().fit(everything)
    pd.testing.assert_frame_equal(rec.recommend(fresh.customers_[:100], n=4),
                                  fresh.recommend(fresh.customers_[:100], n=4))

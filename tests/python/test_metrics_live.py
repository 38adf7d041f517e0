"""Issue 13, point 4 from Python: ``Scorecard.update(log_or_frame)`` and the LiveScorecard (one event at a time)
against the batch fill of the same events, their bytes, and their thread safety."""
from __future__ import annotations

import pathlib
import pickle
import threading

import numpy as np
import pandas as pd
import pytest

import cxkit
from cxkit.metrics import LiveFigures, LiveScorecard, scorecard_state

CORPUS = pathlib.Path(__file__).resolve().parents[1] / "fuzz" / "corpus" / "LiveScorecard"


def _frame(n: int, seed: int, start: str = "2024-01-01", days: int = 200) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    t0 = pd.Timestamp(start).value
    some = lambda p: rng.random(n) < p  # noqa: E731
    return pd.DataFrame({
        "customer_id": [f"c{i}" for i in rng.integers(0, 80, n)],
        "time": pd.to_datetime(t0 + rng.integers(0, days * 86_400 * 10**9, n), unit="ns"),
        "channel": rng.choice(["web", "phone", "store"], n),
        "kind": rng.choice(["complaint", "purchase", "visit"], n),
        "nps": np.where(some(0.4), rng.integers(0, 11, n), np.nan),
        "csat": np.where(some(0.3), rng.integers(1, 6, n), np.nan),
        "response_time": np.where(some(0.3), rng.lognormal(4, 1, n), np.nan),
        "value": np.where(some(0.2), rng.uniform(5, 200, n), np.nan),
    })


def _log(df: pd.DataFrame) -> cxkit.EventLog:
    return cxkit.EventLog.from_pandas(df)


def _same_frames(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True), rtol=1e-12)


# --- Scorecard.update -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("by,period", [(None, None), ("channel", "M"), (["channel", "kind"], "W")])
def test_update_equals_the_fill_of_the_union(by, period):
    a, b = _frame(800, 1), _frame(700, 2, start="2024-05-01")
    st = scorecard_state(_log(a), by, period)
    st.update(_log(b))
    whole = scorecard_state(_log(pd.concat([a, b], ignore_index=True)), by, period)
    assert st == whole
    _same_frames(st.to_frame(), whole.to_frame())


def test_update_from_a_frame_uses_the_from_pandas_mapping():
    a, b = _frame(500, 3), _frame(500, 4)
    renamed = b.rename(columns={"customer_id": "who", "time": "at", "nps": "score"})
    st = scorecard_state(_log(a), "channel", "M")
    st.update(renamed, customer="who", time="at", nps="score")
    assert st == scorecard_state(_log(pd.concat([a, b], ignore_index=True)), "channel", "M")


def test_a_refused_update_changes_nothing():
    a = _frame(300, 5)
    st = scorecard_state(_log(a), "channel", "M")
    before = st.serialize()
    bad = _frame(50, 6)
    bad.loc[7, "nps"] = 11
    with pytest.raises(ValueError, match="nps"):
        st.update(bad)
    with pytest.raises(ValueError, match="channel"):  # grouped by a column the new log lacks
        st.update(bad.drop(columns=["channel"]).assign(nps=np.nan))
    with pytest.raises(TypeError, match="DataFrame"):
        st.update(_log(a), customer="customer_id")
    with pytest.raises(TypeError):
        st.update([1, 2, 3])  # type: ignore[arg-type]
    assert st.serialize() == before


def test_update_with_a_segmentation():
    a, b = _frame(400, 7), _frame(400, 8)
    la, lb = _log(a), _log(b)

    tiers = {f"c{i}": "gold" if i % 3 == 0 else "std" for i in range(80)}

    def seg(log: cxkit.EventLog) -> cxkit.Segmentation:
        return cxkit.Segmentation.from_mapping(log, tiers, name="tier")

    st = scorecard_state(la, ["channel", seg(la)], "M")
    st.update(lb, segment=seg(lb))
    whole = pd.concat([a, b], ignore_index=True)
    lw = _log(whole)
    assert st == scorecard_state(lw, ["channel", seg(lw)], "M")
    with pytest.raises(ValueError, match="different log"):
        st.update(lb, segment=seg(la))


# --- LiveScorecard --------------------------------------------------------------------------------------------

def _append_rows(card: LiveScorecard, df: pd.DataFrame) -> None:
    for row in df.itertuples(index=False):
        fields = {k: getattr(row, k) for k in ("channel", "kind", "nps", "csat", "response_time", "value")}
        card.append(row.customer_id, row.time, **{k: (None if isinstance(v, float) and np.isnan(v) else v)
                                                  for k, v in fields.items()})


@pytest.mark.parametrize("order", ["time", "shuffled"])
def test_live_card_equals_the_batch_fill(order):
    df = _frame(1500, 9)
    rows = df.sort_values("time") if order == "time" else df.sample(frac=1, random_state=3)
    card = LiveScorecard(by="channel", period="M", lateness="2D")
    _append_rows(card, rows)
    batch = scorecard_state(_log(df), "channel", "M")
    assert card.state() == batch
    _same_frames(card.to_frame(), batch.to_frame())
    assert card.events == len(df)
    assert (card.late_events == 0) == (order == "time")
    assert card.watermark == df["time"].max()


def test_live_card_merge_bytes_and_pickle():
    df = _frame(600, 10).sort_values("time")
    left, right = LiveScorecard(by="channel"), LiveScorecard(by="channel")
    _append_rows(left, df.iloc[::2])
    _append_rows(right, df.iloc[1::2])
    left += right
    assert left.state() == scorecard_state(_log(df), "channel")
    back = LiveScorecard.deserialize(left.serialize())
    assert back == left
    assert pickle.loads(pickle.dumps(left)) == left
    with pytest.raises(ValueError, match="different grouping"):
        left += LiveScorecard(by="kind")


def test_live_card_refuses_bad_events_and_changes_nothing():
    card = LiveScorecard(by="channel")
    card.append("ana", "2024-01-01", channel="web", nps=9)
    before = card.serialize()
    with pytest.raises(ValueError, match="nps.*row 1"):
        card.append("ben", "2024-01-02", nps=11)
    with pytest.raises(ValueError, match="nps"):
        card.append("ben", "2024-01-02", nps=True)
    with pytest.raises(ValueError, match="not a measure the scorecard reads"):
        card.append("ben", "2024-01-02", NPS=9)
    with pytest.raises(ValueError, match="missing"):
        card.append("ben", pd.NaT)
    with pytest.raises(TypeError):
        card.append(1.5, "2024-01-02")  # type: ignore[arg-type]
    assert card.serialize() == before
    card.append(7, "2024-01-02", fcr=True, nps=np.int64(10))  # integer ids; bool flags; numpy numbers
    assert card.events == 2


def test_live_card_hostile_bytes_are_refused():
    files = sorted(CORPUS.glob("*"))
    assert len(files) >= 10
    for f in files:
        with pytest.raises(ValueError):
            LiveScorecard.deserialize(f.read_bytes())


# --- LiveFigures ----------------------------------------------------------------------------------------------

def test_live_figures_rolling_and_window_equal_recounts_and_quantiles_are_close():
    df = _frame(3000, 14).sort_values("time")
    f = LiveFigures(rolling_answers=300, window="30D", bucket="1D", quantiles=(0.5, 0.9))
    answers: list[float] = []
    timed: list[tuple[pd.Timestamp, float]] = []
    for i, row in enumerate(df.itertuples(index=False)):
        f.append(row.customer_id, row.time, nps=None if np.isnan(row.nps) else int(row.nps),
                 response_time=None if np.isnan(row.response_time) else row.response_time)
        if not np.isnan(row.nps):
            answers.append(row.nps)
            timed.append((row.time, row.nps))
        if i % 211 or not answers:
            continue
        last = np.asarray(answers[-300:])
        assert f.rolling_nps == 100 * ((last >= 9).sum() - (last <= 6).sum()) / len(last)
        in_window = [v for t, v in timed if t >= f.window_start]
        assert f.window_nps.n == len(in_window)
        w = np.asarray(in_window)
        assert f.window_nps.promoters == (w >= 9).sum() and f.window_nps.detractors == (w <= 6).sum()
    assert f.window_start == (df["time"].max().floor("D") - pd.Timedelta("29D"))
    rt = df["response_time"].dropna().to_numpy()
    assert f.rolling_response_time == pytest.approx(rt[-300:].mean(), rel=1e-12)
    for p in (0.5, 0.9):  # P-square estimates: close to the exact quantile, not equal to it
        exact = float(np.quantile(rt, p))
        assert abs(f.response_time_quantile(p) - exact) / exact < 0.05
    with pytest.raises(ValueError, match="quantiles"):
        f.response_time_quantile(0.75)
    with pytest.raises(ValueError, match="nps"):
        f.append("x", "2024-01-01", nps=True)
    with pytest.raises(ValueError, match="whole number of buckets"):
        LiveFigures(window="36h", bucket="1D")


# --- threads (the project's rule: mutate with the GIL held, read from a copy) -------------------------------------

def test_threads_update_while_others_read():
    base, more = _frame(400, 11), _frame(200, 12)
    shared = scorecard_state(_log(base), "channel", "M")
    more_log = _log(more)
    updates = 25
    errors: list[BaseException] = []
    stop = threading.Event()

    def update() -> None:
        try:
            for _ in range(updates):
                shared.update(more_log)
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)
        finally:
            stop.set()

    def read(f) -> None:
        try:
            while not stop.is_set():
                f()
        except BaseException as e:  # pragma: no cover
            errors.append(e)

    seen: list[int] = []
    readers = [lambda: seen.append(int(shared.to_frame()["events"].sum())), lambda: shared.serialize(),
               lambda: len(repr(shared))]
    threads = [threading.Thread(target=update)] + [threading.Thread(target=read, args=(f,)) for f in readers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not errors, errors
    # Every read saw the state before or after an update, never half-way.
    assert all((s - len(base)) % len(more) == 0 for s in seen)
    expected = scorecard_state(_log(base), "channel", "M")
    for _ in range(updates):
        expected.update(more_log)
    assert shared == expected


def test_threads_append_while_others_read():
    df = _frame(1200, 13).sort_values("time")
    card = LiveScorecard(by="channel", period="M")
    errors: list[BaseException] = []
    stop = threading.Event()

    def append() -> None:
        try:
            _append_rows(card, df)
        except BaseException as e:  # pragma: no cover
            errors.append(e)
        finally:
            stop.set()

    def read(f) -> None:
        try:
            while not stop.is_set():
                f()
        except BaseException as e:  # pragma: no cover
            errors.append(e)

    counts: list[tuple[int, int]] = []
    readers = [lambda: counts.append((card.events, int(LiveScorecard.deserialize(card.serialize()).events))),
               lambda: card.to_frame(), lambda: card.state().serialize()]
    threads = [threading.Thread(target=append)] + [threading.Thread(target=read, args=(f,)) for f in readers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not errors, errors
    assert all(a <= b for a, b in counts)  # never a card from the future or a half-appended one
    assert card.state() == scorecard_state(_log(df), "channel", "M")

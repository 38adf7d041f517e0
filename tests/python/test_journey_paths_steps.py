"""Paths' step tables (transitions with median times, step matrix, funnel, top paths), split by segment, and
time-decay attribution: against pandas computations on the event table and hand-computed values."""
import numpy as np
import pandas as pd
import pytest

import cxkit
from cxkit.journey import Paths


@pytest.fixture(scope="module")
def sim():
    df = cxkit.datasets.simulate(1500, seed=4).drop(columns=["text"])
    log = cxkit.EventLog.from_pandas(df)
    return df, log


def pandas_touches(df: pd.DataFrame):
    """Each customer's touches (channel events before the first purchase, in (customer, time) order) with step
    number and the next touch; the first purchase time per customer."""
    d = df.sort_values(["customer_id", "time"], kind="stable").reset_index(drop=True)
    is_p = d["kind"] == "purchase"
    before = ~is_p.groupby(d["customer_id"]).cummax()
    conv_time = d[is_p].groupby("customer_id")["time"].first()
    t = d[before & d["channel"].notna()][["customer_id", "time", "channel"]].copy()
    t["channel"] = t["channel"].astype(str)
    g = t.groupby("customer_id")
    t["step"] = g.cumcount() + 1
    t["next"] = g["channel"].shift(-1)
    t["next_time"] = g["time"].shift(-1)
    return t, conv_time


def pandas_transitions(t: pd.DataFrame, conv_time: pd.Series) -> pd.DataFrame:
    last = t.groupby("customer_id").tail(1).copy()
    converted = last["customer_id"].isin(conv_time.index)
    last["next"] = np.where(converted, "(conversion)", "(null)")
    last["next_time"] = last["customer_id"].map(conv_time)
    first = t.groupby("customer_id").head(1)
    moves = pd.concat([
        pd.DataFrame({"from": "(start)", "to": first["channel"], "dt": pd.NaT}),
        pd.DataFrame({"from": t["channel"], "to": t["next"], "dt": t["next_time"] - t["time"]}).dropna(subset=["to"]),
        pd.DataFrame({"from": last["channel"], "to": last["next"], "dt": last["next_time"] - last["time"]}),
    ])
    moves["dt"] = pd.to_timedelta(moves["dt"])
    out = moves.groupby(["from", "to"]).agg(count=("dt", "size"), median_time=("dt", "median"))
    out["probability"] = out["count"] / out.groupby(level="from")["count"].transform("sum")
    return out


def test_transitions_with_median_times_equal_pandas(sim):
    df, log = sim
    t, conv_time = pandas_touches(df)
    expect = pandas_transitions(t, conv_time)
    got = cxkit.journey.paths(log, by="channel").transitions().set_index(["from", "to"])
    assert set(got.index) == set(expect.index)
    got = got.loc[expect.index]
    np.testing.assert_array_equal(got["count"], expect["count"])
    np.testing.assert_allclose(got["probability"], expect["probability"], rtol=1e-12)
    pd.testing.assert_series_equal(got["median_time"], expect["median_time"], check_names=False)
    assert got.loc[("(start)", "web"), "median_time"] is pd.NaT
    assert got.xs("(null)", level="to")["median_time"].isna().all()
    assert got.xs("(conversion)", level="to")["median_time"].notna().all()
    # paths from a table carry no times
    assert Paths.from_pandas(pd.DataFrame({"path": ["a > b"], "total_conversions": [1], "total_null": [0]})) \
        .transitions()["median_time"].isna().all()


def test_step_matrix_equals_pandas(sim):
    df, log = sim
    t, conv_time = pandas_touches(df)
    p = cxkit.journey.paths(log, by="channel")
    got = p.step_matrix(6, values="count")
    length = t.groupby("customer_id")["step"].max()
    converted = length.index.isin(conv_time.index)
    for step in range(1, 7):
        at = t[t["step"] == step]["channel"].value_counts()
        for ch, n in at.items():
            assert got.loc[ch, step] == n, (ch, step)
        ended = length < step
        assert got.loc["(conversion)", step] == (ended & converted).sum()
        assert got.loc["(null)", step] == (ended & ~converted).sum()
    share = p.step_matrix(6)
    np.testing.assert_allclose(share.sum(axis=0), 1.0)
    np.testing.assert_allclose(share, got / length.size)
    with pytest.raises(ValueError, match="max_steps"):
        p.step_matrix(0)


def pandas_closed_funnel(t: pd.DataFrame, steps: list[str]):
    """Customers reaching each step in order (the first occurrence of each step after the previous one) and the
    median time from one step to the next."""
    reached, times = [], []
    prev = None  # per customer: (step number, time) where the previous funnel step was reached
    for s in steps:
        cand = t[t["channel"] == s]
        if prev is not None:
            cand = cand.merge(prev, on="customer_id", suffixes=("", "_prev"))
            cand = cand[cand["step"] > cand["step_prev"]]
        hit = cand.sort_values("step").groupby("customer_id").head(1)
        if prev is not None:
            times.append((hit["time"] - hit["time_prev"]).median())
        reached.append(len(hit))
        prev = hit[["customer_id", "step", "time"]]
    return reached, times + [pd.NaT]


def test_funnel_counts_and_median_times_equal_pandas(sim):
    df, log = sim
    t, _ = pandas_touches(df)
    steps = ["social", "web", "email"]
    got = cxkit.journey.paths(log, by="channel").funnel(steps)
    reached, times = pandas_closed_funnel(t, steps)
    assert got["customers"].tolist() == reached
    pd.testing.assert_series_equal(got["median_time_to_next"], pd.Series(times, dtype="timedelta64[ns]"),
                                   check_names=False)
    np.testing.assert_allclose(got["step_conversion"].iloc[1:], np.array(reached[1:]) / np.array(reached[:-1]))


def test_splits_by_segment_equal_pandas_per_segment(sim):
    df, log = sim
    t, conv_time = pandas_touches(df)
    persona = df.groupby("customer_id")["persona"].first().astype(str).rename("persona")
    p = cxkit.journey.paths(log, by="channel")
    tr = p.transitions(by=persona)
    assert tr.columns[0] == "persona"
    seg = cxkit.Segmentation.from_mapping(log, persona, name="persona")
    pd.testing.assert_frame_equal(p.transitions(by=seg), tr)
    top = p.top_paths(3, by=persona)
    steps = p.step_matrix(4, by=persona)
    fun = p.funnel(["social", "web"], by=persona)
    paths_pd = t.groupby("customer_id")["channel"].agg(" > ".join)
    for name in sorted(persona.unique()):
        members = persona.index[persona == name]
        ts = t[t["customer_id"].isin(members)]
        expect = pandas_transitions(ts, conv_time[conv_time.index.isin(members)])
        got = tr[tr["persona"] == name].set_index(["from", "to"]).loc[expect.index]
        np.testing.assert_array_equal(got["count"], expect["count"])
        pd.testing.assert_series_equal(got["median_time"], expect["median_time"], check_names=False)
        counts = paths_pd[paths_pd.index.isin(members)].value_counts()
        got_top = top[top["persona"] == name]
        assert got_top["customers"].tolist() == counts.iloc[:3].tolist()
        assert set(got_top["path"]) <= set(counts[counts >= counts.iloc[2]].index)
        assert steps.loc[name].sum(axis=0).round(12).eq(1).all()
        first = ts[ts["step"] == 1]["channel"].value_counts(normalize=True)
        for ch, share in first.items():
            assert steps.loc[(name, ch), 1] == pytest.approx(share)
        reached, _ = pandas_closed_funnel(ts, ["social", "web"])
        assert fun[fun["persona"] == name]["customers"].tolist() == reached


def test_split_of_table_paths_by_row_labels_and_bad_by():
    df = pd.DataFrame({"path": ["a > b", "a", "b > a"], "total_conversions": [1, 2, 3], "total_null": [1, 0, 2]})
    p = Paths.from_pandas(df)
    tr = p.transitions(by=["x", "y", "x"])
    x = tr[tr["segment"] == "x"].set_index(["from", "to"])["count"]
    assert x[("(start)", "a")] == 2 and x[("(start)", "b")] == 5 and x[("a", "(conversion)")] == 3
    with pytest.raises(ValueError, match="one label per path row"):
        p.transitions(by=["x"])
    log = cxkit.datasets.simulate(50, seed=1, as_log=True)
    with pytest.raises(TypeError, match="keyed by customer id"):
        cxkit.journey.paths(log, by="channel").funnel(["web"], by=["x"])


def test_time_decay_by_hand():
    day = pd.Timedelta(days=1)
    t0 = pd.Timestamp("2024-01-01")
    df = pd.DataFrame({
        "customer_id": [1, 1, 1, 2, 2, 3, 3],
        "time": [t0, t0 + 7 * day, t0 + 14 * day, t0, t0 + day, t0, t0 + day],
        "channel": ["email", "web", "web", "web", "web", "web", "email"],
        "kind": ["interaction", "interaction", "purchase", "interaction", "purchase", "interaction", "interaction"],
        "value": [np.nan, np.nan, 30.0, np.nan, 10.0, np.nan, np.nan],
    })
    p = cxkit.journey.paths(cxkit.EventLog.from_pandas(df), by="channel")
    # customer 1, half-life 7 days: email 14 days old weighs 1/4, web 7 days old 1/2: shares 1/3, 2/3 of 1 and 30.
    # customer 2: web takes all of 1 and 10. Customer 3 did not convert.
    h = cxkit.journey.attribution.heuristic(p, half_life="7D")
    assert h.loc["web", "time_decay"] == pytest.approx(2 / 3 + 1)
    assert h.loc["email", "time_decay"] == pytest.approx(1 / 3)
    assert h.loc["web", "time_decay_value"] == pytest.approx(20 + 10)
    assert h.loc["email", "time_decay_value"] == pytest.approx(10)
    # a number is days; a longer half-life flattens toward linear: 2^(-14/70), 2^(-7/70)
    h70 = cxkit.journey.attribution.heuristic(p, half_life=70)
    a, b = 2 ** (-14 / 70), 2 ** (-7 / 70)
    assert h70.loc["email", "time_decay"] == pytest.approx(a / (a + b))
    with pytest.raises(ValueError, match="positive duration"):
        cxkit.journey.attribution.heuristic(p, half_life="-1D")
    with pytest.raises(ValueError, match="a duration"):
        cxkit.journey.attribution.heuristic(p, half_life="soon")
    table = Paths.from_pandas(pd.DataFrame({"path": ["a"], "total_conversions": [1], "total_null": [0]}))
    with pytest.raises(ValueError, match="needs the touches' times"):
        cxkit.journey.attribution.heuristic(table, half_life="7D")

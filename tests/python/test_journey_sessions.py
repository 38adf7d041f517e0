"""Paths per session (session_gap): against an independent pandas sessionisation of the simulated log (groupby
customer, time.diff() > gap, cumsum), hand cases at the threshold, and bad gaps."""
import datetime

import numpy as np
import pandas as pd
import pytest

import cxkit


@pytest.fixture(scope="module")
def sim():
    df = cxkit.datasets.simulate(1500, seed=4).drop(columns=["text"])
    return df, cxkit.EventLog.from_pandas(df)


def pandas_sessions(df: pd.DataFrame, gap: pd.Timedelta):
    """Per session: its touches (channel events before the session's first purchase) and its first purchase
    (time, value). Sessions are keyed (customer_id, session)."""
    d = df.sort_values(["customer_id", "time"], kind="stable").reset_index(drop=True)
    cut = d.groupby("customer_id")["time"].diff() > gap
    d["session"] = cut.astype(int).groupby(d["customer_id"]).cumsum()
    key = [d["customer_id"], d["session"]]
    is_p = d["kind"] == "purchase"
    before = ~is_p.groupby(key).cummax()
    buys = d[is_p].groupby(["customer_id", "session"]).head(1).set_index(["customer_id", "session"])
    touches = d[before & d["channel"].notna()].copy()
    touches["channel"] = touches["channel"].astype(str)
    return touches, buys[["time", "value"]]


def pandas_journeys(touches: pd.DataFrame, buys: pd.DataFrame) -> pd.DataFrame:
    j = touches.groupby(["customer_id", "session"]).agg(
        path=("channel", " > ".join), steps=("channel", "size"), start=("time", "min"), end=("time", "max"),
        times=("time", list))
    j["converted"] = j.index.isin(buys.index)
    j["conversion_time"] = buys["time"].reindex(j.index)
    j["value"] = buys["value"].reindex(j.index).fillna(0.0)
    return j.reset_index().sort_values(["customer_id", "start"], kind="stable").reset_index(drop=True)


def cxkit_step_times(p) -> list:
    off = np.asarray(p._core.journey_offsets)
    t = np.asarray(p._core.step_time).view("datetime64[ns]")
    return [list(pd.to_datetime(t[a:b])) for a, b in zip(off[:-1], off[1:])]


def an_exact_pause(df: pd.DataFrame) -> pd.Timedelta:
    """A pause that occurs in the log, so that some pause is exactly equal to the gap."""
    d = df.groupby("customer_id")["time"].diff().dropna().sort_values()
    return d.iloc[len(d) // 2]


def test_sessions_equal_pandas_sessionisation(sim):
    df, log = sim
    gap = an_exact_pause(df)
    assert (df.groupby("customer_id")["time"].diff() == gap).any()  # the threshold itself is exercised
    touches, buys = pandas_sessions(df, gap)
    expect = pandas_journeys(touches, buys)
    assert expect["customer_id"].duplicated().any()  # customers with several sessions
    assert (buys.groupby(level="customer_id").size() > 1).any()  # customers who convert in several sessions

    p = cxkit.journey.paths(log, by="channel", session_gap=gap)
    got = p.journeys()
    got["times"] = cxkit_step_times(p)
    got = got.sort_values(["customer_id", "start"], kind="stable").reset_index(drop=True)
    assert len(got) == len(expect)
    for col in ("customer_id", "path", "steps", "start", "end", "converted", "value"):
        np.testing.assert_array_equal(got[col].to_numpy(), expect[col].to_numpy(), err_msg=col)
    pd.testing.assert_series_equal(got["conversion_time"], expect["conversion_time"], check_names=False,
                                   check_index=False)
    assert got["times"].tolist() == expect["times"].tolist()

    # the merged rows: conversions, nulls and value per distinct path
    rows = p.to_pandas().set_index("path")
    per_path = expect.groupby("path").agg(conv=("converted", "sum"), n=("converted", "size"), value=("value", "sum"))
    assert set(rows.index) == set(per_path.index)
    rows = rows.loc[per_path.index]
    np.testing.assert_array_equal(rows["total_conversions"], per_path["conv"])
    np.testing.assert_array_equal(rows["total_null"], per_path["n"] - per_path["conv"])
    np.testing.assert_allclose(rows["total_conversion_value"], per_path["value"], rtol=1e-12)

    # the same gap as a string, as seconds, as a datetime.timedelta: the same sessions
    secs = gap.total_seconds()
    assert secs == int(secs)  # the simulator's times are whole seconds
    for same in (f"{int(secs)}s", int(secs), float(secs), gap.to_pytimedelta(), gap.to_timedelta64()):
        other = cxkit.journey.paths(log, by="channel", session_gap=same).to_pandas()
        pd.testing.assert_frame_equal(other, p.to_pandas())
    # one second less: every pause equal to the old gap now cuts, so there are more journeys
    tighter = cxkit.journey.paths(log, by="channel", session_gap=gap - pd.Timedelta(seconds=1))
    n_equal = int((df.groupby("customer_id")["time"].diff() == gap).sum())
    assert len(tighter.journeys()) > len(got)
    assert len(pandas_journeys(*pandas_sessions(df, gap - pd.Timedelta(seconds=1)))) == len(tighter.journeys())
    assert n_equal > 0


def test_session_paths_split_by_segment_and_collapse(sim):
    df, log = sim
    gap = pd.Timedelta("2D")
    touches, buys = pandas_sessions(df, gap)
    expect = pandas_journeys(touches, buys)
    persona = df.groupby("customer_id")["persona"].first().astype(str).rename("persona")
    p = cxkit.journey.paths(log, by="channel", session_gap="2D")
    tops = p.top_paths(1000, by=persona)
    for name in sorted(persona.unique()):
        members = persona.index[persona == name]
        e = expect[expect["customer_id"].isin(members)]
        got = tops[tops["persona"] == name].set_index("path")
        counts = e.groupby("path").agg(conv=("converted", "sum"), n=("converted", "size"))
        assert set(got.index) == set(counts.index), name
        np.testing.assert_array_equal(got.loc[counts.index, "customers"], counts["n"])
        np.testing.assert_array_equal(got.loc[counts.index, "total_conversions"], counts["conv"])
        # first steps of each segment's sessions
        st = p.step_matrix(1, values="count", by=persona).loc[name][1]
        first = e["path"].str.split(" > ").str[0].value_counts()
        for ch, n in first.items():
            assert st[ch] == n, (name, ch)
    # collapsed repeats inside each session
    c = cxkit.journey.paths(log, by="channel", session_gap="2D", collapse=True).journeys()
    dedup = touches[touches["channel"] != touches.groupby(["customer_id", "session"])["channel"].shift()]
    ce = pandas_journeys(dedup, buys)
    c = c.sort_values(["customer_id", "start"], kind="stable").reset_index(drop=True)
    assert c["path"].tolist() == ce["path"].tolist()
    assert c["steps"].tolist() == ce["steps"].tolist()


def hand_log():
    t0 = pd.Timestamp("2024-03-01 09:00")
    m = pd.Timedelta(minutes=1)
    df = pd.DataFrame({
        "customer_id": ["a"] * 6 + ["b"] * 3,
        "time": [t0, t0 + 30 * m, t0 + 45 * m, t0 + 50 * m, t0 + 90 * m, t0 + 200 * m,
                 t0, t0 + 20 * m, t0 + 40 * m],
        "channel": ["web", "email", None, "web", "web", "social", "web", None, "web"],
        "kind": ["interaction", "interaction", "purchase", "interaction", "interaction", "interaction",
                 "interaction", "survey", "interaction"],
        "value": [np.nan, np.nan, 25.0, np.nan, np.nan, np.nan, np.nan, np.nan, np.nan],
    })
    return cxkit.EventLog.from_pandas(df)


def test_gap_exactly_at_the_threshold_stays_in_the_session():
    log = hand_log()
    # a: web@0, email@30 (30 after: not more than the gap), buy@45 -> web > email converts (25);
    # web@50 is after that conversion in the same session: dropped; web@90 (40 after) starts a session,
    # social@200 another. b: web@0, survey@20, web@40: the survey keeps the session together.
    p = cxkit.journey.paths(log, by="channel", session_gap="30min")
    j = p.journeys()
    assert j["customer_id"].tolist() == ["a", "a", "a", "b"]
    assert j["path"].tolist() == ["web > email", "web", "social", "web > web"]
    assert j["converted"].tolist() == [True, False, False, False]
    assert j["value"].tolist() == [25.0, 0.0, 0.0, 0.0]
    assert j.loc[0, "conversion_time"] == pd.Timestamp("2024-03-01 09:45")
    assert j["conversion_time"].iloc[1:].isna().all()
    assert j.loc[1, "start"] == pd.Timestamp("2024-03-01 10:30")
    # one minute less: email@30 is now a session of its own, and it converts
    q = cxkit.journey.paths(log, by="channel", session_gap=29 * 60).journeys()
    assert q["path"].tolist() == ["web", "email", "web", "social", "web > web"]
    assert q["converted"].tolist() == [False, True, False, False, False]
    # no gap: one journey per customer, up to the first conversion
    w = cxkit.journey.paths(log, by="channel").journeys()
    assert w["path"].tolist() == ["web > email", "web > web"]
    # segments: b's single session and a's three
    tr = cxkit.journey.paths(log, by="channel", session_gap="30min").transitions(by={"a": "x", "b": "y"})
    x = tr[tr["segment"] == "x"].set_index(["from", "to"])["count"]
    assert x[("(start)", "web")] == 2 and x[("(start)", "social")] == 1 and x[("email", "(conversion)")] == 1
    y = tr[tr["segment"] == "y"].set_index(["from", "to"])
    assert y.loc[("web", "web"), "median_time"] == pd.Timedelta(minutes=40)


@pytest.mark.parametrize("bad", [0, -5, 0.0, "-5min", "0s", "soon", "30", True, float("nan"), float("inf"),
                                 pd.NaT, [30], 1e20, pd.Timedelta(0), datetime.timedelta(seconds=-1)])
def test_bad_session_gaps_raise(bad):
    with pytest.raises(ValueError, match="session_gap"):
        cxkit.journey.paths(hand_log(), by="channel", session_gap=bad)


def test_journeys_need_a_log_and_paths_need_a_column():
    table = cxkit.journey.Paths.from_pandas(pd.DataFrame({"path": ["a"], "total_conversions": [1],
                                                          "total_null": [0]}))
    with pytest.raises(ValueError, match="from an EventLog"):
        table.journeys()
    with pytest.raises(ValueError, match="no categorical column 'nope'"):
        cxkit.journey.paths(hand_log(), by="nope")

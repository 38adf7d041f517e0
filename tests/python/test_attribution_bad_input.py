"""The issue's bad inputs for paths and attribution, one by one: empty paths, a path of only conversions,
channels named like the reserved states, zero conversions overall, more channels than Shapley's exact limit, bad
counts and weights. Each is a clear error or a documented behaviour checked by hand."""
import numpy as np
import pandas as pd
import pytest

import cxkit
from cxkit.journey import Paths


def table(paths, conv, nulls, value=None):
    df = pd.DataFrame({"path": paths, "total_conversions": conv, "total_null": nulls})
    if value is not None:
        df["v"] = value
    return Paths.from_pandas(df, value="v" if value is not None else None)


def test_empty_paths_are_an_error_for_every_model():
    empty = table([], [], [])
    assert len(empty) == 0
    with pytest.raises(ValueError, match="no paths"):
        cxkit.journey.attribution.heuristic(empty)
    with pytest.raises(ValueError, match="no paths"):
        cxkit.journey.attribution.markov(empty)
    with pytest.raises(ValueError, match="no paths"):
        cxkit.journey.attribution.shapley(empty)
    with pytest.raises(ValueError, match="row 1: empty state"):
        table(["a", ""], [1, 1], [0, 0])
    with pytest.raises(ValueError, match="row 1"):
        table(["a", None], [1, 1], [0, 0])
    with pytest.raises(TypeError, match="Paths"):
        cxkit.journey.attribution.markov(pd.DataFrame({"path": ["a"]}))


def test_a_path_of_only_conversions():
    # as a path string: "(conversion)" is a reserved state, not a channel
    with pytest.raises(ValueError, match="reserved"):
        table(["(conversion)"], [1], [0])
    # in a log: a customer whose only events are purchases has no path (documented in paths())
    t0 = pd.Timestamp("2024-01-01")
    df = pd.DataFrame({"customer_id": [1, 1, 2, 2], "time": [t0, t0 + pd.Timedelta("1D")] * 2,
                       "channel": [None, None, "web", None], "kind": ["purchase", "purchase", "interaction", "purchase"],
                       "value": [5.0, 6.0, np.nan, 9.0]})
    p = cxkit.journey.paths(cxkit.EventLog.from_pandas(df), by="channel")
    j = p.journeys()
    assert j["customer_id"].tolist() == [2] and j["path"].tolist() == ["web"] and j["value"].tolist() == [9.0]
    # a log where nobody has a touch gives no paths, and attribution says so
    only = cxkit.journey.paths(cxkit.EventLog.from_pandas(df[df["customer_id"] == 1]), by="channel")
    assert len(only) == 0
    with pytest.raises(ValueError, match="no paths"):
        cxkit.journey.attribution.markov(only)


@pytest.mark.parametrize("name", ["(start)", "(conversion)", "(null)"])
def test_channels_named_like_reserved_states(name):
    with pytest.raises(ValueError, match="reserved"):
        table([f"a > {name}"], [1], [0])
    df = pd.DataFrame({"customer_id": [1, 1], "time": pd.to_datetime(["2024-01-01", "2024-01-02"]),
                       "channel": ["web", name], "kind": ["interaction", "interaction"]})
    with pytest.raises(ValueError, match="reserved"):
        cxkit.journey.paths(cxkit.EventLog.from_pandas(df), by="channel")


def test_zero_conversions_overall():
    p = table(["a > b", "b"], [0, 0], [3, 2])
    with pytest.raises(ValueError, match="no conversions"):
        cxkit.journey.attribution.markov(p)
    for order in (2, 3):
        with pytest.raises(ValueError, match="no conversions"):
            cxkit.journey.attribution.markov(p, order=order)
    # documented: rule-based and Shapley credits are all 0, nothing to split
    h = cxkit.journey.attribution.heuristic(p)
    assert (h.to_numpy() == 0).all() and list(h.index) == ["a", "b"]
    s = cxkit.journey.attribution.shapley(p)
    assert (s.to_numpy() == 0).all()
    # time decay on a log where nobody converts: 0 too
    df = pd.DataFrame({"customer_id": [1, 1], "time": pd.to_datetime(["2024-01-01", "2024-01-02"]),
                       "channel": ["web", "email"], "kind": ["interaction", "interaction"]})
    td = cxkit.journey.attribution.heuristic(cxkit.journey.paths(cxkit.EventLog.from_pandas(df), by="channel"),
                                     half_life="7D")
    assert (td["time_decay"] == 0).all()


def test_more_channels_than_shapleys_exact_limit():
    limit = cxkit._core.journey.shapley_exact_limit
    assert limit == 20
    n = 25
    paths = [f"c{i} > c{(i + 1) % n} > c{i}" for i in range(n)]
    conv = np.arange(1, n + 1, dtype=float)
    p = table(paths, conv, np.ones(n), value=10 * conv)
    s = cxkit.journey.attribution.shapley(p)
    assert s.attrs["exact"] is False
    # simplified form by hand: each path's conversions split over its 2 distinct channels; channel i is in
    # path i and path i - 1
    expect = pd.Series({f"c{i}": (conv[i] + conv[i - 1]) / 2 for i in range(n)})
    np.testing.assert_allclose(s.loc[expect.index, "conversions"], expect, rtol=1e-12)
    np.testing.assert_allclose(s.loc[expect.index, "value"], 10 * expect, rtol=1e-12)
    # at or under the limit: exact, and equal to the simplified form for this value function
    small = table(["a > b", "b > c > a", "c"], [3, 2, 1], [1, 1, 1])
    exact = cxkit.journey.attribution.shapley(small)
    assert exact.attrs["exact"] is True
    pd.testing.assert_frame_equal(exact, cxkit.journey.attribution.shapley(small, simplified=True), check_exact=False)


def test_bad_counts_weights_and_columns():
    with pytest.raises(ValueError, match="'total_conversions', row 1"):
        table(["a", "b"], [1, np.nan], [0, 0])
    with pytest.raises(ValueError, match="'total_conversions', row 0: must be a count"):
        table(["a", "b"], [-1, 1], [0, 0])
    with pytest.raises(ValueError, match="'total_null', row 1"):
        table(["a", "b"], [1, 1], [0, -2])
    with pytest.raises(ValueError, match="'v', row 1: must be a finite number"):
        table(["a", "b"], [1, 1], [0, 0], value=[1.0, np.inf])
    with pytest.raises(ValueError, match="column 'nope' is not in the frame"):
        Paths.from_pandas(pd.DataFrame({"path": ["a"], "total_conversions": [1], "total_null": [0]}), nulls="nope")
    p = table(["a > b"], [1], [0])
    with pytest.raises(ValueError, match="position weights"):
        cxkit.journey.attribution.heuristic(p, first=0.7, last=0.5)
    with pytest.raises(ValueError, match="position weights"):
        cxkit.journey.attribution.heuristic(p, first=-0.1)


def test_step_tables_refuse_bad_sizes():
    p = table(["a > b", "b"], [1, 0], [0, 2])
    for bad in (0, -1, 2.5, True):
        with pytest.raises(ValueError, match="n must be a positive integer"):
            p.top_paths(bad)
    with pytest.raises(ValueError, match="mode"):
        p.funnel(["a"], mode="half-open")
    with pytest.raises(ValueError, match="at least one step"):
        p.funnel([])
    with pytest.raises(ValueError, match="values"):
        p.step_matrix(3, values="pct")


def test_counts_whose_totals_overflow_are_refused():
    """Issue 12 ("silently wrong"): rows of 1e308 conversions each are finite, their total is not; credits came
    back inf/NaN. Now a ValueError when the paths are built."""
    df = pd.DataFrame({"path": ["a > b", "b"], "total_conversions": [1e308, 1e308], "total_null": [0.0, 0.0]})
    with pytest.raises(ValueError, match="add up"):
        Paths.from_pandas(df)
    df = pd.DataFrame({"path": ["a", "b"], "total_conversions": [1.0, 1.0], "total_null": [0.0, 0.0],
                       "v": [1e308, -1e308]})
    with pytest.raises(ValueError, match="values add up"):
        Paths.from_pandas(df, value="v")


def test_step_times_across_the_whole_timestamp_range_are_not_wrapped():
    """Issue 12 (signed overflow): a journey from pd.Timestamp.min to near pd.Timestamp.max has steps ~584 years
    apart; the signed difference wrapped to a negative time. Now the time is exact in C++ and NaT in pandas (past
    the Timedelta range), and the next step's time is right."""
    df = pd.DataFrame({"customer_id": [1, 1, 1],
                       "time": [pd.Timestamp.min, pd.Timestamp.max - pd.Timedelta(1, "D"), pd.Timestamp.max],
                       "channel": ["a", "b", None], "kind": ["touch", "touch", "purchase"]})
    p = cxkit.journey.paths(cxkit.EventLog.from_pandas(df), by="channel")
    t = p.transitions().set_index(["from", "to"])["median_time"]
    assert pd.isna(t[("a", "b")])
    assert t[("b", "(conversion)")] == pd.Timedelta(1, "D")
    assert pd.isna(p.funnel(["a", "b"])["median_time_to_next"].iloc[0])
    td = cxkit.journey.attribution.heuristic(p, half_life="7D")["time_decay"]
    assert td["b"] == pytest.approx(1.0) and td["a"] == pytest.approx(0.0)
    raw = cxkit._core.journey.transition_times(p._core)
    assert (raw["median"] >= 0).all() and raw["median"].max() > 1.8e19

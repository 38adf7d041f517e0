"""Journeys and attribution from Python, checked against independent numpy computations and hand counts."""
import numpy as np
import pandas as pd
import pytest

import cxkit
from cxkit.journey import Paths

CA_SAMPLE = pd.DataFrame({  # ChannelAttribution's input format
    "path": ["alpha > beta > gamma", "alpha > alpha > gamma", "beta", "gamma > alpha", "beta > gamma > beta > alpha",
             "alpha", "delta > beta", "gamma > delta > delta"],
    "total_conversions": [3, 2, 1, 4, 2, 0, 1, 3],
    "total_null": [5, 1, 6, 2, 1, 7, 4, 2],
    "total_conversion_value": [30.0, 20, 10, 40, 20, 0, 15, 33],
})


def numpy_markov(df: pd.DataFrame) -> pd.Series:
    """Removal effects by an independent dense numpy solve of the absorbing chain, one chain per removal."""
    rows = []
    for p, c, n in zip(df["path"], df["total_conversions"], df["total_null"]):
        states = [s.strip() for s in p.split(">")]
        collapsed = [s for i, s in enumerate(states) if i == 0 or s != states[i - 1]]
        rows.append((collapsed, c, n))
    channels = sorted({s for r in rows for s in r[0]})
    names = ["(start)"] + channels + ["(conversion)", "(null)"]
    ix = {s: i for i, s in enumerate(names)}
    C = np.zeros((len(names), len(names)))
    for states, c, n in rows:
        seq = ["(start)"] + states
        for a, b in zip(seq[:-1], seq[1:]):
            C[ix[a], ix[b]] += c + n
        C[ix[states[-1]], ix["(conversion)"]] += c
        C[ix[states[-1]], ix["(null)"]] += n
    T = len(channels) + 1

    def p_conv(removed=None):
        P = C[:T] / C[:T].sum(axis=1, keepdims=True)
        if removed is not None:
            P = P.copy()
            P[:, ix["(null)"]] += P[:, ix[removed]]
            P[:, ix[removed]] = 0
        Q, r = P[:, :T], P[:, ix["(conversion)"]]
        return np.linalg.solve(np.eye(T) - Q, r)[0]

    base = p_conv()
    return pd.Series({ch: 1 - p_conv(ch) / base for ch in channels})


def test_markov_equals_numpy_dense_solve_on_channelattribution_format():
    paths = Paths.from_pandas(CA_SAMPLE, value="total_conversion_value")
    res = cxkit.journey.attribution.markov(paths)
    expect = numpy_markov(CA_SAMPLE)
    got = res.credits["removal_effect"]
    for ch in expect.index:
        assert abs(got[ch] - expect[ch]) < 1e-9, ch
    credit = expect / expect.sum() * CA_SAMPLE["total_conversions"].sum()
    np.testing.assert_allclose(res.credits.loc[credit.index, "conversions"], credit, rtol=0, atol=1e-9)
    np.testing.assert_allclose(res.credits["value"].sum(), CA_SAMPLE["total_conversion_value"].sum())
    np.testing.assert_allclose(res.transition_matrix.sum(axis=1), 1.0)


def test_markov_equals_numpy_on_generated_paths():
    rng = np.random.default_rng(5)
    ch = np.array(["web", "email", "social", "search", "tv", "app", "sms"])
    df = pd.DataFrame({"path": [" > ".join(rng.choice(ch, rng.integers(1, 7))) for _ in range(500)],
                       "total_conversions": rng.integers(0, 5, 500), "total_null": rng.integers(0, 9, 500)})
    res = cxkit.journey.attribution.markov(Paths.from_pandas(df))
    expect = numpy_markov(df)
    np.testing.assert_allclose(res.credits.loc[expect.index, "removal_effect"], expect, rtol=0, atol=1e-9)


def test_paths_from_log_and_planted_conversion_channel():
    log = cxkit.datasets.simulate(4000, seed=2, as_log=True)
    p = cxkit.journey.paths(log, by="channel")
    credits = cxkit.journey.attribution.markov(p).credits
    truth = cxkit.datasets.SIMULATOR_TRUTH["conversion_channel"]
    assert credits["conversions"].idxmax() == truth
    # every customer with a touch is in exactly one path row
    tbl = p.to_pandas()
    assert tbl["total_conversions"].sum() + tbl["total_null"].sum() <= log.n_customers
    assert cxkit.journey.attribution.shapley(p)["conversions"].idxmax() == truth


def test_heuristics_by_hand():
    df = pd.DataFrame({"path": ["a > b > c", "b > a", "c"], "total_conversions": [3, 2, 1], "total_null": [1, 1, 1],
                       "v": [30.0, 20.0, 10.0]})
    h = cxkit.journey.attribution.heuristic(Paths.from_pandas(df, value="v"))
    assert h.loc["a", "first_touch"] == 3 and h.loc["b", "first_touch"] == 2 and h.loc["c", "first_touch"] == 1
    assert h.loc["c", "last_touch"] == 4 and h.loc["a", "last_touch"] == 2
    # linear: a = 3/3 + 2/2, b = 3/3 + 2/2, c = 3/3 + 1
    assert h.loc["a", "linear"] == pytest.approx(2) and h.loc["c", "linear"] == pytest.approx(2)
    # position based 40/20/40: a = 0.4*3 + 0.5*2, b = 0.2*3 + 0.5*2, c = 0.4*3 + 1
    assert h.loc["a", "position_based"] == pytest.approx(2.2)
    assert h.loc["b", "position_based"] == pytest.approx(1.6)
    assert h.loc["c", "position_based"] == pytest.approx(2.2)
    assert h.loc["a", "linear_value"] == pytest.approx(10 + 10)


def test_transitions_top_paths_and_funnel_by_hand():
    df = pd.DataFrame({"path": ["a > b > c", "a > c", "b"], "total_conversions": [2, 1, 0], "total_null": [1, 1, 3]})
    p = Paths.from_pandas(df)
    t = p.transitions().set_index(["from", "to"])["count"]
    assert t[("(start)", "a")] == 5 and t[("(start)", "b")] == 3
    assert t[("a", "b")] == 3 and t[("a", "c")] == 2 and t[("b", "c")] == 3
    assert t[("c", "(conversion)")] == 3 and t[("c", "(null)")] == 2 and t[("b", "(null)")] == 3
    probs = p.transitions().groupby("from")["probability"].sum()
    np.testing.assert_allclose(probs, 1.0)
    top = p.top_paths(2)
    assert top["path"].tolist() == ["a > b > c", "b"]
    f = p.funnel(["a", "b", "c"])
    # closed funnel: a reached by 3 + 2 = 5 customers, a->b by 3, a->b->c by 3
    assert f["customers"].tolist() == [5, 3, 3]
    assert f["step_conversion"].tolist() == [1.0, 0.6, 1.0]
    fo = p.funnel(["b", "c"], mode="open")
    assert fo["customers"].tolist() == [6, 3]  # b: 3 + 3; c after b: 3 (a > c has no b first)
    with pytest.raises(ValueError, match="unknown funnel step"):
        p.funnel(["a", "zzz"])


def test_attribution_bad_input():
    with pytest.raises(ValueError, match="no conversions"):
        cxkit.journey.attribution.markov(Paths.from_pandas(pd.DataFrame({"path": ["a > b"], "total_conversions": [0],
                                                                 "total_null": [4]})))
    with pytest.raises(ValueError, match="reserved"):
        Paths.from_pandas(pd.DataFrame({"path": ["a > (conversion)"], "total_conversions": [1], "total_null": [0]}))
    with pytest.raises(ValueError, match="empty state"):
        Paths.from_pandas(pd.DataFrame({"path": ["a >> b"], "total_conversions": [1], "total_null": [0]}))
    # documented: with a separator that does not occur, each path string is one state
    one = Paths.from_pandas(pd.DataFrame({"path": ["a,b"], "total_conversions": [1], "total_null": [0]}), sep=",,")
    assert one.states == ["a,b"]
    with pytest.raises(ValueError, match="separator"):
        Paths.from_pandas(pd.DataFrame({"path": ["a"], "total_conversions": [1], "total_null": [0]}), sep="")
    with pytest.raises(ValueError, match="order must be an integer from 1 to 4"):
        cxkit.journey.attribution.markov(Paths.from_pandas(CA_SAMPLE), order=5)


def numpy_relative_weights(X, y):
    Z = np.column_stack([X, y])
    R = np.corrcoef(Z, rowvar=False)
    rxx, rxy = R[:-1, :-1], R[:-1, -1]
    evals, V = np.linalg.eigh(rxx)
    lam = V @ np.diag(np.sqrt(evals)) @ V.T
    beta = np.linalg.solve(lam, rxy)
    return (lam ** 2) @ (beta ** 2)


def test_relative_weights_equal_numpy_and_sum_to_r2():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(3000, 6)) + 0.5 * rng.normal(size=(3000, 1))
    y = X @ np.array([0.5, -0.3, 0.2, 0.0, 0.1, 0.4]) + rng.normal(size=3000)
    d = cxkit.journey.drivers.relative_importance(pd.DataFrame(X, columns=list("abcdef")), y, n_boot=50)
    expect = numpy_relative_weights(X, y)
    np.testing.assert_allclose(d.loc[list("abcdef"), "weight"], expect, atol=1e-12)
    A = np.column_stack([np.ones(len(y)), X])
    res = y - A @ np.linalg.lstsq(A, y, rcond=None)[0]
    r2 = 1 - res @ res / ((y - y.mean()) @ (y - y.mean()))
    assert d.attrs["r_squared"] == pytest.approx(r2, abs=1e-10)
    assert d["share"].sum() == pytest.approx(100)
    assert d.loc["b", "sign"] == -1
    assert (d["low"] <= d["weight"] + 1e-12).all() and (d["weight"] <= d["high"] + 1e-12).all()
    s = cxkit.journey.drivers.relative_importance(X[:, :4], y, method="shapley", n_boot=0)
    assert s["weight"].sum() == pytest.approx(s.attrs["r_squared"])


def test_prioritise_quadrants_and_stakeholders():
    items = pd.DataFrame({"fix": ["checkout", "phone wait", "faq", "logo"], "impact": [0.9, 0.8, 0.2, 0.1],
                          "feasibility": [0.8, 0.1, 0.9, 0.2]})
    out = cxkit.prioritise(items, name="fix")
    assert out.loc["checkout", "quadrant"] == "quick win" and out.loc["checkout", "rank"] == 1
    assert out.loc["phone wait", "quadrant"] == "major project"
    assert out.loc["faq", "quadrant"] == "fill-in" and out.loc["logo", "quadrant"] == "thankless task"
    people = pd.DataFrame({"who": ["cfo", "agent"], "support": [0.9, 0.1], "influence": [0.9, 0.1]})
    sm = cxkit.prioritise(people, impact="support", feasibility="influence", name="who",
                          labels=cxkit.STAKEHOLDER_QUADRANTS)
    assert sm.loc["cfo", "quadrant"] == "champion" and sm.loc["agent", "quadrant"] == "bystander"
    with pytest.raises(ValueError, match="row 1"):
        cxkit.prioritise(pd.DataFrame({"impact": [1, np.nan], "feasibility": [1, 2]}))


def test_journey_map_and_moments_of_truth_find_the_planted_effects():
    log = cxkit.datasets.simulate(8000, seed=3, as_log=True)
    truth = cxkit.datasets.SIMULATOR_TRUTH
    jm = cxkit.journey.journey_map(log)
    assert jm["stage"].cat.categories[0] == "awareness"
    flagged = jm[jm["pain_point"]]
    worst = jm.dropna(subset=["csat"]).sort_values("csat").iloc[0]
    assert worst["touchpoint"] == truth["worst_csat_touchpoint"] and worst["pain_point"]
    assert set(flagged["touchpoint"]) <= set(truth["pain_point_touchpoints"])
    assert ((jm["drop_off"] >= 0) & (jm["drop_off"] <= 1)).all()
    mot = cxkit.journey.moments_of_truth(log, outcome="nps", n_boot=20)
    assert mot.index[0] == truth["moment_of_truth"]
    assert mot.iloc[0]["effect"] < -2  # a bad first delivery costs about 3 NPS points per answer
    assert mot.iloc[0]["bad_rate"] == pytest.approx(truth["moment_of_truth_bad_rate"], abs=0.05)


def test_holm_adjustment_by_hand():
    from cxkit.journey._map import _holm
    # p sorted 0.01, 0.02, 0.04 with m = 3: 0.03, max(0.03, 0.04), max(0.04, 0.04)
    np.testing.assert_allclose(_holm(np.array([0.04, 0.01, np.nan, 0.02])), [0.04, 0.03, np.nan, 0.04])

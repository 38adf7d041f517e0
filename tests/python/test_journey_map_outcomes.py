"""Journey map intervals for CES and sentiment (Student t, checked with scipy and pandas) and moments of truth for
every outcome ("nps", "csat", "churn", "conversion") against a pandas + numpy computation on the event table."""
import numpy as np
import pandas as pd
import pytest

import cxkit


@pytest.fixture(scope="module")
def sim():
    df = cxkit.datasets.simulate(3000, seed=6).drop(columns=["text"])
    return df, cxkit.EventLog.from_pandas(df)


def test_journey_map_ces_and_sentiment_intervals_equal_t_intervals(sim):
    stats = pytest.importorskip("scipy.stats")
    df, log = sim
    jm = cxkit.journey.journey_map(log, confidence=0.9).set_index(["stage", "touchpoint"])
    d = df.dropna(subset=["stage", "touchpoint"]).astype({"stage": str, "touchpoint": str})
    for score in ("ces", "sentiment"):
        g = d.groupby(["stage", "touchpoint"])[score].agg(["mean", "std", "count"])
        g = g[g["count"] >= 2]
        assert len(g) >= 3, score
        half = stats.t.ppf(0.95, g["count"] - 1) * g["std"] / np.sqrt(g["count"])
        got = jm.loc[[(s, t) for s, t in g.index]]
        np.testing.assert_allclose(got[score], g["mean"], rtol=1e-12, err_msg=score)
        np.testing.assert_allclose(got[f"{score}_n"], g["count"], err_msg=score)
        np.testing.assert_allclose(got[f"{score}_low"], g["mean"] - half, rtol=1e-9, err_msg=score)
        np.testing.assert_allclose(got[f"{score}_high"], g["mean"] + half, rtol=1e-9, err_msg=score)
        # cells without two answers have no interval
        few = jm[jm[f"{score}_n"] < 2]
        assert few[f"{score}_low"].isna().all()


def numpy_relative_weights(X, y):
    R = np.corrcoef(np.column_stack([X, y]), rowvar=False)
    evals, V = np.linalg.eigh(R[:-1, :-1])
    lam = V @ np.diag(np.sqrt(evals)) @ V.T
    return (lam ** 2) @ np.linalg.solve(lam, R[:-1, -1]) ** 2


def pandas_outcome(df: pd.DataFrame, outcome: str) -> pd.Series:
    g = df.groupby("customer_id")
    if outcome in ("nps", "csat"):
        return g[outcome].mean()
    if outcome == "churn":
        return (g["time"].max() < df["time"].max() - pd.Timedelta(days=90)).astype(float)
    return g["kind"].agg(lambda k: (k == "purchase").any()).astype(float)


@pytest.mark.parametrize("outcome", ["nps", "csat", "churn", "conversion"])
def test_moments_of_truth_equal_pandas_for_every_outcome(sim, outcome):
    df, log = sim
    bad = (df["csat"] <= 2) | (df["sentiment"] <= -0.05) | (df["kind"] == "complaint")
    t = df.assign(bad=bad.astype(float)).dropna(subset=["touchpoint"])
    t = t.astype({"touchpoint": str})
    reached = t.pivot_table(index="customer_id", columns="touchpoint", values="bad", aggfunc="max")
    y = pandas_outcome(df, outcome).reindex(reached.index).dropna()
    X = reached.loc[y.index].fillna(0.0)
    X = X.loc[:, X.std() > 0]
    got = cxkit.journey.moments_of_truth(log, outcome=outcome, n_boot=0)
    assert set(got.index) == set(X.columns)
    w = pd.Series(numpy_relative_weights(X.to_numpy(), y.to_numpy()), index=X.columns)
    np.testing.assert_allclose(got.loc[w.index, "weight"], w, atol=1e-10)
    effect = pd.Series({c: y[X[c] == 1].mean() - y[X[c] == 0].mean() for c in X.columns})
    np.testing.assert_allclose(got.loc[effect.index, "effect"], effect, rtol=1e-12)
    rate = (reached == 1).sum() / reached.notna().sum()
    np.testing.assert_allclose(got.loc[effect.index, "bad_rate"], rate[effect.index], rtol=1e-12)
    assert got["weight"].is_monotonic_decreasing


def test_moments_of_truth_bad_input(sim):
    _, log = sim
    with pytest.raises(ValueError, match="outcome must be"):
        cxkit.journey.moments_of_truth(log, outcome="revenue")
    bare = cxkit.EventLog.from_pandas(pd.DataFrame({"customer_id": [1], "time": [pd.Timestamp("2024-01-01")],
                                                    "channel": ["web"]}))
    with pytest.raises(ValueError, match="'touchpoint' column"):
        cxkit.journey.moments_of_truth(bare)
    with pytest.raises(ValueError, match="'stage' column"):
        cxkit.journey.journey_map(bare)

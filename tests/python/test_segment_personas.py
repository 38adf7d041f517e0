"""cxkit.segment.personas: profiles of segments, and k-means on behaviour features recovers the simulator's
planted personas."""
import numpy as np
import pandas as pd
import pytest

import cxkit
from cxkit import segment

pytest.importorskip("sklearn")
from sklearn.metrics import adjusted_rand_score  # noqa: E402

from cxkit.segment._demo import persona_features  # noqa: E402


@pytest.fixture(scope="module")
def sim():
    df = cxkit.datasets.simulate(4000, seed=3)
    # the demo's behaviour features (the recipe, not the code under test: personas() is)
    features, truth = persona_features(df)
    events = df.groupby("customer_id", observed=True).size().loc[features.index]
    return df, features, truth, events


def test_kmeans_recovers_planted_personas(sim):
    _, features, truth, events = sim
    km = segment.KMeans(4, n_init=10, standardize=True, seed=0).fit(features)
    ari_all = adjusted_rand_score(truth, km.labels_)
    active = (events >= 10).to_numpy()
    ari_active = adjusted_rand_score(truth[active], km.labels_[active])
    print(f"ARI buyers {ari_all:.3f} ({len(truth)}), buyers with >= 10 events {ari_active:.3f} ({active.sum()})")
    assert ari_all >= 0.8  # 0.804 with this seed: buyers with few events carry little persona signal
    assert ari_active >= 0.85


def test_personas_profile_and_scorecard(sim):
    df, features, truth, _ = sim
    log = cxkit.EventLog.from_pandas(df, categoricals=["persona"])
    km = segment.KMeans(4, n_init=10, standardize=True, seed=0).fit(features)
    P = segment.personas(features, km, log=log)
    assert len(P) == 4
    assert sum(p.size for p in P) == len(features)
    assert sum(p.share for p in P) == pytest.approx(1.0)
    # the centre is the segment mean in original units
    p0 = P[0]
    np.testing.assert_allclose(p0.centre.to_numpy(), features[km.labels_ == 0].mean().to_numpy())
    # distinguishing features sorted by |SMD|
    smd = p0.distinguishing["smd"].abs().to_numpy()
    assert (np.diff(smd) <= 0).all()
    # the support-heavy segment: the one whose top touchpoint is a support touchpoint, most tickets
    tickets = {p.label: p.centre["tickets_per_month"] for p in P}
    support = max(tickets, key=tickets.get)
    assert P[support].channels.loc["phone", "lift"] > 1.5
    assert truth[km.labels_ == support].value_counts().idxmax() == "support_heavy"
    # KPI scorecard per segment: support-heavy has the lowest NPS
    nps = {p.label: p.kpis["nps"] for p in P}
    assert min(nps, key=nps.get) == support
    assert set(P.scorecard["segment"].astype(str)) >= {"0", "1", "2", "3"}
    html = P._repr_html_()
    assert html.count("Segment ") == 4 and "Channels" in html and "NPS" in html
    assert "customers" in repr(P)
    assert list(P.table.columns[:3]) == ["size", "share", "summary"]


def test_personas_without_log_and_bad_input():
    f = pd.DataFrame({"a": [1.0, 2, 10, 11], "b": [5.0, 5, 5, 5]})
    P = segment.personas(f, ["x", "x", "y", "y"])
    assert P["y"].centre["a"] == 10.5
    assert P["y"].distinguishing.loc[P["y"].distinguishing["feature"] == "b", "smd"].item() == 0.0  # constant
    assert P["x"].channels is None and P["x"].kpis is None
    with pytest.raises(ValueError, match="one value per row"):
        segment.personas(f, [0, 1])
    with pytest.raises(TypeError):
        segment.personas(f.to_numpy(), [0, 0, 1, 1])

"""Segmentation plots render with the Agg backend, return their Axes and draw the numbers they are given."""
import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from cxkit import segment  # noqa: E402
from cxkit.segment import plotting as P  # noqa: E402


@pytest.fixture(scope="module")
def summary():
    rng = np.random.default_rng(0)
    n = 3000
    return pd.DataFrame({"recency": rng.integers(0, 365, n).astype(float),
                         "frequency": rng.geometric(0.3, n).astype(float),
                         "monetary": np.round(rng.lognormal(4, 1, n), 2)})


def test_rfm_segment_bars(summary, tmp_path):
    import matplotlib.pyplot as plt

    scores = pd.concat([summary, segment.rfm_scores(summary)], axis=1)
    t = P.rfm_segment_shares(scores)
    # independent: pandas value counts and revenue sums
    want_n = scores["segment"].astype(str).value_counts()
    want_rev = scores.groupby(scores["segment"].astype(str))["monetary"].sum()
    for seg, row in t.iterrows():
        assert row["customers"] == want_n.get(seg, 0)
        assert row["revenue_share"] == pytest.approx(want_rev.get(seg, 0.0) / summary["monetary"].sum())
    ax = P.plot_rfm_segments(scores)
    assert isinstance(ax, matplotlib.axes.Axes)
    shown = [seg for seg in t.index if t.loc[seg, "customers"] > 0]
    assert [tl.get_text() for tl in ax.get_yticklabels()] == shown
    widths = sorted(round(b.get_width(), 12) for b in ax.patches)
    assert widths == sorted(round(v, 12) for v in np.r_[t.loc[shown, "customer_share"], t.loc[shown, "revenue_share"]])
    ax.figure.savefig(tmp_path / "rfm.png")
    assert (tmp_path / "rfm.png").stat().st_size > 5000
    # without monetary: customers only
    ax = P.plot_rfm_segments(segment.rfm_scores(summary), monetary=None)
    assert len(ax.patches) == len(shown)
    with pytest.raises(ValueError, match="segment"):
        P.plot_rfm_segments(summary)
    plt.close("all")


def test_k_selection_curve(tmp_path):
    import matplotlib.pyplot as plt
    from sklearn.datasets import make_blobs

    X, _ = make_blobs(1500, n_features=3, centers=4, cluster_std=0.8, random_state=1)
    t = segment.choose_k(X, k=range(2, 8), seed=0, sample_size=800)
    ax = P.plot_k_selection(t)
    assert isinstance(ax, matplotlib.axes.Axes)
    x, y = ax.lines[0].get_data()
    np.testing.assert_array_equal(x, t["k"])
    np.testing.assert_allclose(y, t["inertia"])
    x2, y2 = ax.silhouette_ax.lines[0].get_data()
    np.testing.assert_allclose(y2, t["silhouette"])
    marker = [ln for ln in ax.lines if "suggested" in ln.get_label()][0]
    assert marker.get_xdata()[0] == t.attrs["suggested_k"] == 4
    ax.figure.savefig(tmp_path / "k.png")
    with pytest.raises(ValueError, match="silhouette"):
        P.plot_k_selection(t.drop(columns="silhouette"))
    plt.close("all")


def test_persona_profile_heatmap(tmp_path):
    import matplotlib.pyplot as plt

    rng = np.random.default_rng(2)
    labels = np.repeat(["A", "B", "C"], [200, 300, 500])
    features = pd.DataFrame({"spend": rng.normal(0, 1, 1000) + (labels == "A") * 2,
                             "visits": rng.normal(5, 2, 1000) - (labels == "C"),
                             "tickets": rng.poisson(1, 1000).astype(float), "const": 1.0})
    per = segment.personas(features, labels)
    # independent standardised mean differences (numpy, ddof 0)
    for lab in "ABC":
        for c in features.columns:
            x = features[c].to_numpy()
            sd = x.std()
            want = 0.0 if sd == 0 else (x[labels == lab].mean() - x.mean()) / sd
            assert per.smd.loc[lab, c] == pytest.approx(want, abs=1e-12)
    ax = P.plot_persona_profiles(per, max_features=3)
    img = ax.images[0].get_array()
    assert img.shape == (3, 3)
    cols = [t.get_text() for t in ax.get_xticklabels()]
    assert "const" not in cols
    np.testing.assert_allclose(np.asarray(img), per.smd[cols].to_numpy())
    ax.figure.savefig(tmp_path / "personas.png")
    with pytest.raises(ValueError, match="unknown feature"):
        P.plot_persona_profiles(per, features=["nope"])
    plt.close("all")

"""The segmentation section of `python -m cxkit demo`: its numbers against independent computations."""
import re

import numpy as np
import pandas as pd
import pytest

import cxkit
from cxkit.segment import _demo

pytest.importorskip("sklearn")
from sklearn.metrics import adjusted_rand_score  # noqa: E402


def test_adjusted_rand_index_equals_sklearn():
    rng = np.random.default_rng(0)
    for _ in range(5):
        a, b = rng.integers(0, 4, 300), rng.integers(0, 5, 300)
        b[:150] = a[:150]
        assert _demo.adjusted_rand_index(a, b) == pytest.approx(adjusted_rand_score(a, b), abs=1e-12)
    assert _demo.adjusted_rand_index([1, 1, 2], [5, 5, 7]) == 1.0


def test_demo_section():
    text = cxkit.segment._demo_section()
    # RFM of every CDNOW customer: the per-segment counts add up and equal a pandas count of the same scores
    tx = cxkit.datasets.load_cdnow()
    g = tx.groupby("customer_id")
    summary = pd.DataFrame({"recency": (tx["time"].max() - g["time"].max()) / pd.Timedelta(days=1),
                            "frequency": g.size().astype(float), "monetary": g["value"].sum()})
    want = cxkit.segment.rfm_scores(summary)["segment"].astype(str).value_counts()
    for seg, n in want.items():
        assert re.search(rf"^  {re.escape(seg)}\s+{n:,}\s", text, re.M), seg
    # personas: the ARI printed is sklearn's on the same clustering
    features, truth = _demo.persona_features(cxkit.datasets.simulate(4000, seed=3))
    km = cxkit.segment.KMeans(4, n_init=10, standardize=True, seed=0).fit(features)
    ari = adjusted_rand_score(truth, km.labels_)
    assert ari >= 0.8
    assert f"adjusted Rand index vs the planted personas {ari:.3f}" in text
    assert "personalised:" in text and "segment_popular:" in text and "similar to smartwatch" in text

"""One meaning per name (issue 11): cxkit.segment's per-customer RFM measures are rfm_measures (cxkit.clv.rfm_summary
is the CLV models' summary, other inputs, other columns); the old segment name works for one release with a
DeprecationWarning. demo_section is private; the plots live in each area's plotting module; segment and voc read
the compiled core from their own submodules."""
import warnings

import numpy as np
import pandas as pd
import pytest

import cxkit
from cxkit import _core


@pytest.fixture
def log():
    df = pd.DataFrame({"customer_id": [1, 1, 2, 3, 3, 3],
                       "time": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-01-15", "2024-01-02",
                                               "2024-01-20", "2024-03-01"]),
                       "value": [10.0, 20.0, 5.0, 1.0, 2.0, 3.0], "kind": "purchase"})
    return cxkit.EventLog.from_pandas(df)


def test_rfm_measures_is_the_segment_summary(log):
    m = cxkit.segment.rfm_measures(log)
    assert list(m.columns) == ["recency", "frequency", "monetary"]
    assert m.loc[3, "frequency"] == 3 and m.loc[1, "monetary"] == 30.0
    assert m.loc[3, "recency"] == 0.0 and m.loc[1, "recency"] == 29.0  # days to the log's last event
    assert "rfm_measures" in cxkit.segment.__all__ and "rfm_summary" not in cxkit.segment.__all__


def test_the_old_segment_rfm_summary_warns_and_gives_the_same_table(log):
    with pytest.warns(DeprecationWarning, match="rfm_measures"):
        old = cxkit.segment.rfm_summary(log)
    pd.testing.assert_frame_equal(old, cxkit.segment.rfm_measures(log))
    # the CLV summary is another function with another meaning, and does not warn
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        assert cxkit.clv.rfm_summary is not cxkit.segment.rfm_measures


def test_demo_section_is_private():
    for area in (cxkit.segment, cxkit.voc):
        assert "demo_section" not in area.__all__ and not hasattr(area, "demo_section")
        assert callable(area._demo_section)


def test_plots_live_in_the_plotting_modules():
    import cxkit.segment.plotting
    import cxkit.voc.plotting

    assert cxkit.voc.plot_sentiment is cxkit.voc.plotting.plot_sentiment
    assert callable(cxkit.voc.plotting.plot_backlog)
    assert callable(cxkit.segment.plotting.plot_rfm_segments)


def test_bindings_live_in_their_submodules():
    for name in ("kmeans", "predict", "silhouette_score", "rfm_scores", "quantile_scores", "Recommender",
                 "RecommenderState"):
        assert hasattr(_core.segment, name), name
    for name in ("Lexicon", "Vader"):
        assert hasattr(_core.voc, name), name
    assert not hasattr(_core.segment, "segment")  # no nested cxkit._core.segment.segment


def test_the_compiled_lexicon_finds_the_shipped_files(monkeypatch):
    from importlib import resources

    data = resources.files("cxkit.voc") / "data"
    monkeypatch.setenv("CXKIT_DATA_DIR", str(data))
    lex = _core.voc.Lexicon.default()
    assert len(lex) == len(cxkit.voc.Lexicon.default())
    monkeypatch.setenv("CXKIT_DATA_DIR", "/nonexistent/cxkit-data")
    with pytest.raises(ValueError, match="CXKIT_DATA_DIR"):
        _core.voc.Lexicon.default()
    np.testing.assert_allclose(cxkit.voc.sentiment(["good"]).compound, [0.4404])

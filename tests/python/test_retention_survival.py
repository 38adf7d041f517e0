"""cxkit.retention.kaplan_meier / logrank_test against lifelines (from PyPI, imported here), and the bad input."""

import numpy as np
import pandas as pd
import pytest

import cxkit

lifelines = pytest.importorskip("lifelines")
from lifelines.statistics import logrank_test, multivariate_logrank_test  # noqa: E402

R = cxkit.retention


def _samples():
    rng = np.random.default_rng(7)
    yield "ints with ties", rng.integers(0, 40, 500).astype(float), rng.random(500) < 0.7
    yield "continuous", rng.exponential(10, 800), rng.random(800) < 0.5
    yield "all observed", rng.integers(1, 10, 60).astype(float), np.ones(60, bool)
    yield "all die", np.array([1.0, 2, 2, 3]), np.array([1, 1, 1, 1])
    yield "zeros and censoring", np.array([0.0, 0, 1, 2, 2, 5, 7, 7]), np.array([1, 0, 1, 0, 1, 1, 0, 0])
    yield "large", rng.gamma(2.0, 30.0, 20_000).round(1), rng.random(20_000) < 0.8


@pytest.mark.parametrize("conf", [0.95, 0.9])
def test_kaplan_meier_equals_lifelines(conf):
    for name, d, e in _samples():
        km = R.kaplan_meier(d, e, confidence=conf)
        ref = lifelines.KaplanMeierFitter(alpha=1 - conf).fit(d, e)
        sf = km.survival_function_
        np.testing.assert_array_equal(sf.index.to_numpy(), ref.survival_function_.index.to_numpy(), err_msg=name)
        np.testing.assert_allclose(sf["survival"], ref.survival_function_.iloc[:, 0], rtol=0, atol=1e-9, err_msg=name)
        ci = ref.confidence_interval_
        np.testing.assert_allclose(sf["lower"], ci.iloc[:, 0], rtol=0, atol=1e-9, err_msg=name)
        np.testing.assert_allclose(sf["upper"], ci.iloc[:, 1], rtol=0, atol=1e-9, err_msg=name)
        assert km.median_survival_time_ == ref.median_survival_time_, name
        et = ref.event_table
        np.testing.assert_array_equal(km.event_table["at_risk"], et["at_risk"], err_msg=name)
        np.testing.assert_array_equal(km.event_table["observed"], et["observed"], err_msg=name)


def test_logrank_equals_lifelines():
    rng = np.random.default_rng(3)
    da, db = rng.exponential(10, 300).round(), rng.exponential(13, 250).round()
    ea, eb = rng.random(300) < 0.8, rng.random(250) < 0.7
    got = R.logrank_test(da, db, ea, eb)
    ref = logrank_test(da, db, ea, eb)
    assert got.degrees_of_freedom == 1
    assert got.statistic == pytest.approx(ref.test_statistic, rel=1e-9, abs=1e-12)
    assert got.p_value == pytest.approx(ref.p_value, rel=1e-9, abs=1e-12)
    # all observed when flags are omitted
    assert R.logrank_test(da, db).statistic == pytest.approx(logrank_test(da, db).test_statistic, rel=1e-9)

    g = rng.choice(["web", "phone", "chat", "email"], 900)
    d = rng.exponential(10, 900).round() + (g == "chat") * 2
    e = rng.random(900) < 0.75
    got = R.multivariate_logrank_test(d, g, e)
    ref = multivariate_logrank_test(d, g, e)
    assert got.degrees_of_freedom == 3 == ref.degrees_of_freedom
    assert got.statistic == pytest.approx(ref.test_statistic, rel=1e-9)
    assert got.p_value == pytest.approx(ref.p_value, rel=1e-9)


def test_by_group():
    rng = np.random.default_rng(5)
    g = np.where(rng.random(600) < 0.5, "A", "B")
    d = rng.exponential(np.where(g == "A", 8, 12)).round(1)
    e = rng.random(600) < 0.8
    res = R.kaplan_meier(d, e, groups=g)
    assert set(res.fits) == {"A", "B"}
    ref = lifelines.KaplanMeierFitter().fit(d[g == "B"], e[g == "B"])
    np.testing.assert_allclose(res["B"].survival_function_["survival"], ref.survival_function_.iloc[:, 0], atol=1e-9)
    assert res.median_survival_time_["B"] == ref.median_survival_time_
    assert res.logrank_.p_value == pytest.approx(multivariate_logrank_test(d, g, e).p_value, rel=1e-9)
    assert res.survival_function_.index.names == ["group", "timeline"]


def test_plot():
    mpl = pytest.importorskip("matplotlib")
    mpl.use("Agg")
    km = R.kaplan_meier([1, 2, 2, 3, 5, 8], [1, 1, 0, 1, 0, 1])
    ax = km.plot()
    assert len(ax.collections) == 1  # the band
    res = R.kaplan_meier([1, 2, 2, 3, 5, 8], [1, 1, 0, 1, 0, 1], groups=[0, 0, 0, 1, 1, 1])
    ax = res.plot()
    assert len(ax.lines) == 2 and "log-rank" in ax.get_title()
    import matplotlib.pyplot as plt
    plt.close("all")


def test_bad_input():
    with pytest.raises(ValueError, match=r"column 'durations', row 2: duration must be a finite number >= 0"):
        R.kaplan_meier([1, 2, -1, 3])
    with pytest.raises(ValueError, match=r"column 'durations', row 1"):
        R.kaplan_meier([1, np.nan])
    with pytest.raises(ValueError, match=r"column 'observed', row 1: event flag must be 0 or 1, got 2"):
        R.kaplan_meier([1, 2, 3], [1, 2, 0])
    with pytest.raises(ValueError, match=r"observed has 2 rows but durations has 3"):
        R.kaplan_meier([1, 2, 3], [1, 0])
    with pytest.raises(ValueError, match="confidence"):
        R.kaplan_meier([1, 2, 3], confidence=1.5)
    with pytest.raises(ValueError, match="at least two groups"):
        R.multivariate_logrank_test([1, 2, 3], ["a", "a", "a"])
    with pytest.raises(ValueError, match="row 1"):
        R.logrank_test([1, 2], [3, 4], [1, 0.5], [1, 1])
    # bools and integer flags are fine; an empty sample gives the timeline [0]
    assert R.kaplan_meier([1, 2, 3], np.array([True, False, False])).median_survival_time_ == np.inf
    assert len(R.kaplan_meier([]).survival_function_) == 1

"""Recommender.recommend(timing=(model, summary), horizon=...): per-customer timing columns equal to the CLV model's
own predictions, NaN for customers missing from the summary, clear errors otherwise."""
from __future__ import annotations

import doctest

import numpy as np
import pandas as pd
import pytest

from cxkit import clv
from cxkit.segment import Recommender

BG = dict(r=0.243, alpha=4.414, a=0.793, b=2.426)


@pytest.fixture(scope="module")
def shop():
    rng = np.random.default_rng(5)
    n = 3000
    cust = rng.integers(0, 300, n)
    buys = pd.DataFrame({"customer_id": cust + 100, "item": rng.integers(0, 40, n).astype(str)})
    ids = np.arange(100, 400)
    x = rng.integers(0, 12, len(ids)).astype(float)
    T = rng.uniform(20, 52, len(ids))
    t_x = np.where(x > 0, T * rng.uniform(0, 1, len(ids)), 0.0)
    summary = pd.DataFrame({"frequency": x, "recency": t_x, "T": T}, index=pd.Index(ids, name="customer_id"))
    return buys, summary.sample(frac=1, random_state=1)  # the summary's order does not matter


@pytest.mark.parametrize("cls, params", [(clv.BetaGeoModel, BG),
                                         (clv.ParetoNBDModel, dict(r=0.5533, alpha=10.5776, s=0.6062, beta=11.6679)),
                                         (clv.ModifiedBetaGeoModel, dict(r=0.5248, alpha=6.183, a=0.8914, b=1.614))])
def test_timing_columns_are_the_models_predictions(shop, cls, params):
    buys, summary = shop
    model = cls.from_params(**params)
    rec = Recommender().fit(buys)
    plain = rec.recommend(n=3)
    out = rec.recommend(n=3, timing=(model, summary), horizon=8)
    pd.testing.assert_frame_equal(out[plain.columns], plain)  # the recommendations themselves do not change
    s = summary.loc[out["customer_id"]]
    f, r, T = s["frequency"], s["recency"], s["T"]
    np.testing.assert_array_equal(out["p_alive"], model.probability_alive(f, r, T).to_numpy())
    np.testing.assert_array_equal(out["p_purchase"], model.probability_of_purchase_within(8, f, r, T).to_numpy())
    np.testing.assert_array_equal(out["expected_purchases"],
                                  model.conditional_expected_purchases(8, f, r, T).to_numpy())
    np.testing.assert_array_equal(out["median_time_to_next_purchase"],
                                  model.median_time_to_next_purchase(f, r, T).to_numpy())
    assert ((out["p_purchase"] > 0) & (out["p_purchase"] <= out["p_alive"])).all()


def test_discrete_model_reads_the_periods_column():
    buys = pd.DataFrame({"customer_id": [1, 1, 2, 2, 3], "item": ["a", "b", "a", "c", "b"]})
    summary = pd.DataFrame({"frequency": [3.0, 1, 0], "recency": [5.0, 1, 0], "periods": [6.0, 6, 6]},
                           index=[1, 2, 3])
    m = clv.BetaGeoBetaBinomModel.from_params(alpha=1.204, beta=0.750, gamma=0.657, delta=2.783)
    out = Recommender().fit(buys).recommend(timing=(m, summary), horizon=4)
    s = summary.loc[out["customer_id"]]
    np.testing.assert_array_equal(out["p_purchase"],
                                  m.probability_of_purchase_within(4, s["frequency"], s["recency"], s["periods"]))
    with pytest.raises(ValueError, match="column 't', row 0: must be a whole number of periods"):
        Recommender().fit(buys).recommend(timing=(m, summary), horizon=2.5)


def test_missing_customers_get_nan_and_errors_are_clear(shop):
    buys, summary = shop
    model = clv.BetaGeoModel.from_params(**BG)
    table = pd.DataFrame({"customer_id": [9999]})  # no purchases, so no RFM row: the popular-items fallback
    rec = Recommender().fit(buys, customers=table)
    out = rec.recommend([100, 9999], timing=(model, summary), horizon=4)
    new = out[out["customer_id"] == 9999]
    old = out[out["customer_id"] == 100]
    assert len(new) and new[["p_alive", "p_purchase", "expected_purchases",
                             "median_time_to_next_purchase"]].isna().all().all()
    assert old["p_alive"].notna().all()
    with pytest.raises(ValueError, match="none of the 1 customers is in the summary's index"):
        rec.recommend([9999], timing=(model, summary), horizon=4)
    with pytest.raises(ValueError, match="none of the 2 customers"):  # ids of another type
        rec.recommend([100, 101], timing=(model, summary.set_axis(summary.index.astype(str))), horizon=4)
    with pytest.raises(ValueError, match="horizon: needed with timing="):
        rec.recommend([100], timing=(model, summary))
    with pytest.raises(ValueError, match="horizon: must be a finite number >= 0"):
        rec.recommend([100], timing=(model, summary), horizon=-1)
    with pytest.raises(TypeError, match=r"timing must be a \(model, summary\) pair"):
        rec.recommend([100], timing=model, horizon=4)
    with pytest.raises(TypeError, match="fitted cxkit.clv purchase model"):
        rec.recommend([100], timing=(clv.GammaGammaModel(), summary), horizon=4)
    with pytest.raises(ValueError, match="appears twice"):
        rec.recommend([100], timing=(model, pd.concat([summary, summary.iloc[:1]])), horizon=4)
    with pytest.raises(RuntimeError, match="not fitted"):
        rec.recommend([100], timing=(clv.BetaGeoModel(), summary), horizon=4)


def test_docstring_example():
    finder, runner = doctest.DocTestFinder(), doctest.DocTestRunner()
    for test in finder.find(Recommender.recommend, "recommend", globs={}):
        runner.run(test)
    assert runner.failures == 0 and runner.tries >= 6

"""Issue 12 (CLV predictions validate their inputs as the fits do): every prediction refuses a customer that breaks
a fitting rule with a ValueError naming the column, the row and the rule, instead of returning a number (negative
frequency, recency > T, T = inf or negative), Boost's `trunc` error (NaN frequency) or "cannot create std::vector
larger than max_size()" (a BG/BB horizon of 1e300)."""

import math

import numpy as np
import pytest

from cxkit import clv

BG = dict(r=0.243, alpha=4.414, a=0.793, b=2.426)
MODELS = [
    (clv.BetaGeoModel, BG),
    (clv.ModifiedBetaGeoModel, dict(r=0.5248, alpha=6.183, a=0.8914, b=1.614)),
    (clv.ParetoNBDModel, dict(r=0.5533, alpha=10.5776, s=0.6062, beta=11.6679)),
]
BAD = [
    (-1.0, 0.0, 10.0, "frequency", "whole number of repeat purchases"),
    (float("nan"), 0.0, 10.0, "frequency", "whole number of repeat purchases"),
    (2.0, 12.0, 10.0, "recency", "must be <= T"),
    (2.0, 5.0, float("inf"), "T", "finite number >= 0"),
    (2.0, 5.0, -1.0, "T", "finite number >= 0"),
]


@pytest.mark.parametrize("cls, params", MODELS)
@pytest.mark.parametrize("x, tx, T, column, rule", BAD)
def test_continuous_predictions_refuse_bad_customers(cls, params, x, tx, T, column, rule):
    m = cls.from_params(**params)
    f, r, TT = [1.0, x], [0.5, tx], [8.0, T]  # row 0 is fine, row 1 is not
    calls = [
        lambda: m.probability_alive(f, r, TT),
        lambda: m.conditional_expected_purchases(4, f, r, TT),
        lambda: m.log_likelihood(f, r, TT),
        lambda: m.conditional_probability_of_n_purchases(4, 1, f, r, TT),
        lambda: m.probability_of_purchase_within(4, f, r, TT),
        lambda: m.median_time_to_next_purchase(f, r, TT),
    ]
    for call in calls:
        with pytest.raises(ValueError, match=rf"column '{column}', row 1: .*{rule}"):
            call()


def test_bgbb_predictions_refuse_bad_periods():
    m = clv.BetaGeoBetaBinomModel.from_params(alpha=1.204, beta=0.750, gamma=0.657, delta=2.783)
    with pytest.raises(ValueError, match=r"column 'periods', row 0: must be at most 10\^7 periods"):
        m.probability_alive([1], [2], [1e300])
    with pytest.raises(ValueError, match=r"column 'periods', row 0: must be a finite number >= 0"):
        m.conditional_expected_purchases(3, [1], [2], [float("inf")])
    with pytest.raises(ValueError, match=r"column 'frequency', row 0"):
        m.median_time_to_next_purchase([float("nan")], [2], [6])
    with pytest.raises(ValueError, match=r"column 't'"):
        m.conditional_probability_of_n_purchases(1e300, 0, [1], [2], [6])


def test_t_is_validated():
    m = clv.BetaGeoModel.from_params(**BG)
    with pytest.raises(ValueError, match=r"column 't', row 1: must be a finite number >= 0"):
        m.conditional_expected_purchases([1, -1], [1, 1], [2, 2], [5, 5])
    with pytest.raises(ValueError, match=r"column 't'"):
        m.expected_purchases(float("nan"))


def test_bg_nbd_expected_purchases_are_not_negative_for_old_customers():
    """Issue 12: BG/NBD returned negative expected purchases for T around 4e11 (1 - 2F1 cancelled)."""
    m = clv.BetaGeoModel.from_params(**BG)
    T = np.array([1e6, 1e9, 4e11, 1e13])
    v = m.conditional_expected_purchases(10, np.ones(4), np.ones(4), T)
    assert (v >= 0).all() and np.isfinite(v).all()
    # E[Y(t) | alive] ~ t (r + x) / (alpha + T) for t << T: the exact limit
    alive = m.probability_alive(np.ones(4), np.ones(4), T)
    np.testing.assert_allclose(v / alive, 10 * (BG["r"] + 1) / (BG["alpha"] + T), rtol=1e-4)


@pytest.mark.parametrize("t", [0, 1, 6, 30])
def test_bgbb_probability_of_n_purchases_in_cpp_matches_the_formula(t):
    """Issue 11 point 3: the BG/BB P(X(t) = n) moved from a Python lgamma loop to C++; the old loop is the reference."""
    al, be, ga, de = 1.204, 0.750, 0.657, 2.783
    m = clv.BetaGeoBetaBinomModel.from_params(alpha=al, beta=be, gamma=ga, delta=de)
    lg = math.lgamma

    def lbeta(x, y):
        return lg(x) + lg(y) - lg(x + y)

    def lcomb(a, b):
        return lg(a + 1) - lg(b + 1) - lg(a - b + 1)

    def reference(x):
        if x > t:
            return 0.0
        p = math.exp(lcomb(t, x) + lbeta(al + x, be + t - x) - lbeta(al, be) + lbeta(ga, de + t) - lbeta(ga, de))
        for i in range(x, t):
            p += math.exp(lcomb(i, x) + lbeta(al + x, be + i - x) - lbeta(al, be) + lbeta(ga + 1, de + i)
                          - lbeta(ga, de))
        return p

    ns = list(range(t + 2))
    got = m.probability_of_n_purchases(t, ns)
    np.testing.assert_allclose(got, [reference(x) for x in ns], rtol=1e-12, atol=1e-300)
    assert abs(got.sum() - 1) < 1e-12
    assert m.probability_of_n_purchases(t, 0) == pytest.approx(reference(0), rel=1e-12)
    with pytest.raises(ValueError, match="t: must be a whole number"):
        m.probability_of_n_purchases(2.5, 0)

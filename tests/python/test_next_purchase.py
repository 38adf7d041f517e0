"""Next-purchase timing of the CLV models (conditional_probability_of_n_purchases, probability_of_purchase_within,
median_time_to_next_purchase) against independent references:

* a double integral (scipy) over the individual rates, weighting P(n purchases in (T, T+t] | rates, history) by the
  likelihood of the history: Bayes' rule written out from the models' definitions, without the posterior-parameter
  shortcut the C++ uses (BG/NBD, MBG/NBD, Pareto/NBD; BG/BB over (p, theta) with its own branch structure);
* Monte-Carlo from the models' simulate() (fixed seed, tolerance from the binomial standard error) for customers
  with an empty history;
* the models' own conditional_expected_purchases (sum of n P(n)), limits and the median's definition.

lifetimes 0.11.3 (bench/.venv-lifetimes) has conditional_probability_of_n_purchases_up_to_time only on its
ParetoNBDFitter, not on BetaGeoFitter, so it is not a reference for the BG/NBD here.
"""
from __future__ import annotations

import doctest

import numpy as np
import pytest
from scipy import integrate, special

from cxkit import clv

BG = dict(r=0.243, alpha=4.414, a=0.793, b=2.426)          # FHL 2005, CDNOW
MBG = dict(r=0.5248, alpha=6.183, a=0.8914, b=1.614)
PNBD = dict(r=0.5533, alpha=10.5776, s=0.6062, beta=11.6679)
BGBB = dict(alpha=1.204, beta=0.750, gamma=0.657, delta=2.783)  # FHS 2010, donations

HISTORIES = [(0, 0.0, 38.0), (2, 30.43, 38.86), (7, 35.0, 38.0), (1, 2.0, 39.0)]


def pois(n, m):
    return np.exp(special.xlogy(n, m) - m - special.gammaln(n + 1))


def gamma_logpdf_of_log(y, shape, rate):
    """log density of y = ln(lambda) for lambda ~ Gamma(shape, rate)."""
    return shape * np.log(rate) - special.gammaln(shape) + shape * y - rate * np.exp(y)


def bayes_beta_geo(t, n, x, t_x, T, r, alpha, a, b, modified=False):
    """P(n in (T, T+t] | history) for the BG/NBD (MBG/NBD: modified), integrating over ln(lambda) and p."""
    k = x + 1 if modified else x  # drop-out chances survived by an alive customer

    def future_if_alive(lam, p):  # n purchases in t, each followed by a drop-out chance
        if n == 0:
            return np.exp(-lam * t)
        return (1 - p) ** (n - 1) * ((1 - p) * pois(n, lam * t) + p * special.gammainc(n, lam * t))

    def parts(y, p):
        lam = np.exp(y)
        w = np.exp(gamma_logpdf_of_log(y, r, alpha)) * p ** (a - 1) * (1 - p) ** (b - 1) / special.beta(a, b)
        rate = lam ** x
        alive = (1 - p) ** k * rate * np.exp(-lam * T)
        dead = (p * (1 - p) ** (k - 1) * rate * np.exp(-lam * t_x)) if (x > 0 or modified) else 0.0
        return w * alive, w * dead

    lo, hi = -25.0 / r, np.log(80.0 / alpha)  # the density of ln(lambda) ~ lambda^r: e^-25 of the mass below lo
    num = integrate.dblquad(lambda p, y: (lambda al, de: al * future_if_alive(np.exp(y), p) + de * (n == 0))(*parts(y, p)),
                            lo, hi, 0, 1, epsabs=0, epsrel=1e-10)[0]
    den = integrate.dblquad(lambda p, y: sum(parts(y, p)), lo, hi, 0, 1, epsabs=0, epsrel=1e-10)[0]
    return num / den


def bayes_pareto(t, n, x, t_x, T, r, alpha, s, beta):
    """P(n in (T, T+t] | history) for the Pareto/NBD, integrating over ln(lambda), ln(mu)."""

    def parts(v, y):
        lam, mu = np.exp(y), np.exp(v)
        w = np.exp(gamma_logpdf_of_log(y, r, alpha) + gamma_logpdf_of_log(v, s, beta))
        alive = lam ** x * np.exp(-(lam + mu) * T)
        dead = lam ** x * np.exp(v - np.logaddexp(y, v)) * (np.exp(-(lam + mu) * t_x) - np.exp(-(lam + mu) * T))
        return w * alive, w * dead, lam, mu

    def num(v, y):
        al, de, lam, mu = parts(v, y)
        dead_share = np.exp(v + n * y - (n + 1) * np.logaddexp(y, v))  # mu lambda^n / (lambda + mu)^(n+1)
        fut = np.exp(-mu * t) * pois(n, lam * t) + dead_share * special.gammainc(n + 1, (lam + mu) * t)
        return al * fut + de * (n == 0)

    ly, hy = -25.0 / r, np.log(80.0 / alpha)
    lv, hv = -25.0 / s, np.log(80.0 / beta)
    a = integrate.dblquad(num, ly, hy, lv, hv, epsabs=0, epsrel=1e-10)[0]
    d = integrate.dblquad(lambda v, y: sum(parts(v, y)[:2]), ly, hy, lv, hv, epsabs=0, epsrel=1e-10)[0]
    return a / d


def bayes_bgbb(t, k, x, t_x, n, alpha, beta, gamma, delta):
    """BG/BB P(k in the next t opportunities | history) by Bayes' rule over (p, theta), every term a product of beta
    moments E[p^i (1-p)^j] E[theta^u (1-theta)^v]. Here the alive branch is 'alive through opportunity n' (FHS 2010
    eq. 5), so the first future opportunity may already see the death (the C++ conditions on alive at n+1)."""

    def moment(i, j, u, v):
        return np.exp(special.betaln(alpha + i, beta + j) - special.betaln(alpha, beta)
                      + special.betaln(gamma + u, delta + v) - special.betaln(gamma, delta))

    alive = (x, n - x, 0, n)  # exponents of p, 1-p, theta, 1-theta
    dead = [(x, t_x - x + i, 1, t_x + i) for i in range(int(n - t_x))]
    den = moment(*alive) + sum(moment(*d) for d in dead)
    num = sum(moment(*d) for d in dead) * (k == 0)
    for l in range(k, int(t) + 1):  # alive for l future opportunities, dies at the start of the next (if l < t)
        comb = special.comb(l, k)
        die = 1 if l < t else 0
        num += comb * moment(alive[0] + k, alive[1] + l - k, die, alive[3] + l)
    return num / den


@pytest.mark.parametrize("x, t_x, T, t, n", [(0, 0.0, 38.0, 4.0, 0), (2, 30.43, 38.86, 13.0, 0),
                                             (7, 35.0, 38.0, 13.0, 2), (1, 2.0, 39.0, 52.0, 1)])
def test_beta_geo_and_modified_match_bayes_rule(x, t_x, T, t, n):
    bg = clv.BetaGeoModel.from_params(**BG)
    mbg = clv.ModifiedBetaGeoModel.from_params(**MBG)
    assert bg.conditional_probability_of_n_purchases(t, n, x, t_x, T) == pytest.approx(
        bayes_beta_geo(t, n, x, t_x, T, **BG), rel=1e-6)
    assert mbg.conditional_probability_of_n_purchases(t, n, x, t_x, T) == pytest.approx(
        bayes_beta_geo(t, n, x, t_x, T, **MBG, modified=True), rel=1e-6)


@pytest.mark.parametrize("x, t_x, T, t, n", [(0, 0.0, 38.0, 13.0, 2), (2, 30.43, 38.86, 4.0, 0),
                                             (7, 35.0, 38.0, 13.0, 0), (1, 2.0, 39.0, 26.0, 1)])
def test_pareto_matches_bayes_rule(x, t_x, T, t, n):
    m = clv.ParetoNBDModel.from_params(**PNBD)
    assert m.conditional_probability_of_n_purchases(t, n, x, t_x, T) == pytest.approx(
        bayes_pareto(t, n, x, t_x, T, **PNBD), rel=1e-6)


@pytest.mark.parametrize("x, t_x, n, t, k", [(0, 0, 6, 5, 0), (3, 5, 6, 1, 0), (6, 6, 6, 5, 2), (2, 2, 6, 10, 4),
                                             (3, 5, 6, 5, 1)])
def test_beta_geo_beta_binom_matches_bayes_rule(x, t_x, n, t, k):
    m = clv.BetaGeoBetaBinomModel.from_params(**BGBB)
    assert m.conditional_probability_of_n_purchases(t, k, x, t_x, n) == pytest.approx(
        bayes_bgbb(t, k, x, t_x, n, **BGBB), rel=1e-6)


MODELS = [
    (clv.BetaGeoModel, BG, 39.0),
    (clv.ModifiedBetaGeoModel, MBG, 39.0),
    (clv.ParetoNBDModel, PNBD, 39.0),
    (clv.BetaGeoBetaBinomModel, BGBB, 8),
]


@pytest.mark.parametrize("cls, params, t", MODELS)
def test_empty_history_matches_simulation(cls, params, t):
    """A customer with no history yet (x = t_x = T = 0) is a new customer: the frequency of simulate(t) counts her
    purchases in (0, t]. 200,000 customers, fixed seed, 4.5 standard errors."""
    m = cls.from_params(**params)
    n_sim = 200_000
    freq = m.simulate(n_sim, t, seed=11)["frequency"].to_numpy()
    for k in range(5):
        p = m.conditional_probability_of_n_purchases(t, k, 0, 0, 0)
        se = np.sqrt(p * (1 - p) / n_sim)
        assert abs((freq == k).mean() - p) < 4.5 * se + 1e-12, (k, (freq == k).mean(), p)
    p_any = m.probability_of_purchase_within(t, 0, 0, 0)
    assert abs((freq > 0).mean() - p_any) < 4.5 * np.sqrt(p_any * (1 - p_any) / n_sim)


@pytest.mark.parametrize("cls, params, t", MODELS)
def test_pmf_sums_to_one_with_the_models_conditional_mean(cls, params, t):
    m = cls.from_params(**params)
    hist = [(0, 0, 6), (3, 5, 6), (6, 6, 6)] if cls is clv.BetaGeoBetaBinomModel else HISTORIES
    for x, t_x, T in hist:
        p = np.array([m.conditional_probability_of_n_purchases(t, k, x, t_x, T) for k in range(300)])
        assert (p >= 0).all()
        assert p.sum() == pytest.approx(1, abs=1e-9)
        assert (np.arange(300) * p).sum() == pytest.approx(m.conditional_expected_purchases(t, x, t_x, T), rel=1e-7)


@pytest.mark.parametrize("cls, params, t", MODELS)
def test_limits_monotonicity_and_median(cls, params, t):
    m = cls.from_params(**params)
    discrete = cls is clv.BetaGeoBetaBinomModel
    x = np.array([0, 2, 7, 1, 5], dtype=float)
    t_x = np.array([0, 5, 7, 1, 6], dtype=float) if discrete else np.array([0, 30.43, 35, 2, 20])
    T = np.full(5, 8.0) if discrete else np.array([38, 38.86, 38, 39, 40])
    # t = 0: nothing can happen
    assert (m.conditional_probability_of_n_purchases(0, 0, x, t_x, T) == 1).all()
    assert (m.probability_of_purchase_within(0, x, t_x, T) == 0).all()
    # increasing in t, towards at most P(alive)
    ts = np.arange(1, 60) if discrete else np.geomspace(0.01, 1e4, 60)
    p = np.array([m.probability_of_purchase_within(tt, x, t_x, T) for tt in ts])
    assert (np.diff(p, axis=0) >= -1e-12).all() and (np.diff(p[:20], axis=0) > 0).all()  # quadrature noise when flat
    alive = m.probability_alive(x, t_x, T)
    assert (p <= alive + 1e-12).all()
    np.testing.assert_allclose(p[3], 1 - m.conditional_probability_of_n_purchases(ts[3], 0, x, t_x, T), rtol=1e-12)
    # the median: P reaches 1/2 there (the first whole period where it does, for the BG/BB); inf when it never does
    med = m.median_time_to_next_purchase(x, t_x, T)
    assert isinstance(med, np.ndarray) and med.shape == (5,)
    finite = np.isfinite(med)
    assert finite.any() and (~finite).any()
    for i in np.flatnonzero(finite):
        pm = m.probability_of_purchase_within(med[i], x[i], t_x[i], T[i])
        if discrete:
            assert med[i] == int(med[i]) and pm >= 0.5
            assert m.probability_of_purchase_within(med[i] - 1, x[i], t_x[i], T[i]) < 0.5
        else:
            assert pm == pytest.approx(0.5, abs=1e-9)
    for i in np.flatnonzero(~finite):  # never reaches 1/2: even a very long horizon stays below
        far = 10**4 if discrete else 1e12
        assert m.probability_of_purchase_within(far, x[i], t_x[i], T[i]) < 0.5


def test_beta_geo_limit_is_p_alive():
    m = clv.BetaGeoModel.from_params(**BG)
    for x, t_x, T in HISTORIES:
        assert m.conditional_probability_of_n_purchases(1e60, 0, x, t_x, T) == pytest.approx(
            1 - m.probability_alive(x, t_x, T), abs=1e-6)
    assert m.probability_of_purchase_within(np.inf, 2, 30.43, 38.86) == m.probability_alive(2, 30.43, 38.86)
    with pytest.raises(ValueError, match="column 't', row 0: must be a finite number >= 0, got inf"):
        m.conditional_probability_of_n_purchases(np.inf, 0, 2, 30.43, 38.86)
    # the median is finite exactly when P(alive) > 1/2
    x, t_x, T = np.array([2.0, 1.0]), np.array([30.43, 2.0]), np.array([38.86, 39.0])
    assert (np.isfinite(m.median_time_to_next_purchase(x, t_x, T)) == (m.probability_alive(x, t_x, T) > 0.5)).all()


@pytest.mark.parametrize("params, x, t_x, T", [
    (PNBD, 7, 35.0, 38.0),                                   # alpha + T < beta + T
    (dict(r=3.0, alpha=100.0, s=0.2, beta=1.0), 2, 5.0, 10.0),  # alpha + T > beta + T (the other series)
    (dict(r=0.1, alpha=1.0, s=3.0, beta=100.0), 0, 0.0, 0.0),   # a new customer, rates far apart
])
def test_pareto_limit_is_an_integral_over_the_rates(params, x, t_x, T):
    """lim P(a purchase ever | history) = P(alive) E[lambda / (lambda + mu)] over the posterior rates."""
    m = clv.ParetoNBDModel.from_params(**params)
    r, alpha, s, beta = params["r"] + x, params["alpha"] + T, params["s"], params["beta"] + T

    def f(v, y):
        lam, mu = np.exp(y), np.exp(v)
        return np.exp(gamma_logpdf_of_log(y, r, alpha) + gamma_logpdf_of_log(v, s, beta)) * lam / (lam + mu)

    # each log-rate from where its gamma leaves less than 1e-13 of mass below (shapes < 1 keep mass near 0)
    lo_lam, lo_mu = np.log(1e-13 ** (1 / r) / alpha), np.log(1e-13 ** (1 / s) / beta)
    e = integrate.dblquad(f, lo_lam, np.log(80 / alpha), lo_mu, np.log(80 / beta), epsabs=0, epsrel=1e-10)[0]
    ever = m.probability_of_purchase_within(np.inf, x, t_x, T)
    assert ever == pytest.approx(m.probability_alive(x, t_x, T) * e, rel=1e-7)
    assert m.probability_of_purchase_within(1e6, x, t_x, T) == pytest.approx(ever, rel=1e-9)


def test_pandas_in_pandas_out_and_scalars():
    import pandas as pd

    m = clv.BetaGeoModel.from_params(**BG)
    df = pd.DataFrame({"frequency": [0.0, 2, 7], "recency": [0.0, 30.43, 35], "T": [38.0, 38.86, 38]},
                      index=pd.Index([11, 12, 13], name="customer_id"))
    p = m.probability_of_purchase_within(4, df["frequency"], df["recency"], df["T"])
    assert isinstance(p, pd.Series) and list(p.index) == [11, 12, 13]
    assert isinstance(m.median_time_to_next_purchase(2, 30.43, 38.86), float)
    per_t = m.probability_of_purchase_within(np.array([1.0, 4.0, 9.0]), 2, 30.43, 38.86)
    assert per_t[1] == m.probability_of_purchase_within(4.0, 2, 30.43, 38.86)
    assert m.conditional_probability_of_n_purchases_up_to_time(1, 4, 2, 30.43, 38.86) == \
        m.conditional_probability_of_n_purchases(4, 1, 2, 30.43, 38.86)


def test_bad_input():
    bg = clv.BetaGeoModel.from_params(**BG)
    with pytest.raises(ValueError, match=r"column 't', row 1: must be a finite number >= 0, got -1"):
        bg.probability_of_purchase_within(np.array([1.0, -1.0]), [1, 1], [2, 2], [3, 3])
    with pytest.raises(ValueError, match=r"column 'recency', row 0: must be <= T"):
        bg.conditional_probability_of_n_purchases(1, 0, 1, 4, 3)
    with pytest.raises(ValueError, match=r"column 'frequency', row 1: must be a whole number"):
        bg.median_time_to_next_purchase([1, 1.5], [2, 2], [3, 3])
    with pytest.raises(ValueError, match="n: must be a whole number >= 0"):
        bg.conditional_probability_of_n_purchases(1, -1, 1, 2, 3)
    with pytest.raises(ValueError, match="n: must be a whole number >= 0"):
        bg.conditional_probability_of_n_purchases(1, 0.5, 1, 2, 3)
    with pytest.raises(ValueError, match=r"column 'T': has 2 values but frequency has 3"):
        bg.median_time_to_next_purchase([1, 1, 1], [2, 2, 2], np.array([3.0, 3.0]))
    bb = clv.BetaGeoBetaBinomModel.from_params(**BGBB)
    with pytest.raises(ValueError, match=r"column 't', row 0: must be a whole number of periods, got 1.5"):
        bb.probability_of_purchase_within(1.5, 3, 5, 6)
    with pytest.raises(ValueError, match=r"column 't', row 0: must be at most 10\^7 periods"):
        bb.probability_of_purchase_within(1e8, 3, 5, 6)
    with pytest.raises(ValueError, match=r"column 'periods', row 0: must be a whole number of periods"):
        bb.median_time_to_next_purchase(3, 5, 6.5)
    with pytest.raises(ValueError, match=r"column 'frequency', row 0: must be <= recency"):
        bb.conditional_probability_of_n_purchases(2, 0, 4, 3, 6)
    with pytest.raises(RuntimeError, match="not fitted"):
        clv.ParetoNBDModel().median_time_to_next_purchase(1, 2, 3)


def test_docstring_examples():
    finder, runner = doctest.DocTestFinder(), doctest.DocTestRunner()
    for name in ("conditional_probability_of_n_purchases", "probability_of_purchase_within",
                 "median_time_to_next_purchase"):
        for test in finder.find(getattr(clv.BetaGeoModel, name), name):
            runner.run(test)
    assert runner.failures == 0 and runner.tries == 9

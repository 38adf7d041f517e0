"""Pareto/NBD P(X(t) = n) against an independent double integral over the gamma-distributed purchase and drop-out
rates (scipy), a Monte-Carlo from simulate, and the closed-form mean; the probabilities sum to one."""
from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, special

from cxkit import clv

CDNOW = dict(r=0.5533, alpha=10.5776, s=0.6062, beta=11.6679)


def p_given_rates_mixed(t: float, n: int, r: float, alpha: float, s: float, beta: float) -> float:
    """E over lambda ~ Gamma(r, alpha), mu ~ Gamma(s, beta) of P(X(t) = n | lambda, mu): alive at t (e^-mu t) with a
    Poisson(lambda t) count, or dead at tau < t with a Poisson(lambda tau) count, which integrates over tau to
    mu lambda^n / (lambda + mu)^(n+1) P(n+1, (lambda + mu) t). Integrated over log-rates with scipy's dblquad."""
    lr = r * np.log(alpha) - special.gammaln(r)
    ls = s * np.log(beta) - special.gammaln(s)

    def f(y, x):  # x = ln lambda, y = ln mu; the densities times the Jacobians lambda, mu
        lam, mu = np.exp(x), np.exp(y)
        w = np.exp(lr + r * x - alpha * lam + ls + s * y - beta * mu)
        alive = np.exp(-mu * t + special.xlogy(n, lam * t) - lam * t - special.gammaln(n + 1))
        dead = np.exp(y + n * x - (n + 1) * np.log(lam + mu)) * special.gammainc(n + 1, (lam + mu) * t)
        return w * (alive + dead)

    v, _ = integrate.dblquad(f, np.log(1e-30), np.log(60 / alpha), np.log(1e-30), np.log(60 / beta),
                             epsabs=1e-12, epsrel=1e-10)
    return v


@pytest.mark.parametrize("t, n", [(0.01, 1), (10, 0), (10, 3), (39, 1), (39, 8), (52, 2)])
def test_probability_of_n_purchases_matches_a_double_integral_over_the_rates(t, n):
    m = clv.ParetoNBDModel.from_params(**CDNOW)
    assert m.probability_of_n_purchases(t, n) == pytest.approx(p_given_rates_mixed(t, n, **CDNOW), rel=1e-7)


def test_probability_of_n_purchases_matches_simulation():
    m = clv.ParetoNBDModel.from_params(**CDNOW)
    n_sim = 400_000
    x = m.simulate(n_sim, 39, seed=8)["frequency"].to_numpy()
    p = m.probability_of_n_purchases(39, np.arange(6))
    freq = np.array([(x == k).mean() for k in range(6)])
    se = np.sqrt(p * (1 - p) / n_sim)
    assert (np.abs(freq - p) < 4.5 * se).all(), (freq, p)


@pytest.mark.parametrize("params", [CDNOW, dict(r=1.2, alpha=2.0, s=0.3, beta=9.0), dict(r=0.7, alpha=5, s=1.0, beta=5)])
@pytest.mark.parametrize("t", [0.001, 1.0, 39.0, 104.0])  # 0.001: a short horizon (the quadrature on a short interval)
def test_probabilities_sum_to_one_with_the_closed_form_mean(params, t):
    m = clv.ParetoNBDModel.from_params(**params)
    ns = np.arange(0, 1500)
    p = m.probability_of_n_purchases(t, ns)
    assert isinstance(p, np.ndarray) and (p >= 0).all()
    assert abs(p.sum() - 1) < 1e-8
    assert (ns * p).sum() == pytest.approx(m.expected_purchases(t), rel=1e-8)
    assert isinstance(m.probability_of_n_purchases(t, 2), float)
    with pytest.raises(ValueError, match="n: must be whole numbers >= 0"):
        m.probability_of_n_purchases(t, -1)

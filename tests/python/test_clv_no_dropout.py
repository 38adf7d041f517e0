"""Issue 12 (BG/NBD-family fits on data without drop-outs): such fits run to a boundary (a + b -> inf, where the
exact predictions overflowed in Boost after a converged_ fit, or a/(a+b) -> 0; Pareto/NBD s -> 0). The fit says
so (NoDropoutSignalWarning, no_dropout_signal_) and the predictions stay finite."""

import time
import warnings

import numpy as np
import pytest

import cxkit
from cxkit import clv


def _no_dropout_customers(n: int = 200, T: float = 52.0, seed: int = 2):
    """Poisson purchases over the whole window (first purchase at 0), nobody drops out."""
    rng = np.random.default_rng(seed)
    lam = rng.gamma(5.0, 1 / 2.0, n)
    x, tx = np.zeros(n), np.zeros(n)
    for i in range(n):
        k = rng.poisson(lam[i] * T)
        if k:
            x[i], tx[i] = k, rng.uniform(0, T, k).max()
    return x, tx, np.full(n, T)


@pytest.mark.parametrize("cls", [clv.BetaGeoModel, clv.ModifiedBetaGeoModel, clv.ParetoNBDModel])
def test_no_dropout_data_warn_and_predict_finite_numbers(cls):
    x, tx, T = _no_dropout_customers()
    t0 = time.perf_counter()
    with pytest.warns(clv.NoDropoutSignalWarning, match="no drop-out signal"):
        m = cls().fit(x, tx, T)
    assert time.perf_counter() - t0 < 10  # bounded work (a 200-customer Pareto/NBD fit once took 111 s)
    assert m.no_dropout_signal_ is True
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for v in (m.conditional_expected_purchases(10, x, tx, T), m.probability_alive(x, tx, T),
                  m.expected_purchases([1, 10, 100]), m.probability_of_n_purchases(10, [0, 1, 5])):
            assert np.isfinite(v).all() and (np.asarray(v) >= 0).all()


def test_a_normal_fit_has_a_dropout_signal():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m = clv.BetaGeoModel().fit(cxkit.datasets.load_cdnow_summary())
    assert m.no_dropout_signal_ is False


@pytest.mark.parametrize("cls", [clv.BetaGeoModel, clv.ModifiedBetaGeoModel])
def test_point_mass_limit_predictions(cls):
    """a, b ~ 1e9-1e11 (where the fits ended): Boost's 2F1 overflowed; now the limit model, continuous with the
    exact formula."""
    far = cls.from_params(r=0.5, alpha=5.0, a=1e9, b=1e11)
    near = cls.from_params(r=0.5, alpha=5.0, a=1e5, b=1e7)
    for m in (far, near):
        v = m.conditional_expected_purchases(10, [0, 3, 20], [0, 20, 30], [40, 40, 40])
        assert np.isfinite(v).all()
    np.testing.assert_allclose(far.conditional_expected_purchases(10, [0, 3, 20], [0, 20, 30], [40, 40, 40]),
                               near.conditional_expected_purchases(10, [0, 3, 20], [0, 20, 30], [40, 40, 40]),
                               rtol=1e-4)
    np.testing.assert_allclose(far.expected_purchases([1, 10, 100]), near.expected_purchases([1, 10, 100]), rtol=1e-4)
    p = far.probability_of_n_purchases(10, list(range(200)))
    assert np.isfinite(p).all() and abs(p.sum() - 1) < 1e-9


def _no_dropout_spread_births(n: int, T_end: float = 52.0, seed: int = 7):
    """Customers who never drop out, born uniformly over [0, T_end): T spread over (0, T_end] (the C++ tests'
    clv_test::no_dropout_customers)."""
    rng = np.random.default_rng(seed)
    T = T_end - rng.uniform(0, T_end, n)
    lam = rng.gamma(0.8, 1 / 4.0, n)
    k = rng.poisson(lam * T)
    tx = np.array([rng.uniform(0, t, m).max() if m else 0.0 for t, m in zip(T, k)])
    return k.astype(float), tx, T


def test_pareto_nbd_no_dropout_with_spread_out_T_is_bounded():
    """Issue 12, "Pathological cost": with T spread out the fit runs to s -> 0, beta >> alpha, where the 2F1 argument
    is within 1e-4 of 1 for the young customers; its series needed up to 4,000,000 terms per row and evaluation
    (a 20,000-customer fit ran past 100 s). Now a bounded quadrature takes those rows (C++ tests count its panels)."""
    x, tx, T = _no_dropout_spread_births(3000)
    with pytest.warns(clv.NoDropoutSignalWarning, match="no drop-out signal"):
        m = clv.ParetoNBDModel().fit(x, tx, T)
    assert m.no_dropout_signal_ is True
    assert m.iterations_ < 200
    assert abs(m.params_["r"] - 0.8) < 0.15 and abs(m.params_["alpha"] - 4.0) < 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert np.isfinite(m.conditional_expected_purchases(10, x, tx, T)).all()

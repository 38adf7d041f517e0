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

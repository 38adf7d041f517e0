"""cxkit.clv: standard errors computed on first use (deferred Hessian), checked against a Hessian of the per-customer
log-likelihoods by second differences in numpy; pickling and the not-a-maximum warning of deferred fits."""
from __future__ import annotations

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest

import cxkit
from cxkit import clv


@pytest.fixture(scope="module")
def cdnow():
    return cxkit.datasets.load_cdnow_summary()


def numpy_hessian(total, theta: np.ndarray) -> np.ndarray:
    """Central second differences of a scalar function (relative steps), independent of the C++ gradient."""
    k = len(theta)
    H = np.empty((k, k))
    h = 1e-4 * theta
    for i in range(k):
        for j in range(k):
            def f(di, dj):
                t = theta.copy()
                t[i] += di * h[i]
                t[j] += dj * h[j]
                return total(t)
            H[i, j] = (f(1, 1) - f(1, -1) - f(-1, 1) + f(-1, -1)) / (4 * h[i] * h[j])
    return 0.5 * (H + H.T)


@pytest.mark.parametrize("model", [clv.BetaGeoModel, clv.ParetoNBDModel, clv.ModifiedBetaGeoModel])
def test_deferred_standard_errors_match_a_numpy_hessian(cdnow, model):
    f, r, T = (cdnow[c].to_numpy(np.float64) for c in ("frequency", "recency", "T"))
    m = model().fit(f, r, T)
    assert "standard_errors_" not in m.__dict__  # not computed by the fit itself
    names = list(m.params_)

    def total(theta):
        return float(model.from_params(**dict(zip(names, theta))).log_likelihood(f, r, T).sum())

    cov = np.linalg.inv(-numpy_hessian(total, np.array(list(m.params_.values()))))
    want = np.sqrt(np.diag(cov))
    got = np.array([m.standard_errors_[k] for k in names])
    np.testing.assert_allclose(got, want, rtol=1e-3)
    np.testing.assert_allclose(m.covariance_.to_numpy(), cov, rtol=1e-2, atol=1e-8)
    assert m.converged_ is True and m.message_ == ""
    s = m.summary
    np.testing.assert_allclose(s["se"].to_numpy(), got)
    np.testing.assert_allclose(s["lower 95%"].to_numpy(), s["coef"].to_numpy() - 1.959963984540054 * got)


def test_weighted_fit_has_the_standard_errors_of_the_repeated_rows(cdnow):
    # the same customers as unique rows with weights: same fit, same (deferred) standard errors
    g = cdnow.groupby(["frequency", "recency", "T"]).size().rename("weights").reset_index()
    a = clv.BetaGeoModel().fit(cdnow)
    b = clv.BetaGeoModel().fit(g)
    for k in a.params_:
        assert b.params_[k] == pytest.approx(a.params_[k], rel=1e-6)
        assert b.standard_errors_[k] == pytest.approx(a.standard_errors_[k], rel=1e-4)


def test_pickling_resolves_deferred_standard_errors(cdnow):
    m = clv.ParetoNBDModel().fit(cdnow)
    assert m._model.standard_errors_deferred
    m2 = pickle.loads(pickle.dumps(m))
    assert not m2._model.standard_errors_deferred and not m._model.standard_errors_deferred
    assert m2.standard_errors_ == m.standard_errors_ and all(np.isfinite(list(m2.standard_errors_.values())))
    assert m2.summary.equals(m.summary)


def test_a_hessian_that_is_not_negative_definite_says_so_on_first_use(cdnow):
    import cxkit._core as core

    f, r, T = (cdnow[c].to_numpy(np.float64) for c in ("frequency", "recency", "T"))
    fitted = core.clv.BetaGeoModel.fit(f, r, T, None, defer_standard_errors=True)
    assert fitted.standard_errors_deferred
    # parameters far from the maximum, where the log-likelihood is not concave (the fit's data kept)
    res = fitted.at_params([5.0, 0.1, 50.0, 0.01])
    m = clv.BetaGeoModel()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m._set_result(res, len(f))  # silent: the gradient test passed
    with pytest.warns(clv.ConvergenceWarning, match="Hessian is not negative definite"):
        assert m.converged_ is False
    assert np.isnan(m.summary["se"]).all()
    assert isinstance(m.covariance_, pd.DataFrame)


def test_refit_clears_the_previous_standard_errors(cdnow):
    m = clv.BetaGeoModel().fit(cdnow)
    first = dict(m.standard_errors_)
    half = cdnow.iloc[: len(cdnow) // 2]
    m.fit(half)
    assert m.standard_errors_ != first
    assert m.standard_errors_ == clv.BetaGeoModel().fit(half).standard_errors_


def test_a_fit_that_did_not_converge_warns_at_once_with_its_standard_errors(cdnow):
    import cxkit._core as core

    f, r, T = (cdnow[c].to_numpy(np.float64) for c in ("frequency", "recency", "T"))
    res = core.clv.BetaGeoModel.fit(f, r, T, None, defer_standard_errors=True, max_iterations=2)
    assert not res.result["converged"]
    m = clv.BetaGeoModel()
    with pytest.warns(clv.ConvergenceWarning, match="did not converge: the gradient did not vanish"):
        m._set_result(res, len(f))
    # resolved at once (not deferred), from the Hessian at the fit's point
    assert m.converged_ is False and not m._model.standard_errors_deferred
    assert list(m.standard_errors_) == ["r", "alpha", "a", "b"] and isinstance(m.covariance_, pd.DataFrame)

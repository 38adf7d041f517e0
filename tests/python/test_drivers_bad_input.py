"""Driver importance from Python: Shapley R^2 against brute force over all 2^p OLS fits (numpy), bootstrap
intervals against a numpy bootstrap, and every bad input of the issue (collinear drivers, fewer rows than
drivers, more drivers than Shapley's exact limit, missing values) as a clear ValueError."""
import itertools
import math

import numpy as np
import pandas as pd
import pytest

import cxkit


def ols_r2(X, y, cols):
    if not cols:
        return 0.0
    A = np.column_stack([np.ones(len(y)), X[:, cols]])
    res = y - A @ np.linalg.lstsq(A, y, rcond=None)[0]
    return 1 - res @ res / ((y - y.mean()) @ (y - y.mean()))


def test_shapley_r2_equals_brute_force_over_all_orderings():
    rng = np.random.default_rng(11)
    X = rng.normal(size=(400, 4)) + 0.6 * rng.normal(size=(400, 1))
    y = X @ np.array([0.7, 0.0, -0.4, 0.2]) + rng.normal(size=400)
    p = X.shape[1]
    phi = np.zeros(p)
    for order in itertools.permutations(range(p)):
        before = []
        for j in order:
            phi[j] += ols_r2(X, y, before + [j]) - ols_r2(X, y, before)
            before.append(j)
    phi /= math.factorial(p)
    got = cxkit.journey.drivers.relative_importance(X, y, method="shapley", n_boot=0)
    np.testing.assert_allclose(got.loc[[f"x{j}" for j in range(p)], "weight"], phi, rtol=0, atol=1e-10)
    assert got.attrs["r_squared"] == pytest.approx(ols_r2(X, y, list(range(p))), abs=1e-10)
    assert got.loc["x2", "sign"] == -1


def test_bootstrap_intervals_equal_a_numpy_bootstrap():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(300, 3))
    y = X @ np.array([0.5, 0.2, -0.1]) + rng.normal(size=300)

    def rw(Xb, yb):  # Johnson's relative weights in numpy
        R = np.corrcoef(np.column_stack([Xb, yb]), rowvar=False)
        evals, V = np.linalg.eigh(R[:-1, :-1])
        lam = V @ np.diag(np.sqrt(evals)) @ V.T
        return (lam ** 2) @ np.linalg.solve(lam, R[:-1, -1]) ** 2

    boots = []
    r = np.random.default_rng(7)  # the documented resampling: n_boot draws of len(y) row indices, seeded
    for _ in range(40):
        idx = r.integers(0, len(y), len(y))
        boots.append(rw(X[idx], y[idx]))
    got = cxkit.journey.drivers.relative_importance(X, y, n_boot=40, confidence=0.9, seed=7)
    names = ["x0", "x1", "x2"]
    np.testing.assert_allclose(got.loc[names, "low"], np.quantile(boots, 0.05, axis=0), atol=1e-10)
    np.testing.assert_allclose(got.loc[names, "high"], np.quantile(boots, 0.95, axis=0), atol=1e-10)


def test_driver_bad_input_is_a_clear_value_error():
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(50, 3)), columns=["wait", "staff", "price"])
    y = rng.normal(size=50)
    collinear = X.assign(price=2 * X["wait"] - X["staff"])
    for method in ("relative_weights", "shapley"):
        with pytest.raises(ValueError, match="collinear"):
            cxkit.journey.drivers.relative_importance(collinear, y, method=method, n_boot=0)
    with pytest.raises(ValueError, match="more rows than drivers"):
        cxkit.journey.drivers.relative_importance(X.iloc[:3], y[:3], n_boot=0)
    with pytest.raises(ValueError, match="exact up to 15"):
        cxkit.journey.drivers.relative_importance(rng.normal(size=(100, 16)), rng.normal(size=100), method="shapley",
                                          n_boot=0)
    # relative weights have no such limit
    assert len(cxkit.journey.drivers.relative_importance(rng.normal(size=(100, 16)), rng.normal(size=100), n_boot=0)) == 16
    bad = X.copy()
    bad.iloc[7, 1] = np.nan
    with pytest.raises(ValueError, match=r"'staff' \(X column 1\), row 7"):
        cxkit.journey.drivers.relative_importance(bad, y, n_boot=0)
    with pytest.raises(ValueError, match="'y', row 4"):
        cxkit.journey.drivers.relative_importance(X, np.where(np.arange(50) == 4, np.inf, y), n_boot=0)
    with pytest.raises(ValueError, match="constant"):
        cxkit.journey.drivers.relative_importance(X.assign(staff=1.0), y, n_boot=0)
    with pytest.raises(ValueError, match="two-dimensional"):
        cxkit.journey.drivers.relative_importance(np.arange(10.0), np.arange(10.0), n_boot=0)
    with pytest.raises(ValueError, match="y has 49 rows, X has 50"):
        cxkit.journey.drivers.relative_importance(X, y[:49], n_boot=0)
    with pytest.raises(ValueError, match="n_boot"):
        cxkit.journey.drivers.relative_importance(X, y, n_boot=-1)
    with pytest.raises(ValueError, match="confidence"):
        cxkit.journey.drivers.relative_importance(X, y, confidence=1.5)
    with pytest.raises(ValueError, match="method"):
        cxkit.journey.drivers.relative_importance(X, y, method="lasso")


def test_values_whose_squares_overflow_are_refused_not_nan_weights():
    """Issue 12 ("silently wrong"): finite drivers around 1e200 overflowed the cross-products to inf and came back
    as NaN weights without a word; now a ValueError that says to rescale."""
    rng = np.random.default_rng(3)
    X = rng.normal(size=(60, 3)) * 1e200
    y = rng.normal(size=60)
    for method in ("relative_weights", "shapley"):
        with pytest.raises(ValueError, match="rescale"):
            cxkit.journey.drivers.relative_importance(X, y, method=method, n_boot=0)
    ok = cxkit.journey.drivers.relative_importance(X / 1e200, y, n_boot=0)
    assert np.isfinite(ok["weight"]).all()

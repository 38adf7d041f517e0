"""cxkit.clv.customer_lifetime_value against lifetimes' loop written with scipy (FHL 2005 eq. 10 for the BG/NBD, the
classical Pareto/NBD P(alive)), without any cxkit prediction; bad input and shapes."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.special import hyp2f1

import cxkit
from cxkit import clv


@pytest.fixture(scope="module")
def data():
    s = cxkit.datasets.load_cdnow_summary()
    tx = cxkit.datasets.load_cdnow_summary(with_transactions=True)
    return s.assign(monetary_value=tx["zbar"].to_numpy()), tx


def gg_mean(p, q, v, x, m):
    """Gamma-Gamma E[M | x, m] (Fader & Hardie spend note), with x = 0 giving the population mean."""
    w = p * x / (p * x + q - 1)
    return (1 - w) * v * p / (q - 1) + w * np.where(x > 0, m, 0.0)


def bg_conditional(P, t, x, tx, T):
    r, al, a, b = P
    z = t / (al + T + t)
    num = (a + b + x - 1) / (a - 1) * (1 - ((al + T) / (al + T + t)) ** (r + x) * hyp2f1(r + x, b + x, a + b + x - 1, z))
    den = 1 + (x > 0) * a / (b + x - 1) * ((al + T) / (al + tx)) ** (r + x)
    return num / den


def pareto_conditional(P, t, x, tx, T):
    r, al, s, be = P
    a = r + s + x
    if al >= be:
        A0 = hyp2f1(a, s + 1, a + 1, (al - be) / (al + tx)) / (al + tx) ** a - \
            hyp2f1(a, s + 1, a + 1, (al - be) / (al + T)) / (al + T) ** a
    else:
        A0 = hyp2f1(a, r + x, a + 1, (be - al) / (be + tx)) / (be + tx) ** a - \
            hyp2f1(a, r + x, a + 1, (be - al) / (be + T)) / (be + T) ** a
    alive = 1 / (1 + s / a * (al + T) ** (r + x) * (be + T) ** s * A0)
    return (r + x) * (be + T) / ((al + T) * (s - 1)) * (1 - ((be + T) / (be + T + t)) ** (s - 1)) * alive


def lifetimes_loop(cond, P, gg, summary, months, rate, factor):
    """lifetimes.utils._customer_lifetime_value, written out."""
    x, tx, T, m = (summary[c].to_numpy(np.float64) for c in ("frequency", "recency", "T", "monetary_value"))
    value = gg_mean(*gg, x, m)
    out = np.zeros(len(x))
    for i in np.arange(1, months + 1) * factor:
        out += value * (cond(P, i, x, tx, T) - cond(P, i - factor, x, tx, T)) / (1 + rate) ** (i / factor)
    return out


@pytest.mark.parametrize("model, cond, freq, factor, months, rate", [
    (clv.BetaGeoModel, bg_conditional, "W", 4.345, 12, 0.01),
    (clv.BetaGeoModel, bg_conditional, "W", 4.345, 3, 0.2),
    (clv.ParetoNBDModel, pareto_conditional, "W", 4.345, 12, 0.01),
    (clv.ParetoNBDModel, pareto_conditional, "M", 1.0, 6, 0.05),
])
def test_customer_lifetime_value_equals_lifetimes_loop_in_scipy(data, model, cond, freq, factor, months, rate):
    summary, tx = data
    pm = model().fit(summary)
    gg = clv.GammaGammaModel().fit(tx[tx["x"] > 0])
    got = clv.customer_lifetime_value(pm, gg, summary, months=months, discount_rate=rate, freq=freq)
    want = lifetimes_loop(cond, list(pm.params_.values()), list(gg.params_.values()), summary, months, rate, factor)
    assert isinstance(got, pd.Series) and got.name == "clv" and got.index.equals(summary.index)
    np.testing.assert_allclose(got.to_numpy(), want, rtol=1e-8, atol=1e-10)


def test_large_tables_use_two_threads_with_the_same_result(data):
    summary, tx = data
    bg = clv.BetaGeoModel().fit(summary)
    gg = clv.GammaGammaModel().fit(tx[tx["x"] > 0])
    big = pd.concat([summary] * 30, ignore_index=True)  # 70,710 rows: the two-thread path
    got = clv.customer_lifetime_value(bg, gg, big)
    one = clv.customer_lifetime_value(bg, gg, summary)
    np.testing.assert_array_equal(got.to_numpy(), np.tile(one.to_numpy(), 30))


def test_customer_lifetime_value_bad_input(data):
    summary, tx = data
    bg = clv.BetaGeoModel().fit(summary)
    gg = clv.GammaGammaModel().fit(tx[tx["x"] > 0])
    i, j = np.flatnonzero(summary["frequency"].to_numpy() > 0)[[3, 40]]
    bad = summary.copy()
    bad.iloc[i, bad.columns.get_loc("monetary_value")] = 0.0
    bad.iloc[j, bad.columns.get_loc("T")] = np.nan
    with pytest.raises(ValueError, match=rf"column 'monetary_value', row {i}: must be a finite number > 0 for a repeat customer, got 0"):
        clv.customer_lifetime_value(bg, gg, bad)
    bad = summary.copy()
    bad.iloc[i, bad.columns.get_loc("T")] = np.nan
    bad.iloc[j, bad.columns.get_loc("monetary_value")] = 0.0
    with pytest.raises(ValueError, match=rf"column 'T', row {i}: must be a finite number >= 0, got nan"):
        clv.customer_lifetime_value(bg, gg, bad)
    with pytest.raises(ValueError, match="freq: must be one of"):
        clv.customer_lifetime_value(bg, gg, summary, freq="Q")
    with pytest.raises(ValueError, match="months"):
        clv.customer_lifetime_value(bg, gg, summary, months=-1)
    with pytest.raises(ValueError, match=r"column 'monetary_value' \(mean spend\) is not in the summary"):
        clv.customer_lifetime_value(bg, gg, summary.drop(columns="monetary_value"))
    with pytest.raises(TypeError, match="spend_model"):
        clv.customer_lifetime_value(bg, bg, summary)
    assert (clv.customer_lifetime_value(bg, gg, summary, months=0) == 0).all()

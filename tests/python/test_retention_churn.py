"""cxkit.retention.churn_flags against independent computations: pandas for inactivity and for the RFM summary of
a log, the closed-form BG/NBD P(alive) (Fader, Hardie & Lee 2005, eq. 12) in numpy for the model rule, and the
lifetimes test-suite's P(alive) of REFERENCES.md."""

import numpy as np
import pandas as pd
import pytest

import cxkit


def bgnbd_p_alive(params, x, t_x, T):
    r, alpha, a, b = (params[k] for k in ("r", "alpha", "a", "b"))
    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    with np.errstate(divide="ignore", invalid="ignore"):
        odds = np.where(x > 0, a / (b + x - 1) * ((alpha + T) / (alpha + t_x)) ** (r + x), 0.0)
    return 1.0 / (1.0 + odds)


@pytest.fixture(scope="module")
def events():
    rng = np.random.default_rng(11)
    n = 6000
    cust = rng.integers(0, 700, n)
    start = np.datetime64("2023-01-01T00:00:00", "ns")
    t = start + (rng.uniform(0, 400, n) * 86_400e9).astype("timedelta64[ns]")
    kind = np.where(rng.random(n) < 0.4, "purchase", "visit")
    return pd.DataFrame({"customer_id": cust, "time": t, "kind": kind})


def pandas_inactivity(ev, as_of, days):
    ev = ev[ev["time"] <= as_of]
    last = ev.groupby("customer_id")["time"].max().sort_index()
    d = (as_of - last) / pd.Timedelta(days=1)
    return last, d, d > days


@pytest.mark.parametrize("as_of", [None, "2023-09-15 12:00", "2024-06-01"])
def test_inactivity_equals_pandas(events, as_of):
    log = cxkit.EventLog.from_pandas(events)
    got = cxkit.retention.churn_flags(log, inactive_days=45, as_of=as_of)
    ts = events["time"].max() if as_of is None else pd.Timestamp(as_of)
    last, days, flag = pandas_inactivity(events, ts, 45)
    assert got.index.tolist() == last.index.tolist()
    assert (got["last_seen"].to_numpy() == last.to_numpy()).all()
    np.testing.assert_allclose(got["days_inactive"].to_numpy(), days.to_numpy(), rtol=0, atol=1e-9)
    assert got["churned_inactive"].tolist() == flag.tolist()
    assert got["churned"].tolist() == flag.tolist()
    assert list(got.columns) == ["last_seen", "days_inactive", "churned_inactive", "churned"]


def test_customer_table_gives_the_same_flags(events):
    log = cxkit.EventLog.from_pandas(events)
    for as_of in (None, "2024-03-01"):
        from_log = cxkit.retention.churn_flags(log, inactive_days=30, as_of=as_of)
        from_table = cxkit.retention.churn_flags(log.customers(), inactive_days=30, as_of=as_of)
        pd.testing.assert_frame_equal(from_log, from_table)
    # a customer table knows only the last activity: an earlier as_of cannot be assessed from it
    with pytest.raises(ValueError, match="after as_of"):
        cxkit.retention.churn_flags(log.customers(), inactive_days=30, as_of="2023-12-31")
    # a zone-aware as_of is read in UTC, as the log's times are
    naive = cxkit.retention.churn_flags(log, inactive_days=30, as_of="2023-12-31")
    aware = cxkit.retention.churn_flags(log, inactive_days=30, as_of=pd.Timestamp("2023-12-31 01:00", tz="Europe/Paris"))
    pd.testing.assert_frame_equal(naive, aware)


def test_model_rule_on_a_summary_equals_closed_form():
    summary = cxkit.datasets.load_cdnow_summary()
    bgf = cxkit.clv.BetaGeoModel().fit(summary)
    got = cxkit.retention.churn_flags(summary, model=bgf, threshold=0.3)
    ref = bgnbd_p_alive(bgf.params_, summary["frequency"], summary["recency"], summary["T"])
    order = np.argsort(summary.index.to_numpy(), kind="stable")
    np.testing.assert_allclose(got["p_alive"].to_numpy(), ref[order], rtol=1e-10, atol=0)
    assert got["churned_model"].tolist() == (ref[order] < 0.3).tolist()
    assert got["churned"].tolist() == (ref[order] < 0.3).tolist()
    assert 0 < got["churned"].mean() < 1


def test_model_rule_published_value():
    bgf = cxkit.clv.BetaGeoModel.from_params(r=0.2426, alpha=4.4135, a=0.7929, b=2.4258)
    summary = pd.DataFrame({"frequency": [2.0, 0.0], "recency": [30.43, 0.0], "T": [38.86, 38.86]},
                           index=pd.Index(["a", "b"], name="customer_id"))
    got = cxkit.retention.churn_flags(summary, model=bgf, threshold=0.75)
    assert got.loc["a", "p_alive"] == pytest.approx(0.7266, abs=1e-4)  # lifetimes' test-suite
    assert got.loc["b", "p_alive"] == 1.0  # BG/NBD: no repeat purchase, no chance to drop out yet
    assert got["churned"].tolist() == [True, False]


def test_model_rule_on_a_log_uses_its_purchases(events):
    log = cxkit.EventLog.from_pandas(events)
    as_of = pd.Timestamp("2023-12-01")
    # independent daily RFM summary of the purchases up to as_of (periods are calendar days)
    buy = events[(events["kind"] == "purchase") & (events["time"] <= as_of)]
    day = buy["time"].dt.floor("D")
    g = day.groupby(buy["customer_id"])
    summary = pd.DataFrame({"frequency": g.nunique() - 1, "recency": (g.max() - g.min()).dt.days,
                            "T": (as_of.floor("D") - g.min()).dt.days}).astype(float)
    model = cxkit.clv.BetaGeoModel.from_params(r=0.6, alpha=25.0, a=0.9, b=2.2)  # daily units
    got = cxkit.retention.churn_flags(log, as_of=as_of, model=model, freq="D")
    ref = pd.Series(bgnbd_p_alive(model.params_, summary["frequency"], summary["recency"], summary["T"]),
                    index=summary.index)
    seen = np.sort(events.loc[events["time"] <= as_of, "customer_id"].unique())
    assert got.index.tolist() == seen.tolist()  # every customer active by as_of, buyers or not
    np.testing.assert_allclose(got.loc[ref.index, "p_alive"].to_numpy(), ref.to_numpy(), rtol=1e-10)
    no_buy = got.index.difference(ref.index)
    assert len(no_buy) > 0
    assert got.loc[no_buy, "p_alive"].isna().all() and got.loc[no_buy, "churned_model"].isna().all()
    assert got.loc[ref.index, "churned_model"].tolist() == (ref < 0.5).tolist()
    assert 0 < (ref < 0.5).mean() < 1


def test_both_rules_flag_either(events):
    log = cxkit.EventLog.from_pandas(events)
    model = cxkit.clv.BetaGeoModel.from_params(r=0.6, alpha=25.0, a=0.9, b=2.2)
    got = cxkit.retention.churn_flags(log, inactive_days=60, model=model, freq="D")
    assert {"days_inactive", "churned_inactive", "p_alive", "churned_model", "churned"} <= set(got.columns)
    inactive, by_model = got["churned_inactive"], got["churned_model"]
    expected = [True if (a is True or b is True) else (pd.NA if (a is pd.NA or b is pd.NA) else False)
                for a, b in zip(inactive.astype(object), by_model.astype(object))]
    assert [v if v is pd.NA else bool(v) for v in got["churned"].astype(object)] == expected
    assert got["churned"].isna().sum() == (by_model.isna() & ~inactive).sum() > 0
    assert got["churned"].sum() > max(inactive.sum(), by_model.sum())  # each rule flags some the other does not


def test_bad_input(events):
    log = cxkit.EventLog.from_pandas(events)
    with pytest.raises(ValueError, match="needs a rule"):
        cxkit.retention.churn_flags(log)
    with pytest.raises(ValueError, match="inactive_days"):
        cxkit.retention.churn_flags(log, inactive_days=-1)
    with pytest.raises(ValueError, match="as_of"):
        cxkit.retention.churn_flags(log, inactive_days=10, as_of="not a date")
    with pytest.raises(ValueError, match="last_seen"):
        cxkit.retention.churn_flags(cxkit.datasets.load_cdnow_summary(), inactive_days=10)
    bgf = cxkit.clv.BetaGeoModel.from_params(r=0.2426, alpha=4.4135, a=0.7929, b=2.4258)
    with pytest.raises(ValueError, match="threshold"):
        cxkit.retention.churn_flags(cxkit.datasets.load_cdnow_summary(), model=bgf, threshold=1.5)
    with pytest.raises(ValueError, match="recency"):
        cxkit.retention.churn_flags(pd.DataFrame({"frequency": [1.0], "T": [3.0]}), model=bgf)
    with pytest.raises(TypeError, match="fitted cxkit.clv"):
        cxkit.retention.churn_flags(log, model="bgf")
    with pytest.raises(TypeError, match="EventLog or a DataFrame"):
        cxkit.retention.churn_flags([1, 2], inactive_days=3)
    table = log.customers()
    table.loc[3, "last_seen"] = pd.NaT
    with pytest.raises(ValueError, match="row 3"):
        cxkit.retention.churn_flags(table, inactive_days=3)

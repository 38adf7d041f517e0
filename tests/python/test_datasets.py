"""Tests of cxkit.datasets: the packaged real data and the CX event-log simulator."""

import importlib.resources as resources
import inspect

import numpy as np
import pandas as pd
import pytest

from cxkit import datasets
from cxkit.datasets import (
    EVENT_COLUMNS,
    SIMULATOR_TRUTH,
    load_cdnow,
    load_cdnow_summary,
    load_donations,
    load_support_tickets,
    simulate,
)

# ----------------------------------------------------------------------------- packaged files

DATA_FILES = {
    "CDNOW_master.txt": 1_950_500,
    "CDNOW_sample.txt": 228_327,
    "cdnow_customers_summary.csv": 40_079,
    "cdnow_customers_summary_with_transactions.csv": 57_085,
    "donations.csv": 256,
    "customer_support_tickets.csv": 3_945_533,
}


@pytest.mark.parametrize("name,size", sorted(DATA_FILES.items()))
def test_data_files_are_packaged(name, size):
    f = resources.files("cxkit.datasets").joinpath("data", name)
    assert f.is_file()
    assert len(f.read_bytes()) == size


def test_data_readme_names_every_file():
    text = resources.files("cxkit.datasets").joinpath("data", "README.md").read_text()
    for name in DATA_FILES:
        assert name in text
    assert "MIT" in text and "Apache" in text


def test_loaders_never_read_shared_folder():
    from cxkit.datasets import _loaders

    src = inspect.getsource(_loaders)
    assert "/work/shared" not in src and "shared/data" not in src


def test_public_api():
    assert set(datasets.__all__) <= set(dir(datasets))
    for name in datasets.__all__:
        obj = getattr(datasets, name)
        if callable(obj):
            assert obj.__doc__ and "Examples" in obj.__doc__


# ----------------------------------------------------------------------------- CDNOW


def test_load_cdnow_master():
    df = load_cdnow()
    assert list(df.columns) == ["customer_id", "time", "cds", "value"]
    assert df.shape == (69_659, 4)
    assert df["customer_id"].nunique() == 23_570
    assert df.dtypes.to_dict() == {
        "customer_id": np.dtype("int64"),
        "time": np.dtype("datetime64[ns]"),
        "cds": np.dtype("int64"),
        "value": np.dtype("float64"),
    }
    assert df["time"].min() == pd.Timestamp("1997-01-01")
    assert df["time"].max() == pd.Timestamp("1998-06-30")
    first = df.iloc[0]
    assert (first["customer_id"], first["time"], first["cds"], first["value"]) == (
        1, pd.Timestamp("1997-01-01"), 1, 11.77)
    assert (df["cds"] >= 1).all() and (df["value"] >= 0).all()


def test_load_cdnow_sample():
    df = load_cdnow(sample=True)
    assert list(df.columns) == ["customer_id", "time", "cds", "value"]
    assert df.shape == (6_919, 4)
    assert df["customer_id"].nunique() == 2_357
    assert df["customer_id"].min() == 1 and df["customer_id"].max() == 2_357
    assert df["time"].dtype == np.dtype("datetime64[ns]")
    first = df.iloc[0]
    assert (first["customer_id"], first["time"], first["cds"], first["value"]) == (
        1, pd.Timestamp("1997-01-01"), 2, 29.33)


def test_sample_agrees_with_summary():
    # The sample's first 39 weeks reproduce the summary's frequency (repeat purchase days).
    tx = load_cdnow(sample=True)
    cal = tx[tx["time"] < pd.Timestamp("1997-10-01")]
    days = cal.groupby("customer_id")["time"].nunique() - 1
    summ = load_cdnow_summary()
    assert (days.reindex(summ.index).to_numpy() == summ["frequency"].to_numpy()).all()


def test_load_cdnow_summary():
    s = load_cdnow_summary()
    assert s.shape == (2_357, 3)
    assert list(s.columns) == ["frequency", "recency", "T"]
    assert s.index.name == "ID" and s.index[0] == 1 and s.index[-1] == 2_357
    assert s.iloc[0].tolist() == [2, 30.43, 38.86]
    assert s.iloc[1].tolist() == [1, 1.71, 38.86]
    assert s["frequency"].dtype == np.dtype("int64")
    assert (s["frequency"] > 0).sum() == 946


def test_load_cdnow_summary_with_transactions():
    s = load_cdnow_summary(with_transactions=True)
    assert s.shape == (2_357, 4)
    assert list(s.columns) == ["x", "t_x", "T", "zbar"]
    assert s.iloc[0].tolist() == [2, 30.43, 38.86, 22.35]
    assert s.iloc[1].tolist() == [1, 1.71, 38.86, 11.77]
    assert s.iloc[2].tolist() == [0, 0.0, 38.86, 0.0]
    assert s.index[-1] == 2_357  # last line without newline is read
    assert (s["x"] > 0).sum() == 946
    plain = load_cdnow_summary()
    assert (plain["frequency"].to_numpy() == s["x"].to_numpy()).all()
    assert np.allclose(plain["recency"].to_numpy(), s["t_x"].to_numpy())


def test_load_donations():
    d = load_donations()
    assert list(d.columns) == ["frequency", "recency", "periods", "weights"]
    assert d.shape == (22, 4)
    assert int(d["weights"].sum()) == 11_104
    assert (d["periods"] == 6).all()
    assert d.iloc[0].tolist() == [0, 0, 6, 3464]
    assert (d["recency"] >= d["frequency"]).all()


# ----------------------------------------------------------------------------- support tickets


def test_load_support_tickets_raw():
    t = load_support_tickets()
    assert t.shape == (8_469, 17)
    assert t["Ticket ID"].tolist()[:3] == [1, 2, 3]
    assert t["Customer Email"].nunique() == 8_320
    assert t["Ticket Status"].value_counts().to_dict() == {
        "Pending Customer Response": 2_881, "Open": 2_819, "Closed": 2_769}
    for c in ("Date of Purchase", "First Response Time", "Time to Resolution"):
        assert t[c].dtype == np.dtype("datetime64[ns]")
    assert t["First Response Time"].notna().sum() == 5_650
    assert t["Customer Satisfaction Rating"].notna().sum() == 2_769
    # multi-line quoted field kept whole
    assert "\n" in t.loc[0, "Ticket Description"]
    assert t.loc[2, "Customer Satisfaction Rating"] == 3.0


def test_load_support_tickets_as_events():
    ev = load_support_tickets(as_events=True)
    assert list(ev.columns) == EVENT_COLUMNS
    assert len(ev) == 5_650
    assert ev["customer_id"].nunique() == 5_589
    assert ev["time"].dtype == np.dtype("datetime64[ns]") and ev["time"].notna().all()
    assert set(ev["channel"].astype(object)) == {"email", "phone", "chat", "social"}
    assert set(ev["kind"].astype(object)) == {"ticket"}
    assert set(ev["stage"].astype(object)) == {"support"}
    assert set(ev["touchpoint"].astype(object)) == {
        "refund_request", "technical_issue", "cancellation_request", "product_inquiry", "billing_inquiry"}
    assert ev["csat"].notna().sum() == 2_769
    assert set(ev["csat"].dropna().unique()) == {1.0, 2.0, 3.0, 4.0, 5.0}
    rt = ev["response_time"]
    assert rt.notna().sum() == 1_404 and (rt.dropna() >= 0).all()
    assert ev["fcr"].isna().all()
    assert ev["nps"].isna().all() and ev["ces"].isna().all() and ev["value"].isna().all()
    assert ev["text"].map(lambda s: isinstance(s, str) and len(s) > 0).all()
    assert not ev["text"].str.contains("{product_purchased}", regex=False).any()
    # sorted by (customer, time)
    key = ev[["customer_id", "time"]]
    assert key.equals(key.sort_values(["customer_id", "time"]).reset_index(drop=True))


# ----------------------------------------------------------------------------- simulator: structure

N_SMALL = 3_000
N_EFFECTS = 30_000
START = pd.Timestamp("2024-01-01")
END = pd.Timestamp("2025-01-01")


@pytest.fixture(scope="module")
def sim():
    return simulate(n_customers=N_EFFECTS, seed=7)


def test_simulate_columns_and_dtypes():
    df = simulate(n_customers=N_SMALL, seed=1)
    assert list(df.columns) == EVENT_COLUMNS + ["persona"]
    assert df["customer_id"].dtype == np.dtype("int64")
    assert df["time"].dtype == np.dtype("datetime64[ns]")
    for c in ("channel", "stage", "touchpoint", "kind", "persona"):
        assert isinstance(df[c].dtype, pd.CategoricalDtype)
    for c in ("value", "nps", "csat", "ces", "response_time", "fcr", "sentiment"):
        assert df[c].dtype == np.dtype("float64")
    assert df["text"].dtype == np.dtype("object")


def test_simulate_determinism():
    a = simulate(n_customers=N_SMALL, seed=3)
    b = simulate(n_customers=N_SMALL, seed=3)
    assert list(a.columns) == list(b.columns) and (a.dtypes == b.dtypes).all()
    assert a.equals(b)  # NaN/None in the same places count as equal
    c = simulate(n_customers=N_SMALL, seed=4)
    assert not (len(a) == len(c) and a.equals(c))


def test_simulate_sorted_and_customers(sim):
    assert sim["customer_id"].nunique() == N_EFFECTS
    assert sim["customer_id"].min() == 1 and sim["customer_id"].max() == N_EFFECTS
    cid = sim["customer_id"].to_numpy()
    t = sim["time"].to_numpy()
    assert (np.diff(cid) >= 0).all()
    same = cid[1:] == cid[:-1]
    assert (t[1:][same] >= t[:-1][same]).all()
    assert sim["time"].min() >= START and sim["time"].max() < END
    assert (sim.groupby("customer_id")["persona"].nunique() == 1).all()
    # events per customer near the documented average
    assert 12.5 < len(sim) / N_EFFECTS < 16.0


def test_simulate_window_and_start():
    df = simulate(n_customers=500, seed=2, start="2023-03-15", months=3)
    assert df["time"].min() >= pd.Timestamp("2023-03-15")
    assert df["time"].max() < pd.Timestamp("2023-06-15")
    assert df["customer_id"].nunique() == 500


def test_simulate_vocabulary(sim):
    assert set(sim["channel"].cat.categories) == set(SIMULATOR_TRUTH["channels"])
    assert set(sim["channel"].astype(object)) == set(SIMULATOR_TRUTH["channels"])
    assert list(sim["stage"].cat.categories) == SIMULATOR_TRUTH["stages"]
    assert set(sim["stage"].astype(object)) == set(SIMULATOR_TRUTH["stages"])
    assert set(sim["kind"].astype(object)) == {
        "interaction", "purchase", "survey", "ticket", "complaint", "feedback"}
    assert set(sim["persona"].astype(object)) == set(SIMULATOR_TRUTH["personas"])
    tps = set(sim["touchpoint"].astype(object))
    pairs = pd.crosstab(sim["stage"].astype(object), sim["touchpoint"].astype(object)) > 0
    for stage, names in SIMULATOR_TRUTH["touchpoints"].items():
        assert set(pairs.columns[pairs.loc[stage]]) == set(names)
    for tp in SIMULATOR_TRUTH["pain_point_touchpoints"] + [
            SIMULATOR_TRUTH["worst_csat_touchpoint"], SIMULATOR_TRUTH["moment_of_truth"]]:
        assert tp in tps
    # persona sizes differ and match the stated shares
    share = sim.groupby("customer_id")["persona"].first().astype(object).value_counts(normalize=True)
    for p, s in SIMULATOR_TRUTH["persona_shares"].items():
        assert abs(share[p] - s) < 0.02


def test_simulate_value_ranges(sim):
    kind = sim["kind"].astype(object)
    whole = lambda s: (s.dropna() == np.round(s.dropna())).all()  # noqa: E731
    nps, csat, ces = sim["nps"], sim["csat"], sim["ces"]
    assert nps.dropna().between(0, 10).all() and whole(nps)
    assert csat.dropna().between(1, 5).all() and whole(csat)
    assert ces.dropna().between(1, 7).all() and whole(ces)
    assert set(nps.dropna().unique()) == set(range(11))
    assert set(csat.dropna().unique()) == {1, 2, 3, 4, 5}
    # scores only on surveys; every survey has at least one score
    scored = nps.notna() | csat.notna() | ces.notna()
    assert (kind[scored] == "survey").all() and scored[kind == "survey"].all()
    assert (csat.notna() == ces.notna()).all()
    # value only and always on purchases, positive
    assert (sim["value"].notna() == (kind == "purchase")).all()
    assert (sim["value"].dropna() > 0).all()
    # response time and fcr only on tickets
    rt = sim["response_time"]
    assert (rt.notna() == (kind == "ticket")).all() and (rt.dropna() > 0).all()
    fcr = sim["fcr"]
    assert set(fcr.dropna().unique()) == {0.0, 1.0}
    assert (kind[fcr.notna()] == "ticket").all()
    assert 0.03 < fcr[kind == "ticket"].isna().mean() < 0.2  # unresolved tickets
    # text and sentiment on complaints and feedback only, consistent signs
    has_text = sim["text"].notna()
    assert (has_text == kind.isin(["complaint", "feedback"])).all()
    assert (sim["sentiment"].notna() == has_text).all()
    sent = sim["sentiment"].dropna()
    assert sent.between(-1, 1).all()
    assert (sim.loc[kind == "complaint", "sentiment"] < -0.05).all()
    by_text = sim[has_text].groupby("text")["sentiment"].agg(["min", "max"])
    for text, row in by_text.iterrows():
        assert row["min"] > 0.05 or row["max"] < -0.05 or (row["min"] > -0.05 and row["max"] < 0.05), text
    pos_words = ("great", "love", "excellent", "happy", "friendly")
    neg_words = ("disappointed", "terrible", "failing", "too long", "awful", "poor", "unacceptable",
                 "broke", "not happy", "damaged")
    for text, row in by_text.iterrows():
        low = text.lower()
        if any(w in low for w in neg_words):
            assert row["max"] < -0.05, text
        elif any(w in low for w in pos_words):
            assert row["min"] > 0.05, text


def test_simulate_acquisition_and_churn_over_time(sim):
    first = sim.groupby("customer_id")["time"].min()
    by_month = first.dt.month.value_counts()
    assert len(by_month) == 12 and by_month.min() > 0.6 * by_month.max()  # acquired over the whole year
    last = sim.groupby("customer_id")["time"].max()
    buyers = sim.loc[sim["kind"] == "purchase", "customer_id"].unique()
    early = first[buyers][first[buyers] < pd.Timestamp("2024-04-01")].index
    stopped = (last[early] < END - pd.Timedelta(days=90)).mean()
    assert 0.3 < stopped < 0.95  # some customers churn, others stay


# ----------------------------------------------------------------------------- simulator: planted effects


def test_effect_worst_csat_touchpoint(sim):
    tp = SIMULATOR_TRUTH["worst_csat_touchpoint"]
    s = sim[sim["csat"].notna()]
    is_tp = s["touchpoint"] == tp
    assert s.loc[is_tp, "csat"].mean() <= s.loc[~is_tp, "csat"].mean() - 0.7
    means = s.groupby("touchpoint", observed=True)["csat"].agg(["mean", "count"])
    assert means[means["count"] >= 50]["mean"].idxmin() == tp


def test_effect_slow_response_channel(sim):
    ch = SIMULATOR_TRUTH["slow_response_channel"]
    med = sim[sim["kind"] == "ticket"].groupby("channel", observed=True)["response_time"].agg(["median", "count"])
    med = med[med["count"] >= 30]["median"]
    assert ch in med.index
    others = med.drop(ch)
    assert len(others) >= 4
    assert (med[ch] > 3 * others).all()


def test_effect_moment_of_truth(sim):
    tp = SIMULATOR_TRUTH["moment_of_truth"]
    exp = sim[(sim["touchpoint"] == tp) & sim["csat"].notna()].groupby("customer_id")["csat"].first()
    bad = exp[exp <= 2].index
    good = exp[exp >= 4].index
    assert 0.1 < len(bad) / len(exp) < 0.35
    # NPS down
    nps = sim.groupby("customer_id")["nps"].mean()
    assert nps[good].mean() - nps[bad].mean() >= 2.0
    # churn up: among early buyers, bad experiences stop having events more often and sooner
    buy = sim[sim["kind"] == "purchase"].groupby("customer_id")["time"].min()
    last = sim.groupby("customer_id")["time"].max()
    early = buy[buy < pd.Timestamp("2024-07-01")].index
    churned = last < END - pd.Timedelta(days=60)
    b, g = bad.intersection(early), good.intersection(early)
    assert churned[b].mean() >= churned[g].mean() + 0.15
    span = (last - buy).dt.days
    assert span[b].median() < 0.6 * span[g].median()
    # complaints at the moment of truth come from bad experiences
    comp = sim[(sim["kind"] == "complaint") & (sim["touchpoint"] == tp)]["customer_id"].unique()
    assert set(comp) <= set(sim.loc[sim["touchpoint"] == tp, "customer_id"])
    assert pd.Index(comp).isin(good).mean() < 0.1


def test_effect_conversion_channel(sim):
    ch = SIMULATOR_TRUTH["conversion_channel"]
    first_buy = sim[sim["kind"] == "purchase"].groupby("customer_id")["time"].min()
    cut = sim["customer_id"].map(first_buy).fillna(END + pd.Timedelta(days=1))
    pre = sim[sim["time"] < cut]
    customers = pd.Index(sim["customer_id"].unique())
    converted = pd.Series(customers.isin(first_buy.index), index=customers)
    touched = pre.groupby(["customer_id", "channel"], observed=True).size().unstack(fill_value=0) > 0
    touched = touched.reindex(customers, fill_value=False)
    lift = {c: converted[touched[c]].mean() - converted[~touched[c]].mean()
            for c in touched.columns if 100 < touched[c].sum() < len(customers) - 100}
    assert max(lift, key=lift.get) == ch
    assert lift[ch] >= 0.4
    persona = sim.groupby("customer_id")["persona"].first()
    for p in SIMULATOR_TRUTH["personas"]:
        m = (persona == p).to_numpy()
        t = touched[ch].to_numpy()
        assert converted[m & t].mean() - converted[m & ~t].mean() >= 0.4
    # the channel is the last touch before most conversions
    last_touch = pre.groupby("customer_id")["channel"].last().astype(object)
    assert (last_touch[first_buy.index] == ch).mean() > 0.5


def test_effect_personas_separable(sim):
    buyers = sim.loc[sim["kind"] == "purchase", "customer_id"].unique()
    df = sim[sim["customer_id"].isin(buyers)]
    persona = df.groupby("customer_id")["persona"].first().astype(object)
    share = pd.crosstab(df["persona"].astype(object), df["channel"].astype(object), normalize="index")
    value = df[df["kind"] == "purchase"].groupby(df["persona"].astype(object))["value"].median()
    n_cust = persona.value_counts()
    tickets = (df[df["kind"] == "ticket"].groupby(df["persona"].astype(object)).size() / n_cust)
    nps = df.groupby(df["persona"].astype(object))["nps"].mean()
    assert value.idxmax() == "loyal_regular" and value.idxmin() == "bargain_hunter"
    assert (share["email"] + share["sms"]).idxmax() == "bargain_hunter"
    assert share["store"].idxmax() == "loyal_regular"
    assert (share["app"] + share["social"]).idxmax() == "digital_native"
    assert share["phone"].idxmax() == "support_heavy"
    assert tickets.idxmax() == "support_heavy" and tickets["support_heavy"] > 3 * tickets.drop("support_heavy").max()
    assert nps.idxmin() == "support_heavy" and nps.idxmax() == "loyal_regular"

    # nearest-centroid on per-customer RFM + channel-share features recovers the personas well
    g = df.groupby("customer_id")
    feats = pd.DataFrame({
        "log_monetary": np.log1p(df[df["kind"] == "purchase"].groupby("customer_id")["value"].mean()),
        "tickets": (df["kind"] == "ticket").groupby(df["customer_id"]).mean(),
    })
    ch_share = pd.crosstab(df["customer_id"], df["channel"].astype(object), normalize="index")
    feats = feats.join(ch_share[["app", "social", "store", "phone", "email", "sms"]])
    feats = feats[g.size() >= 10]
    z = (feats - feats.mean()) / feats.std()
    lab = persona[z.index]
    cent = z.groupby(lab).mean()
    d = ((z.to_numpy()[:, None, :] - cent.to_numpy()[None, :, :]) ** 2).sum(axis=2)
    pred = cent.index.to_numpy()[d.argmin(axis=1)]
    assert (pred == lab.to_numpy()).mean() > 0.7


def test_simulator_truth_keys():
    for key in ("worst_csat_touchpoint", "slow_response_channel", "pain_point_touchpoints",
                "moment_of_truth", "conversion_channel", "personas", "events_per_customer"):
        assert key in SIMULATOR_TRUTH
    assert len(SIMULATOR_TRUTH["personas"]) == 4


def test_simulate_as_log():
    import cxkit

    if not hasattr(cxkit, "EventLog") or not hasattr(cxkit.EventLog, "from_pandas"):
        pytest.skip("cxkit.EventLog not available")
    df = simulate(n_customers=500, seed=5)
    log = simulate(n_customers=500, seed=5, as_log=True)
    assert len(log) == len(df)
    assert log.n_customers == 500

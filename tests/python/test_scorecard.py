"""Tests of cxkit.scorecard / scorecard_state: every column on a small hand-made log, an independent pandas
implementation over a simulated log, groupings (columns, Segmentation), periods, the NPS change test, merging
and pickling, and bad arguments."""

import math
import pickle

import numpy as np
import pandas as pd
import pytest

import cxkit

Z95 = 1.959963984540054
D_MONTH = 1.10 ** (1 / 12) - 1  # the monthly discount rate from 10 % a year
NAN = float("nan")


def _adjusted_wald(p, d, n, z=Z95):
    na = n + 3.0
    pp, pd_ = (p + 0.75) / na, (d + 0.75) / na
    adj = pp - pd_
    half = z * math.sqrt((pp + pd_ - adj ** 2) / na)
    return max(-100.0, 100 * (adj - half)), min(100.0, 100 * (adj + half))


def _wilson(x, n, z=Z95):
    p = x / n
    den = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / den
    half = z / den * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return 100 * max(0.0, centre - half), 100 * min(1.0, centre + half)


def _clv(m, r, d=D_MONTH):
    return m * r / (1 + d - r)


def _p(z):
    return math.erfc(abs(z) / math.sqrt(2))


def _check(row, expected, rel=1e-9):
    """Every expected column equal (NaN == NaN), and no column of the row left unchecked."""
    for col, want in expected.items():
        got = row[col]
        if isinstance(want, float) and math.isnan(want):
            assert isinstance(got, float) and math.isnan(got), f"{col}: expected NaN, got {got!r}"
        elif isinstance(want, (bool, np.bool_)):
            assert bool(got) == want, f"{col}: expected {want}, got {got}"
        elif isinstance(want, float):
            assert got == pytest.approx(want, rel=rel, abs=1e-12), f"{col}: expected {want}, got {got}"
        else:
            assert got == want, f"{col}: expected {want!r}, got {got!r}"
    missing = set(row.index) - set(expected)
    assert not missing, f"columns not checked: {sorted(missing)}"


# --------------------------------------------------------------------------------------- the hand-made log
#
# 4 customers, 2 channels, Jan-Mar 2024. Activity by month (any channel):
#   A: Jan Feb Mar    B: Jan    C: Feb Mar    D: Jan Mar (a reactivation in March)
HAND_EVENTS = [
    # customer, time,        channel, kind,       nps,  csat, ces,  rt,  fcr,  sentiment, value
    ("A", "2024-01-05 09:00", "web", "purchase", NAN, NAN, NAN, NAN, NAN, NAN, 100.0),
    ("A", "2024-01-20 09:00", "web", "survey", 10, 5, 6, NAN, NAN, NAN, NAN),
    ("A", "2024-02-10 09:00", "phone", "ticket", NAN, NAN, NAN, 60, 1, 0.5, NAN),
    ("A", "2024-02-11 09:00", "phone", "survey", 6, 3, 3, NAN, NAN, NAN, NAN),
    ("A", "2024-03-03 09:00", "web", "purchase", NAN, NAN, NAN, NAN, NAN, NAN, 50.0),
    ("B", "2024-01-10 09:00", "phone", "ticket", NAN, NAN, NAN, 120, 0, -0.4, NAN),
    ("B", "2024-01-11 09:00", "phone", "complaint", NAN, NAN, NAN, NAN, NAN, -0.8, NAN),
    ("B", "2024-01-25 09:00", "web", "survey", 3, 2, 2, NAN, NAN, NAN, NAN),
    ("C", "2024-02-02 09:00", "web", "purchase", NAN, NAN, NAN, NAN, NAN, NAN, 30.0),
    ("C", "2024-02-15 09:00", "web", "survey", 8, 4, 5, NAN, NAN, NAN, NAN),
    ("C", "2024-03-20 09:00", "phone", "ticket", NAN, NAN, NAN, 30, 1, NAN, NAN),
    ("C", "2024-03-21 09:00", "web", "survey", 10, 5, 6, NAN, NAN, NAN, NAN),
    ("D", "2024-01-30 09:00", "web", "ticket", NAN, NAN, NAN, 300, NAN, NAN, NAN),  # unresolved ticket
    ("D", "2024-03-05 09:00", "phone", "purchase", NAN, NAN, NAN, NAN, NAN, NAN, 20.0),
    ("D", "2024-03-06 09:00", "phone", "survey", 9, 5, 7, NAN, NAN, 0.9, NAN),
]
HAND_COLUMNS = ["customer_id", "time", "channel", "kind", "nps", "csat", "ces", "response_time", "fcr",
                "sentiment", "value"]


def hand_frame(shuffle=True):
    df = pd.DataFrame(HAND_EVENTS, columns=HAND_COLUMNS)
    df["time"] = pd.to_datetime(df["time"])
    for c in HAND_COLUMNS[4:]:
        df[c] = df[c].astype(float)
    if shuffle:  # the log must not depend on input order
        df = df.sample(frac=1.0, random_state=5).reset_index(drop=True)
    return df


@pytest.fixture(scope="module")
def hand_log():
    return cxkit.EventLog.from_pandas(hand_frame())


def test_overall_row_every_column(hand_log):
    card = cxkit.scorecard(hand_log)
    assert len(card) == 1
    lo, hi = _adjusted_wald(3, 2, 6)
    clo, chi = _wilson(4, 6)
    _check(card.iloc[0], {
        # NPS answers 10, 6, 3, 8, 10, 9: promoters 3, passive 1, detractors 2 -> 100 (3 - 2) / 6
        "nps": 100 / 6, "nps_low": lo, "nps_high": hi, "nps_n": 6,
        # CSAT 5, 3, 2, 4, 5, 5: top-2 = 4 of 6
        "csat": 400 / 6, "csat_low": clo, "csat_high": chi, "csat_n": 6,
        # CES 6, 3, 2, 5, 6, 7: mean 29/6, agree (5-7) 4 of 6
        "ces": 29 / 6, "ces_agree": 400 / 6, "ces_n": 6,
        # FCR: tickets 1, 0, 1 resolved (D's is missing = unresolved): 2 of 3
        "fcr": 200 / 3, "fcr_n": 3,
        # response times 60, 120, 30, 300: mean 127.5; sorted [30, 60, 120, 300]:
        # median at 1.5 -> 60 + .5 * 60 = 90; p90 at 2.7 -> 120 + .7 * 180 = 246
        "response_time_mean": 127.5, "response_time_median": 90.0, "response_time_p90": 246.0,
        "response_time_n": 4,
        "complaints": 1, "complaint_rate": 0.25, "complaints_per_1000": 250.0,
        # sentiment 0.5, -0.4, -0.8, 0.9 -> 0.2 / 4
        "sentiment": 0.05, "sentiment_n": 4,
        # pooled over months: Feb S=3 (A,B,D) E=2 (A,C) N=1 (C) lost=2 (B,D); Mar S=2 E=3 N=0 lost=0
        # retention = ((2-1) + (3-0)) / (3+2) = 0.8, churn = (2+0) / 5 = 0.4
        "retention_rate": 0.8, "churn_rate": 0.4,
        # revenue 200 over 8 active customer-months (A3 B1 C2 D2): m = 25
        "clv": _clv(25.0, 0.8),
        "customers": 4, "events": 15, "revenue": 200.0,
    })
    assert card["nps_n"].dtype == np.int64 and card["events"].dtype == np.int64


def test_by_channel_every_column(hand_log):
    card = cxkit.scorecard(hand_log, by="channel")
    assert card["channel"].tolist() == sorted(card["channel"].tolist()) == ["phone", "web"]
    rows = card.set_index("channel", drop=False)
    lo, hi = _adjusted_wald(2, 1, 4)
    clo, chi = _wilson(3, 4)
    # web: a1 a2 a5 b3 c1 c2 c4 d1. activity: A Jan,Mar; B Jan; C Feb,Mar; D Jan
    #   Feb S=3 E=1 N=1 lost=3; Mar S=1 E=2 N=0 lost=0 -> retention (0 + 2)/4, churn 3/4
    #   revenue 180 over 6 customer-months -> m = 30
    _check(rows.loc["web"], {
        "channel": "web",
        "nps": 25.0, "nps_low": lo, "nps_high": hi, "nps_n": 4,  # 10, 3, 8, 10
        "csat": 75.0, "csat_low": clo, "csat_high": chi, "csat_n": 4,  # 5, 2, 4, 5
        "ces": 19 / 4, "ces_agree": 75.0, "ces_n": 4,  # 6, 2, 5, 6
        "fcr": NAN, "fcr_n": 0,  # only D's unresolved ticket
        "response_time_mean": 300.0, "response_time_median": 300.0, "response_time_p90": 300.0,
        "response_time_n": 1,
        "complaints": 0, "complaint_rate": 0.0, "complaints_per_1000": 0.0,
        "sentiment": NAN, "sentiment_n": 0,
        "retention_rate": 0.5, "churn_rate": 0.75, "clv": _clv(30.0, 0.5),
        "customers": 4, "events": 8, "revenue": 180.0,
    })
    lo, hi = _adjusted_wald(1, 1, 2)
    clo, chi = _wilson(1, 2)
    # phone: a3 a4 b1 b2 c3 d2 d3. activity: A Feb; B Jan; C Mar; D Mar
    #   Feb S=1 E=1 N=1 lost=1; Mar S=1 E=2 N=2 lost=1 -> retention 0/2, churn 2/2
    #   revenue 20 over 4 customer-months -> m = 5, clv = 5 * 0 / (1 + d) = 0
    _check(rows.loc["phone"], {
        "channel": "phone",
        "nps": 0.0, "nps_low": lo, "nps_high": hi, "nps_n": 2,  # 6, 9
        "csat": 50.0, "csat_low": clo, "csat_high": chi, "csat_n": 2,  # 3, 5
        "ces": 5.0, "ces_agree": 50.0, "ces_n": 2,  # 3, 7
        "fcr": 200 / 3, "fcr_n": 3,  # 1, 0, 1
        # 60, 120, 30 -> mean 70, median 60, p90 at 1.8 of [30, 60, 120] -> 60 + .8 * 60
        "response_time_mean": 70.0, "response_time_median": 60.0, "response_time_p90": 108.0,
        "response_time_n": 3,
        "complaints": 1, "complaint_rate": 0.25, "complaints_per_1000": 250.0,
        "sentiment": 0.05, "sentiment_n": 4,  # 0.5, -0.4, -0.8, 0.9
        "retention_rate": 0.0, "churn_rate": 1.0, "clv": 0.0,
        "customers": 4, "events": 7, "revenue": 20.0,
    })


def test_by_month_every_column(hand_log):
    card = cxkit.scorecard(hand_log, period="M")
    assert card["period"].dtype == pd.PeriodDtype("M")
    assert card["period"].tolist() == [pd.Period("2024-01", "M"), pd.Period("2024-02", "M"),
                                       pd.Period("2024-03", "M")]
    jan, feb, mar = (card.iloc[i] for i in range(3))
    lo, hi = _adjusted_wald(1, 1, 2)
    clo, chi = _wilson(1, 2)
    # Jan: a1 a2 b1 b2 b3 d1; customers A B D; first month -> S = 0 -> retention/churn/clv NaN
    _check(jan, {
        "period": pd.Period("2024-01", "M"),
        "nps": 0.0, "nps_low": lo, "nps_high": hi, "nps_n": 2,  # 10, 3
        "csat": 50.0, "csat_low": clo, "csat_high": chi, "csat_n": 2,  # 5, 2
        "ces": 4.0, "ces_agree": 50.0, "ces_n": 2,  # 6, 2
        "fcr": 0.0, "fcr_n": 1,
        # 120, 300: mean 210, median 210, p90 at .9 -> 120 + .9 * 180 = 282
        "response_time_mean": 210.0, "response_time_median": 210.0, "response_time_p90": 282.0,
        "response_time_n": 2,
        "complaints": 1, "complaint_rate": 1 / 3, "complaints_per_1000": 1000 / 3,
        "sentiment": -0.6, "sentiment_n": 2,
        "retention_rate": NAN, "churn_rate": NAN, "clv": NAN,
        "customers": 3, "events": 6, "revenue": 100.0,
        "nps_change_z": NAN, "nps_change_p": NAN, "nps_change_significant": False,
    })
    lo, hi = _adjusted_wald(0, 1, 2)
    # Feb: a3 a4 c1 c2; customers A C; S=3 E=2 N=1 lost=2; m = 30 / 2 customers
    # NPS 6, 8 -> -50, var = 0 + .5 - .25 = .25; Jan NPS 0 with var 1 (n 2 each)
    z_feb = (-0.5 - 0.0) / math.sqrt(0.25 / 2 + 1.0 / 2)
    _check(feb, {
        "period": pd.Period("2024-02", "M"),
        "nps": -50.0, "nps_low": lo, "nps_high": hi, "nps_n": 2,
        "csat": 50.0, "csat_low": clo, "csat_high": chi, "csat_n": 2,  # 3, 4
        "ces": 4.0, "ces_agree": 50.0, "ces_n": 2,  # 3, 5
        "fcr": 100.0, "fcr_n": 1,
        "response_time_mean": 60.0, "response_time_median": 60.0, "response_time_p90": 60.0,
        "response_time_n": 1,
        "complaints": 0, "complaint_rate": 0.0, "complaints_per_1000": 0.0,
        "sentiment": 0.5, "sentiment_n": 1,
        "retention_rate": 1 / 3, "churn_rate": 2 / 3, "clv": _clv(15.0, 1 / 3),
        "customers": 2, "events": 4, "revenue": 30.0,
        "nps_change_z": z_feb, "nps_change_p": _p(z_feb), "nps_change_significant": False,
    })
    lo, hi = _adjusted_wald(2, 0, 2)
    clo, chi = _wilson(2, 2)
    # Mar: a5 c3 c4 d2 d3; customers A C D; S=2 E=3 N=0 lost=0 -> retention 1.5 (reactivation of D),
    # so no simple CLV. NPS 10, 9 -> 100 (var 0) vs Feb -50 (var .25): z = 1.5 / sqrt(.25/2) = 4.243, p < .05,
    # but two answers per month are below min_change_n (30), so the change is not flagged
    z_mar = 1.5 / math.sqrt(0.25 / 2)
    _check(mar, {
        "period": pd.Period("2024-03", "M"),
        "nps": 100.0, "nps_low": lo, "nps_high": hi, "nps_n": 2,
        "csat": 100.0, "csat_low": clo, "csat_high": chi, "csat_n": 2,
        "ces": 6.5, "ces_agree": 100.0, "ces_n": 2,
        "fcr": 100.0, "fcr_n": 1,
        "response_time_mean": 30.0, "response_time_median": 30.0, "response_time_p90": 30.0,
        "response_time_n": 1,
        "complaints": 0, "complaint_rate": 0.0, "complaints_per_1000": 0.0,
        "sentiment": 0.9, "sentiment_n": 1,
        "retention_rate": 1.5, "churn_rate": 0.0, "clv": NAN,
        "customers": 3, "events": 5, "revenue": 70.0,
        "nps_change_z": z_mar, "nps_change_p": _p(z_mar), "nps_change_significant": False,
    })
    card2 = cxkit.scorecard(hand_log, period="M", min_change_n=2)
    assert card2["nps_change_significant"].tolist() == [False, False, True]
    assert card2["nps_change_z"].tolist()[1:] == pytest.approx([z_feb, z_mar])


def test_confidence_and_discount_rate_are_used(hand_log):
    card = cxkit.scorecard(hand_log, confidence=0.8, discount_rate=0.0)
    z80 = 1.2815515655446004
    lo, hi = _adjusted_wald(3, 2, 6, z80)
    clo, chi = _wilson(4, 6, z80)
    row = card.iloc[0]
    assert row["nps_low"] == pytest.approx(lo) and row["nps_high"] == pytest.approx(hi)
    assert row["csat_low"] == pytest.approx(clo) and row["csat_high"] == pytest.approx(chi)
    assert row["clv"] == pytest.approx(25 * 0.8 / (1 - 0.8))  # d = 0
    # quarterly retention periods: Q1 only -> no period with a start -> NaN
    q = cxkit.scorecard(hand_log, retention_period="Q")
    assert math.isnan(q["retention_rate"].iloc[0]) and math.isnan(q["clv"].iloc[0])


def test_complaint_kind_option(hand_log):
    card = cxkit.scorecard(hand_log, complaint_kind="ticket")
    # tickets: a3, b1, c3, d1 -> 4 over 4 customers
    assert card["complaints"].iloc[0] == 4 and card["complaint_rate"].iloc[0] == pytest.approx(1.0)


def test_two_columns(hand_log):
    card = cxkit.scorecard(hand_log, by=["channel", "kind"])
    df = hand_frame()
    g = df.groupby(["channel", "kind"])
    exp = pd.DataFrame({"events": g.size(), "customers": g["customer_id"].nunique(),
                        "revenue": g["value"].sum(), "nps_n": g["nps"].count()}).reset_index()
    got = card[["channel", "kind", "events", "customers", "revenue", "nps_n"]].sort_values(["channel", "kind"])
    assert got["channel"].tolist() == exp["channel"].tolist()
    assert got["kind"].tolist() == exp["kind"].tolist()
    for c in ("events", "customers", "nps_n"):
        assert got[c].tolist() == exp[c].tolist()
    np.testing.assert_allclose(got["revenue"].to_numpy(), exp["revenue"].to_numpy())
    # web/survey: NPS 10, 3, 8, 10 -> 25
    ws = card[(card["channel"] == "web") & (card["kind"] == "survey")].iloc[0]
    assert ws["nps"] == pytest.approx(25.0) and ws["events"] == 4
    # phone/complaint: the one complaint
    pc = card[(card["channel"] == "phone") & (card["kind"] == "complaint")].iloc[0]
    assert pc["complaints"] == 1 and pc["customers"] == 1 and pc["complaint_rate"] == 1.0


def _seg_expect(df, labels):
    """events / customers / revenue / nps per segment from a customer -> label dict, by pandas."""
    seg = df["customer_id"].map(labels)
    out = {}
    for lab, part in df.groupby(seg.fillna("<none>")):
        p = (part["nps"] >= 9).sum()
        d = (part["nps"] <= 6).sum()
        n = part["nps"].notna().sum()
        out[None if lab == "<none>" else lab] = dict(events=len(part), customers=part["customer_id"].nunique(),
                                                     revenue=part["value"].sum(), nps=100 * (p - d) / n)
    return out


def _seg_got(card, col="segment"):
    return {(None if pd.isna(r[col]) else r[col]): dict(events=r["events"], customers=r["customers"],
                                                        revenue=r["revenue"], nps=r["nps"])
            for _, r in card.iterrows()}


def _same(got, exp):
    assert set(got) == set(exp)
    for k in exp:
        for c in ("events", "customers"):
            assert got[k][c] == exp[k][c], (k, c)
        for c in ("revenue", "nps"):
            assert got[k][c] == pytest.approx(exp[k][c]), (k, c)


def test_segmentation_from_mapping(hand_log):
    labels = {"A": "gold", "B": "gold", "C": "silver"}  # D in no segment
    seg = cxkit.Segmentation.from_mapping(hand_log, labels, name="tier")
    card = cxkit.scorecard(hand_log, by=seg)
    assert "tier" in card.columns
    exp = _seg_expect(hand_frame(), labels)
    # by hand: gold = A + B: 8 events, revenue 150, NPS 10, 6, 3 -> (1 - 2) / 3 = -33.3
    assert exp["gold"]["events"] == 8 and exp["gold"]["nps"] == pytest.approx(-100 / 3)
    _same(_seg_got(card, "tier"), exp)
    # segment combined with a column
    card2 = cxkit.scorecard(hand_log, by=["channel", seg])
    assert list(card2.columns[:2]) == ["channel", "tier"]
    gw = card2[(card2["channel"] == "web") & (card2["tier"] == "gold")].iloc[0]
    assert gw["events"] == 4 and gw["revenue"] == pytest.approx(150.0)  # a1 a2 a5 b3


def test_segmentation_from_rules_and_mask(hand_log):
    # customers(): revenue A 150, B 0, C 30, D 20; events A 5, B 3, C 4, D 3
    rules = cxkit.Segmentation.from_rules(hand_log, {"big": "revenue >= 100", "busy": "events >= 4",
                                                      "small": "revenue > 0"}, name="rule")
    labels = {"A": "big", "C": "busy", "D": "small"}  # A matches "busy" too but the first rule wins
    card = cxkit.scorecard(hand_log, by=rules)
    _same(_seg_got(card, "rule"), _seg_expect(hand_frame(), labels))
    cust = hand_log.customers()
    mask = (cust["events"] == 3).to_numpy()  # B and D
    m = cxkit.Segmentation.from_mask(hand_log, mask, name="m", label="three", other="more")
    card = cxkit.scorecard(hand_log, by=m)
    _same(_seg_got(card, "m"), _seg_expect(hand_frame(), {"B": "three", "D": "three", "A": "more", "C": "more"}))
    with pytest.raises(ValueError, match="rule for segment 'bad'"):
        cxkit.Segmentation.from_rules(hand_log, {"bad": "no_such_column > 1"})
    with pytest.raises(ValueError, match="mask has 2 values for 4 customers"):
        cxkit.Segmentation.from_mask(hand_log, [True, False])


def test_segmentation_of_another_log_is_rejected(hand_log):
    other = cxkit.EventLog.from_pandas(hand_frame())
    seg = cxkit.Segmentation.from_mapping(other, {"A": "x"})
    with pytest.raises(ValueError, match="different log"):
        cxkit.scorecard(hand_log, by=seg)


@pytest.mark.parametrize("freq", ["D", "W", "M", "Q", "Y"])
def test_periods(freq, hand_log):
    card = cxkit.scorecard(hand_log, by="channel", period=freq)
    assert isinstance(card["period"].dtype, pd.PeriodDtype)
    df = hand_frame()
    pfreq = "Y" if freq == "Y" else freq
    df["period"] = df["time"].dt.to_period(pfreq)
    g = df.groupby(["channel", "period"])
    exp = pd.DataFrame({"events": g.size(), "customers": g["customer_id"].nunique(),
                        "revenue": g["value"].sum(), "nps_n": g["nps"].count()}).reset_index()
    got = card.sort_values(["channel", "period"]).reset_index(drop=True)
    assert got["channel"].tolist() == exp["channel"].tolist()
    assert got["period"].tolist() == exp["period"].tolist()
    assert got["period"].dtype == exp["period"].dtype
    for c in ("events", "customers", "nps_n"):
        assert got[c].tolist() == exp[c].tolist()
    np.testing.assert_allclose(got["revenue"].to_numpy(), exp["revenue"].to_numpy())


def test_weeks_start_on_monday():
    # 2024-01-07 is a Sunday, 2024-01-08 a Monday
    df = pd.DataFrame({"customer_id": [1, 1, 1], "time": pd.to_datetime(["2024-01-01", "2024-01-07 23:59",
                                                                         "2024-01-08"], format="ISO8601")})
    card = cxkit.scorecard(cxkit.EventLog.from_pandas(df), period="W")
    assert card["events"].tolist() == [2, 1]
    assert card["period"].iloc[0].start_time == pd.Timestamp("2024-01-01")
    assert card["period"].iloc[1].start_time == pd.Timestamp("2024-01-08")


# ------------------------------------------------------------------------------------ NPS change significance


def _nps_log(monthly_scores):
    rows = []
    for month, scores in monthly_scores.items():
        for i, s in enumerate(scores):
            rows.append((i, pd.Timestamp(month) + pd.Timedelta(hours=i % 500), float(s)))
    return cxkit.EventLog.from_pandas(pd.DataFrame(rows, columns=["customer_id", "time", "nps"]))


def test_nps_change_significant_on_a_jump():
    jan = [10] * 30 + [8] * 40 + [3] * 30  # NPS 0
    feb = [10] * 30 + [8] * 40 + [3] * 30  # no change
    mar = [10] * 70 + [8] * 20 + [3] * 10  # NPS 60
    card = cxkit.scorecard(_nps_log({"2024-01-01": jan, "2024-02-01": feb, "2024-03-01": mar}), period="M")
    assert card["nps"].tolist() == pytest.approx([0.0, 0.0, 60.0])
    assert card["nps_change_significant"].tolist() == [False, False, True]
    v_feb, v_mar = 0.6 - 0.0, 0.8 - 0.36  # pP + pD - (pP - pD)^2
    z = 0.6 / math.sqrt(v_mar / 100 + v_feb / 100)
    assert card["nps_change_z"].iloc[2] == pytest.approx(z)
    assert card["nps_change_p"].iloc[2] == pytest.approx(_p(z), rel=1e-6)
    assert card["nps_change_z"].iloc[1] == pytest.approx(0.0)
    assert card["nps_change_p"].iloc[1] == pytest.approx(1.0)


def test_nps_change_needs_min_change_n_answers_in_both_periods():
    # one promoter, then one detractor: both periods have zero variance, z = -inf, p = 0, yet two answers
    # say nothing; with 30 answers each of the same jump the flag is raised
    tiny = cxkit.scorecard(_nps_log({"2024-01-01": [10], "2024-02-01": [0]}), period="M")
    assert tiny["nps_change_z"].iloc[1] == -math.inf
    assert tiny["nps_change_p"].iloc[1] == 0.0
    assert tiny["nps_change_significant"].tolist() == [False, False]
    enough = cxkit.scorecard(_nps_log({"2024-01-01": [10] * 30, "2024-02-01": [0] * 30}), period="M")
    assert enough["nps_change_significant"].tolist() == [False, True]
    few = cxkit.scorecard(_nps_log({"2024-01-01": [10] * 30, "2024-02-01": [0] * 29}), period="M")
    assert few["nps_change_significant"].tolist() == [False, False]
    assert cxkit.scorecard(_nps_log({"2024-01-01": [10] * 30, "2024-02-01": [0] * 29}), period="M",
                           min_change_n=29)["nps_change_significant"].tolist() == [False, True]
    with pytest.raises(ValueError, match="min_change_n"):
        cxkit.scorecard(_nps_log({"2024-01-01": [10]}), period="M", min_change_n=-1)


def test_nps_change_not_significant_when_nothing_changes():
    same = [10] * 25 + [7] * 50 + [2] * 25
    card = cxkit.scorecard(_nps_log({m: same for m in ("2024-01-01", "2024-02-01", "2024-03-01",
                                                      "2024-04-01")}), period="M")
    assert not card["nps_change_significant"].any()
    assert card["nps_change_z"].iloc[1:].tolist() == pytest.approx([0.0] * 3)


def test_nps_change_only_between_consecutive_periods_of_one_group():
    # a gap month: March has no answers, so April is not compared with February
    card = cxkit.scorecard(_nps_log({"2024-02-01": [0] * 50, "2024-04-01": [10] * 50}), period="M")
    assert len(card) == 2
    assert not card["nps_change_significant"].any()
    assert card["nps_change_z"].isna().all()


# ------------------------------------------------------------------- independent pandas implementation


def _simulated():
    sim = getattr(getattr(cxkit, "datasets", None), "simulate", None)
    if sim is not None:
        return sim(3000, seed=3)
    rng = np.random.default_rng(3)  # pragma: no cover - fallback while the simulator did not exist
    n = 40_000
    df = pd.DataFrame({
        "customer_id": rng.integers(0, 3000, n),
        "time": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 365 * 86400, n), unit="s"),
        "channel": rng.choice(["web", "app", "phone"], n),
        "kind": rng.choice(["interaction", "survey", "ticket", "complaint"], n),
    })
    sv, tk = df["kind"] == "survey", df["kind"] == "ticket"
    df["nps"] = np.where(sv, rng.integers(0, 11, n), np.nan)
    df["csat"] = np.where(sv, rng.integers(1, 6, n), np.nan)
    df["ces"] = np.where(sv, rng.integers(1, 8, n), np.nan)
    df["response_time"] = np.where(tk, rng.exponential(900, n), np.nan)
    df["fcr"] = np.where(tk & (rng.random(n) < 0.9), (rng.random(n) < 0.7).astype(float), np.nan)
    df["sentiment"] = np.where(rng.random(n) < 0.05, rng.uniform(-1, 1, n), np.nan)
    df["value"] = np.where(rng.random(n) < 0.2, rng.gamma(2, 30, n), np.nan)
    return df


@pytest.fixture(scope="module")
def sim_frame():
    return _simulated()


def _pandas_scorecard(df):
    """The scorecard by (channel, month), computed with plain pandas groupby."""
    df = df.copy()
    df["channel"] = df["channel"].astype(str)
    df["period"] = df["time"].dt.to_period("M")
    rows = []
    for (ch, per), g in df.groupby(["channel", "period"], sort=True):
        nps = g["nps"].dropna()
        csat = g["csat"].dropna()
        ces = g["ces"].dropna()
        fcr = g["fcr"].dropna()
        rt = g["response_time"].dropna().to_numpy()
        sent = g["sentiment"].dropna()
        cust = g["customer_id"].nunique()
        compl = int((g["kind"].astype(str) == "complaint").sum())
        rows.append(dict(
            channel=ch, period=per,
            nps=100 * ((nps >= 9).sum() - (nps <= 6).sum()) / len(nps) if len(nps) else np.nan, nps_n=len(nps),
            csat=100 * (csat >= 4).mean() if len(csat) else np.nan, csat_n=len(csat),
            ces=ces.mean() if len(ces) else np.nan, ces_agree=100 * (ces >= 5).mean() if len(ces) else np.nan,
            ces_n=len(ces),
            fcr=100 * (fcr == 1).mean() if len(fcr) else np.nan, fcr_n=len(fcr),
            response_time_mean=rt.mean() if len(rt) else np.nan,
            response_time_median=np.quantile(rt, 0.5) if len(rt) else np.nan,
            response_time_p90=np.quantile(rt, 0.9) if len(rt) else np.nan, response_time_n=len(rt),
            complaints=compl, complaint_rate=compl / cust, complaints_per_1000=1000 * compl / cust,
            sentiment=sent.mean() if len(sent) else np.nan, sentiment_n=len(sent),
            customers=cust, events=len(g), revenue=g["value"].sum(),
        ))
    out = pd.DataFrame(rows)
    # retention / churn per channel and month from the set of (customer, month) with activity in the channel
    act = df[["channel", "customer_id", "period"]].drop_duplicates()
    act["pidx"] = act["period"].apply(lambda p: p.ordinal)
    ret = {}
    for ch, a in act.groupby("channel"):
        sets = {p: set(s) for p, s in a.groupby("pidx")["customer_id"]}
        first = a.groupby("customer_id")["pidx"].min()
        for p in range(a["pidx"].min(), a["pidx"].max() + 1):
            S, E = sets.get(p - 1, set()), sets.get(p, set())
            N = sum(1 for c in E if first[c] == p)
            lost = len(S - E)
            ret[(ch, p)] = ((len(E) - N) / len(S), lost / len(S)) if S else (np.nan, np.nan)
    out["retention_rate"] = [ret[(c, p.ordinal)][0] for c, p in zip(out["channel"], out["period"])]
    out["churn_rate"] = [ret[(c, p.ordinal)][1] for c, p in zip(out["channel"], out["period"])]
    return out


def test_scorecard_matches_independent_pandas(sim_frame):
    log = cxkit.EventLog.from_pandas(sim_frame)
    card = cxkit.scorecard(log, by="channel", period="M")
    exp = _pandas_scorecard(sim_frame)
    got = card.sort_values(["channel", "period"]).reset_index(drop=True)
    assert len(got) == len(exp) > 20
    assert got["channel"].tolist() == exp["channel"].tolist()
    assert got["period"].tolist() == exp["period"].tolist()
    for col in exp.columns[2:]:
        a, b = got[col].to_numpy(dtype=float), exp[col].to_numpy(dtype=float)
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9, equal_nan=True, err_msg=col)
    # the intervals from the counts
    for i in range(0, len(got), 7):
        r = got.iloc[i]
        if r["nps_n"] > 0:
            g = sim_frame[(sim_frame["channel"].astype(str) == r["channel"]) &
                          (sim_frame["time"].dt.to_period("M") == r["period"])]["nps"].dropna()
            lo, hi = _adjusted_wald((g >= 9).sum(), (g <= 6).sum(), len(g))
            assert r["nps_low"] == pytest.approx(lo) and r["nps_high"] == pytest.approx(hi)


def test_overall_matches_independent_pandas(sim_frame):
    log = cxkit.EventLog.from_pandas(sim_frame)
    row = cxkit.scorecard(log).iloc[0]
    df = sim_frame
    nps = df["nps"].dropna()
    assert row["nps"] == pytest.approx(100 * ((nps >= 9).sum() - (nps <= 6).sum()) / len(nps), rel=1e-9)
    assert row["events"] == len(df) and row["customers"] == df["customer_id"].nunique()
    assert row["revenue"] == pytest.approx(df["value"].sum(), rel=1e-9)
    rt = df["response_time"].dropna().to_numpy()
    assert row["response_time_p90"] == pytest.approx(np.quantile(rt, 0.9), rel=1e-9)
    # pooled monthly retention over the whole log
    per = df["time"].dt.to_period("M").apply(lambda p: p.ordinal)
    act = pd.DataFrame({"c": df["customer_id"], "p": per}).drop_duplicates()
    sets = {p: set(s) for p, s in act.groupby("p")["c"]}
    first = act.groupby("c")["p"].min()
    s_sum = en_sum = lost_sum = 0
    for p in range(act["p"].min() + 1, act["p"].max() + 1):
        S, E = sets.get(p - 1, set()), sets.get(p, set())
        s_sum += len(S)
        en_sum += len(E) - sum(1 for c in E if first[c] == p)
        lost_sum += len(S - E)
    assert row["retention_rate"] == pytest.approx(en_sum / s_sum, rel=1e-12)
    assert row["churn_rate"] == pytest.approx(lost_sum / s_sum, rel=1e-12)
    m = df["value"].sum() / len(act)
    assert row["clv"] == pytest.approx(_clv(m, en_sum / s_sum), rel=1e-9)


def test_thread_count_does_not_change_result(sim_frame):
    log = cxkit.EventLog.from_pandas(sim_frame)
    a = cxkit.scorecard_state(log, by="channel", period="M", threads=1)
    b = cxkit.scorecard_state(log, by="channel", period="M", threads=7)
    assert a == b
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame())


# ------------------------------------------------------------------------------------------------- merging


def _split_frames():
    """Two partitions with different distributions and overlapping customers (A and C in both)."""
    rng = np.random.default_rng(8)
    n = 400
    a = pd.DataFrame({
        "customer_id": rng.choice(list("ABCDEFG"), n),
        "time": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 120 * 86400, n), unit="s"),
        "channel": rng.choice(["web", "app"], n),
        "nps": rng.integers(0, 11, n).astype(float),
        "response_time": rng.exponential(100, n),
        "value": rng.gamma(2, 10, n),
    })
    m = 250
    b = pd.DataFrame({
        "customer_id": rng.choice(list("ACXYZ"), m),
        "time": pd.Timestamp("2024-03-01") + pd.to_timedelta(rng.integers(0, 90 * 86400, m), unit="s"),
        "channel": rng.choice(["phone", "web", "store"], m),
        "nps": rng.integers(8, 11, m).astype(float),
        "response_time": rng.exponential(5000, m),
        "value": rng.gamma(5, 50, m),
    })
    return a, b


@pytest.mark.parametrize("by,period", [(None, None), ("channel", None), ("channel", "M"), (None, "W")])
def test_merge_equals_state_of_union(by, period):
    a, b = _split_frames()
    la, lb = cxkit.EventLog.from_pandas(a), cxkit.EventLog.from_pandas(b)
    lu = cxkit.EventLog.from_pandas(pd.concat([a, b], ignore_index=True))
    sa = cxkit.scorecard_state(la, by=by, period=period)
    sb = cxkit.scorecard_state(lb, by=by, period=period)
    su = cxkit.scorecard_state(lu, by=by, period=period)
    assert not (sa == su) and not (sa == sb)
    merged = sa + sb
    assert merged == su
    assert sb + sa == su
    fu = su.to_frame()
    pd.testing.assert_frame_equal(merged.to_frame(), fu)
    pd.testing.assert_frame_equal(merged.to_frame(), cxkit.scorecard(lu, by=by, period=period))
    acc = cxkit.scorecard_state(la, by=by, period=period)
    acc += sb
    assert acc == su
    # the union is not the same as either part
    assert len(fu) >= len(sa.to_frame())


def test_merge_overlapping_customers_counts_them_once():
    a, b = _split_frames()
    merged = cxkit.scorecard_state(cxkit.EventLog.from_pandas(a)) + cxkit.scorecard_state(
        cxkit.EventLog.from_pandas(b))
    row = merged.to_frame().iloc[0]
    assert row["customers"] == len(set(a["customer_id"]) | set(b["customer_id"])) == 10
    assert row["events"] == len(a) + len(b)


def test_merge_with_integer_ids_and_different_dictionaries():
    a = pd.DataFrame({"customer_id": [5, 7], "time": pd.to_datetime(["2024-01-01", "2024-01-02"]),
                      "channel": ["web", "app"]})
    b = pd.DataFrame({"customer_id": [7, 9], "time": pd.to_datetime(["2024-02-01", "2024-02-02"]),
                      "channel": ["app", "phone"]})  # "app" has code 0 here, 1 in a
    merged = cxkit.scorecard_state(cxkit.EventLog.from_pandas(a), by="channel") + cxkit.scorecard_state(
        cxkit.EventLog.from_pandas(b), by="channel")
    f = merged.to_frame().set_index("channel")
    assert f.loc["app", "events"] == 2 and f.loc["app", "customers"] == 1
    assert f.loc["web", "events"] == 1 and f.loc["phone", "customers"] == 1


def test_merge_of_different_groupings_fails():
    a, _ = _split_frames()
    la = cxkit.EventLog.from_pandas(a)
    with pytest.raises(ValueError):
        cxkit.scorecard_state(la, by="channel") + cxkit.scorecard_state(la)
    with pytest.raises(ValueError):
        cxkit.scorecard_state(la, period="M") + cxkit.scorecard_state(la, period="W")


def test_pickle_scorecard(hand_log):
    st = cxkit.scorecard_state(hand_log, by="channel", period="M")
    back = pickle.loads(pickle.dumps(st))
    assert isinstance(back, cxkit.Scorecard)
    assert back == st
    assert not (back == cxkit.scorecard_state(hand_log, by="channel"))
    pd.testing.assert_frame_equal(back.to_frame(), st.to_frame())
    assert "Scorecard(" in repr(st)


# ------------------------------------------------------------------------------------------- bad arguments


def test_bad_by(hand_log):
    with pytest.raises(ValueError, match="'region'"):
        cxkit.scorecard(hand_log, by="region")
    with pytest.raises(ValueError, match="'region'"):
        cxkit.scorecard(hand_log, by=["channel", "region"])
    with pytest.raises(ValueError, match="twice"):
        cxkit.scorecard(hand_log, by=["channel", "channel"])
    with pytest.raises(TypeError):
        cxkit.scorecard(hand_log, by=[3])


@pytest.mark.parametrize("period", ["X", "month", "H", 5])
def test_bad_period(hand_log, period):
    with pytest.raises(ValueError, match="period"):
        cxkit.scorecard(hand_log, period=period)


def test_bad_retention_period(hand_log):
    with pytest.raises(ValueError, match="period"):
        cxkit.scorecard(hand_log, retention_period="X")


@pytest.mark.parametrize("confidence", [0, 1, -0.5, 1.5, float("nan")])
def test_bad_confidence(hand_log, confidence):
    with pytest.raises(ValueError, match="confidence"):
        cxkit.scorecard(hand_log, confidence=confidence)
    with pytest.raises(ValueError, match="confidence"):
        cxkit.scorecard_state(hand_log).to_frame(confidence=confidence)


def test_bad_discount_rate_and_log(hand_log):
    with pytest.raises(ValueError, match="discount_rate"):
        cxkit.scorecard(hand_log, discount_rate=-0.1)
    with pytest.raises(TypeError):
        cxkit.scorecard(hand_frame())


def test_missing_group_label_is_its_own_row():
    df = pd.DataFrame({"customer_id": [1, 2, 3], "time": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03"]),
                       "channel": ["web", None, "web"], "nps": [10.0, 0.0, 9.0]})
    card = cxkit.scorecard(cxkit.EventLog.from_pandas(df), by="channel")
    assert len(card) == 2
    none = card[card["channel"].isna()].iloc[0]
    web = card[card["channel"] == "web"].iloc[0]
    assert none["events"] == 1 and none["nps"] == -100.0  # the single 0
    assert web["events"] == 2 and web["nps"] == 100.0 and web["customers"] == 2  # 10 and 9


def test_frame_columns_in_their_order(hand_log):
    """Issue 11 (KPI registry): the columns follow from the registered KPIs; users see the same names in the same
    order as before the registry, the period-over-period flag last."""
    card = cxkit.scorecard(hand_log, by="channel", period="M")
    assert list(card.columns) == [
        "channel", "period", "nps", "nps_low", "nps_high", "nps_n", "csat", "csat_low", "csat_high", "csat_n", "ces",
        "ces_agree", "ces_n", "fcr", "fcr_n", "response_time_mean", "response_time_median", "response_time_p90",
        "response_time_n", "complaints", "complaint_rate", "complaints_per_1000", "sentiment", "sentiment_n",
        "retention_rate", "churn_rate", "clv", "customers", "events", "revenue", "nps_change_z", "nps_change_p",
        "nps_change_significant"]
    assert card["nps_change_significant"].dtype == bool
    flat = cxkit.scorecard(hand_log)
    assert "nps_change_significant" not in flat.columns and "nps_change_z" not in flat.columns

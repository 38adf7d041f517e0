"""Tests of the stand-alone KPI functions (cxkit.nps / csat / ces / nps_test / csat_test) and of the mergeable
KPI states, against values computed independently in the test (by hand or with plain Python arithmetic)."""

import copy
import math
import pickle
from statistics import NormalDist

import numpy as np
import pytest

import cxkit

Z95 = 1.959963984540054  # the 97.5% normal quantile


def _p_two_sided(z):
    # 2 * (1 - Phi(|z|)) = erfc(|z| / sqrt 2)
    return math.erfc(abs(z) / math.sqrt(2.0))


def _adjusted_wald(p, d, n, z=Z95):
    """MeasuringU / Rocks 2016 adjusted-Wald interval for NPS, written out independently."""
    na = n + 3.0
    pp = (p + 0.75) / na
    pd_ = (d + 0.75) / na
    adj = pp - pd_
    var = pp + pd_ - adj ** 2
    half = z * math.sqrt(var / na)
    return max(-100.0, 100 * (adj - half)), min(100.0, 100 * (adj + half))


def _wilson(x, n, z=Z95):
    p = x / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z / denom * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return 100 * max(0.0, centre - half), 100 * min(1.0, centre + half)


# ---------------------------------------------------------------------------------------------------------- NPS


def test_nps_docstring_example_by_hand():
    # [10, 9, 8, 3, 10]: promoters 3 (10, 9, 10), passive 1 (8), detractor 1 (3); NPS = 100 (3 - 1) / 5 = 40
    r = cxkit.nps([10, 9, 8, 3, 10])
    assert (r.n, r.promoters, r.passives, r.detractors) == (5, 3, 1, 1)
    assert r.value == pytest.approx(40.0, abs=1e-12)
    # adjusted: pP = 3.75/8 = 0.46875, pD = 1.75/8 = 0.21875, adj = 0.25,
    # var = 0.46875 + 0.21875 - 0.0625 = 0.625, half = 1.959964 * sqrt(0.625 / 8) = 0.547825
    half = Z95 * math.sqrt(0.625 / 8)
    assert r.low == pytest.approx(100 * (0.25 - half), abs=1e-9)
    assert r.high == pytest.approx(100 * (0.25 + half), abs=1e-9)
    assert r.low == pytest.approx(-29.7825, abs=1e-3)
    assert r.high == pytest.approx(79.7825, abs=1e-3)
    # raw variance of +1/0/-1 coding: 0.6 + 0.2 - 0.4^2 = 0.64
    assert r.variance == pytest.approx(0.64, abs=1e-12)
    assert r.confidence == 0.95
    assert str(r) == "NPS 40.0 [-29.8, 79.8] (n=5, 95% CI)"


def test_nps_boundaries_of_classes():
    # 0..10 once each: detractors 0-6 (7), passives 7-8 (2), promoters 9-10 (2); NPS = 100 (2 - 7) / 11
    r = cxkit.nps(np.arange(11))
    assert (r.promoters, r.passives, r.detractors, r.n) == (2, 2, 7, 11)
    assert r.value == pytest.approx(100 * (2 - 7) / 11, abs=1e-12)
    pP, pD = 2 / 11, 7 / 11
    assert r.variance == pytest.approx(pP + pD - (pP - pD) ** 2, abs=1e-12)
    lo, hi = _adjusted_wald(2, 7, 11)
    assert (r.low, r.high) == (pytest.approx(lo, abs=1e-9), pytest.approx(hi, abs=1e-9))


@pytest.mark.parametrize("confidence", [0.8, 0.9, 0.95, 0.99])
def test_nps_interval_other_confidence(confidence):
    scores = [10, 10, 9, 9, 9, 8, 7, 7, 6, 5, 2, 0, 10, 9]
    # promoters: 10,10,9,9,9,10,9 = 7; passives 8,7,7 = 3; detractors 6,5,2,0 = 4; n = 14
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    r = cxkit.nps(scores, confidence=confidence)
    assert (r.promoters, r.passives, r.detractors) == (7, 3, 4)
    assert r.value == pytest.approx(100 * 3 / 14, abs=1e-12)
    lo, hi = _adjusted_wald(7, 4, 14, z)
    assert r.low == pytest.approx(lo, abs=1e-8)
    assert r.high == pytest.approx(hi, abs=1e-8)
    assert r.confidence == confidence


def test_nps_interval_is_centred_on_the_adjusted_estimate_not_the_raw():
    # all promoters, n = 4: raw NPS 100, adjusted (4.75 - 0.75)/7 = 4/7
    r = cxkit.nps([10, 10, 9, 9])
    assert r.value == 100.0
    centre = (r.low + r.high) / 2
    lo, hi = _adjusted_wald(4, 0, 4)
    assert r.low == pytest.approx(lo, abs=1e-9)
    if hi < 100:  # not clipped
        assert centre == pytest.approx(100 * 4 / 7, abs=1e-9)
    assert r.high <= 100.0


def test_nps_interval_clipped_to_range():
    r = cxkit.nps([10] * 2)
    assert -100 <= r.low <= r.high <= 100
    r = cxkit.nps([0] * 2)
    assert -100 <= r.low <= r.high <= 100
    assert r.value == -100.0


def test_nps_ignores_nan_and_accepts_2d():
    r = cxkit.nps([10, np.nan, 3, np.nan, 8])
    # 10 promoter, 3 detractor, 8 passive -> NPS 0, n 3
    assert (r.n, r.promoters, r.passives, r.detractors) == (3, 1, 1, 1)
    assert r.value == pytest.approx(0.0, abs=1e-12)
    r2 = cxkit.nps(np.array([[10, np.nan], [3, 8]]))
    assert r2.n == 3 and r2.value == pytest.approx(0.0, abs=1e-12)


def test_nps_empty_and_all_nan_give_nan():
    for arr in ([], [np.nan, np.nan]):
        r = cxkit.nps(arr)
        assert r.n == 0
        assert math.isnan(r.value) and math.isnan(r.low) and math.isnan(r.high)


@pytest.mark.parametrize("bad,row", [([9, 8, 11], 2), ([7.5], 0), ([10, -1], 1), ([3, np.inf], 1)])
def test_nps_bad_value_names_column_and_row(bad, row):
    with pytest.raises(ValueError) as e:
        cxkit.nps(bad)
    msg = str(e.value)
    assert "'nps'" in msg
    assert f"row {row}" in msg
    assert "0 to 10" in msg


# --------------------------------------------------------------------------------------------------------- CSAT


def test_csat_by_hand():
    # [5, 4, 4, 3, 1, 2, 5, 5]: top-2 = 5, 4, 4, 5, 5 = 5 of 8 -> 62.5 %
    scores = [5, 4, 4, 3, 1, 2, 5, 5]
    r = cxkit.csat(scores)
    assert (r.n, r.satisfied) == (8, 5)
    assert r.value == pytest.approx(62.5, abs=1e-12)
    lo, hi = _wilson(5, 8)
    assert r.low == pytest.approx(lo, abs=1e-9)
    assert r.high == pytest.approx(hi, abs=1e-9)
    # Wilson for 5/8 at 95%: about [30.57, 86.32]
    assert r.low == pytest.approx(30.57, abs=0.01)
    assert r.high == pytest.approx(86.32, abs=0.01)


def test_csat_wilson_other_confidence_and_extremes():
    z = NormalDist().inv_cdf(0.95)  # 90 %
    r = cxkit.csat([4, 5, 3, np.nan, 2, 5], confidence=0.9)
    assert (r.n, r.satisfied) == (5, 3)
    lo, hi = _wilson(3, 5, z)
    assert r.low == pytest.approx(lo, abs=1e-9) and r.high == pytest.approx(hi, abs=1e-9)
    all_sat = cxkit.csat([5, 5, 4])
    assert all_sat.value == 100.0 and all_sat.high == pytest.approx(100.0) and all_sat.low < 100
    lo, hi = _wilson(3, 3)
    assert all_sat.low == pytest.approx(lo, abs=1e-9)
    none_sat = cxkit.csat([1, 2, 3])
    assert none_sat.value == 0.0 and none_sat.low == pytest.approx(0.0, abs=1e-12) and none_sat.high > 0


@pytest.mark.parametrize("bad,row", [([4, 0], 1), ([6], 0), ([5, 5, 3.5], 2)])
def test_csat_bad_value(bad, row):
    with pytest.raises(ValueError) as e:
        cxkit.csat(bad)
    assert "'csat'" in str(e.value) and f"row {row}" in str(e.value)


# ---------------------------------------------------------------------------------------------------------- CES


def test_ces_by_hand():
    # [7, 5, 4, 1, 6, nan, 2]: n = 6, mean = 25/6, agree (5-7) = 7, 5, 6 -> 3/6 = 50 %
    r = cxkit.ces([7, 5, 4, 1, 6, np.nan, 2])
    assert r.n == 6
    assert r.mean == pytest.approx(25 / 6, abs=1e-12)
    assert r.agree == pytest.approx(50.0, abs=1e-12)


def test_ces_boundaries():
    r = cxkit.ces([4, 4, 5])
    assert r.agree == pytest.approx(100 / 3, abs=1e-12)
    assert r.mean == pytest.approx(13 / 3, abs=1e-12)


@pytest.mark.parametrize("bad,row", [([3, 8], 1), ([0], 0), ([2.5], 0)])
def test_ces_bad_value(bad, row):
    with pytest.raises(ValueError) as e:
        cxkit.ces(bad)
    assert "'ces'" in str(e.value) and f"row {row}" in str(e.value)


# ------------------------------------------------------------------------------------------------- confidence


@pytest.mark.parametrize("confidence", [0, 1, 1.5, -0.1, float("nan")])
def test_confidence_outside_unit_interval_raises(confidence):
    with pytest.raises(ValueError, match="confidence"):
        cxkit.nps([9, 3], confidence=confidence)
    with pytest.raises(ValueError, match="confidence"):
        cxkit.csat([5, 3], confidence=confidence)


# ------------------------------------------------------------------------------------------------------- tests


def test_nps_two_sample_test_by_hand():
    a = [10, 9, 9, 10, 8, 7, 3, 10, 9, 6]  # P 6, Pa 2, D 2 -> NPS 40, n 10
    b = [3, 5, 9, 8, 2, 10, 6, 7]  # P 2, Pa 2, D 4 -> NPS -25, n 8
    v1 = 0.6 + 0.2 - 0.4 ** 2  # 0.64
    v2 = 0.25 + 0.5 - (-0.25) ** 2  # 0.6875
    z = (0.40 - (-0.25)) / math.sqrt(v1 / 10 + v2 / 8)
    t = cxkit.nps_test(a, b)
    assert t.difference == pytest.approx(65.0, abs=1e-9)
    assert t.z == pytest.approx(z, abs=1e-9)
    assert t.p == pytest.approx(_p_two_sided(z), abs=1e-12)
    assert t.significant(0.05) == (t.p < 0.05)
    # swapped samples flip the sign only
    t2 = cxkit.nps_test(b, a)
    assert t2.z == pytest.approx(-z, abs=1e-9) and t2.p == pytest.approx(t.p, abs=1e-12)


def test_nps_test_against_benchmark():
    a = [10, 9, 9, 10, 8, 7, 3, 10, 9, 6]  # NPS 40, v 0.64, n 10
    t = cxkit.nps_test(a, 10)
    z = (0.40 - 0.10) / math.sqrt(0.64 / 10)  # 1.185854
    assert t.difference == pytest.approx(30.0, abs=1e-9)
    assert t.z == pytest.approx(z, abs=1e-9)
    assert t.p == pytest.approx(_p_two_sided(z), abs=1e-12)
    assert not t.significant()
    t = cxkit.nps_test([10] * 50 + [0] * 10, -20)
    # NPS = 100 * 40/60 = 66.67; v = 50/60 + 10/60 - (40/60)^2 = 1 - 4/9 = 5/9
    z = (40 / 60 + 0.2) / math.sqrt((5 / 9) / 60)
    assert t.z == pytest.approx(z, abs=1e-9)
    assert t.significant()
    with pytest.raises(ValueError):
        cxkit.nps_test(a, 150)


def test_nps_test_ignores_nan():
    t1 = cxkit.nps_test([10, np.nan, 3, 9], [np.nan, 0, 8])
    t2 = cxkit.nps_test([10, 3, 9], [0, 8])
    assert t1.z == pytest.approx(t2.z) and t1.p == pytest.approx(t2.p)


def test_csat_test_two_sample_pooled():
    a = [5, 4, 4, 5, 3, 2, 5, 4, 5, 1]  # 7 of 10 satisfied
    b = [3, 2, 4, 1, 5, 3, 2, 2]  # 2 of 8
    p = 9 / 18
    z = (0.7 - 0.25) / math.sqrt(p * (1 - p) * (1 / 10 + 1 / 8))
    t = cxkit.csat_test(a, b)
    assert t.difference == pytest.approx(45.0, abs=1e-9)
    assert t.z == pytest.approx(z, abs=1e-9)
    assert t.p == pytest.approx(_p_two_sided(z), abs=1e-12)


def test_csat_test_against_benchmark():
    a = [5, 4, 4, 5, 3, 2, 5, 4, 5, 1]  # 70 %
    z = (0.7 - 0.5) / math.sqrt(0.5 * 0.5 / 10)
    t = cxkit.csat_test(a, 50)
    assert t.difference == pytest.approx(20.0, abs=1e-9)
    assert t.z == pytest.approx(z, abs=1e-9)
    assert t.p == pytest.approx(_p_two_sided(z), abs=1e-12)
    with pytest.raises(ValueError):
        cxkit.csat_test(a, 120)
    with pytest.raises(ValueError, match="'csat'.*row 1"):
        cxkit.csat_test(a, [5, 7])


def test_tests_validate_inputs():
    with pytest.raises(ValueError, match="'nps'.*row 2"):
        cxkit.nps_test([9, 9, 12], [3])
    with pytest.raises(ValueError, match="'nps'.*row 0"):
        cxkit.nps_test([9], [6.5])


# ----------------------------------------------------------------------------------------- mergeable states

RNG = np.random.default_rng(11)
_A_NPS = RNG.integers(0, 11, 40).astype(float)
_B_NPS = np.clip(RNG.integers(6, 14, 25), 0, 10).astype(float)  # skewed towards promoters
_A_NPS[[3, 17]] = np.nan

STATE_CASES = {
    "NpsState": (cxkit.NpsState, _A_NPS, _B_NPS),
    "CsatState": (cxkit.CsatState, RNG.integers(1, 6, 30).astype(float),
                  np.array([5, 5, 4, 5, np.nan, 4, 1, 5], dtype=float)),
    "CesState": (cxkit.CesState, RNG.integers(1, 8, 30).astype(float),
                 np.array([1, 2, 1, 1, 3, 7, np.nan], dtype=float)),
    "FcrState": (cxkit.FcrState, (RNG.random(30) < 0.8).astype(float),
                 np.array([0, 0, 1, np.nan, 0, 0], dtype=float)),
    "ResponseTimeState": (cxkit.ResponseTimeState, RNG.exponential(600, 50),
                          np.array([5.0, 3600.0, np.nan, 86400.0, 0.0])),
    "MeanState": (cxkit.MeanState, RNG.uniform(-1, 1, 40), np.array([0.9, 0.95, np.nan, 1.0, -1.0, 0.5])),
}


def _filled(cls, values):
    s = cls()
    s.fill(np.asarray(values, dtype=float))
    return s


@pytest.mark.parametrize("name", sorted(STATE_CASES))
def test_state_merge_equals_fill_of_union(name):
    cls, a, b = STATE_CASES[name]
    sa, sb = _filled(cls, a), _filled(cls, b)
    union = _filled(cls, np.concatenate([a, b]))
    assert not (sa == sb)  # different distributions: equality is not trivially true
    assert sa + sb == union
    assert sb + sa == union
    assert not (sa == union)
    s = _filled(cls, a)
    s += sb
    assert s == union
    assert sa == _filled(cls, a)  # + does not modify its operands
    # an empty state is the identity
    assert cls() + sa == sa


@pytest.mark.parametrize("name", sorted(STATE_CASES))
def test_state_pickle_roundtrip(name):
    cls, a, b = STATE_CASES[name]
    s = _filled(cls, np.concatenate([a, b]))
    back = pickle.loads(pickle.dumps(s))
    assert type(back) is cls
    assert back == s
    assert cls.deserialize(s.serialize()) == s
    assert copy.deepcopy(s) == s
    assert not (back == _filled(cls, a))


def test_state_values_by_hand():
    s = _filled(cxkit.NpsState, [10, 9, 8, 3, 10]) + _filled(cxkit.NpsState, [0, 7])
    # P 3, Pa 2 (8, 7), D 2 (3, 0)
    assert (s.promoters, s.passives, s.detractors, s.n) == (3, 2, 2, 7)
    assert s.value == pytest.approx(100 / 7)
    c = _filled(cxkit.CsatState, [1, 5, 5, np.nan]) + _filled(cxkit.CsatState, [4, 2])
    assert c.counts == [1, 1, 0, 1, 2] and c.satisfied == 3 and c.value == pytest.approx(60.0)
    e = _filled(cxkit.CesState, [7, 5]) + _filled(cxkit.CesState, [1])
    assert e.counts == [1, 0, 0, 0, 1, 0, 1] and e.mean == pytest.approx(13 / 3)
    assert e.agree == pytest.approx(200 / 3)
    f = _filled(cxkit.FcrState, [1, 0, np.nan]) + _filled(cxkit.FcrState, [1, 1])
    assert (f.resolved, f.first_contact) == (4, 3) and f.value == pytest.approx(75.0)
    r = _filled(cxkit.ResponseTimeState, [10, 40]) + _filled(cxkit.ResponseTimeState, [20, np.nan, 30, 1000])
    vals = [10, 20, 30, 40, 1000]  # sorted; linear quantile: median idx 2 -> 30, p90 idx 3.6 -> 40 + .6*960
    assert r.n == 5 and r.mean == pytest.approx(1100 / 5)
    assert r.median == pytest.approx(30.0)
    assert r.p90 == pytest.approx(40 + 0.6 * 960)
    assert r.p90 == pytest.approx(float(np.quantile(vals, 0.9)))
    m = _filled(cxkit.MeanState, [0.5, -0.5]) + _filled(cxkit.MeanState, [1.0])
    assert m.n == 3 and m.mean == pytest.approx(1 / 3)
    # sample variance: mean 1/3, deviations 1/6, -5/6, 2/3 -> (1/36 + 25/36 + 16/36) / 2 = 42/72
    assert m.variance == pytest.approx(42 / 72)


@pytest.mark.parametrize("cls,bad,column", [
    (cxkit.NpsState, [1, 11], "nps"), (cxkit.CsatState, [3, 0], "csat"), (cxkit.CesState, [3, 9], "ces"),
    (cxkit.FcrState, [1, 0.5], "fcr"), (cxkit.ResponseTimeState, [1, -3], "response_time"),
    (cxkit.MeanState, [0.1, 1.5], "sentiment"),
])
def test_state_fill_validates(cls, bad, column):
    s = cls()
    with pytest.raises(ValueError) as e:
        s.fill(np.asarray(bad, dtype=float))
    assert f"'{column}'" in str(e.value) and "row 1" in str(e.value)
    assert s == cls()  # nothing was added before the bad row was found


def test_states_do_not_merge_across_types():
    with pytest.raises(TypeError):
        cxkit.NpsState() + cxkit.CsatState()

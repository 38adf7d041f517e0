"""Kaplan-Meier reads its numpy inputs in place with the GIL held (no owned copy of millions of rows): every flag
dtype gives the same estimate to the bit, odd layouts still work, and another thread writing to the arrays can
never make it read out of bounds (a clear error or a consistent result, no crash)."""

import threading

import numpy as np
import pytest

import cxkit
from cxkit._core import retention as _cr

R = cxkit.retention


def _data(n=600_000, seed=3):
    # more rows than one scan chunk (2^18): the chunked parallel read is exercised
    rng = np.random.default_rng(seed)
    return rng.gamma(1.5, 200.0, n).round(), rng.random(n) < 0.7


def _same(a, b):
    for k in ("timeline", "at_risk", "observed", "censored", "survival", "variance_sum", "lower", "upper"):
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)
    assert a["median"] == b["median"]


def test_every_flag_dtype_gives_the_same_bits():
    d, e = _data()
    ref = _cr.kaplan_meier(d, e.astype(np.float64), 0.95)
    for dt in (bool, np.int8, np.uint8, np.int16, np.int32, np.int64, np.float32, np.float64):
        _same(_cr.kaplan_meier(d, e.astype(dt), 0.95), ref)
    # through the public function too, and read-only / strided / Fortran-ordered inputs
    ro_d, ro_e = d.copy(), e.astype(np.int8)
    ro_d.flags.writeable = False
    ro_e.flags.writeable = False
    km = R.kaplan_meier(ro_d, ro_e)
    np.testing.assert_array_equal(km.survival_function_["survival"].to_numpy(), ref["survival"])
    _same(_cr.kaplan_meier(np.repeat(d, 2)[::2], np.repeat(e.astype(np.int8), 2)[::2], 0.95), ref)
    # observed=None: every event observed, without building an array of ones
    _same(_cr.kaplan_meier(d, None, 0.95), _cr.kaplan_meier(d, np.ones(len(d)), 0.95))


def test_bad_flags_name_the_row_in_every_dtype():
    d, e = _data(300_000)
    for dt in (np.int8, np.uint8, np.int64, np.float64):
        bad = e.astype(dt)
        bad[290_001] = 2
        with pytest.raises(ValueError, match="290001"):
            R.kaplan_meier(d, bad)
    bad_d = d.copy()
    bad_d[299_999] = np.nan
    with pytest.raises(ValueError, match="299999"):
        R.kaplan_meier(bad_d, e)
    with pytest.raises(ValueError):
        _cr.kaplan_meier(d, e.astype(np.int8).reshape(-1, 2), 0.95)


def test_a_thread_writing_the_durations_meanwhile_cannot_crash_it():
    d, e = _data(2_000_000)
    orig = d.copy()
    wide = d * 1000.0 + 0.5  # valid too, but outside the counted range and not whole
    stop = threading.Event()

    def writer():
        while not stop.is_set():
            np.copyto(d, wide)  # numpy may release the GIL while it copies
            np.copyto(d, orig)

    t = threading.Thread(target=writer)
    t.start()
    try:
        ok = refused = 0
        for _ in range(30):
            try:
                km = R.kaplan_meier(d, e)
            except ValueError as err:
                assert "changed while being read" in str(err)
                refused += 1
            else:
                s = km.survival_function_["survival"].to_numpy()
                assert np.all(np.diff(s) <= 0) and s[0] <= 1
                ok += 1
        assert ok + refused == 30
    finally:
        stop.set()
        t.join()

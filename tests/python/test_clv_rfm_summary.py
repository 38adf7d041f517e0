"""cxkit.clv.rfm_summary on larger random logs (the two-thread C++ path) against an independent pandas computation of
lifetimes' definitions (to_period, groupby), for every period length, integer and string ids, ids far apart, and
the calibration/holdout split; bad input."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cxkit import clv


def pandas_rfm(tx: pd.DataFrame, freq: str, end, cal_end=None) -> pd.DataFrame:
    """lifetimes' summary (and calibration/holdout) with pandas: periods by to_period, same-period purchases merged."""
    freq = {"H": "h"}.get(freq, freq)  # pandas' own spelling of hours
    per = tx["time"].dt.to_period(freq).astype("int64")
    if cal_end is None:
        end_p = pd.Period(pd.Timestamp(end), freq).ordinal
        cal = tx[per <= end_p].assign(per=per)
    else:
        end_p = pd.Period(pd.Timestamp(cal_end), freq).ordinal
        cal = tx[tx["time"] <= pd.Timestamp(cal_end)].assign(per=per)
    by = cal.groupby(["customer_id", "per"], sort=True)["value"].sum().reset_index()
    g = by.groupby("customer_id")
    first, last, n = g["per"].min(), g["per"].max(), g["per"].size()
    first_total = by.groupby("customer_id")["value"].first()  # sorted by period: the first period's total
    f = (n - 1).astype(float)
    out = pd.DataFrame({"frequency": f, "recency": (last - first).astype(float), "T": (end_p - first).astype(float),
                        "monetary_value": np.where(f > 0, (g["value"].sum() - first_total) / f.clip(lower=1), 0.0)})
    if cal_end is not None:
        obs_p = pd.Period(pd.Timestamp(end), freq).ordinal
        hold = tx[(tx["time"] > pd.Timestamp(cal_end)) & (tx["time"] <= pd.Timestamp(end))].assign(
            per=per)
        hold = hold[hold["customer_id"].isin(out.index)]
        hg = hold.groupby("customer_id")
        out["frequency_holdout"] = hg["per"].nunique().reindex(out.index, fill_value=0).astype(float)
        out["monetary_value_holdout"] = hg["value"].mean().reindex(out.index, fill_value=0.0)
        out["duration_holdout"] = float(obs_p - end_p)
    out.index.name = "customer_id"
    return out


def random_log(n: int, n_customers: int, seed: int, ids="int") -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    cid = rng.integers(0, n_customers, n)
    if ids == "str":
        cid = np.array([f"c{k:06d}" for k in range(n_customers)], dtype=object)[cid]
    elif ids == "sparse":  # far apart and negative: ranked rather than indexed
        cid = (cid - n_customers // 2) * 10**12 + 7
    seconds = rng.integers(1_700_000_000, 1_700_000_000 + 400 * 86_400, n)
    return pd.DataFrame({"customer_id": cid, "time": pd.to_datetime(seconds, unit="s"),
                         "value": rng.gamma(2.0, 20.0, n).round(2)})


@pytest.mark.parametrize("freq", ["D", "W", "M", "H"])
@pytest.mark.parametrize("ids", ["int", "str", "sparse"])
def test_rfm_summary_matches_pandas_on_a_random_log(freq, ids):
    tx = random_log(120_000, 9_000, seed=len(freq) + len(ids), ids=ids)
    end = "2024-10-01"
    got = clv.rfm_summary(tx, value="value", freq=freq, observation_end=end)
    want = pandas_rfm(tx, freq, end)
    assert got.index.equals(want.index)
    pd.testing.assert_frame_equal(got, want[got.columns], check_exact=False, rtol=1e-12, check_index_type=False)


@pytest.mark.parametrize("freq", ["D", "W"])
def test_rfm_summary_calibration_and_holdout_match_pandas(freq):
    tx = random_log(100_000, 8_000, seed=11)
    got = clv.rfm_summary(tx, value="value", freq=freq, calibration_end="2024-06-30 12:00",
                          observation_end="2024-11-30")
    want = pandas_rfm(tx, freq, "2024-11-30", cal_end="2024-06-30 12:00")
    assert got.index.equals(want.index)
    pd.testing.assert_frame_equal(got, want[got.columns], check_exact=False, rtol=1e-12)


def test_rfm_summary_int32_ids_keep_their_dtype_and_the_input_is_untouched():
    tx = random_log(70_000, 5_000, seed=5)
    tx["customer_id"] = tx["customer_id"].astype(np.int32)
    before = tx.copy()
    got = clv.rfm_summary(tx, value="value")
    assert got.index.dtype == np.int32 and got.index.name == "customer_id"
    pd.testing.assert_frame_equal(tx, before)
    with_int64 = clv.rfm_summary(tx.astype({"customer_id": np.int64}), value="value")
    np.testing.assert_array_equal(got.to_numpy(), with_int64.to_numpy())


def test_rfm_summary_bad_input_names_column_and_row():
    tx = random_log(80_000, 5_000, seed=2).rename(columns={"value": "amount", "time": "when"})
    tx.loc[70_001, "amount"] = np.nan
    with pytest.raises(ValueError, match=r"column 'amount', row 70001: must be a finite number, got nan"):
        clv.rfm_summary(tx, time="when", value="amount")
    tx.loc[70_001, "amount"] = 1.0
    tx.loc[65_000, "when"] = pd.NaT
    with pytest.raises(ValueError, match=r"column 'when', row 65000: must be a date/time, got NaT"):
        clv.rfm_summary(tx, time="when", value="amount")
    tx.loc[65_000, "when"] = pd.Timestamp("2024-01-01")
    tx["customer_id"] = tx["customer_id"].astype("Int64")
    tx.loc[5, "customer_id"] = pd.NA
    with pytest.raises(ValueError, match=r"column 'customer_id', row 5: customer id is missing"):
        clv.rfm_summary(tx, time="when", value="amount")

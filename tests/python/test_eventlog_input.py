"""Issue 12: input that was silently wrong or gave unclear errors in EventLog.from_pandas / from_csv / from_arrow.
Each test names the defect it covers; each failed before the fix."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import cxkit


def _frame(**cols) -> pd.DataFrame:
    n = len(next(iter(cols.values())))
    base = {"customer_id": [f"c{i}" for i in range(n)],
            "time": pd.date_range("2024-01-01", periods=n, freq="D")}
    base.update(cols)
    return pd.DataFrame(base)


# ------------------------------------------------------------------------------------------------------ times


def test_datetime64_seconds_beyond_ns_range_is_refused_not_wrapped():
    """Issue 12: datetime64[s] beyond the ns range wrapped (year 3000 -> 1830)."""
    t = np.array(["2024-01-01", "3000-01-01"], dtype="datetime64[s]")
    df = pd.DataFrame({"customer_id": ["a", "b"], "time": pd.Series(t)})
    assert df["time"].dtype == np.dtype("datetime64[s]")
    with pytest.raises(cxkit.InputError, match=r"column 'time', row 1: timestamp is outside the range") as e:
        cxkit.EventLog.from_pandas(df)
    assert e.value.row == 1 and e.value.column == "time"
    log = cxkit.EventLog.from_pandas(df, errors="drop")
    assert len(log) == 1 and log.n_dropped == 1


def test_datetime64_seconds_in_range_convert_exactly():
    t = pd.Series(np.array(["1700-01-01T00:00:01", "2200-12-31T23:59:59"], dtype="datetime64[s]"))
    log = cxkit.EventLog.from_pandas(pd.DataFrame({"customer_id": ["a", "b"], "time": t}))
    assert log.to_pandas()["time"].tolist() == [pd.Timestamp("1700-01-01 00:00:01"), pd.Timestamp("2200-12-31 23:59:59")]


def test_arrow_timestamp_seconds_beyond_ns_range_is_refused():
    """Issue 12: Arrow timestamp[s] beyond the ns range wrapped."""
    pa = pytest.importorskip("pyarrow")
    table = pa.table({"customer_id": ["a", "b"],
                      "time": pa.array(np.array(["2024-01-01", "3000-01-01"], dtype="datetime64[s]"),
                                       type=pa.timestamp("s"))})
    with pytest.raises(ValueError, match=r"column 'time', row 1: timestamp is outside the range"):
        cxkit.EventLog.from_arrow(table)


def test_integer_time_needs_a_unit():
    """Issue 12: an int64 time column was read as nanoseconds (epoch seconds became 1970)."""
    secs = np.array([1_704_067_200, 1_704_153_600], dtype=np.int64)  # 2024-01-01, 2024-01-02
    df = pd.DataFrame({"customer_id": ["a", "b"], "time": secs})
    with pytest.raises(ValueError, match=r"column 'time': holds numbers: pass time_unit='s'"):
        cxkit.EventLog.from_pandas(df)
    log = cxkit.EventLog.from_pandas(df, time_unit="s")
    assert log.to_pandas()["time"].tolist() == [pd.Timestamp("2024-01-01"), pd.Timestamp("2024-01-02")]
    ms = cxkit.EventLog.from_pandas(df.assign(time=secs * 1000), time_unit="ms")
    assert ms.to_pandas()["time"].tolist() == log.to_pandas()["time"].tolist()
    with pytest.raises(ValueError, match="outside the range"):
        cxkit.EventLog.from_pandas(df.assign(time=secs * 10**6), time_unit="s")


def test_ambiguous_day_month_strings_need_a_format():
    """Issue 12: "01/02/2024" and "13/02/2024" in one column were read with different day/month orders."""
    df = pd.DataFrame({"customer_id": ["a", "b"], "time": ["01/02/2024", "13/02/2024"]})
    with pytest.raises(ValueError, match=r"column 'time', row 0: unparseable timestamp .*time_format"):
        cxkit.EventLog.from_pandas(df)
    log = cxkit.EventLog.from_pandas(df, time_format="%d/%m/%Y")
    assert log.to_pandas()["time"].tolist() == [pd.Timestamp("2024-02-01"), pd.Timestamp("2024-02-13")]
    with pytest.raises(ValueError, match=r"row 1: unparseable timestamp .*expected time_format"):
        cxkit.EventLog.from_pandas(df, time_format="%m/%d/%Y")


def test_out_of_range_date_string_says_out_of_range():
    """Issue 12 (unclear errors): "unparseable timestamp '3000-01-01'" for an out-of-range date."""
    df = pd.DataFrame({"customer_id": ["a", "b"], "time": ["2024-01-01", "3000-01-01"]})
    with pytest.raises(ValueError, match=r"column 'time', row 1: timestamp is outside the range .*'3000-01-01'"):
        cxkit.EventLog.from_pandas(df)


# -------------------------------------------------------------------------------------------------------- ids


def test_uint64_ids_above_int64_are_refused_not_wrapped():
    """Issue 12: uint64 customer ids above 2^63 wrapped negative."""
    df = pd.DataFrame({"customer_id": np.array([1, 2**63 + 5], dtype=np.uint64),
                       "time": pd.to_datetime(["2024-01-01", "2024-01-02"])})
    with pytest.raises(ValueError, match=r"column 'customer_id', row 1: integer customer ids must fit in int64"):
        cxkit.EventLog.from_pandas(df)
    ok = cxkit.EventLog.from_pandas(df.assign(customer_id=df["customer_id"].astype(str)))
    assert sorted(ok.customers()["customer_id"]) == sorted(["1", str(2**63 + 5)])
    small = cxkit.EventLog.from_pandas(df.assign(customer_id=np.array([1, 2], dtype=np.uint64)))
    assert small.customers()["customer_id"].tolist() == [1, 2]


def test_ids_mixing_int_and_str_are_refused():
    """Issue 12: ids [1, "1"] gave n_customers and the scorecard's customers different answers."""
    df = pd.DataFrame({"customer_id": [1, "1"], "time": pd.to_datetime(["2024-01-01", "2024-01-02"]),
                       "nps": [9.0, 3.0]})
    with pytest.raises(ValueError, match=r"column 'customer_id', row 1: customer ids mix types \(int, str\)"):
        cxkit.EventLog.from_pandas(df)
    log = cxkit.EventLog.from_pandas(df.assign(customer_id=df["customer_id"].astype(str)))
    assert log.n_customers == 1 == len(log.customers())


def test_bad_text_in_ids_and_categoricals_names_the_column_and_row():
    """Issue 12 (unclear errors): lone surrogates and bytes in id/categorical columns gave pybind11 errors."""
    t = pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03"])
    for bad in ("\ud800", b"\xff\xfe"):
        df = pd.DataFrame({"customer_id": ["a", bad, "c"], "time": t})
        with pytest.raises(ValueError, match=r"column 'customer_id', row 1: customer id is not valid UTF-8"):
            cxkit.EventLog.from_pandas(df)
        assert len(cxkit.EventLog.from_pandas(df, errors="drop")) == 2
        df = pd.DataFrame({"customer_id": ["a", "b", "c"], "time": t, "channel": ["web", "web", bad]})
        with pytest.raises(ValueError, match=r"column 'channel', row 2: not valid UTF-8"):
            cxkit.EventLog.from_pandas(df)
        log = cxkit.EventLog.from_pandas(df, errors="drop")
        assert len(log) == 2 and log.dropped["column"].tolist() == ["channel"]
    ok = pd.DataFrame({"customer_id": [b"a", b"b", b"a"], "time": t})  # bytes that decode are text
    assert cxkit.EventLog.from_pandas(ok).n_customers == 2


# -------------------------------------------------------------------------------------------------- measures


def test_booleans_are_not_scores():
    """Issue 12: booleans passed as NPS 0/1."""
    df = _frame(nps=[True, False])
    with pytest.raises(ValueError, match=r"column 'nps': NPS must be a whole number from 0 to 10, got booleans"):
        cxkit.EventLog.from_pandas(df)
    with pytest.raises(ValueError, match="got booleans"):
        cxkit.EventLog.from_pandas(_frame(score=pd.array([True, None], dtype="boolean")), nps="score")
    with pytest.raises(ValueError, match="got booleans"):
        cxkit.EventLog.from_pandas(_frame(csat=np.array([True, None], dtype=object)))
    with pytest.raises(ValueError, match=r"column 'nps', row 1: not a number, got bool True"):
        cxkit.EventLog.from_pandas(_frame(nps=np.array([9, True], dtype=object)))
    # a flag may be boolean
    log = cxkit.EventLog.from_pandas(_frame(fcr=[True, False]))
    assert log.to_pandas()["fcr"].tolist() == [1.0, 0.0]


def test_complex_values_are_refused():
    """Issue 12: complex values lost their imaginary part."""
    with pytest.raises(ValueError, match=r"column 'value', row 0: must be a real number, got complex"):
        cxkit.EventLog.from_pandas(_frame(value=np.array([1 + 2j, 3 + 0j])))
    with pytest.raises(ValueError, match=r"column 'value', row 1: not a number, got complex"):
        cxkit.EventLog.from_pandas(_frame(value=np.array([1.0, 1 + 2j], dtype=object)))


def test_n_dropped_counts_rows_not_broken_rules():
    """Issue 12: n_dropped counted broken rules, not rows (one row breaking two rules counted twice)."""
    df = _frame(nps=[9.0, 11.0, 5.0], csat=[5.0, 9.0, 3.0])
    log = cxkit.EventLog.from_pandas(df, errors="drop")
    assert len(log) == 2 and log.n_dropped == 1
    d = log.dropped.set_index("column")
    assert d.loc["nps", "rows"] == 1 and d.loc["csat", "rows"] == 1
    assert d.loc["nps", "first_row"] == 1 and d.loc["csat", "first_row"] == 1


def test_missing_categorical_stays_missing_when_labels_collide():
    """Issue 12: to_pandas() showed a missing categorical as a value when labels collided ([1, "1", None])."""
    log = cxkit.EventLog.from_pandas(_frame(channel=np.array([1, "1", None], dtype=object)))
    out = log.to_pandas()["channel"]
    assert out.isna().tolist() == [False, False, True]
    assert out.astype(object).tolist()[:2] == ["1", "1"]


def test_duplicate_column_names_are_named():
    """Issue 12 (unclear errors): duplicate column names raised AttributeError."""
    df = pd.concat([_frame(nps=[9.0, 3.0]), pd.DataFrame({"nps": [1.0, 2.0]})], axis=1)
    with pytest.raises(ValueError, match=r"column 'nps': appears 2 times in the frame \(positions \[2, 3\]\)"):
        cxkit.EventLog.from_pandas(df)


def test_error_names_the_frame_column_without_rewriting():
    with pytest.raises(cxkit.InputError) as e:
        cxkit.EventLog.from_pandas(_frame(score=[3.0, 12.0]), nps="score")
    assert (e.value.column, e.value.row) == ("score", 1) and e.value.rule.startswith("NPS must be")


# ------------------------------------------------------------------------------------------------------- CSV


def test_csv_first_line_with_extra_field_is_an_error_not_a_shift(tmp_path):
    """Issue 12: a first data line with extra fields shifted every column (pandas' implicit index)."""
    p = tmp_path / "shift.csv"
    p.write_text("customer_id,time,nps\na,2024-01-01,9,extra\nb,2024-01-02,3\n")
    with pytest.raises(ValueError, match=r"shift.csv, line 2: 4 fields, but the header has 3"):
        cxkit.EventLog.from_csv(p)
    log = cxkit.EventLog.from_csv(p, errors="drop")
    assert log.to_pandas()["customer_id"].tolist() == ["b"] and log.n_dropped == 1


def test_csv_unclosed_quote_is_an_error_with_its_line(tmp_path):
    """Issue 12: an unclosed quote with errors="drop" gave an empty log with n_dropped == 0."""
    p = tmp_path / "quote.csv"
    p.write_text('customer_id,time,nps\na,2024-01-01,9\n"b,2024-01-02,3\nc,2024-01-03,7\n')
    for errors in ("raise", "drop"):
        with pytest.raises(ValueError, match=r"quote.csv, line 3: malformed CSV \(a quote that never closes\)"):
            cxkit.EventLog.from_csv(p, errors=errors)


def test_csv_ids_with_leading_zeros_stay_text(tmp_path):
    """Issue 12 (silently wrong): pandas read the ids "007" and "7" as the integer 7, one customer instead of
    two. CSV ids are text unless every one is a plain integer; then they are int64 as before."""
    p = tmp_path / "ids.csv"
    p.write_text("customer_id,time,csat\n007,2024-01-01,5\n7,2024-01-02,4\n7,2024-01-03,3\n")
    log = cxkit.EventLog.from_csv(p)
    assert log.n_customers == 2
    assert log.to_pandas()["customer_id"].tolist() == ["007", "7", "7"]
    p.write_text("client,time,csat\n+5,2024-01-01,5\n5,2024-01-02,4\n")  # a sign is not a plain integer either
    assert cxkit.EventLog.from_csv(p, customer="client").n_customers == 2
    p.write_text("customer_id,time,csat\n12,2024-01-01,5\n-3,2024-01-02,4\n12,2024-01-03,3\n")
    ids = cxkit.EventLog.from_csv(p).to_pandas()["customer_id"]
    assert ids.dtype == np.int64 and ids.tolist() == [-3, 12, 12]
    p.write_text("customer_id,time,csat\n99999999999999999999,2024-01-01,5\n")  # beyond int64: text, not an error
    assert cxkit.EventLog.from_csv(p).to_pandas()["customer_id"].tolist() == ["99999999999999999999"]


def test_csv_quoted_newlines_keep_line_numbers(tmp_path):
    p = tmp_path / "multi.csv"
    p.write_text('customer_id,time,text,nps\na,2024-01-01,"two\nlines",9\nb,2024-01-02,x,12\n')
    with pytest.raises(ValueError, match=r"multi.csv, line 4, column 'nps': NPS must be"):
        cxkit.EventLog.from_csv(p)

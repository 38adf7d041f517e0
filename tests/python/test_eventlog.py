"""Tests of cxkit.EventLog: building from pandas / CSV / Arrow, sorting, round trips, zero copy, the customer
table, and the validation of every bad input (ValueError naming column, row and rule; errors="drop")."""

import re

import numpy as np
import pandas as pd
import pytest

import cxkit
from cxkit import _core


def _frame():
    """A small unsorted frame with non-canonical column names."""
    return pd.DataFrame({
        "cust": ["b", "a", "c", "b", "a", "b"],
        "ts": pd.to_datetime(["2024-02-01 10:00", "2024-01-05 00:00", "2024-03-01 00:00", "2024-01-01 00:00",
                              "2024-01-02 08:30", "2024-01-15 00:00"]),
        "ch": ["web", "app", "phone", "web", None, "app"],
        "score": [9.0, 3.0, np.nan, 10.0, 7.0, np.nan],
        "rev": [10.0, np.nan, 5.5, 2.0, 1.25, 100.0],
    })


def _log():
    return cxkit.EventLog.from_pandas(_frame(), customer="cust", time="ts", channel="ch", nps="score", value="rev")


def _sorted_expected(df, cust="cust", ts="ts"):
    # the same order the log must use: by customer id, then time; stable for ties
    return df.sort_values([cust, ts], kind="mergesort").reset_index(drop=True)


# -------------------------------------------------------------------------------------------------- building


def test_from_pandas_mapped_names_sorts_and_round_trips():
    df = _frame()
    log = _log()
    assert len(log) == 6
    assert log.n_customers == 3
    assert log.columns == ["customer_id", "time", "channel", "nps", "value"]
    out = log.to_pandas()
    exp = _sorted_expected(df)
    assert list(out.columns) == ["customer_id", "time", "channel", "nps", "value"]
    assert out["customer_id"].tolist() == ["a", "a", "b", "b", "b", "c"]
    assert out["customer_id"].tolist() == exp["cust"].tolist()
    assert (out["time"].to_numpy() == exp["ts"].to_numpy()).all()
    np.testing.assert_array_equal(out["nps"].to_numpy(), exp["score"].to_numpy())
    np.testing.assert_array_equal(out["value"].to_numpy(), exp["rev"].to_numpy())
    ch = [None if pd.isna(v) else v for v in out["channel"].tolist()]
    assert ch == [None if pd.isna(v) else v for v in exp["ch"].tolist()]
    assert ch == [None, "app", "web", "app", "web", "phone"]  # the missing channel stays missing
    # explicitly: within customer b, the 2024-01-01 event comes first
    b = out[out["customer_id"] == "b"]
    assert b["time"].is_monotonic_increasing
    assert b["nps"].tolist()[0] == 10.0


def test_auto_detected_canonical_names():
    df = pd.DataFrame({
        "customer_id": [2, 1, 2], "time": pd.to_datetime(["2024-01-03", "2024-01-02", "2024-01-01"]),
        "channel": ["web", "app", "web"], "stage": ["buy", "buy", "use"], "kind": ["survey", "ticket", "complaint"],
        "nps": [9.0, np.nan, 2.0], "csat": [5.0, 4.0, np.nan], "ces": [np.nan, 6.0, 1.0],
        "response_time": [np.nan, 30.0, np.nan], "fcr": [np.nan, 1.0, np.nan], "sentiment": [0.5, -0.2, np.nan],
        "value": [1.0, 2.0, 3.0], "other": [1, 2, 3],
    })
    log = cxkit.EventLog.from_pandas(df)
    assert set(log.columns) == {"customer_id", "time", "channel", "stage", "kind", "nps", "csat", "ces",
                                "response_time", "fcr", "sentiment", "value"}  # "other" not picked up
    out = log.to_pandas()
    assert out["customer_id"].tolist() == [1, 2, 2]
    assert out["customer_id"].dtype == np.int64
    assert out["nps"].tolist()[1:] == [2.0, 9.0]  # customer 2 sorted by time: 01-01 (2.0), 01-03 (9.0)
    assert out["kind"].tolist() == ["ticket", "complaint", "survey"]
    # "customer" / "timestamp" are the fallback default names
    df2 = pd.DataFrame({"customer": ["x", "y"], "timestamp": ["2024-01-02", "2024-01-01"]})
    log2 = cxkit.EventLog.from_pandas(df2)
    assert log2.to_pandas()["customer_id"].tolist() == ["x", "y"]
    # extra categoricals / measures by name
    log3 = cxkit.EventLog.from_pandas(df, categoricals=["stage"], measures={"score2": "other"})
    assert log3.to_pandas()["score2"].tolist() == [2.0, 3.0, 1.0]


def test_integer_and_string_customer_ids_sort_by_id():
    ts = pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04"])
    ints = cxkit.EventLog.from_pandas(pd.DataFrame({"customer_id": [30, 4, 100, 4], "time": ts}))
    assert ints.to_pandas()["customer_id"].tolist() == [4, 4, 30, 100]  # numeric order, not text order
    assert ints.customers()["customer_id"].tolist() == [4, 30, 100]
    strs = cxkit.EventLog.from_pandas(pd.DataFrame({"customer_id": ["30", "4", "100", "4"], "time": ts}))
    assert strs.to_pandas()["customer_id"].tolist() == ["100", "30", "4", "4"]  # text order
    assert strs.n_customers == 3


def test_equal_timestamps_keep_input_order():
    t = pd.Timestamp("2024-01-01")
    df = pd.DataFrame({"customer_id": ["b", "a", "b", "b"], "time": [t, t, t, t - pd.Timedelta("1D")],
                       "value": [1.0, 2.0, 3.0, 4.0]})
    out = cxkit.EventLog.from_pandas(df).to_pandas()
    assert out["value"].tolist() == [2.0, 4.0, 1.0, 3.0]


def test_mixed_precision_iso_strings_parse():
    df = pd.DataFrame({"customer_id": [1, 2], "time": ["2024-02-01 10:00", "2024-01-05"]})
    out = cxkit.EventLog.from_pandas(df).to_pandas()
    assert out["time"].tolist() == [pd.Timestamp("2024-02-01 10:00"), pd.Timestamp("2024-01-05")]


def test_timezone_aware_times_are_utc():
    t = pd.to_datetime(["2024-01-01 05:00"], utc=True).tz_convert("America/New_York")  # 00:00 local
    out = cxkit.EventLog.from_pandas(pd.DataFrame({"customer_id": [1], "time": t})).to_pandas()
    assert out["time"].iloc[0] == pd.Timestamp("2024-01-01 05:00")


def test_len_repr_html():
    log = _log()
    r = repr(log)
    assert r.startswith("EventLog(6 events, 3 customers")
    assert "2024-01-01 to 2024-03-01" in r
    assert "channel" in r and "nps" in r and "value" in r
    h = log._repr_html_()
    assert "cxkit.EventLog" in h and "6 events" in h and "3 customers" in h and "<table" in h
    assert repr(cxkit.EventLog.from_pandas(_frame().iloc[:0], customer="cust", time="ts")) == "EventLog(0 events)"


def test_customers_table_by_hand():
    c = _log().customers()
    assert list(c.columns) == ["customer_id", "first_seen", "last_seen", "events", "revenue"]
    assert c["customer_id"].tolist() == ["a", "b", "c"]
    # a: 2024-01-02 08:30 (1.25), 2024-01-05 (NaN)      -> 2 events, revenue 1.25
    # b: 2024-01-01 (2.0), 2024-01-15 (100), 02-01 (10) -> 3 events, revenue 112
    # c: 2024-03-01 (5.5)                               -> 1 event,  revenue 5.5
    assert c["first_seen"].tolist() == [pd.Timestamp("2024-01-02 08:30"), pd.Timestamp("2024-01-01"),
                                        pd.Timestamp("2024-03-01")]
    assert c["last_seen"].tolist() == [pd.Timestamp("2024-01-05"), pd.Timestamp("2024-02-01 10:00"),
                                       pd.Timestamp("2024-03-01")]
    assert c["events"].tolist() == [2, 3, 1]
    assert c["revenue"].tolist() == pytest.approx([1.25, 112.0, 5.5])


def test_from_csv(tmp_path):
    df = _frame()
    p = tmp_path / "events.csv"
    df.to_csv(p, index=False)
    log = cxkit.EventLog.from_csv(p, customer="cust", time="ts", channel="ch", nps="score", value="rev")
    out = log.to_pandas()
    exp = _sorted_expected(df)
    assert out["customer_id"].tolist() == exp["cust"].tolist()
    assert (out["time"].to_numpy() == exp["ts"].to_numpy()).all()
    np.testing.assert_array_equal(out["nps"].to_numpy(), exp["score"].to_numpy())
    np.testing.assert_array_equal(out["value"].to_numpy(), exp["rev"].to_numpy())
    # a semicolon file
    p2 = tmp_path / "semi.csv"
    p2.write_text("customer_id;time;nps\nz;2024-05-01;10\ny;2024-05-02;0\n")
    log2 = cxkit.EventLog.from_csv(p2, sep=";")
    assert log2.to_pandas()["nps"].tolist() == [0.0, 10.0]


def test_from_arrow():
    pa = pytest.importorskip("pyarrow")
    df = _frame()
    tbl = pa.Table.from_pandas(df, preserve_index=False)
    log = cxkit.EventLog.from_arrow(tbl, customer="cust", time="ts", channel="ch", nps="score", value="rev")
    pd.testing.assert_frame_equal(log.to_pandas(), _log().to_pandas())
    with pytest.raises(TypeError):
        cxkit.EventLog.from_arrow(df.to_dict())  # pandas >= 2.2 frames are Arrow data now (issue 13)


def _sorted_float_frame(n=2000, customers=150, seed=0):
    rng = np.random.default_rng(seed)
    cust = np.sort(rng.integers(0, customers, n))
    t = np.datetime64("2024-01-01", "ns") + np.arange(n) * np.timedelta64(3600, "s")
    return pd.DataFrame({"customer_id": cust, "time": t,
                         "nps": rng.integers(0, 11, n).astype(np.float64),
                         "value": rng.gamma(2.0, 10.0, n)})


def test_log_owns_a_copy_of_a_sorted_numpy_frame():
    """Issue 12 (memory safety): the log kept views of mutable numpy columns; it now copies them once."""
    df = _sorted_float_frame()
    log = cxkit.EventLog.from_pandas(df)
    assert not log._core.shares_input_memory("nps") and log.zero_copy_columns == []
    assert not np.shares_memory(log._core.measure("nps"), df["nps"].to_numpy())
    input_bytes = sum(df[c].to_numpy().nbytes for c in df.columns)
    assert log.nbytes <= 1.5 * input_bytes


def test_unsorted_frame_copies_and_keeps_values():
    df = _sorted_float_frame().sample(frac=1.0, random_state=2)
    log = cxkit.EventLog.from_pandas(df)
    assert not log._core.shares_input_memory("nps")
    assert not np.shares_memory(log._core.measure("nps"), df["nps"].to_numpy())
    exp = df.sort_values(["customer_id", "time"], kind="mergesort")
    np.testing.assert_array_equal(log.to_pandas()["value"].to_numpy(), exp["value"].to_numpy())


@pytest.mark.parametrize("sort", [True, False])
def test_editing_the_frame_after_building_changes_nothing(sort):
    """Issue 12 (memory safety): csat edited to 1e15 and a timestamp edited in place after from_pandas
    segfaulted the scorecard; the log now owns validated copies."""
    rng = np.random.default_rng(3)
    n = 500
    df = pd.DataFrame({"customer_id": np.sort(rng.integers(0, 50, n)) if sort else rng.integers(0, 50, n),
                       "time": pd.Timestamp("2024-01-01") + pd.to_timedelta(np.arange(n), unit="h"),
                       "csat": rng.integers(1, 6, n).astype(np.float64)})
    log = cxkit.EventLog.from_pandas(df)
    before = log.to_pandas().copy()
    card_before = cxkit.scorecard(log)
    df.loc[0, "csat"] = 1e15
    df["csat"].to_numpy()[1] = 1e15
    df["time"].to_numpy().view(np.int64)[2] = np.iinfo(np.int64).min + 1
    pd.testing.assert_frame_equal(log.to_pandas(), before)
    pd.testing.assert_frame_equal(cxkit.scorecard(log), card_before)


def test_arrow_float64_columns_stay_zero_copy_and_read_only():
    """Immutable Arrow buffers of an already sorted table are kept as they are (DESIGN principle 2)."""
    pa = pytest.importorskip("pyarrow")
    df = _sorted_float_frame()
    table = pa.Table.from_pandas(df, preserve_index=False)
    log = cxkit.EventLog.from_arrow(table)
    assert "value" in log.zero_copy_columns and log._core.shares_input_memory("value")
    assert np.shares_memory(log._core.measure("value"), table.column("value").chunk(0).to_numpy())
    assert not log._core.measure("value").flags.writeable
    shuffled = pa.Table.from_pandas(df.sample(frac=1.0, random_state=1), preserve_index=False)
    assert cxkit.EventLog.from_arrow(shuffled).zero_copy_columns == []
    pd.testing.assert_frame_equal(cxkit.EventLog.from_arrow(shuffled).to_pandas(), log.to_pandas())


def test_log_arrays_are_read_only():
    log = cxkit.EventLog.from_pandas(_sorted_float_frame())
    for a in (log._core.measure("nps"), log._core.time(), log._core.customer()):
        with pytest.raises(ValueError):
            a[0] = 0


# ---------------------------------------------------------------------------------------------- empty input


def test_empty_input_gives_empty_log_and_scorecard():
    df = _frame().iloc[:0]
    log = cxkit.EventLog.from_pandas(df, customer="cust", time="ts", channel="ch", nps="score", value="rev")
    assert len(log) == 0 and log.n_customers == 0
    assert len(log.to_pandas()) == 0
    assert len(log.customers()) == 0
    assert len(cxkit.scorecard(log)) == 0
    assert len(cxkit.scorecard(log, by="channel", period="M")) == 0
    assert "cxkit.EventLog" in log._repr_html_()


def test_csv_with_header_only_is_empty(tmp_path):
    p = tmp_path / "h.csv"
    p.write_text("customer_id,time,nps\n")
    log = cxkit.EventLog.from_csv(p)
    assert len(log) == 0
    assert len(cxkit.scorecard(log)) == 0


# ----------------------------------------------------------------------------------------------- bad input


def _base(n=5):
    return {"customer_id": [f"c{i}" for i in range(n)],
            "time": pd.date_range("2024-01-01", periods=n, freq="D")}


BAD_MEASURES = [
    ("nps", [1, 2, 11, 3, 4], 2, "0 to 10"),
    ("nps", [1, 2, 3, 7.5, 4], 3, "0 to 10"),
    ("nps", [1, -1, 2, 3, 4], 1, "0 to 10"),
    ("csat", [0, 1, 2, 3, 4], 0, "1 to 5"),
    ("csat", [1, 2, 3, 4, 6], 4, "1 to 5"),
    ("csat", [1, 2, 3.5, 4, 5], 2, "1 to 5"),
    ("ces", [1, 2, 8, 3, 4], 2, "1 to 7"),
    ("ces", [0, 2, 3, 3, 4], 0, "1 to 7"),
    ("response_time", [1, 2, 3, -5, 4], 3, ">= 0"),
    ("response_time", [1, np.inf, 3, 5, 4], 1, ">= 0"),
    ("fcr", [0, 1, 2, 1, 0], 2, "0 or 1"),
    ("sentiment", [0, 1.5, 0, 0, 0], 1, "[-1, 1]"),
    ("value", [1, 2, np.inf, 3, 4], 2, "finite"),
]


@pytest.mark.parametrize("column,values,row,rule", BAD_MEASURES)
def test_bad_measure_raises_naming_column_row_rule(column, values, row, rule):
    df = pd.DataFrame({**_base(), column: np.asarray(values, dtype=float)})
    with pytest.raises(ValueError) as e:
        cxkit.EventLog.from_pandas(df)
    msg = str(e.value)
    assert f"'{column}'" in msg
    assert re.search(rf"\brow {row}\b", msg)
    assert rule in msg


@pytest.mark.parametrize("column,values,row,rule", BAD_MEASURES)
def test_bad_measure_dropped_and_counted(column, values, row, rule):
    vals = np.asarray(values, dtype=float)
    df = pd.DataFrame({**_base(), column: vals, "extra": np.arange(5.0)})
    log = cxkit.EventLog.from_pandas(df, measures=["extra"], errors="drop")
    assert len(log) == 4
    d = log.dropped
    assert d["column"].tolist() == [column]
    assert d["rows"].tolist() == [1]
    assert d["first_row"].tolist() == [row]
    assert rule in d["rule"].iloc[0]
    assert log.n_dropped == 1
    out = log.to_pandas()
    keep = [i for i in range(5) if i != row]
    assert out["customer_id"].tolist() == [f"c{i}" for i in keep]
    np.testing.assert_array_equal(out["extra"].to_numpy(), np.asarray(keep, dtype=float))
    np.testing.assert_array_equal(out[column].to_numpy(), vals[keep])
    assert "1 dropped" in repr(log)


def test_not_a_number_in_measure():
    df = pd.DataFrame({**_base(), "nps": pd.Series(["9", "3", "x", "10", None], dtype=object)})
    with pytest.raises(ValueError, match=r"'nps', row 2"):
        cxkit.EventLog.from_pandas(df)
    log = cxkit.EventLog.from_pandas(df, errors="drop")
    assert len(log) == 4 and log.n_dropped == 1
    assert log.to_pandas()["nps"].tolist()[:3] == [9.0, 3.0, 10.0]


def test_several_bad_rows_counted_per_rule():
    df = pd.DataFrame({**_base(6), "nps": [11.0, 5, 12, 3, 1, 0], "csat": [1.0, 9, 1, 2, 3, 7]})
    # nps bad at rows 0, 2; csat bad at rows 1, 5 -> 4 rows dropped, 2 kept (rows 3 and 4)
    log = cxkit.EventLog.from_pandas(df, errors="drop")
    d = log.dropped.set_index("column")
    assert d.loc["nps", "rows"] == 2 and d.loc["nps", "first_row"] == 0
    assert d.loc["csat", "rows"] == 2 and d.loc["csat", "first_row"] == 1
    assert len(log) == 2
    assert log.to_pandas()["customer_id"].tolist() == ["c3", "c4"]
    assert log.to_pandas()["nps"].tolist() == [3.0, 1.0]


def test_missing_required_columns():
    with pytest.raises(ValueError, match="customer"):
        cxkit.EventLog.from_pandas(pd.DataFrame({"time": pd.to_datetime(["2024-01-01"])}))
    with pytest.raises(ValueError, match="time"):
        cxkit.EventLog.from_pandas(pd.DataFrame({"customer_id": [1]}))
    with pytest.raises(ValueError, match="'nope'"):
        cxkit.EventLog.from_pandas(pd.DataFrame({"customer_id": [1], "time": [1]}), channel="nope")
    with pytest.raises(ValueError, match="errors"):
        cxkit.EventLog.from_pandas(pd.DataFrame({"customer_id": [1], "time": [1]}), errors="ignore")


def test_missing_customer_id():
    df = pd.DataFrame({"customer_id": ["a", None, "b"], "time": pd.date_range("2024-01-01", periods=3)})
    with pytest.raises(ValueError) as e:
        cxkit.EventLog.from_pandas(df)
    assert "customer" in str(e.value) and "row 1" in str(e.value) and "missing" in str(e.value)
    log = cxkit.EventLog.from_pandas(df, errors="drop")
    assert len(log) == 2 and log.n_dropped == 1
    assert log.dropped["first_row"].tolist() == [1]


@pytest.mark.parametrize("times", [
    ["2024-01-01", "not a date", "2024-01-03"],
    ["2024-01-01", None, "2024-01-03"],
    pd.to_datetime(["2024-01-01", None, "2024-01-03"]),
])
def test_missing_or_unparseable_timestamp(times):
    df = pd.DataFrame({"customer_id": ["a", "b", "c"], "time": times, "nps": [1.0, 2.0, 3.0]})
    with pytest.raises(ValueError) as e:
        cxkit.EventLog.from_pandas(df)
    msg = str(e.value)
    assert "'time'" in msg and "row 1" in msg and ("unparseable" in msg or "missing" in msg)
    log = cxkit.EventLog.from_pandas(df, errors="drop")
    assert len(log) == 2 and log.n_dropped == 1
    assert log.dropped["column"].tolist() == ["time"] and log.dropped["first_row"].tolist() == [1]
    assert log.to_pandas()["nps"].tolist() == [1.0, 3.0]


@pytest.mark.parametrize("frame,kw,col", [
    (pd.DataFrame({"cust": ["a", "b"], "ts": pd.to_datetime(["2024-01-01", "2024-01-02"]), "score": [3, 12]}),
     dict(customer="cust", time="ts", nps="score"), "score"),
    (pd.DataFrame({"cust": ["a", None], "ts": pd.to_datetime(["2024-01-01", "2024-01-02"])}),
     dict(customer="cust", time="ts"), "cust"),
    (pd.DataFrame({"cust": ["a", "b"], "ts": pd.to_datetime(["2024-01-01", None])}),
     dict(customer="cust", time="ts"), "ts"),
])
def test_error_names_the_mapped_frame_column(frame, kw, col):
    with pytest.raises(ValueError, match=f"'{col}'"):
        cxkit.EventLog.from_pandas(frame, **kw)


def test_core_rejects_mismatched_lengths():
    cust = np.zeros(3, dtype=np.int32)
    t3 = np.arange(3, dtype=np.int64)
    with pytest.raises(ValueError, match=r"'time'.*2 rows.*3"):
        _core.core.EventLog.from_arrays(cust, ["a"], np.arange(2, dtype=np.int64), [], [], None, "raise")
    with pytest.raises(ValueError, match=r"'nps'.*4 rows"):
        _core.core.EventLog.from_arrays(cust, ["a"], t3, [], [("nps", np.ones(4))], None, "raise")
    with pytest.raises(ValueError, match=r"'channel'.*1 rows"):
        _core.core.EventLog.from_arrays(cust, ["a"], t3, [("channel", np.zeros(1, np.int32), ["x"])], [], None, "raise")
    with pytest.raises(ValueError, match=r"'text'.*2 rows"):
        _core.core.EventLog.from_arrays(cust, ["a"], t3, [], [], ["x", "y"], "raise")
    # and the well-formed call works
    ok = _core.core.EventLog.from_arrays(cust, ["a"], t3, [], [("nps", np.ones(3))], None, "raise")
    assert len(ok) == 3


def test_core_rejects_unknown_codes():
    t = np.arange(3, dtype=np.int64)
    with pytest.raises(ValueError, match=r"'customer', row 2"):
        _core.core.EventLog.from_arrays(np.array([0, 0, 5], np.int32), ["a"], t, [], [], None, "raise")
    with pytest.raises(ValueError, match=r"'channel', row 1"):
        _core.core.EventLog.from_arrays(np.zeros(3, np.int32), ["a"], t, [("channel", np.array([0, 3, -1], np.int32),
                                                                                 ["x"])], [], None, "raise")


def test_invalid_utf8_text_in_frame():
    df = pd.DataFrame({**_base(4), "text": pd.Series(["ok", b"\xff\xfe bad", "fine", None], dtype=object),
                       "nps": [1.0, 2.0, 3.0, 4.0]})
    with pytest.raises(ValueError) as e:
        cxkit.EventLog.from_pandas(df)
    msg = str(e.value)
    assert "'text'" in msg and "row 1" in msg and "UTF-8" in msg
    log = cxkit.EventLog.from_pandas(df, errors="drop")
    assert len(log) == 3 and log.n_dropped == 1
    out = log.to_pandas()
    assert out["text"].tolist() == ["ok", "fine", ""]
    assert out["nps"].tolist() == [1.0, 3.0, 4.0]
    # a lone surrogate in a str is not encodable either
    df2 = pd.DataFrame({**_base(2), "text": pd.Series(["ok", "bad \udcff"], dtype=object)})
    with pytest.raises(ValueError, match=r"'text', row 1"):
        cxkit.EventLog.from_pandas(df2)
    # valid UTF-8 bytes are decoded
    df3 = pd.DataFrame({**_base(1), "text": pd.Series(["caf\u00e9".encode()], dtype=object)})
    assert cxkit.EventLog.from_pandas(df3).to_pandas()["text"].tolist() == ["caf\u00e9"]


def test_drop_report_rows_refer_to_input_after_text_drop():
    df = pd.DataFrame({**_base(4), "text": pd.Series(["ok", b"\xff", "fine", None], dtype=object),
                       "nps": [1.0, 2.0, 3.0, 11.0]})
    log = cxkit.EventLog.from_pandas(df, errors="drop")
    d = log.dropped.set_index("column")
    assert d.loc["nps", "first_row"] == 3


def test_csv_malformed_line(tmp_path):
    p = tmp_path / "bad.csv"
    p.write_text("customer_id,time,nps\na,2024-01-01,9\nb,2024-01-02,3,extra\nc,2024-01-03,7\n")
    with pytest.raises(ValueError) as e:
        cxkit.EventLog.from_csv(p)
    msg = str(e.value)
    assert "bad.csv" in msg and "line 3" in msg
    log = cxkit.EventLog.from_csv(p, errors="drop")
    assert len(log) == 2 and log.n_dropped == 1
    assert "malformed CSV line" in log.dropped["rule"].tolist()
    out = log.to_pandas()
    assert out["customer_id"].tolist() == ["a", "c"] and out["nps"].tolist() == [9.0, 7.0]


def test_csv_non_utf8_bytes(tmp_path):
    p = tmp_path / "latin.csv"
    p.write_bytes(b"customer_id,time,nps\na,2024-01-01,9\nb\xff,2024-01-02,3\nc,2024-01-03,7\n")
    with pytest.raises(ValueError) as e:
        cxkit.EventLog.from_csv(p)
    msg = str(e.value)
    assert "latin.csv" in msg and "line 3" in msg and "0xff" in msg
    log = cxkit.EventLog.from_csv(p, errors="drop")
    assert len(log) == 2 and log.n_dropped == 1
    out = log.to_pandas()
    assert out["customer_id"].tolist() == ["a", "c"] and out["nps"].tolist() == [9.0, 7.0]
    # with the right encoding it reads
    log2 = cxkit.EventLog.from_csv(p, encoding="latin-1")
    assert log2.to_pandas()["customer_id"].tolist() == ["a", "b\u00ff", "c"]


def test_csv_bad_value_and_empty_file(tmp_path):
    p = tmp_path / "v.csv"
    p.write_text("customer_id,time,csat\na,2024-01-01,5\nb,2024-01-02,9\n")
    with pytest.raises(ValueError, match=r"v.csv, line 3, column 'csat': CSAT"):
        cxkit.EventLog.from_csv(p)
    e = tmp_path / "empty.csv"
    e.write_text("")
    with pytest.raises(ValueError, match="empty"):
        cxkit.EventLog.from_csv(e)


def test_from_pandas_type_errors():
    with pytest.raises(TypeError):
        cxkit.EventLog.from_pandas({"customer_id": [1], "time": [1]})


def test_customers_with_attributes_and_consent():
    df = pd.DataFrame({"customer_id": ["a", "b", "a", "c"],
                       "time": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04"]),
                       "value": [10.0, np.nan, 5.0, 1.0]})
    log = cxkit.EventLog.from_pandas(df)
    crm = pd.DataFrame({"id": ["c", "a", "zz"], "region": ["north", "south", "east"],
                        "consent_marketing": [True, False, True]})
    cust = log.customers(crm, id="id")
    assert cust["customer_id"].tolist() == ["a", "b", "c"]
    assert cust["region"].tolist()[0] == "south" and pd.isna(cust["region"].iloc[1])
    assert cust["revenue"].tolist() == [15.0, 0.0, 1.0]
    seg = cxkit.Segmentation.from_rules(log, {"reachable": "consent_marketing == True"}, customers=cust,
                                        other="not reachable")
    assert seg.sizes().to_dict() == {"not reachable": 2, "reachable": 1}
    with pytest.raises(ValueError, match="appears twice"):
        log.customers(pd.DataFrame({"customer_id": ["a", "a"], "x": [1, 2]}))
    with pytest.raises(ValueError, match="no id column"):
        log.customers(pd.DataFrame({"cid": ["a"]}))

"""Issue 13, point 1: Arrow in without a pandas round trip (EventLog.from_arrow over the Arrow PyCapsule interface,
EventLog.from_parquet with column projection), same validation and errors as from_pandas."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import cxkit

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")


def _frame(n: int = 3000, customers: int = 200, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    t = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 365 * 24 * 3600, n), unit="s")
    nps = rng.integers(0, 11, n).astype(np.float64)
    nps[rng.random(n) < 0.3] = np.nan
    return pd.DataFrame({
        "customer_id": rng.integers(0, customers, n).astype(np.int64),
        "time": t.to_numpy().astype("datetime64[ns]"),
        "channel": rng.choice(["web", "app", "phone", "store"], n),
        "kind": rng.choice(["visit", "purchase", "complaint"], n),
        "nps": nps,
        "value": np.round(rng.gamma(2.0, 20.0, n), 2),
        "unused": rng.random(n),
    })


def _same(a: cxkit.EventLog, b: cxkit.EventLog) -> None:
    pd.testing.assert_frame_equal(a.to_pandas(), b.to_pandas())
    assert a.n_dropped == b.n_dropped


class _NoPandas:
    """Makes every pandas conversion raise: any to_pandas (pyarrow's types cannot be patched, but every
    conversion builds a DataFrame or a Series) and pyarrow's table conversion itself."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch):
        def refuse(*a: object, **k: object) -> None:
            raise AssertionError("a pandas conversion happened")

        import pyarrow.pandas_compat

        monkeypatch.setattr(pyarrow.pandas_compat, "table_to_dataframe", refuse)
        monkeypatch.setattr(pd.DataFrame, "__init__", refuse)
        monkeypatch.setattr(pd.Series, "__init__", refuse)


def _arrow_table(df: pd.DataFrame) -> "pa.Table":
    return pa.table({
        "customer_id": pa.array(df["customer_id"].to_numpy()),
        "time": pa.array(df["time"].to_numpy(), type=pa.timestamp("ns")),
        "channel": pa.array(df["channel"].tolist()).dictionary_encode(),
        "kind": pa.array(df["kind"].tolist()),
        "nps": pa.array(df["nps"].to_numpy(), from_pandas=True),  # NaN -> null
        "value": pa.array(df["value"].to_numpy()),
        "unused": pa.array(df["unused"].to_numpy()),
    })


def test_pyarrow_table_no_pandas_conversion(monkeypatch: pytest.MonkeyPatch) -> None:
    df = _frame()
    expected = cxkit.EventLog.from_pandas(df.drop(columns="unused"))
    table = _arrow_table(df)
    with monkeypatch.context() as m:
        _NoPandas(m)
        log = cxkit.EventLog.from_arrow(table)
    _same(log, expected)


def test_record_batch_reader_and_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    df = _frame()
    table = _arrow_table(df)
    expected = cxkit.EventLog.from_pandas(df.drop(columns="unused"))
    with monkeypatch.context() as m:
        _NoPandas(m)
        from_reader = cxkit.EventLog.from_arrow(
            pa.RecordBatchReader.from_batches(table.schema, table.to_batches(max_chunksize=700)))
        from_batch = cxkit.EventLog.from_arrow(table.combine_chunks().to_batches()[0])
    _same(from_reader, expected)
    _same(from_batch, expected)


def test_polars_dataframe(monkeypatch: pytest.MonkeyPatch) -> None:
    pl = pytest.importorskip("polars")
    df = _frame()
    pdf = pl.DataFrame({"customer_id": df["customer_id"].to_numpy(), "time": df["time"].to_numpy(),
                        "channel": pl.Series(df["channel"].tolist(), dtype=pl.Categorical),
                        "kind": df["kind"].tolist(), "nps": df["nps"].to_numpy(), "value": df["value"].to_numpy()},
                       nan_to_null=True)
    expected = cxkit.EventLog.from_pandas(df.drop(columns="unused"))
    with monkeypatch.context() as m:
        _NoPandas(m)
        log = cxkit.EventLog.from_arrow(pdf)
    _same(log, expected)


def test_duckdb_relation(monkeypatch: pytest.MonkeyPatch) -> None:
    duckdb = pytest.importorskip("duckdb")
    df = _frame()
    events = _arrow_table(df)  # noqa: F841 - read by DuckDB's replacement scan below
    con = duckdb.connect()
    rel = con.sql("select customer_id, time, channel::varchar as channel, kind, nps, value, unused from events")
    expected = cxkit.EventLog.from_pandas(df.drop(columns="unused"))
    with monkeypatch.context() as m:
        _NoPandas(m)
        log = cxkit.EventLog.from_arrow(rel)
    _same(log, expected)


def test_pandas_frame_through_the_capsule() -> None:
    """pandas >= 2.2 speaks the Arrow PyCapsule interface too."""
    df = _frame()
    if not hasattr(df, "__arrow_c_stream__"):
        pytest.skip("pandas < 2.2")
    _same(cxkit.EventLog.from_arrow(df), cxkit.EventLog.from_pandas(df.drop(columns="unused")))
    with pytest.raises(TypeError, match="Arrow PyCapsule"):
        cxkit.EventLog.from_arrow([1, 2, 3])


def test_sorted_table_is_zero_copy() -> None:
    df = _frame().sort_values(["customer_id", "time"], kind="mergesort").reset_index(drop=True)
    df["nps"] = df["nps"].fillna(5.0)
    table = _arrow_table(df)
    log = cxkit.EventLog.from_arrow(table)
    assert set(log.zero_copy_columns) == {"nps", "value"}
    _same(log, cxkit.EventLog.from_pandas(df.drop(columns="unused")))  # sorted ids: the linear coding
    assert np.shares_memory(log._core.measure("value"), table.column("value").chunk(0).to_numpy())


def test_only_mapped_columns_are_read() -> None:
    """A column that is not mapped may hold anything: it is never converted."""
    df = _frame()
    table = _arrow_table(df).append_column("junk", pa.array([[1, 2]] * len(df)))
    _same(cxkit.EventLog.from_arrow(table), cxkit.EventLog.from_pandas(df.drop(columns="unused")))


def test_mapping_and_extra_columns() -> None:
    df = _frame().rename(columns={"customer_id": "cust", "time": "ts", "nps": "score"})
    df["region"] = np.where(df["value"] > 40, "north", "south")
    kw = dict(customer="cust", time="ts", nps="score", categoricals=["region"], measures={"spend": "value"})
    _same(cxkit.EventLog.from_arrow(pa.Table.from_pandas(df, preserve_index=False), **kw),
          cxkit.EventLog.from_pandas(df, **kw))


@pytest.mark.parametrize("errors", ["raise", "drop"])
def test_bad_values_same_error_as_pandas(errors: str) -> None:
    df = _frame(200)
    df.loc[17, "nps"] = 11.0
    df.loc[40, "time"] = pd.NaT
    table = _arrow_table(df)
    if errors == "raise":
        with pytest.raises(ValueError) as from_pandas:
            cxkit.EventLog.from_pandas(df)
        with pytest.raises(ValueError) as from_arrow:
            cxkit.EventLog.from_arrow(table)
        assert str(from_arrow.value) == str(from_pandas.value)
        assert (from_arrow.value.column, from_arrow.value.row) == (from_pandas.value.column, from_pandas.value.row)
    else:
        a, p = cxkit.EventLog.from_arrow(table, errors="drop"), cxkit.EventLog.from_pandas(df, errors="drop")
        _same(a, p)
        assert a.n_dropped == 2
        pd.testing.assert_frame_equal(a.dropped, p.dropped)


def test_numeric_times_need_a_unit_and_range_is_checked() -> None:
    secs = np.array([1_704_067_200, 1_704_153_600], dtype=np.int64)
    table = pa.table({"customer_id": ["a", "b"], "time": secs})
    with pytest.raises(ValueError, match=r"column 'time': holds numbers: pass time_unit='s'"):
        cxkit.EventLog.from_arrow(table)
    log = cxkit.EventLog.from_arrow(table, time_unit="s")
    assert log.to_pandas()["time"].tolist() == [pd.Timestamp("2024-01-01"), pd.Timestamp("2024-01-02")]
    far = pa.table({"customer_id": ["a", "b"],
                    "time": pa.array(np.array(["2024-01-01", "3000-01-01"], dtype="datetime64[s]"),
                                     type=pa.timestamp("s", tz="UTC"))})
    with pytest.raises(ValueError, match=r"column 'time', row 1: timestamp is outside the range"):
        cxkit.EventLog.from_arrow(far)


def test_string_times_take_the_pandas_rules() -> None:
    table = pa.table({"customer_id": ["a", "b"], "time": ["2024-01-01", "01/02/2024"]})
    with pytest.raises(ValueError, match=r"column 'time', row 1: unparseable timestamp"):
        cxkit.EventLog.from_arrow(table)


def test_customer_ids_strings_and_dictionary_sort_like_pandas() -> None:
    df = _frame(500)
    df["customer_id"] = "c" + df["customer_id"].astype(str)
    plain = pa.Table.from_pandas(df, preserve_index=False)
    dictionary = plain.set_column(0, "customer_id", plain.column("customer_id").dictionary_encode())
    expected = cxkit.EventLog.from_pandas(df.drop(columns="unused"))
    _same(cxkit.EventLog.from_arrow(plain), expected)
    _same(cxkit.EventLog.from_arrow(dictionary), expected)
    assert cxkit.EventLog.from_arrow(dictionary)._customer_labels().tolist() == \
        expected._customer_labels().tolist()


def test_duplicate_and_missing_columns() -> None:
    t = pa.Table.from_arrays([pa.array(["a"]), pa.array([1.0]), pa.array([2.0])],
                             names=["customer_id", "nps", "nps"])
    with pytest.raises(ValueError, match="column 'nps': appears 2 times"):
        cxkit.EventLog.from_arrow(t)
    t = pa.table({"customer_id": ["a"], "time": pa.array([0], pa.timestamp("s"))})
    with pytest.raises(ValueError, match=r"column 'score' \(given as nps=\) is not in the table"):
        cxkit.EventLog.from_arrow(t, nps="score")


def _write_dataset(df: pd.DataFrame, root, files: int = 4) -> None:
    root.mkdir(exist_ok=True)
    for i, part in enumerate(np.array_split(np.arange(len(df)), files)):
        pq.write_table(_arrow_table(df.iloc[part].reset_index(drop=True)), root / f"part-{i}.parquet",
                       row_group_size=300)


def test_from_parquet_file_dir_glob(tmp_path) -> None:
    df = _frame()
    _write_dataset(df, tmp_path / "ds")
    expected = cxkit.EventLog.from_pandas(df.drop(columns="unused"))
    _same(cxkit.EventLog.from_parquet(tmp_path / "ds"), expected)
    _same(cxkit.EventLog.from_parquet(str(tmp_path / "ds" / "*.parquet")), expected)
    one = cxkit.EventLog.from_parquet(tmp_path / "ds" / "part-0.parquet")
    assert len(one) == 750
    with pytest.raises(FileNotFoundError):
        cxkit.EventLog.from_parquet(str(tmp_path / "nothing-*.parquet"))


def test_from_parquet_reads_only_mapped_columns(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    from cxkit.core import _arrow

    df = _frame()
    _write_dataset(df, tmp_path / "ds")
    asked: list[object] = []
    real = _arrow.parquet_dataset

    class Spy:  # the projection pyarrow.dataset gets (its types cannot be patched)
        def __init__(self, d):
            self.d, self.schema = d, d.schema

        def to_table(self, **k):
            asked.append(k.get("columns"))
            return self.d.to_table(**k)

    monkeypatch.setattr(_arrow, "parquet_dataset", lambda source: Spy(real(source)))
    log = cxkit.EventLog.from_parquet(tmp_path / "ds", kind=None)
    assert len(asked) == 1 and sorted(asked[0]) == ["channel", "customer_id", "kind", "nps", "time", "value"]
    assert "unused" not in log.columns


def test_from_parquet_bad_values(tmp_path) -> None:
    df = _frame(400)
    df.loc[123, "nps"] = 4.5
    _write_dataset(df, tmp_path / "ds", files=2)
    with pytest.raises(ValueError, match=r"column 'nps', row 123"):
        cxkit.EventLog.from_parquet(tmp_path / "ds")
    assert cxkit.EventLog.from_parquet(tmp_path / "ds", errors="drop").n_dropped == 1

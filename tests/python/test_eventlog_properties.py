"""Property tests (hypothesis) of EventLog.from_pandas / from_csv / from_arrow (issue 12, "kept out for good"):
any frame either loads and round-trips through to_pandas() with the same values, or raises ValueError naming a
row that is really bad; errors="drop" equals filtering the bad rows first."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import cxkit  # noqa: E402

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_ids_int = st.one_of(st.none(), st.integers(-3, 3), st.just(2**62))
_ids_str = st.one_of(st.none(), st.sampled_from(["a", "b", "c", "Zoë", "1", "a b"]))
_times = st.one_of(st.none(), st.integers(0, 4 * 86_400).map(lambda s: pd.Timestamp("2024-01-01") + pd.Timedelta(seconds=s)))
_nps = st.one_of(st.just(math.nan), st.integers(-1, 11).map(float), st.sampled_from([7.5, math.inf, -math.inf]))
_value = st.one_of(st.just(math.nan), st.floats(-1e6, 1e6, allow_nan=False), st.sampled_from([math.inf]))
_channel = st.one_of(st.none(), st.sampled_from(["web", "phone", "1", "Ça"]))


@st.composite
def frames(draw: st.DrawFn, int_ids: bool | None = None) -> pd.DataFrame:
    n = draw(st.integers(0, 25))
    ints = draw(st.booleans()) if int_ids is None else int_ids
    ids = draw(st.lists(_ids_int if ints else _ids_str, min_size=n, max_size=n))
    return pd.DataFrame({
        "customer_id": pd.array(ids, dtype="Int64") if ints else pd.Series(ids, dtype=object),
        "time": pd.to_datetime(pd.Series(draw(st.lists(_times, min_size=n, max_size=n)), dtype=object)),
        "channel": pd.Series(draw(st.lists(_channel, min_size=n, max_size=n)), dtype=object),
        "nps": np.asarray(draw(st.lists(_nps, min_size=n, max_size=n)), dtype=np.float64),
        "value": np.asarray(draw(st.lists(_value, min_size=n, max_size=n)), dtype=np.float64),
    })


def bad_rows(df: pd.DataFrame) -> np.ndarray:
    """The oracle: the rows the documented rules refuse."""
    nps = df["nps"].to_numpy()
    nps_bad = ~np.isnan(nps) & ~((nps >= 0) & (nps <= 10) & (np.floor(nps) == nps))
    return (df["customer_id"].isna().to_numpy() | df["time"].isna().to_numpy() | nps_bad
            | np.isinf(df["value"].to_numpy()))


def expected(df: pd.DataFrame) -> pd.DataFrame:
    """The frame as a log shows it: sorted by (customer id, time), stable; ids as int or str, channel as text."""
    out = df.copy()
    if out["customer_id"].dtype != object:
        out["customer_id"] = out["customer_id"].astype(np.int64)
    out["time"] = out["time"].astype("datetime64[ns]")
    out = out.sort_values(["customer_id", "time"], kind="mergesort").reset_index(drop=True)
    return out


def same(log: cxkit.EventLog, df: pd.DataFrame) -> None:
    got, exp = log.to_pandas(), expected(df)
    assert len(got) == len(exp)
    assert got["customer_id"].tolist() == exp["customer_id"].tolist()
    assert got["time"].tolist() == exp["time"].tolist()
    assert got["channel"].astype(object).where(got["channel"].notna(), None).tolist() == \
        exp["channel"].where(exp["channel"].notna(), None).tolist()
    for m in ("nps", "value"):
        np.testing.assert_array_equal(got[m].to_numpy(), exp[m].to_numpy())


@SETTINGS
@given(frames())
def test_from_pandas_loads_and_round_trips_or_raises(df: pd.DataFrame) -> None:
    bad = bad_rows(df)
    if bad.any():
        with pytest.raises(ValueError) as e:
            cxkit.EventLog.from_pandas(df)
        assert isinstance(e.value, cxkit.InputError) and e.value.row is not None and bad[e.value.row]
    else:
        same(cxkit.EventLog.from_pandas(df), df)


@SETTINGS
@given(frames())
def test_drop_equals_filtering_the_bad_rows_first(df: pd.DataFrame) -> None:
    bad = bad_rows(df)
    log = cxkit.EventLog.from_pandas(df, errors="drop")
    assert log.n_dropped == int(bad.sum())
    kept = df[~bad].reset_index(drop=True)
    same(log, kept)
    same(cxkit.EventLog.from_pandas(kept), kept)


@SETTINGS
@given(frames(int_ids=False))
def test_from_csv_matches_from_pandas(tmp_path_factory: pytest.TempPathFactory, df: pd.DataFrame) -> None:
    df = df.assign(channel=df["channel"].map(lambda c: None if c == "1" else c))  # CSV cannot tell 1 from "1"
    df = df.assign(customer_id=df["customer_id"].map(lambda c: None if c == "1" else c))
    path = tmp_path_factory.mktemp("csv") / "events.csv"
    df.assign(time=df["time"].dt.strftime("%Y-%m-%dT%H:%M:%S")).to_csv(path, index=False)
    bad = bad_rows(df)
    if not df["customer_id"].notna().any() or not df["channel"].notna().any():
        return  # an all-empty column reads back as float (no type to keep): not this property
    if bad.any():
        with pytest.raises(ValueError, match=r"events.csv, line \d+"):
            cxkit.EventLog.from_csv(path)
        log = cxkit.EventLog.from_csv(path, errors="drop")
        assert log.n_dropped == int(bad.sum())
        same(log, df[~bad])
    else:
        same(cxkit.EventLog.from_csv(path), df)


@SETTINGS
@given(frames())
def test_from_arrow_matches_from_pandas(df: pd.DataFrame) -> None:
    pa = pytest.importorskip("pyarrow")
    table = pa.Table.from_pandas(df, preserve_index=False)
    bad = bad_rows(df)
    if bad.any():
        with pytest.raises(ValueError):
            cxkit.EventLog.from_arrow(table)
        same(cxkit.EventLog.from_arrow(table, errors="drop"), df[~bad])
    else:
        same(cxkit.EventLog.from_arrow(table), df)

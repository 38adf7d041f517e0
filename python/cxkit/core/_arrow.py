"""Arrow in: the columns of an Arrow table converted for the core without a pandas round trip.

Any object speaking the Arrow PyCapsule interface (``__arrow_c_stream__`` / ``__arrow_c_array__``: pyarrow, polars,
DuckDB, pandas >= 2.2) is read through pyarrow, only the mapped columns are kept, and each column goes to the one
validation layer (:meth:`cxkit.EventLog._build`) as numpy arrays: int64/timestamp times and float64 measures as
views of the Arrow buffers, dictionary-encoded strings as their codes plus the dictionary. Types with no direct
route (text times, decimals, nested values) are converted one column at a time by the pandas rules, so every
reader accepts and refuses the same values.
"""
from __future__ import annotations

import glob
import os
from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from ._eventlog import (_I64_MIN, _I64_MAX, _Columns, _Conversion, _Mapping, _categorical, _customer_ids,
                        _datetimes, _error, _labels, _measure, _numeric_times, _require_time_unit, _text, _to_ns)

if TYPE_CHECKING:
    import pyarrow as pa
    import pyarrow.dataset as pads


def _pyarrow() -> Any:
    try:
        import pyarrow as pa
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError("reading Arrow data needs pyarrow: pip install pyarrow") from e
    return pa


def _plain(arr: "pa.Array") -> "pa.Array":
    """string_view / large_string / large_binary as the types every pyarrow kernel takes."""
    pa = _pyarrow()
    t = arr.type
    if pa.types.is_string_view(t) or pa.types.is_large_string(t):
        return arr.cast(pa.large_string()) if pa.types.is_string_view(t) else arr
    return arr


def _one_array(col: "pa.ChunkedArray | pa.Array") -> "pa.Array":
    """A column as one array: zero-copy for one chunk; dictionary chunks unified onto one dictionary first."""
    pa = _pyarrow()
    if isinstance(col, pa.Array):
        return col
    if pa.types.is_dictionary(col.type) and col.num_chunks > 1:
        col = col.unify_dictionaries()
        dictionary = col.chunk(0).dictionary
        indices = pa.concat_arrays([c.indices for c in col.chunks])
        return pa.DictionaryArray.from_arrays(indices, dictionary)
    if col.num_chunks == 0:
        return pa.array([], type=col.type)
    return col.chunk(0) if col.num_chunks == 1 else col.combine_chunks()


def _numpy(arr: "pa.Array", fill: Any, dtype: Any) -> tuple[np.ndarray, bool]:
    """A primitive array as numpy (nulls as `fill`) and whether it views the Arrow buffer."""
    pa = _pyarrow()
    if arr.null_count == 0:
        try:
            return arr.to_numpy(zero_copy_only=True).view(dtype), True
        except (pa.ArrowInvalid, ValueError):
            pass
    import pyarrow.compute as pc

    return np.asarray(pc.fill_null(arr, fill).to_numpy(zero_copy_only=False), dtype=dtype), False


def _sorted_codes(values: "pa.Array") -> tuple[np.ndarray, "pa.Array"]:
    """int32 codes into the sorted distinct values (-1 for null): the order pandas.factorize(sort=True) gives,
    so a log read from Arrow sorts its customers exactly as one read from pandas."""
    import pyarrow.compute as pc

    pa = _pyarrow()
    uniques = pc.unique(values).drop_null()
    uniques = uniques.take(pc.sort_indices(uniques))
    codes = pc.index_in(values, value_set=uniques)
    out, _ = _numpy(codes.cast(pa.int32()), -1, np.int32)
    return np.ascontiguousarray(out), uniques


class _ArrowColumns(_Columns):
    """The columns of a pyarrow Table, each converted once; rows in errors are the table's row numbers."""

    def __init__(self, table: "pa.Table"):
        self.table = table

    def __len__(self) -> int:
        return int(self.table.num_rows)

    def _col(self, col: str) -> "pa.Array":
        return _one_array(self.table.column(col))

    def _series(self, col: str) -> Any:
        """One column through the pandas rules, for types Arrow has no direct route for (e.g. text times)."""
        return self.table.column(col).to_pandas(coerce_temporal_nanoseconds=False)

    def has_values(self, col: str) -> bool:
        import pyarrow.compute as pc

        arr = self._col(col)
        missing = pc.is_null(arr, nan_is_null=True)
        return bool(pc.sum(missing.cast("int64")).as_py() or 0) < len(arr)

    def customer_ids(self, col: str, name: str, conv: _Conversion) -> tuple[np.ndarray, np.ndarray | list[str]]:
        pa = _pyarrow()
        import pyarrow.compute as pc

        arr = _plain(self._col(col))
        t = arr.type
        if pa.types.is_boolean(t):
            raise _error(conv.shown(name), None, "customer ids cannot be booleans")
        if pa.types.is_dictionary(t) and (pa.types.is_string(t.value_type) or pa.types.is_large_string(t.value_type)
                                          or pa.types.is_integer(t.value_type)):
            # only the dictionary entries in use (an unused one is no customer), sorted
            used = pc.unique(arr.indices).drop_null()
            dictionary = _plain(arr.dictionary)
            remap, uniques = _sorted_codes(dictionary.take(used))
            full = np.full(len(dictionary), -1, dtype=np.int32)
            full[np.asarray(used.to_numpy(zero_copy_only=False), dtype=np.int64)] = remap
            idx, _ = _numpy(arr.indices.cast(pa.int64()), -1, np.int64)
            codes = np.where(idx >= 0, full[np.maximum(idx, 0)], -1).astype(np.int32)
            arr, t = uniques, uniques.type  # the ids themselves, checked below like a plain column
        elif pa.types.is_integer(t) and arr.null_count == 0 and not pa.types.is_uint64(t):
            # pandas' hash factorize of the int64 buffer (no frame, no copy): Arrow's hash kernel leaves its
            # allocator holding tens of MB per call, which a scan of many batches would pile up
            import pandas as pd

            values, _ = _numpy(arr.cast(pa.int64()), 0, np.int64)
            if len(values) and bool(np.all(values[1:] >= values[:-1])):  # sorted by customer: one linear pass
                starts = np.empty(len(values), dtype=bool)
                starts[0] = True
                np.not_equal(values[1:], values[:-1], out=starts[1:])
                codes = (np.cumsum(starts, dtype=np.int64) - 1).astype(np.int32)
                uniques = pa.array(values[starts])
            else:
                c, u = pd.factorize(values, sort=True)
                codes, uniques = c.astype(np.int32), pa.array(u)
        elif pa.types.is_integer(t) or pa.types.is_string(t) or pa.types.is_large_string(t):
            codes, uniques = _sorted_codes(arr)
        else:
            return _customer_ids(self._series(col), name, conv)
        if len(uniques) >= 2**31 - 1:
            raise _error(conv.shown(name), None, "more than 2^31 - 1 distinct customers")
        if pa.types.is_integer(uniques.type):
            if pa.types.is_unsigned_integer(uniques.type) and len(uniques) and uniques[-1].as_py() > _I64_MAX:
                big = uniques[-1].as_py()
                row = int(np.flatnonzero(codes == len(uniques) - 1)[0])
                raise _error(conv.shown(name), row, f"integer customer ids must fit in int64, got {big} "
                             "(pass the ids as strings)")
            return codes, np.ascontiguousarray(uniques.cast(pa.int64()).to_numpy(zero_copy_only=False))
        return codes, [str(v) for v in uniques.to_pylist()]  # Arrow strings are valid UTF-8 already

    def times(self, col: str, name: str, conv: _Conversion, unit: str | None, fmt: str | None) -> np.ndarray:
        pa = _pyarrow()
        arr = self._col(col)
        t = arr.type
        if pa.types.is_timestamp(t) or pa.types.is_date(t):
            if unit is not None:
                raise _error(conv.shown(name), None,
                             "time_unit is for numeric times; this column holds datetimes already")
            if pa.types.is_timestamp(t):  # stored as UTC already, whatever the zone
                raw, unit_of = arr.cast(pa.int64()), t.unit
            elif pa.types.is_date32(t):
                raw, unit_of = arr.cast(pa.int32()).cast(pa.int64()), "D"
            else:
                raw, unit_of = arr.cast(pa.int64()), "ms"
            values, _ = _numpy(raw, _I64_MIN, np.int64)
            return _datetimes(values.view(f"datetime64[{unit_of}]"), name, conv)
        if pa.types.is_boolean(t):
            raise _error(conv.shown(name), None, "timestamps cannot be booleans")
        if pa.types.is_integer(t) or pa.types.is_floating(t):
            if arr.null_count == len(arr):
                return np.full(len(arr), _I64_MIN, dtype=np.int64)
            unit = _require_time_unit(unit, name, conv)
            if pa.types.is_integer(t) and arr.null_count == 0:
                values, _ = _numpy(arr, 0, arr.type.to_pandas_dtype())
            else:
                values, _ = _numpy(arr.cast(pa.float64()), np.nan, np.float64)
            return _numeric_times(values, name, conv, unit)
        if pa.types.is_null(t):
            return np.full(len(arr), _I64_MIN, dtype=np.int64)
        return _to_ns(self._series(col), name, conv, unit, fmt)

    def categorical(self, col: str, name: str, conv: _Conversion) -> tuple[np.ndarray, list[str], bool]:
        pa = _pyarrow()
        arr = _plain(self._col(col))
        t = arr.type
        if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_integer(t) or pa.types.is_boolean(t):
            arr = arr.dictionary_encode()  # codes in order of first appearance, as pandas.factorize
            t = arr.type
        elif pa.types.is_null(t):
            return np.full(len(arr), -1, dtype=np.int32), [], False
        if not pa.types.is_dictionary(t) or not (pa.types.is_string(t.value_type)
                                                 or pa.types.is_large_string(t.value_type)
                                                 or pa.types.is_integer(t.value_type)
                                                 or pa.types.is_boolean(t.value_type)
                                                 or pa.types.is_string_view(t.value_type)):
            return (*_categorical(self._series(col), name, conv), False)
        dictionary = _plain(arr.dictionary).to_pylist()
        indices = arr.indices
        if indices.type != pa.int32():
            indices = indices.cast(pa.int32())
        codes, frozen = _numpy(indices, -1, np.int32)
        if all(isinstance(v, str) for v in dictionary) and len(set(dictionary)) == len(dictionary):
            return codes, dictionary, frozen  # the usual case: the dictionary is the labels, codes as they are
        remap, labels, _ = _labels(dictionary, name, conv)  # labels that collide as text share a code
        return remap[codes], labels, False

    def measure(self, col: str, name: str, conv: _Conversion) -> tuple[np.ndarray, bool, bool]:
        pa = _pyarrow()
        arr = self._col(col)
        t = arr.type
        if pa.types.is_float64(t):
            values, frozen = _numpy(arr, np.nan, np.float64)
            return values, False, frozen
        if pa.types.is_integer(t) or pa.types.is_floating(t):
            return _numpy(arr.cast(pa.float64()), np.nan, np.float64)[0], False, False
        if pa.types.is_boolean(t):
            return _numpy(arr.cast(pa.float64()), np.nan, np.float64)[0], True, False
        if pa.types.is_null(t):
            return np.full(len(arr), np.nan), False, False
        return (*_measure(self._series(col), name, conv), False)

    def text(self, col: str, name: str, conv: _Conversion) -> list[str]:
        return _text(self._col(col).to_pylist(), name, conv)


def _check_names(names: list[str]) -> None:
    if len(set(names)) != len(names):
        dup = next(n for n in names if names.count(n) > 1)
        raise _error(dup, None, f"appears {names.count(dup)} times in the table: rename or drop the copies")


def arrow_reader(obj: Any) -> "pa.RecordBatchReader":
    """A pyarrow RecordBatchReader over any Arrow PyCapsule object (stream or array), or a TypeError."""
    pa = _pyarrow()
    if isinstance(obj, pa.RecordBatchReader):
        return obj
    if isinstance(obj, pa.Table):
        return obj.to_reader()
    if isinstance(obj, pa.RecordBatch):
        return pa.RecordBatchReader.from_batches(obj.schema, [obj])
    if hasattr(obj, "__arrow_c_stream__"):
        return pa.RecordBatchReader.from_stream(obj)
    if hasattr(obj, "__arrow_c_array__"):
        batch = pa.record_batch(obj)
        return pa.RecordBatchReader.from_batches(batch.schema, [batch])
    raise TypeError(f"from_arrow expects an object with the Arrow PyCapsule interface (__arrow_c_stream__ or "
                    f"__arrow_c_array__: a pyarrow Table or RecordBatchReader, a polars DataFrame, a DuckDB "
                    f"relation, pandas >= 2.2), got {type(obj).__name__}")


def read_mapped(obj: Any, resolve: Callable[[list[str]], _Mapping]) -> tuple["pa.Table", _Mapping]:
    """The mapped columns of an Arrow object as one Table (other columns dropped batch by batch as they come)."""
    pa = _pyarrow()
    if isinstance(obj, pa.Table):
        _check_names(obj.column_names)
        mapping = resolve(obj.column_names)
        return obj.select(mapping.columns), mapping
    reader = arrow_reader(obj)
    names = list(reader.schema.names)
    _check_names(names)
    mapping = resolve(names)
    cols = mapping.columns
    schema = pa.schema([reader.schema.field(c) for c in cols])
    batches = [b.select(cols) for b in reader]
    return pa.Table.from_batches(batches, schema=schema), mapping


def parquet_dataset(source: Any) -> "pads.Dataset":
    """A pyarrow Dataset of a Parquet file, a directory of them (hive partitions read as columns) or a glob."""
    import pyarrow.dataset as ds

    if isinstance(source, ds.Dataset):
        return source
    if isinstance(source, (list, tuple)):
        return ds.dataset([os.fspath(p) for p in source], format="parquet")
    path = os.fspath(source)
    if any(ch in path for ch in "*?["):
        files = sorted(glob.glob(path, recursive=True))
        if not files:
            raise FileNotFoundError(f"no file matches {path!r}")
        return ds.dataset(files, format="parquet")
    if not os.path.exists(path):
        raise FileNotFoundError(f"no such file or directory: {path!r}")
    return ds.dataset(path, format="parquet", partitioning="hive" if os.path.isdir(path) else None)

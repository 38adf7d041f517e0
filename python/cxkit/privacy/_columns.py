"""UTF-8 columns as Arrow lays them out (offsets + data), the form the C++ privacy functions read."""
from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


def as_utf8(values: Any, what: str) -> pa.LargeStringArray:
    """values (list, numpy array, pandas Series, pyarrow array/chunked array) as one large_string array; integers
    become their decimal text (so 7 and "7" meet). Missing values are refused."""
    if isinstance(values, pa.ChunkedArray):
        arr = values.combine_chunks() if values.num_chunks != 1 else values.chunk(0)
    elif isinstance(values, pa.Array):
        arr = values
    else:
        if hasattr(values, "to_numpy") and hasattr(values, "dtype") and not isinstance(values, np.ndarray):
            values = values.to_numpy()
        arr = pa.array(values, from_pandas=True)
    if len(arr) == 0:
        return pa.array([], pa.large_string())
    if pa.types.is_dictionary(arr.type):
        arr = arr.dictionary_decode()
    if arr.null_count:
        first = int(np.flatnonzero(arr.is_null().to_numpy(zero_copy_only=False))[0])
        raise ValueError(f"column '{what}', row {first}: is missing")
    if pa.types.is_integer(arr.type):
        arr = pc.cast(arr, pa.string())
    elif not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        raise ValueError(f"column '{what}': must hold text or integers, not {arr.type}")
    return pc.cast(arr, pa.large_string())


def buffers(arr: pa.LargeStringArray) -> tuple[np.ndarray, np.ndarray]:
    """Read-only numpy views of the array's offsets (int64, length n+1) and data (uint8): no copy."""
    _, off_buf, data_buf = arr.buffers()
    offsets = np.frombuffer(off_buf, dtype=np.int64)[arr.offset: arr.offset + len(arr) + 1]
    data = np.frombuffer(data_buf, dtype=np.uint8) if data_buf is not None else np.zeros(0, np.uint8)
    return offsets, data  # Arrow buffers are immutable: numpy marks these views read-only, C++ reads them in place


def from_buffers(offsets: np.ndarray, data: np.ndarray) -> pa.LargeStringArray:
    """A large_string array over C++'s result buffers (no copy: the arrays keep the memory alive)."""
    n = len(offsets) - 1
    return pa.Array.from_buffers(pa.large_string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(data)])


def like_input(arr: pa.Array, values: Any) -> Any:
    """The result in the input's kind: a pandas Series (same index), a pyarrow array, a numpy array, or a list."""
    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        return arr
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - pandas is a dependency
        pd = None
    if pd is not None and isinstance(values, pd.Series):
        return pd.Series(pd.arrays.ArrowExtensionArray(arr), index=values.index, name=values.name)
    if isinstance(values, np.ndarray):
        return arr.to_numpy(zero_copy_only=False)
    return arr.to_pylist()

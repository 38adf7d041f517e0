"""Erasure: customers forgotten by logs and by the states that hold per-customer data."""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from .._core import privacy as _cp
from ._columns import as_utf8, buffers


def customer_keys(customers: Any) -> np.ndarray:
    """The 64-bit keys that logs and mergeable states use for these customer ids (uint64): integers are their own
    key, strings are hashed (FNV-1a of their UTF-8 bytes). Pass them to a state's ``erase``."""
    vals = customers if isinstance(customers, (pa.Array, pa.ChunkedArray)) else pd.Series(list(customers)
                                                                                           if not isinstance(customers, (pd.Series, np.ndarray)) else customers)
    if isinstance(vals, pd.Series) and len(vals) and pd.api.types.is_integer_dtype(vals.dtype):
        return vals.to_numpy(np.int64).view(np.uint64)
    if isinstance(vals, pd.Series) and len(vals) == 0:
        return np.zeros(0, np.uint64)
    if isinstance(vals, pd.Series) and vals.map(lambda v: isinstance(v, (int, np.integer)) and not isinstance(v, bool)).all():
        return vals.to_numpy(np.int64).view(np.uint64)
    arr = as_utf8(vals if not isinstance(vals, pd.Series) else vals.to_numpy(dtype=object), "customers")
    offsets, data = buffers(arr)
    return _cp.customer_keys_utf8(offsets, data)

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
    if isinstance(customers, (pa.Array, pa.ChunkedArray)):
        if pa.types.is_integer(customers.type):  # an integer id is its own key, as in a log
            return np.asarray(customers.to_numpy(zero_copy_only=False), dtype=np.int64).view(np.uint64)
        values: Any = customers
    else:
        seq = customers if isinstance(customers, (pd.Series, np.ndarray)) else list(customers)
        ids = pd.Series(seq)
        if len(ids) == 0:
            return np.zeros(0, np.uint64)
        is_int = ids.map(lambda v: isinstance(v, (int, np.integer)) and not isinstance(v, bool)).all()
        if pd.api.types.is_integer_dtype(ids.dtype) or is_int:
            return ids.to_numpy(np.int64).view(np.uint64)  # an integer id is its own key
        values = ids.to_numpy(dtype=object)
    offsets, data = buffers(as_utf8(values, "customers"))
    return _cp.customer_keys_utf8(offsets, data)

"""Keyed pseudonyms of customer ids (BLAKE2b-128 keyed, libsodium), in bulk."""
from __future__ import annotations

from typing import Any

import numpy as np

from .._core import privacy as _cp
from ._columns import as_utf8, buffers, from_buffers, like_input
from ._keys import KeyLike, resolve_key


def pseudonymise(ids: Any, key: KeyLike = None, *, threads: int = 0) -> Any:
    """Keyed pseudonyms of ids: 32 hex characters each, ``blake2b(id, key=key, digest_size=16)``.

    One key gives every id the same pseudonym in every log, partition, state and day (so pseudonymised data still
    joins and merges); another key gives unrelated ones; without the key an id can be neither recovered nor
    guessed from its pseudonym. Integers are hashed as their decimal text (7 and "7" meet; "007" does not).
    The result has the input's kind: a pandas Series keeps its index, a pyarrow array stays one, a numpy array or
    a list comes back as such. The key (see ``resolve_key``) never appears in any output.

    >>> import cxkit
    >>> key = bytes(range(32))
    >>> cxkit.privacy.pseudonymise(["C001", 7], key)
    ['701e678dc38f3d5917f61005d5508906', '63c47b3459dceea0f2b1069197899362']
    """
    k = resolve_key(key)
    arr = as_utf8(ids, "ids")
    offsets, data = buffers(arr)
    packed = _cp.pseudonyms_utf8(offsets, data, bytes(k), threads)
    size = _cp.pseudonym_size
    out_offsets = np.arange(0, size * (len(arr) + 1), size, dtype=np.int64)
    return like_input(from_buffers(out_offsets, packed), ids)


def pseudonym(id: str | int, key: KeyLike = None) -> str:
    """The keyed pseudonym of one id (see ``pseudonymise``)."""
    return _cp.pseudonym(str(id), bytes(resolve_key(key)))

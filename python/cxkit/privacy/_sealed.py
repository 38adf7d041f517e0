"""Sealed bytes: encrypted and authenticated (XChaCha20-Poly1305, libsodium) serialized states and pickles."""
from __future__ import annotations

import pickle
from typing import Any

from .._core import privacy as _cp
from ._keys import KeyLike, resolve_key


def _sealing_key(key: KeyLike) -> bytes:
    k = resolve_key(key)
    if len(k) != 32:
        raise ValueError(f"key: sealing needs a 32-byte key, got {len(k)} (cxkit.privacy.generate_key() makes one)")
    return bytes(k)


def seal(data: bytes, key: KeyLike = None) -> bytes:
    """data encrypted and authenticated with key (32 bytes): safe to store or send where others could read or
    change it. Every state's ``serialize(key=...)`` does this for you."""
    return _cp.seal(bytes(data), _sealing_key(key))


def open_sealed(data: bytes, key: KeyLike = None) -> bytes:
    """The bytes that ``seal`` sealed; ValueError when they were changed, cut short or sealed with another key
    (nothing of them is read before they are authenticated)."""
    return _cp.open_sealed(bytes(data), _sealing_key(key))


def dumps(obj: Any, key: KeyLike = None) -> bytes:
    """``pickle.dumps(obj)`` sealed: e.g. a dict of states or a fitted model, for storage or a network hop."""
    return seal(pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL), key)


def loads(data: bytes, key: KeyLike = None) -> Any:
    """The object ``dumps`` sealed. The bytes are authenticated before they are unpickled, so only bytes sealed
    with your key reach pickle (never unpickle unauthenticated bytes)."""
    return pickle.loads(open_sealed(data, key))

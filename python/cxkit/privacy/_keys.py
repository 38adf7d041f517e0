"""Secret keys for pseudonyms and sealed states: where they come from, and how they stay out of every output."""
from __future__ import annotations

import os
import pathlib
from typing import Union

from .._core import privacy as _cp

ENV_KEY = "CXKIT_PRIVACY_KEY"
ENV_KEY_FILE = "CXKIT_PRIVACY_KEY_FILE"


class SecretKey(bytes):
    """Key bytes that never show themselves: ``repr``/``str`` hide them and pickling is refused, so a key cannot
    slip into a log line, a notebook output, a pickled state or a report. It is ``bytes`` for everything else.

    >>> k = SecretKey(bytes(32))
    >>> k
    SecretKey(<32 bytes hidden>)
    """

    def __repr__(self) -> str:
        return f"SecretKey(<{len(self)} bytes hidden>)"

    __str__ = __repr__

    def __reduce__(self):
        raise TypeError("a cxkit SecretKey is never pickled; keep keys in a key file or the environment")


KeyLike = Union[SecretKey, bytes, str, os.PathLike, None]


def generate_key() -> SecretKey:
    """32 random bytes from the operating system (libsodium's randombytes): a key for pseudonyms and sealing.

    Store it where your other secrets live, e.g. a file readable only by the service (``write_key_file``)."""
    return SecretKey(_cp.generate_key())


def write_key_file(path: str | os.PathLike, key: bytes) -> pathlib.Path:
    """Writes key as hex to path, readable by its owner only (mode 0600), refusing to overwrite a file."""
    p = pathlib.Path(path)
    fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(bytes(key).hex() + "\n")
    return p


def _from_text(text: str, where: str) -> SecretKey:
    t = text.strip()
    try:
        return SecretKey(bytes.fromhex(t))
    except ValueError:
        raise ValueError(f"{where}: a key is given as hex digits (e.g. from cxkit.privacy.generate_key().hex())") from None


def resolve_key(key: KeyLike = None) -> SecretKey:
    """The key to use, from (in this order): the argument (bytes, hex text, or the path of a key file), the
    environment variable CXKIT_PRIVACY_KEY (hex), or the key file named by CXKIT_PRIVACY_KEY_FILE.

    Rotating a key: make a new one, pseudonymise again from the raw ids with it, and seal new states with it; a
    pseudonym cannot be carried over to a new key without the raw id (by design)."""
    if isinstance(key, SecretKey):
        k = key
    elif isinstance(key, (bytes, bytearray)):
        k = SecretKey(bytes(key))
    elif isinstance(key, os.PathLike) or (isinstance(key, str) and os.path.isfile(key)):
        k = _from_text(pathlib.Path(key).read_text(), f"key file {os.fspath(key)!r}")
    elif isinstance(key, str):
        k = _from_text(key, "key")
    elif key is None and os.environ.get(ENV_KEY):
        k = _from_text(os.environ[ENV_KEY], ENV_KEY)
    elif key is None and os.environ.get(ENV_KEY_FILE):
        path = os.environ[ENV_KEY_FILE]
        k = _from_text(pathlib.Path(path).read_text(), f"{ENV_KEY_FILE} ({path!r})")
    elif key is None:
        raise ValueError(f"no key: pass key=..., or set {ENV_KEY} (hex) or {ENV_KEY_FILE} (a key file)")
    else:
        raise TypeError(f"key must be bytes, hex text or a key file path, not {type(key).__name__}")
    if not 16 <= len(k) <= 64:
        raise ValueError(f"key: must be 16 to 64 bytes long, got {len(k)} (generate one with cxkit.privacy.generate_key())")
    return k

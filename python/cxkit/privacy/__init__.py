"""Privacy: keyed pseudonyms for customer ids, redaction of personal data in text, and sealed (encrypted,
authenticated) states. libsodium does the cryptography; no key ever appears in an output, a state or a repr.

>>> import cxkit
>>> key = cxkit.privacy.generate_key()
>>> ids = cxkit.privacy.pseudonymise(["C001", "C002", "C001"], key)
>>> ids[0] == ids[2] != ids[1]
True
>>> state = cxkit.metrics.NpsState()
>>> sealed = state.serialize(key=key)
>>> cxkit.metrics.NpsState.deserialize(sealed, key=key) == state
True
"""
from __future__ import annotations

from ._consent import PURPOSES, Consent
from ._erasure import customer_keys
from ._keys import ENV_KEY, ENV_KEY_FILE, SecretKey, generate_key, resolve_key, write_key_file
from ._pseudonymise import pseudonym, pseudonymise
from ._redact import RedactionCounts, redact
from ._sealed import dumps, loads, open_sealed, seal
from ._small_cells import hidden_cells, suppress_small_cells

__all__ = ["pseudonymise", "pseudonym", "redact", "RedactionCounts", "seal", "open_sealed", "dumps", "loads",
           "suppress_small_cells", "hidden_cells", "Consent", "PURPOSES", "customer_keys",
           "SecretKey", "generate_key", "resolve_key", "write_key_file", "ENV_KEY", "ENV_KEY_FILE"]


def __dir__() -> list[str]:
    return __all__

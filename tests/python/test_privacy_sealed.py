"""Sealed states (issue 15): serialize(key=...) encrypts and authenticates; changed, cut or wrongly keyed bytes
are refused before parsing; PyNaCl (an independent libsodium binding) opens what cxkit seals."""
from __future__ import annotations

import pickle

import pytest

import cxkit
from cxkit import privacy

nacl_bindings = pytest.importorskip("nacl.bindings")
HEADER = b"cxkit-sealed-1\n"


@pytest.fixture(scope="module")
def state():
    log = cxkit.EventLog.from_pandas(cxkit.datasets.simulate(n_customers=300, seed=5))
    return cxkit.scorecard_state(log, by="channel", period="M")


def test_a_sealed_state_round_trips_and_hides_its_bytes(state):
    key = privacy.generate_key()
    sealed = state.serialize(key=key)
    plain = state.serialize()
    assert sealed.startswith(HEADER) and plain not in sealed and plain[:64] not in sealed
    back = type(state).deserialize(sealed, key=key)
    assert back == state
    assert state.serialize(key=key) != sealed  # a fresh nonce each time


def test_pynacl_opens_what_cxkit_seals():
    key = privacy.generate_key()
    s = cxkit.NpsState()
    sealed = s.serialize(key=key)
    nonce = sealed[len(HEADER):len(HEADER) + 24]
    plain = nacl_bindings.crypto_aead_xchacha20poly1305_ietf_decrypt(sealed[len(HEADER) + 24:], HEADER, nonce,
                                                                       bytes(key))
    assert plain == s.serialize()


def test_changed_cut_or_wrongly_keyed_bytes_are_refused(state):
    key = privacy.generate_key()
    sealed = state.serialize(key=key)
    cls = type(state)
    for i in list(range(0, len(sealed), max(1, len(sealed) // 200))) + [len(sealed) - 1]:
        bad = bytearray(sealed)
        bad[i] ^= 0x40
        with pytest.raises(ValueError):
            cls.deserialize(bytes(bad), key=key)
    for n in (0, 10, len(HEADER) + 24, len(sealed) - 1):
        with pytest.raises(ValueError):
            cls.deserialize(sealed[:n], key=key)
    with pytest.raises(ValueError, match="another key"):
        cls.deserialize(sealed, key=privacy.generate_key())
    with pytest.raises(ValueError, match="sealed: pass the key"):
        cls.deserialize(sealed)
    with pytest.raises(ValueError, match="not sealed"):
        cls.deserialize(state.serialize(), key=key)
    with pytest.raises(ValueError, match="32 bytes"):
        state.serialize(key=bytes(16))


def test_sealed_pickles_of_any_object(state):
    key = privacy.generate_key()
    obj = {"scorecard": state, "note": "week 49"}
    blob = privacy.dumps(obj, key)
    assert pickle.dumps(obj) not in blob
    back = privacy.loads(blob, key)
    assert back["scorecard"] == state and back["note"] == "week 49"
    with pytest.raises(ValueError):
        privacy.loads(blob[:-1], key)
    assert privacy.open_sealed(privacy.seal(b"abc", key), key) == b"abc"

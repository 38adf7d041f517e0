"""Keyed pseudonyms (issue 15): equal to an independent keyed BLAKE2b (hashlib), one pseudonym per id and key,
the key never shown, and analyses on pseudonymised ids equal the analyses on raw ids."""
from __future__ import annotations

import hashlib
import pickle

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import cxkit
from cxkit import privacy

KEY = bytes(range(32))


def blake(i: object, key: bytes = KEY) -> str:
    return hashlib.blake2b(str(i).encode(), key=key, digest_size=16).hexdigest()


def test_pseudonyms_equal_hashlib_keyed_blake2b():
    ids = ["C001", "7", "", " café", "日本語-ID", "x" * 1000]
    assert privacy.pseudonymise(ids, KEY) == [blake(i) for i in ids]
    rng = np.random.default_rng(1)
    many = [f"cust-{n}" for n in rng.integers(0, 10**12, 20_000)]
    assert privacy.pseudonymise(many, KEY, threads=2) == [blake(i) for i in many]
    assert privacy.pseudonym("C001", KEY) == blake("C001")


def test_integers_hash_as_their_decimal_text():
    assert privacy.pseudonymise([7, 10**15], KEY) == [blake(7), blake(10**15)]
    assert privacy.pseudonymise(np.array([7, 8]), KEY).tolist() == [blake(7), blake(8)]
    assert privacy.pseudonymise(["007"], KEY) != privacy.pseudonymise([7], KEY)


def test_one_key_one_pseudonym_another_key_others():
    ids = [f"c{i}" for i in range(1000)]
    a = privacy.pseudonymise(ids, KEY)
    assert a == privacy.pseudonymise(ids, bytes(KEY))
    assert len(set(a)) == len(ids)
    b = privacy.pseudonymise(ids, bytes(range(1, 33)))
    assert not set(a) & set(b)


def test_input_kinds_come_back_as_they_came():
    s = pd.Series(["a", "b", "a"], index=[10, 20, 30], name="customer")
    out = privacy.pseudonymise(s, KEY)
    assert isinstance(out, pd.Series) and list(out.index) == [10, 20, 30] and out.name == "customer"
    assert out.tolist() == [blake("a"), blake("b"), blake("a")]
    arr = pa.chunked_array([["a"], ["b", "c"]])
    assert privacy.pseudonymise(arr, KEY).to_pylist() == [blake("a"), blake("b"), blake("c")]
    assert privacy.pseudonymise(pa.array(["a", "b"]).dictionary_encode(), KEY).to_pylist() == [blake("a"), blake("b")]
    assert privacy.pseudonymise([], KEY) == []


def test_missing_ids_and_bad_keys_are_refused():
    with pytest.raises(ValueError, match="row 1: is missing"):
        privacy.pseudonymise(["a", None], KEY)
    with pytest.raises(ValueError, match="16 to 64 bytes"):
        privacy.pseudonymise(["a"], b"short")
    with pytest.raises(ValueError, match="hex"):
        privacy.pseudonymise(["a"], "not hex at all")
    with pytest.raises(ValueError, match="must hold text or integers"):
        privacy.pseudonymise([1.5], KEY)


def test_the_key_comes_from_argument_environment_or_key_file(tmp_path, monkeypatch):
    monkeypatch.delenv(privacy.ENV_KEY, raising=False)
    monkeypatch.delenv(privacy.ENV_KEY_FILE, raising=False)
    with pytest.raises(ValueError, match="no key"):
        privacy.pseudonymise(["a"])
    monkeypatch.setenv(privacy.ENV_KEY, KEY.hex())
    assert privacy.pseudonymise(["a"]) == [blake("a")]
    monkeypatch.delenv(privacy.ENV_KEY)
    path = privacy.write_key_file(tmp_path / "cx.key", KEY)
    assert (path.stat().st_mode & 0o777) == 0o600
    with pytest.raises(FileExistsError):
        privacy.write_key_file(path, KEY)
    monkeypatch.setenv(privacy.ENV_KEY_FILE, str(path))
    assert privacy.pseudonymise(["a"]) == [blake("a")]
    assert privacy.pseudonymise(["a"], path) == [blake("a")]
    assert privacy.pseudonymise(["a"], KEY.hex()) == [blake("a")]


def test_a_key_never_shows_itself():
    k = privacy.generate_key()
    assert len(k) == 32 and k != privacy.generate_key()
    assert k.hex() not in repr(k) and k.hex() not in str(k) and "hidden" in repr(k)
    with pytest.raises(TypeError, match="never pickled"):
        pickle.dumps(k)
    assert repr(privacy.resolve_key(KEY)) == "SecretKey(<32 bytes hidden>)"


def test_analyses_on_pseudonymised_ids_equal_those_on_raw_ids():
    df = cxkit.datasets.simulate(n_customers=400, seed=3)
    pdf = df.assign(customer_id=privacy.pseudonymise(df["customer_id"], KEY))
    assert pdf["customer_id"].nunique() == df["customer_id"].nunique()
    raw = cxkit.scorecard(cxkit.EventLog.from_pandas(df), by="channel", period="M")
    pseu = cxkit.scorecard(cxkit.EventLog.from_pandas(pdf), by="channel", period="M")
    pd.testing.assert_frame_equal(raw.reset_index(drop=True), pseu.reset_index(drop=True))

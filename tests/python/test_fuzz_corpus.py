"""The readers' fuzz corpus (tests/fuzz/corpus/readers/) replayed as plain regression inputs: each input that once
broke the contract (load, or raise ValueError) goes through the fuzz target's own check again."""
from __future__ import annotations

import importlib.util
import pathlib

import pytest

FUZZ = pathlib.Path(__file__).resolve().parents[1] / "fuzz"
pytest.importorskip("atheris")


def _target():
    spec = importlib.util.spec_from_file_location("fuzz_readers", FUZZ / "fuzz_readers.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.TestOneInput


INPUTS = sorted((FUZZ / "corpus" / "readers").glob("*"))


@pytest.mark.parametrize("path", INPUTS, ids=[p.name for p in INPUTS])
def test_reader_corpus_input_loads_or_raises_value_error(path):
    _target()(path.read_bytes())

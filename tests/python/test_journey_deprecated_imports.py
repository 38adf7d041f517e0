"""cxkit.attribution and cxkit.drivers moved to cxkit.journey (issue 11): the old names keep working for one
release with a DeprecationWarning; cxkit.prioritise stays at the top level."""
from __future__ import annotations

import importlib
import subprocess
import sys
import warnings

import pandas as pd
import pytest

import cxkit


@pytest.mark.parametrize("old, new", [("attribution", "cxkit.journey.attribution"), ("drivers", "cxkit.journey.drivers")])
def test_old_module_warns_and_still_works(old: str, new: str):
    sys.modules.pop(f"cxkit.{old}", None)
    cxkit.__dict__.pop(old, None)
    with pytest.warns(DeprecationWarning, match=new):
        mod = getattr(cxkit, old)
    target = importlib.import_module(new)
    for name in mod.__all__:
        assert getattr(mod, name) is getattr(target, name)
    sys.modules.pop(f"cxkit.{old}", None)
    cxkit.__dict__.pop(old, None)
    with pytest.warns(DeprecationWarning, match=new):
        importlib.import_module(f"cxkit.{old}")


def test_old_paths_give_the_same_numbers():
    df = pd.DataFrame({"path": ["a > b", "b > c", "a > c > b"], "total_conversions": [2, 1, 3], "total_null": [1, 2, 1]})
    p = cxkit.journey.Paths.from_pandas(df)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        old = cxkit.attribution.markov(p).credits
    pd.testing.assert_frame_equal(old, cxkit.journey.attribution.markov(p).credits)


def test_import_cxkit_warns_about_nothing():
    code = "import warnings; warnings.simplefilter('error'); import cxkit; cxkit.journey.attribution.markov"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_prioritise_stays_at_the_top():
    assert cxkit.prioritise is cxkit.journey.prioritise
    assert cxkit.PRIORITY_QUADRANTS == cxkit.journey.PRIORITY_QUADRANTS
    assert "attribution" not in cxkit.__all__ and "prioritise" in cxkit.__all__


def test_python_reads_the_area_submodules():
    assert cxkit.journey.Paths.from_pandas.__module__ == "cxkit.journey._paths"
    assert cxkit.retention.CohortState is cxkit._core.retention.CohortState
    assert cxkit._core.journey.Paths is not None and cxkit._core.retention.kaplan_meier is not None

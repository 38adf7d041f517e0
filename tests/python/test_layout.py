"""The repository's layout promises: the umbrella header includes every public header."""
from __future__ import annotations

import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_umbrella_header_includes_every_public_header():
    include = ROOT / "include"
    headers = {p.relative_to(include).as_posix() for p in include.glob("cxkit/*/*.hpp")}
    assert len(headers) > 40
    umbrella = (include / "cxkit" / "cxkit.hpp").read_text()
    included = set(re.findall(r'#include "(cxkit/[^"]+)"', umbrella))
    assert headers - included == set(), "add these to include/cxkit/cxkit.hpp"
    assert included - headers == set(), "the umbrella includes headers that do not exist"

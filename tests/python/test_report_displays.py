"""Notebook displays of the KPI results (issue 14): `cxkit.nps(...)` showed `low=-29.782658786036354,
variance=0.6400000000000001`; the repr and the HTML are rounded, the fields keep the exact numbers."""
from __future__ import annotations

import re

import cxkit


def test_kpi_results_display_rounded():
    r = cxkit.nps([10, 9, 8, 3, 10])
    assert repr(r) == ("NpsResult(value=40.0, low=-29.8, high=79.8, n=5, promoters=3, passives=1, detractors=1, "
                       "variance=0.640, confidence=95%)")
    assert r.low == -29.782658786036354  # the exact value is one attribute away
    shown = [repr(cxkit.csat([5, 4, 2, 5])), repr(cxkit.ces([6, 7, 3])),
             repr(cxkit.nps_test([10, 9, 9, 7, 3, 10, 8], [6, 5, 9, 7, 2, 8])), r._repr_html_(),
             cxkit.csat([5, 4, 2, 5])._repr_html_()]
    for text in shown:
        assert not re.search(r"\d\.\d{5,}", text), text
    assert "NPS 40.0 [-29.8, 79.8]" in r._repr_html_()
    assert str(cxkit.nps_test([10, 9, 9, 7, 3, 10, 8], 32)).startswith("difference ")
    assert cxkit.nps([1, 10]) == cxkit.nps([1, 10])  # still plain frozen dataclasses: equality, hashing
    assert hash(cxkit.ces([6, 7, 3])) == hash(cxkit.ces([6, 7, 3]))

"""Consent per purpose (issue 15): a customer without consent never appears in an individual-level output."""
from __future__ import annotations

import pandas as pd
import pytest

import cxkit
from cxkit.privacy import Consent


@pytest.fixture(scope="module")
def buys() -> pd.DataFrame:
    return pd.DataFrame({"customer_id": [1, 1, 2, 2, 2, 3, 4, 4], "item": list("abcabbac")})


def test_defaults_privacy_first_for_acting_everyone_for_aggregates():
    c = Consent(pd.DataFrame({"customer_id": ["a", "b", "c"], "personalisation": [True, False, None],
                              "analytics": [True, False, None]}))
    assert c.allows(["a", "b", "c", "z"], "personalisation").tolist() == [True, False, False, False]
    assert c.allows(["a", "b", "c", "z"], "analytics").tolist() == [True, False, True, True]
    assert c.allows(["a"], "contact").tolist() == [False]
    assert "personalisation: 1 given, 1 withdrawn" in repr(c)


def test_bad_tables_are_refused():
    with pytest.raises(ValueError, match="appears twice"):
        Consent(pd.DataFrame({"customer_id": [1, 1], "contact": [True, True]}))
    with pytest.raises(ValueError, match="row 1: a consent flag"):
        Consent(pd.DataFrame({"customer_id": [1, 2], "contact": [True, "yes"]}))
    with pytest.raises(ValueError, match="purpose 'marketing'"):
        Consent(pd.DataFrame({"customer_id": [1], "m": [True]}), purposes={"marketing": "m"})


def test_recommendations_leave_out_customers_without_consent(buys):
    rec = cxkit.segment.Recommender().fit(buys)
    consent = Consent(pd.DataFrame({"customer_id": [1, 2, 3], "personalisation": [True, False, True],
                                    "contact": [True, True, False]}))
    out = rec.recommend(n=2, consent=consent)
    assert set(out["customer_id"]) <= {1, 3}
    assert 2 not in set(out["customer_id"]) and 4 not in set(out["customer_id"])
    assert out.attrs["left_out"] == 2
    summary = pd.DataFrame({"frequency": [4.0, 1.0, 1.0, 2.0], "recency": [30.0, 20.0, 3.0, 9.0],
                            "T": [32.0, 30.0, 30.0, 30.0]}, index=pd.Index([1, 2, 3, 4], name="customer_id"))
    model = cxkit.clv.BetaGeoModel.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
    who = rec.recommend(n=1, timing=(model, summary), horizon=4, consent=consent)
    assert set(who["customer_id"]) == {1}
    assert who.attrs["left_out"] == 3


def test_filter_any_list_of_individuals():
    c = Consent(pd.DataFrame({"customer_id": [1, 2], "contact": [True, False]}))
    top = pd.DataFrame({"customer_id": [2, 1, 3], "clv": [900.0, 500.0, 100.0]})
    out = c.filter(top, "contact")
    assert out["customer_id"].tolist() == [1]
    assert out.attrs["left_out"] == 2

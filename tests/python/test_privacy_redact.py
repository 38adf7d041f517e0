"""Redaction of personal data in text (issue 15), checked against independent regular expressions on the shipped
support tickets, and sentiment on redacted text against sentiment on the original."""
from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

import cxkit
from cxkit import privacy

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")


@pytest.fixture(scope="module")
def tickets() -> pd.DataFrame:
    return cxkit.datasets.load_support_tickets()


def test_examples():
    texts = ["Mail ann.lee@example.com or call +1 (555) 123-4567.",
             "Card 4111 1111 1111 1111, order 1234567 on 2024-01-31.",
             "Nothing personal here.", ""]
    out, counts = privacy.redact(texts)
    assert out == ["Mail [email] or call [phone].", "Card [card], order 1234567 on 2024-01-31.",
                   "Nothing personal here.", ""]
    assert (counts.emails, counts.phones, counts.cards, counts.names, counts.total) == (1, 1, 1, 0, 3)


def test_names_are_the_rows_own():
    out, counts = privacy.redact(["Hi Ann, Ann Lee here", "Hi Ann"], names=["Ann Lee", "Bob Ray"])
    assert out == ["Hi [name], [name] here", "Hi Ann"]
    assert counts.names == 2
    with pytest.raises(ValueError, match="names"):
        privacy.redact(["a", "b"], names=["x"])


def test_the_tickets_keep_no_email_address_or_customer_name(tickets):
    texts = tickets["Ticket Description"]
    out, counts = privacy.redact(texts, names=tickets["Customer Name"])
    assert isinstance(out, pd.Series) and out.index.equals(texts.index)
    expected_emails = sum(len(EMAIL.findall(t)) for t in texts)
    assert expected_emails > 50
    assert counts.emails == expected_emails
    assert not any(EMAIL.search(t) for t in out)
    for name, text in zip(tickets["Customer Name"], out):
        for word in name.split():
            if len(word) >= 2:
                assert not re.search(rf"(?<![A-Za-z0-9_]){re.escape(word)}(?![A-Za-z0-9_])", text, re.I), (name, text)
    assert counts.names > 0


def test_sentiment_on_redacted_tickets_stays_with_the_original(tickets):
    texts = tickets["Ticket Description"]
    out, counts = privacy.redact(texts, names=tickets["Customer Name"])
    before = cxkit.voc.sentiment(texts)["compound"].to_numpy()
    after = cxkit.voc.sentiment(out)["compound"].to_numpy()
    changed = np.flatnonzero(out.to_numpy() != texts.to_numpy())
    assert len(changed) > 100
    unchanged = np.setdiff1d(np.arange(len(texts)), changed)
    assert np.array_equal(before[unchanged], after[unchanged])
    # Markers replace words VADER does not score: a redacted text's compound moves only through the word count.
    assert np.max(np.abs(before - after)) < 0.05
    assert abs(before.mean() - after.mean()) < 1e-3


def test_missing_text_is_refused():
    with pytest.raises(ValueError, match="row 1: is missing"):
        privacy.redact(["a", None])

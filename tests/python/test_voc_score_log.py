"""Sentiment into the EventLog and the scorecard: EventLog.from_pandas(..., score_text=True) and
cxkit.voc.score_log(log). The scorecard's sentiment must equal the mean of the vaderSentiment package's compound
scores (the reference, from PyPI) per group, over the rows that have text."""

import numpy as np
import pandas as pd
import pytest

import cxkit

vader = pytest.importorskip("vaderSentiment.vaderSentiment")


@pytest.fixture(scope="module")
def tickets():
    t = cxkit.datasets.load_support_tickets()
    df = pd.DataFrame({
        "customer_id": t["Customer Email"],
        "time": t["Date of Purchase"],
        "channel": t["Ticket Channel"],
        "text": t["Resolution"],  # missing for the open tickets: those rows have no sentiment
    })
    df.loc[[3, 10], "text"] = ""  # blank texts: no sentiment either
    df.loc[[5], "text"] = " \t "
    return df


def reference_by_channel(df: pd.DataFrame) -> pd.DataFrame:
    an = vader.SentimentIntensityAnalyzer()
    has_text = df["text"].notna() & df["text"].fillna("").str.strip().ne("")
    scored = df[has_text].assign(compound=[an.polarity_scores(s)["compound"] for s in df.loc[has_text, "text"]])
    return scored.groupby("channel")["compound"].agg(["mean", "size"])


def test_from_pandas_score_text_feeds_the_scorecard(tickets):
    ref = reference_by_channel(tickets)
    log = cxkit.EventLog.from_pandas(tickets, score_text=True)
    assert "sentiment" in log.columns
    card = cxkit.scorecard(log, by="channel").set_index("channel")
    np.testing.assert_allclose(card.loc[ref.index, "sentiment"].to_numpy(), ref["mean"].to_numpy(), rtol=0,
                               atol=1e-12)
    assert (card.loc[ref.index, "sentiment_n"].to_numpy() == ref["size"].to_numpy()).all()
    overall = cxkit.scorecard(log)
    an = vader.SentimentIntensityAnalyzer()
    texts = [s for s in tickets["text"].dropna() if s.strip()]
    assert overall["sentiment"].iloc[0] == pytest.approx(np.mean([an.polarity_scores(s)["compound"] for s in texts]),
                                                         abs=1e-12)


def test_missing_and_blank_text_have_no_sentiment(tickets):
    log = cxkit.EventLog.from_pandas(tickets.iloc[:20], score_text=True)
    df = log.to_pandas()
    blank = df["text"].str.strip().eq("")
    assert df.loc[blank, "sentiment"].isna().all()
    assert df.loc[~blank, "sentiment"].notna().all()
    an = vader.SentimentIntensityAnalyzer()
    expected = [an.polarity_scores(s)["compound"] for s in df.loc[~blank, "text"]]
    assert df.loc[~blank, "sentiment"].tolist() == expected


def test_score_log_equals_from_pandas(tickets):
    plain = cxkit.EventLog.from_pandas(tickets.assign(region=tickets["channel"].str[:3], spend=1.5),
                                       categoricals=["region"], measures=["spend"])
    assert "sentiment" not in plain.columns
    scored = cxkit.voc.score_log(plain)
    assert "sentiment" not in plain.columns  # the original is left alone
    assert set(scored.columns) == set(plain.columns) | {"sentiment"}
    direct = cxkit.EventLog.from_pandas(tickets, score_text=True)
    a = cxkit.scorecard(scored, by="channel").set_index("channel")
    b = cxkit.scorecard(direct, by="channel").set_index("channel")
    pd.testing.assert_series_equal(a["sentiment"], b["sentiment"])
    by_region = cxkit.scorecard(scored, by="region")  # the extra categorical survived
    assert len(by_region) == tickets["channel"].str[:3].nunique()
    ref = reference_by_channel(tickets)
    np.testing.assert_allclose(a.loc[ref.index, "sentiment"].to_numpy(), ref["mean"].to_numpy(), atol=1e-12)


def test_score_log_with_a_user_lexicon(tmp_path):
    lex = tmp_path / "fa.txt"
    lex.write_text("خوب\t2.0\nبد\t-2.0\n", encoding="utf-8")
    df = pd.DataFrame({"customer_id": [1, 1, 2], "time": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03"]),
                       "text": ["خوب", "بد", "خوب خوب"]})
    got = cxkit.voc.score_log(cxkit.EventLog.from_pandas(df), lexicon=str(lex)).to_pandas()["sentiment"]
    # compound = x / sqrt(x^2 + 15), x the sum of valences (VADER's normalisation), rounded to 4 decimals
    expected = [round(x / np.sqrt(x * x + 15), 4) for x in (2.0, -2.0, 4.0)]
    assert got.tolist() == expected


def test_errors():
    df = pd.DataFrame({"customer_id": [1], "time": pd.to_datetime(["2024-01-01"]), "text": ["good"],
                       "sentiment": [0.5]})
    with pytest.raises(ValueError, match="already has a sentiment column"):
        cxkit.EventLog.from_pandas(df, score_text=True)
    with pytest.raises(ValueError, match="needs a text column"):
        cxkit.EventLog.from_pandas(df.drop(columns=["text"]), score_text=True)
    log = cxkit.EventLog.from_pandas(df)
    with pytest.raises(ValueError, match="replace=True"):
        cxkit.voc.score_log(log)
    replaced = cxkit.voc.score_log(log, replace=True).to_pandas()
    assert replaced["sentiment"].tolist() == [vader.SentimentIntensityAnalyzer().polarity_scores("good")["compound"]]
    with pytest.raises(ValueError, match="no text column"):
        cxkit.voc.score_log(cxkit.EventLog.from_pandas(df.drop(columns=["text"])))
    with pytest.raises(TypeError):
        cxkit.voc.score_log(df)


def test_an_empty_sentiment_column_is_filled():
    # the canonical event table of the support tickets has a sentiment column with no values: scoring fills it
    df = pd.DataFrame({"customer_id": [1, 2], "time": pd.to_datetime(["2024-01-01", "2024-01-02"]),
                       "text": ["good", "bad"], "sentiment": [np.nan, np.nan]})
    sia = vader.SentimentIntensityAnalyzer()
    expected = [sia.polarity_scores(t)["compound"] for t in ("good", "bad")]
    got = cxkit.EventLog.from_pandas(df, score_text=True).to_pandas()["sentiment"].tolist()
    assert got == expected
    log = cxkit.EventLog.from_pandas(df)
    assert cxkit.voc.score_log(log).to_pandas()["sentiment"].tolist() == expected

"""cxkit.voc.sentiment against the vaderSentiment package (the reference implementation, from PyPI), on a corpus
of 10,000+ sentences built here: the shipped support tickets, the package's README examples and generated edge
cases (negations, boosters, caps, "but", emoji, punctuation, odd whitespace and scripts). Plus the bad input."""

import random
import re

import numpy as np
import pandas as pd
import pytest

import cxkit

vader = pytest.importorskip("vaderSentiment.vaderSentiment")

KEYS = ["neg", "neu", "pos", "compound"]

README = [
    "VADER is smart, handsome, and funny.", "VADER is smart, handsome, and funny!",
    "VADER is very smart, handsome, and funny.", "VADER is VERY SMART, handsome, and FUNNY.",
    "VADER is VERY SMART, handsome, and FUNNY!!!", "VADER is VERY SMART, uber handsome, and FRIGGIN FUNNY!!!",
    "VADER is not smart, handsome, nor funny.", "The book was good.", "At least it isn't a horrible book.",
    "The book was only kind of good.",
    "The plot was good, but the characters are uncompelling and the dialog is not great.", "Today SUX!",
    "Today only kinda sux! But I'll get by, lol", "Make sure you :) or :D today!",
    "Catch utf-8 emoji such as 💘 and 💋 and 😁", "Not bad at all",
    "Sentiment analysis has never been good.", "Sentiment analysis has never been this good!",
    "Most automated sentiment analysis tools are shit.", "With VADER, sentiment analysis is the shit!",
    "Other sentiment analysis tools can be quite bad.", "On the other hand, VADER is quite bad ass",
    "VADER is such a badass!", "Without a doubt, excellent idea.",
    "Roger Dodger is one of the most compelling variations on this theme.",
    "Roger Dodger is at least compelling as a variation on the theme.",
    "Roger Dodger is one of the least compelling variations on this theme.", "Not such a badass after all.",
    "Without a doubt, an excellent idea.",
    "It was one of the worst movies I've seen, despite good reviews.", "Unbelievably bad acting!!",
    "Poor direction.", "VERY poor production.", "The movie was bad.", "Very bad movie.", "VERY BAD movie!",
    "balloons", "cake", "candles", "happy birthday", "friends", "laughing", "smiling", "party",
    "riot", "fire", "fight", "blood", "mob", "war", "police", "tear gas",
]

LEX_WORDS = ["good", "bad", "great", "horrible", "love", "hate", "happy", "sad", "excellent", "poor", "nice",
             "terrible", "helpful", "useless", "fine", "awful", "amazing", "broken", "thanks", "sorry", "no", "yes",
             "lol", "sux", "shit", "bomb", "ass", "death", "die", "heart", "right", "least", "doubt", "stop",
             ":)", ":(", ":D", ":-P", ";)", "<3", ":Þ", ":þ", "ok", "okay", "like", "kill", "fun", "funny",
             "smart", "lost", "fail", "failed", "win", "best", "worst", "pretty", "well", "help", "problem"]
MOD_WORDS = ["very", "extremely", "kind", "of", "sort", "kinda", "barely", "slightly", "not", "never", "isn't",
             "don't", "without", "so", "this", "but", "BUT", "But", "least", "at", "the", "no", "or", "nor",
             "just", "enough", "a", "it", "was", "is", "and", "VERY", "SO", "NOT", "really", "REALLY", "uber",
             "friggin", "FRIGGIN", "almost", "hardly", "more", "most", "yeah", "kiss", "to", "for", "bus",
             "beating", "bad", "ass", "cannot", "nothing", "rarely", "uh-uh", "aint", "despite"]
EMOJI = ["😁", "💘", "💋", "😠", "😢", "👍", "👎", "❤", "🙂", "😡", "🎉", "💩", "😂", "🤔", "🇫🇷", "👍🏽"]
PUNCT = ["", ".", "!", "!!", "!!!", "!!!!!", "?", "??", "???", "????", "?!", ",", "...", ":", ";", "'", '"', "(", ")"]
SPACES = [" "] * 12 + ["  ", "\t", "\u00a0", "\u2003", "\u3000", "\x0b", "\x0c", "\x1c", "\u200b", "\u2028"]
ODD = ["café", "CAFÉ", "Été", "ÉTÉ", "naïve", "İyi", "\u212aind of", "ΚΑΛΟ", "καλό", "ПЛОХО", "плохо",
       "ﬁne", "ŞAHANE", "ȘI", "ẞ", "Ⅻ", "ⓐ", "ᏣᎳᎩ", "Ա", "ՀԱՅ", "ﾟ", "GOOD", "Good",
       "GOOD!", "good!!", "g00d", "123", "2x", "n't", "can't", "CAN'T", "Isn't", "a.", "ab.", "abc.", "!!good",
       "(good)", "'bad'", "--no--", "...", "?", "!", "☺", "♥", "★", "⚡"]


def _generated(rng, n):
    out = []
    for _ in range(n):
        parts = []
        for _ in range(rng.randint(0, 14)):
            r = rng.random()
            w = (rng.choice(LEX_WORDS) if r < 0.35 else rng.choice(MOD_WORDS) if r < 0.75
                 else rng.choice(EMOJI) if r < 0.85 else rng.choice(ODD))
            if rng.random() < 0.15:
                w = w.upper()
            elif rng.random() < 0.1:
                w = w.capitalize()
            if rng.random() < 0.2:
                w = w + rng.choice(PUNCT)
            if rng.random() < 0.05:
                w = rng.choice(PUNCT) + w
            parts.append(w)
            parts.append(rng.choice(SPACES) if rng.random() < 0.15 else " ")
        s = "".join(parts)
        if rng.random() < 0.3:
            s += rng.choice(PUNCT)
        if rng.random() < 0.05:
            s = rng.choice(SPACES) + s
        out.append(s)
    return out


@pytest.fixture(scope="module")
def corpus():
    tickets = cxkit.datasets.load_support_tickets()
    sentences, seen = [], set()
    for col in ["Ticket Description", "Ticket Subject", "Resolution"]:
        for text in tickets[col].dropna():
            for part in re.split(r"(?<=[.!?])\s+|\n+", text):
                part = part.strip()
                if part and part not in seen:
                    seen.add(part)
                    sentences.append(part)
    rng = random.Random(20240601)
    generated = _generated(rng, 5000)
    an = vader.SentimentIntensityAnalyzer()
    for e in sorted(an.emojis)[:1500]:
        generated.append(f"this is {e} good{e}" if rng.random() < 0.5 else f"{e}{e} NOT bad")
    for w in ["absolutely", "kind of", "sort of", "just enough", "kinda", "never so", "never this",
              "without doubt", "no", "not", "least", "at least", "very least", "but", "BUT"]:
        for t in ["good", "bad", "GOOD", "the shit", "bad ass", "yeah right", "kiss of death", "to die for",
                  "beating heart", "bus stop", "the bomb"]:
            generated += [f"it is {w} {t}", f"It Is {w.upper()} {t}!", f"{w} {t} but {t} {w}",
                          f"{t} {w}??", f"{t} {w}????", f"{w.capitalize()} {t}!!!!!!"]
    generated += ["", " ", "!!!", "???", "\t\n", "but", "no", "NO", "not not good", "good good good but bad"]
    full = README + sentences + generated
    return full, [an.polarity_scores(s) for s in full], len(sentences)


def test_equals_vader_package(corpus):
    texts, ref, n_tickets = corpus
    assert len(texts) >= 10_000 and n_tickets > 3_000
    got = cxkit.voc.sentiment(texts)
    ref_df = pd.DataFrame(ref)[KEYS]
    equal4 = (got[KEYS].round(4).to_numpy() == ref_df.round(4).to_numpy()).all(axis=1)
    differences = [(texts[i], ref[i], got.iloc[i].to_dict()) for i in np.nonzero(~equal4)[0]]
    # Every difference would be listed here with its explanation; there are none: the port is bit-identical.
    assert differences == []
    assert equal4.mean() >= 0.999
    assert (got[KEYS].to_numpy() == ref_df.to_numpy()).all()  # bit-identical, not only to 4 decimals


def test_threads_do_not_change_result(corpus):
    texts = corpus[0][:3000]
    one = cxkit.voc.sentiment(texts, threads=1)
    two = cxkit.voc.sentiment(texts, threads=2)
    pd.testing.assert_frame_equal(one, two)


def test_inputs_and_missing():
    s = pd.Series(["good", None, "bad", float("nan"), ""], index=list("abcde"))
    df = cxkit.voc.sentiment(s)
    assert list(df.index) == list("abcde") and list(df.columns) == KEYS
    assert df.loc["b"].isna().all() and df.loc["d"].isna().all()
    assert df.loc["e"].tolist() == [0.0, 0.0, 0.0, 0.0]  # as the package scores ""
    assert cxkit.voc.sentiment("good").compound.iloc[0] == cxkit.voc.sentiment(["good"]).compound.iloc[0]
    assert cxkit.voc.sentiment(np.array(["good", "bad"], dtype=object)).shape == (2, 4)
    assert cxkit.voc.sentiment([b"good", "good"]).compound.nunique() == 1  # UTF-8 bytes accepted
    assert cxkit.voc.sentiment([]).shape == (0, 4)
    assert cxkit.voc.polarity_scores("VADER is smart, handsome, and funny.") == \
        vader.SentimentIntensityAnalyzer().polarity_scores("VADER is smart, handsome, and funny.")


def test_long_text():
    # The package is quadratic in the number of words (it lower-cases the whole text for every word), so it is
    # compared on a 6 kB text; the 1 MB text is checked for a sane, deterministic score in reasonable time.
    unit = "The agent was helpful but the refund is still missing. I am NOT happy!! "
    short = unit * 80
    got = cxkit.voc.sentiment([short]).iloc[0]
    ref = vader.SentimentIntensityAnalyzer().polarity_scores(short)
    assert [got[k] for k in KEYS] == [ref[k] for k in KEYS]
    big = (unit * 14_000)[:1_000_000]
    assert len(big.encode()) == 1_000_000
    a = cxkit.voc.sentiment([big, big[:500_000]], threads=2)
    assert np.isfinite(a.to_numpy()).all() and abs(a.neg + a.neu + a.pos - 1).max() < 2e-3
    pd.testing.assert_frame_equal(a.iloc[[0]], cxkit.voc.sentiment([big], threads=1))


def test_invalid_utf8_names_row():
    with pytest.raises(ValueError, match=r"row 2: invalid UTF-8 at byte 3"):
        cxkit.voc.sentiment([b"ok", "fine", b"bad\xff text"])
    with pytest.raises(ValueError, match=r"row 1: text is not valid Unicode"):
        cxkit.voc.sentiment(["ok", "lone \ud800 surrogate"])
    with pytest.raises(TypeError, match="row 1"):
        cxkit.voc.sentiment(["ok", 3])
    with pytest.raises(ValueError, match="threads"):
        cxkit.voc.sentiment(["ok"], threads=0)


def test_user_lexicon(tmp_path):
    # a small Persian lexicon in VADER's format
    fa = tmp_path / "fa.txt"
    fa.write_text("خوب\t2.0\t0.5\t[2, 2]\nبد\t-2.5\t0.5\t[-2, -3]\nعالی\t3.1\n", encoding="utf-8")
    got = cxkit.voc.sentiment(["خدمات خوب بود", "خیلی بد", "عالی!", "good"], lexicon=fa)
    assert got.compound.iloc[0] == round(2.0 / (4.0 + 15) ** 0.5, 4)
    assert got.compound.iloc[1] < 0 and got.compound.iloc[2] > 0
    assert got.compound.iloc[3] == 0  # English words are not in this lexicon
    lex = cxkit.voc.Lexicon.from_file(fa)
    assert len(lex) == 3 and lex["بد"] == -2.5 and "good" not in lex
    # the default lexicon, extended/overridden
    d = cxkit.voc.Lexicon.default().update({"meh": -0.5, "good": 3.0})
    assert d["good"] == 3.0 and cxkit.voc.Lexicon.default()["good"] == 1.9
    assert cxkit.voc.sentiment(["meh"], lexicon=d).compound.iloc[0] < 0
    assert d.emoji("😁") == "beaming face with smiling eyes"


def test_malformed_lexicon_line(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("good\t1.9\n\nbad -2.5\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad.txt line 3: no tab"):
        cxkit.voc.sentiment(["good"], lexicon=bad)
    bad.write_text("good\t1.9\nbad\tminus\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"line 2: valence 'minus' is not a number"):
        cxkit.voc.Lexicon.from_file(bad)
    bad.write_bytes(b"good\t1.9\nb\xffd\t-1\n")
    with pytest.raises(ValueError, match=r"line 2: invalid UTF-8"):
        cxkit.voc.Lexicon.from_file(bad)
    with pytest.raises(ValueError, match="cannot open"):
        cxkit.voc.Lexicon.from_file(tmp_path / "missing.txt")

"""VADER sentiment on cxkit's C++ port (bit-identical to the vaderSentiment package)."""
from __future__ import annotations

import os
from importlib import resources
from typing import Any, Iterable, Mapping

import numpy as np
import pandas as pd

from .. import _core

_voc = _core.voc  # the compiled VADER (src/bind_voc.cpp)

_WORDS = "vader_lexicon.txt"
_EMOJI = "emoji_utf8_lexicon.txt"


def _data_text(name: str) -> str:
    return (resources.files("cxkit.voc") / "data" / name).read_text(encoding="utf-8")


class Lexicon:
    """A VADER lexicon: token valences (-4..4) and emoji descriptions.

    The format is vaderSentiment's: one ``token<TAB>mean valence[<TAB>...]`` per line (``emoji<TAB>description``
    for emoji files), UTF-8. A malformed line raises ``ValueError`` naming the file and the line number.

    >>> lex = Lexicon.default()          # VADER's English lexicon and emoji (MIT, shipped with cxkit)
    >>> lex["good"]
    1.9
    >>> fa = Lexicon.from_file("persian.txt")   # doctest: +SKIP
    """

    def __init__(self, core: "_core.voc.Lexicon | None" = None) -> None:
        self._core = core if core is not None else _voc.Lexicon()
        self._vader: _core.voc.Vader | None = None

    @classmethod
    def default(cls) -> "Lexicon":
        """VADER's own lexicon and emoji table (a fresh copy: updating it leaves the default alone)."""
        return cls(_default_lexicon()._core.__copy__())

    @classmethod
    def from_file(cls, path: str | os.PathLike, emoji: str | os.PathLike | None = None) -> "Lexicon":
        """A lexicon from a file in VADER's format (and optionally an emoji file); nothing else."""
        lex = cls()
        lex._core.add_words_file(os.fspath(path))
        if emoji is not None:
            lex._core.add_emoji_file(os.fspath(emoji))
        return lex

    def update(self, words: str | os.PathLike | Mapping[str, float]) -> "Lexicon":
        """Adds or replaces entries, from a lexicon file or a mapping token -> valence; returns self."""
        if isinstance(words, Mapping):
            for k, v in words.items():
                self._core.set(str(k), float(v))
        else:
            self._core.add_words_file(os.fspath(words))
        self._vader = None
        return self

    def update_emoji(self, path: str | os.PathLike) -> "Lexicon":
        """Adds or replaces emoji descriptions from a file in VADER's emoji format; returns self."""
        self._core.add_emoji_file(os.fspath(path))
        self._vader = None
        return self

    def __getitem__(self, token: str) -> float:
        v = self._core.get(token)
        if v is None:
            raise KeyError(token)
        return v

    def get(self, token: str, default: Any = None) -> Any:
        v = self._core.get(token)
        return default if v is None else v

    def __contains__(self, token: str) -> bool:
        return self._core.get(token) is not None

    def emoji(self, e: str) -> str | None:
        """The description an emoji (one code point) is replaced by, or None."""
        return self._core.emoji(e)

    def __len__(self) -> int:
        return len(self._core)

    def __repr__(self) -> str:
        return f"Lexicon({len(self)} tokens, {self._core.emoji_count} emoji)"

    def _analyzer(self) -> "_core.voc.Vader":
        if self._vader is None:
            self._vader = _voc.Vader(self._core)
        return self._vader


_DEFAULT: Lexicon | None = None


def _default_lexicon() -> Lexicon:
    global _DEFAULT
    if _DEFAULT is None:
        core = _voc.Lexicon()
        core.add_words(_data_text(_WORDS), _WORDS)
        core.add_emoji(_data_text(_EMOJI), _EMOJI)
        _DEFAULT = Lexicon(core)
    return _DEFAULT


def _as_list(texts: Any) -> tuple[list, Any]:
    if isinstance(texts, (str, bytes)):
        return [texts], None
    if isinstance(texts, pd.Series):
        return texts.tolist(), texts.index
    if isinstance(texts, np.ndarray):
        return texts.ravel().tolist(), None
    if isinstance(texts, list):
        return texts, None
    return list(texts), None


def sentiment(texts: Iterable[str] | str, lexicon: Lexicon | str | os.PathLike | None = None,
              threads: int | None = None) -> pd.DataFrame:
    """VADER sentiment of each text: a DataFrame with ``neg``, ``neu``, ``pos`` (shares, 3 decimals) and
    ``compound`` (-1..1, 4 decimals), equal to ``vaderSentiment``'s ``polarity_scores``.

    Parameters
    ----------
    texts : list, pandas Series, numpy array or iterable of str (or UTF-8 bytes); a single str is one row.
        ``None``/NaN is a missing text: its row is NaN. An empty string scores neu = compound = 0 as in VADER.
    lexicon : None (VADER's English lexicon and emoji), a :class:`Lexicon`, or the path of a lexicon file in
        VADER's format (words only, e.g. for another language).
    threads : number of threads (default: one per core). The result does not depend on it.

    Raises ``ValueError`` naming the row for invalid UTF-8 (bytes) or unencodable text (lone surrogates).
    The index is the Series' index when a Series is given.
    """
    if lexicon is None:
        lex = _default_lexicon()
    elif isinstance(lexicon, Lexicon):
        lex = lexicon
    else:
        lex = Lexicon.from_file(lexicon)
    rows, index = _as_list(texts)
    if threads is not None and threads < 1:
        raise ValueError("threads must be >= 1 (or None for one per core)")
    scores = lex._analyzer().score_many(rows, 0 if threads is None else int(threads))
    return pd.DataFrame(scores, columns=["neg", "neu", "pos", "compound"], index=index)


def polarity_scores(text: str, lexicon: Lexicon | None = None) -> dict[str, float]:
    """vaderSentiment's ``polarity_scores`` for one text: ``{"neg", "neu", "pos", "compound"}``."""
    lex = _default_lexicon() if lexicon is None else lexicon
    neg, neu, pos, compound = lex._analyzer().score(text)
    return {"neg": neg, "neu": neu, "pos": pos, "compound": compound}


def text_compound(texts: Iterable[Any], lexicon: Lexicon | str | os.PathLike | None = None,
                  threads: int | None = None) -> np.ndarray:
    """The VADER compound score of each text as a float64 array, NaN where the text is missing (None/NaN) or
    blank (empty or whitespace only: no words, so no sentiment to average; VADER itself would say 0)."""
    rows, _ = _as_list(texts)
    out = sentiment(rows, lexicon=lexicon, threads=threads)["compound"].to_numpy(dtype=np.float64, copy=True)
    for i, t in enumerate(rows):
        if isinstance(t, str):
            if not t or t.isspace():
                out[i] = np.nan
        elif isinstance(t, (bytes, bytearray)) and not bytes(t).strip():
            out[i] = np.nan
    return out


def score_log(log: Any, lexicon: Lexicon | str | os.PathLike | None = None, *, replace: bool = False,
              threads: int | None = None) -> Any:
    """A new EventLog: ``log`` with its text scored by VADER into the ``sentiment`` measure (the compound score),
    so :func:`cxkit.scorecard` reports mean sentiment per group.

    Parameters
    ----------
    log : EventLog with a text column.
    lexicon : as in :func:`sentiment` (default: VADER's English lexicon).
    replace : bool
        Replace an existing ``sentiment`` column (default: an existing one with values is an error; an empty one
        is filled).
    threads : as in :func:`sentiment`.

    Rows whose text is blank get NaN (no sentiment). The new log has the same events, columns and order; the
    original is left unchanged. Rows that ``errors="drop"`` skipped when the original was built are gone from
    both, but the count of them is not carried over.

    >>> import pandas as pd, cxkit
    >>> df = pd.DataFrame({"customer_id": [1, 2], "time": pd.to_datetime(["2024-01-01", "2024-01-02"]),
    ...                    "text": ["Great help, thanks!", "Still broken."]})
    >>> cxkit.voc.score_log(cxkit.EventLog.from_pandas(df)).to_pandas()["sentiment"].tolist()
    [0.8748, -0.4767]
    """
    from .._eventlog import CATEGORICALS, MEASURES, EventLog

    if not isinstance(log, EventLog):
        raise TypeError(f"score_log expects a cxkit.EventLog, got {type(log).__name__}")
    core = log._core
    if not core.has_text():
        raise ValueError("the log has no text column to score (build it with text='your column')")
    measures = list(core.measure_names())
    df = log.to_pandas()
    # an empty sentiment column (no values, as in a canonical event table) is there to be filled
    if "sentiment" in measures and not replace and df["sentiment"].notna().any():
        raise ValueError("the log already has a sentiment column; pass replace=True to score the text instead")
    df["sentiment"] = text_compound(df["text"], lexicon=lexicon, threads=threads)
    extra_c = [c for c in core.categorical_names() if c not in CATEGORICALS]
    extra_m = [m for m in measures if m not in MEASURES]
    return EventLog.from_pandas(df, "customer_id", "time", categoricals=extra_c, measures=extra_m)

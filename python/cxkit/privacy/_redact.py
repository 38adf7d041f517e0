"""Redaction of personal data (e-mail addresses, phone numbers, payment cards, the customer's names) in text."""
from __future__ import annotations

from typing import Any

from .._core import privacy as _cp
from ._columns import as_utf8, buffers, from_buffers, like_input

RedactionCounts = _cp.RedactionCounts


def redact(texts: Any, names: Any = None, *, threads: int = 0) -> tuple[Any, RedactionCounts]:
    """Replaces personal data in each text by a marker and counts what it replaced: e-mail addresses
    ("[email]"), phone numbers ("[phone]": 7-15 digits with separators or a "+", or 10-15 plain digits; dates are
    kept), payment-card numbers that pass the Luhn check ("[card]"), and, when ``names`` gives each row's
    customer name, that name and its words as whole words in any case ("[name]").

    Returns (the redacted texts in the input's kind, RedactionCounts). Missing texts are refused.

    >>> import cxkit
    >>> out, counts = cxkit.privacy.redact(["Mail ann@example.com or call +1 555 123 4567"])
    >>> out
    ['Mail [email] or call [phone]']
    >>> counts.total
    2
    """
    arr = as_utf8(texts, "texts")
    offsets, data = buffers(arr)
    name_offsets = name_data = None
    if names is not None:
        names_arr = as_utf8(names, "names")
        if len(names_arr) != len(arr):
            raise ValueError(f"column 'names': has {len(names_arr)} rows, the texts {len(arr)}")
        name_offsets, name_data = buffers(names_arr)
    out_offsets, out_data, counts = _cp.redact_utf8(offsets, data, name_offsets, name_data, threads)
    return like_input(from_buffers(out_offsets, out_data), texts), counts

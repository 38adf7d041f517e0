"""EventLog: the columnar log of customer touchpoint events, from pandas, CSV or Arrow."""
from __future__ import annotations

import abc
import html
import os
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping

import numpy as np
import pandas as pd

from .. import _core

#: The standard event columns: name -> kind. Any other column can be added as a categorical or a measure.
CATEGORICALS = ("channel", "stage", "touchpoint", "kind")
MEASURES = ("value", "nps", "csat", "ces", "response_time", "fcr", "sentiment")
_DEFAULT_NAMES = {"customer": ("customer_id", "customer"), "time": ("time", "timestamp")}


_UNITS_NS = {"D": 86_400 * 10**9, "h": 3_600 * 10**9, "m": 60 * 10**9, "s": 10**9, "ms": 10**6, "us": 10**3,
             "ns": 1}
_I64_MIN, _I64_MAX = -(2**63), 2**63 - 1
_RANGE = "1677-09-21 00:12:43 to 2262-04-11 23:47:16 UTC (int64 nanoseconds)"

if TYPE_CHECKING:
    class InputError(ValueError):
        """A ValueError for bad input that names where it is (the compiled class, cxkit._core.core.InputError)."""

        column: str | None
        row: int | None
        rule: str
else:
    InputError = _core.core.InputError
    InputError.__doc__ = ("A ValueError for bad input that names where it is: ``column``, ``row`` (None when the "
                          "problem is not one row) and ``rule``.")


def _message(column: str, row: int | None, rule: str) -> str:
    """The one shape of an input error, as the core words it: "column 'c', row r: rule"."""
    where = f"column '{column}'" + (f", row {row}" if row is not None else "")
    return f"{where}: {rule}"


def _error(column: str, row: int | None, rule: str) -> InputError:
    e = InputError(_message(column, row, rule))
    e.column, e.row, e.rule = column, row, rule
    return e


def _csv_error(path: str, line: int | None, column: str | None, rule: str) -> InputError:
    """An input error in a CSV file: "path, line 12, column 'nps': rule" (``row`` holds the line number)."""
    where = path + (f", line {line}" if line is not None else "") + (f", column '{column}'" if column else "")
    e = InputError(f"{where}: {rule}")
    e.column, e.row, e.rule = column, line, rule
    return e


class _Conversion:
    """What converting one frame needs to remember: the mode, the names errors use, and in drop mode the rows a
    conversion could not read (handed to the core, which skips and counts them with its own)."""

    def __init__(self, errors: str, names: Mapping[str, str]):
        self.errors = errors
        self.names = dict(names)
        self.flagged: list[tuple[str, str, list[int]]] = []

    def shown(self, column: str) -> str:
        return self.names.get(column, column)

    def bad(self, column: str, rule: str, rows: np.ndarray, detail: str | None = None) -> None:
        """Rows that broke `rule`: an error naming the first one, or (drop mode) flagged for the core."""
        rows = np.asarray(rows, dtype=np.int64)
        if len(rows) == 0:
            return
        if self.errors == "raise":
            raise _error(self.shown(column), int(rows[0]), rule + (f", got {detail}" if detail is not None else ""))
        self.flagged.append((column, rule, rows.tolist()))


def _utf8_or_none(v: object) -> str | None:
    """v as valid UTF-8 text (bytes decoded), or None when it is not text that can be stored."""
    if isinstance(v, (bytes, bytearray)):
        try:
            return bytes(v).decode("utf-8")
        except UnicodeDecodeError:
            return None
    if isinstance(v, str):
        try:
            v.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate
            return None
        return v
    return str(v)


def _is_missing(v: object) -> bool:
    return v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and v != v)


def _require_time_unit(unit: str | None, name: str, conv: _Conversion) -> str:
    """Numbers are times only with a unit the user names: epoch seconds are never guessed to be nanoseconds."""
    if unit is None:
        raise _error(conv.shown(name), None, "holds numbers: pass time_unit='s' (or 'ms', 'us', 'ns', 'D') to "
                     "say what they count since 1970-01-01 UTC")
    if unit not in _UNITS_NS:
        raise ValueError(f"time_unit must be one of {', '.join(_UNITS_NS)}, got {unit!r}")
    return unit


def _numeric_times(values: np.ndarray, name: str, conv: _Conversion, unit: str) -> np.ndarray:
    """Numbers counting `unit` since the epoch, as int64 ns; exact, or an error for values out of range."""
    factor = _UNITS_NS[unit]
    out = np.full(len(values), _I64_MIN, dtype=np.int64)
    if values.dtype.kind == "f":
        missing = np.isnan(values)
        ns = values * float(factor)
        ok = ~missing & np.isfinite(ns) & (ns > -9.2e18) & (ns < 9.2e18)
        out[ok] = np.rint(ns[ok]).astype(np.int64)
    else:
        missing = np.zeros(len(values), dtype=bool)
        if values.dtype.kind == "u":
            ok = values <= np.uint64(_I64_MAX // factor)
        else:
            ok = (values >= -(_I64_MAX // factor)) & (values <= _I64_MAX // factor)
        out[ok] = values[ok].astype(np.int64) * factor
    out_of_range = np.flatnonzero(~ok & ~missing)
    if len(out_of_range):
        v = values[out_of_range[0]]
        conv.bad(name, f"timestamp is outside the range cxkit stores, {_RANGE}", out_of_range,
                 f"{v!r} {unit}")
    return out


def _datetimes(values: np.ndarray, name: str, conv: _Conversion) -> np.ndarray:
    """datetime64 of any unit as int64 ns, converted exactly (a value that does not fit is an error, not a wrap)."""
    unit, count = np.datetime_data(values.dtype)
    if unit == "ns" and count == 1:
        return values.view(np.int64)
    if unit not in _UNITS_NS or count != 1:
        raise _error(conv.shown(name), None, f"datetime64[{count if count != 1 else ''}{unit}] times are not "
                     "supported: convert them to datetime64[ns] or another unit from days to nanoseconds")
    raw = values.view(np.int64)
    nat = raw == _I64_MIN
    factor = _UNITS_NS[unit]
    ok = nat | ((raw >= -(_I64_MAX // factor)) & (raw <= _I64_MAX // factor))
    out = np.where(ok & ~nat, raw * factor if factor > 1 else raw, _I64_MIN)
    bad = np.flatnonzero(~ok)
    if len(bad):
        conv.bad(name, f"timestamp is outside the range cxkit stores, {_RANGE}", bad, str(values[bad[0]]))
    return out.astype(np.int64, copy=False)


def _to_ns(series: pd.Series, name: str, conv: _Conversion, unit: str | None, fmt: str | None) -> np.ndarray:
    """Timestamps as int64 ns since the epoch (UTC); missing stays the int64 minimum (the core flags it).

    Datetime types are taken as they are (any unit, converted exactly). Numbers need ``unit``; strings are
    ISO 8601 unless ``fmt`` says otherwise: an ambiguous date such as 01/02/2024 is never guessed."""
    s = series
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        s = s.dt.tz_convert("UTC").dt.tz_localize(None)
    if isinstance(s.dtype, pd.CategoricalDtype):
        s = s.astype(object)
    kind = s.dtype.kind
    if kind == "M":
        if unit is not None:
            raise _error(conv.shown(name), None, "time_unit is for numeric times; this column holds datetimes already")
        return _datetimes(s.to_numpy(), name, conv)
    if kind == "b" or str(s.dtype) == "boolean":
        raise _error(conv.shown(name), None, "timestamps cannot be booleans")
    if kind in "iuf" or pd.api.types.is_numeric_dtype(s.dtype):
        if s.isna().all():  # no value at all (an empty CSV column reads as float): every row is missing
            return np.full(len(s), _I64_MIN, dtype=np.int64)
        unit = _require_time_unit(unit, name, conv)
        if kind == "c":
            raise _error(conv.shown(name), 0, "timestamps cannot be complex numbers")
        values = s.to_numpy(dtype=np.float64, na_value=np.nan) if s.hasnans or kind not in "iu" else s.to_numpy()
        return _numeric_times(values, name, conv, unit)
    # object or string columns: datetime objects, strings, or (with time_unit) numbers
    inferred = pd.api.types.infer_dtype(s, skipna=True)
    if inferred in ("integer", "floating", "mixed-integer-float", "decimal"):
        return _to_ns(pd.to_numeric(s), name, conv, unit, fmt)
    if inferred in ("datetime", "datetime64", "date"):
        return _to_ns(pd.to_datetime(s, utc=True), name, conv, unit, fmt)
    if inferred not in ("string", "empty"):
        row = next(i for i, v in enumerate(s.tolist()) if not _is_missing(v) and not isinstance(v, str))
        raise _error(conv.shown(name), row, f"timestamps must be datetimes or strings, got {type(s.iloc[row]).__name__} "
                     f"{s.iloc[row]!r} (mixed types in one column)")
    text = s.astype(object)
    parsed = pd.to_datetime(text, errors="coerce", utc=True, format=fmt if fmt is not None else "ISO8601")
    bad_mask = (parsed.isna() & text.notna()).to_numpy()
    bad = np.flatnonzero(bad_mask)
    if len(bad):
        v = text.iloc[bad[0]]
        try:
            pd.to_datetime(v, utc=True, format=fmt if fmt is not None else "ISO8601")
            rule = "unparseable timestamp"
        except (pd.errors.OutOfBoundsDatetime, OverflowError):
            rule = f"timestamp is outside the range cxkit stores, {_RANGE}"
        except (ValueError, TypeError):
            rule = ("unparseable timestamp (expected ISO 8601 such as 2024-03-01 or 2024-03-01T12:00:00+01:00; "
                    "pass time_format='%d/%m/%Y' or similar for other layouts)") if fmt is None else \
                f"unparseable timestamp (expected time_format={fmt!r})"
        conv.bad(name, rule, bad, repr(v))
    return parsed.dt.tz_localize(None).to_numpy().view(np.int64)


def _measure(series: pd.Series, name: str, conv: _Conversion) -> tuple[np.ndarray, bool]:
    """A float64 array with NaN for missing, and whether the column held booleans (the core's rule decides if
    those mean anything). Complex numbers and values that are not numbers are errors naming the row."""
    s = series
    if isinstance(s.dtype, pd.CategoricalDtype):
        s = s.astype(object)
    kind = s.dtype.kind
    if s.dtype == np.float64:
        return s.to_numpy(), False
    if kind == "b" or str(s.dtype) == "boolean":
        return s.astype("Float64").to_numpy(dtype=np.float64, na_value=np.nan), True
    if kind == "c":  # refused as a column: dropping the imaginary part would be silently wrong
        given = np.flatnonzero(~np.isnan(s.to_numpy()))
        row = int(given[0]) if len(given) else 0
        raise _error(conv.shown(name), row, f"must be a real number, got complex {s.iloc[row]!r}")
    if kind in "iuf" or pd.api.types.is_numeric_dtype(s.dtype):
        return s.to_numpy(dtype=np.float64, na_value=np.nan), False
    values = s.tolist()
    present = [i for i, v in enumerate(values) if not _is_missing(v)]
    bools = [i for i in present if isinstance(values[i], (bool, np.bool_))]
    if bools and len(bools) == len(present):
        return np.array([np.nan if _is_missing(v) else float(v) for v in values], dtype=np.float64), True
    out = np.full(len(values), np.nan)
    bad_rows: list[int] = []
    first_detail = None
    for i in present:
        v = values[i]
        if isinstance(v, (bool, np.bool_, complex, np.complexfloating, bytes, bytearray)):
            x = None
        else:
            try:
                x = float(v)
            except (TypeError, ValueError):
                x = None
        if x is None:
            bad_rows.append(i)
            first_detail = first_detail or f"{type(v).__name__} {v!r}"
        else:
            out[i] = x
    conv.bad(name, "not a number", np.asarray(bad_rows, dtype=np.int64), first_detail)
    return out, False


def _labels(uniques: list[object], name: str, conv: _Conversion) -> tuple[np.ndarray, list[str], list[int]]:
    """Distinct values as text labels: a map old -> new code (values with the same text share one label) and
    the old codes that are not valid text."""
    norm = [_utf8_or_none(u) for u in uniques]
    invalid = [i for i, v in enumerate(norm) if v is None]
    codes, labels = pd.factorize(pd.Series([v if v is not None else "" for v in norm], dtype=object))
    remap = np.append(codes.astype(np.int32), np.int32(-1))  # index -1 (missing) stays -1
    return remap, [str(x) for x in labels], invalid


def _categorical(series: pd.Series, name: str, conv: _Conversion) -> tuple[np.ndarray, list[str]]:
    """int32 codes (-1 missing) and their labels (text; 1 and "1" are one label)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        codes = series.cat.codes.to_numpy().astype(np.int32)
        uniques = list(series.cat.categories)
    else:
        c, u = pd.factorize(series, use_na_sentinel=True)
        codes, uniques = c.astype(np.int32), list(u)
    remap, labels, invalid = _labels(uniques, name, conv)
    if invalid:
        rows = np.flatnonzero(np.isin(codes, invalid))
        conv.bad(name, "not valid UTF-8 text", rows, repr(uniques[invalid[0]]))
    if len(labels) != len(uniques):  # labels that collide as text (1 and "1") share one code
        codes = remap[codes]
    if invalid:
        codes[rows] = -1
    return codes, labels


def _customer_ids(series: pd.Series, name: str, conv: _Conversion) -> tuple[np.ndarray, np.ndarray | list[str]]:
    """Customer codes (int32, -1 missing) and the ids: int64 for an integer column, text otherwise. A column
    that mixes integers and strings is refused (1 and "1" would be one customer to one part and two to another)."""
    s = series.astype(object) if isinstance(series.dtype, pd.CategoricalDtype) else series
    kind = s.dtype.kind
    if kind == "b" or str(s.dtype) == "boolean":
        raise _error(conv.shown(name), None, "customer ids cannot be booleans")
    if kind == "c":
        raise _error(conv.shown(name), None, "customer ids cannot be complex numbers")
    inferred = pd.api.types.infer_dtype(s, skipna=True) if kind == "O" else None
    if inferred == "integer":  # Python ints in an object column
        s = pd.Series(s.tolist(), dtype=object)
        big = [i for i, v in enumerate(s) if not _is_missing(v) and not (_I64_MIN <= int(v) <= _I64_MAX)]
        if big:
            raise _error(conv.shown(name), big[0], f"integer customer ids must fit in int64, got {s.iloc[big[0]]} "
                         "(pass the ids as strings)")
        s = s.astype("Int64")
    elif inferred is not None and inferred not in ("string", "bytes", "empty"):
        values = s.tolist()
        kinds: dict[str, int] = {}
        for i, v in enumerate(values):
            if not _is_missing(v):
                kinds.setdefault(type(v).__name__, i)
        if not set(kinds) <= {"str", "bytes", "bytearray"}:  # text, some of it as bytes: decoded below
            first = sorted(kinds.values())
            raise _error(conv.shown(name), first[1] if len(first) > 1 else first[0],
                         f"customer ids mix types ({', '.join(kinds)}): convert the column to str or to int first")
    if s.dtype.kind == "u" and len(s) and s.max() > _I64_MAX:
        row = int(np.flatnonzero(s.to_numpy() > _I64_MAX)[0])
        raise _error(conv.shown(name), row, f"integer customer ids must fit in int64, got {s.iloc[row]} "
                     "(pass the ids as strings)")
    codes, uniques = pd.factorize(s, sort=True, use_na_sentinel=True)
    if len(uniques) >= 2**31 - 1:
        raise _error(conv.shown(name), None, "more than 2^31 - 1 distinct customers")
    codes32 = codes.astype(np.int32)
    del codes  # keep the int64 codes out of the build's peak memory
    if pd.api.types.is_integer_dtype(uniques.dtype):
        return codes32, np.ascontiguousarray(np.asarray(uniques, dtype=np.int64))
    remap, labels, invalid = _labels(list(uniques), name, conv)
    if invalid:
        rows = np.flatnonzero(np.isin(codes32, invalid))
        conv.bad(name, "customer id is not valid UTF-8 text", rows, repr(uniques[invalid[0]]))
        codes32[rows] = -1
    if len(labels) != len(uniques):  # ids whose text collides (e.g. 1.0 and "1.0"): one customer
        codes32 = remap[codes32]
    return codes32, labels


_PLAIN_INTEGER = r"-?(?:0|[1-9][0-9]*)"


def _integer_ids_as_int(ids: pd.Series) -> pd.Series:
    """CSV ids read as text, as int64 when every one is a plain integer that fits (else unchanged: "007", "7a")."""
    present = ids.dropna()
    if present.empty or not present.str.fullmatch(_PLAIN_INTEGER).all():
        return ids
    as_int = [int(v) for v in present]
    if min(as_int) < _I64_MIN or max(as_int) > _I64_MAX:
        return ids
    return ids.astype("Int64") if len(present) < len(ids) else ids.astype(np.int64)


def _text(values: list[object], name: str, conv: _Conversion) -> list[str]:
    """Strings as valid UTF-8; a bytes value that does not decode (or a lone surrogate) is an error naming the row."""
    out: list[str] = []
    bad: list[int] = []
    for i, v in enumerate(values):
        if _is_missing(v):
            out.append("")
            continue
        t = _utf8_or_none(v)
        if t is None:
            bad.append(i)
            t = ""
        out.append(t)
    conv.bad(name, "text is not valid UTF-8", np.asarray(bad), repr(values[bad[0]]) if bad else None)
    return out


class _Mapping:
    """Which source column feeds each log column, resolved once against the source's column names (a frame's,
    a table's or a Parquet dataset's schema: so a reader can project to these columns before reading)."""

    def __init__(self, customer: str, time: str, categoricals: dict[str, str | None],
                 measures: dict[str, str | None], text: str | None, score_text: bool):
        self.customer, self.time, self.text, self.score_text = customer, time, text, score_text
        self.categoricals, self.measures = categoricals, measures

    @property
    def columns(self) -> list[str]:
        """The source columns to read, each once, in a stable order."""
        cols = [self.customer, self.time, *self.categoricals.values(), *self.measures.values(), self.text]
        return list(dict.fromkeys(c for c in cols if c is not None))

    @classmethod
    def resolve(cls, available: list[Any], what: str, *, customer: str | None = None, time: str | None = None,
                channel: str | None = None, stage: str | None = None, touchpoint: str | None = None,
                kind: str | None = None, value: str | None = None, nps: str | None = None,
                csat: str | None = None, ces: str | None = None, response_time: str | None = None,
                fcr: str | None = None, sentiment: str | None = None, text: str | None = None,
                score_text: bool = False, categoricals: Iterable[str] | Mapping[str, str] = (),
                measures: Iterable[str] | Mapping[str, str] = ()) -> "_Mapping":
        present = set(available)

        def pick(given: str | None, role: str, defaults: tuple[str, ...], required: bool) -> str | None:
            if given is not None:
                if given not in present:
                    raise ValueError(f"column '{given}' (given as {role}=) is not in the {what}; "
                                     f"it has: {', '.join(map(str, available))}")
                return given
            for d in defaults:
                if d in present:
                    return d
            if required:
                raise ValueError(f"missing required column for {role}: pass {role}='your column' "
                                 f"(looked for {', '.join(defaults)})")
            return None

        cust_col = pick(customer, "customer", _DEFAULT_NAMES["customer"], True)
        time_col = pick(time, "time", _DEFAULT_NAMES["time"], True)
        given = dict(channel=channel, stage=stage, touchpoint=touchpoint, kind=kind, value=value, nps=nps,
                     csat=csat, ces=ces, response_time=response_time, fcr=fcr, sentiment=sentiment)
        cat_map = {name: pick(given[name], name, (name,), False) for name in CATEGORICALS}
        mea_map = {name: pick(given[name], name, (name,), False) for name in MEASURES}
        extra_c = dict(categoricals) if isinstance(categoricals, Mapping) else {c: c for c in categoricals}
        extra_m = dict(measures) if isinstance(measures, Mapping) else {c: c for c in measures}
        for name, col in {**extra_c, **extra_m}.items():
            pick(col, name, (), True)
        cat_map.update(extra_c)
        mea_map.update(extra_m)
        text_col = pick(text, "text", ("text",), False)
        if score_text and text_col is None:
            raise ValueError("score_text=True needs a text column: pass text='your column'")
        assert cust_col is not None and time_col is not None
        return cls(cust_col, time_col, cat_map, mea_map, text_col, score_text)


class _Columns(abc.ABC):
    """Where :meth:`EventLog._build` gets its columns: each method converts one source column to what the core
    takes, reporting bad values through the one :class:`_Conversion` (so every reader names column, row and rule
    the same way). The third value of ``categorical``/``measure`` says the array is an immutable buffer the log
    may keep without a copy."""

    @abc.abstractmethod
    def __len__(self) -> int:
        ...

    @abc.abstractmethod
    def has_values(self, col: str) -> bool:
        ...

    @abc.abstractmethod
    def customer_ids(self, col: str, name: str, conv: _Conversion) -> tuple[np.ndarray, np.ndarray | list[str]]:
        ...

    @abc.abstractmethod
    def times(self, col: str, name: str, conv: _Conversion, unit: str | None, fmt: str | None) -> np.ndarray:
        ...

    @abc.abstractmethod
    def categorical(self, col: str, name: str, conv: _Conversion) -> tuple[np.ndarray, list[str], bool]:
        ...

    @abc.abstractmethod
    def measure(self, col: str, name: str, conv: _Conversion) -> tuple[np.ndarray, bool, bool]:
        ...

    @abc.abstractmethod
    def text(self, col: str, name: str, conv: _Conversion) -> list[str]:
        ...


class _PandasColumns(_Columns):
    """The columns of a pandas DataFrame (every array is copied by the core: a frame is mutable)."""

    def __init__(self, df: pd.DataFrame):
        self.df = df

    def __len__(self) -> int:
        return len(self.df)

    def has_values(self, col: str) -> bool:
        return bool(self.df[col].notna().any())

    def customer_ids(self, col: str, name: str, conv: _Conversion) -> tuple[np.ndarray, np.ndarray | list[str]]:
        return _customer_ids(self.df[col], name, conv)

    def times(self, col: str, name: str, conv: _Conversion, unit: str | None, fmt: str | None) -> np.ndarray:
        return _to_ns(self.df[col], name, conv, unit, fmt)

    def categorical(self, col: str, name: str, conv: _Conversion) -> tuple[np.ndarray, list[str], bool]:
        return (*_categorical(self.df[col], name, conv), False)

    def measure(self, col: str, name: str, conv: _Conversion) -> tuple[np.ndarray, bool, bool]:
        return (*_measure(self.df[col], name, conv), False)

    def text(self, col: str, name: str, conv: _Conversion) -> list[str]:
        return _text(self.df[col].tolist(), name, conv)


# The core knows no sentiment model: from_pandas(score_text=True) calls the scorer registered here, and the voice of
# the customer area registers VADER when it is imported (``import cxkit`` imports it). So the dependency runs one
# way, voc -> core, with no import of voc from the core, lazy or not.
_text_scorer: Callable[[list[str]], Any] | None = None


def register_text_scorer(scorer: Callable[[list[str]], Any]) -> None:
    """Set the function that turns texts into sentiment scores in [-1, 1] (NaN for no text) for
    ``EventLog.from_pandas(..., score_text=True)``. :mod:`cxkit.voc` registers VADER's compound score."""
    global _text_scorer
    if not callable(scorer):
        raise TypeError(f"scorer: must be callable, got {type(scorer).__name__}")
    _text_scorer = scorer


def _score_text(text: list[str]) -> np.ndarray:
    """Scores for from_pandas(score_text=True), from the registered scorer (VADER)."""
    if _text_scorer is None:
        raise ValueError("score_text=True needs a text scorer: import cxkit.voc (import cxkit does) or call "
                         "cxkit.core.register_text_scorer")
    return np.asarray(_text_scorer(text), dtype=np.float64)


class EventLog:
    """A log of customer touchpoint events, columnar and sorted by (customer, time).

    Build one with :meth:`from_pandas`, :meth:`from_csv`, :meth:`from_arrow` (pyarrow, polars, DuckDB, any Arrow
    PyCapsule object) or :meth:`from_parquet`; for data larger than memory, :func:`cxkit.scan`. Every value is validated on the
    way in (NPS 0-10 whole, CSAT 1-5, CES 1-7, response times >= 0, sentiment in [-1, 1], timestamps present);
    a bad value raises ``ValueError`` naming the column, the row and the rule, or with ``errors="drop"`` its row
    is skipped and counted in :attr:`dropped`.

    Examples
    --------
    >>> import pandas as pd, cxkit
    >>> df = pd.DataFrame({"customer_id": ["a", "b", "a"],
    ...                    "time": pd.to_datetime(["2024-01-02", "2024-01-03", "2024-02-01"]),
    ...                    "channel": ["web", "phone", "web"], "nps": [9, 3, 10]})
    >>> log = cxkit.EventLog.from_pandas(df)
    >>> len(log), log.n_customers
    (3, 2)
    """

    def __init__(self, core: "_core.core.EventLog", *, source_rows: int | None = None, csv_dropped: int = 0,
                 names: Mapping[str, str] | None = None, zero_copy: Iterable[str] = ()):
        self._core = core
        self._names: dict[str, str] = dict(names or {})
        self._source_rows = len(core) if source_rows is None else source_rows
        self._csv_dropped = csv_dropped  # malformed CSV lines skipped before the frame was made
        self._csv_lines: np.ndarray | None = None  # data row -> CSV line, for a log read from a file
        self._csv_first_bad = -1
        self._zero_copy = list(zero_copy)
        self._customers = None

    # ----------------------------------------------------------------------------------------------- building
    @classmethod
    def from_pandas(cls, df: pd.DataFrame, customer: str | None = None, time: str | None = None, *,
                    channel: str | None = None, stage: str | None = None, touchpoint: str | None = None,
                    kind: str | None = None, value: str | None = None, nps: str | None = None,
                    csat: str | None = None, ces: str | None = None, response_time: str | None = None,
                    fcr: str | None = None, sentiment: str | None = None, text: str | None = None,
                    score_text: bool = False,
                    categoricals: Iterable[str] | Mapping[str, str] = (),
                    measures: Iterable[str] | Mapping[str, str] = (),
                    errors: str = "raise", time_unit: str | None = None,
                    time_format: str | None = None) -> "EventLog":
        """An EventLog from a DataFrame, mapping any column names to cxkit's columns.

        Parameters
        ----------
        df : DataFrame
        customer, time : str, optional
            The customer id (strings or integers) and timestamp columns. Default: ``customer_id`` / ``time``.
        channel, stage, touchpoint, kind : str, optional
            Categorical columns. Default: a column of that very name when the frame has one.
        value, nps, csat, ces, response_time, fcr, sentiment : str, optional
            Measure columns (revenue, NPS 0-10, CSAT 1-5, CES 1-7, seconds, resolved-at-first-contact flag,
            sentiment -1..1). Default: a column of that very name when present.
        text : str, optional
            Free text (feedback, ticket descriptions).
        score_text : bool
            Score the text with VADER (:func:`cxkit.voc.sentiment`) into the ``sentiment`` measure (the compound
            score), so :func:`cxkit.scorecard` reports mean sentiment. For a frame with a text column and no
            sentiment column (or one with no values); rows whose text is missing or blank get NaN (no sentiment). See also
            :func:`cxkit.voc.score_log` for a log already built.
        categoricals, measures : iterable of str or mapping {log name: frame column}
            Further columns to keep, e.g. ``categoricals=["region"]``.
        errors : {"raise", "drop"}
            What to do with an invalid row: raise :class:`cxkit.InputError` (a ``ValueError`` naming the column,
            the row and the rule; default) or skip the row and count it in :attr:`dropped`.
        time_unit : {"s", "ms", "us", "ns", "D"}, optional
            Required when the time column holds numbers: what they count since 1970-01-01 UTC. Datetime columns
            are taken as they are (any unit, converted exactly; a time outside 1677-2262 is an error).
        time_format : str, optional
            A ``strftime`` format for a text time column that is not ISO 8601 (e.g. ``"%d/%m/%Y"``): cxkit never
            guesses between day-first and month-first dates.

        The log owns its data: every column is read once into the log's own memory, in (customer, time) order,
        so changing the frame afterwards does not change the log. Customer ids are integers (int64) or text,
        never both in one column.
        """
        if errors not in ("raise", "drop"):
            raise ValueError(f'errors must be "raise" or "drop", got {errors!r}')
        if not isinstance(df, pd.DataFrame):
            raise TypeError(f"from_pandas expects a pandas DataFrame, got {type(df).__name__}")
        dup = df.columns[df.columns.duplicated()]
        if len(dup):
            where = np.flatnonzero(df.columns == dup[0]).tolist()
            raise _error(str(dup[0]), None, f"appears {len(where)} times in the frame (positions {where}): "
                         "rename or drop the copies")
        mapping = _Mapping.resolve(list(df.columns), "frame", customer=customer, time=time, channel=channel,
                                   stage=stage, touchpoint=touchpoint, kind=kind, value=value, nps=nps, csat=csat,
                                   ces=ces, response_time=response_time, fcr=fcr, sentiment=sentiment, text=text,
                                   score_text=score_text, categoricals=categoricals, measures=measures)
        return cls._build(_PandasColumns(df), mapping, errors, time_unit, time_format)

    @classmethod
    def _build(cls, source: "_Columns", mapping: "_Mapping", errors: str, time_unit: str | None,
               time_format: str | None) -> "EventLog":
        """The one conversion + validation layer every reader goes through (pandas, Arrow, Parquet, CSV, scans):
        each mapped column converted by the source, then validated and sorted by the core."""
        if errors not in ("raise", "drop"):
            raise ValueError(f'errors must be "raise" or "drop", got {errors!r}')
        cust_col, time_col, text_col = mapping.customer, mapping.time, mapping.text
        cat_map, mea_map = dict(mapping.categoricals), dict(mapping.measures)
        given_sentiment = mea_map.get("sentiment")
        if mapping.score_text and given_sentiment is not None:
            # an empty sentiment column (all missing, as in a canonical event table) is there to be filled
            if source.has_values(given_sentiment):
                raise ValueError(f"score_text=True, but the frame already has a sentiment column "
                                 f"('{given_sentiment}') with values: drop or rename it to score the "
                                 "text instead")
            mea_map["sentiment"] = None
        names = {"customer": cust_col, "time": time_col, "text": text_col,
                 **{k: v for k, v in cat_map.items() if v is not None},
                 **{k: v for k, v in mea_map.items() if v is not None}}
        # errors name the frame's own columns: "score (nps)" when the log calls it otherwise
        shown = {k: str(v) for k, v in names.items() if v is not None}
        conv = _Conversion(errors, shown)
        txt = source.text(text_col, "text", conv) if text_col is not None else None
        codes, ids = source.customer_ids(cust_col, "customer", conv)
        t = source.times(time_col, "time", conv, time_unit, time_format)
        cats, meas, booleans, immutable = [], [], [], []
        for name, col in cat_map.items():
            if col is not None:
                c, labels, frozen = source.categorical(col, name, conv)
                cats.append((name, np.ascontiguousarray(c, dtype=np.int32), labels))
                if frozen:
                    immutable.append(name)
        for name, col in mea_map.items():
            if col is None:
                continue
            values, is_bool, frozen = source.measure(col, name, conv)
            meas.append((name, np.ascontiguousarray(values, dtype=np.float64)))
            if frozen:
                immutable.append(name)
            if is_bool:
                booleans.append(name)
        if mapping.score_text:
            meas.append(("sentiment", _score_text(txt or [])))
            shown["sentiment"] = str(text_col)
            names["sentiment"] = text_col
        core = _core.core.EventLog.from_arrays(codes, ids, np.ascontiguousarray(t), cats, meas, txt, errors,
                                               immutable=set(immutable), boolean_measures=booleans,
                                               names=shown, flagged=conv.flagged)
        zero_copy = [name for name in immutable if name in mea_map and core.shares_input_memory(name)]
        return cls(core, source_rows=len(source), names={k: v for k, v in names.items() if v is not None},
                   zero_copy=zero_copy)

    @classmethod
    def from_csv(cls, path: str | os.PathLike, customer: str | None = None, time: str | None = None, *,
                 sep: str = ",", encoding: str = "utf-8", errors: str = "raise", **columns: Any) -> "EventLog":
        """An EventLog from a CSV file; keyword arguments map columns as in :meth:`from_pandas`.

        The file is read strictly: every line must have as many fields as the header (a longer first line is
        never taken as an index), quotes must close, and the bytes must be valid in ``encoding``. A malformed
        line raises :class:`cxkit.InputError` naming the file and the line; with ``errors="drop"`` it is skipped
        and counted in :attr:`dropped` (an unclosed quote is always an error: it swallows the rest of the file).
        Errors in values name the line too.
        """
        import csv
        import io

        if errors not in ("raise", "drop"):
            raise ValueError(f'errors must be "raise" or "drop", got {errors!r}')
        path = os.fspath(path)
        with open(path, "rb") as f:
            raw = f.read()
        bad_lines: list[int] = []
        try:
            content = raw.decode(encoding)
        except UnicodeDecodeError as e:
            if errors == "raise":
                line = raw[: e.start].count(b"\n") + 1
                raise _csv_error(path, line, None, f"not valid {encoding} (byte 0x{raw[e.start]:02x})") from None
            kept = []
            for i, ln in enumerate(raw.split(b"\n")):
                try:
                    kept.append(ln.decode(encoding))
                except UnicodeDecodeError:
                    bad_lines.append(i + 1)
                    kept.append("")  # a blank line keeps the numbering; pandas skips it
            content = "\n".join(kept)

        # One pass with the csv module: the line each record starts on, and the malformed ones.
        lines = io.StringIO(content, newline="").readlines()
        reader = csv.reader(io.StringIO(content, newline=""), delimiter=sep, strict=True)
        width = None
        record_lines: list[int] = []  # data record -> its first line (1-based)
        drop_spans: list[tuple[int, int]] = []
        start = 1
        while True:
            try:
                fields = next(reader)
            except StopIteration:
                break
            except csv.Error as e:
                if "end of data" in str(e) or errors == "raise":
                    what = "a quote that never closes" if "end of data" in str(e) else str(e)
                    raise _csv_error(path, start, None, f"malformed CSV ({what})") from None
                bad_lines.append(start)
                drop_spans.append((start, reader.line_num))
                start = reader.line_num + 1
                continue
            end = reader.line_num
            if fields and fields != [""] or (fields == [""] and width == 1):
                if width is None:
                    width = len(fields)
                elif len(fields) != width:
                    if errors == "raise":
                        raise _csv_error(path, start, None, f"{len(fields)} fields, but the header has {width}")
                    bad_lines.append(start)
                    drop_spans.append((start, end))
                else:
                    record_lines.append(start)
            start = end + 1
        if width is None:
            raise _csv_error(path, None, None, "the file is empty (no header line)")
        if drop_spans:
            skip = np.zeros(len(lines) + 1, dtype=bool)
            for a, b in drop_spans:
                skip[a:b + 1] = True
            content = "".join(ln for i, ln in enumerate(lines, start=1) if not skip[i])
        try:
            # round_trip: the float64 a number was written from, not its nearest neighbour
            # Customer ids are read as text, so that "007" and "7" stay two customers; a column of plain integers
            # (no leading zeros, no sign but "-") becomes int64 ids again below.
            id_cols = [customer] if customer is not None else list(_DEFAULT_NAMES["customer"])
            df = pd.read_csv(io.StringIO(content), sep=sep, index_col=False, float_precision="round_trip",
                             dtype={c: str for c in id_cols})
        except pd.errors.ParserError as e:  # the csv pass agreed with the file, so this is a pandas-only rule
            raise _csv_error(path, None, None, f"malformed CSV: {e}") from None
        for c in id_cols:
            if c in df.columns:
                df[c] = _integer_ids_as_int(df[c])
        if len(df) != len(record_lines):
            raise _csv_error(path, None, None, f"read {len(df)} rows but the file has {len(record_lines)} records "
                         "(blank or comment lines inside the data?)")
        try:
            log = cls.from_pandas(df, customer, time, errors=errors, **columns)
        except InputError as e:  # name the file and its line, not the frame's row
            at: int | None = record_lines[e.row] if e.row is not None and 0 <= e.row < len(record_lines) else None
            raise _csv_error(path, at, e.column, e.rule) from None
        log._csv_dropped = len(bad_lines)
        log._csv_lines = np.asarray(record_lines, dtype=np.int64)
        log._csv_first_bad = bad_lines[0] if bad_lines else -1
        log._source_rows = len(df) + len(bad_lines)
        return log

    @classmethod
    def from_arrow(cls, table: Any, customer: str | None = None, time: str | None = None, *,
                   errors: str = "raise", time_unit: str | None = None, time_format: str | None = None,
                   **columns: Any) -> "EventLog":
        """An EventLog from any Arrow data: an object with the Arrow PyCapsule interface (``__arrow_c_stream__``
        or ``__arrow_c_array__``): a pyarrow Table, RecordBatch or RecordBatchReader, a polars DataFrame, a DuckDB
        relation, a pandas >= 2.2 DataFrame. Keyword arguments map columns as in :meth:`from_pandas`, with the
        same validation and the same errors (column, row, rule; ``errors="drop"``).

        Only the mapped columns are read (the others are dropped batch by batch) and nothing goes through pandas:
        int64 and timestamp times (any unit, converted exactly) and float64 measures are read from the Arrow
        buffers, dictionary-encoded strings as their codes and dictionary. float64 measures without nulls (and
        dictionary codes) of a table already sorted by (customer, time) are kept as the table's own immutable
        buffers (:attr:`zero_copy_columns`); the rest is converted once.

        >>> import pyarrow as pa, cxkit
        >>> t = pa.table({"customer_id": ["a", "b", "a"], "time": pa.array([1, 2, 3], pa.timestamp("s")),
        ...               "channel": pa.array(["web", "app", "web"]).dictionary_encode(), "nps": [9.0, 3.0, 10.0]})
        >>> len(cxkit.EventLog.from_arrow(t))
        3
        """
        from ._arrow import _ArrowColumns, read_mapped

        if errors not in ("raise", "drop"):
            raise ValueError(f'errors must be "raise" or "drop", got {errors!r}')
        mapped, mapping = read_mapped(
            table, lambda names: _Mapping.resolve(names, "table", customer=customer, time=time, **columns))
        return cls._build(_ArrowColumns(mapped), mapping, errors, time_unit, time_format)

    @classmethod
    def from_parquet(cls, source: Any, customer: str | None = None, time: str | None = None, *,
                     errors: str = "raise", time_unit: str | None = None, time_format: str | None = None,
                     **columns: Any) -> "EventLog":
        """An EventLog from Parquet: a file, a directory of files (hive partitions such as ``channel=web/`` read
        as columns), a glob (``"events/*.parquet"``), a list of files, or a ``pyarrow.dataset.Dataset``.

        Only the mapped columns are read from the files (column projection by pyarrow.dataset); then as
        :meth:`from_arrow`, with the same validation and errors as :meth:`from_pandas`. For data larger than
        memory, use :func:`cxkit.scan`.
        """
        from ._arrow import _ArrowColumns, parquet_dataset

        if errors not in ("raise", "drop"):
            raise ValueError(f'errors must be "raise" or "drop", got {errors!r}')
        dataset = parquet_dataset(source)
        mapping = _Mapping.resolve(list(dataset.schema.names), "dataset", customer=customer, time=time,
                                   **columns)
        table = dataset.to_table(columns=mapping.columns)
        return cls._build(_ArrowColumns(table), mapping, errors, time_unit, time_format)

    # --------------------------------------------------------------------------------------------- inspecting
    def __len__(self) -> int:
        return len(self._core)

    @property
    def n_customers(self) -> int:
        """Customers with at least one event."""
        return self._core.n_customers

    @property
    def columns(self) -> list[str]:
        names = ["customer_id", "time", *self._core.categorical_names(), *self._core.measure_names()]
        return names + (["text"] if self._core.has_text() else [])

    @property
    def zero_copy_columns(self) -> list[str]:
        """Measure columns the log reads straight from the DataFrame's memory (float64 columns of a frame that
        was already sorted by customer and time); the others were converted or sorted into a copy."""
        return list(getattr(self, "_zero_copy", []))

    @property
    def nbytes(self) -> int:
        """Bytes held by the log's columns, indexes and dictionaries."""
        return self._core.nbytes

    @property
    def dropped(self) -> pd.DataFrame:
        """Rows skipped by ``errors="drop"``: one row per (column, rule) with the count and first input row (a
        row that broke two rules is counted under both; :attr:`n_dropped` counts it once)."""
        rows = [(d.column, d.rule, d.rows, d.first_row) for d in self._core.dropped]
        if self._csv_dropped:
            rows.append(("(line)", "malformed CSV line", self._csv_dropped, self._csv_first_bad))
        return pd.DataFrame(rows, columns=["column", "rule", "rows", "first_row"])

    @property
    def n_dropped(self) -> int:
        """Input rows (or CSV lines) skipped by ``errors="drop"``, each counted once."""
        return int(self._core.n_dropped) + self._csv_dropped

    def _customer_labels(self) -> np.ndarray:
        ids = self._core.customer_ids()
        return np.asarray(ids, dtype=object) if isinstance(ids, list) else ids

    def to_pandas(self) -> pd.DataFrame:
        """The log as a DataFrame in (customer, time) order; measures view the log's memory (read-only)."""
        ids = self._customer_labels()
        out: dict[str, np.ndarray | pd.Categorical | list[str]] = {
            "customer_id": ids[self._core.customer()], "time": self._core.time().view("datetime64[ns]")}
        for name in self._core.categorical_names():
            codes, cats = self._core.categorical(name)  # labels are unique (the core refuses duplicates)
            out[name] = pd.Categorical.from_codes(codes, categories=pd.Index(cats, dtype=object))
        for name in self._core.measure_names():
            out[name] = self._core.measure(name)
        text = self._core.text()  # None when the log has no text
        if text is not None:
            out["text"] = text
        return pd.DataFrame(out)

    def customers(self, attributes: pd.DataFrame | None = None, id: str = "customer_id") -> pd.DataFrame:
        """One row per customer: id, first and last seen, events and revenue (from the log), plus the columns of
        ``attributes`` (a CRM table with one row per customer: segment labels, consent flags such as
        ``consent_marketing``, age, region...) joined on its ``id`` column. Customers missing from ``attributes``
        get NaN there; ids in ``attributes`` that never appear in the log are left out.

        The result feeds :meth:`cxkit.Segmentation.from_rules` (``customers=``) and
        :meth:`cxkit.Segmentation.from_column`.
        """
        table = self._customer_table()
        if attributes is None:
            return table
        if id not in attributes.columns:
            raise ValueError(f"attributes has no id column '{id}' (pass id='your id column')")
        if attributes[id].duplicated().any():
            row = int(np.flatnonzero(attributes[id].duplicated().to_numpy())[0])
            raise ValueError(f"attributes, column '{id}', row {row}: customer {attributes[id].iloc[row]!r} appears twice")
        clash = [c for c in attributes.columns if c != id and c in table.columns]
        if clash:
            raise ValueError(f"attributes repeat the log's own customer columns: {', '.join(clash)}")
        attrs = attributes.rename(columns={id: "customer_id"})
        if self._core.customer_ids_are_strings:
            attrs = attrs.assign(customer_id=attrs["customer_id"].astype(str))
        return table.merge(attrs, on="customer_id", how="left", validate="one_to_one")

    def _customer_table(self) -> pd.DataFrame:  # noqa: D401
        t = self._core.customer_table()
        df = pd.DataFrame({
            "customer_id": self._customer_labels(),
            "first_seen": t["first_seen"].view("datetime64[ns]"),
            "last_seen": t["last_seen"].view("datetime64[ns]"),
            "events": t["events"].astype(np.int64),
            "revenue": t["revenue"],
        })
        return df[df["events"] > 0].reset_index(drop=True)

    def __repr__(self) -> str:
        if len(self) == 0:
            return "EventLog(0 events)"
        t = self._core.time()
        lo, hi = np.datetime64(int(t.min()), "ns"), np.datetime64(int(t.max()), "ns")
        extra = f", {self.n_dropped:,} dropped" if self.n_dropped else ""
        return (f"EventLog({len(self):,} events, {self.n_customers:,} customers, "
                f"{str(lo)[:10]} to {str(hi)[:10]}; columns: {', '.join(self.columns[2:]) or 'none'}{extra})")

    def _repr_html_(self) -> str:
        head = self.to_pandas().head(5)
        return (f"<div><b>cxkit.EventLog</b>: {len(self):,} events, {self.n_customers:,} customers"
                f"{html.escape(', %d rows dropped' % self.n_dropped if self.n_dropped else '')}"
                f"{head.to_html(max_cols=12)}</div>")

"""EventLog: the columnar log of customer touchpoint events, from pandas, CSV or Arrow."""
from __future__ import annotations

import html
import os
from typing import Any, Iterable, Mapping

import numpy as np
import pandas as pd

from . import _core

#: The standard event columns: name -> kind. Any other column can be added as a categorical or a measure.
CATEGORICALS = ("channel", "stage", "touchpoint", "kind")
MEASURES = ("value", "nps", "csat", "ces", "response_time", "fcr", "sentiment")
_DEFAULT_NAMES = {"customer": ("customer_id", "customer"), "time": ("time", "timestamp")}


def _to_ns(series: pd.Series, column: str, errors: str) -> np.ndarray:
    """Timestamps as int64 ns since the epoch (UTC); NaT stays the int64 minimum (flagged by the core)."""
    s = series
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        s = s.dt.tz_convert("UTC").dt.tz_localize(None)
    if not pd.api.types.is_datetime64_any_dtype(s.dtype):
        parsed = pd.to_datetime(s, errors="coerce", utc=True, format="mixed")
        bad = parsed.isna() & s.notna()
        if bad.any() and errors == "raise":
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise ValueError(f"column '{column}', row {row}: unparseable timestamp {s.iloc[row]!r}")
        s = parsed.dt.tz_localize(None)
    values = s.to_numpy()
    if values.dtype != np.dtype("datetime64[ns]"):
        values = values.astype("datetime64[ns]")
    return values.view(np.int64)


def _measure(series: pd.Series, column: str, errors: str) -> np.ndarray:
    """A float64 array with NaN for missing; zero-copy when the column already is float64."""
    s = series
    if s.dtype == np.float64:
        return np.ascontiguousarray(s.to_numpy())
    if pd.api.types.is_bool_dtype(s.dtype) or str(s.dtype) == "boolean":
        return s.astype("Float64").to_numpy(dtype=np.float64, na_value=np.nan)
    if s.dtype == object:
        s = s.map(lambda v: (1.0 if v else 0.0) if isinstance(v, (bool, np.bool_)) else v)
    numeric = pd.to_numeric(s, errors="coerce")
    bad = numeric.isna() & s.notna()
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        if errors == "raise":
            raise ValueError(f"column '{column}', row {row}: not a number: {s.iloc[row]!r}")
        numeric = numeric.astype(np.float64)
        numeric[bad] = np.inf  # fails every rule, so the core drops and counts the row
    return np.ascontiguousarray(numeric.to_numpy(dtype=np.float64, na_value=np.nan))


def _categorical(series: pd.Series) -> tuple[np.ndarray, list[str]]:
    if isinstance(series.dtype, pd.CategoricalDtype):
        codes = series.cat.codes.to_numpy().astype(np.int32)
        return codes, [str(c) for c in series.cat.categories]
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    return codes.astype(np.int32, copy=False), [str(u) for u in uniques]


def _text(series: pd.Series, column: str, errors: str) -> tuple[list[str], np.ndarray | None]:
    """Strings as valid UTF-8; a bytes value that does not decode (or a lone surrogate) is an error naming the row."""
    out: list[str] = []
    bad_rows = []
    for i, v in enumerate(series.tolist()):
        if v is None or (isinstance(v, float) and np.isnan(v)):
            out.append("")
            continue
        try:
            if isinstance(v, (bytes, bytearray)):
                v = bytes(v).decode("utf-8")
            else:
                v = str(v)
                v.encode("utf-8")
        except UnicodeError as e:
            if errors == "raise":
                raise ValueError(f"column '{column}', row {i}: text is not valid UTF-8 ({e.reason})") from None
            bad_rows.append(i)
            v = ""
        out.append(v)
    return out, (np.asarray(bad_rows, dtype=np.int64) if bad_rows else None)


def _user_names(message: str, names: Mapping[str, str | None]) -> str:
    """Rewrites "column 'nps'" in a core error to the frame's own column name, e.g. "column 'score' (nps)"."""
    for log_name, frame_name in names.items():
        prefix = f"column '{log_name}'"
        if frame_name and frame_name != log_name and message.startswith(prefix):
            return f"column '{frame_name}' ({log_name})" + message[len(prefix):]
    return message


class EventLog:
    """A log of customer touchpoint events, columnar and sorted by (customer, time).

    Build one with :meth:`from_pandas`, :meth:`from_csv` or :meth:`from_arrow`. Every value is validated on the
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

    def __init__(self, core: "_core.EventLog", *, source_rows: int | None = None, utf8_dropped: int = 0,
                 csv_dropped: int = 0):
        self._core = core
        self._names: dict[str, str] = {}
        self._row_map: np.ndarray | None = None  # filtered row -> input row, when rows were removed before the core
        self._first_utf8_row = -1
        self._source_rows = len(core) if source_rows is None else source_rows
        self._extra_dropped = {"text not valid UTF-8": utf8_dropped, "malformed CSV line": csv_dropped}
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
                    errors: str = "raise") -> "EventLog":
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
            What to do with an invalid row: raise ``ValueError`` (default) or skip it and count it.

        float64 measure columns and int64 ns timestamps are used without copying when the frame is already
        sorted by (customer, time); otherwise each column is copied once into sorted order.
        """
        if errors not in ("raise", "drop"):
            raise ValueError(f'errors must be "raise" or "drop", got {errors!r}')
        if not isinstance(df, pd.DataFrame):
            raise TypeError(f"from_pandas expects a pandas DataFrame, got {type(df).__name__}")

        def pick(given: str | None, role: str, defaults: tuple[str, ...], required: bool) -> str | None:
            if given is not None:
                if given not in df.columns:
                    raise ValueError(f"column '{given}' (given as {role}=) is not in the frame; "
                                     f"it has: {', '.join(map(str, df.columns))}")
                return given
            for d in defaults:
                if d in df.columns:
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
        if score_text:
            if text_col is None:
                raise ValueError("score_text=True needs a text column: pass text='your column'")
            if mea_map["sentiment"] is not None:
                # an empty sentiment column (all missing, as in a canonical event table) is there to be filled
                if df[mea_map["sentiment"]].notna().any():
                    raise ValueError(f"score_text=True, but the frame already has a sentiment column "
                                     f"('{mea_map['sentiment']}') with values: drop or rename it to score the "
                                     "text instead")
                mea_map["sentiment"] = None

        source_rows = len(df)
        txt, utf8_dropped = None, 0
        if text_col is not None:
            txt, bad_text = _text(df[text_col], text_col, errors)
            if bad_text is not None:  # drop mode: skip the rows whose text is not UTF-8, and count them
                keep = np.ones(len(df), dtype=bool)
                keep[bad_text] = False
                df = df.iloc[keep]
                txt = [v for v, k in zip(txt, keep) if k]
                utf8_dropped = len(bad_text)
        ids_series = df[cust_col]
        codes, uniques = pd.factorize(ids_series, sort=True, use_na_sentinel=True)
        if len(uniques) >= 2**31 - 1:
            raise ValueError("more than 2^31 - 1 distinct customers")
        if pd.api.types.is_integer_dtype(uniques.dtype):
            ids: Any = np.ascontiguousarray(np.asarray(uniques, dtype=np.int64))
        else:
            ids = [str(u) for u in uniques]
        t = _to_ns(df[time_col], time_col, errors)
        cats = []
        for name, col in cat_map.items():
            if col is not None:
                c, labels = _categorical(df[col])
                cats.append((name, c, labels))
        meas = [(name, _measure(df[col], col, errors)) for name, col in mea_map.items() if col is not None]
        if score_text:
            from .voc._sentiment import text_compound

            meas.append(("sentiment", text_compound(txt)))
            mea_map["sentiment"] = text_col
        # the core names the log's columns; name the user's own columns in its errors
        names = {"customer": cust_col, "time": time_col, "text": text_col,
                 **{k: v for k, v in cat_map.items() if v is not None},
                 **{k: v for k, v in mea_map.items() if v is not None}}
        try:
            core = _core.EventLog.from_arrays(codes.astype(np.int32, copy=False), ids, t, cats, meas, txt, errors)
        except ValueError as e:
            raise ValueError(_user_names(str(e), names)) from None
        log = cls(core, source_rows=source_rows, utf8_dropped=utf8_dropped)
        log._names = names
        log._zero_copy = [name for name, col in mea_map.items() if col is not None
                          and np.may_share_memory(core.measure(name), df[col].to_numpy())]
        if utf8_dropped:
            log._row_map = np.flatnonzero(keep)
            log._first_utf8_row = int(bad_text[0])
        return log

    @classmethod
    def from_csv(cls, path: str | os.PathLike, customer: str | None = None, time: str | None = None, *,
                 sep: str = ",", encoding: str = "utf-8", errors: str = "raise", **columns: Any) -> "EventLog":
        """An EventLog from a CSV file; keyword arguments map columns as in :meth:`from_pandas`.

        A malformed line (wrong number of fields) or bytes that are not valid UTF-8 raise ``ValueError`` naming
        the file and the line; with ``errors="drop"`` such lines are skipped and counted in :attr:`dropped`.
        """
        if errors not in ("raise", "drop"):
            raise ValueError(f'errors must be "raise" or "drop", got {errors!r}')
        path = os.fspath(path)
        with open(path, "rb") as f:
            raw = f.read()
        utf8_dropped = 0
        try:
            content = raw.decode(encoding)
        except UnicodeDecodeError as e:
            line = raw[: e.start].count(b"\n") + 1
            if errors == "raise":
                raise ValueError(f"{path}, line {line}: not valid {encoding} (byte 0x{raw[e.start]:02x})") from None
            kept = []
            for ln in raw.split(b"\n"):
                try:
                    kept.append(ln.decode(encoding))
                except UnicodeDecodeError:
                    utf8_dropped += 1
            content = "\n".join(kept)
        import io

        bad_lines: list[list[str]] = []
        try:
            if errors == "raise":
                df = pd.read_csv(io.StringIO(content), sep=sep)
            else:
                df = pd.read_csv(io.StringIO(content), sep=sep, engine="python",
                                 on_bad_lines=lambda fields: bad_lines.append(fields) and None)
        except pd.errors.ParserError as e:
            raise ValueError(f"{path}: malformed CSV: {e}") from None
        except pd.errors.EmptyDataError:
            raise ValueError(f"{path}: the file is empty (no header line)") from None
        try:
            log = cls.from_pandas(df, customer, time, errors=errors, **columns)
        except ValueError as e:  # rows are 0-based data rows (the header is not a row)
            raise ValueError(f"{path}: {e}") from None
        log._extra_dropped["text not valid UTF-8"] += utf8_dropped
        log._extra_dropped["malformed CSV line"] = len(bad_lines)
        log._source_rows = len(df)
        return log

    @classmethod
    def from_arrow(cls, table: Any, customer: str | None = None, time: str | None = None, **columns: Any) -> "EventLog":
        """An EventLog from a ``pyarrow.Table`` (numeric columns without nulls convert without copying)."""
        try:
            import pyarrow as pa
        except ImportError as e:  # pragma: no cover - depends on the environment
            raise ImportError("from_arrow needs pyarrow: pip install pyarrow") from e
        if not isinstance(table, pa.Table):
            raise TypeError(f"from_arrow expects a pyarrow.Table, got {type(table).__name__}")
        return cls.from_pandas(table.to_pandas(), customer, time, **columns)

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
        """Rows skipped by ``errors="drop"``: one row per (column, rule) with the count and first input row."""
        def input_row(r: int) -> int:
            return int(self._row_map[r]) if self._row_map is not None and r >= 0 else r

        rows = [(self._names.get(d.column, d.column), d.rule, d.rows, input_row(d.first_row))
                for d in self._core.dropped]
        for rule, n in self._extra_dropped.items():
            if n:
                utf8 = "UTF" in rule
                rows.append((self._names.get("text", "text") if utf8 else "(line)", rule, n,
                             self._first_utf8_row if utf8 else -1))
        return pd.DataFrame(rows, columns=["column", "rule", "rows", "first_row"])

    @property
    def n_dropped(self) -> int:
        return int(self.dropped["rows"].sum()) if len(self.dropped) else 0

    def _customer_labels(self) -> np.ndarray:
        ids = self._core.customer_ids()
        return np.asarray(ids, dtype=object) if isinstance(ids, list) else ids

    def to_pandas(self) -> pd.DataFrame:
        """The log as a DataFrame in (customer, time) order; measures view the log's memory (read-only)."""
        ids = self._customer_labels()
        out = {"customer_id": ids[self._core.customer()], "time": self._core.time().view("datetime64[ns]")}
        for name in self._core.categorical_names():
            codes, cats = self._core.categorical(name)
            out[name] = pd.Categorical.from_codes(codes, categories=pd.Index(cats, dtype=object)) \
                if len(set(cats)) == len(cats) else np.asarray(cats, dtype=object)[codes]
        for name in self._core.measure_names():
            out[name] = self._core.measure(name)
        if self._core.has_text():
            out["text"] = self._core.text()
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

    def _customer_table(self) -> pd.DataFrame:
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

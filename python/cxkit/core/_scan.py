"""cxkit.scan: an event log larger than memory, folded record batch by record batch through mergeable states.

A :class:`Scan` reads nothing when it is made. An analysis that is given one (``cxkit.scorecard(scan)``,
``cxkit.retention.cohorts(scan)``, ``cxkit.clv.rfm_summary(scan)``, ``cxkit.segment.RecommenderState(scan)``)
either folds the batches straight through its mergeable state (the scorecard: its states merge exactly whatever
rows each batch holds), or, when it needs each customer's events together, first partitions the scan by a hash
of the customer id into temporary Parquet files (pyarrow writes them; they are removed afterwards, also on an
error or Ctrl-C) and reads them back one partition at a time: each partition holds whole customers, so the
customer-disjoint states add up exactly. Memory is bounded by one batch (the direct fold) or one partition.
"""
from __future__ import annotations

import contextlib
import math
import os
import shutil
import sys
import tempfile
from typing import TYPE_CHECKING, Any, Callable, Iterator, TypeVar

import numpy as np

from ._arrow import _ArrowColumns, _pyarrow, arrow_reader, parquet_dataset
from ._eventlog import EventLog, InputError, _error, _Mapping

if TYPE_CHECKING:
    import pyarrow as pa

S = TypeVar("S")

_MAPPING_KEYS = {"customer", "time", "channel", "stage", "touchpoint", "kind", "value", "nps", "csat", "ces",
                 "response_time", "fcr", "sentiment", "text", "categoricals", "measures"}


def _progress_on(progress: bool | None) -> bool:
    if progress is not None:
        return bool(progress)
    return bool(getattr(sys.stderr, "isatty", lambda: False)())


class Scan:
    """A lazy scan of events larger than memory (see :func:`cxkit.scan`).

    Thread safety: a Scan holds no data, only where to read it; running two analyses of one Scan at once on two
    threads is safe for file sources (each analysis opens its own readers), not for a one-shot Arrow stream.
    """

    def __init__(self, source: Any, *, batch_rows: int = 1 << 20, partition_rows: int = 4 << 20,
                 progress: bool | None = None, errors: str = "raise", time_unit: str | None = None,
                 time_format: str | None = None, **mapping: Any):
        unknown = set(mapping) - _MAPPING_KEYS
        if unknown:
            raise TypeError(f"scan() got unexpected keyword argument(s): {', '.join(sorted(unknown))}")
        if errors not in ("raise", "drop"):
            raise ValueError(f'errors must be "raise" or "drop", got {errors!r}')
        for name, v in (("batch_rows", batch_rows), ("partition_rows", partition_rows)):
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ValueError(f"{name} must be a whole number >= 1, got {v!r}")
        self._source = source
        self._mapping_args = dict(mapping)
        self._errors, self._time_unit, self._time_format = errors, time_unit, time_format
        self.batch_rows, self.partition_rows = batch_rows, partition_rows
        self.progress = progress
        self._dataset: Any = None
        self._consumed = False
        self.n_rows = 0  # rows read by the last pass
        self.n_dropped = 0  # rows errors="drop" skipped in the last pass
        self._open()

    # ------------------------------------------------------------------------------------------------ reading
    def _open(self) -> None:
        import pyarrow.dataset as ds

        src = self._source
        if isinstance(src, ds.Dataset):
            self._dataset = src
        elif isinstance(src, (str, os.PathLike, list, tuple)):
            paths = [os.fspath(p) for p in src] if isinstance(src, (list, tuple)) else [os.fspath(src)]
            if all(p.lower().endswith((".csv", ".csv.gz")) for p in paths):
                import glob

                files = sorted(f for p in paths for f in (glob.glob(p) if any(c in p for c in "*?[") else [p]))
                if not files:
                    raise FileNotFoundError(f"no file matches {paths[0]!r}")
                self._dataset = ds.dataset(files, format="csv")
            else:
                self._dataset = parquet_dataset(src)
        else:
            self._reader = arrow_reader(src)  # any Arrow stream: read once
        schema = self._dataset.schema if self._dataset is not None else self._reader.schema
        names = list(schema.names)
        if len(set(names)) != len(names):
            dup = next(n for n in names if names.count(n) > 1)
            raise _error(dup, None, f"appears {names.count(dup)} times in the table: rename or drop the copies")
        self.mapping = _Mapping.resolve(names, "dataset", **self._mapping_args)
        self.schema = _pyarrow().schema([schema.field(c) for c in self.mapping.columns])

    def _total_rows(self) -> int | None:
        if self._dataset is None:
            return None
        try:
            return int(self._dataset.count_rows())
        except Exception:  # noqa: BLE001 - a CSV dataset cannot count without reading: no total then
            return None

    def batches(self) -> Iterator["pa.Table"]:
        """The mapped columns, batch by batch (at most ``batch_rows`` rows each), with a progress bar on a
        terminal. A file source can be read any number of times; an Arrow stream once."""
        pa = _pyarrow()
        cols = self.mapping.columns
        if self._dataset is not None:
            # little readahead: pyarrow otherwise buffers many batches of several files (hundreds of MB)
            raw: Iterator[Any] = self._dataset.to_batches(columns=cols, batch_size=self.batch_rows,
                                                          batch_readahead=1, fragment_readahead=1)
        else:
            if self._consumed:
                raise RuntimeError("this scan reads an Arrow stream, which can be read once: make a new scan")
            self._consumed = True
            raw = (b.select(cols) for b in self._reader)
        bar = None
        if _progress_on(self.progress):
            from tqdm.auto import tqdm

            bar = tqdm(total=self._total_rows(), unit="rows", unit_scale=True, desc="cxkit scan")
        try:
            for b in raw:
                if b.num_rows == 0:
                    continue
                table = pa.Table.from_batches([b])
                for start in range(0, table.num_rows, self.batch_rows):
                    part = table.slice(start, self.batch_rows)
                    yield part.cast(self.schema) if part.schema != self.schema else part
                if bar is not None:
                    bar.update(b.num_rows)
        finally:
            if bar is not None:
                bar.close()

    def _log(self, table: "pa.Table", first_row: int) -> EventLog:
        """One batch as an EventLog through the one validation layer; errors name the row in the whole scan."""
        try:
            return EventLog._build(_ArrowColumns(table), self.mapping, self._errors, self._time_unit,
                                   self._time_format)
        except InputError as e:
            if e.row is None:
                raise
            raise _error(e.column or "", e.row + first_row, e.rule) from None

    def logs(self) -> Iterator[EventLog]:
        """Each batch as an :class:`EventLog` (a customer's events may be split over several)."""
        self.n_rows = self.n_dropped = 0
        for table in self.batches():
            log = self._log(table, self.n_rows)
            self.n_rows += table.num_rows
            self.n_dropped += log.n_dropped
            if len(log):
                yield log

    def fold(self, state_of: Callable[[EventLog], S], *, whole_customers: bool = False) -> S:
        """The sum (``+=``) of ``state_of(log)`` over the scan: over its batches, or over customer-hash
        partitions (``whole_customers=True``, for states that merge only across disjoint customers)."""
        acc: Any = None
        logs: Any = self.customer_partitions() if whole_customers else contextlib.nullcontext(self.logs())
        with logs as parts:
            for log in parts:
                s = state_of(log)
                if acc is None:
                    acc = s
                else:
                    acc += s
        if acc is None:
            raise ValueError("the scan holds no events")
        return acc

    # ------------------------------------------------------------------------------------ customer partitions
    def _n_partitions(self) -> int:
        total = self._total_rows()
        return 16 if total is None else max(1, math.ceil(total / self.partition_rows))

    @contextlib.contextmanager
    def customer_partitions(self, n: int | None = None) -> Iterator["CustomerPartitions"]:
        """A context giving the scan as EventLogs that each hold every event of their customers (a hash of the
        customer id picks the partition). The scan is written once into ``n`` temporary Parquet files (default:
        one per ``partition_rows`` rows) and removed when the context exits, also on an error or Ctrl-C; inside
        it the partitions can be iterated any number of times, each read back one at a time."""
        pq = _import_parquet()
        n = self._n_partitions() if n is None else int(n)
        tmp = tempfile.mkdtemp(prefix="cxkit-scan-")
        try:
            self._spill(tmp, n, pq)
            yield CustomerPartitions(self, tmp, n, pq)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def _spill(self, tmp: str, n: int, pq: Any) -> None:
        pa = _pyarrow()
        writers: list[Any] = [None] * n
        self.n_rows = 0
        cust = self.mapping.customer
        try:
            for table in self.batches():
                part = _partition_of(table.column(cust), n)
                order = np.argsort(part, kind="stable")
                bounds = np.searchsorted(part[order], np.arange(n + 1))
                sorted_table = table.take(pa.array(order))
                for p in range(n):
                    lo, hi = int(bounds[p]), int(bounds[p + 1])
                    if hi == lo:
                        continue
                    chunk = sorted_table.slice(lo, hi - lo)
                    # the scan-wide row of each event, so errors found later name it
                    rows = pa.array(order[lo:hi].astype(np.int64) + self.n_rows)
                    chunk = chunk.append_column("__cxkit_row", rows)
                    if writers[p] is None:
                        writers[p] = pq.ParquetWriter(os.path.join(tmp, f"{p}.parquet"), chunk.schema)
                    writers[p].write_table(chunk)
                self.n_rows += table.num_rows
        finally:
            for w in writers:
                if w is not None:
                    w.close()

    def _read_partitions(self, tmp: str, n: int, pq: Any) -> Iterator[EventLog]:
        self.n_dropped = 0
        for p in range(n):
            path = os.path.join(tmp, f"{p}.parquet")
            if not os.path.exists(path):
                continue
            table = pq.read_table(path)
            rows = table.column("__cxkit_row").to_numpy()
            table = table.drop_columns(["__cxkit_row"])
            try:
                log = EventLog._build(_ArrowColumns(table), self.mapping, self._errors, self._time_unit,
                                      self._time_format)
            except InputError as e:
                if e.row is None:
                    raise
                raise _error(e.column or "", int(rows[e.row]), e.rule) from None
            self.n_dropped += log.n_dropped
            del table, rows
            if len(log):
                yield log

    def customers(self) -> "Any":
        """One row per customer (id, first and last seen, events, revenue), as :meth:`EventLog.customers`: made
        per customer partition and concatenated (bounded by customers, not events). Survival curves take
        durations from it, e.g. ``cxkit.retention.kaplan_meier(days active, observed=churned)``."""
        import pandas as pd

        with self.customer_partitions() as parts:
            frames = [log.customers() for log in parts]
        if not frames:
            raise ValueError("the scan holds no events")
        return pd.concat(frames).sort_values("customer_id", kind="stable").reset_index(drop=True)

    def __repr__(self) -> str:
        where = type(self._source).__name__ if self._dataset is None else f"{len(self._dataset.files)} file(s)"
        return f"Scan({where}; columns: {', '.join(self.mapping.columns)})"


class CustomerPartitions:
    """The customer-hash partitions of a scan, inside :meth:`Scan.customer_partitions`: iterate for EventLogs."""

    def __init__(self, scan: Scan, tmp: str, n: int, pq: Any):
        self._scan, self._tmp, self._n, self._pq = scan, tmp, n, pq

    def __iter__(self) -> Iterator[EventLog]:
        return self._scan._read_partitions(self._tmp, self._n, self._pq)

    def __len__(self) -> int:
        return self._n


def _import_parquet() -> Any:
    _pyarrow()
    import pyarrow.parquet as pq

    return pq


def _partition_of(ids: "pa.ChunkedArray", n: int) -> np.ndarray:
    """The partition (0..n-1) of each row's customer: a fixed hash of the id (the same in every process and
    run), so one customer's events land in one partition whatever batch they come in."""
    pa = _pyarrow()
    from pandas.util import hash_array  # a fixed (seeded) hash of numpy arrays, vectorised: no frame is made

    arr = ids.combine_chunks() if isinstance(ids, pa.ChunkedArray) else ids
    if pa.types.is_dictionary(arr.type):
        arr = arr.dictionary_decode()
    if pa.types.is_integer(arr.type):
        values = np.asarray(arr.cast(pa.int64()).fill_null(0).to_numpy(zero_copy_only=False))
        h = hash_array(values)
    else:  # hash each distinct id once
        enc = arr.dictionary_encode()
        uniques = np.asarray(enc.dictionary.to_pylist(), dtype=object)
        hu = hash_array(uniques.astype(str)) if len(uniques) else np.zeros(0, dtype=np.uint64)
        idx = np.asarray(enc.indices.fill_null(0).to_numpy(zero_copy_only=False), dtype=np.int64)
        h = hu[idx] if len(hu) else np.zeros(len(idx), dtype=np.uint64)
    return (h % np.uint64(n)).astype(np.int64)


def scan(source: Any, customer: str | None = None, time: str | None = None, *, batch_rows: int = 1 << 20,
         partition_rows: int = 4 << 20, progress: bool | None = None, errors: str = "raise",
         time_unit: str | None = None, time_format: str | None = None, **columns: Any) -> Scan:
    """A lazy scan of an event log larger than memory: pass it where an :class:`EventLog` is accepted.

    ``source``: a Parquet file, a directory of them (hive partitions read as columns) or a glob; a CSV file or
    glob (``*.csv``); a ``pyarrow.dataset.Dataset``; or any Arrow stream (``__arrow_c_stream__``: read once).
    Keyword arguments map columns as in :meth:`EventLog.from_pandas`; every batch is validated by the same rules
    (errors name the row in the whole scan; ``errors="drop"`` counts in :attr:`Scan.n_dropped`). Only the mapped
    columns are read. ``batch_rows`` bounds the rows held at once by a direct fold, ``partition_rows`` the rows of
    one customer partition; ``progress`` shows a tqdm bar (default: when stderr is a terminal).

    Accepted by: :func:`cxkit.scorecard` and :func:`cxkit.scorecard_state` (every KPI, grouping by columns and
    period) and :class:`cxkit.segment.RecommenderState`, folded batch by batch; :func:`cxkit.retention.cohorts`,
    :func:`cxkit.clv.rfm_summary`, :func:`cxkit.journey.paths` (hence the attributions) and
    :meth:`Scan.customers` (the input of survival curves), which need each customer's events together: the scan
    is partitioned by customer hash into temporary files first. Any other whole-customer analysis:
    ``with scan.customer_partitions() as parts: for log in parts: ...``.

    >>> import cxkit, pyarrow as pa
    >>> t = pa.table({"customer_id": [1, 2, 1], "time": pa.array([0, 86400, 2 * 86400], pa.timestamp("s")),
    ...               "nps": [9.0, 3.0, 10.0]})
    >>> cxkit.scorecard(cxkit.scan(t, progress=False))["nps_n"].tolist()
    [3]
    """
    return Scan(source, batch_rows=batch_rows, partition_rows=partition_rows, progress=progress, errors=errors,
                time_unit=time_unit, time_format=time_format, customer=customer, time=time, **columns)

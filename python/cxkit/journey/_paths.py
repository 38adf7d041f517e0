"""Paths: customer journeys as sequences of states, one row per distinct path (ChannelAttribution's format),
with each journey's step times when built from an EventLog."""
from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any, Hashable, Iterable, Iterator, Mapping, Sequence, Union

import numpy as np
import pandas as pd

from .._core import journey as _cj
from ..core import EventLog, Scan


if TYPE_CHECKING:
    from ..core import Segmentation

# A split by customer segment: a Segmentation, or labels keyed by customer id (Series, dict), or (paths from a
# table) one label per path row.
SegmentBy = Union["Segmentation", pd.Series, Mapping[Hashable, Hashable], Sequence[Hashable]]
# A duration: a Timedelta (or datetime.timedelta, numpy.timedelta64), a string with a unit, or seconds.
Duration = Union[pd.Timedelta, datetime.timedelta, np.timedelta64, str, float, int]

__all__ = ["Paths", "paths"]

_MAX_TIMEDELTA_NS = float(np.iinfo(np.int64).max)


def _timedeltas(ns: np.ndarray) -> pd.TimedeltaIndex:
    """Nanoseconds as Timedeltas; a time beyond pandas' Timedelta range (about 292 years, only between timestamps
    near both ends of the range a log accepts) is NaT."""
    ns = np.asarray(ns, dtype=float)
    return pd.to_timedelta(np.where(ns < _MAX_TIMEDELTA_NS, ns, np.nan), unit="ns")


class Paths:
    """Journeys as sequences of states (channels, touchpoints or stages), one row per distinct path with its
    conversions, nulls (paths that did not convert) and value: ChannelAttribution's format.

    Make one with :func:`cxkit.journey.paths` from an EventLog, or :meth:`from_pandas` from a table of
    ``"a > b > c"`` strings. Feed it to :mod:`cxkit.journey.attribution`.

    Paths from a log also keep each journey (one per customer, or per session with ``session_gap``) with the
    time of every step (see :meth:`journeys`): that gives the median times in :meth:`transitions` and
    :meth:`funnel`, time-decay attribution, and splits by customer segment
    (``by=``: a :class:`cxkit.Segmentation` or a Series / dict keyed by customer id). Paths from a table can be
    split by a label per path row (``by=`` a sequence as long as the table).

    Paths are immutable once built: any number of threads may compute on one at once.
    """

    def __init__(self, core: "_cj.Paths", log: EventLog | None = None):
        self._core = core
        self._log = log

    @classmethod
    def from_pandas(cls, df: pd.DataFrame, path: str = "path", conversions: str = "total_conversions",
                    nulls: str | None = "total_null", value: str | None = None, sep: str = ">") -> "Paths":
        """Paths from a table of path strings ("a > b > c") with conversion and null counts (and value).

        ``sep`` splits the states (spaces around them are trimmed); a separator that does not occur leaves each
        path string one state. An empty state, a reserved state name ("(start)", "(conversion)", "(null)"), a
        missing path, or a count that is missing, infinite or negative is a ValueError naming the column and
        the first offending row."""
        for c in (path, conversions, nulls, value):
            if c is not None and c not in df.columns:
                raise ValueError(f"column '{c}' is not in the frame; it has: {', '.join(map(str, df.columns))}")
        conv = pd.to_numeric(df[conversions], errors="coerce").to_numpy(dtype=float)
        nul = (pd.to_numeric(df[nulls], errors="coerce").to_numpy(dtype=float) if nulls is not None
               else np.zeros(len(df)))
        val = (pd.to_numeric(df[value], errors="coerce").to_numpy(dtype=float) if value is not None
               else np.zeros(0))
        # checked here so that errors name the frame's own columns (row = position in the frame)
        for name, arr, rule in ((conversions, conv, "a count: a finite number >= 0"),
                                (nulls, nul, "a count: a finite number >= 0"), (value, val, "a finite number")):
            bad = ~np.isfinite(arr) | ((arr < 0) if name != value else False)
            if bad.any():
                raise ValueError(f"column '{name}', row {int(np.flatnonzero(bad)[0])}: must be {rule}")
        col = df[path]
        strings = col.tolist() if col.dtype == object else col.astype(str).tolist()
        return cls(_cj.Paths.from_strings(strings, conv, nul, val, sep))

    def __len__(self) -> int:
        return len(self._core)

    @property
    def states(self) -> list[str]:
        return list(self._core.states)

    @property
    def has_times(self) -> bool:
        """True when the paths came from a log and carry each journey's step times."""
        return bool(self._core.has_times)

    def to_pandas(self, sep: str = " > ") -> pd.DataFrame:
        """ChannelAttribution-style rows: path, total_conversions, total_null, total_conversion_value."""
        return pd.DataFrame({"path": self._core.path_strings(sep), "total_conversions": self._core.conversions,
                             "total_null": self._core.nulls, "total_conversion_value": self._core.value})

    def journeys(self) -> pd.DataFrame:
        """One row per journey (per customer, or per session with ``session_gap``) of paths from a log:
        customer_id, path, steps, start and end (times of the first and last step), converted, conversion_time
        (NaT when it did not convert) and value (of its conversion). Paths from a table have no journeys."""
        if not self.has_times:
            raise ValueError("journeys need paths built from an EventLog with cxkit.journey.paths(log) "
                             "(a table of path strings has only merged rows)")
        c, log = self._core, self._log
        assert log is not None  # paths with times come from a log
        off = np.asarray(c.journey_offsets, dtype=np.int64)
        t = np.asarray(c.step_time, dtype=np.int64)
        conv = np.asarray(c.conversion_time, dtype=np.int64)
        no_time = np.iinfo(np.int64).min
        strings = np.asarray(c.path_strings(" > "), dtype=object)
        return pd.DataFrame({
            "customer_id": log._customer_labels()[np.asarray(c.journey_customer)],
            "path": strings[np.asarray(c.journey_row, dtype=np.int64)],
            "steps": np.diff(off),
            "start": t[off[:-1]].view("datetime64[ns]"),
            "end": t[off[1:] - 1].view("datetime64[ns]"),
            "converted": conv != no_time,
            "conversion_time": conv.view("datetime64[ns]"),  # numpy's NaT is int64's minimum: no_time
            "value": c.journey_value,
        })

    def collapsed(self) -> "Paths":
        """The same paths with consecutive repeats collapsed (a > a > b becomes a > b); a journey's run of
        repeats keeps the time of its first step."""
        return Paths(self._core.collapsed(), self._log)

    def _rows(self):
        off, codes = self._core.offsets, self._core.codes
        weight = self._core.conversions + self._core.nulls
        return off, codes, weight

    # -- splits by segment -------------------------------------------------------------------------------------

    def _segments(self, by: Any) -> tuple[str, list[tuple[Any, "Paths"]]]:
        """(name, [(label, paths of that segment)]) for a Segmentation / Series / dict keyed by customer id
        (paths from a log) or a sequence of labels per path row (paths from a table). Customers without a label
        are left out; segments come in sorted order."""
        from ..core import Segmentation
        name = "segment"
        if isinstance(by, Segmentation):
            name = by.name
            codes = np.asarray(by._core.codes)
            labels = np.asarray(by.labels + [None], dtype=object)[np.where(codes < 0, len(by.labels), codes)]
            by = pd.Series(labels, index=by._ids())
        elif isinstance(by, dict):
            by = pd.Series(by, dtype=object)
        if self.has_times:
            if not isinstance(by, pd.Series):
                raise TypeError("by= for paths from a log is a cxkit.Segmentation, or a Series or dict of labels "
                                f"keyed by customer id; got {type(by).__name__}")
            if by.index.has_duplicates:
                raise ValueError(f"by: customer id {by.index[by.index.duplicated()][0]!r} appears twice")
            name = by.name if isinstance(by.name, str) and name == "segment" else name
            log = self._log
            assert log is not None  # paths with times come from a log
            ids = log._customer_labels()[np.asarray(self._core.journey_customer)]
            if log._core.customer_ids_are_strings:
                by = by.set_axis(by.index.map(str))
            labels = by.reindex(pd.Index(ids)).to_numpy()
        else:
            labels = by.to_numpy() if isinstance(by, pd.Series) else np.asarray(list(by), dtype=object)
            if isinstance(by, pd.Series) and isinstance(by.name, str):
                name = by.name
            if len(labels) != len(self):
                raise ValueError(f"by: paths without journeys (from a table) are split by one label per path row: "
                                 f"got {len(labels)} labels for {len(self)} rows")
        codes, uniques = pd.factorize(pd.Series(labels, dtype=object), sort=True, use_na_sentinel=True)
        if len(uniques) == 0:
            raise ValueError("by: no path has a segment label")
        return name, [(u, Paths(self._core.select(codes == i), self._log)) for i, u in enumerate(uniques)]

    def _split_frames(self, by: Any, method: str, *args: Any, **kwargs: Any) -> pd.DataFrame:
        name, parts = self._segments(by)
        frames = []
        for label, sub in parts:
            df = getattr(sub, method)(*args, **kwargs)
            df.insert(0, name, label)
            frames.append(df)
        return pd.concat(frames, ignore_index=True)

    # -- tables ------------------------------------------------------------------------------------------------

    def transitions(self, by: SegmentBy | None = None) -> pd.DataFrame:
        """Counts and probabilities of moving from one state to the next, with (start), (conversion) and (null)
        as the first and last states: columns from, to, count, probability, median_time (the median time
        between the two steps over the journeys that made the move, a Timedelta; from the last touch to the
        conversion for "(conversion)"; NaT from (start), to (null), or when the paths carry no times).
        ``by=`` adds a first column with the segment and computes each segment's own table."""
        if by is not None:
            return self._split_frames(by, "transitions")
        off, codes, w = self._rows()
        n = len(self._core.states)
        start, conv, null = n, n + 1, n + 2
        lengths = np.diff(off).astype(np.int64)
        reps = np.repeat(np.arange(len(lengths)), lengths)
        pos = np.arange(len(codes)) - np.repeat(off[:-1].astype(np.int64), lengths)
        prev = np.where(pos == 0, start, np.concatenate([[start], codes[:-1]]))
        last = codes[off[1:].astype(np.int64) - 1]
        frm = np.concatenate([prev, last, last])
        to = np.concatenate([codes, np.full(len(lengths), conv), np.full(len(lengths), null)])
        cnt = np.concatenate([w[reps], self._core.conversions, self._core.nulls])
        names = np.array(self.states + ["(start)", "(conversion)", "(null)"], dtype=object)
        df = pd.DataFrame({"from": frm, "to": to, "count": cnt})
        df = df[df["count"] > 0].groupby(["from", "to"], as_index=False)["count"].sum()
        df["probability"] = df["count"] / df.groupby("from")["count"].transform("sum")
        median = np.full(len(df), np.nan)
        if self.has_times:
            t = _cj.transition_times(self._core)
            key = t["from"].astype(np.int64) * (n + 3) + np.where(t["to"] == n, conv, t["to"]).astype(np.int64)
            where = pd.Series(t["median"], index=key)
            median = where.reindex(df["from"].to_numpy(np.int64) * (n + 3) + df["to"].to_numpy(np.int64)).to_numpy()
        df["median_time"] = _timedeltas(median)
        df["from"] = names[df["from"].to_numpy()]
        df["to"] = names[df["to"].to_numpy()]
        return df.sort_values(["from", "count"], ascending=[True, False], kind="mergesort").reset_index(drop=True)

    def step_matrix(self, max_steps: int = 10, values: str = "share", by: SegmentBy | None = None) -> pd.DataFrame:
        """State x step table: how many customers (``values="count"``) or which share of them (``"share"``)
        are at each state at step 1, 2, ... ``max_steps`` of their path. A path that has ended counts at
        "(conversion)" or "(null)" at every later step, so each step's shares sum to 1 (retentioneering's
        step matrix with its ENDED state split by outcome). ``by=`` gives a (segment, state) row index, each
        segment with its own shares."""
        if values not in ("share", "count"):
            raise ValueError(f'values must be "share" or "count", got {values!r}')
        if isinstance(max_steps, bool) or not isinstance(max_steps, (int, np.integer)) or max_steps < 1:
            raise ValueError(f"max_steps must be a positive integer, got {max_steps!r}")
        if by is not None:
            name, parts = self._segments(by)
            return pd.concat({label: sub.step_matrix(max_steps, values) for label, sub in parts}, names=[name])
        off, codes, w = self._rows()
        conv, nul = self._core.conversions, self._core.nulls
        n = len(self._core.states)
        lengths = np.diff(off).astype(np.int64)
        starts = off[:-1].astype(np.int64)
        out = np.zeros((n + 2, max_steps))
        for j in range(max_steps):
            alive = lengths > j
            out[:, j] = np.bincount(codes[starts[alive] + j], weights=w[alive], minlength=n + 2)
            out[n, j] += conv[~alive].sum()
            out[n + 1, j] += nul[~alive].sum()
        if values == "share":
            total = w.sum()
            out = out / total if total > 0 else np.full_like(out, np.nan)
        return pd.DataFrame(out, index=pd.Index(self.states + ["(conversion)", "(null)"], name="state"),
                            columns=pd.RangeIndex(1, max_steps + 1, name="step"))

    def top_paths(self, n: int = 10, by: SegmentBy | None = None) -> pd.DataFrame:
        """The n most frequent paths with their conversion rate (``by=``: the n most frequent of each segment)."""
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(f"n must be a positive integer, got {n!r}")
        if by is not None:
            return self._split_frames(by, "top_paths", n)
        df = self.to_pandas()
        df["customers"] = df["total_conversions"] + df["total_null"]
        df["conversion_rate"] = df["total_conversions"] / df["customers"].where(df["customers"] > 0)
        return df.sort_values("customers", ascending=False, kind="mergesort").head(n).reset_index(drop=True)

    def funnel(self, steps: Sequence[str], mode: str = "closed", by: SegmentBy | None = None) -> pd.DataFrame:
        """Funnel over the given states: a path reaches step k when steps 1..k occur in it in order ("closed":
        the funnel must start at step 1; "open": counting may start at any step, each step counted when the
        path reaches it after the previous ones it reached). Columns: step, customers, conversion (share of
        the first step), step_conversion (of the previous step), drop_off, median_time_to_next (a Timedelta,
        over the journeys that reach this step and then the next; NaT for the last step or without times).
        ``by=`` adds a first column with the segment."""
        if mode not in ("closed", "open"):
            raise ValueError(f'mode must be "closed" or "open", got {mode!r}')
        if isinstance(steps, str) or not steps:
            raise ValueError("funnel needs a list of at least one step")
        index = {s: i for i, s in enumerate(self.states)}
        missing = [s for s in steps if s not in index]
        if missing:
            raise ValueError(f"unknown funnel step(s): {', '.join(map(str, missing))}; "
                             f"the paths have: {', '.join(self.states)}")
        if by is not None:
            return self._split_frames(by, "funnel", steps, mode)
        f = _cj.funnel(self._core, [index[s] for s in steps], mode == "closed")
        reached = f["customers"]
        out = pd.DataFrame({"step": list(steps), "customers": reached})
        first = reached[0] if reached[0] > 0 else np.nan
        out["conversion"] = reached / first
        prev = np.concatenate([[reached[0]], reached[:-1]])
        out["step_conversion"] = np.divide(reached, prev, out=np.full(len(reached), np.nan), where=prev > 0)
        out["drop_off"] = 1 - out["step_conversion"]
        out["median_time_to_next"] = _timedeltas(f["median_time_to_next"])
        return out

    def __repr__(self) -> str:
        return (f"Paths({len(self):,} distinct paths over {len(self.states)} states, "
                f"{self._core.conversions.sum():,.0f} conversions, {self._core.nulls.sum():,.0f} nulls)")


def _session_gap_ns(session_gap: Duration) -> int:
    """A session gap as int64 nanoseconds (the log's time unit): a Timedelta (or datetime.timedelta /
    numpy.timedelta64), a string pandas reads with its unit ("30min", "2h"), or a number of seconds."""
    what = ("session_gap must be a positive duration: a Timedelta, a string with a unit such as '30min', or a "
            f"number of seconds; got {session_gap!r}")
    if isinstance(session_gap, bool):
        raise ValueError(what)
    try:
        if isinstance(session_gap, np.timedelta64):  # before np.integer: numpy counts it as one
            td = pd.Timedelta(session_gap)
        elif isinstance(session_gap, (int, np.integer)):
            td = pd.Timedelta(int(session_gap), unit="s")
        elif isinstance(session_gap, (float, np.floating)):
            if not np.isfinite(session_gap):
                raise ValueError(what)
            td = pd.Timedelta(seconds=float(session_gap))
        elif isinstance(session_gap, str):
            try:  # pandas reads a bare "30" as 30 nanoseconds: ask for a unit instead of guessing
                float(session_gap)
            except ValueError:
                td = pd.Timedelta(session_gap)
            else:
                raise ValueError(what + " (a string needs a unit)")
        else:
            td = pd.Timedelta(session_gap)
    except (ValueError, TypeError, OverflowError) as e:
        raise ValueError(what) from e
    if pd.isna(td) or td <= pd.Timedelta(0):
        raise ValueError(what)
    return int(td.value)


def _customer_logs(scan: Scan) -> Iterator[EventLog]:
    with scan.customer_partitions() as parts:
        yield from parts


_SEP = "\x1f"  # joins states in the merged rows: a character no state name holds


def merged_paths(parts: Iterable[Paths]) -> Paths:
    """The paths of customer-disjoint parts (a scan's customer partitions, Dask partitions) as one Paths: their
    rows (path, conversions, nulls, value) added up by path. The merged Paths have no step times (no
    :meth:`Paths.journeys`, time medians or time-decay attribution) and list only the states that occur in a
    path (a log's Paths also list the states of its dictionary that none reaches, with zero credit); counts,
    transitions, funnels and the Markov, heuristic and Shapley attributions are those of the whole log."""
    return paths_from_rows([p.to_pandas(sep=_SEP) for p in parts])


def paths_from_rows(rows: list[pd.DataFrame]) -> Paths:
    """:func:`merged_paths` of the parts' ``to_pandas(sep=_SEP)`` rows (what a Dask worker sends back)."""
    if not rows:
        raise ValueError("no paths: the data holds no journeys")
    total = pd.concat(rows).groupby("path", sort=True, as_index=False).sum()
    return Paths.from_pandas(total, nulls="total_null", value="total_conversion_value", sep=_SEP)


def paths(log: EventLog | Scan, by: str = "touchpoint", session_gap: Duration | None = None, conversion: str = "purchase",
          collapse: bool = False) -> Paths:
    """One path per customer (or, with ``session_gap``, per session): the ``by`` column of their events in
    time order, up to the first event whose ``kind`` is ``conversion`` (a converting path) or all of them (a
    null path). Identical paths are merged; each journey (customer, step times, conversion time, value) is kept
    alongside for time-aware measures, :meth:`Paths.journeys` and splits by segment. ``collapse=True``
    collapses consecutive repeats of a state. Events without a ``by`` state are skipped; a customer whose only
    events are conversions (or who converts before any touch) has no path.

    ``log`` may be a :func:`cxkit.scan`: paths need each customer's events together, so the scan is partitioned
    by customer hash into temporary files, each partition's paths made, and the rows merged
    (:func:`merged_paths`: no step times).

    ``session_gap`` (a Timedelta, a string such as ``"30min"``, or a number of seconds) cuts each customer's
    events into sessions wherever the time from one event to the next is more than the gap; a pause exactly
    equal to the gap stays within the session (pandas' ``time.diff() > gap``). Every event of the log counts
    for the cuts, with a ``by`` state or not. Each session is then a journey: up to its first conversion (the
    rest of that session is dropped), a null path otherwise; the next session starts fresh and can convert
    again. A session without a state (e.g. a lone purchase) gives no path. Counts in the tables (``customers``
    in :meth:`Paths.funnel`, ...) are then sessions, and splits by segment put each session in its customer's
    segment.

    >>> p = cxkit.journey.paths(log, by="channel")                          # doctest: +SKIP
    >>> s = cxkit.journey.paths(log, by="channel", session_gap="30min")     # doctest: +SKIP
    >>> cxkit.journey.attribution.markov(p).credits                          # doctest: +SKIP
    """
    if isinstance(log, Scan):
        return merged_paths(paths(part, by, session_gap, conversion, collapse) for part in _customer_logs(log))
    if not isinstance(log, EventLog):
        raise TypeError(f"paths expects a cxkit.EventLog, got {type(log).__name__}")
    if not isinstance(by, str):
        raise TypeError(f"by names a categorical column of the log (e.g. \"channel\"), got {type(by).__name__}")
    if by not in log._core.categorical_names():
        raise ValueError(f"by: the log has no categorical column '{by}'; it has: "
                         f"{', '.join(log._core.categorical_names())}")
    gap = _session_gap_ns(session_gap) if session_gap is not None else None
    args = (log._core, by, conversion, bool(collapse))
    core = _cj.Paths.from_log(*args) if gap is None else _cj.Paths.from_log(*args, session_gap=gap)
    return Paths(core, log)

"""Segments: named groups of a log's customers, usable as a scorecard grouping."""
from __future__ import annotations

from typing import Any, Mapping

import numpy as np
import pandas as pd

from .. import _core
from ._eventlog import EventLog


class Segmentation:
    """Each customer of a log in at most one named segment (or none).

    Make one with :meth:`from_mapping` (customer id -> segment label, e.g. a CRM column),
    :meth:`from_members` (segment -> list of ids), :meth:`from_mask` (a boolean per customer of
    ``log.customers()``) or :meth:`from_rules` (first matching pandas query wins); then
    ``cxkit.scorecard(log, by=segmentation)``.

    >>> vip = cxkit.Segmentation.from_rules(log, {"big spender": "revenue > 100", "regular": "events >= 3"})
    >>> cxkit.scorecard(log, by=vip)  # doctest: +SKIP
    """

    def __init__(self, log: EventLog, core: "_core.core.Segmentation"):
        self._log = log
        self._core = core

    @property
    def name(self) -> str:
        return self._core.name

    @property
    def labels(self) -> list[str]:
        return list(self._core.labels)

    def _ids(self) -> pd.Index:
        ids = self._log._core.customer_ids()
        return pd.Index(np.asarray(ids, dtype=object) if isinstance(ids, list) else ids)

    @classmethod
    def _from_series(cls, log: EventLog, labels: pd.Series, name: str) -> "Segmentation":
        ids = pd.Index(np.asarray(log._core.customer_ids(), dtype=object)
                       if log._core.customer_ids_are_strings else log._core.customer_ids())
        aligned = labels.reindex(ids)
        codes, uniques = pd.factorize(aligned, sort=True, use_na_sentinel=True)
        return cls(log, _core.core.Segmentation.from_labels(log._core, name, codes.astype(np.int32),
                                                        [str(u) for u in uniques]))

    @classmethod
    def from_mapping(cls, log: EventLog, mapping: Mapping[Any, Any] | pd.Series, name: str = "segment") -> "Segmentation":
        """Segments from a customer id -> label mapping (a dict or a Series indexed by customer id).
        Customers not in the mapping belong to no segment (shown as missing in the scorecard)."""
        s = mapping if isinstance(mapping, pd.Series) else pd.Series(dict(mapping))
        if s.index.has_duplicates:
            raise ValueError(f"segment '{name}': a customer id appears twice in the mapping")
        if log._core.customer_ids_are_strings:
            s.index = s.index.map(str)
        return cls._from_series(log, s, name)

    @classmethod
    def from_column(cls, log: EventLog, customers: pd.DataFrame, column: str, id: str = "customer_id",
                    name: str | None = None) -> "Segmentation":
        """Segments from a membership column of a customer table (one row per customer)."""
        for c in (column, id):
            if c not in customers.columns:
                raise ValueError(f"column '{c}' is not in the customer table")
        return cls.from_mapping(log, customers.set_index(id)[column], name or column)

    @classmethod
    def from_members(cls, log: EventLog, members: Mapping[str, Any], name: str = "segment") -> "Segmentation":
        """Segments from lists of member ids; a customer listed twice stays in the first segment."""
        ids = set(log.customers()["customer_id"].tolist())
        mapping: dict[Any, str] = {}
        for label, lst in members.items():
            for i, cid in enumerate(lst):
                if cid not in ids:
                    raise ValueError(f"segment '{label}', member {i}: unknown customer id {cid!r}")
                mapping.setdefault(cid, label)
        return cls.from_mapping(log, mapping, name)

    @classmethod
    def from_mask(cls, log: EventLog, mask: Any, name: str = "segment", label: str = "in",
                  other: str | None = "out") -> "Segmentation":
        """A segment from a boolean per row of ``log.customers()`` (``other=None``: the rest in no segment)."""
        cust = log.customers()
        m = np.asarray(mask, dtype=bool)
        if m.shape != (len(cust),):
            raise ValueError(f"mask has {m.size} values for {len(cust)} customers")
        labels = np.where(m, np.asarray(label, dtype=object), np.asarray(other, dtype=object))
        return cls.from_mapping(log, pd.Series(labels, index=cust["customer_id"]).dropna(), name)

    @classmethod
    def from_rules(cls, log: EventLog, rules: Mapping[str, str], name: str = "segment",
                   customers: pd.DataFrame | None = None, other: str | None = None) -> "Segmentation":
        """Rule segments: pandas query strings over the customer table, first match wins.

        ``customers`` defaults to ``log.customers()`` (customer_id, first_seen, last_seen, events, revenue);
        pass a table with more attributes (merged on ``customer_id``) to write rules over them.
        """
        cust = log.customers() if customers is None else customers
        labels = pd.Series([other] * len(cust), index=cust["customer_id"], dtype=object)
        assigned = np.zeros(len(cust), dtype=bool)
        for label, query in rules.items():
            try:
                hit = cust.eval(query).to_numpy(dtype=bool)
            except Exception as e:
                raise ValueError(f"rule for segment '{label}' ({query!r}) failed: {e}") from None
            take = hit & ~assigned
            labels.iloc[np.flatnonzero(take)] = label
            assigned |= hit
        return cls.from_mapping(log, labels.dropna(), name)

    def sizes(self) -> pd.Series:
        codes = self._core.codes
        counts = np.bincount(codes[codes >= 0], minlength=len(self.labels))
        return pd.Series(counts, index=self.labels, name=self.name)

    def __repr__(self) -> str:
        sizes = ", ".join(f"{k}: {v:,}" for k, v in self.sizes().items())
        return f"Segmentation('{self.name}'; {sizes})"

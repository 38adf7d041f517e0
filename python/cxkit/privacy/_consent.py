"""Consent per purpose: which customers an analysis may act on or list."""
from __future__ import annotations

from typing import Any, Iterable, Mapping

import numpy as np
import pandas as pd

PURPOSES = ("analytics", "personalisation", "contact")


class Consent:
    """Per-customer consent flags for the purposes cxkit knows, from a customers table (a CRM's own fields).

    * ``analytics``: aggregate KPIs include a customer unless this is explicitly False (withdrawn);
    * ``personalisation`` (recommendations, persona membership) and ``contact`` (who-to-contact and top-customer
      lists): only customers with an explicit True; a customer missing from the table, or with a missing flag,
      has not consented (privacy by default).

    ``purposes`` maps a purpose to its column (default: columns named like the purposes; a purpose without a
    column counts as not given, except analytics, which then counts as not withdrawn).

    >>> import pandas as pd
    >>> c = Consent(pd.DataFrame({"customer_id": [1, 2, 3], "contact": [True, False, None]}))
    >>> c.allows([1, 2, 3, 4], "contact").tolist()
    [True, False, False, False]
    >>> c.allows([1, 2, 3, 4], "analytics").tolist()
    [True, True, True, True]
    """

    def __init__(self, customers: pd.DataFrame, customer: str = "customer_id",
                 purposes: Mapping[str, str] | None = None) -> None:
        if customer not in customers.columns:
            raise ValueError(f"column '{customer}': not in the customers table")
        cols = dict(purposes) if purposes is not None else {p: p for p in PURPOSES if p in customers.columns}
        for p, col in cols.items():
            if p not in PURPOSES:
                raise ValueError(f"purpose '{p}': not one of {', '.join(PURPOSES)}")
            if col not in customers.columns:
                raise ValueError(f"column '{col}' (consent for {p}): not in the customers table")
        ids = customers[customer]
        if ids.isna().any():
            raise ValueError(f"column '{customer}', row {int(np.flatnonzero(ids.isna().to_numpy())[0])}: is missing")
        if ids.duplicated().any():
            dup = ids[ids.duplicated()].iloc[0]
            raise ValueError(f"column '{customer}': customer {dup!r} appears twice")
        self._given: dict[str, pd.Index] = {}
        self._withdrawn: dict[str, pd.Index] = {}
        for p, col in cols.items():
            flags = customers[col]
            bad = ~flags.isna() & ~flags.isin([True, False, 1, 0])
            if bad.any():
                row = int(np.flatnonzero(bad.to_numpy())[0])
                raise ValueError(f"column '{col}', row {row}: a consent flag is True, False or missing, "
                                 f"got {flags.iloc[row]!r}")
            self._given[p] = pd.Index(ids[flags.eq(True).to_numpy()])
            self._withdrawn[p] = pd.Index(ids[flags.eq(False).to_numpy()])

    def allows(self, customers: Iterable[Any], purpose: str) -> np.ndarray:
        """A bool per customer: may it be used for purpose?"""
        if purpose not in PURPOSES:
            raise ValueError(f"purpose '{purpose}': not one of {', '.join(PURPOSES)}")
        idx = pd.Index(list(customers) if not isinstance(customers, (pd.Index, pd.Series, np.ndarray))
                       else customers)
        if purpose == "analytics":
            withdrawn = self._withdrawn.get(purpose)
            return np.ones(len(idx), bool) if withdrawn is None else ~idx.isin(withdrawn)
        given = self._given.get(purpose)
        return np.zeros(len(idx), bool) if given is None else np.asarray(idx.isin(given))

    def filter(self, frame: pd.DataFrame, purpose: str, customer: str | None = "customer_id") -> pd.DataFrame:
        """frame without the rows of customers who did not consent to purpose (customer: the id column, or None
        for the index). The number of customers left out is in ``result.attrs["left_out"]``."""
        ids = frame.index if customer is None else frame[customer]
        ok = self.allows(ids, purpose)
        out = frame.loc[ok]
        out.attrs["left_out"] = int(pd.Index(np.asarray(ids)[~ok]).nunique())
        out.attrs["left_out_purpose"] = purpose
        return out

    def __repr__(self) -> str:
        parts = [f"{p}: {len(self._given.get(p, []))} given, {len(self._withdrawn.get(p, []))} withdrawn"
                 for p in PURPOSES if p in self._given]
        return f"Consent({'; '.join(parts) or 'no purposes'})"

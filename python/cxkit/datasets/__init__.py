"""Example data for cxkit: real public data sets and a CX event-log simulator.

Real data (shipped in :mod:`cxkit.datasets.data`, read with
:mod:`importlib.resources`; origin and licences in ``data/README.md``):

- :func:`load_cdnow` -- CDNOW CD purchases (69,659 rows, 23,570 customers) or
  the 2,357-customer sample.
- :func:`load_cdnow_summary` -- per-customer frequency/recency/T summaries of
  the sample (CLV reference fits).
- :func:`load_donations` -- BG/BB donation patterns (11,104 donors).
- :func:`load_support_tickets` -- 8,469 synthetic support tickets, raw or as
  canonical cxkit events.

Simulated data:

- :func:`simulate` -- a realistic CX event log with four personas and planted
  effects, described in :data:`SIMULATOR_TRUTH`.

Examples
--------
>>> from cxkit import datasets
>>> df = datasets.simulate(n_customers=500, seed=0)
>>> datasets.SIMULATOR_TRUTH["worst_csat_touchpoint"]
'checkout'
>>> int(df["customer_id"].nunique())
500
"""

from ._loaders import (
    EVENT_COLUMNS,
    load_cdnow,
    load_cdnow_summary,
    load_donations,
    load_support_tickets,
)
from ._simulate import SIMULATOR_TRUTH, simulate

__all__ = [
    "EVENT_COLUMNS",
    "SIMULATOR_TRUTH",
    "load_cdnow",
    "load_cdnow_summary",
    "load_donations",
    "load_support_tickets",
    "simulate",
]


def __dir__():
    return list(__all__)

"""Transitional: the EventLog moved to :mod:`cxkit.core` (import it as ``cxkit.EventLog``)."""
from .core._eventlog import CATEGORICALS, MEASURES, EventLog, InputError

__all__ = ["CATEGORICALS", "MEASURES", "EventLog", "InputError"]

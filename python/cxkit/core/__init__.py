"""The core data model: the validated, sorted :class:`EventLog` of touchpoint events and customer
:class:`Segmentation`. Both are re-exported at the top level (``cxkit.EventLog``, ``cxkit.Segmentation``)."""
from ._eventlog import CATEGORICALS, MEASURES, EventLog, InputError, register_text_scorer
from ._scan import Scan, scan
from ._segments import Segmentation

__all__ = ["EventLog", "Scan", "scan", "Segmentation", "InputError", "CATEGORICALS", "MEASURES", "register_text_scorer"]


def __dir__() -> list[str]:
    return __all__

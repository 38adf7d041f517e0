"""Moved to :mod:`cxkit.metrics`; kept so pickles made by earlier versions (which name
``cxkit._scorecard.Scorecard``) and in-package imports still load. Remove after one release."""
from __future__ import annotations

from .metrics._scorecard import Scorecard, scorecard, scorecard_state

__all__ = ["Scorecard", "scorecard", "scorecard_state"]

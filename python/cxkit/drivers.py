"""Deprecated: use :mod:`cxkit.journey.drivers` (this alias goes in the next release)."""
from __future__ import annotations

import warnings

from .journey.drivers import relative_importance

__all__ = ["relative_importance"]

warnings.warn("cxkit.drivers is deprecated and will be removed in the next release: use cxkit.journey.drivers",
              DeprecationWarning, stacklevel=2)

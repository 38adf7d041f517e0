"""Transitional: Segmentation moved to :mod:`cxkit.core` (import it as ``cxkit.Segmentation``)."""
from .core._segments import Segmentation

__all__ = ["Segmentation"]

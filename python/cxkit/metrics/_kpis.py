"""Stand-alone KPI functions over plain arrays: NPS, CSAT and CES with intervals, and significance tests."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from .._core import metrics as _m

if TYPE_CHECKING:
    from typing_extensions import TypeAlias  # typing.TypeAlias is 3.10+; only mypy reads this

# cxkit._core has no stubs yet, so these names are Any to mypy; NpsState, used in annotations, is declared a
# TypeAlias so that mypy accepts it as a type.
NpsState: TypeAlias = _m.NpsState
CsatState = _m.CsatState
CesState = _m.CesState
FcrState = _m.FcrState
ResponseTimeState = _m.ResponseTimeState
MeanState = _m.MeanState
ComplaintState = _m.ComplaintState
CustomerSet = _m.CustomerSet
ActivityState = _m.ActivityState
KpiState = _m.KpiState
simple_clv = _m.simple_clv


def _array(x: ArrayLike) -> np.ndarray:
    """A 1-D float64 copy-or-view of the answers (the states read it with the GIL held)."""
    return np.asarray(x, dtype=np.float64).reshape(-1)


def _g(x: float, digits: int = 1) -> str:
    """A rounded number for display (the fields keep the exact value)."""
    return "nan" if not np.isfinite(x) else f"{x:.{digits}f}"


class _Display:
    """Notebook displays of a result: ``repr`` rounded (``low=-29.8``, not ``-29.782658786036354``) and a small HTML
    table; the exact numbers stay in the fields."""

    _digits: dict[str, int] = {}

    def _pairs(self) -> list[tuple[str, str]]:
        out = []
        for name in self.__dataclass_fields__:  # type: ignore[attr-defined]
            v = getattr(self, name)
            if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
                out.append((name, f"{v:,}"))
            elif isinstance(v, float):
                out.append((name, f"{v:.0%}" if name == "confidence" else
                            f"{v:.3g}" if name == "p" else _g(v, self._digits.get(name, 2))))
            else:
                out.append((name, str(v)))
        return out

    def __repr__(self) -> str:
        return f"{type(self).__name__}(" + ", ".join(f"{k}={v}" for k, v in self._pairs()) + ")"

    def _repr_html_(self) -> str:
        import html

        rows = "".join(f"<tr><th style='text-align:left'>{html.escape(k)}</th>"
                       f"<td style='text-align:right'>{html.escape(v)}</td></tr>" for k, v in self._pairs())
        return f"<table><caption>{html.escape(str(self))}</caption>{rows}</table>"


@dataclass(frozen=True, repr=False)
class NpsResult(_Display):
    """Net Promoter Score in points (-100..100) with its adjusted-Wald interval."""
    value: float
    low: float
    high: float
    n: int
    promoters: int
    passives: int
    detractors: int
    variance: float
    confidence: float
    _digits = {"value": 1, "low": 1, "high": 1, "variance": 3}

    def __str__(self) -> str:
        return f"NPS {self.value:.1f} [{self.low:.1f}, {self.high:.1f}] (n={self.n}, {self.confidence:.0%} CI)"


@dataclass(frozen=True, repr=False)
class CsatResult(_Display):
    """CSAT as the percentage of 4-5 answers (top-2-box) with its Wilson interval, in percent."""
    value: float
    low: float
    high: float
    n: int
    satisfied: int
    confidence: float
    _digits = {"value": 1, "low": 1, "high": 1}

    def __str__(self) -> str:
        return f"CSAT {self.value:.1f}% [{self.low:.1f}, {self.high:.1f}] (n={self.n}, {self.confidence:.0%} CI)"


@dataclass(frozen=True, repr=False)
class CesResult(_Display):
    """Customer Effort Score (CES 2.0, 1-7 agreement that it was easy): mean and percent agreeing (5-7)."""
    mean: float
    agree: float
    n: int
    _digits = {"mean": 2, "agree": 1}

    def __str__(self) -> str:
        return f"CES {self.mean:.2f} ({self.agree:.1f}% agree, n={self.n})"


@dataclass(frozen=True, repr=False)
class TestResult(_Display):
    """A two-sided z test: the difference (first minus second, or minus the benchmark), z and p."""
    difference: float
    z: float
    p: float
    _digits = {"difference": 1, "z": 2}

    def __str__(self) -> str:
        return f"difference {self.difference:+.1f}, z={self.z:.2f}, p={self.p:.3g}"

    def significant(self, alpha: float = 0.05) -> bool:
        return bool(np.isfinite(self.p) and self.p < alpha)


def nps_state(scores: ArrayLike) -> NpsState:
    """The mergeable NPS state of 0-10 answers (NaN = no answer)."""
    s = NpsState()
    s.fill(_array(scores))
    return s


def nps(scores: ArrayLike, confidence: float = 0.95) -> NpsResult:
    """Net Promoter Score of 0-10 answers (NaN = no answer).

    Promoters answer 9-10, passives 7-8, detractors 0-6; NPS = 100 (P - D) / n. The interval is the adjusted
    Wald interval (add 3/4 promoter, 3/4 detractor, 3 answers; MeasuringU / Rocks 2016); the reported value is
    the raw NPS.

    >>> str(cxkit.nps([10, 9, 8, 3, 10]))
    'NPS 40.0 [-29.8, 79.8] (n=5, 95% CI)'
    """
    s = nps_state(scores)
    low, high = s.interval(confidence)
    return NpsResult(s.value, low, high, s.n, s.promoters, s.passives, s.detractors, s.variance, confidence)


def csat(scores: ArrayLike, confidence: float = 0.95) -> CsatResult:
    """CSAT of 1-5 answers: percent of 4 and 5 with the Wilson interval (NaN = no answer)."""
    s = CsatState()
    s.fill(_array(scores))
    low, high = s.interval(confidence)
    return CsatResult(s.value, low, high, s.n, s.satisfied, confidence)


def ces(scores: ArrayLike) -> CesResult:
    """CES of 1-7 answers: the mean and the percent agreeing it was easy (5-7)."""
    s = CesState()
    s.fill(_array(scores))
    return CesResult(s.mean, s.agree, s.n)


def nps_test(a: ArrayLike, b: ArrayLike | float) -> TestResult:
    """Is the NPS of sample ``a`` different from that of sample ``b`` (or from a benchmark number ``b``)?

    Two-sample z test z = (NPS1 - NPS2) / sqrt(v1/n1 + v2/n2) with v the variance of one answer coded
    +1/0/-1; with a number for ``b`` (a competitor's or an industry NPS), the one-sample test against it.
    """
    sa = nps_state(a)
    if np.ndim(b) == 0:
        bench = float(np.asarray(b))  # b is 0-d here; np.asarray gives float() a type it accepts
        if not -100 <= bench <= 100:
            raise ValueError(f"benchmark NPS must be in [-100, 100], got {bench}")
        z, p = _m.nps_vs_benchmark(sa.value, sa.variance, sa.n, bench)
        return TestResult(sa.value - bench, z, p)
    sb = nps_state(b)
    z, p = _m.nps_z_test(sa.value, sa.variance, sa.n, sb.value, sb.variance, sb.n)
    return TestResult(sa.value - sb.value, z, p)


def csat_test(a: ArrayLike, b: ArrayLike | float) -> TestResult:
    """Two-proportion z test of the CSAT of ``a`` against ``b``, or against a benchmark percentage ``b``."""
    sa = CsatState()
    sa.fill(_array(a))
    if np.ndim(b) == 0:
        bench = float(np.asarray(b))  # b is 0-d here; np.asarray gives float() a type it accepts
        if not 0 <= bench <= 100:
            raise ValueError(f"benchmark CSAT must be a percentage in [0, 100], got {bench}")
        z, p = _m.proportion_vs_benchmark(sa.satisfied, sa.n, bench / 100)
        return TestResult(sa.value - bench, z, p)
    sb = CsatState()
    sb.fill(_array(b))
    z, p = _m.proportion_z_test(sa.satisfied, sa.n, sb.satisfied, sb.n)
    return TestResult(sa.value - sb.value, z, p)

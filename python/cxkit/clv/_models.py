"""The CLV estimators: a lifetimes-shaped Python face over cxkit._core.clv (fits and predictions in C++)."""
from __future__ import annotations

import math
import warnings
from typing import Any, Literal, overload

import numpy as np
import pandas as pd

from .. import _core

_c = _core.clv

_Z95 = 1.959963984540054


class ConvergenceWarning(UserWarning):
    """A CLV model fit did not converge: its parameters may not be the maximum-likelihood estimates."""


class NoDropoutSignalWarning(UserWarning):
    """A purchase-model fit ran to a boundary of its parameters that means the data show no drop-out signal
    (customers keep buying to the end of the window): BG/NBD, MBG/NBD a + b -> inf or a/(a+b) -> 0, Pareto/NBD
    s -> 0. The fit's ``no_dropout_signal_`` is True; predictions stay finite (a + b -> inf: the limit model with
    one drop-out probability a/(a+b)), but say little about churn."""


def _array(x: Any, name: str) -> np.ndarray:
    if isinstance(x, (pd.Series, pd.Index)):
        x = x.to_numpy()
    try:
        a = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise ValueError(f"column '{name}': must be numbers ({e})") from None
    if a.ndim == 0:
        a = a.reshape(1)
    if a.ndim != 1:
        raise ValueError(f"column '{name}': must be one-dimensional, got shape {a.shape}")
    return a


def _index_of(*xs: Any) -> pd.Index | None:
    for x in xs:
        if isinstance(x, (pd.Series, pd.DataFrame)):
            return x.index
    return None


def _shape_out(values: np.ndarray, scalar: bool, index: pd.Index | None, name: str | None = None) -> Any:
    if scalar:
        return float(values[0])
    if index is not None and len(index) == len(values):
        return pd.Series(values, index=index, name=name)
    return values


def _broadcast(**cols: Any) -> tuple[dict[str, np.ndarray], bool, pd.Index | None]:
    """Arrays of a common length (scalars broadcast); scalar=True when every input was a scalar."""
    scalar = all(np.ndim(v) == 0 for v in cols.values())
    index = _index_of(*cols.values())
    arrs = {k: _array(v, k) for k, v in cols.items()}
    n = max(len(a) for a in arrs.values())
    for k, a in arrs.items():
        if len(a) not in (1, n):
            first = next(iter(arrs))
            raise ValueError(f"column '{k}': has {len(a)} values but {first} has {len(arrs[first])}")
        if len(a) == 1 and n != 1:
            arrs[k] = np.full(n, a[0])
    return arrs, scalar, index


@overload
def _column(df: pd.DataFrame, names: tuple[str, ...], role: str, required: Literal[True] = ...) -> pd.Series: ...
@overload
def _column(df: pd.DataFrame, names: tuple[str, ...], role: str, required: bool) -> pd.Series | None: ...


def _column(df: pd.DataFrame, names: tuple[str, ...], role: str, required: bool = True) -> pd.Series | None:
    """The first of ``names`` that is a column of ``df``; if none is: ValueError when required, else None."""
    for n in names:
        if n in df.columns:
            return df[n]
    if required:
        raise ValueError(f"column '{names[0]}' ({role}) is not in the summary DataFrame; columns are "
                         f"{list(df.columns)}")
    return None


class _FittedModel:
    """The estimator face of one bound C++ model class (``_core_class``, e.g. ``cxkit._core.clv.BetaGeoModel``): the
    fitted C++ model is kept as ``_model`` and every prediction and the standard errors are computed on it."""
    _core_class: Any = None

    def __init__(self, penalizer_coef: float = 0.0):
        if not (np.isfinite(penalizer_coef) and penalizer_coef >= 0):
            raise ValueError(f"penalizer_coef: must be a finite number >= 0, got {penalizer_coef!r}")
        self.penalizer_coef = float(penalizer_coef)

    # -- fitted state -----------------------------------------------------------------------------------------
    # A fit of up to 2**18 unique rows defers its Hessian (a third of the fit's time) until standard_errors_,
    # covariance_, summary or converged_ is first read: the C++ model keeps its unique rows for it.
    _DEFERRED = ("standard_errors_", "covariance_", "converged_", "message_")

    def _set_result(self, model: Any, n: int) -> None:
        for k in self._DEFERRED:
            self.__dict__.pop(k, None)
        res = model.result
        self._model = model
        self.params_ = {k: float(v) for k, v in res["params"].items()}
        self.log_likelihood_ = float(res["log_likelihood"])
        self.iterations_ = int(res["iterations"])
        self.n_customers_ = n
        boundary = str(res.get("boundary", ""))
        self.no_dropout_signal_ = boundary.startswith("no drop-out signal")
        if boundary:
            warnings.warn(f"{type(self).__name__}.fit: {boundary}", NoDropoutSignalWarning, stacklevel=3)
        if model.standard_errors_deferred and res["converged"]:
            return  # the gradient vanished; the Hessian check comes with the standard errors
        if model.standard_errors_deferred:  # not converged: say so now, with whatever the Hessian gives
            se = model.standard_errors()
            res = dict(res, standard_errors=se["standard_errors"], covariance=se["covariance"])
        self._store_errors(res, bool(res["converged"]), str(res["message"]), stacklevel=4)

    def _store_errors(self, res: dict, converged: bool, message: str, stacklevel: int) -> None:
        self.standard_errors_ = {k: float(v) for k, v in res["standard_errors"].items()}
        self.covariance_ = pd.DataFrame(np.asarray(res["covariance"]), index=list(self.params_),
                                        columns=list(self.params_))
        self.converged_ = converged
        self.message_ = message
        if not converged:
            warnings.warn(f"{type(self).__name__}.fit did not converge: {message or 'no reason given'}; "
                          "the parameters may not be the maximum-likelihood estimates", ConvergenceWarning,
                          stacklevel=stacklevel)

    def __getattr__(self, name: str) -> Any:
        # Only called when normal lookup fails: computes the deferred standard errors on first use.
        d = self.__dict__
        model = d.get("_model")
        if name in _FittedModel._DEFERRED and model is not None and model.standard_errors_deferred:
            res = model.standard_errors()
            ok = bool(res["ok"])
            # As lifetimes: with an L2 penalty the optimum need not be a maximum of the likelihood itself.
            self._store_errors(res, ok or self.penalizer_coef > 0, str(res["message"]), stacklevel=3)
            return d[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __getstate__(self) -> dict:
        model = self.__dict__.get("_model")
        if model is not None and model.standard_errors_deferred:
            self.standard_errors_  # noqa: B018 -- resolve before pickling: the kept rows are not pickled
        state = self.__dict__.copy()
        state.pop("_model", None)  # rebuilt from params_ on load
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self.__dict__.pop("_deferred", None)  # pickles of older versions
        if "params_" in state:
            self._model = self._core_class(list(state["params_"].values()))

    def _check_fitted(self) -> None:
        if not hasattr(self, "params_"):
            raise RuntimeError(f"this {type(self).__name__} is not fitted yet: call .fit(...) first")

    @property
    def _p(self) -> list[float]:
        self._check_fitted()
        return list(self.params_.values())

    def _fitted(self) -> Any:
        """The fitted C++ model (cxkit._core.clv)."""
        self._check_fitted()
        return self._model

    @property
    def summary(self) -> pd.DataFrame:
        """coef, se, lower 95%, upper 95% per parameter (Wald intervals from the Hessian of the log-likelihood)."""
        self._check_fitted()
        coef = pd.Series(self.params_)
        se = pd.Series(self.standard_errors_)
        return pd.DataFrame({"coef": coef, "se": se, "lower 95%": coef - _Z95 * se, "upper 95%": coef + _Z95 * se})

    @classmethod
    def from_params(cls, **params: float):
        """A model with the given parameters (no fit), e.g. to predict or simulate."""
        names = cls._param_names()
        if set(params) != set(names):
            raise ValueError(f"params: {cls.__name__} needs exactly {names}, got {sorted(params)}")
        m = cls()
        values = {k: float(params[k]) for k in names}
        m._model = cls._core_class(list(values.values()))  # validates: finite and > 0, naming the parameter
        m.params_ = values
        m.standard_errors_ = {k: float("nan") for k in names}
        m.log_likelihood_ = float("nan")
        m.converged_ = True
        return m

    @classmethod
    def _param_names(cls) -> list[str]:
        return list(cls._core_class.param_names())

    def __repr__(self) -> str:
        if not hasattr(self, "params_"):
            return f"<cxkit.clv.{type(self).__name__}: not fitted>"
        ps = ", ".join(f"{k}={v:.4g}" for k, v in self.params_.items())
        ll = "" if math.isnan(self.log_likelihood_) else f", log-likelihood={self.log_likelihood_:.2f}"
        return f"<cxkit.clv.{type(self).__name__}: {ps}{ll}>"

    def _repr_html_(self) -> str:
        if not hasattr(self, "params_"):
            return f"<p>cxkit.clv.{type(self).__name__}: not fitted</p>"
        return (f"<p><b>cxkit.clv.{type(self).__name__}</b>, log-likelihood {self.log_likelihood_:.2f}, "
                f"converged: {self.converged_}</p>" + self.summary.to_html(float_format="%.4f"))


class _RfmModel(_FittedModel):
    _discrete = False
    _t_names: tuple[str, ...] = ("T",)

    def fit(self, frequency: Any, recency: Any = None, T: Any = None, weights: Any = None,
            initial_params: dict | list | None = None):
        """Fit by maximum likelihood to per-customer ``frequency`` (repeat purchases), ``recency`` and ``T`` (same
        time unit), optionally weighted (``weights[i]`` customers share row i), or to a summary DataFrame with
        those columns (and an optional ``weights`` column). Returns ``self``."""
        if isinstance(frequency, pd.DataFrame):
            if recency is not None or T is not None:
                raise TypeError("fit: pass either a summary DataFrame or the frequency, recency, T columns")
            df = frequency
            frequency = _column(df, ("frequency", "x"), "repeat purchases")
            recency = _column(df, ("recency", "t_x"), "time of the last purchase")
            T = _column(df, self._t_names, "customer age")
            if weights is None:
                weights = _column(df, ("weights",), "weights", required=False)
        elif recency is None or T is None:
            raise TypeError(f"fit: needs frequency, recency and {self._t_names[0]} (or one summary DataFrame)")
        f, r, t = _array(frequency, "frequency"), _array(recency, "recency"), _array(T, self._t_names[0])
        w = None if weights is None else _array(weights, "weights")
        init: list[float] = []
        if initial_params is not None:
            init = [float(initial_params[k]) for k in self._param_names()] if isinstance(initial_params, dict) \
                else [float(v) for v in initial_params]
        model = self._core_class.fit(f, r, t, w, penalizer_coef=self.penalizer_coef, initial=init,
                                     defer_standard_errors=True)
        self._set_result(model, len(f))
        # The data's extent, the default axes of the matrix plots.
        self.data_extent_ = {"frequency": float(f.max(initial=0)), "T": float(t.max(initial=0))}
        return self

    # -- predictions ------------------------------------------------------------------------------------------
    def log_likelihood(self, frequency: Any, recency: Any, T: Any) -> Any:
        """Per-customer log-likelihood at the fitted parameters."""
        a, scalar, idx = _broadcast(frequency=frequency, recency=recency, T=T)
        v = self._fitted().log_likelihood(a["frequency"], a["recency"], a["T"])
        return _shape_out(v, scalar, idx)

    def conditional_expected_purchases(self, t: Any, frequency: Any, recency: Any, T: Any) -> Any:
        """E[Y(t) | frequency, recency, T]: expected purchases in the next ``t`` periods of each customer."""
        a, scalar, idx = _broadcast(frequency=frequency, recency=recency, T=T, t=t)
        v = self._fitted().conditional_expected_purchases(a["t"], a["frequency"], a["recency"], a["T"])
        return _shape_out(v, scalar, idx)

    def probability_alive(self, frequency: Any, recency: Any, T: Any) -> Any:
        """P(alive | frequency, recency, T) per customer."""
        a, scalar, idx = _broadcast(frequency=frequency, recency=recency, T=T)
        v = self._fitted().probability_alive(a["frequency"], a["recency"], a["T"])
        return _shape_out(v, scalar, idx)

    def expected_purchases(self, t: Any) -> Any:
        """E[X(t)]: expected purchases of a new customer in ``t`` periods (unconditional)."""
        scalar = np.ndim(t) == 0
        v = self._fitted().expected_purchases(_array(t, "t"))
        return _shape_out(v, scalar, _index_of(t))

    def probability_of_n_purchases(self, t: float, n: Any) -> Any:
        """P(X(t) = n): probability that a new customer makes ``n`` purchases in ``t`` periods."""
        model = self._fitted()
        scalar = np.ndim(n) == 0
        ns = np.atleast_1d(np.asarray(n))
        if not np.all(ns == np.floor(ns)) or (ns < 0).any():
            raise ValueError("n: must be whole numbers >= 0")
        v = np.asarray(model.probability_of_n_purchases(float(t), [int(k) for k in ns]))
        return float(v[0]) if scalar else v

    def simulate(self, n_customers: int, T: float, seed: int = 0) -> pd.DataFrame:
        """Simulated customers from the fitted model: a DataFrame with frequency, recency, T (all observed for
        ``T`` periods). The same seed gives the same customers."""
        if int(n_customers) < 0:
            raise ValueError(f"n_customers: must be >= 0, got {n_customers}")
        x, tx, TT = self._fitted().simulate(int(n_customers), float(T), int(seed))
        return pd.DataFrame({"frequency": x, "recency": tx, self._t_names[0]: TT})

    # -- next-purchase timing (include/cxkit/clv/next_purchase.hpp) -------------------------------------------
    def conditional_probability_of_n_purchases(self, t: Any, n: int, frequency: Any, recency: Any, T: Any) -> Any:
        """P(Y(t) = n | frequency, recency, T): the probability that each customer makes exactly ``n`` purchases in
        the next ``t`` periods, i.e. in (T, T+t]. A dead customer buys nothing, an alive one is a new customer with
        the posterior parameters, so ``P(0) = 1 - P(alive) + P(alive) P(no purchase in t | alive)``. For the BG/BB
        ``t`` counts purchase opportunities (a whole number). Same validation as the other predictions (a bad
        customer raises ``ValueError`` naming the column and row); ``t`` must be >= 0.

        >>> import cxkit
        >>> m = cxkit.clv.BetaGeoModel.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
        >>> round(m.conditional_probability_of_n_purchases(4, 0, frequency=2, recency=30.43, T=38.86), 4)
        0.8693
        """
        if isinstance(n, bool) or np.ndim(n) != 0 or int(n) != n or n < 0:
            raise ValueError(f"n: must be a whole number >= 0, got {n!r}")
        a, scalar, idx = _broadcast(frequency=frequency, recency=recency, T=T, t=t)
        v = self._fitted().conditional_probability_of_n_purchases(a["t"], int(n), a["frequency"], a["recency"],
                                                                   a["T"])
        return _shape_out(v, scalar, idx)

    def conditional_probability_of_n_purchases_up_to_time(self, n: int, t: Any, frequency: Any, recency: Any,
                                                          T: Any) -> Any:
        """lifetimes' argument order (``n`` first) for :meth:`conditional_probability_of_n_purchases`."""
        return self.conditional_probability_of_n_purchases(t, n, frequency, recency, T)

    def probability_of_purchase_within(self, t: Any, frequency: Any, recency: Any, T: Any) -> Any:
        """P(at least one purchase in (T, T+t] | frequency, recency, T) = ``1 - P(Y(t) = 0)``, computed as
        ``P(alive) P(a purchase within t | alive)`` (no cancellation for small ``t``). It grows with ``t`` towards
        ``P(alive)`` (BG/NBD, MBG/NBD: an alive customer buys again before she can drop out) or less (Pareto/NBD,
        BG/BB: she may die first); ``t = inf`` gives that limit, the probability of ever buying again (not for
        the BG/BB).

        >>> import cxkit
        >>> m = cxkit.clv.BetaGeoModel.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
        >>> m.probability_of_purchase_within([0, 4, 52], frequency=2, recency=30.43, T=38.86).round(4).tolist()
        [0.0, 0.1307, 0.6028]
        """
        a, scalar, idx = _broadcast(frequency=frequency, recency=recency, T=T, t=t)
        v = self._fitted().probability_of_purchase_within(a["t"], a["frequency"], a["recency"], a["T"])
        return _shape_out(v, scalar, idx)

    def median_time_to_next_purchase(self, frequency: Any, recency: Any, T: Any) -> Any:
        """The smallest ``t`` with P(a purchase in (T, T+t] | frequency, recency, T) >= 1/2, in the summary's time
        unit: half of such customers buy again by then. ``inf`` when that probability never reaches 1/2 (likely
        churned customers). BG/BB: a whole number of opportunities (``t`` at most 10**7 there; NaN in the rare case
        the walk over periods cannot decide by then).

        >>> import cxkit
        >>> m = cxkit.clv.BetaGeoModel.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
        >>> m.median_time_to_next_purchase([2, 1], recency=[30.43, 2], T=[38.86, 39]).round(2).tolist()
        [29.48, inf]
        """
        a, scalar, idx = _broadcast(frequency=frequency, recency=recency, T=T)
        v = self._fitted().median_time_to_next_purchase(a["frequency"], a["recency"], a["T"])
        return _shape_out(v, scalar, idx)


class BetaGeoModel(_RfmModel):
    """BG/NBD (Fader, Hardie & Lee 2005): Poisson purchases while alive, a geometric drop-out after each purchase.
    Parameters r, alpha (gamma purchase rates), a, b (beta drop-out probabilities). lifetimes' BetaGeoFitter."""
    _core_class = _c.BetaGeoModel


class ParetoNBDModel(_RfmModel):
    """Pareto/NBD (Schmittlein, Morrison & Colombo 1987): Poisson purchases, exponential lifetimes. Parameters r,
    alpha (purchase rates), s, beta (drop-out rates). lifetimes' ParetoNBDFitter."""
    _core_class = _c.ParetoNBDModel


class ModifiedBetaGeoModel(_RfmModel):
    """MBG/NBD (Batislam, Denizel & Filiztekin 2007): BG/NBD where customers can also drop out right after their
    first purchase. Parameters r, alpha, a, b. lifetimes' ModifiedBetaGeoFitter."""
    _core_class = _c.ModifiedBetaGeoModel


class BetaGeoBetaBinomModel(_RfmModel):
    """BG/BB (Fader, Hardie & Shang 2010), discrete time: one purchase opportunity per period. ``T`` is the number
    of periods (opportunities; a summary column ``periods`` or ``n_periods`` is also accepted). Parameters alpha,
    beta (purchase probability), gamma, delta (drop-out probability). lifetimes' BetaGeoBetaBinomFitter."""
    _core_class = _c.BetaGeoBetaBinomModel
    _discrete = True
    _t_names = ("periods", "n_periods", "T")

    def probability_of_n_purchases(self, t: float, n: Any) -> Any:
        """P(X(t) = n) for a new customer over ``t`` purchase opportunities (Fader, Hardie & Shang 2010, eq. 7;
        computed in C++). ``t`` is a whole number of periods (at most 10**7)."""
        self._check_fitted()
        if np.ndim(t) != 0 or not np.isfinite(t) or int(t) != t or t < 0:
            raise ValueError(f"t: must be a whole number of periods >= 0, got {t!r}")
        return super().probability_of_n_purchases(t, n)

    def simulate(self, n_customers: int, T: float, seed: int = 0) -> pd.DataFrame:
        # T is a float as in the base class: any whole number of periods (5 or 5.0) is accepted
        if int(T) != T:
            raise ValueError(f"T: must be a whole number of periods, got {T!r}")
        return super().simulate(n_customers, T, seed)


class GammaGammaModel(_FittedModel):
    """Gamma-Gamma spend model (Fader, Hardie & Lee 2005 spend note): the mean spend of a customer's repeat
    purchases, independent of their frequency. Parameters p, q, gamma. lifetimes' GammaGammaFitter."""
    _core_class = _c.GammaGammaModel

    def fit(self, frequency: Any, monetary_value: Any = None, weights: Any = None,
            initial_params: dict | list | None = None):
        """Fit to customers' ``frequency`` (repeat purchases) and ``monetary_value`` (mean spend of the repeat
        purchases), or to a summary DataFrame with those columns. Customers with frequency 0 are left out (they
        carry no spend information), as lifetimes asks users to do by hand. Returns ``self``."""
        if isinstance(frequency, pd.DataFrame):
            if monetary_value is not None:
                raise TypeError("fit: pass either a summary DataFrame or the frequency, monetary_value columns")
            df = frequency
            frequency = _column(df, ("frequency", "x"), "repeat purchases")
            monetary_value = _column(df, ("monetary_value", "zbar"), "mean spend of the repeat purchases")
            if weights is None:
                weights = _column(df, ("weights",), "weights", required=False)
        elif monetary_value is None:
            raise TypeError("fit: needs frequency and monetary_value (or one summary DataFrame)")
        f, m = _array(frequency, "frequency"), _array(monetary_value, "monetary_value")
        w = None if weights is None else _array(weights, "weights")
        init: list[float] = []
        if initial_params is not None:
            init = [float(initial_params[k]) for k in self._param_names()] if isinstance(initial_params, dict) \
                else [float(v) for v in initial_params]
        model = self._core_class.fit(f, m, w, penalizer_coef=self.penalizer_coef, initial=init)
        self._set_result(model, len(f))
        return self

    def conditional_expected_average_value(self, frequency: Any, monetary_value: Any) -> Any:
        """E[M | frequency, monetary_value]: the expected mean spend per purchase of each customer (the population
        mean for customers with frequency 0). lifetimes' conditional_expected_average_profit."""
        a, scalar, idx = _broadcast(frequency=frequency, monetary_value=monetary_value)
        v = self._fitted().conditional_expected_average_value(a["frequency"], a["monetary_value"])
        return _shape_out(v, scalar, idx)

    conditional_expected_average_profit = conditional_expected_average_value

    def simulate(self, frequency: Any, seed: int = 0) -> np.ndarray:
        """Simulated mean spend of customers with the given repeat-purchase counts (0 where frequency is 0)."""
        return np.asarray(self._fitted().simulate(_array(frequency, "frequency"), int(seed)))


_MONTH_FACTOR = {"W": 4.345, "M": 1.0, "D": 30.0, "H": 30.0 * 24}


def customer_lifetime_value(purchase_model: _RfmModel, spend_model: GammaGammaModel, summary: pd.DataFrame,
                            months: int = 12, discount_rate: float = 0.01, freq: str = "W") -> pd.Series:
    """Discounted customer lifetime value over ``months`` months, as lifetimes'
    ``GammaGammaFitter.customer_lifetime_value``: for month i = 1..months, the expected purchases in that month
    (``conditional_expected_purchases`` at i*f minus at (i-1)*f, with f = 4.345 weeks / 30 days / 720 hours / 1
    month per month for ``freq`` W / D / H / M, the unit of ``summary``'s recency and T) times the Gamma-Gamma
    expected spend, divided by (1 + discount_rate)**i; summed over the months.

    ``summary`` needs frequency, recency, T and monetary_value columns (e.g. from :func:`rfm_summary`). Returns a
    Series named ``clv`` on ``summary``'s index. Computed in one C++ pass (GIL released, two threads for large
    tables) that reads float64 columns in place; the model's special functions are evaluated once per distinct
    (frequency, T) pair.
    """
    if freq not in _MONTH_FACTOR:
        raise ValueError(f"freq: must be one of {', '.join(_MONTH_FACTOR)}, got {freq!r}")
    if int(months) != months or months < 0:
        raise ValueError(f"months: must be a whole number >= 0, got {months!r}")
    if not (np.isfinite(discount_rate) and discount_rate > -1):
        raise ValueError(f"discount_rate: must be a finite number > -1, got {discount_rate!r}")
    if not isinstance(summary, pd.DataFrame):
        raise TypeError("summary: expected a DataFrame with frequency, recency, T and monetary_value columns")
    if not isinstance(purchase_model, _RfmModel):
        raise TypeError(f"purchase_model: expected a fitted cxkit.clv purchase model, got {type(purchase_model).__name__}")
    if not isinstance(spend_model, GammaGammaModel):
        raise TypeError(f"spend_model: expected a fitted cxkit.clv.GammaGammaModel, got {type(spend_model).__name__}")
    f = _array(_column(summary, ("frequency", "x"), "repeat purchases"), "frequency")
    r = _array(_column(summary, ("recency", "t_x"), "time of the last purchase"), "recency")
    T = _array(_column(summary, purchase_model._t_names, "customer age"), "T")
    m = _array(_column(summary, ("monetary_value", "zbar"), "mean spend"), "monetary_value")
    clv = purchase_model._fitted().customer_lifetime_value(spend_model._fitted(), f, r, T, m, int(months),
                                                           float(discount_rate), _MONTH_FACTOR[freq])
    return pd.Series(clv, index=summary.index, name="clv", copy=False)

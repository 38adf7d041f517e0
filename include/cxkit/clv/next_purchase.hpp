#pragma once
// Next-purchase timing from the buy-till-you-die models: P(n purchases in (T, T+t] | x, t_x, T), the probability
// of a purchase within t, and the median time to the next purchase.
//
// Every model here has the same structure: a customer is either dead at T (then she buys nothing more) or alive,
// and given alive at T her future is a NEW customer of the same family with the posterior parameters:
//     BG/NBD     lambda ~ Gamma(r+x, alpha+T), p ~ Beta(a, b+x)      (survived x drop-out chances, one per purchase)
//     MBG/NBD    lambda ~ Gamma(r+x, alpha+T), p ~ Beta(a, b+x+1)    (also the one at time 0); the future drops out
//                only after purchases, so it is a BG/NBD
//     Pareto/NBD lambda ~ Gamma(r+x, alpha+T), mu ~ Gamma(s, beta+T) (memoryless lifetime)
// so  P(Y(t) = n | history) = [n = 0] (1 - P(alive)) + P(alive) P_new(X(t) = n; posterior parameters), which is
// Hardie's note 028 (Pareto/NBD conditional pmf, eq. 16) written through the models' own P(X(t) = n).
// For n = 0, 1 - P(alive) P(a purchase within t | alive): ((alpha+T)/(alpha+T+t))^(r+x) for the BG/NBD and
// MBG/NBD, a Gauss-Kronrod integral for the Pareto/NBD (see some_within).
//
// BG/BB (discrete: t is a whole number of opportunities): given alive at opportunity n+1, p ~ Beta(alpha+x,
// beta+n-x) and theta ~ Beta(gamma, delta+n+1) (survived n+1 opportunity starts). She is alive for L of the next t
// opportunities, P(L = l) = theta (1-theta)^(l-1) (l < t), (1-theta)^(t-1) (l = t), and buys Binomial(L, p):
//     P(k | alive) = sum_{l=1}^{t-1} B(gamma+1, delta'+l-1)/B(gamma, delta') C(l,k) B(alpha'+k, beta'+l-k)/B(alpha',beta')
//                  + B(gamma, delta'+t-1)/B(gamma, delta') C(t,k) B(alpha'+k, beta'+t-k)/B(alpha',beta').
//
// The median time to the next purchase is the smallest t with P(at least one purchase in (T, T+t]) >= 1/2; that
// probability increases with t to P(alive) (BG/NBD, MBG/NBD: alive customers buy again before dropping out) or
// P(alive) (1 - P(no purchase before death | alive)) (Pareto/NBD, BG/BB); the median is +inf when this limit is
// not above 1/2. BG/NBD and MBG/NBD have it in closed form, the Pareto/NBD by a bracketed TOMS 748 root find,
// the BG/BB by a walk over whole periods.
#include <boost/math/quadrature/gauss_kronrod.hpp>
#include <boost/math/special_functions/beta.hpp>
#include <boost/math/special_functions/gamma.hpp>
#include <boost/math/tools/roots.hpp>

#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>

#include "cxkit/clv/beta_geo.hpp"
#include "cxkit/clv/beta_geo_beta_binom.hpp"
#include "cxkit/clv/modified_beta_geo.hpp"
#include "cxkit/clv/pareto_nbd.hpp"
#include "cxkit/core/error.hpp"
#include "cxkit/core/rules.hpp"

namespace cxkit::clv {

namespace detail {

inline constexpr double inf = std::numeric_limits<double>::infinity();
inline constexpr double max_opportunities = RfmData::max_periods;  // BG/BB horizons (t and the median's walk)

// The rules of RfmData::from_customers for one customer (T named "periods" for the BG/BB).
inline void check_history(double x, double t_x, double T, bool discrete) {
    RfmFieldNames names;
    if (discrete) names.T = "periods";
    RfmData::check_customer(x, t_x, T, invalid_input::no_row, names, discrete);
}

inline void check_t(double t, bool discrete, bool allow_inf = false) {
    if (allow_inf && t == inf) return;
    if (!std::isfinite(t) || t < 0)
        throw invalid_input("t", invalid_input::no_row, "must be a finite number >= 0, got " + describe_value(t));
    if (discrete && t != std::floor(t))
        throw invalid_input("t", invalid_input::no_row, "must be a whole number of periods, got " + describe_value(t));
    if (discrete && t > max_opportunities)  // the BG/BB sums one term per opportunity
        throw invalid_input("t", invalid_input::no_row, "must be at most 10^7 periods, got " + describe_value(t));
}

inline void check_n(int n) {
    if (n < 0) throw invalid_input("n", invalid_input::no_row, "must be >= 0");
}

// The future of a customer alive at T: a new customer with the posterior parameters (see the top of the file).
inline BetaGeoModel alive_future(const BetaGeoModel& m, double x, double T) {
    const auto& p = m.params();
    return BetaGeoModel(BetaGeoParams{p.r + x, p.alpha + T, p.a, p.b + x});
}
inline BetaGeoModel alive_future(const ModifiedBetaGeoModel& m, double x, double T) {
    const auto& p = m.params();
    return BetaGeoModel(BetaGeoParams{p.r + x, p.alpha + T, p.a, p.b + x + 1});
}
inline ParetoNbdModel alive_future(const ParetoNbdModel& m, double x, double T) {
    const auto& p = m.params();
    return ParetoNbdModel(ParetoNbdParams{p.r + x, p.alpha + T, p.s, p.beta + T});
}

// P(a purchase within t) of a new BG/NBD customer: 1 - (alpha/(alpha+t))^r, without cancellation.
inline double some_within(const BetaGeoModel& f, double t) {
    return -std::expm1(-f.params().r * std::log1p(t / f.params().alpha));
}

// P(a purchase within t) of a new Pareto/NBD customer (t may be +inf: she ever buys). Given the rates it is
// lambda/(lambda+mu) (1 - e^-(lambda+mu)t), whose t-derivative E[lambda e^-lambda t] E[e^-mu t] factorises:
//     P = int_0^t (r/alpha) (alpha/(alpha+tau))^(r+1) (beta/(beta+tau))^s dtau
//       = int_{v(t)}^1 (beta/(beta + tau(v)))^s dv,   v = (alpha/(alpha+tau))^r, tau(v) = alpha (v^(-1/r) - 1):
// a bounded, smooth, positive integrand on a finite interval (Gauss-Kronrod), accurate also for tiny t, where
// 1 - P(X(t) = 0) would cancel. Short horizons (v(t) > 1/2) are integrated over tau. Both integrals run over
// u in [0, 1]: Boost's adaptive Gauss-Kronrod compares the error of the unscaled [-1, 1] rule with a tolerance
// scaled by the interval, so on a short interval it never converges and bisects to its maximum depth.
inline double some_within(const ParetoNbdModel& f, double t) {
    using GK = boost::math::quadrature::gauss_kronrod<double, 61>;
    const auto& p = f.params();
    if (std::isinf(t)) {
        // P(ever buys) = E[lambda/(lambda+mu)] = B/(c + (1-c) B) averaged over B ~ Beta(r, s), c = alpha/beta:
        //   r/(r+s) 2F1(1, s; r+s+1; 1 - alpha/beta)                   (alpha <= beta)
        //   beta/alpha r/(r+s) 2F1(1, r+1; r+s+1; 1 - beta/alpha)       (alpha > beta; Pfaff's transformation)
        // Both series have an argument in [0, 1) and converge fast for customers (alpha+T and beta+T are close);
        // the quadrature over v would refine ~100 us around the v^(s/r) behaviour at v = 0.
        const double lead = p.r / (p.r + p.s);
        if (p.alpha <= p.beta)
            return lead * std::exp(detail::hyp2f1_one(p.s, p.r + p.s + 1, 1 - p.alpha / p.beta, false).log_value);
        return p.beta / p.alpha * lead *
               std::exp(detail::hyp2f1_one(p.r + 1, p.r + p.s + 1, 1 - p.beta / p.alpha, false).log_value);
    }
    const double v0 = std::isinf(t) ? 0.0 : std::exp(-p.r * std::log1p(t / p.alpha));
    if (!(v0 < 1)) return 0.0;
    if (v0 > 0.5) {
        auto h = [&](double u) {  // tau = t u
            const double tau = t * u;
            return t * p.r / p.alpha * std::exp(-(p.r + 1) * std::log1p(tau / p.alpha) - p.s * std::log1p(tau / p.beta));
        };
        return GK::integrate(h, 0.0, 1.0, 15, 1e-12);
    }
    const double w = 1 - v0;
    auto g = [&](double u) {  // v = v0 + (1 - v0) u
        const double v = v0 + w * u;
        if (v <= 0) return 0.0;
        const double tau = p.alpha * std::expm1(-std::log(v) / p.r);
        return w * std::exp(-p.s * std::log1p(tau / p.beta));
    };
    return GK::integrate(g, 0.0, 1.0, 15, 1e-12);
}

// The BG/BB posterior of a customer alive at opportunity n+1.
struct BgbbAlive {
    double al, be, ga, de;  // alpha+x, beta+n-x, gamma, delta+n+1
    BgbbAlive(const BetaGeoBetaBinomModel& m, double x, double n) {
        const auto& p = m.params();
        al = p.alpha + x;
        be = p.beta + n - x;
        ga = p.gamma;
        de = p.delta + n + 1;
    }
    // P(k purchases in the next t opportunities | alive), t >= 1 (see the top of the file).
    double pmf(double t, int k) const {
        using boost::math::lgamma;
        const double lb_th = detail::lbeta(ga, de), lb_p = detail::lbeta(al, be);
        auto lcomb = [](double l, double kk) { return lgamma(l + 1) - lgamma(kk + 1) - lgamma(l - kk + 1); };
        double v = 0;
        for (double l = std::max(1.0, double(k)); l < t; ++l)
            v += std::exp(detail::lbeta(ga + 1, de + l - 1) - lb_th + lcomb(l, k) + detail::lbeta(al + k, be + l - k) - lb_p);
        if (t >= k)
            v += std::exp(detail::lbeta(ga, de + t - 1) - lb_th + lcomb(t, k) + detail::lbeta(al + k, be + t - k) - lb_p);
        return v;
    }
};

}  // namespace detail

// P(n purchases in (T, T+t] | x purchases after the first, the last at t_x, age T). Throws invalid_input for a
// negative t or n or a history that breaks the fitting rules (e.g. t_x > T).
template <class Model>
    requires std::same_as<Model, BetaGeoModel> || std::same_as<Model, ModifiedBetaGeoModel> ||
             std::same_as<Model, ParetoNbdModel>
double conditional_probability_of_n_purchases(const Model& m, double t, int n, double x, double t_x, double T) {
    detail::check_t(t, false);
    detail::check_n(n);
    detail::check_history(x, t_x, T, false);
    const double alive = m.probability_alive(x, t_x, T);
    const auto future = detail::alive_future(m, x, T);
    if (n == 0) return 1.0 - alive * detail::some_within(future, t);
    return alive * future.probability_of_n_purchases(t, n);
}

// BG/BB: P(n purchases in the next t opportunities | x, t_x, n_periods); t a whole number.
inline double conditional_probability_of_n_purchases(const BetaGeoBetaBinomModel& m, double t, int n, double x,
                                                     double t_x, double n_periods) {
    detail::check_t(t, true);
    detail::check_n(n);
    detail::check_history(x, t_x, n_periods, true);
    const double alive = m.probability_alive(x, t_x, n_periods);
    if (t == 0) return n == 0 ? 1.0 : 0.0;
    const double p = detail::BgbbAlive(m, x, n_periods).pmf(t, n);
    return n == 0 ? 1.0 - alive + alive * p : alive * p;
}

// P(at least one purchase in (T, T+t] | history) = 1 - P(0 | history), computed as P(alive) P(some | alive);
// t = +inf gives the probability of ever buying again.
template <class Model>
    requires std::same_as<Model, BetaGeoModel> || std::same_as<Model, ModifiedBetaGeoModel> ||
             std::same_as<Model, ParetoNbdModel>
double probability_of_purchase_within(const Model& m, double t, double x, double t_x, double T) {
    detail::check_t(t, false, true);
    detail::check_history(x, t_x, T, false);
    return m.probability_alive(x, t_x, T) * detail::some_within(detail::alive_future(m, x, T), t);
}

inline double probability_of_purchase_within(const BetaGeoBetaBinomModel& m, double t, double x, double t_x,
                                             double n_periods) {
    detail::check_t(t, true);
    detail::check_history(x, t_x, n_periods, true);
    if (t == 0) return 0.0;
    return m.probability_alive(x, t_x, n_periods) * (1.0 - detail::BgbbAlive(m, x, n_periods).pmf(t, 0));
}

// The smallest t with P(a purchase in (T, T+t] | history) >= 1/2; +inf when that probability never reaches 1/2.
// BG/NBD, MBG/NBD: P = P(alive) (1 - q^(r+x)), q = (alpha+T)/(alpha+T+t), solved for t.
template <class Model>
    requires std::same_as<Model, BetaGeoModel> || std::same_as<Model, ModifiedBetaGeoModel>
double median_time_to_next_purchase(const Model& m, double x, double t_x, double T) {
    detail::check_history(x, t_x, T, false);
    const double alive = m.probability_alive(x, t_x, T);
    if (!(alive > 0.5)) return detail::inf;
    // a copy: alive_future returns a temporary model (a reference to its params() would dangle)
    const auto f = detail::alive_future(m, x, T).params();
    const double c = 1.0 - 0.5 / alive;  // q^(r+x) at the median
    return f.alpha * std::expm1(-std::log(c) / f.r);
}

// Pareto/NBD: the limit is P(alive) P(ever buys | alive). The root by Newton's method (Boost.Math, safeguarded by
// a doubling bracket): the derivative of P(some purchase within t | alive) is its integrand at t, in closed form,
// so each step costs one quadrature, and it takes ~4 steps where TOMS 748 took ~12 (132 -> ~45 us per customer).
inline double median_time_to_next_purchase(const ParetoNbdModel& m, double x, double t_x, double T) {
    detail::check_history(x, t_x, T, false);
    const double alive = m.probability_alive(x, t_x, T);
    const auto future = detail::alive_future(m, x, T);
    if (!(alive * detail::some_within(future, detail::inf) > 0.5)) return detail::inf;
    const auto& p = future.params();
    auto h = [&](double t) { return alive * detail::some_within(future, t) - 0.5; };
    auto dh = [&](double t) {  // alive (r/alpha) (alpha/(alpha+t))^(r+1) (beta/(beta+t))^s
        return alive * p.r / p.alpha * std::exp(-(p.r + 1) * std::log1p(t / p.alpha) - p.s * std::log1p(t / p.beta));
    };
    double lo = 0, hi = p.alpha / p.r;  // about the mean time to a purchase
    while (h(hi) < 0) {
        lo = hi;
        hi *= 2;
        if (!std::isfinite(hi)) return detail::inf;  // the limit is 1/2 up to rounding
    }
    std::uintmax_t iters = 100;
    // 40 bits: the quadrature's own relative accuracy is 1e-12
    return boost::math::tools::newton_raphson_iterate([&](double t) { return std::make_pair(h(t), dh(t)); },
                                                      0.5 * (lo + hi), lo, hi, 40, iters);
}

// BG/BB: the smallest whole number of opportunities t with P >= 1/2. With S(t) = sum_{l<=t} of the terms of
// P(0 | alive) whose customer died within the t opportunities, P(0 | alive, t) = S(t-1) + R(t) decreases to
// lim S; the walk stops at the median, or as soon as S alone shows the limit stays above the threshold (+inf).
// After 10^7 opportunities without a decision it returns NaN.
inline double median_time_to_next_purchase(const BetaGeoBetaBinomModel& m, double x, double t_x, double n_periods) {
    detail::check_history(x, t_x, n_periods, true);
    const double alive = m.probability_alive(x, t_x, n_periods);
    if (!(alive > 0.5)) return detail::inf;
    const double c = (alive - 0.5) / alive;  // the median is where P(0 | alive, t) <= c
    const detail::BgbbAlive a(m, x, n_periods);
    // A(l) = E[theta (1-theta)^(l-1)] E[(1-p)^l], R(t) = E[(1-theta)^(t-1)] E[(1-p)^t], by their ratios in l, t.
    double A = a.ga / (a.ga + a.de) * a.be / (a.al + a.be);
    double R = a.be / (a.al + a.be);
    double S = 0;
    for (double t = 1; t <= detail::max_opportunities; ++t) {
        if (S + R <= c) return t;
        S += A;
        if (S > c) return detail::inf;
        A *= (a.de + t - 1) / (a.ga + a.de + t) * (a.be + t) / (a.al + a.be + t);
        R *= (a.de + t - 1) / (a.ga + a.de + t - 1) * (a.be + t) / (a.al + a.be + t);
    }
    return std::numeric_limits<double>::quiet_NaN();
}

}  // namespace cxkit::clv

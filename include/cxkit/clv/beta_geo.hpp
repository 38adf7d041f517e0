#pragma once
// BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way").
//
// While active, a customer buys at Poisson rate lambda ~ Gamma(r, alpha); after each purchase she drops out with
// probability p ~ Beta(a, b). The log-likelihood of one customer is written as in Hardie's note 027, so that
// nothing overflows at x = 200:
//     ln L = A1 + A2 + ln(exp(A3) + [x > 0] exp(A4))
//     A1 = lgamma(r + x) - lgamma(r) + r ln(alpha)
//     A2 = lgamma(a + b) + lgamma(b + x) - lgamma(b) - lgamma(a + b + x)
//     A3 = -(r + x) ln(alpha + T)
//     A4 = ln(a) - ln(b + x - 1) - (r + x) ln(alpha + t_x)
// with the last term as A3 + softplus(A4 - A3). The gradient is analytic (digamma).
#include <boost/math/special_functions/beta.hpp>
#include <boost/math/special_functions/digamma.hpp>
#include <boost/math/special_functions/gamma.hpp>
#include <boost/math/special_functions/hypergeometric_pFq.hpp>

#include <Eigen/Core>
#include <cmath>
#include <limits>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "cxkit/clv/fit.hpp"
#include "cxkit/clv/model.hpp"
#include "cxkit/clv/rfm.hpp"
#include "cxkit/clv/row_index.hpp"
#include "cxkit/clv/simulate.hpp"
#include "cxkit/core/error.hpp"

namespace cxkit::clv {

struct BetaGeoParams {
    double r = 1, alpha = 1, a = 1, b = 1;
    static std::vector<std::string> names() { return {"r", "alpha", "a", "b"}; }
    Eigen::VectorXd vector() const { return Eigen::Vector4d(r, alpha, a, b); }
    static BetaGeoParams from(const Eigen::VectorXd& v) { return {v[0], v[1], v[2], v[3]}; }
};

namespace detail {

// (1 - z)^(c - a - b) * 2F1(c - a, c - b; c; z) = 2F1(a, b; c; z) (Euler), used where 2F1 alone would overflow.
template <int = 0>  // instantiated (Boost.Math, Eigen, the parallel loop) only where used: issue 11
inline double hyp2f1(double a, double b, double c, double z) {
    return boost::math::hypergeometric_pFq({a, b}, {c}, z);
}

// a + b above this: Beta(a, b) is a point mass at a/(a+b) up to ~1/(a+b) relative, and the 2F1 of the exact
// predictions overflows (Boost) for a, b ~ 1e9. A fit that runs there found no drop-out heterogeneity (typically
// no drop-out signal at all: customers who keep buying to the end); the predictions then use the limit model.
inline constexpr double point_mass_concentration = 1e7;

// Why a BG/NBD-family fit lies on a boundary, or empty: a + b -> inf (no heterogeneity: the point-mass limit) or a
// mean drop-out probability a/(a+b) -> 0 (nobody drops out). Both are what data without drop-outs give.
inline constexpr double negligible_dropout = 1e-6;
inline std::string point_mass_note(const BetaGeoParams& p) {
    const double q = p.a / (p.a + p.b);
    if (p.a + p.b > point_mass_concentration)
        return "no drop-out signal: the fit ran to a + b = " + describe_value(p.a + p.b) +
               ", a drop-out probability without heterogeneity (a point mass at a/(a+b) = " + describe_value(q) +
               "); predictions use that limit model";
    if (q < negligible_dropout)
        return "no drop-out signal: the fit ran to a mean drop-out probability a/(a+b) = " + describe_value(q) +
               " after each purchase (customers keep buying to the end of the data)";
    return {};
}

// E[purchases in t | alive] when the drop-out probability after each purchase is the point q and the purchase
// rate is Gamma(k, A): E[(1 - e^(-lambda q t)) / q] = (1 - (A/(A + q t))^k) / q  (k t / A as q -> 0).
inline double expected_with_point_dropout(double q, double k, double A, double t) {
    if (!(q > 0)) return k * t / A;
    return -std::expm1(-k * std::log1p(q * t / A)) / q;
}

// ln[B(a, b + n) / B(a, b)] for a whole n >= 0: the product of (b+k)/(a+b+k) for small n (exact also for a, b ~
// 1e11, where lgamma differences lose their digits), lgamma differences otherwise.
inline double log_beta_shift(double a, double b, double n) {
    if (n <= 64) {
        double s = 0;
        for (double k = 0; k < n; ++k) s += std::log1p(-a / (a + b + k));
        return s;
    }
    using boost::math::lgamma;
    return lgamma(b + n) - lgamma(b) + lgamma(a + b) - lgamma(a + b + n);
}

// 1 - (1 - z)^e 2F1(A, B; C; z), the factor of the BG/NBD family's expected purchases, without cancellation:
// for small z (old customers: z = t/(alpha+T+t)) 2F1 - 1 is summed from its first term and the result is
// -expm1(e log1p(-z) + log1p(2F1 - 1)); subtracting 2F1 from 1 there lost every digit (negative expected
// purchases at T ~ 4e11).
template <int = 0>  // instantiated (Boost.Math, Eigen, the parallel loop) only where used: issue 11
inline double one_minus_euler_2f1(double e, double A, double B, double C, double z) {
    if (z < 1e-3) {
        double term = A * B / C * z, h = term;
        bool done = false;
        for (int k = 1; k < 200 && !done; ++k) {
            term *= (A + k) * (B + k) / ((C + k) * (k + 1)) * z;
            h += term;
            done = std::abs(term) <= 1e-17 * std::abs(h);
        }
        if (done || h == 0) return -std::expm1(e * std::log1p(-z) + std::log1p(h));
    }
    return 1 - std::pow(1 - z, e) * hyp2f1(A, B, C, z);
}

// Total BG/NBD (mbg = false) or MBG/NBD (mbg = true) log-likelihood over the unique rows, with the gradient.
// MBG/NBD (Batislam et al. 2007): customers may also drop out at time 0, so
//     A2 = lgamma(a + b) + lgamma(b + x + 1) - lgamma(b) - lgamma(a + b + x + 1)
//     A4 = ln(a) - ln(b + x) - (r + x) ln(alpha + t_x), for every x (also x = 0).
// Terms of x alone are computed once per distinct x, ln(alpha + t) once per distinct time (RowIndex); a row then
// costs one exp and one log1p (none when x = 0 in the BG/NBD).
template <bool mbg>
struct BetaGeoFamilyLL {
    const RfmData& d;
    unsigned threads = 0;
    RowIndex idx;

    BetaGeoFamilyLL(const RfmData& data, unsigned threads_ = 0, bool index_times = true)
        : d(data), threads(threads_), idx(data, index_times ? std::size_t{1} << 18 : 0), wx(idx.xs.size(), 0.0) {
        for (std::size_t i = 0; i < d.size(); ++i) {
            wx[idx.ix[i]] += d.weight[i];
            wtot += d.weight[i];
        }
    }
    std::vector<double> wx;  // total weight of each distinct x
    double wtot = 0;
    double total_weight() const { return d.total_weight; }

    struct XTerm {
        double cx, drx, dax, dbx, lbx, ibx;
    };

    double operator()(const Eigen::VectorXd& th, Eigen::VectorXd* grad) const {
        const double r = th[0], al = th[1], a = th[2], b = th[3];
        const double lal = std::log(al), la = std::log(a);
        const bool want = grad != nullptr;
        const double off = mbg ? 1.0 : 0.0;  // the MBG/NBD shifts b + x by one

        // Per distinct x: A1 + A2 without the time terms, their derivatives, and ln(b + x - 1 + off).
        std::vector<XTerm> xt(idx.xs.size());
        GammaRatio gr(r, want), gb(b, want), gab(a + b, want);
        for (std::size_t k = 0; k < idx.xs.size(); ++k) {
            const double x = idx.xs[k];
            gr.advance_to(x);
            gb.advance_to(x + off);
            gab.advance_to(x + off);
            XTerm& t = xt[k];
            t.cx = gr.lg + r * lal + gb.lg - gab.lg;
            t.drx = gr.dg + lal;
            t.dax = -gab.dg;
            t.dbx = gb.dg - gab.dg;
            const double bx = b + x - 1 + off;  // b + x - 1 (BG/NBD) or b + x (MBG/NBD)
            t.lbx = (x > 0 || mbg) ? std::log(bx) : 0.0;
            t.ibx = (x > 0 || mbg) ? 1.0 / bx : 0.0;
        }
        // Per distinct time: ln(alpha + t) and 1 / (alpha + t).
        const auto nt = static_cast<Eigen::Index>(idx.times.size());
        Eigen::ArrayXd lt, it;
        if (nt > 0) {
            const Eigen::ArrayXd at = Eigen::Map<const Eigen::ArrayXd>(idx.times.data(), nt) + al;
            lt = at.log();
            it = at.inverse();
        }
        const bool tab = idx.has_times();

        // Per row: ln L - A1 - A2 = -(r + x) ln(alpha + T) + softplus(u), u = A4 - A3 = ln(a) - ln(b + x - 1) +
        // (r + x) (ln(alpha + T) - ln(alpha + t_x)); BG/NBD rows with x = 0 have no A4 (softplus 0). The rows' terms
        // are gathered into arrays for softplus_rows (fit.hpp), whose exp and log1p run eight rows at a time.
        auto body = [&](std::size_t beg, std::size_t end, double& val, double* g) {
            const std::size_t m = end - beg, mp = (m + 7) / 8 * 8;
            double* const buf = scratch<double, 0>(9 * mp);
            std::fill(buf, buf + 9 * mp, 0.0);
            double *c = buf, *rx = c + mp, *lT = rx + mp, *lx = lT + mp, *iT = lx + mp, *ix = iT + mp,
                   *w = ix + mp, *ib = w + mp, *has = ib + mp;
            for (std::size_t j = 0; j < m; ++j) {
                const std::size_t i = beg + j;
                if (tab) {
                    lT[j] = lt[idx.iT[i]];
                    lx[j] = lt[idx.it_x[i]];
                    iT[j] = it[idx.iT[i]];
                    ix[j] = it[idx.it_x[i]];
                } else {  // logs below, vectorised
                    lT[j] = al + d.T[i];
                    lx[j] = al + d.t_x[i];
                }
                const XTerm& t = xt[idx.ix[i]];
                const bool a4 = mbg || d.x[i] > 0;
                rx[j] = r + d.x[i];
                w[j] = d.weight[i];
                c[j] = a4 ? la - t.lbx : -1e300;
                ib[j] = t.ibx;
                has[j] = a4 ? 1.0 : 0.0;
            }
            if (!tab) {
                Eigen::Map<Eigen::ArrayXd> mT(lT, static_cast<Eigen::Index>(m)), mx(lx, static_cast<Eigen::Index>(m));
                Eigen::Map<Eigen::ArrayXd>(iT, static_cast<Eigen::Index>(m)) = mT.inverse();
                Eigen::Map<Eigen::ArrayXd>(ix, static_cast<Eigen::Index>(m)) = mx.inverse();
                mT = mT.log();
                mx = mx.log();
            }
            double out[5];
            softplus_rows({c, rx, lT, lx, iT, ix, w, ib, has, mp}, g != nullptr, out);
            val += out[0];
            if (g) {
                g[0] += out[1];
                g[1] += out[2];
                g[2] += out[3] / a;
                g[3] += out[4];
            }
        };
        double gbuf[4];
        double v = reduce_rows(d.size(), 4, want ? gbuf : nullptr, d.size() > 50000 ? threads : 1u, body);
        // The terms of x alone, by the total weight of each distinct x.
        double gx[4] = {0, wtot * r / al, 0, 0};
        for (std::size_t k = 0; k < xt.size(); ++k) {
            v += wx[k] * xt[k].cx;
            gx[0] += wx[k] * xt[k].drx;
            gx[2] += wx[k] * xt[k].dax;
            gx[3] += wx[k] * xt[k].dbx;
        }
        if (want) {
            *grad = Eigen::Map<Eigen::Vector4d>(gbuf) + Eigen::Map<Eigen::Vector4d>(gx);
        }
        return v;
    }
};

// BG/NBD and MBG/NBD customers: Poisson purchases at a gamma-distributed rate, a beta-distributed chance to drop
// out after each purchase; MBG/NBD (drop_at_first) may also drop out at time 0, right after the first purchase.
inline CustomerSummary simulate_beta_geometric(const BetaGeoParams& p, std::size_t n_customers, double T,
                                               std::uint64_t seed, unsigned threads, bool drop_at_first) {
    require_positive_params(p.vector(), BetaGeoParams::names());
    return simulate_customers(
        n_customers, T, seed,
        [p, drop_at_first](std::mt19937_64& g, double TT, double& x, double& t_x) {
            const double lambda = std::gamma_distribution<double>(p.r, 1.0 / p.alpha)(g);
            const double drop = beta_draw(g, p.a, p.b);
            std::exponential_distribution<double> gap(lambda > 0 ? lambda : 1e-300);
            std::uniform_real_distribution<double> u(0.0, 1.0);
            double t = 0, n = 0, last = 0;
            if (!drop_at_first || u(g) >= drop) {
                for (;;) {
                    t += gap(g);
                    if (!(t <= TT)) break;
                    n += 1;
                    last = t;
                    if (u(g) < drop) break;
                }
            }
            x = n;
            t_x = last;
        },
        threads);
}

}  // namespace detail

// What the BG/NBD and the MBG/NBD share: the likelihood (one functor, mbg = drop-out also at time 0), the start
// and the boundary of a fit without a drop-out signal.
template <class Model, bool mbg>
class BetaGeoFamily : public FittedModel<Model, BetaGeoParams, RfmData> {
public:
    using Base = FittedModel<Model, BetaGeoParams, RfmData>;
    using Base::Base;
    using Base::log_likelihood;
    using typename Base::Params;

    static detail::BetaGeoFamilyLL<mbg> log_likelihood_function(const RfmData& d, unsigned threads = 0) {
        return detail::BetaGeoFamilyLL<mbg>(d, threads);
    }
    static Eigen::VectorXd start(const RfmData& d) { return detail::rate_start(d); }
    static std::string boundary_note(const Params& p) { return detail::point_mass_note(p); }

    // ln L of one customer (note 027 form).
    static double log_likelihood(const Params& p, double x, double t_x, double T) {
        return detail::BetaGeoFamilyLL<mbg>(RfmData::one(x, t_x, T), 1, false)(p.vector(), nullptr);
    }
};

class BetaGeoModel : public BetaGeoFamily<BetaGeoModel, false> {
public:
    using BetaGeoFamily::BetaGeoFamily;

    // P(alive | x, t_x, T) = 1 / (1 + [x > 0] a / (b + x - 1) ((alpha + T) / (alpha + t_x))^(r + x)).
    double probability_alive(double x, double t_x, double T) const {
        if (x == 0) return 1.0;
        const auto& p = p_;
        const double u = std::log(p.a) - std::log(p.b + x - 1) + (p.r + x) * (std::log(p.alpha + T) - std::log(p.alpha + t_x));
        return detail::sigmoid(-u);
    }

    // E[Y(t) | x, t_x, T] (FHL 2005 eq. 10) = P(alive | x, t_x, T) E[Y(t) | alive at T, x, T].
    template <int = 0>  // instantiated (Boost.Math, Eigen, the parallel loop) only where used: issue 11
    double conditional_expected_purchases(double t, double x, double t_x, double T) const {
        return expected_purchases_if_alive(t, x, T) * probability_alive(x, t_x, T);
    }

    // E[Y(t) | alive at T, x, T] = (a+b+x-1)/(a-1) [1 - ((alpha+T)/(alpha+T+t))^(r+x) 2F1(r+x, b+x; a+b+x-1; z)],
    // z = t/(alpha+T+t); the 2F1 factor as (1-z)^(a-1) 2F1(a+b-1-r, a-1; a+b+x-1; z) (Euler), which does not
    // overflow for large x. It does not depend on t_x (customer_lifetime_value shares it per (x, T)).
    template <int = 0>  // instantiated (Boost.Math, Eigen, the parallel loop) only where used: issue 11
    double expected_purchases_if_alive(double t, double x, double T) const {
        const auto& p = p_;
        const double z = t / (p.alpha + T + t);
        if (p.a + p.b > detail::point_mass_concentration)  // p | alive, x ~ Beta(a, b + x)
            return detail::expected_with_point_dropout(p.a / (p.a + p.b + x), p.r + x, p.alpha + T, t);
        return (p.a + p.b + x - 1) / (p.a - 1) *
               detail::one_minus_euler_2f1(p.a - 1, p.a + p.b - 1 - p.r, p.a - 1, p.a + p.b + x - 1, z);
    }

    // E[X(t)] for a new customer (FHL 2005 eq. 9).
    template <int = 0>  // instantiated (Boost.Math, Eigen, the parallel loop) only where used: issue 11
    double expected_purchases(double t) const {
        const auto& p = p_;
        const double z = t / (p.alpha + t);
        if (p.a + p.b > detail::point_mass_concentration)
            return detail::expected_with_point_dropout(p.a / (p.a + p.b), p.r, p.alpha, t);
        return (p.a + p.b - 1) / (p.a - 1) *
               detail::one_minus_euler_2f1(p.a - 1, p.a + p.b - 1 - p.r, p.a - 1, p.a + p.b - 1, z);
    }

    // P(X(t) = n) for a new customer (FHL 2005 eq. 8), the NBD tail by the incomplete beta function.
    template <int = 0>  // instantiated (Boost.Math, Eigen, the parallel loop) only where used: issue 11
    double probability_of_n_purchases(double t, int n) const {
        if (n < 0) throw invalid_input("n", invalid_input::no_row, "must be >= 0");
        using boost::math::lgamma;
        const auto& p = p_;
        const double q = p.alpha / (p.alpha + t);
        const double nbd = std::exp(lgamma(p.r + n) - lgamma(p.r) - lgamma(n + 1.0) + p.r * std::log(q) +
                                    (n > 0 ? n * std::log1p(-q) : 0.0));
        double v = std::exp(detail::log_beta_shift(p.a, p.b, n)) * nbd;
        if (n > 0)  // B(a+1, b+n-1)/B(a,b) = a/(a+b) B(a+1, b+n-1)/B(a+1, b)
            v += p.a / (p.a + p.b) * std::exp(detail::log_beta_shift(p.a + 1, p.b, n - 1)) *
                 boost::math::ibetac(p.r, static_cast<double>(n), q);
        return v;
    }

    // Customers observed for T from their first purchase (time 0, not counted).
    static CustomerSummary simulate(const Params& p, std::size_t n_customers, double T, std::uint64_t seed,
                                    unsigned threads = 0) {
        return detail::simulate_beta_geometric(p, n_customers, T, seed, threads, /*drop_at_first=*/false);
    }

};

}  // namespace cxkit::clv

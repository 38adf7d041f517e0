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

#include <Eigen/Dense>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "cxkit/clv/fit.hpp"
#include "cxkit/clv/rfm.hpp"
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
inline double hyp2f1(double a, double b, double c, double z) {
    return boost::math::hypergeometric_pFq({a, b}, {c}, z);
}

// Total BG/NBD (mbg = false) or MBG/NBD (mbg = true) log-likelihood over the unique rows, with the gradient.
// MBG/NBD (Batislam et al. 2007): customers may also drop out at time 0, so
//     A2 = lgamma(a + b) + lgamma(b + x + 1) - lgamma(b) - lgamma(a + b + x + 1)
//     A4 = ln(a) - ln(b + x) - (r + x) ln(alpha + t_x), for every x (also x = 0).
template <bool mbg>
struct BetaGeoFamilyLL {
    const RfmData& d;
    unsigned threads = 0;
    double total_weight() const { return d.total_weight; }

    double operator()(const Eigen::VectorXd& th, Eigen::VectorXd* grad) const {
        using boost::math::digamma;
        using boost::math::lgamma;
        const double r = th[0], al = th[1], a = th[2], b = th[3];
        const double lal = std::log(al), la = std::log(a), lgr = lgamma(r), lgab = lgamma(a + b), lgb = lgamma(b);
        const bool want = grad != nullptr;
        const double psr = want ? digamma(r) : 0, psab = want ? digamma(a + b) : 0, psb = want ? digamma(b) : 0;
        const double off = mbg ? 1.0 : 0.0;  // the MBG/NBD shifts b + x by one
        auto body = [&](std::size_t beg, std::size_t end, double& val, double* g) {
            double cur_x = -1, cx = 0, drx = 0, dax = 0, dbx = 0, lbx = 0, ibx = 0;
            double cur_T = -1, lT = 0, iT = 0;
            double v = 0, gr = 0, gal = 0, ga = 0, gb = 0;
            for (std::size_t i = beg; i < end; ++i) {
                const double x = d.x[i], t = d.t_x[i], T = d.T[i], w = d.weight[i];
                if (x != cur_x) {
                    cur_x = x;
                    cx = lgamma(r + x) - lgr + r * lal + lgab + lgamma(b + x + off) - lgb - lgamma(a + b + x + off);
                    if (want) {
                        drx = digamma(r + x) - psr + lal;
                        const double psabx = digamma(a + b + x + off);
                        dax = psab - psabx;
                        dbx = psab + digamma(b + x + off) - psb - psabx;
                    }
                    const double bx = b + x - 1 + off;  // b + x - 1 (BG/NBD) or b + x (MBG/NBD)
                    if (x > 0 || mbg) {
                        lbx = std::log(bx);
                        ibx = 1.0 / bx;
                    }
                }
                if (T != cur_T) {
                    cur_T = T;
                    lT = std::log(al + T);
                    iT = 1.0 / (al + T);
                }
                const double rx = r + x;
                const double A3 = -rx * lT;
                if (!mbg && x == 0) {
                    v += w * (cx + A3);
                    if (want) {
                        gr += w * (drx - lT);
                        gal += w * (r / al - rx * iT);
                        ga += w * dax;
                        gb += w * dbx;
                    }
                    continue;
                }
                const double lt = std::log(al + t);
                const double u = (la - lbx - rx * lt) - A3;
                const double e = std::exp(-std::abs(u));  // one exp for both softplus(u) and sigmoid(u)
                v += w * (cx + A3 + (u > 0 ? u : 0.0) + std::log1p(e));
                if (want) {
                    const double w4 = u >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e), w3 = 1.0 - w4;
                    gr += w * (drx - w3 * lT - w4 * lt);
                    gal += w * (r / al - rx * (w3 * iT + w4 / (al + t)));
                    ga += w * (dax + w4 / a);
                    gb += w * (dbx - w4 * ibx);
                }
            }
            val += v;
            if (g) {
                g[0] += gr;
                g[1] += gal;
                g[2] += ga;
                g[3] += gb;
            }
        };
        double gbuf[4];
        const double v = reduce_rows(d.size(), 4, want ? gbuf : nullptr, d.size() > 50000 ? threads : 1u, body);
        if (want) *grad = Eigen::Map<Eigen::Vector4d>(gbuf);
        return v;
    }
};

}  // namespace detail

class BetaGeoModel {
public:
    using Params = BetaGeoParams;

    BetaGeoModel() = default;
    explicit BetaGeoModel(const Params& p) : p_(p) { detail::require_positive_params(p.vector(), Params::names()); }

    // Maximum likelihood on the unique rows; sets params() and result(). Throws invalid_input for data that
    // cannot be fitted; a fit that does not converge returns result().converged == false.
    const FitResult& fit(const RfmData& data, const FitOptions& opt = {}) {
        data.require_fittable();
        auto make = [&](const RfmData& dd) { return detail::BetaGeoFamilyLL<false>{dd, opt.threads}; };
        res_ = fit_with_warm_start(data, make, Params::names(), detail::rate_start(data), opt);
        p_ = Params::from(res_.params);
        return res_;
    }

    const Params& params() const noexcept { return p_; }
    const FitResult& result() const noexcept { return res_; }

    // ln L of one customer (note 027 form).
    static double log_likelihood(const Params& p, double x, double t_x, double T) {
        return detail::BetaGeoFamilyLL<false>{RfmData::one(x, t_x, T), 1}(p.vector(), nullptr);
    }
    // Total (weighted) log-likelihood, optionally with its gradient in the natural parameters.
    static double log_likelihood(const Params& p, const RfmData& d, Eigen::VectorXd* grad = nullptr,
                                 unsigned threads = 0) {
        return detail::BetaGeoFamilyLL<false>{d, threads}(p.vector(), grad);
    }

    // P(alive | x, t_x, T) = 1 / (1 + [x > 0] a / (b + x - 1) ((alpha + T) / (alpha + t_x))^(r + x)).
    double probability_alive(double x, double t_x, double T) const {
        if (x == 0) return 1.0;
        const auto& p = p_;
        const double u = std::log(p.a) - std::log(p.b + x - 1) + (p.r + x) * (std::log(p.alpha + T) - std::log(p.alpha + t_x));
        return detail::sigmoid(-u);
    }

    // E[Y(t) | x, t_x, T] (FHL 2005 eq. 10). The factor ((alpha+T)/(alpha+T+t))^(r+x) 2F1(r+x, b+x; a+b+x-1; z)
    // is evaluated as (1-z)^(a-1) 2F1(a+b-1-r, a-1; a+b+x-1; z) (Euler), which does not overflow for large x.
    double conditional_expected_purchases(double t, double x, double t_x, double T) const {
        const auto& p = p_;
        const double z = t / (p.alpha + T + t);
        const double f = std::pow(1 - z, p.a - 1) * detail::hyp2f1(p.a + p.b - 1 - p.r, p.a - 1, p.a + p.b + x - 1, z);
        return (p.a + p.b + x - 1) / (p.a - 1) * (1 - f) * probability_alive(x, t_x, T);
    }

    // E[X(t)] for a new customer (FHL 2005 eq. 9).
    double expected_purchases(double t) const {
        const auto& p = p_;
        const double z = t / (p.alpha + t);
        const double f = std::pow(1 - z, p.a - 1) * detail::hyp2f1(p.a + p.b - 1 - p.r, p.a - 1, p.a + p.b - 1, z);
        return (p.a + p.b - 1) / (p.a - 1) * (1 - f);
    }

    // P(X(t) = n) for a new customer (FHL 2005 eq. 8), the NBD tail by the incomplete beta function.
    double probability_of_n_purchases(double t, int n) const {
        if (n < 0) throw invalid_input("n", invalid_input::no_row, "must be >= 0");
        using boost::math::lgamma;
        const auto& p = p_;
        const double q = p.alpha / (p.alpha + t);
        const double lbab = std::log(boost::math::beta(p.a, p.b));
        const double nbd = std::exp(lgamma(p.r + n) - lgamma(p.r) - lgamma(n + 1.0) + p.r * std::log(q) +
                                    (n > 0 ? n * std::log1p(-q) : 0.0));
        double v = std::exp(std::log(boost::math::beta(p.a, p.b + n)) - lbab) * nbd;
        if (n > 0)
            v += std::exp(std::log(boost::math::beta(p.a + 1, p.b + n - 1)) - lbab) *
                 boost::math::ibetac(p.r, static_cast<double>(n), q);
        return v;
    }

    // Customers observed for T from their first purchase (time 0, not counted).
    static CustomerSummary simulate(const Params& p, std::size_t n_customers, double T, std::uint64_t seed,
                                    unsigned threads = 0) {
        detail::require_positive_params(p.vector(), Params::names());
        return detail::simulate_customers(
            n_customers, T, seed,
            [p](std::mt19937_64& g, double TT, double& x, double& t_x) {
                const double lambda = std::gamma_distribution<double>(p.r, 1.0 / p.alpha)(g);
                const double drop = detail::beta_draw(g, p.a, p.b);
                std::exponential_distribution<double> gap(lambda > 0 ? lambda : 1e-300);
                std::uniform_real_distribution<double> u(0.0, 1.0);
                double t = 0, n = 0, last = 0;
                for (;;) {
                    t += gap(g);
                    if (!(t <= TT)) break;
                    n += 1;
                    last = t;
                    if (u(g) < drop) break;
                }
                x = n;
                t_x = last;
            },
            threads);
    }

private:
    Params p_{};
    FitResult res_{};
};

}  // namespace cxkit::clv

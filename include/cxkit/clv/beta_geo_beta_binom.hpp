#pragma once
// BG/BB (Fader, Hardie & Shang 2010): discrete-time buy-till-you-die for n transaction opportunities.
//
// While alive a customer transacts at each opportunity with probability p ~ Beta(alpha, beta); at the start of
// each opportunity she dies with probability theta ~ Beta(gamma, delta). Data: x transactions, the last at
// opportunity t_x, out of n (RfmData with T = n, built with discrete = true). The log-likelihood is the log-sum-exp
// of n - t_x + 1 positive terms (FHS 2010 eq. 5):
//     L = B(alpha+x, beta+n-x)/B(alpha,beta) B(gamma, delta+n)/B(gamma,delta)
//       + sum_{i=0}^{n-t_x-1} B(alpha+x, beta+t_x-x+i)/B(alpha,beta) B(gamma+1, delta+t_x+i)/B(gamma,delta)
// with an analytic gradient (digamma).
#include <boost/math/special_functions/digamma.hpp>
#include <boost/math/special_functions/gamma.hpp>

#include <Eigen/Core>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "cxkit/clv/fit.hpp"
#include "cxkit/clv/model.hpp"
#include "cxkit/clv/rfm.hpp"
#include "cxkit/clv/simulate.hpp"
#include "cxkit/core/error.hpp"

namespace cxkit::clv {

struct BetaGeoBetaBinomParams {
    double alpha = 1, beta = 1, gamma = 1, delta = 1;
    static std::vector<std::string> names() { return {"alpha", "beta", "gamma", "delta"}; }
    Eigen::VectorXd vector() const { return Eigen::Vector4d(alpha, beta, gamma, delta); }
    static BetaGeoBetaBinomParams from(const Eigen::VectorXd& v) { return {v[0], v[1], v[2], v[3]}; }
};

namespace detail {

inline double lbeta(double a, double b) {
    using boost::math::lgamma;
    return lgamma(a) + lgamma(b) - lgamma(a + b);
}

// The log of each term of L and its gradient; row value = log-sum-exp of the terms.
inline double bgbb_row(const Eigen::VectorXd& th, double x, double tx, double n, double* grad) {
    using boost::math::digamma;
    const double al = th[0], be = th[1], ga = th[2], de = th[3];
    const double base = lbeta(al, be) + lbeta(ga, de);
    const int extra = static_cast<int>(n - tx);
    std::vector<double> lt(static_cast<std::size_t>(extra) + 1);
    lt[0] = lbeta(al + x, be + n - x) + lbeta(ga, de + n) - base;
    for (int i = 0; i < extra; ++i)
        lt[static_cast<std::size_t>(i) + 1] = lbeta(al + x, be + tx - x + i) + lbeta(ga + 1, de + tx + i) - base;
    double m = lt[0];
    for (double v : lt) m = std::max(m, v);
    double s = 0;
    for (double v : lt) s += std::exp(v - m);
    const double ll = m + std::log(s);
    if (grad) {
        const double pab = digamma(al + be), pgd = digamma(ga + de);
        const double ca = digamma(al) - pab, cb = digamma(be) - pab, cg = digamma(ga) - pgd, cd = digamma(de) - pgd;
        const double pax = digamma(al + x);
        grad[0] = grad[1] = grad[2] = grad[3] = 0;
        for (std::size_t k = 0; k < lt.size(); ++k) {
            const double w = std::exp(lt[k] - ll);
            double da, db, dg, dd;
            if (k == 0) {
                const double pabn = digamma(al + be + n), pgdn = digamma(ga + de + n);
                da = pax - pabn;
                db = digamma(be + n - x) - pabn;
                dg = digamma(ga) - pgdn;
                dd = digamma(de + n) - pgdn;
            } else {
                const double j = tx + static_cast<double>(k - 1);
                const double pabj = digamma(al + be + j), pgdj = digamma(ga + de + 1 + j);
                da = pax - pabj;
                db = digamma(be + j - x) - pabj;
                dg = digamma(ga + 1) - pgdj;
                dd = digamma(de + j) - pgdj;
            }
            grad[0] += w * (da - ca);
            grad[1] += w * (db - cb);
            grad[2] += w * (dg - cg);
            grad[3] += w * (dd - cd);
        }
    }
    return ll;
}

struct BetaGeoBetaBinomLL {
    const RfmData& d;
    unsigned threads = 0;
    double total_weight() const { return d.total_weight; }
    template <int = 0>  // instantiated (Boost.Math, Eigen, the parallel loop) only where used: issue 11
    double operator()(const Eigen::VectorXd& th, Eigen::VectorXd* grad) const {
        auto body = [&](std::size_t beg, std::size_t end, double& val, double* g) {
            double gr[4];
            for (std::size_t i = beg; i < end; ++i) {
                const double w = d.weight[i];
                val += w * bgbb_row(th, d.x[i], d.t_x[i], d.T[i], g ? gr : nullptr);
                if (g)
                    for (int k = 0; k < 4; ++k) g[k] += w * gr[k];
            }
        };
        double gbuf[4];
        const double v = reduce_rows(d.size(), 4, grad ? gbuf : nullptr, d.size() > 20000 ? threads : 1u, body);
        if (grad) *grad = Eigen::Map<Eigen::Vector4d>(gbuf);
        return v;
    }
};

}  // namespace detail

class BetaGeoBetaBinomModel : public FittedModel<BetaGeoBetaBinomModel, BetaGeoBetaBinomParams, RfmData> {
public:
    using FittedModel::FittedModel;
    using FittedModel::log_likelihood;

    // Data: frequency x, recency t_x and periods n per customer (or per pattern, with weights).
    static RfmData data(std::span<const double> frequency, std::span<const double> recency,
                        std::span<const double> periods, std::span<const double> weights = {}) {
        RfmFieldNames names;
        names.T = "periods";
        return RfmData::from_customers(frequency, recency, periods, weights, names, /*discrete=*/true);
    }

    static detail::BetaGeoBetaBinomLL log_likelihood_function(const RfmData& d, unsigned threads = 0) {
        return detail::BetaGeoBetaBinomLL{d, threads};
    }
    static Eigen::VectorXd start(const RfmData&) { return Eigen::Vector4d(1, 1, 1, 1); }
    static void check_fittable(const RfmData& data) {
        data.require_fittable();
        for (std::size_t i = 0; i < data.size(); ++i)
            if (data.T[i] != std::floor(data.T[i]) || data.t_x[i] != std::floor(data.t_x[i]) ||
                data.x[i] > data.t_x[i] || data.T[i] > RfmData::max_periods)
                throw invalid_input("periods", invalid_input::no_row,
                                    "BG/BB data must be whole numbers of periods (at most 10^7) with frequency <= "
                                    "recency (build it with BetaGeoBetaBinomModel::data)");
    }

    static double log_likelihood(const Params& p, double x, double t_x, double n) {
        return detail::bgbb_row(p.vector(), x, t_x, n, nullptr);
    }

    // P(alive at opportunity n + 1 | x, t_x, n) (FHS 2010 eq. 11).
    double probability_alive(double x, double t_x, double n) const {
        const auto& p = p_;
        const double l = detail::lbeta(p.alpha + x, p.beta + n - x) - detail::lbeta(p.alpha, p.beta) +
                         detail::lbeta(p.gamma, p.delta + n + 1) - detail::lbeta(p.gamma, p.delta);
        return std::exp(l - log_likelihood(p, x, t_x, n));
    }

    // E[X(n, n + n_star) | x, t_x, n]: expected transactions in the next n_star opportunities (FHS 2010 eq. 13).
    // = P(alive | x, t_x, n) E[X(n, n + n_star) | alive at n + 1, x, n].
    double conditional_expected_purchases(double n_star, double x, double t_x, double n) const {
        return expected_purchases_if_alive(n_star, x, n) * probability_alive(x, t_x, n);
    }

    // E[X(n, n + n_star) | alive at n + 1, x, n]: eq. 13 over eq. 11 (the likelihood cancels); it does not depend
    // on t_x. The purchase probability's posterior mean (alpha+x)/(alpha+beta+n) times the expected number of the
    // next n_star opportunities survived, given survival to n + 1.
    double expected_purchases_if_alive(double n_star, double x, double n) const {
        using boost::math::lgamma;
        const auto& p = p_;
        const double l = detail::lbeta(p.alpha + x + 1, p.beta + n - x) - detail::lbeta(p.alpha + x, p.beta + n - x) +
                         std::log(p.delta) + lgamma(p.gamma + p.delta) - lgamma(1 + p.delta) -
                         detail::lbeta(p.gamma, p.delta + n + 1) + detail::lbeta(p.gamma, p.delta);
        const double A = std::exp(lgamma(1 + p.delta + n) - lgamma(p.gamma + p.delta + n));
        const double B = std::exp(lgamma(1 + p.delta + n + n_star) - lgamma(p.gamma + p.delta + n + n_star));
        return std::exp(l) * (A - B) / (p.gamma - 1);
    }

    // E[X(n)] for a new customer over n opportunities (FHS 2010 eq. 7).
    double expected_purchases(double n) const {
        using boost::math::lgamma;
        const auto& p = p_;
        const double r = std::exp(lgamma(p.gamma + p.delta) + lgamma(1 + p.delta + n) - lgamma(p.gamma + p.delta + n) -
                                  lgamma(1 + p.delta));
        return p.alpha / (p.alpha + p.beta) * p.delta / (p.gamma - 1) * (1 - r);
    }

    // P(X(t) = n) for a new customer over t purchase opportunities (FHS 2010 eq. 7): she is alive for all t
    // (B(gamma, delta+t)/B(gamma, delta)) and buys n of them, or dies at the start of opportunity i+1 (i >= n) after
    // buying n of the first i:
    //     P = C(t,n) B(alpha+n, beta+t-n)/B(alpha,beta) B(gamma, delta+t)/B(gamma,delta)
    //       + sum_{i=n}^{t-1} C(i,n) B(alpha+n, beta+i-n)/B(alpha,beta) B(gamma+1, delta+i)/B(gamma,delta).
    // t must be a whole number of opportunities (at most 10^7: one term each); n > t gives 0.
    double probability_of_n_purchases(double t, int n) const {
        if (n < 0) throw invalid_input("n", invalid_input::no_row, "must be >= 0, got " + std::to_string(n));
        if (!std::isfinite(t) || t < 0 || t != std::floor(t) || t > RfmData::max_periods)
            throw invalid_input("t", invalid_input::no_row,
                                "must be a whole number of periods >= 0, at most 10^7, got " + describe_value(t));
        using boost::math::lgamma;
        const auto& p = p_;
        const double k = n;
        if (k > t) return 0.0;
        const double base = detail::lbeta(p.alpha, p.beta) + detail::lbeta(p.gamma, p.delta);
        auto lcomb = [](double a, double b) { return lgamma(a + 1) - lgamma(b + 1) - lgamma(a - b + 1); };
        double v = std::exp(lcomb(t, k) + detail::lbeta(p.alpha + k, p.beta + t - k) +
                            detail::lbeta(p.gamma, p.delta + t) - base);
        for (double i = k; i < t; ++i)
            v += std::exp(lcomb(i, k) + detail::lbeta(p.alpha + k, p.beta + i - k) +
                          detail::lbeta(p.gamma + 1, p.delta + i) - base);
        return v;
    }

    // n_customers observed over n_periods opportunities: (x, t_x, T = n_periods).
    static CustomerSummary simulate(const Params& p, std::size_t n_customers, int n_periods, std::uint64_t seed,
                                    unsigned threads = 0) {
        detail::require_positive_params(p.vector(), Params::names());
        if (n_periods < 0) throw invalid_input("periods", invalid_input::no_row, "must be >= 0");
        return detail::simulate_customers(
            n_customers, static_cast<double>(n_periods), seed,
            [p](std::mt19937_64& g, double n, double& x, double& t_x) {
                const double pr = detail::beta_draw(g, p.alpha, p.beta);
                const double th = detail::beta_draw(g, p.gamma, p.delta);
                std::uniform_real_distribution<double> u(0.0, 1.0);
                double k = 0, last = 0;
                for (int t = 1; t <= static_cast<int>(n); ++t) {
                    if (u(g) < th) break;  // dies at the start of opportunity t
                    if (u(g) < pr) {
                        k += 1;
                        last = t;
                    }
                }
                x = k;
                t_x = last;
            },
            threads);
    }

};

}  // namespace cxkit::clv

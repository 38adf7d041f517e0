#pragma once
// Pareto/NBD (Schmittlein, Morrison & Colombo 1987).
//
// While alive a customer buys at Poisson rate lambda ~ Gamma(r, alpha); her lifetime is exponential with rate
// mu ~ Gamma(s, beta). The likelihood is written as in Hardie's note 009, eqs 22-23, as the SUM of two positive
// terms (the "difference" form of A0 is 0 - 0 when t_x == T and loses every digit nearby):
//     L = G * { s/(r+s+x) * 2F1(r+s+x, s+1; r+s+x+1; z(t_x)) / (alpha+t_x)^(r+s+x)
//             + (r+x)/(r+s+x) * 2F1(r+s+x, s; r+s+x+1; z(T)) / (alpha+T)^(r+s+x) }        (alpha >= beta)
// with z(t) = (alpha-beta)/(alpha+t), G = Gamma(r+x) alpha^r beta^s / Gamma(r), and the mirror image (alpha and
// beta, r+x and s exchanged in the 2F1, z(t) = (beta-alpha)/(beta+t)) when alpha < beta.
// Every 2F1 here has c = a + 1; Euler's transformation turns it into (1-z)^(..) 2F1(1, b'; c; z) with b' < c, a
// series of positive, decreasing terms that is summed in double precision while its log prefactor stays in log
// space: nothing overflows for x in the thousands (2F1(r+s+x, r+x; ...) alone would). Boost's hypergeometric_pFq
// is not used for the likelihood because it works on the untransformed function, which overflows there; the
// tests check this series against it where both are finite. The gradient is analytic: the derivatives of the
// series with respect to b', c and z are summed in the same loop.
#include <boost/math/special_functions/digamma.hpp>
#include <boost/math/special_functions/gamma.hpp>

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

struct ParetoNbdParams {
    double r = 1, alpha = 1, s = 1, beta = 1;
    static std::vector<std::string> names() { return {"r", "alpha", "s", "beta"}; }
    Eigen::VectorXd vector() const { return Eigen::Vector4d(r, alpha, s, beta); }
    static ParetoNbdParams from(const Eigen::VectorXd& v) { return {v[0], v[1], v[2], v[3]}; }
};

namespace detail {

// F(z) = 2F1(1, b; c; z) = sum_k prod_{j<k} (b+j)/(c+j) z^k for 0 <= z < 1, 0 < b < c, with the derivatives of
// ln F with respect to b, c and z.
struct Hyp1 {
    double log_value, d_b, d_c, d_z;
};
inline Hyp1 hyp2f1_one(double b, double c, double z, bool derivatives) {
    double term = 1, S = 1, Sb = 0, Sc = 0, Sz = 0, hb = 0, hc = 0;
    if (z > 0) {
        const double tail = 1.0 / (1.0 - z);
        for (int k = 0; k < 4000000; ++k) {
            const double bk = b + k, ck = c + k;
            term *= bk / ck * z;
            S += term;
            if (derivatives) {
                hb += 1.0 / bk;
                hc += 1.0 / ck;
                Sb += term * hb;
                Sc += term * hc;
                Sz += term * (k + 1);
            }
            if (term * tail <= 1e-17 * S) break;
        }
    }
    Hyp1 h{std::log(S), 0, 0, 0};
    if (derivatives) {
        h.d_b = Sb / S;
        h.d_c = -Sc / S;
        h.d_z = z > 0 ? Sz / (z * S) : b / c;
    }
    return h;
}

struct ParetoRow {
    double ll;
    double g[4];
    double log_alive;  // ln of the "still alive at T" part of L
};

// One row; lg = lgamma(r + x) - lgamma(r) and dg = digamma(r + x) - digamma(r) are passed in (per distinct x).
inline ParetoRow pareto_row(double r, double al, double s, double be, double x, double tx, double T, double lg,
                            double dg, bool want) {
    ParetoRow out{};
    const double rx = r + x, a = r + s + x, c = a + 1;
    const double lal = std::log(al), lbe = std::log(be);
    const double P = lg + r * lal + s * lbe - std::log(a);
    double L1, L2, g1[4] = {0, 0, 0, 0}, g2[4] = {0, 0, 0, 0};  // d/d(r, alpha, s, beta)
    const double lAt = std::log(al + tx), lAT = std::log(al + T), lBt = std::log(be + tx), lBT = std::log(be + T);
    if (al >= be) {
        const double z1 = (al - be) / (al + tx), z2 = (al - be) / (al + T);
        const Hyp1 F1 = hyp2f1_one(rx, c, z1, want), F2 = hyp2f1_one(rx + 1, c, z2, want);
        L1 = std::log(s) - rx * lAt - s * lBt + F1.log_value;
        L2 = std::log(rx) - (rx + 1) * lAT + (1 - s) * lBT + F2.log_value;
        if (want) {
            g1[0] = -lAt + F1.d_b + F1.d_c;
            g1[1] = -rx / (al + tx) + F1.d_z * (be + tx) / ((al + tx) * (al + tx));
            g1[2] = 1 / s - lBt + F1.d_c;
            g1[3] = -s / (be + tx) - F1.d_z / (al + tx);
            g2[0] = 1 / rx - lAT + F2.d_b + F2.d_c;
            g2[1] = -(rx + 1) / (al + T) + F2.d_z * (be + T) / ((al + T) * (al + T));
            g2[2] = -lBT + F2.d_c;
            g2[3] = (1 - s) / (be + T) - F2.d_z / (al + T);
        }
    } else {
        const double z1 = (be - al) / (be + tx), z2 = (be - al) / (be + T);
        const Hyp1 F1 = hyp2f1_one(s + 1, c, z1, want), F2 = hyp2f1_one(s, c, z2, want);
        L1 = std::log(s) + (1 - rx) * lAt - (s + 1) * lBt + F1.log_value;
        L2 = std::log(rx) - rx * lAT - s * lBT + F2.log_value;
        if (want) {
            g1[0] = -lAt + F1.d_c;
            g1[1] = (1 - rx) / (al + tx) - F1.d_z / (be + tx);
            g1[2] = 1 / s - lBt + F1.d_b + F1.d_c;
            g1[3] = -(s + 1) / (be + tx) + F1.d_z * (al + tx) / ((be + tx) * (be + tx));
            g2[0] = 1 / rx - lAT + F2.d_c;
            g2[1] = -rx / (al + T) - F2.d_z / (be + T);
            g2[2] = -lBT + F2.d_b + F2.d_c;
            g2[3] = -s / (be + T) + F2.d_z * (al + T) / ((be + T) * (be + T));
        }
    }
    const double m = std::max(L1, L2);
    const double e1 = std::exp(L1 - m), e2 = std::exp(L2 - m);
    out.ll = P + m + std::log(e1 + e2);
    out.log_alive = lg + r * lal + s * lbe - rx * lAT - s * lBT;
    if (want) {
        const double w1 = e1 / (e1 + e2), w2 = 1 - w1;
        out.g[0] = dg + lal - 1 / a + w1 * g1[0] + w2 * g2[0];
        out.g[1] = r / al + w1 * g1[1] + w2 * g2[1];
        out.g[2] = lbe - 1 / a + w1 * g1[2] + w2 * g2[2];
        out.g[3] = s / be + w1 * g1[3] + w2 * g2[3];
    }
    return out;
}

struct ParetoNbdLL {
    const RfmData& d;
    unsigned threads = 0;
    double total_weight() const { return d.total_weight; }

    double operator()(const Eigen::VectorXd& th, Eigen::VectorXd* grad) const {
        using boost::math::digamma;
        using boost::math::lgamma;
        const double r = th[0], al = th[1], s = th[2], be = th[3];
        const bool want = grad != nullptr;
        const double lgr = lgamma(r), psr = want ? digamma(r) : 0;
        auto body = [&](std::size_t beg, std::size_t end, double& val, double* g) {
            double cur_x = -1, lg = 0, dg = 0;
            double v = 0, gg[4] = {0, 0, 0, 0};
            for (std::size_t i = beg; i < end; ++i) {
                const double x = d.x[i], w = d.weight[i];
                if (x != cur_x) {
                    cur_x = x;
                    lg = lgamma(r + x) - lgr;
                    dg = want ? digamma(r + x) - psr : 0;
                }
                const ParetoRow row = pareto_row(r, al, s, be, x, d.t_x[i], d.T[i], lg, dg, want);
                v += w * row.ll;
                if (want)
                    for (int k = 0; k < 4; ++k) gg[k] += w * row.g[k];
            }
            val += v;
            if (g)
                for (int k = 0; k < 4; ++k) g[k] += gg[k];
        };
        double gbuf[4];
        const double v = reduce_rows(d.size(), 4, want ? gbuf : nullptr, d.size() > 20000 ? threads : 1u, body);
        if (want) *grad = Eigen::Map<Eigen::Vector4d>(gbuf);
        return v;
    }
};

// (1 - (b/(b+t))^(s-1)) / (s-1), continuous at s = 1.
inline double pareto_tail_factor(double s, double b, double t) {
    const double L = std::log1p(t / b);
    if (std::abs(s - 1) < 1e-12) return L;
    return -std::expm1(-(s - 1) * L) / (s - 1);
}

}  // namespace detail

class ParetoNbdModel {
public:
    using Params = ParetoNbdParams;

    ParetoNbdModel() = default;
    explicit ParetoNbdModel(const Params& p) : p_(p) { detail::require_positive_params(p.vector(), Params::names()); }

    const FitResult& fit(const RfmData& data, const FitOptions& opt = {}) {
        data.require_fittable();
        auto make = [&](const RfmData& dd) { return detail::ParetoNbdLL{dd, opt.threads}; };
        Eigen::VectorXd init = detail::rate_start(data);  // r, alpha as for BG/NBD; s = 1, beta = alpha
        init[2] = 1.0;
        init[3] = init[1];
        res_ = fit_with_warm_start(data, make, Params::names(), init, opt);
        p_ = Params::from(res_.params);
        return res_;
    }

    const Params& params() const noexcept { return p_; }
    const FitResult& result() const noexcept { return res_; }

    static double log_likelihood(const Params& p, double x, double t_x, double T) {
        using boost::math::lgamma;
        return detail::pareto_row(p.r, p.alpha, p.s, p.beta, x, t_x, T, lgamma(p.r + x) - lgamma(p.r), 0, false).ll;
    }
    static double log_likelihood(const Params& p, const RfmData& d, Eigen::VectorXd* grad = nullptr,
                                 unsigned threads = 0) {
        return detail::ParetoNbdLL{d, threads}(p.vector(), grad);
    }

    // P(alive at T | x, t_x, T): the "alive" part of the likelihood over the whole likelihood.
    double probability_alive(double x, double t_x, double T) const {
        using boost::math::lgamma;
        const auto& p = p_;
        const auto row =
            detail::pareto_row(p.r, p.alpha, p.s, p.beta, x, t_x, T, lgamma(p.r + x) - lgamma(p.r), 0, false);
        return std::min(1.0, std::exp(row.log_alive - row.ll));
    }

    // E[Y(t) | x, t_x, T] = (r+x)(beta+T)/((alpha+T)(s-1)) (1 - ((beta+T)/(beta+T+t))^(s-1)) P(alive).
    double conditional_expected_purchases(double t, double x, double t_x, double T) const {
        const auto& p = p_;
        return (p.r + x) / (p.alpha + T) * (p.beta + T) * detail::pareto_tail_factor(p.s, p.beta + T, t) *
               probability_alive(x, t_x, T);
    }

    // E[X(t)] = r beta / (alpha (s-1)) (1 - (beta/(beta+t))^(s-1)).
    double expected_purchases(double t) const {
        const auto& p = p_;
        return p.r * p.beta / p.alpha * detail::pareto_tail_factor(p.s, p.beta, t);
    }

    static CustomerSummary simulate(const Params& p, std::size_t n_customers, double T, std::uint64_t seed,
                                    unsigned threads = 0) {
        detail::require_positive_params(p.vector(), Params::names());
        return detail::simulate_customers(
            n_customers, T, seed,
            [p](std::mt19937_64& g, double TT, double& x, double& t_x) {
                const double lambda = std::gamma_distribution<double>(p.r, 1.0 / p.alpha)(g);
                const double mu = std::gamma_distribution<double>(p.s, 1.0 / p.beta)(g);
                const double death = mu > 0 ? std::exponential_distribution<double>(mu)(g) : INFINITY;
                const double end = std::min(death, TT);
                std::exponential_distribution<double> gap(lambda > 0 ? lambda : 1e-300);
                double t = 0, n = 0, last = 0;
                for (;;) {
                    t += gap(g);
                    if (!(t <= end)) break;
                    n += 1;
                    last = t;
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

#pragma once
// MBG/NBD (Batislam, Denizel & Filiztekin 2007; also Hoppe & Wagner 2007): the BG/NBD in which a customer may
// also drop out at time 0, right after her first purchase, so a customer with no repeat purchase may be dead.
//     ln L = A1 + A2 + ln(exp(A3) + exp(A4)),   for every x (also x = 0)
//     A1 = lgamma(r + x) - lgamma(r) + r ln(alpha)
//     A2 = lgamma(a + b) + lgamma(b + x + 1) - lgamma(b) - lgamma(a + b + x + 1)
//     A3 = -(r + x) ln(alpha + T)
//     A4 = ln(a) - ln(b + x) - (r + x) ln(alpha + t_x)
// evaluated, with its analytic gradient, by the same code as the BG/NBD (beta_geo.hpp).
#include <boost/math/special_functions/beta.hpp>
#include <boost/math/special_functions/gamma.hpp>

#include "cxkit/clv/beta_geo.hpp"

namespace cxkit::clv {

using ModifiedBetaGeoParams = BetaGeoParams;

class ModifiedBetaGeoModel {
public:
    using Params = ModifiedBetaGeoParams;

    ModifiedBetaGeoModel() = default;
    explicit ModifiedBetaGeoModel(const Params& p) : p_(p) {
        detail::require_positive_params(p.vector(), Params::names());
    }

    const FitResult& fit(const RfmData& data, const FitOptions& opt = {}) {
        data.require_fittable();
        auto make = [&](const RfmData& dd) { return detail::BetaGeoFamilyLL<true>(dd, opt.threads); };
        res_ = fit_with_warm_start(data, make, Params::names(), detail::rate_start(data), opt);
        p_ = Params::from(res_.params);
        return res_;
    }

    const Params& params() const noexcept { return p_; }
    const FitResult& result() const noexcept { return res_; }

    // The total log-likelihood of `d` as the functor fit() maximises (e.g. for set_standard_errors).
    static detail::BetaGeoFamilyLL<true> log_likelihood_function(const RfmData& d, unsigned threads = 0) {
        return detail::BetaGeoFamilyLL<true>(d, threads);
    }

    static double log_likelihood(const Params& p, double x, double t_x, double T) {
        return detail::BetaGeoFamilyLL<true>(RfmData::one(x, t_x, T), 1, false)(p.vector(), nullptr);
    }
    static double log_likelihood(const Params& p, const RfmData& d, Eigen::VectorXd* grad = nullptr,
                                 unsigned threads = 0) {
        return detail::BetaGeoFamilyLL<true>(d, threads)(p.vector(), grad);
    }

    // P(alive | x, t_x, T) = 1 / (1 + a / (b + x) ((alpha + T) / (alpha + t_x))^(r + x)).
    double probability_alive(double x, double t_x, double T) const {
        const auto& p = p_;
        const double u = std::log(p.a) - std::log(p.b + x) + (p.r + x) * (std::log(p.alpha + T) - std::log(p.alpha + t_x));
        return detail::sigmoid(-u);
    }

    // E[Y(t) | x, t_x, T] = (a+b+x)/(a-1) [1 - ((alpha+T)/(alpha+T+t))^(r+x) 2F1(r+x, b+x+1; a+b+x; z)] P(alive),
    // the 2F1 factor evaluated as (1-z)^(a-1) 2F1(a+b-r, a-1; a+b+x; z) (Euler), z = t/(alpha+T+t).
    double conditional_expected_purchases(double t, double x, double t_x, double T) const {
        return expected_purchases_if_alive(t, x, T) * probability_alive(x, t_x, T);
    }

    // E[Y(t) | alive at T, x, T]: the factor above without P(alive); it does not depend on t_x.
    double expected_purchases_if_alive(double t, double x, double T) const {
        const auto& p = p_;
        const double z = t / (p.alpha + T + t);
        const double f = std::pow(1 - z, p.a - 1) * detail::hyp2f1(p.a + p.b - p.r, p.a - 1, p.a + p.b + x, z);
        return (p.a + p.b + x) / (p.a - 1) * (1 - f);
    }

    // E[X(t)] = b/(a-1) [1 - (alpha/(alpha+t))^r 2F1(r, b+1; a+b; t/(alpha+t))].
    double expected_purchases(double t) const {
        const auto& p = p_;
        const double z = t / (p.alpha + t);
        const double f = std::pow(1 - z, p.a - 1) * detail::hyp2f1(p.a + p.b - p.r, p.a - 1, p.a + p.b, z);
        return p.b / (p.a - 1) * (1 - f);
    }

    // P(X(t) = n) = B(a, b+n+1)/B(a,b) NBD(n) + B(a+1, b+n)/B(a,b) P(NBD >= n).
    double probability_of_n_purchases(double t, int n) const {
        if (n < 0) throw invalid_input("n", invalid_input::no_row, "must be >= 0");
        using boost::math::lgamma;
        const auto& p = p_;
        const double q = p.alpha / (p.alpha + t);
        const double lbab = std::log(boost::math::beta(p.a, p.b));
        const double nbd = std::exp(lgamma(p.r + n) - lgamma(p.r) - lgamma(n + 1.0) + p.r * std::log(q) +
                                    (n > 0 ? n * std::log1p(-q) : 0.0));
        const double tail = n > 0 ? boost::math::ibetac(p.r, static_cast<double>(n), q) : 1.0;
        return std::exp(std::log(boost::math::beta(p.a, p.b + n + 1)) - lbab) * nbd +
               std::exp(std::log(boost::math::beta(p.a + 1, p.b + n)) - lbab) * tail;
    }

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
                if (u(g) >= drop) {  // alive after the first purchase
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

private:
    Params p_{};
    FitResult res_{};
};

}  // namespace cxkit::clv

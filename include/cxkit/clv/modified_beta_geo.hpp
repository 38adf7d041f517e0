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

class ModifiedBetaGeoModel : public BetaGeoFamily<ModifiedBetaGeoModel, true> {
public:
    using BetaGeoFamily::BetaGeoFamily;

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
    template <int = 0>  // instantiated (Boost.Math, Eigen, the parallel loop) only where used: issue 11
    double expected_purchases_if_alive(double t, double x, double T) const {
        const auto& p = p_;
        const double z = t / (p.alpha + T + t);
        if (p.a + p.b > detail::point_mass_concentration)  // p | alive, x ~ Beta(a, b + x + 1)
            return detail::expected_with_point_dropout(p.a / (p.a + p.b + x + 1), p.r + x, p.alpha + T, t);
        return (p.a + p.b + x) / (p.a - 1) *
               detail::one_minus_euler_2f1(p.a - 1, p.a + p.b - p.r, p.a - 1, p.a + p.b + x, z);
    }

    // E[X(t)] = b/(a-1) [1 - (alpha/(alpha+t))^r 2F1(r, b+1; a+b; t/(alpha+t))].
    template <int = 0>  // instantiated (Boost.Math, Eigen, the parallel loop) only where used: issue 11
    double expected_purchases(double t) const {
        const auto& p = p_;
        const double z = t / (p.alpha + t);
        if (p.a + p.b > detail::point_mass_concentration)  // alive after time 0 with P b/(a+b), then Beta(a, b+1)
            return p.b / (p.a + p.b) * detail::expected_with_point_dropout(p.a / (p.a + p.b + 1), p.r, p.alpha, t);
        return p.b / (p.a - 1) * detail::one_minus_euler_2f1(p.a - 1, p.a + p.b - p.r, p.a - 1, p.a + p.b, z);
    }

    // P(X(t) = n) = B(a, b+n+1)/B(a,b) NBD(n) + B(a+1, b+n)/B(a,b) P(NBD >= n).
    template <int = 0>  // instantiated (Boost.Math, Eigen, the parallel loop) only where used: issue 11
    double probability_of_n_purchases(double t, int n) const {
        if (n < 0) throw invalid_input("n", invalid_input::no_row, "must be >= 0");
        using boost::math::lgamma;
        const auto& p = p_;
        const double q = p.alpha / (p.alpha + t);
        const double nbd = std::exp(lgamma(p.r + n) - lgamma(p.r) - lgamma(n + 1.0) + p.r * std::log(q) +
                                    (n > 0 ? n * std::log1p(-q) : 0.0));
        const double tail = n > 0 ? boost::math::ibetac(p.r, static_cast<double>(n), q) : 1.0;
        // B(a+1, b+n)/B(a,b) = a/(a+b) B(a+1, b+n)/B(a+1, b)
        return std::exp(detail::log_beta_shift(p.a, p.b, n + 1.0)) * nbd +
               p.a / (p.a + p.b) * std::exp(detail::log_beta_shift(p.a + 1, p.b, n)) * tail;
    }

    static CustomerSummary simulate(const Params& p, std::size_t n_customers, double T, std::uint64_t seed,
                                    unsigned threads = 0) {
        return detail::simulate_beta_geometric(p, n_customers, T, seed, threads, /*drop_at_first=*/true);
    }

};

}  // namespace cxkit::clv

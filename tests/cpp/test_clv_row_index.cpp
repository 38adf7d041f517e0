#include <doctest/doctest.h>

#include <boost/math/special_functions/digamma.hpp>
#include <boost/math/special_functions/gamma.hpp>
#include <cmath>
#include <set>
#include <utility>

#include "cxkit/clv/beta_geo.hpp"
#include "cxkit/clv/modified_beta_geo.hpp"
#include "cxkit/clv/pareto_nbd.hpp"
#include "test_clv_data.hpp"

using namespace cxkit::clv;

TEST_CASE("GammaRatio: finite sums agree with Boost's lgamma and digamma differences") {
    for (const double c : {0.2426, 1.0, 3.7, 250.0}) {
        detail::GammaRatio g(c, true);
        // ascending whole steps, a long gap (Boost), then whole steps again from there
        for (const double x : {0.0, 1.0, 2.0, 5.0, 29.0, 30.0, 200.0, 201.0, 233.0, 5000.0}) {
            g.advance_to(x);
            INFO("c=" << c << " x=" << x);
            const double lg = boost::math::lgamma(c + x) - boost::math::lgamma(c);
            const double dg = boost::math::digamma(c + x) - boost::math::digamma(c);
            CHECK(g.lg == doctest::Approx(lg).epsilon(1e-13).scale(1.0));
            CHECK(g.dg == doctest::Approx(dg).epsilon(1e-13).scale(1.0));
        }
    }
}

TEST_CASE("RowIndex: distinct x, times and (x, T) pairs of the CDNOW rows") {
    const RfmData d = clv_test::cdnow();
    const detail::RowIndex idx(d, std::size_t{1} << 18, true);
    const std::set<double> xs(d.x.begin(), d.x.end());
    std::set<double> times(d.t_x.begin(), d.t_x.end());
    times.insert(d.T.begin(), d.T.end());
    std::set<std::pair<double, double>> pairs;
    for (std::size_t i = 0; i < d.size(); ++i) pairs.insert({d.x[i], d.T[i]});
    REQUIRE(idx.has_times());
    REQUIRE(idx.has_pairs());
    CHECK(idx.xs.size() == xs.size());
    CHECK(idx.times.size() == times.size());
    CHECK(idx.pair_x.size() == pairs.size());
    for (std::size_t i = 0; i < d.size(); ++i) {
        CHECK(idx.xs[idx.ix[i]] == d.x[i]);
        CHECK(idx.times[idx.it_x[i]] == d.t_x[i]);
        CHECK(idx.times[idx.iT[i]] == d.T[i]);
        CHECK(idx.xs[idx.pair_x[idx.ixT[i]]] == d.x[i]);
        CHECK(idx.times[idx.pair_T[idx.ixT[i]]] == d.T[i]);
    }
    // all-distinct continuous times: no time table (it would not save logs)
    const CustomerSummary s = BetaGeoModel::simulate({0.24, 4.4, 0.79, 2.4}, 5000, 39, 3);
    const detail::RowIndex cont(RfmData::from_customers(s));
    CHECK(!cont.has_times());
}

TEST_CASE("Likelihoods with the row tables equal the sum of per-customer log-likelihoods") {
    // The per-customer functions compute every term from scratch (no tables, no shared series).
    const RfmData d = clv_test::cdnow();
    auto check_total = [&](double total, auto one) {
        double sum = 0;
        for (std::size_t i = 0; i < d.size(); ++i) sum += d.weight[i] * one(d.x[i], d.t_x[i], d.T[i]);
        CHECK(total == doctest::Approx(sum).epsilon(1e-12));
    };
    for (const BetaGeoParams p : {BetaGeoParams{0.2426, 4.4135, 0.7929, 2.4258}, BetaGeoParams{1.3, 30, 0.2, 7}}) {
        check_total(BetaGeoModel::log_likelihood(p, d),
                    [&](double x, double t, double T) { return BetaGeoModel::log_likelihood(p, x, t, T); });
        check_total(ModifiedBetaGeoModel::log_likelihood(p, d),
                    [&](double x, double t, double T) { return ModifiedBetaGeoModel::log_likelihood(p, x, t, T); });
        // the row tables and the per-row path give the same value and gradient
        Eigen::VectorXd g1, g2;
        const double v1 = detail::BetaGeoFamilyLL<false>(d, 1, true)(p.vector(), &g1);
        const double v2 = detail::BetaGeoFamilyLL<false>(d, 1, false)(p.vector(), &g2);
        CHECK(v1 == doctest::Approx(v2).epsilon(1e-13));
        for (int k = 0; k < 4; ++k) CHECK(g1[k] == doctest::Approx(g2[k]).epsilon(1e-12));
    }
    for (const ParetoNbdParams p : {ParetoNbdParams{0.5533, 10.5776, 0.6062, 11.6679},
                                    ParetoNbdParams{0.5, 30, 0.6, 3}, ParetoNbdParams{2, 1, 0.3, 40}})
        check_total(ParetoNbdModel::log_likelihood(p, d),
                    [&](double x, double t, double T) { return ParetoNbdModel::log_likelihood(p, x, t, T); });
}

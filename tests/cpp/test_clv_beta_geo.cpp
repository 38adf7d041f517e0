#include <doctest/doctest.h>

#include <chrono>
#include <cmath>

#include "cxkit/clv/beta_geo.hpp"
#include "test_clv_data.hpp"

using namespace cxkit::clv;

TEST_CASE("BG/NBD: fit on CDNOW from C++ only matches the published MLE") {
    const RfmData d = clv_test::cdnow();
    CHECK(d.total_weight == 2357);
    CHECK(d.size() < 2357);
    BetaGeoModel m;
    const FitResult& f = m.fit(d);
    REQUIRE(f.converged);
    CHECK(std::abs(m.params().r - 0.2426) < 5e-5);
    CHECK(std::abs(m.params().alpha - 4.4135) < 5e-5);
    CHECK(std::abs(m.params().a - 0.7929) < 5e-5);
    CHECK(std::abs(m.params().b - 2.4258) < 5e-5);
    CHECK(std::abs(f.log_likelihood - (-9582.43)) < 0.05);
    CHECK(f.standard_errors.allFinite());
    MESSAGE("BG/NBD CDNOW: r=" << m.params().r << " alpha=" << m.params().alpha << " a=" << m.params().a
                               << " b=" << m.params().b << " LL=" << f.log_likelihood << " iters=" << f.iterations);
}

namespace {
const BetaGeoParams cdnow_mle{0.2426, 4.4135, 0.7929, 2.4258};
}

TEST_CASE("BG/NBD: predictions at the CDNOW MLE (lifetimes test-suite values)") {
    const BetaGeoModel m(cdnow_mle);
    CHECK(m.conditional_expected_purchases(39, 2, 30.43, 38.86) == doctest::Approx(1.226).epsilon(1e-3));
    CHECK(m.probability_alive(2, 30.43, 38.86) == doctest::Approx(0.7266).epsilon(2e-4));
    CHECK(m.probability_alive(0, 0, 38.86) == 1.0);
    const double t[] = {1, 3, 32, 78};
    const double want[] = {0.0532, 0.1506, 1.0437, 1.8576};
    for (int i = 0; i < 4; ++i) CHECK(m.expected_purchases(t[i]) == doctest::Approx(want[i]).epsilon(2e-4));
    // P(X(t) = n) sums to one, and its mean is E[X(t)].
    double total = 0, mean = 0;
    for (int n = 0; n < 400; ++n) {
        const double pn = m.probability_of_n_purchases(32, n);
        CHECK(pn >= 0);
        total += pn;
        mean += n * pn;
    }
    CHECK(total == doctest::Approx(1.0).epsilon(1e-9));
    CHECK(mean == doctest::Approx(m.expected_purchases(32)).epsilon(1e-6));
    // Large x: finite, and P(alive) stays a probability.
    CHECK(std::isfinite(m.conditional_expected_purchases(39, 5000, 38, 38.86)));
    CHECK(m.probability_alive(5000, 20, 38.86) >= 0);
}

TEST_CASE("BG/NBD: Hardie note 027 per-customer log-likelihoods (no overflow at x = 200)") {
    const BetaGeoParams p{0.25, 4, 0.8, 2.5};
    CHECK(BetaGeoModel::log_likelihood(p, 0, 0, 40) == doctest::Approx(-0.59947382).epsilon(1e-8));
    CHECK(BetaGeoModel::log_likelihood(p, 200, 38, 40) == doctest::Approx(100.7957).epsilon(1e-6));
    CHECK(std::isfinite(BetaGeoModel::log_likelihood(p, 5000, 39.9, 40)));
}

TEST_CASE("BG/NBD: analytic gradient matches central differences; threads do not change the result") {
    const RfmData d = clv_test::cdnow();
    const BetaGeoParams p{0.3, 5.0, 0.9, 2.0};
    Eigen::VectorXd g;
    const double v = BetaGeoModel::log_likelihood(p, d, &g);
    const Eigen::VectorXd th = p.vector();
    for (int j = 0; j < 4; ++j) {
        Eigen::VectorXd a = th, b = th;
        const double h = 1e-6 * th[j];
        a[j] += h;
        b[j] -= h;
        const double fd = (BetaGeoModel::log_likelihood(BetaGeoParams::from(a), d) -
                           BetaGeoModel::log_likelihood(BetaGeoParams::from(b), d)) / (2 * h);
        CHECK(g[j] == doctest::Approx(fd).epsilon(1e-5));
    }
    const CustomerSummary s = BetaGeoModel::simulate(cdnow_mle, 300000, 39, 7);
    const RfmData big = RfmData::from_customers(s);
    Eigen::VectorXd g1, g2;
    const double v1 = BetaGeoModel::log_likelihood(p, big, &g1, 1);
    const double v2 = BetaGeoModel::log_likelihood(p, big, &g2, 2);
    CHECK(v1 == v2);
    CHECK(g1 == g2);
    CHECK(std::isfinite(v));
}

TEST_CASE("BG/NBD: simulation is deterministic and the fit recovers the parameters (200k customers)") {
    const BetaGeoParams truth{0.25, 4.0, 0.8, 2.5};
    const CustomerSummary s1 = BetaGeoModel::simulate(truth, 200000, 52, 20240501);
    const CustomerSummary s2 = BetaGeoModel::simulate(truth, 200000, 52, 20240501, 1);
    CHECK(s1.x == s2.x);
    CHECK(s1.t_x == s2.t_x);
    BetaGeoModel m;
    const FitResult& f = m.fit(RfmData::from_customers(s1));
    REQUIRE(f.converged);
    const Eigen::VectorXd t = truth.vector();
    for (int j = 0; j < 4; ++j) {
        INFO("parameter " << f.names[j] << " = " << f.params[j] << " +- " << f.standard_errors[j]);
        CHECK(std::abs(f.params[j] - t[j]) < 1.96 * f.standard_errors[j]);
    }
}

TEST_CASE("RfmData: bad input names the field and the first offending row") {
    using cxkit::invalid_input;
    std::vector<double> x{0, 1, 2}, t{0, 3, 4}, T{5, 5, 5};
    CHECK(RfmData::from_customers(x, t, T).size() == 3);
    auto bad = [&](std::vector<double> xx, std::vector<double> tt, std::vector<double> TT, std::vector<double> w = {}) {
        return RfmData::from_customers(xx, tt, TT, w);
    };
    CHECK_THROWS_WITH_AS(bad({0, -1, 2}, t, T), "column 'frequency', row 1: must be a whole number of repeat purchases >= 0, got -1", invalid_input);
    CHECK_THROWS_WITH_AS(bad({0, 1, NAN}, t, T), doctest::Contains("column 'frequency', row 2"), invalid_input);
    CHECK_THROWS_WITH_AS(bad(x, {0, INFINITY, 4}, T), doctest::Contains("column 'recency', row 1"), invalid_input);
    CHECK_THROWS_WITH_AS(bad(x, t, {5, -5, 5}), doctest::Contains("column 'T', row 1"), invalid_input);
    CHECK_THROWS_WITH_AS(bad(x, {0, 3, 6}, T), "column 'recency', row 2: must be <= T (5), got 6", invalid_input);
    CHECK_THROWS_WITH_AS(bad(x, {1, 3, 4}, T), "column 'recency', row 0: must be 0 when frequency is 0, got 1", invalid_input);
    CHECK_THROWS_WITH_AS(bad(x, t, T, {1, 1}), doctest::Contains("column 'weights'"), invalid_input);
    CHECK_THROWS_WITH_AS(bad(x, t, T, {1, -1, 1}), doctest::Contains("column 'weights', row 1"), invalid_input);
    CHECK_THROWS_WITH_AS(bad(x, {0, 3}, T), doctest::Contains("column 'recency'"), invalid_input);
    // Weighted rows are the same as repeated customers.
    const RfmData w = RfmData::from_customers(std::vector<double>{1, 0}, std::vector<double>{2, 0},
                                              std::vector<double>{5, 5}, std::vector<double>{3, 2});
    const RfmData r = RfmData::from_customers(std::vector<double>{0, 1, 1, 0, 1}, std::vector<double>{0, 2, 2, 0, 2},
                                              std::vector<double>{5, 5, 5, 5, 5});
    CHECK(w.x == r.x);
    CHECK(w.weight == r.weight);
    // Nothing to fit.
    BetaGeoModel m;
    CHECK_THROWS_WITH_AS(m.fit(RfmData{}), doctest::Contains("no customers"), invalid_input);
    CHECK_THROWS_WITH_AS(m.fit(RfmData::from_customers(std::vector<double>{0, 0}, std::vector<double>{0, 0},
                                                       std::vector<double>{5, 5})),
                         doctest::Contains("0 repeat purchases"), invalid_input);
    CHECK_THROWS_WITH_AS(m.fit(RfmData::from_customers(x, t, T, std::vector<double>{0, 0, 0})),
                         doctest::Contains("no customers"), invalid_input);
    CHECK_THROWS_AS(BetaGeoModel(BetaGeoParams{-1, 1, 1, 1}), invalid_input);
}

TEST_CASE("BG/NBD: a fit stopped early says so; the L2 penalty shrinks the parameters") {
    const RfmData d = clv_test::cdnow();
    FitOptions o;
    o.max_iterations = 2;
    BetaGeoModel m;
    const FitResult& f = m.fit(d, o);
    CHECK_FALSE(f.converged);
    CHECK_FALSE(f.message.empty());
    FitOptions pen;
    pen.penalizer_coef = 0.1;
    BetaGeoModel mp;
    const FitResult& fp = mp.fit(d, pen);
    CHECK(fp.converged);
    CHECK(fp.params.squaredNorm() < BetaGeoModel().fit(d).params.squaredNorm());
    CHECK(fp.log_likelihood < -9582.43);
    FitOptions neg;
    neg.penalizer_coef = -1;
    CHECK_THROWS_AS(BetaGeoModel().fit(d, neg), cxkit::invalid_input);
}

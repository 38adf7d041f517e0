#include <doctest/doctest.h>

#include <cmath>

#include "cxkit/clv/modified_beta_geo.hpp"
#include "test_clv_data.hpp"

using namespace cxkit::clv;

TEST_CASE("MBG/NBD: fit on CDNOW matches the published MLE") {
    ModifiedBetaGeoModel m;
    const FitResult& f = m.fit(clv_test::cdnow());
    REQUIRE(f.converged);
    MESSAGE("MBG/NBD CDNOW: r=" << m.params().r << " alpha=" << m.params().alpha << " a=" << m.params().a
                                << " b=" << m.params().b << " LL=" << f.log_likelihood);
    CHECK(std::abs(m.params().r - 0.5248) < 5e-5);
    CHECK(std::abs(m.params().alpha - 6.183) < 5e-4);
    CHECK(std::abs(m.params().a - 0.8914) < 5e-5);
    CHECK(std::abs(m.params().b - 1.614) < 5e-4);
    CHECK(std::abs(f.log_likelihood - (-9582.13)) < 0.05);
    CHECK(f.standard_errors.allFinite());
}

TEST_CASE("MBG/NBD: predictions are consistent with simulation and with each other") {
    const ModifiedBetaGeoParams p{0.5248, 6.183, 0.8914, 1.614};
    const ModifiedBetaGeoModel m(p);
    CHECK(m.probability_alive(0, 0, 39) < 1);
    CHECK(m.probability_alive(2, 30.43, 38.86) > 0);
    CHECK(std::isfinite(ModifiedBetaGeoModel::log_likelihood(p, 200, 38, 40)));
    CHECK(std::isfinite(m.conditional_expected_purchases(39, 3000, 38, 38.86)));
    double total = 0, mean = 0;
    for (int n = 0; n < 400; ++n) {
        const double pn = m.probability_of_n_purchases(39, n);
        total += pn;
        mean += n * pn;
    }
    CHECK(total == doctest::Approx(1.0).epsilon(1e-9));
    CHECK(mean == doctest::Approx(m.expected_purchases(39)).epsilon(1e-6));
    const CustomerSummary s = ModifiedBetaGeoModel::simulate(p, 200000, 39, 11);
    double sm = 0;
    for (double x : s.x) sm += x;
    CHECK(sm / 200000 == doctest::Approx(m.expected_purchases(39)).epsilon(0.02));
    // Conditional expectation for a new customer (x = 0, T = 0) is the unconditional one.
    CHECK(m.conditional_expected_purchases(20, 0, 0, 0) == doctest::Approx(m.expected_purchases(20)).epsilon(1e-9));
}

TEST_CASE("MBG/NBD: analytic gradient and parameter recovery (200k customers)") {
    const RfmData d = clv_test::cdnow();
    const ModifiedBetaGeoParams p{0.5, 6.0, 0.9, 1.5};
    Eigen::VectorXd g;
    ModifiedBetaGeoModel::log_likelihood(p, d, &g);
    const Eigen::VectorXd th = p.vector();
    for (int j = 0; j < 4; ++j) {
        Eigen::VectorXd a = th, b = th;
        const double h = 1e-6 * th[j];
        a[j] += h;
        b[j] -= h;
        const double fd = (ModifiedBetaGeoModel::log_likelihood(ModifiedBetaGeoParams::from(a), d) -
                           ModifiedBetaGeoModel::log_likelihood(ModifiedBetaGeoParams::from(b), d)) / (2 * h);
        CHECK(g[j] == doctest::Approx(fd).epsilon(1e-5));
    }
    const ModifiedBetaGeoParams truth{0.5, 6.0, 0.9, 1.6};
    ModifiedBetaGeoModel m;
    const FitResult& f = m.fit(RfmData::from_customers(ModifiedBetaGeoModel::simulate(truth, 200000, 52, 20240503)));
    REQUIRE(f.converged);
    const Eigen::VectorXd t = truth.vector();
    for (int j = 0; j < 4; ++j) {
        INFO("parameter " << f.names[j] << " = " << f.params[j] << " +- " << f.standard_errors[j]);
        CHECK(std::abs(f.params[j] - t[j]) < 1.96 * f.standard_errors[j]);
    }
}

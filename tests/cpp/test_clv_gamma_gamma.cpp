#include <doctest/doctest.h>

#include <cmath>

#include "cxkit/clv/gamma_gamma.hpp"
#include "test_clv_data.hpp"

using namespace cxkit::clv;
using cxkit::invalid_input;

namespace {
SpendData cdnow_spend() {
    static const auto c = clv_test::read_csv("cdnow_customers_summary_with_transactions.csv");  // ID,x,t_x,T,zbar
    return SpendData::from_customers(c[1], c[4]);
}
}  // namespace

TEST_CASE("Gamma-Gamma: fit on the 946 CDNOW repeat customers matches the published MLE") {
    const SpendData d = cdnow_spend();
    CHECK(d.total_weight == 946);
    GammaGammaModel m;
    const FitResult& f = m.fit(d);
    REQUIRE(f.converged);
    MESSAGE("Gamma-Gamma CDNOW: p=" << m.params().p << " q=" << m.params().q << " gamma=" << m.params().gamma
                                    << " LL=" << f.log_likelihood);
    CHECK(std::abs(m.params().p - 6.2488) < 5e-4);
    CHECK(std::abs(m.params().q - 3.7446) < 5e-4);
    CHECK(std::abs(m.params().gamma - 15.4478) < 5e-4);
    CHECK(std::abs(f.log_likelihood - (-4055.92)) < 0.05);
    CHECK(f.standard_errors.allFinite());
}

TEST_CASE("Gamma-Gamma: conditional expected average value of the first CDNOW customers") {
    const GammaGammaModel m(GammaGammaParams{6.2488, 3.7446, 15.4478});
    // The lifetimes documentation prints 24.658619 and 18.911489; the reference table shows them cut to 2 decimals.
    const double v1 = m.conditional_expected_average_value(2, 22.35), v2 = m.conditional_expected_average_value(1, 11.77);
    MESSAGE("Gamma-Gamma E[M]: " << v1 << " " << v2);
    CHECK(std::floor(v1 * 100) / 100 == doctest::Approx(24.65));
    CHECK(std::floor(v2 * 100) / 100 == doctest::Approx(18.91));
    CHECK(v1 == doctest::Approx(24.658619).epsilon(1e-5));
    CHECK(v2 == doctest::Approx(18.911489).epsilon(1e-5));
    CHECK(m.conditional_expected_average_value(0, 0) == doctest::Approx(15.4478 * 6.2488 / 2.7446));
}

TEST_CASE("Gamma-Gamma: q <= 1 is refused for the mean; bad spend input is refused") {
    const GammaGammaModel m(GammaGammaParams{2, 0.8, 10});
    CHECK_THROWS_WITH_AS(m.conditional_expected_average_value(2, 20), doctest::Contains("needs q > 1, got q = 0.8"),
                         invalid_input);
    const GammaGammaModel m1(GammaGammaParams{2, 1, 10});
    CHECK_THROWS_AS(m1.conditional_expected_average_value(2, 20), invalid_input);
    std::vector<double> x{0, 2, 1}, v{0, 10, 5};
    CHECK(SpendData::from_customers(x, v).size() == 2);
    CHECK_THROWS_WITH_AS(SpendData::from_customers(x, std::vector<double>{0, 10, 0}),
                         "column 'monetary_value', row 2: must be a finite number > 0 for a repeat customer, got 0",
                         invalid_input);
    CHECK_THROWS_WITH_AS(SpendData::from_customers(x, std::vector<double>{0, -3, 1}),
                         doctest::Contains("row 1"), invalid_input);
    CHECK_THROWS_WITH_AS(SpendData::from_customers(std::vector<double>{0, -2, 1}, v), doctest::Contains("column 'frequency', row 1"),
                         invalid_input);
    CHECK_THROWS_AS(SpendData::from_customers(x, std::vector<double>{1, 2}), invalid_input);
    GammaGammaModel f;
    CHECK_THROWS_WITH_AS(f.fit(SpendData::from_customers(std::vector<double>{0, 0}, std::vector<double>{0, 0})),
                         doctest::Contains("no customer with a repeat purchase"), invalid_input);
}

TEST_CASE("Gamma-Gamma: analytic gradient and parameter recovery") {
    const SpendData d = cdnow_spend();
    const GammaGammaParams p{5, 3, 12};
    Eigen::VectorXd g;
    GammaGammaModel::log_likelihood(p, d, &g);
    const Eigen::VectorXd th = p.vector();
    for (int j = 0; j < 3; ++j) {
        Eigen::VectorXd a = th, b = th;
        const double h = 1e-6 * th[j];
        a[j] += h;
        b[j] -= h;
        const double fd = (GammaGammaModel::log_likelihood(GammaGammaParams::from(a), d) -
                           GammaGammaModel::log_likelihood(GammaGammaParams::from(b), d)) / (2 * h);
        CHECK(g[j] == doctest::Approx(fd).epsilon(1e-5));
    }
    const GammaGammaParams truth{6.25, 3.75, 15.5};
    std::vector<double> freq(200000);
    for (std::size_t i = 0; i < freq.size(); ++i) freq[i] = 1 + static_cast<double>(i % 7);
    const std::vector<double> spend = GammaGammaModel::simulate(truth, freq, 20240504);
    GammaGammaModel m;
    const FitResult& f = m.fit(SpendData::from_customers(freq, spend));
    REQUIRE(f.converged);
    const Eigen::VectorXd t = truth.vector();
    for (int j = 0; j < 3; ++j) {
        INFO("parameter " << f.names[j] << " = " << f.params[j] << " +- " << f.standard_errors[j]);
        CHECK(std::abs(f.params[j] - t[j]) < 1.96 * f.standard_errors[j]);
    }
}

#include <doctest/doctest.h>

#include <cmath>

#include "cxkit/clv/beta_geo_beta_binom.hpp"
#include "test_clv_data.hpp"

using namespace cxkit::clv;
using cxkit::invalid_input;

namespace {
RfmData donations() {
    static const auto c = clv_test::read_csv("donations.csv");  // frequency,recency,periods,weights
    return BetaGeoBetaBinomModel::data(c[0], c[1], c[2], c[3]);
}
const BetaGeoBetaBinomParams fhs{1.2035, 0.7497, 0.6567, 2.7834};
}  // namespace

TEST_CASE("BG/BB: fit on the donations data (11,104 donors, n = 6) matches Fader, Hardie & Shang (2010)") {
    const RfmData d = donations();
    CHECK(d.total_weight == 11104);
    BetaGeoBetaBinomModel m;
    const FitResult& f = m.fit(d);
    REQUIRE(f.converged);
    MESSAGE("BG/BB donations: alpha=" << m.params().alpha << " beta=" << m.params().beta << " gamma="
                                      << m.params().gamma << " delta=" << m.params().delta << " LL=" << f.log_likelihood);
    CHECK(std::abs(m.params().alpha - 1.2035) < 5e-5);
    CHECK(std::abs(m.params().beta - 0.7497) < 5e-5);
    CHECK(std::abs(m.params().gamma - 0.6567) < 5e-5);
    CHECK(std::abs(m.params().delta - 2.7834) < 5e-5);
    CHECK(std::abs(f.log_likelihood - (-33225.58)) < 0.05);
    CHECK(f.standard_errors.allFinite());
}

TEST_CASE("BG/BB: the likelihood sums to one over all histories; predictions agree with simulation") {
    // Sum over every (x, t_x) pattern of n = 4 opportunities, each pattern counted C(t_x - 1, x - 1) times.
    const int n = 4;
    double total = 0;
    for (int tx = 0; tx <= n; ++tx)
        for (int x = (tx > 0 ? 1 : 0); x <= tx; ++x) {
            const double ways = tx == 0 ? 1 : std::tgamma(tx) / (std::tgamma(x) * std::tgamma(tx - x + 1));
            total += ways * std::exp(BetaGeoBetaBinomModel::log_likelihood(fhs, x, tx, n));
        }
    CHECK(total == doctest::Approx(1.0).epsilon(1e-12));
    const BetaGeoBetaBinomModel m(fhs);
    const CustomerSummary s = BetaGeoBetaBinomModel::simulate(fhs, 200000, 6, 5);
    double mean = 0;
    for (double x : s.x) mean += x;
    CHECK(mean / 200000 == doctest::Approx(m.expected_purchases(6)).epsilon(0.02));
    CHECK(m.probability_alive(6, 6, 6) > m.probability_alive(1, 1, 6));
    CHECK(m.conditional_expected_purchases(5, 6, 6, 6) > m.conditional_expected_purchases(5, 1, 1, 6));
    // For a customer with no history (n = 0), the conditional expectation is the unconditional one.
    CHECK(m.conditional_expected_purchases(5, 0, 0, 0) == doctest::Approx(m.expected_purchases(5)).epsilon(1e-10));
}

TEST_CASE("BG/BB: analytic gradient; parameter recovery; bad input") {
    const RfmData d = donations();
    Eigen::VectorXd g;
    BetaGeoBetaBinomModel::log_likelihood(fhs, d, &g);
    const Eigen::VectorXd th = fhs.vector();
    for (int j = 0; j < 4; ++j) {
        Eigen::VectorXd a = th, b = th;
        const double h = 1e-6 * th[j];
        a[j] += h;
        b[j] -= h;
        const double fd = (BetaGeoBetaBinomModel::log_likelihood(BetaGeoBetaBinomParams::from(a), d) -
                           BetaGeoBetaBinomModel::log_likelihood(BetaGeoBetaBinomParams::from(b), d)) / (2 * h);
        CHECK(g[j] == doctest::Approx(fd).epsilon(1e-5));
    }
    const CustomerSummary s = BetaGeoBetaBinomModel::simulate(fhs, 200000, 6, 20240505);
    BetaGeoBetaBinomModel m;
    const FitResult& f = m.fit(BetaGeoBetaBinomModel::data(s.x, s.t_x, s.T));
    REQUIRE(f.converged);
    for (int j = 0; j < 4; ++j) {
        INFO("parameter " << f.names[j] << " = " << f.params[j] << " +- " << f.standard_errors[j]);
        CHECK(std::abs(f.params[j] - th[j]) < 1.96 * f.standard_errors[j]);
    }
    std::vector<double> x{1, 3}, t{2, 2}, n{6, 6};
    CHECK_THROWS_WITH_AS(BetaGeoBetaBinomModel::data(x, t, n), doctest::Contains("column 'frequency', row 1"), invalid_input);
    CHECK_THROWS_WITH_AS(BetaGeoBetaBinomModel::data(std::vector<double>{1, 1}, std::vector<double>{2, 2.5}, n),
                         doctest::Contains("column 'recency', row 1: must be a whole number"), invalid_input);
    CHECK_THROWS_WITH_AS(BetaGeoBetaBinomModel::data(std::vector<double>{1, 1}, t, std::vector<double>{6, 1}),
                         doctest::Contains("column 'recency', row 1: must be <= periods"), invalid_input);
}

TEST_CASE("BG/BB: P(X(t) = n) of a new customer in C++ (issue 11: moved from a Python lgamma loop)") {
    const BetaGeoBetaBinomModel m(BetaGeoBetaBinomParams{1.204, 0.750, 0.657, 2.783});
    // the former Python implementation's values (math.lgamma), t = 6
    const double ref[4] = {0.3112177432638497, 0.1701099784065148, 0.12148051376687147, 0.1002631150248038};
    for (int n = 0; n < 4; ++n) CHECK(m.probability_of_n_purchases(6, n) == doctest::Approx(ref[n]).epsilon(1e-12));
    for (double t : {0.0, 1.0, 6.0, 40.0}) {
        double total = 0;
        for (int n = 0; n <= static_cast<int>(t); ++n) total += m.probability_of_n_purchases(t, n);
        CHECK(total == doctest::Approx(1.0).epsilon(1e-12));
        CHECK(m.probability_of_n_purchases(t, static_cast<int>(t) + 1) == 0.0);
    }
    CHECK_THROWS_AS(m.probability_of_n_purchases(2.5, 0), invalid_input);
    CHECK_THROWS_AS(m.probability_of_n_purchases(1e300, 0), invalid_input);
    CHECK_THROWS_AS(m.probability_of_n_purchases(3, -1), invalid_input);
}

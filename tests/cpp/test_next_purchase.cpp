#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <tuple>

#include "cxkit/clv/next_purchase.hpp"

using namespace cxkit::clv;

namespace {

// sum_n P(n) = 1 and sum_n n P(n) = the model's own E[Y(t) | history] (a different formula: 2F1 or closed form).
template <class Model>
void check_pmf_against_expectation(const Model& m, double t, double x, double t_x, double T, int n_max) {
    double total = 0, mean = 0;
    for (int n = 0; n <= n_max; ++n) {
        const double p = conditional_probability_of_n_purchases(m, t, n, x, t_x, T);
        CHECK(p >= 0);
        total += p;
        mean += n * p;
    }
    CHECK(total == doctest::Approx(1.0).epsilon(1e-9));
    CHECK(mean == doctest::Approx(m.conditional_expected_purchases(t, x, t_x, T)).epsilon(1e-7));
}

template <class Model>
void check_limits_and_median(const Model& m, double x, double t_x, double T, bool discrete = false) {
    CHECK(conditional_probability_of_n_purchases(m, 0, 0, x, t_x, T) == 1.0);
    CHECK(probability_of_purchase_within(m, 0, x, t_x, T) == 0.0);
    double prev = 0;
    for (double t : {1.0, 2.0, 5.0, 10.0, 40.0, 200.0}) {
        const double p = probability_of_purchase_within(m, t, x, t_x, T);
        CHECK(p > prev);
        CHECK(p == doctest::Approx(1 - conditional_probability_of_n_purchases(m, t, 0, x, t_x, T)).epsilon(1e-12));
        prev = p;
    }
    const double med = median_time_to_next_purchase(m, x, t_x, T);
    if (std::isfinite(med) && !discrete)  // whole periods: checked separately
        CHECK(probability_of_purchase_within(m, med, x, t_x, T) == doctest::Approx(0.5).epsilon(1e-9));
}

}  // namespace

TEST_CASE("next purchase: BG/NBD and MBG/NBD pmf, limits and median") {
    const BetaGeoModel bg(BetaGeoParams{0.243, 4.414, 0.793, 2.426});  // CDNOW fit (FHL 2005)
    const ModifiedBetaGeoModel mbg(BetaGeoParams{0.5248, 6.183, 0.8914, 1.614});
    for (auto [x, t_x, T] : {std::tuple{0.0, 0.0, 38.0}, {2.0, 30.43, 38.86}, {7.0, 35.0, 38.0}, {1.0, 2.0, 39.0}}) {
        check_pmf_against_expectation(bg, 13.0, x, t_x, T, 400);
        check_pmf_against_expectation(mbg, 13.0, x, t_x, T, 400);
        check_limits_and_median(bg, x, t_x, T);
        check_limits_and_median(mbg, x, t_x, T);
        // t -> inf: an alive customer buys again before dropping out, so P(0) -> 1 - P(alive)
        CHECK(conditional_probability_of_n_purchases(bg, 1e60, 0, x, t_x, T) ==
              doctest::Approx(1 - bg.probability_alive(x, t_x, T)).epsilon(1e-6));
    }
    // P(alive) <= 1/2: the median is infinite; a frequent, recent buyer's is finite and short
    CHECK(std::isinf(median_time_to_next_purchase(bg, 1, 2, 39)));
    CHECK(median_time_to_next_purchase(bg, 7, 35, 38) < 10);
}

TEST_CASE("next purchase: Pareto/NBD pmf, limit and median") {
    const ParetoNbdModel m(ParetoNbdParams{0.553, 10.58, 0.606, 11.67});  // CDNOW fit
    for (auto [x, t_x, T] : {std::tuple{0.0, 0.0, 38.0}, {2.0, 30.43, 38.86}, {7.0, 35.0, 38.0}}) {
        check_pmf_against_expectation(m, 13.0, x, t_x, T, 300);
        check_limits_and_median(m, x, t_x, T);
    }
    // the limit t -> inf against a closed form: P(never buys | alive) = E[mu/(lambda+mu)] over the posterior rates
    //   = s/(r+s) 2F1(1, r; r+s+1; 1-beta/alpha)            (alpha >= beta)
    //   = s/(r+s) (alpha/beta) 2F1(1, s+1; r+s+1; 1-alpha/beta)   (alpha < beta)
    for (auto [x, t_x, T] : {std::tuple{0.0, 0.0, 38.0}, {7.0, 35.0, 38.0}, {3.0, 1.0, 2.0}}) {
        const auto f = detail::alive_future(m, x, T).params();  // a copy: the model is a temporary
        const double never = f.alpha >= f.beta
                                 ? f.s / (f.r + f.s) * detail::hyp2f1(1, f.r, f.r + f.s + 1, 1 - f.beta / f.alpha)
                                 : f.s / (f.r + f.s) * f.alpha / f.beta *
                                       detail::hyp2f1(1, f.s + 1, f.r + f.s + 1, 1 - f.alpha / f.beta);
        const double ever = m.probability_alive(x, t_x, T) * (1 - never);
        CHECK(probability_of_purchase_within(m, std::numeric_limits<double>::infinity(), x, t_x, T) ==
              doctest::Approx(ever).epsilon(1e-10));
        const double med = median_time_to_next_purchase(m, x, t_x, T);
        CHECK(std::isfinite(med) == (ever > 0.5));
    }
}

TEST_CASE("next purchase: BG/BB pmf, median and bad input") {
    const BetaGeoBetaBinomModel m(BetaGeoBetaBinomParams{1.204, 0.750, 0.657, 2.783});  // FHS 2010 donations
    for (auto [x, t_x, n] : {std::tuple{0.0, 0.0, 6.0}, {3.0, 5.0, 6.0}, {6.0, 6.0, 6.0}}) {
        check_pmf_against_expectation(m, 5.0, x, t_x, n, 5);
        check_limits_and_median(m, x, t_x, n, true);
    }
    // the walk agrees with P at whole periods: P(median - 1) < 1/2 <= P(median)
    const double med = median_time_to_next_purchase(m, 6, 6, 6);
    REQUIRE(std::isfinite(med));
    CHECK(probability_of_purchase_within(m, med, 6, 6, 6) >= 0.5);
    CHECK(probability_of_purchase_within(m, med - 1, 6, 6, 6) < 0.5);
    CHECK(std::isinf(median_time_to_next_purchase(m, 0, 0, 6)));
    CHECK_THROWS_AS(probability_of_purchase_within(m, 1.5, 3, 5, 6), cxkit::invalid_input);
    CHECK_THROWS_AS(probability_of_purchase_within(m, -1, 3, 5, 6), cxkit::invalid_input);
    CHECK_THROWS_AS(probability_of_purchase_within(m, 1e8, 3, 5, 6), cxkit::invalid_input);  // one term per period
    CHECK(probability_of_purchase_within(m, 1e5, 3, 5, 6) < m.probability_alive(3, 5, 6));
    CHECK_THROWS_AS(conditional_probability_of_n_purchases(m, 2, 0, 4, 3, 6), cxkit::invalid_input);
    const BetaGeoModel bg(BetaGeoParams{0.243, 4.414, 0.793, 2.426});
    CHECK_THROWS_AS(probability_of_purchase_within(bg, -0.5, 1, 2, 3), cxkit::invalid_input);
    CHECK_THROWS_AS(probability_of_purchase_within(bg, 1, 1, 4, 3), cxkit::invalid_input);
    CHECK_THROWS_AS(conditional_probability_of_n_purchases(bg, 1, -1, 1, 2, 3), cxkit::invalid_input);
}

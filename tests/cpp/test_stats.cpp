#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "cxkit/metrics/stats.hpp"

using cxkit::invalid_input;

TEST_CASE("z_for_confidence: two-sided normal critical values") {
    // Phi^-1(0.975), Phi^-1(0.95), Phi^-1(0.995)
    CHECK(cxkit::z_for_confidence(0.95) == doctest::Approx(1.959963984540054).epsilon(1e-12));
    CHECK(cxkit::z_for_confidence(0.90) == doctest::Approx(1.6448536269514722).epsilon(1e-12));
    CHECK(cxkit::z_for_confidence(0.99) == doctest::Approx(2.5758293035489004).epsilon(1e-12));
}

TEST_CASE("z_for_confidence: confidence outside (0, 1) is refused, naming the argument") {
    for (double c : {0.0, 1.0, -0.5, 95.0, double(NAN), double(INFINITY)}) {
        CAPTURE(c);
        CHECK_THROWS_AS(cxkit::z_for_confidence(c), invalid_input);
    }
    CHECK_THROWS_WITH_AS(cxkit::z_for_confidence(95.0), "column 'confidence': confidence must be in (0, 1), got 95",
                         invalid_input);
}

TEST_CASE("wilson_interval: 8/10 and 7/10 by hand") {
    // 8/10, z = 1.959964, z^2/n = 0.384146: centre = (0.8 + 0.192073)/1.384146 = 0.716738;
    // half = 1.959964/1.384146 * sqrt(0.8*0.2/10 + 0.384146/40) = 1.416010 * 0.160012 = 0.226578
    // -> [0.490162, 0.943318]
    auto w = cxkit::wilson_interval(8, 10, 0.95);
    CHECK(w.low == doctest::Approx(0.4901624715366418).epsilon(1e-10));
    CHECK(w.high == doctest::Approx(0.9433178485456248).epsilon(1e-10));
    // 7/10: centre = (0.7 + 0.192073)/1.384146 = 0.644493; half = 1.416010 * sqrt(0.021 + 0.0096037) = 0.247715
    // -> [0.396778, 0.892209]
    w = cxkit::wilson_interval(7, 10, 0.95);
    CHECK(w.low == doctest::Approx(0.39677814746114537).epsilon(1e-10));
    CHECK(w.high == doctest::Approx(0.8922087325936989).epsilon(1e-10));
    // A lower confidence gives a narrower interval (z = 1.644854): [0.441700, 0.873123]
    w = cxkit::wilson_interval(7, 10, 0.90);
    CHECK(w.low == doctest::Approx(0.44169979586983504).epsilon(1e-10));
    CHECK(w.high == doctest::Approx(0.8731234160968022).epsilon(1e-10));
}

TEST_CASE("wilson_interval: edges stay in [0, 1]; n == 0 gives NaN; bad counts refused") {
    // 0/10: centre = 0.192073/1.384146 = 0.138766 and half = 1.416010 * sqrt(0.0096037) = 0.138766,
    // so low = 0 (up to rounding) and high = 0.277533
    auto w = cxkit::wilson_interval(0, 10, 0.95);
    CHECK(w.low == doctest::Approx(0.0).epsilon(1e-12));
    CHECK(w.low >= 0.0);
    CHECK(w.high == doctest::Approx(0.2775327998628892).epsilon(1e-10));
    w = cxkit::wilson_interval(10, 10, 0.95);
    CHECK(w.low == doctest::Approx(0.7224672001371107).epsilon(1e-10));
    CHECK(w.high <= 1.0);
    w = cxkit::wilson_interval(0, 0, 0.95);
    CHECK(std::isnan(w.low));
    CHECK(std::isnan(w.high));
    CHECK_THROWS_AS(cxkit::wilson_interval(11, 10, 0.95), invalid_input);
    CHECK_THROWS_AS(cxkit::wilson_interval(-1, 10, 0.95), invalid_input);
    CHECK_THROWS_AS(cxkit::wilson_interval(5, 10, 1.5), invalid_input);
}

TEST_CASE("nps_adjusted_wald: 5 promoters, 3 detractors of 10, by hand") {
    // P' = 5.75, D' = 3.75, n' = 13: pP = 0.442308, pD = 0.288462, adj = 2/13 = 0.153846
    // var = 0.730769 - 0.153846^2 = 0.707101; half = 1.959964 * sqrt(0.707101/13) = 0.457106
    // -> [-30.326, 61.095] points (not centred on the raw NPS of 20)
    auto ci = cxkit::metrics::nps_adjusted_wald(5, 3, 10, 0.95);
    CHECK(ci.low == doctest::Approx(-30.32599443550416).epsilon(1e-10));
    CHECK(ci.high == doctest::Approx(61.09522520473494).epsilon(1e-10));
}

TEST_CASE("nps_adjusted_wald: clipped to [-100, 100]; n == 0 is NaN; bad counts refused") {
    // 5 of 5 promoters: P' = 5.75, D' = 0.75, n' = 8: adj = 0.625, var = 0.8125 - 0.390625 = 0.421875,
    // half = 1.959964 * sqrt(0.421875/8) = 0.450085 -> [17.491, 107.5] -> high clipped to 100
    auto ci = cxkit::metrics::nps_adjusted_wald(5, 0, 5, 0.95);
    CHECK(ci.low == doctest::Approx(17.49145303416897).epsilon(1e-10));
    CHECK(ci.high == 100.0);
    ci = cxkit::metrics::nps_adjusted_wald(0, 5, 5, 0.95);  // mirror image
    CHECK(ci.low == -100.0);
    CHECK(ci.high == doctest::Approx(-17.49145303416897).epsilon(1e-10));
    ci = cxkit::metrics::nps_adjusted_wald(0, 0, 0, 0.95);
    CHECK(std::isnan(ci.low));
    CHECK(std::isnan(ci.high));
    CHECK_THROWS_AS(cxkit::metrics::nps_adjusted_wald(6, 5, 10, 0.95), invalid_input);
    CHECK_THROWS_AS(cxkit::metrics::nps_adjusted_wald(1, 1, 10, 0.0), invalid_input);
}

TEST_CASE("two_sample_z and the NPS / proportion tests, by hand") {
    // z = 1/0.5 = 2, p = 2 (1 - Phi(2)) = 0.0455003
    auto t = cxkit::two_sample_z(1.0, 0.5);
    CHECK(t.z == doctest::Approx(2.0));
    CHECK(t.p == doctest::Approx(0.04550026389635839).epsilon(1e-10));
    t = cxkit::two_sample_z(-1.0, 0.5);  // two-sided: sign does not change p
    CHECK(t.z == doctest::Approx(-2.0));
    CHECK(t.p == doctest::Approx(0.04550026389635839).epsilon(1e-10));
    t = cxkit::two_sample_z(0.0, 0.0);
    CHECK(std::isnan(t.z));
    CHECK(std::isnan(t.p));

    // NPS 40 (var 0.64, n 100) vs NPS 20 (var 0.76, n 200): se = sqrt(0.0064 + 0.0038) = 0.100995,
    // z = 0.2/0.100995 = 1.980295, p = 0.047670
    t = cxkit::metrics::nps_z_test(40, 0.64, 100, 20, 0.76, 200);
    CHECK(t.z == doctest::Approx(1.9802950859533488).epsilon(1e-10));
    CHECK(t.p == doctest::Approx(0.04767038065616141).epsilon(1e-10));

    // NPS 30 (var 0.5, n 50) vs benchmark 20: se = sqrt(0.5/50) = 0.1, z = 0.1/0.1 = 1, p = 0.317311
    t = cxkit::metrics::nps_vs_benchmark(30, 0.5, 50, 20);
    CHECK(t.z == doctest::Approx(1.0));
    CHECK(t.p == doctest::Approx(0.31731050786291415).epsilon(1e-10));

    // 45/100 vs 30/100 pooled: p = 0.375, se = sqrt(0.375*0.625*0.02) = 0.0684653, z = 0.15/0.0684653 = 2.190890
    t = cxkit::proportion_z_test(45, 100, 30, 100);
    CHECK(t.z == doctest::Approx(2.1908902300206647).epsilon(1e-10));
    CHECK(t.p == doctest::Approx(0.02845973691631055).epsilon(1e-10));

    // 60/100 vs p0 = 0.5: se = sqrt(0.25/100) = 0.05, z = 0.1/0.05 = 2
    t = cxkit::proportion_vs_benchmark(60, 100, 0.5);
    CHECK(t.z == doctest::Approx(2.0));
    CHECK(t.p == doctest::Approx(0.04550026389635839).epsilon(1e-10));
    CHECK_THROWS_AS(cxkit::proportion_vs_benchmark(60, 100, 50.0), invalid_input);  // percent, not proportion
}

TEST_CASE("quantile_linear matches numpy's default (linear) quantile") {
    // sorted {1,3,5,7,9}; h = (n-1) q: q=0.1 -> h=0.4 -> 1 + 0.4*2 = 1.8; q=0.25 -> h=1 -> 3; q=0.5 -> 5;
    // q=0.9 -> h=3.6 -> 7 + 0.6*2 = 8.2; q=0 -> 1; q=1 -> 9   (np.quantile gives the same)
    const std::vector<double> base{7, 1, 3, 9, 5};
    const std::vector<std::pair<double, double>> expected{{0.1, 1.8}, {0.25, 3.0}, {0.5, 5.0},
                                                          {0.9, 8.2}, {0.0, 1.0},  {1.0, 9.0}};
    for (auto [q, want] : expected) {
        CAPTURE(q);
        auto v = base;
        CHECK(cxkit::quantile_linear(v, q) == doctest::Approx(want).epsilon(1e-12));
    }
    // even count, sorted {1,2,3,4}: q=0.5 -> h=1.5 -> 2.5; q=0.75 -> h=2.25 -> 3.25; q=1/3 -> h=1 -> 2
    std::vector<double> e{4, 1, 3, 2};
    CHECK(cxkit::quantile_linear(e, 0.5) == doctest::Approx(2.5).epsilon(1e-12));
    CHECK(cxkit::quantile_linear(e, 0.75) == doctest::Approx(3.25).epsilon(1e-12));
    CHECK(cxkit::quantile_linear(e, 1.0 / 3.0) == doctest::Approx(2.0).epsilon(1e-12));
    std::vector<double> one{42};
    CHECK(cxkit::quantile_linear(one, 0.9) == 42.0);
}

TEST_CASE("quantile_linear: empty or NaN-containing input is NaN; q outside [0, 1] refused") {
    std::vector<double> empty;
    CHECK(std::isnan(cxkit::quantile_linear(empty, 0.5)));
    std::vector<double> with_nan{1, NAN, 3};
    CHECK(std::isnan(cxkit::quantile_linear(with_nan, 0.5)));
    std::vector<double> v{1, 2, 3};
    CHECK_THROWS_AS(cxkit::quantile_linear(v, 1.5), invalid_input);
    CHECK_THROWS_AS(cxkit::quantile_linear(v, -0.1), invalid_input);
    CHECK_THROWS_AS(cxkit::quantile_linear(v, NAN), invalid_input);
}

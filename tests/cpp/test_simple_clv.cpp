#include <doctest/doctest.h>

#include <cmath>

#include "cxkit/metrics/simple_clv.hpp"

using cxkit::invalid_input;

TEST_CASE("simple CLV by hand") {
    // m = 100, r = 0.8, d = 0.1: 100*0.8/(1 + 0.1 - 0.8) = 80/0.3 = 266.667
    CHECK(cxkit::metrics::simple_clv(100, 0.8, 0.1) == doctest::Approx(800.0 / 3.0));
    // m = 50, r = 0.5, d = 0: 25/0.5 = 50
    CHECK(cxkit::metrics::simple_clv(50, 0.5, 0.0) == doctest::Approx(50.0));
    // r = 0: no future value
    CHECK(cxkit::metrics::simple_clv(50, 0.0, 0.1) == 0.0);
}

TEST_CASE("simple CLV: NaN in gives NaN out; bad rates refused") {
    CHECK(std::isnan(cxkit::metrics::simple_clv(NAN, 0.8, 0.1)));
    CHECK(std::isnan(cxkit::metrics::simple_clv(100, NAN, 0.1)));
    CHECK(std::isnan(cxkit::metrics::simple_clv(100, 0.8, NAN)));
    CHECK_THROWS_WITH_AS(cxkit::metrics::simple_clv(100, 0.8, -0.1), "column 'discount': discount rate must be >= 0, got -0.1",
                         invalid_input);
    CHECK_THROWS_WITH_AS(cxkit::metrics::simple_clv(100, 1.2, 0.1), "column 'retention': retention rate must be in [0, 1], got 1.2",
                         invalid_input);
    CHECK_THROWS_AS(cxkit::metrics::simple_clv(100, -0.2, 0.1), invalid_input);
}

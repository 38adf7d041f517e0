// The journey map's interval of a mean score, against Student-t quantiles from printed tables.
#include <doctest/doctest.h>

#include <cmath>

#include "cxkit/journey/mean_interval.hpp"

using namespace cxkit;
using namespace cxkit::journey;

TEST_CASE("mean interval uses Student's t with n - 1 degrees of freedom") {
    // t(0.975, 4) = 2.776445, t(0.975, 10) = 2.228139
    const MeanInterval a = mean_t_interval(5.0, 2.0, 5, 0.95);
    CHECK(a.low == doctest::Approx(5.0 - 2.776445105197799 * 2.0 / std::sqrt(5.0)).epsilon(1e-12));
    CHECK(a.high == doctest::Approx(5.0 + 2.483328).epsilon(1e-6));
    const MeanInterval b = mean_t_interval(-0.2, 1.5, 11, 0.95);
    CHECK(b.high - b.low == doctest::Approx(2 * 2.228138851964938 * 1.5 / std::sqrt(11.0)).epsilon(1e-9));
    // t(0.95, 4) = 2.131847: a 90% interval is narrower
    CHECK(mean_t_interval(5.0, 2.0, 5, 0.90).high == doctest::Approx(5.0 + 2.131846786326649 * 2.0 / std::sqrt(5.0)));
    CHECK(std::isnan(mean_t_interval(5.0, 0.0, 1, 0.95).low));  // one answer: no spread to measure
    CHECK(mean_t_interval(3.0, 0.0, 4, 0.95).low == 3.0);
    CHECK_THROWS_AS(mean_t_interval(5.0, 2.0, 5, 1.0), invalid_input);
}

#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "cxkit/metrics/mean.hpp"

using cxkit::invalid_input;
using cxkit::metrics::MeanState;

namespace {
MeanState fill(const std::vector<double>& v) {
    MeanState s;
    for (double x : v) s.add(x);
    return s;
}
}  // namespace

TEST_CASE("sentiment mean and sample variance by hand") {
    // {0.5, -0.5, 0.25, 0.75, NaN}: n = 4, sum = 1 -> mean 0.25;
    // sum_sq = 0.25 + 0.25 + 0.0625 + 0.5625 = 1.125; sample variance = (1.125 - 1^2/4)/3 = 0.291667
    const auto s = fill({0.5, -0.5, 0.25, 0.75, NAN});
    CHECK(s.n == 4);
    CHECK(s.mean() == doctest::Approx(0.25));
    CHECK(s.variance() == doctest::Approx(0.875 / 3.0));
    CHECK(std::isnan(MeanState{}.mean()));
    CHECK(std::isnan(fill({0.3}).variance()));  // one value has no sample variance
    CHECK(fill({0.3, 0.3, 0.3}).variance() >= 0.0);
}

TEST_CASE("MeanState: merge of two different samples equals one fill of their union") {
    const std::vector<double> a{0.9, 0.7, 0.3, 0.85, 0.1, 0.66};       // positive
    const std::vector<double> b{-0.9, -0.7, -0.3, -0.85, -0.1, -0.33};  // negative: the union cancels to ~0.33
    std::vector<double> all = b;
    all.insert(all.end(), a.begin(), a.end());
    const auto merged = cxkit::merged(fill(a), fill(b));
    CHECK(merged == fill(all));
    CHECK(merged != fill(a));
    CHECK(merged.mean() == doctest::Approx(0.33 / 12.0));
    // a real difference in the sum is not mistaken for rounding
    auto shifted = fill(all);
    shifted.sum += 1e-6;
    CHECK(merged != shifted);
}

TEST_CASE("validate_sentiment: values outside [-1, 1] name the column and row") {
    CHECK_NOTHROW(cxkit::metrics::validate_sentiment(-1.0, 0));
    CHECK_NOTHROW(cxkit::metrics::validate_sentiment(1.0, 0));
    CHECK_NOTHROW(cxkit::metrics::validate_sentiment(NAN, 0));
    CHECK_THROWS_WITH_AS(cxkit::metrics::validate_sentiment(1.5, 3), "column 'sentiment', row 3: sentiment must be in [-1, 1], got 1.5",
                         invalid_input);
    CHECK_THROWS_WITH_AS(cxkit::metrics::validate_sentiment(-1.25, 4, "compound"),
                         "column 'compound', row 4: sentiment must be in [-1, 1], got -1.25", invalid_input);
    CHECK_THROWS_WITH_AS(cxkit::metrics::validate_sentiment(INFINITY, 5), "column 'sentiment', row 5: sentiment must be in [-1, 1], got inf",
                         invalid_input);
}

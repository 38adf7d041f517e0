#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "cxkit/metrics/ces.hpp"

using cxkit::metrics::CesState;
using cxkit::invalid_input;

namespace {
CesState fill(const std::vector<double>& scores) {
    CesState s;
    for (double x : scores) s.add(x);
    return s;
}
}  // namespace

TEST_CASE("CES of a small array, by hand") {
    // {7,6,5,4,3,2,1,7,7,5, NaN}: n = 10, sum = 47 -> mean 4.7; agree (5-7) = 7,6,5,7,7,5 = 6 -> 60%
    const auto s = fill({7, 6, 5, 4, 3, 2, 1, 7, 7, 5, NAN});
    CHECK(s.counts == std::array<std::uint64_t, 7>{1, 1, 1, 1, 2, 1, 3});
    CHECK(s.n() == 10);
    CHECK(s.mean() == doctest::Approx(4.7));
    CHECK(s.agree() == doctest::Approx(60.0));
}

TEST_CASE("CES of an empty state is NaN") {
    const CesState s;
    CHECK(std::isnan(s.mean()));
    CHECK(std::isnan(s.agree()));
}

TEST_CASE("CesState: merge of two different samples equals one fill of their union") {
    const std::vector<double> a{7, 7, 6, 6, 5, 7};     // easy
    const std::vector<double> b{1, 2, 2, 3, 4, 1, 6};  // hard
    std::vector<double> all = a;
    all.insert(all.end(), b.begin(), b.end());
    const auto merged = cxkit::merged(fill(a), fill(b));
    CHECK(merged == fill(all));
    CHECK(merged != fill(a));
    // mean = (38 + 19)/13 = 57/13; agree = (6 + 1)/13
    CHECK(merged.mean() == doctest::Approx(57.0 / 13.0));
    CHECK(merged.agree() == doctest::Approx(700.0 / 13.0));
}

TEST_CASE("validate_ces: every kind of bad value names the column and row") {
    CHECK_NOTHROW(cxkit::metrics::validate_ces(1, 0));
    CHECK_NOTHROW(cxkit::metrics::validate_ces(7, 0));
    CHECK_NOTHROW(cxkit::metrics::validate_ces(NAN, 0));
    CHECK_THROWS_WITH_AS(cxkit::metrics::validate_ces(0, 5), "column 'ces', row 5: CES must be a whole number from 1 to 7, got 0",
                         invalid_input);
    CHECK_THROWS_WITH_AS(cxkit::metrics::validate_ces(8, 6, "effort"),
                         "column 'effort', row 6: CES must be a whole number from 1 to 7, got 8", invalid_input);
    CHECK_THROWS_WITH_AS(cxkit::metrics::validate_ces(2.25, 7), "column 'ces', row 7: CES must be a whole number from 1 to 7, got 2.25",
                         invalid_input);
    CHECK_THROWS_WITH_AS(cxkit::metrics::validate_ces(INFINITY, 8),
                         "column 'ces', row 8: CES must be a whole number from 1 to 7, got inf", invalid_input);
}

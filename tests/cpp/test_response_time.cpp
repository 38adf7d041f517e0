#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "cxkit/metrics/response_time.hpp"

using cxkit::invalid_input;
using cxkit::metrics::ResponseTimeState;

namespace {
ResponseTimeState fill(const std::vector<double>& v) {
    ResponseTimeState s;
    for (double x : v) s.add(x);
    return s;
}
}  // namespace

TEST_CASE("response time: mean, median and p90 by hand (numpy's linear quantile)") {
    // {30,10,20,40,100, NaN}: n = 5, mean = 200/5 = 40; sorted {10,20,30,40,100}:
    // median h = 4*0.5 = 2 -> 30; p90 h = 4*0.9 = 3.6 -> 40 + 0.6*60 = 76  (np.quantile(..., [.5,.9]) = [30, 76])
    const auto s = fill({30, 10, 20, 40, 100, NAN});
    CHECK(s.n() == 5);
    CHECK(s.mean() == doctest::Approx(40.0));
    CHECK(s.median() == doctest::Approx(30.0));
    CHECK(s.p90() == doctest::Approx(76.0));
    // the const accessors do not reorder the state
    CHECK(s.values == std::vector<double>{30, 10, 20, 40, 100});
}

TEST_CASE("response time of an empty state is NaN") {
    const ResponseTimeState s;
    CHECK(std::isnan(s.mean()));
    CHECK(std::isnan(s.median()));
    CHECK(std::isnan(s.p90()));
}

TEST_CASE("ResponseTimeState: merge of two different samples equals one fill of their union") {
    const std::vector<double> a{1.1, 2.7, 3.3, 0.4, 5.9};                // fast
    const std::vector<double> b{3600.1, 7200.3, 86400.7, 1800.9, 0.2};  // slow
    std::vector<double> all = b;  // a different order than the merge: equality is on the multiset
    all.insert(all.end(), a.begin(), a.end());
    const auto merged = cxkit::merged(fill(a), fill(b));
    CHECK(merged == fill(all));
    CHECK(merged != fill(a));
    CHECK(merged.median() == fill(all).median());
    // a value replaced by another gives a different state even when n matches
    auto other = all;
    other[0] = 3600.2;
    CHECK(merged != fill(other));
    // same values, but a sum that differs by more than rounding
    auto bad_sum = fill(all);
    bad_sum.sum += 1e-3;
    CHECK(merged != bad_sum);
}

TEST_CASE("validate_duration: negative and infinite durations name the column and row") {
    CHECK_NOTHROW(cxkit::metrics::validate_duration(0.0, 0));
    CHECK_NOTHROW(cxkit::metrics::validate_duration(NAN, 0));
    CHECK_THROWS_WITH_AS(cxkit::metrics::validate_duration(-5.0, 12),
                         "column 'response_time', row 12: duration must be a finite number of seconds >= 0, got -5",
                         invalid_input);
    CHECK_THROWS_WITH_AS(cxkit::metrics::validate_duration(INFINITY, 13, "first_response"),
                         "column 'first_response', row 13: duration must be a finite number of seconds >= 0, got inf",
                         invalid_input);
}

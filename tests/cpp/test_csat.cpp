#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "cxkit/metrics/csat.hpp"

using cxkit::metrics::CsatState;
using cxkit::invalid_input;

namespace {
CsatState fill(const std::vector<double>& scores) {
    CsatState s;
    for (double x : scores) s.add(x);
    return s;
}
}  // namespace

TEST_CASE("CSAT of a small array, by hand") {
    // {5,4,4,3,2,5,5,1,4,5, NaN}: counts 1:1 2:1 3:1 4:3 5:4, n = 10, top-2 = 7 -> CSAT = 70%
    // Wilson 7/10 at 95%: [0.396778, 0.892209] -> [39.68%, 89.22%] (see test_stats.cpp)
    const auto s = fill({5, 4, 4, 3, 2, 5, 5, 1, 4, 5, NAN});
    CHECK(s.counts == std::array<std::uint64_t, 5>{1, 1, 1, 3, 4});
    CHECK(s.n() == 10);
    CHECK(s.top2() == 7);
    CHECK(s.value() == doctest::Approx(70.0));
    const auto r = s.result();
    CHECK(r.value == doctest::Approx(70.0));
    CHECK(r.low == doctest::Approx(39.677814746114537).epsilon(1e-10));
    CHECK(r.high == doctest::Approx(89.22087325936989).epsilon(1e-10));
    CHECK(r.n == 10);
    CHECK(r.top2 == 7);
    // 90%: Wilson [0.441700, 0.873123]
    const auto r90 = s.result(0.90);
    CHECK(r90.low == doctest::Approx(44.169979586983504).epsilon(1e-10));
    CHECK(r90.high == doctest::Approx(87.31234160968022).epsilon(1e-10));
}

TEST_CASE("CSAT of an empty state is NaN") {
    const CsatState s;
    CHECK(std::isnan(s.value()));
    CHECK(std::isnan(s.result().low));
}

TEST_CASE("CsatState: merge of two different samples equals one fill of their union") {
    const std::vector<double> a{5, 5, 4, 5, 4, 3};     // mostly satisfied
    const std::vector<double> b{1, 2, 1, 3, 2, 5, 1};  // mostly dissatisfied
    std::vector<double> all = a;
    all.insert(all.end(), b.begin(), b.end());
    const auto merged = cxkit::merged(fill(a), fill(b));
    CHECK(merged == fill(all));
    CHECK(merged != fill(b));
    CHECK(cxkit::merged(fill(b), fill(a)) == merged);
    // top-2: 5 + 1 = 6 of 13 -> 46.15%
    CHECK(merged.value() == doctest::Approx(600.0 / 13.0));
}

TEST_CASE("validate_csat: every kind of bad value names the column and row") {
    CHECK_NOTHROW(cxkit::metrics::validate_csat(1, 0));
    CHECK_NOTHROW(cxkit::metrics::validate_csat(5, 0));
    CHECK_NOTHROW(cxkit::metrics::validate_csat(NAN, 0));
    CHECK_THROWS_WITH_AS(cxkit::metrics::validate_csat(0, 1), "column 'csat', row 1: CSAT must be a whole number from 1 to 5, got 0",
                         invalid_input);
    CHECK_THROWS_WITH_AS(cxkit::metrics::validate_csat(6, 2, "satisfaction"),
                         "column 'satisfaction', row 2: CSAT must be a whole number from 1 to 5, got 6", invalid_input);
    CHECK_THROWS_WITH_AS(cxkit::metrics::validate_csat(4.5, 3), "column 'csat', row 3: CSAT must be a whole number from 1 to 5, got 4.5",
                         invalid_input);
    CHECK_THROWS_WITH_AS(cxkit::metrics::validate_csat(-INFINITY, 4),
                         "column 'csat', row 4: CSAT must be a whole number from 1 to 5, got -inf", invalid_input);
}

#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "cxkit/metrics/nps.hpp"

using cxkit::invalid_input;
using cxkit::metrics::NpsState;

namespace {
NpsState fill(const std::vector<double>& scores) {
    NpsState s;
    for (double x : scores) s.add(x);
    return s;
}
}  // namespace

TEST_CASE("NPS of a small array, by hand") {
    // {10,9,9,8,7,6,3,0,10,10}: promoters 10,9,9,10,10 = 5; passives 8,7 = 2; detractors 6,3,0 = 3; n = 10
    // NPS = 100 (5 - 3)/10 = 20; variance = 0.5 + 0.3 - 0.2^2 = 0.76
    const auto s = fill({10, 9, 9, 8, 7, 6, 3, 0, 10, 10});
    CHECK(s.promoters == 5);
    CHECK(s.passives == 2);
    CHECK(s.detractors == 3);
    CHECK(s.n() == 10);
    CHECK(s.value() == doctest::Approx(20.0));
    CHECK(s.variance() == doctest::Approx(0.76));
    // Interval: adjusted Wald with P' = 5.75, D' = 3.75, n' = 13 -> [-30.326, 61.095] (see test_stats.cpp)
    const auto r = s.result();
    CHECK(r.value == doctest::Approx(20.0));  // the raw NPS, not the adjusted 15.38
    CHECK(r.low == doctest::Approx(-30.32599443550416).epsilon(1e-10));
    CHECK(r.high == doctest::Approx(61.09522520473494).epsilon(1e-10));
    CHECK(r.n == 10);
    CHECK(r.promoters == 5);
    CHECK(r.passives == 2);
    CHECK(r.detractors == 3);
    CHECK(r.variance == doctest::Approx(0.76));
}

TEST_CASE("NPS thresholds and missing answers") {
    // 6 is a detractor, 7 a passive, 8 a passive, 9 a promoter; NaN is skipped
    const auto s = fill({6, 7, 8, 9, NAN});
    CHECK(s.detractors == 1);
    CHECK(s.passives == 2);
    CHECK(s.promoters == 1);
    CHECK(s.n() == 4);
    CHECK(s.value() == doctest::Approx(0.0));
    // variance = 0.25 + 0.25 - 0 = 0.5
    CHECK(s.variance() == doctest::Approx(0.5));
}

TEST_CASE("NPS of an empty state is NaN") {
    const NpsState s;
    CHECK(s.n() == 0);
    CHECK(std::isnan(s.value()));
    CHECK(std::isnan(s.variance()));
    const auto r = s.result();
    CHECK(std::isnan(r.value));
    CHECK(std::isnan(r.low));
    CHECK(std::isnan(r.high));
}

TEST_CASE("NpsState: merge of two different samples equals one fill of their union") {
    const std::vector<double> a{10, 10, 9, 9, 9, 10, 8, 3};   // mostly promoters
    const std::vector<double> b{0, 1, 2, 6, 5, 7, 9, 4, 3};   // mostly detractors
    std::vector<double> all = a;
    all.insert(all.end(), b.begin(), b.end());
    const auto merged = cxkit::merged(fill(a), fill(b));
    CHECK(merged == fill(all));
    CHECK(merged != fill(a));
    CHECK(cxkit::merged(fill(b), fill(a)) == merged);  // commutative
    CHECK(cxkit::merged(NpsState{}, fill(a)) == fill(a));  // empty is the identity
    // the merged score: P = 6 + 1 = 7, D = 1 + 7 = 8, n = 17 -> 100 (7 - 8)/17 = -5.882
    CHECK(merged.value() == doctest::Approx(-100.0 / 17.0));
}

TEST_CASE("validate_nps: every kind of bad value names the column and row") {
    CHECK_NOTHROW(cxkit::metrics::validate_nps(0, 0));
    CHECK_NOTHROW(cxkit::metrics::validate_nps(10, 0));
    CHECK_NOTHROW(cxkit::metrics::validate_nps(NAN, 0));  // missing is allowed
    CHECK_THROWS_WITH_AS(cxkit::metrics::validate_nps(11, 4), "column 'nps', row 4: NPS must be a whole number from 0 to 10, got 11",
                         invalid_input);
    CHECK_THROWS_WITH_AS(cxkit::metrics::validate_nps(-1, 2, "likelihood"),
                         "column 'likelihood', row 2: NPS must be a whole number from 0 to 10, got -1", invalid_input);
    CHECK_THROWS_WITH_AS(cxkit::metrics::validate_nps(7.5, 9), "column 'nps', row 9: NPS must be a whole number from 0 to 10, got 7.5",
                         invalid_input);
    CHECK_THROWS_WITH_AS(cxkit::metrics::validate_nps(INFINITY, 3),
                         "column 'nps', row 3: NPS must be a whole number from 0 to 10, got inf", invalid_input);
    try {
        cxkit::metrics::validate_nps(10.5, 17, "q1");
        FAIL("expected invalid_input");
    } catch (const invalid_input& e) {
        CHECK(e.column() == "q1");
        CHECK(e.row() == 17);
    }
}

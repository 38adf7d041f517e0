#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

#include "cxkit/metrics/activity.hpp"

using cxkit::metrics::ActivityState;
using cxkit::invalid_input;

namespace {
using Rows = std::vector<std::pair<std::uint64_t, std::int64_t>>;
ActivityState fill(const Rows& rows) {
    ActivityState s;
    for (auto [k, p] : rows) s.add(k, p);
    return s;
}
// Customer 1: periods 0,1,2; 2: 0,2 (gap in 1); 3: 1,2; 4: 2; 5: 0,1. Customer 1 has a duplicate event in 1.
const Rows tiny{{1, 0}, {1, 1}, {1, 1}, {1, 2}, {2, 0}, {2, 2}, {3, 1}, {3, 2}, {4, 2}, {5, 0}, {5, 1}};
}  // namespace

TEST_CASE("retention and churn per period on a tiny activity table, by hand") {
    // period 0: S = 0 (nothing before), E = {1,2,5} = 3, N = 3, lost = 0      -> rates NaN
    // period 1: S = {1,2,5} = 3, E = {1,3,5} = 3, N = {3} = 1, lost = {2} = 1 -> retention (3-1)/3, churn 1/3
    // period 2: S = {1,3,5} = 3, E = {1,2,3,4} = 4, N = {4} = 1, lost = {5} = 1
    //           -> retention (4-1)/3 = 1 (customer 2 came back after a gap), churn 1/3
    const auto rows = fill(tiny).by_period();
    REQUIRE(rows.size() == 3);
    CHECK(rows[0].period == 0);
    CHECK(rows[0].start == 0);
    CHECK(rows[0].end == 3);
    CHECK(rows[0].new_customers == 3);
    CHECK(rows[0].lost == 0);
    CHECK(std::isnan(rows[0].retention_rate));
    CHECK(std::isnan(rows[0].churn_rate));

    CHECK(rows[1].period == 1);
    CHECK(rows[1].start == 3);
    CHECK(rows[1].end == 3);
    CHECK(rows[1].new_customers == 1);
    CHECK(rows[1].lost == 1);
    CHECK(rows[1].retention_rate == doctest::Approx(2.0 / 3.0));
    CHECK(rows[1].churn_rate == doctest::Approx(1.0 / 3.0));

    CHECK(rows[2].period == 2);
    CHECK(rows[2].start == 3);
    CHECK(rows[2].end == 4);
    CHECK(rows[2].new_customers == 1);
    CHECK(rows[2].lost == 1);
    CHECK(rows[2].retention_rate == doctest::Approx(1.0));
    CHECK(rows[2].churn_rate == doctest::Approx(1.0 / 3.0));

    // pooled over periods 1 and 2 (S > 0): S = 6, E = 7, N = 2, lost = 2 -> retention 5/6, churn 2/6
    const auto p = fill(tiny).pooled();
    CHECK(p.period == -1);
    CHECK(p.start == 6);
    CHECK(p.end == 7);
    CHECK(p.new_customers == 2);
    CHECK(p.lost == 2);
    CHECK(p.retention_rate == doctest::Approx(5.0 / 6.0));
    CHECK(p.churn_rate == doctest::Approx(2.0 / 6.0));
}

TEST_CASE("by_period covers empty periods between the first and the last; negative periods work") {
    // customer 7 active in -1 and 2, customer 8 only in -1:
    // p=-1: S=0, E=2, N=2 -> NaN; p=0: S=2, E=0, lost=2 -> retention 0, churn 1;
    // p=1: S=0, E=0 -> NaN; p=2: S=0, E=1, N=0 (7 was first seen in -1) -> NaN
    const auto rows = fill({{7, -1}, {7, 2}, {8, -1}}).by_period();
    REQUIRE(rows.size() == 4);
    CHECK(rows[0].period == -1);
    CHECK(rows[1].period == 0);
    CHECK(rows[1].start == 2);
    CHECK(rows[1].end == 0);
    CHECK(rows[1].lost == 2);
    CHECK(rows[1].retention_rate == doctest::Approx(0.0));
    CHECK(rows[1].churn_rate == doctest::Approx(1.0));
    CHECK(rows[2].period == 1);
    CHECK(rows[2].start == 0);
    CHECK(std::isnan(rows[2].retention_rate));
    CHECK(rows[3].period == 2);
    CHECK(rows[3].end == 1);
    CHECK(rows[3].new_customers == 0);
    CHECK(std::isnan(rows[3].churn_rate));
}

TEST_CASE("empty activity and an activity with no period after another") {
    CHECK(ActivityState{}.by_period().empty());
    const auto p = ActivityState{}.pooled();
    CHECK(p.start == 0);
    CHECK(std::isnan(p.retention_rate));
    CHECK(std::isnan(p.churn_rate));
    const auto one = fill({{1, 5}, {2, 5}}).pooled();  // only one period: no S > 0
    CHECK(std::isnan(one.retention_rate));
}

TEST_CASE("timestamps passed as periods are refused instead of allocating per second") {
    const auto s = fill({{1, 0}, {1, 1700000000}});
    CHECK_THROWS_AS(s.by_period(), invalid_input);
}

TEST_CASE("ActivityState: merge of two different samples equals one fill of their union") {
    // A: early periods, loyal customers; B: later periods, one-off customers, overlapping A in customer 1
    const Rows a{{1, 0}, {1, 1}, {1, 2}, {2, 0}, {2, 1}, {2, 2}, {3, 1}};
    const Rows b{{1, 3}, {10, 3}, {11, 4}, {12, 2}, {12, 2}, {13, 4}};
    Rows all = b;
    all.insert(all.end(), a.begin(), a.end());
    const auto merged = cxkit::merged(fill(a), fill(b));
    CHECK(merged == fill(all));
    CHECK(merged != fill(a));
    // retention needs the union: in B alone customer 1 looks new in period 3; with A, it is retained
    // merged p=3: S = active in 2 = {1,2,12} = 3, E = {1,10} = 2, N = {10} = 1, lost = {2,12} = 2
    // -> retention (2-1)/3
    const auto rows = merged.by_period();
    REQUIRE(rows.size() == 5);
    CHECK(rows[3].start == 3);
    CHECK(rows[3].end == 2);
    CHECK(rows[3].new_customers == 1);
    CHECK(rows[3].lost == 2);
    CHECK(rows[3].retention_rate == doctest::Approx(1.0 / 3.0));
    CHECK(fill(b).by_period()[1].new_customers == 2);  // B alone: period 3 has 1 and 10 as new
}

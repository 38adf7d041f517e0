// CohortState from untrusted bytes (issue 12, "Untrusted bytes": a 480 KB CohortState allocated a 3 GB matrix;
// duplicate cells; counts whose sum overflows): every invariant fill and += keep is checked on load, merges that
// would overflow are refused before they change anything, and the table's size is bounded.
#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include <cxkit/core/serialize.hpp>
#include <cxkit/retention/cohorts.hpp>

namespace {

using cxkit::ByteWriter;
using cxkit::Period;
using cxkit::retention::CohortState;

constexpr std::int64_t M0 = 24'288;  // January 2024 as a month index (2024 * 12)

using Cohorts = std::vector<std::pair<std::int64_t, std::vector<std::uint64_t>>>;

std::string bytes_of(const Cohorts& cohorts, const std::string& period = "M") {
    ByteWriter w;
    w.header("CohortState", 1);
    w.put_string(period);
    w.put<std::uint64_t>(cohorts.size());
    for (const auto& [c, v] : cohorts) {
        w.put<std::int64_t>(c);
        w.put_vector(v);
    }
    return std::move(w).bytes();
}

void refused(const Cohorts& cohorts, const std::string& why, const std::string& period = "M") {
    CAPTURE(why);
    try {
        (void)CohortState::deserialize(bytes_of(cohorts, period));
        FAIL("loaded a state that breaks: " << why);
    } catch (const cxkit::invalid_input& e) {
        CHECK(std::string(e.what()).find(why) != std::string::npos);
    }
}

}  // namespace

TEST_CASE("cohort state: a valid state round-trips") {
    const Cohorts ok{{24'288, {5, 3, 0, 1}}, {24'289, {2}}};
    const CohortState s = CohortState::deserialize(bytes_of(ok));
    CHECK(s.size(24'288) == 5);
    CHECK(CohortState::deserialize(s.serialize()) == s);
    CHECK(CohortState::deserialize(bytes_of({}, "")) == CohortState());
}

TEST_CASE("cohort state: load refuses what fill and += never make") {
    const std::uint64_t big = std::numeric_limits<std::uint64_t>::max();
    refused({{M0, {3}}, {M0, {4}}}, "strictly ascending");  // a duplicate cohort (first or last would win)
    refused({{M0 + 1, {3}}, {M0, {4}}}, "strictly ascending");
    refused({{M0, {}}}, "at least one customer");
    refused({{M0, {0, 0, 1}}}, "at least one customer");
    refused({{M0, {3, 1, 0}}}, "last age");
    refused({{M0, {3, 4}}}, "more active customers at age 1");
    refused({{M0, {big / 4 + 1}}, {M0 + 1, {big / 4 + 1}}}, "2^63 - 1");
    refused({{std::numeric_limits<std::int64_t>::max(), {1}}}, "outside the periods");
    refused({{std::numeric_limits<std::int64_t>::min(), {1}}}, "outside the periods");
    refused({{CohortState::highest_period(Period::month), {2, 1}}}, "past the last period");
    refused({{M0, {1}}}, "no period", "");
    refused({{M0, {1}}}, "not one of D, W, M, Q, Y", "fortnight");
    refused({{M0, {1}}}, "not one of D, W, M, Q, Y", "\xff\xfe");
}

TEST_CASE("cohort state: a small sparse state cannot make table() allocate gigabytes") {
    // 20,000 one-customer cohorts and one that stays 20,000 periods: ~0.5 MB of bytes, a 3.2 GB table.
    Cohorts c;
    for (std::int64_t k = 0; k < 20'000; ++k) c.push_back({k, {1}});
    c.back().second.assign(20'000, 1);
    const CohortState s = CohortState::deserialize(bytes_of(c, "D"));
    CHECK(s.stored_counts() == 39'999);
    CHECK_THROWS_WITH_AS(s.table_cells(), doctest::Contains("pass a larger max_cells"), cxkit::invalid_input);
    CHECK(s.table_cells(std::size_t{400'000'000}) == std::size_t{400'000'000});  // the caller may ask
    CHECK(CohortState::deserialize(bytes_of({{M0, {4, 2}}})).table_cells() == 2);
}

TEST_CASE("cohort state: an overflowing merge is refused and changes nothing") {
    const std::uint64_t half = CohortState::max_count / 2 + 1;
    CohortState a = CohortState::deserialize(bytes_of({{M0 + 5, {half}}, {M0 + 7, {1}}}));
    const CohortState before = a;
    const CohortState b = CohortState::deserialize(bytes_of({{M0 + 4, {1}}, {M0 + 5, {half}}}));
    CHECK_THROWS_WITH_AS(a += b, doctest::Contains("2^63 - 1"), cxkit::invalid_input);
    CHECK(a == before);  // cohort 4 was not added before the overflow was found
    CHECK_THROWS_AS(a += CohortState::deserialize(bytes_of({{M0 + 5, {1}}}, "D")), cxkit::invalid_input);
    CHECK(a == before);
}

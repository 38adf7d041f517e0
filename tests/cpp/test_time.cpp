#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "cxkit/core/time.hpp"

using cxkit::Period;
using cxkit::period_index;
using cxkit::period_start;
using cxkit::timestamp;

namespace {
constexpr std::int64_t day = cxkit::ns_per_day;
constexpr std::int64_t sec = cxkit::ns_per_second;
}  // namespace

TEST_CASE("timestamp: civil date and time to ns since the epoch") {
    CHECK(timestamp(1970, 1, 1) == 0);
    CHECK(timestamp(1970, 1, 2) == day);
    CHECK(timestamp(1970, 1, 1, 1, 2, 3) == 3723 * sec);
    CHECK(timestamp(1969, 12, 31) == -day);
    CHECK(timestamp(1969, 12, 31, 23, 59, 59) == -sec);
    // days since the epoch (checked with Python's datetime): 2024-02-29 -> 19782, 1960-02-29 -> -3594
    CHECK(timestamp(2024, 2, 29) == 19782 * day);
    CHECK(timestamp(1960, 2, 29) == -3594 * day);
    CHECK(timestamp(1700, 3, 1) == -98556 * day);  // near the int64 ns limit (1677-09-21)
    // not calendar dates: 1900 and 2023 are not leap years, month 13, day 0, day 31 of April
    for (auto bad : {std::vector<unsigned>{1900, 2, 29}, {2023, 2, 29}, {2024, 13, 1}, {2024, 1, 0}, {2024, 4, 31}}) {
        CAPTURE(bad[0]);
        CAPTURE(bad[1]);
        CAPTURE(bad[2]);
        CHECK_THROWS_AS(timestamp(static_cast<int>(bad[0]), bad[1], bad[2]), cxkit::invalid_input);
    }
    try {
        timestamp(2023, 2, 29);
        FAIL("no exception");
    } catch (const cxkit::invalid_input& e) {
        CHECK(e.column() == "time");
        CHECK(std::string(e.what()).find("valid calendar date") != std::string::npos);
    }
}

TEST_CASE("period_index and period_start: days") {
    CHECK(period_index(0, Period::day) == 0);
    CHECK(period_index(day - 1, Period::day) == 0);
    CHECK(period_index(-1, Period::day) == -1);  // one ns before the epoch is 1969-12-31
    CHECK(period_index(-day, Period::day) == -1);
    CHECK(period_index(-day - 1, Period::day) == -2);
    CHECK(period_index(timestamp(2024, 2, 29, 23, 59, 59), Period::day) == 19782);
    CHECK(period_index(timestamp(1960, 2, 29, 12), Period::day) == -3594);
    CHECK(period_start(19782, Period::day) == timestamp(2024, 2, 29));
    CHECK(period_start(-1, Period::day) == timestamp(1969, 12, 31));
}

TEST_CASE("period_index and period_start: Monday weeks") {
    // 1970-01-01 was a Thursday: week 0 runs Monday 1969-12-29 .. Sunday 1970-01-04
    CHECK(period_index(timestamp(1970, 1, 1), Period::week) == 0);
    CHECK(period_index(timestamp(1969, 12, 29), Period::week) == 0);  // Monday
    CHECK(period_index(timestamp(1970, 1, 4, 23, 59, 59), Period::week) == 0);  // Sunday night
    CHECK(period_index(timestamp(1970, 1, 5), Period::week) == 1);  // next Monday
    CHECK(period_index(timestamp(1969, 12, 28, 23, 59, 59), Period::week) == -1);  // the Sunday before
    CHECK(period_index(timestamp(1969, 12, 29) - 1, Period::week) == -1);
    CHECK(period_start(0, Period::week) == timestamp(1969, 12, 29));
    CHECK(period_start(1, Period::week) == timestamp(1970, 1, 5));
    CHECK(period_start(-1, Period::week) == timestamp(1969, 12, 22));
    // 2024-02-29 (a Thursday): days 19782, week floor((19782 + 3) / 7) = 2826, starting Monday 2024-02-26
    CHECK(period_index(timestamp(2024, 2, 29), Period::week) == 2826);
    CHECK(period_start(2826, Period::week) == timestamp(2024, 2, 26));
    // 1960-02-29 was a Monday: days -3594, week (-3594 + 3) / 7 = -513 exactly, and it starts that week
    CHECK(period_index(timestamp(1960, 2, 29), Period::week) == -513);
    CHECK(period_index(timestamp(1960, 2, 29) - 1, Period::week) == -514);
    CHECK(period_start(-513, Period::week) == timestamp(1960, 2, 29));
}

TEST_CASE("period_index and period_start: months, quarters, years") {
    // months are y*12 + m - 1
    CHECK(period_index(0, Period::month) == 1970 * 12);
    CHECK(period_index(-1, Period::month) == 1969 * 12 + 11);
    CHECK(period_index(timestamp(2024, 2, 29, 23, 59, 59), Period::month) == 2024 * 12 + 1);
    CHECK(period_index(timestamp(2024, 3, 1), Period::month) == 2024 * 12 + 2);
    CHECK(period_index(timestamp(1960, 2, 29), Period::month) == 1960 * 12 + 1);
    CHECK(period_start(2024 * 12 + 1, Period::month) == timestamp(2024, 2, 1));
    CHECK(period_start(2024 * 12 + 2, Period::month) == timestamp(2024, 3, 1));
    CHECK(period_start(2024 * 12 + 2, Period::month) - period_start(2024 * 12 + 1, Period::month) == 29 * day);
    CHECK(period_start(2023 * 12 + 2, Period::month) - period_start(2023 * 12 + 1, Period::month) == 28 * day);
    CHECK(period_start(1969 * 12 + 11, Period::month) == timestamp(1969, 12, 1));
    CHECK(period_start(1960 * 12 + 1, Period::month) == timestamp(1960, 2, 1));
    // quarters are y*4 + q - 1
    CHECK(period_index(timestamp(2024, 3, 31, 23, 59, 59), Period::quarter) == 2024 * 4);
    CHECK(period_index(timestamp(2024, 4, 1), Period::quarter) == 2024 * 4 + 1);
    CHECK(period_index(timestamp(2024, 12, 31), Period::quarter) == 2024 * 4 + 3);
    CHECK(period_index(-1, Period::quarter) == 1969 * 4 + 3);
    CHECK(period_index(timestamp(1960, 2, 29), Period::quarter) == 1960 * 4);
    CHECK(period_start(2024 * 4 + 1, Period::quarter) == timestamp(2024, 4, 1));
    CHECK(period_start(1969 * 4 + 3, Period::quarter) == timestamp(1969, 10, 1));
    CHECK(period_start(1960 * 4, Period::quarter) == timestamp(1960, 1, 1));
    // years
    CHECK(period_index(timestamp(2024, 12, 31, 23, 59, 59), Period::year) == 2024);
    CHECK(period_index(-1, Period::year) == 1969);
    CHECK(period_index(timestamp(1960, 2, 29), Period::year) == 1960);
    CHECK(period_start(2024, Period::year) == timestamp(2024, 1, 1));
    CHECK(period_start(1969, Period::year) == timestamp(1969, 1, 1));
    CHECK(period_start(2025, Period::year) - period_start(2024, Period::year) == 366 * day);  // leap year
    // none: everything is period 0
    CHECK(period_index(timestamp(1960, 2, 29), Period::none) == 0);
    CHECK(period_index(timestamp(2024, 2, 29), Period::none) == 0);
}

TEST_CASE("period_start(period_index(t)) <= t < period_start(period_index(t) + 1), across 1969-1971") {
    for (Period p : {Period::day, Period::week, Period::month, Period::quarter, Period::year}) {
        CAPTURE(cxkit::period_code(p));
        for (std::int64_t t = timestamp(1968, 12, 25); t < timestamp(1971, 1, 10); t += day / 2 + 7 * sec) {
            const auto i = period_index(t, p);
            CHECK(period_start(i, p) <= t);
            CHECK(t < period_start(i + 1, p));
            CHECK(period_index(period_start(i, p), p) == i);
        }
    }
}

TEST_CASE("PeriodIndexer gives the same index as period_index, in any order") {
    // timestamps going forward, backward and jumping across the epoch and leap days
    std::vector<std::int64_t> ts;
    for (std::int64_t t = timestamp(1959, 11, 3); t < timestamp(1961, 3, 1); t += day / 3 + 11 * sec) ts.push_back(t);
    for (std::int64_t t = timestamp(2024, 3, 2); t > timestamp(2023, 12, 1); t -= day / 5) ts.push_back(t);
    for (std::int64_t t : {std::int64_t{-1}, std::int64_t{0}, std::int64_t{1}, -day, day, timestamp(2024, 2, 29),
                           timestamp(2024, 2, 29) - 1, timestamp(1960, 2, 29) - 1, timestamp(1960, 3, 1) - 1})
        ts.push_back(t);
    for (Period p : {Period::none, Period::day, Period::week, Period::month, Period::quarter, Period::year}) {
        CAPTURE(cxkit::period_code(p));
        cxkit::PeriodIndexer idx(p);
        std::size_t mismatches = 0;
        for (auto t : ts)
            if (idx(t) != period_index(t, p)) ++mismatches;
        CHECK(mismatches == 0);
    }
}

TEST_CASE("parse_period: codes and errors") {
    using cxkit::parse_period;
    CHECK(parse_period("") == Period::none);
    CHECK(parse_period("none") == Period::none);
    CHECK(parse_period("None") == Period::none);
    CHECK(parse_period("D") == Period::day);
    CHECK(parse_period("W") == Period::week);
    for (auto s : {"M", "MS", "ME"}) CHECK(parse_period(s) == Period::month);
    for (auto s : {"Q", "QS", "QE"}) CHECK(parse_period(s) == Period::quarter);
    for (auto s : {"Y", "A", "YS", "YE"}) CHECK(parse_period(s) == Period::year);
    for (Period p : {Period::day, Period::week, Period::month, Period::quarter, Period::year})
        CHECK(parse_period(cxkit::period_code(p)) == p);
    for (auto bad : {"d", "month", "H", "2M", " M", "m"}) {
        CAPTURE(bad);
        CHECK_THROWS_AS(parse_period(bad), cxkit::invalid_input);
    }
    try {
        parse_period("fortnight");
        FAIL("no exception");
    } catch (const cxkit::invalid_input& e) {
        CHECK(e.column() == "period");
        CHECK(e.row() == cxkit::invalid_input::no_row);
        const std::string what = e.what();
        CHECK(what.find("period") != std::string::npos);
        CHECK(what.find("'fortnight'") != std::string::npos);
    }
}

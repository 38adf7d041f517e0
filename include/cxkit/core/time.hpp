#pragma once
// Timestamps are int64 nanoseconds since the Unix epoch (UTC), numpy's datetime64[ns]. Periods are integer
// indices (days since epoch, Monday-based weeks, months y*12+m-1, quarters y*4+q-1, years) so grouping by period
// is integer arithmetic; calendar conversions use std::chrono's civil calendar.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "cxkit/core/error.hpp"

namespace cxkit::core {

inline constexpr std::int64_t ns_per_second = 1'000'000'000;
inline constexpr std::int64_t ns_per_day = 86'400 * ns_per_second;
// numpy's NaT: the smallest int64.
inline constexpr std::int64_t missing_time = std::numeric_limits<std::int64_t>::min();

enum class Period { none, day, week, month, quarter, year };

inline Period parse_period(std::string_view s) {
    if (s.empty() || s == "none" || s == "None") return Period::none;
    if (s == "D") return Period::day;
    if (s == "W") return Period::week;
    if (s == "M" || s == "MS" || s == "ME") return Period::month;
    if (s == "Q" || s == "QS" || s == "QE") return Period::quarter;
    if (s == "Y" || s == "A" || s == "YS" || s == "YE") return Period::year;
    throw invalid_input("period", invalid_input::no_row,
                        "unknown period '" + std::string(s) + "': use None, \"D\", \"W\", \"M\", \"Q\" or \"Y\"");
}

inline const char* period_code(Period p) {
    switch (p) {
        case Period::none: return "";
        case Period::day: return "D";
        case Period::week: return "W";
        case Period::month: return "M";
        case Period::quarter: return "Q";
        case Period::year: return "Y";
    }
    return "";
}

inline std::int64_t floor_div(std::int64_t a, std::int64_t b) noexcept {
    const std::int64_t q = a / b;
    return q - ((a % b != 0) && ((a < 0) != (b < 0)));
}

inline std::int64_t days_since_epoch(std::int64_t ns) noexcept { return floor_div(ns, ns_per_day); }

// Period index of a day (days since the epoch). Weeks start on Monday (1970-01-01 was a Thursday, hence +3).
inline std::int64_t period_of_day(std::int64_t days, Period p) {
    if (p == Period::none) return 0;
    if (p == Period::day) return days;
    if (p == Period::week) return floor_div(days + 3, 7);  // |days| < 2^40 for any int64 ns: no overflow
    using namespace std::chrono;
    const year_month_day ymd{sys_days{std::chrono::days{days}}};
    const std::int64_t y = static_cast<int>(ymd.year());
    const std::int64_t m = static_cast<unsigned>(ymd.month());
    if (p == Period::month) return y * 12 + (m - 1);
    if (p == Period::quarter) return y * 4 + (m - 1) / 3;
    return y;
}

// Period index of a timestamp.
inline std::int64_t period_index(std::int64_t ns, Period p) { return period_of_day(days_since_epoch(ns), p); }

namespace detail {
[[noreturn]] inline void period_out_of_range(std::int64_t index, Period p) {
    throw invalid_input("period", invalid_input::no_row,
                        "period index " + std::to_string(index) + " of period '" + period_code(p) +
                            "' is outside the timestamp range (1677-09-21 to 2262-04-11)");
}
}  // namespace detail

// First day (days since the epoch) of a period index. Indices may come from untrusted bytes, so every step is
// checked: an index whose first day is not representable is refused, never wrapped (signed overflow).
inline std::int64_t period_start_day(std::int64_t index, Period p) {
    using namespace std::chrono;
    // std::chrono::year holds -32767..32767; the int64 nanosecond range is years 1677..2262.
    auto civil_year = [&](std::int64_t y) {
        if (y < -32767 || y > 32767) detail::period_out_of_range(index, p);
        return year{static_cast<int>(y)};
    };
    switch (p) {
        case Period::none: return 0;
        case Period::day: return index;
        case Period::week: {
            std::int64_t d;
            if (__builtin_mul_overflow(index, std::int64_t{7}, &d) || __builtin_sub_overflow(d, std::int64_t{3}, &d))
                detail::period_out_of_range(index, p);
            return d;
        }
        case Period::month: {
            const std::int64_t y = floor_div(index, 12);
            const auto m = static_cast<unsigned>(index - y * 12 + 1);
            return sys_days{civil_year(y) / month{m} / 1}.time_since_epoch().count();
        }
        case Period::quarter: {
            const std::int64_t y = floor_div(index, 4);
            const auto m = static_cast<unsigned>((index - y * 4) * 3 + 1);
            return sys_days{civil_year(y) / month{m} / 1}.time_since_epoch().count();
        }
        case Period::year: return sys_days{civil_year(index) / January / 1}.time_since_epoch().count();
    }
    return 0;
}

// First instant (ns) of a period index; refuses (invalid_input) a period that starts outside the int64 ns range.
inline std::int64_t period_start(std::int64_t index, Period p) {
    if (p == Period::none) return 0;
    std::int64_t ns;
    if (__builtin_mul_overflow(period_start_day(index, p), ns_per_day, &ns)) detail::period_out_of_range(index, p);
    return ns;
}

namespace detail {
// period_start clamped to the int64 range: the first and last periods of the ns range start or end outside it.
inline std::int64_t period_start_clamped(std::int64_t index, Period p) {
    if (p == Period::none) return 0;
    const std::int64_t day = period_start_day(index, p);
    std::int64_t ns;
    if (__builtin_mul_overflow(day, ns_per_day, &ns))
        return day < 0 ? std::numeric_limits<std::int64_t>::min() : std::numeric_limits<std::int64_t>::max();
    return ns;
}
}  // namespace detail

// Caches the current period's [start, end) so that runs of events in one period (the common case in a log sorted
// by customer and time) skip the calendar conversion.
class PeriodIndexer {
public:
    explicit PeriodIndexer(Period p) : p_(p) {}
    std::int64_t operator()(std::int64_t ns) {
        if (p_ == Period::none) return 0;
        if (ns >= lo_ && ns < hi_) return idx_;
        idx_ = period_index(ns, p_);
        // Clamped: near the ends of the int64 range the period's true bounds are not representable. idx_ + 1
        // cannot overflow: indices of real timestamps are small.
        lo_ = detail::period_start_clamped(idx_, p_);
        hi_ = detail::period_start_clamped(idx_ + 1, p_);
        return idx_;
    }

private:
    Period p_;
    std::int64_t lo_ = 1, hi_ = 0, idx_ = 0;
};

}  // namespace cxkit::core

namespace cxkit::core {

// A UTC timestamp in ns from civil date and time, for C++ users building logs by hand.
inline std::int64_t timestamp(int y, unsigned m, unsigned d, int hh = 0, int mm = 0, int ss = 0) {
    using namespace std::chrono;
    const year_month_day ymd{year{y}, month{m}, day{d}};
    if (!ymd.ok()) throw invalid_input("time", invalid_input::no_row, "not a valid calendar date");
    if (hh < 0 || hh > 23 || mm < 0 || mm > 59 || ss < 0 || ss > 60)
        throw invalid_input("time", invalid_input::no_row, "not a valid time of day");
    const std::int64_t days = sys_days{ymd}.time_since_epoch().count();
    std::int64_t ns;
    if (__builtin_mul_overflow(days, ns_per_day, &ns) ||
        __builtin_add_overflow(ns, (static_cast<std::int64_t>(hh) * 3600 + mm * 60 + ss) * ns_per_second, &ns))
        throw invalid_input("time", invalid_input::no_row, "date is outside the timestamp range (1677-09-21 to 2262-04-11)");
    return ns;
}

}  // namespace cxkit::core

namespace cxkit::core {

// Period index by table lookup over the days of a known time range: one division by a constant and one load per
// event, instead of a calendar conversion each time an event falls in another period than the one before (which
// in a log sorted by customer is most events: each customer's run starts over in time).
class PeriodTable {
public:
    // Ranges longer than this many days fall back to the calendar conversion.
    static constexpr std::int64_t max_days = 400'000;

    PeriodTable(Period p, std::int64_t min_ns, std::int64_t max_ns) : p_(p), fallback_(p) {
        if (p == Period::none || max_ns < min_ns) return;
        day0_ = days_since_epoch(min_ns);
        const std::int64_t n_days = days_since_epoch(max_ns) - day0_ + 1;
        if (n_days > max_days) return;
        // The first day of a log starting at the int64 minimum begins before it: then no table (the fallback).
        if (__builtin_mul_overflow(day0_, ns_per_day, &base_ns_)) return;
        table_.resize(static_cast<std::size_t>(n_days));
        for (std::int64_t d = 0; d < n_days; ++d) table_[static_cast<std::size_t>(d)] = period_of_day(day0_ + d, p);
    }
    // Period index of a timestamp inside the range given at construction (outside it: the calendar conversion).
    std::int64_t operator()(std::int64_t ns) {
        if (p_ == Period::none) return 0;
        if (!table_.empty() && ns >= base_ns_) {
            // Unsigned: ns - base may exceed the int64 range (the difference itself fits in 64 bits unsigned).
            const auto d = (static_cast<std::uint64_t>(ns) - static_cast<std::uint64_t>(base_ns_)) /
                           static_cast<std::uint64_t>(ns_per_day);
            if (d < table_.size()) return table_[d];
        }
        return fallback_(ns);
    }
    // The period index of n timestamps at once (a tight loop over the table).
    void fill(const std::int64_t* ns, std::size_t n, std::int64_t* out) {
        if (p_ == Period::none) {
            std::fill(out, out + n, std::int64_t{0});
            return;
        }
        const std::int64_t* tab = table_.data();
        const std::uint64_t size = table_.size();
        const std::int64_t base = base_ns_;
        for (std::size_t j = 0; j < n; ++j) {
            const auto d = (static_cast<std::uint64_t>(ns[j]) - static_cast<std::uint64_t>(base)) /
                           static_cast<std::uint64_t>(ns_per_day);
            out[j] = ns[j] >= base && d < size ? tab[d] : fallback_(ns[j]);
        }
    }

private:
    Period p_;
    std::int64_t day0_ = 0, base_ns_ = 0;
    std::vector<std::int64_t> table_;
    PeriodIndexer fallback_;
};

}  // namespace cxkit::core

// Transitional: the names under their pre-core spelling, for one release.
namespace cxkit {
using core::ns_per_second;
using core::ns_per_day;
using core::missing_time;
using core::Period;
using core::parse_period;
using core::period_code;
using core::floor_div;
using core::days_since_epoch;
using core::period_of_day;
using core::period_index;
using core::period_start_day;
using core::period_start;
using core::PeriodIndexer;
using core::timestamp;
using core::PeriodTable;
}  // namespace cxkit
namespace cxkit::detail {
using core::detail::period_out_of_range;
using core::detail::period_start_clamped;
}  // namespace cxkit::detail

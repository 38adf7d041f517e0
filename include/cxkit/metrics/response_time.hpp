#pragma once
// Average response time: mean, median and p90 of first-response durations, in seconds.
// Exact rather than sketched: the state keeps every value, so median and p90 equal numpy's on the same data and
// a merge loses nothing. Memory is 8 bytes per ticket, which is small next to the ticket table itself.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cxkit/core/error.hpp"
#include "cxkit/core/mergeable.hpp"
#include "cxkit/core/serialize.hpp"
#include "cxkit/metrics/kpi.hpp"
#include "cxkit/metrics/stats.hpp"

namespace cxkit::metrics {

// NaN is missing and allowed; a duration must be finite and not negative.
inline void validate_duration(double v, std::int64_t row, const std::string& column = "response_time") {
    if (std::isnan(v)) return;
    if (!(v >= 0.0) || std::isinf(v))
        throw invalid_input(column, row,
                            "duration must be a finite number of seconds >= 0, got " + detail::format_value(v));
}

struct ResponseTimeState {
    std::vector<double> values;  // in insertion/merge order; order carries no meaning
    double sum = 0;

    // NaN (missing) is ignored. Assumes validate_duration has passed.
    void add(double seconds) {
        if (std::isnan(seconds)) return;
        values.push_back(seconds);
        sum += seconds;
    }
    std::uint64_t n() const noexcept { return values.size(); }
    double mean() const noexcept { return detail::ratio_or_nan(sum, static_cast<double>(values.size())); }
    double quantile(double q) const {
        std::vector<double> copy = values;  // quantile_linear reorders; the state stays untouched
        return quantile_linear(copy, q);
    }
    double median() const { return quantile(0.5); }
    double p90() const { return quantile(0.9); }

    ResponseTimeState& operator+=(const ResponseTimeState& o) {
        if (&o == this) {  // inserting a vector's own range into it is undefined
            const ResponseTimeState copy = o;
            return *this += copy;
        }
        values.insert(values.end(), o.values.begin(), o.values.end());
        sum += o.sum;
        return *this;
    }
    // Same multiset of values (order depends on how the data was split) and the same sum up to the rounding of a
    // different summation order (relative 1e-12).
    bool operator==(const ResponseTimeState& o) const {
        if (values.size() != o.values.size() || !detail::sums_close(sum, o.sum)) return false;
        std::vector<double> a = values, b = o.values;
        std::sort(a.begin(), a.end());
        std::sort(b.begin(), b.end());
        return a == b;
    }

    std::string serialize() const {
        ByteWriter w;
        w.header("ResponseTimeState", 1);
        w.put_vector(values);
        w.put(sum);
        return std::move(w).bytes();
    }
    static ResponseTimeState deserialize(std::string_view bytes) {
        ByteReader r(bytes);
        r.header("ResponseTimeState", 1);
        ResponseTimeState s;
        s.values = r.get_vector<double>();
        s.sum = r.get<double>();
        r.expect_done();
        // Durations are finite and >= 0 (validate_duration), and the sum is theirs (up to summation order).
        double total = 0;
        for (double v : s.values) {
            if (!(v >= 0.0) || !std::isfinite(v))
                ByteReader::fail("ResponseTimeState holds a duration that is not a finite number >= 0: " +
                                 detail::format_value(v));
            total += v;
        }
        if (!std::isfinite(s.sum) || std::abs(s.sum - total) > 1e-9 * total)
            ByteReader::fail("ResponseTimeState sum " + detail::format_value(s.sum) +
                             " is not the sum of its durations");
        return s;
    }
};
static_assert(MergeableState<ResponseTimeState>);

// The scorecard's response-time columns (registered in kpi_registry.hpp).
struct ResponseTimeKpi : measure_kpi<ResponseTimeKpi> {
    using state = ResponseTimeState;
    static constexpr const char* measure = "response_time";
    static bool accepts(double v) noexcept { return std::isnan(v) || (v >= 0 && std::isfinite(v)); }
    static constexpr MeasureRule rule{accepts, "response time must be a finite duration >= 0 seconds", false};
    static constexpr int rank = 500;
    static constexpr ScorecardColumn columns[] = {{"response_time_mean", false, false},
                                                  {"response_time_median", false, false},
                                                  {"response_time_p90", false, false},
                                                  {"response_time_n", true, false}};

    using acc = ResponseTimeState;
    static void add(acc& a, double v, std::size_t row) {
        detail::checked_measure(v, 0, detail::inf, false, measure, rule.text, row);
        a.add(v);
    }
    static state finish(acc& a, const CellCore&) { return std::move(a); }
    static void check(const state& s, const CellCore& c) { detail::check_at_most(s.n(), c.events, "response times"); }
    static void read(const state& s, const CellCore&, const KpiReadOptions&, double* out) {
        // Median and p90 from one copy of the values (each quantile of the state would copy them again).
        std::vector<double> values = s.values;
        const double median = quantile_linear(values, 0.5), p90 = quantile_linear(values, 0.9);
        detail::put_cells(out, s.mean(), median, p90, s.n());
    }
};

}  // namespace cxkit::metrics

#pragma once
// Mean and sample variance from (n, sum, sum of squares): the smallest state that merges by addition.
// Used for the sentiment score (mean VADER compound in [-1, 1]); with values bounded like that the
// sum-of-squares form has no practical cancellation problem.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>

#include "cxkit/core/error.hpp"
#include "cxkit/core/mergeable.hpp"
#include "cxkit/core/serialize.hpp"
#include "cxkit/metrics/kpi.hpp"
#include "cxkit/metrics/stats.hpp"

namespace cxkit::metrics {

// NaN is missing and allowed; a sentiment score must lie in [-1, 1] (VADER compound).
inline void validate_sentiment(double v, std::int64_t row, const std::string& column = "sentiment") {
    if (std::isnan(v)) return;
    if (!(v >= -1.0 && v <= 1.0))
        throw invalid_input(column, row, "sentiment must be in [-1, 1], got " + detail::format_value(v));
}

struct MeanState {
    std::uint64_t n = 0;
    double sum = 0, sum_sq = 0;

    // NaN (missing) is ignored.
    void add(double x) noexcept {
        if (std::isnan(x)) return;
        ++n;
        sum += x;
        sum_sq += x * x;
    }
    double mean() const noexcept { return detail::ratio_or_nan(sum, static_cast<double>(n)); }
    // Sample variance (divisor n - 1), NaN for fewer than two values; clamped at 0 against rounding.
    double variance() const noexcept {
        if (n < 2) return detail::nan;
        const double nn = static_cast<double>(n);
        return std::max(0.0, (sum_sq - sum * sum / nn) / (nn - 1.0));
    }

    // Refuses (invalid_input) a count that would overflow; then nothing is changed.
    MeanState& operator+=(const MeanState& o) {
        n = detail::add_counts(n, o.n, "sentiment");
        sum += o.sum;
        sum_sq += o.sum_sq;
        return *this;
    }
    // Counts exactly; sums up to the rounding of a different summation order. The sum is compared relative to
    // sqrt(n * sum_sq), which bounds sum |x|, so sums that cancel to about 0 still compare sensibly.
    bool operator==(const MeanState& o) const noexcept {
        const double scale = std::sqrt(static_cast<double>(n) * std::max(sum_sq, o.sum_sq));
        return n == o.n && detail::sums_close(sum, o.sum, scale) && detail::sums_close(sum_sq, o.sum_sq);
    }

    std::string serialize() const { return detail::serialize_fields("MeanState", n, sum, sum_sq); }
    static MeanState deserialize(std::string_view bytes) {
        MeanState s;
        detail::deserialize_fields(bytes, "MeanState", s.n, s.sum, s.sum_sq);
        // What any n values give: finite sums, sum_sq >= 0, nothing summed when n == 0, and sum^2 <= n sum_sq
        // (Cauchy-Schwarz; with a little room for rounding).
        const double nn = static_cast<double>(s.n);
        if (!std::isfinite(s.sum) || !std::isfinite(s.sum_sq) || !(s.sum_sq >= 0) ||
            (s.n == 0 && (s.sum != 0 || s.sum_sq != 0)) || s.sum * s.sum > nn * s.sum_sq * (1 + 1e-9) + 1e-300)
            ByteReader::fail("MeanState sums are not those of " + std::to_string(s.n) + " finite values");
        return s;
    }
};
static_assert(MergeableState<MeanState>);

// The scorecard's sentiment columns: the mean VADER compound (registered in kpi_registry.hpp).
struct SentimentKpi : measure_kpi<SentimentKpi> {
    using state = MeanState;
    static constexpr const char* measure = "sentiment";
    static bool accepts(double v) noexcept { return std::isnan(v) || (v >= -1 && v <= 1); }
    static constexpr MeasureRule rule{accepts, "sentiment must be in [-1, 1]", false};
    static constexpr int rank = 700;
    static constexpr ScorecardColumn columns[] = {{"sentiment", false, false}, {"sentiment_n", true, false}};

    using acc = MeanState;
    static void add(acc& a, double v, std::size_t row) {
        detail::checked_measure(v, -1, 1, false, measure, rule.text, row);
        ++a.n;
        a.sum += v;
        a.sum_sq += v * v;
    }
    static state finish(acc& a, const CellCore&) { return a; }
    static void check(const state& s, const CellCore& c) { detail::check_at_most(s.n, c.events, "sentiment scores"); }
    static void read(const state& s, const CellCore&, const KpiReadOptions&, double* out) {
        detail::put_cells(out, s.mean(), s.n);
    }
};

}  // namespace cxkit::metrics

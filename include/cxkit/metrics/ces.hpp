#pragma once
// Customer Effort Score (CES 2.0): 1-7 agreement with "the company made it easy to handle my issue".
// Reported as the mean and as the percent agreeing (5-7). A 1-7 histogram is enough for both and merges exactly.
#include <array>
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

// NaN is a missing answer and allowed; anything else must be a whole number 1..7.
inline void validate_ces(double v, std::int64_t row, const std::string& column = "ces") {
    if (std::isnan(v)) return;
    if (!(v >= 1.0 && v <= 7.0) || v != std::floor(v))
        throw invalid_input(column, row, "CES must be a whole number from 1 to 7, got " + detail::format_value(v));
}

struct CesState {
    std::array<std::uint64_t, 7> counts{};  // counts[k-1] = answers equal to k

    // NaN (missing) is ignored. Assumes validate_ces has passed; a value outside 1..7 is dropped rather than
    // written out of bounds.
    void add(double score) noexcept {
        if (!(score >= 1.0 && score < 8.0)) return;
        ++counts[static_cast<std::size_t>(score) - 1];
    }
    std::uint64_t n() const noexcept {
        std::uint64_t s = 0;
        for (auto c : counts) s += c;
        return s;
    }
    double mean() const noexcept {
        double sum = 0;
        for (std::size_t i = 0; i < counts.size(); ++i) sum += static_cast<double>(i + 1) * static_cast<double>(counts[i]);
        return detail::ratio_or_nan(sum, static_cast<double>(n()));
    }
    // Percent of answers 5, 6 or 7 ("agree").
    double agree() const noexcept {
        return detail::ratio_or_nan(100.0 * static_cast<double>(counts[4] + counts[5] + counts[6]),
                                    static_cast<double>(n()));
    }

    // Refuses (invalid_input) counts whose total would overflow; then nothing is changed.
    CesState& operator+=(const CesState& o) {
        CesState s;
        for (std::size_t i = 0; i < counts.size(); ++i) s.counts[i] = detail::add_counts(counts[i], o.counts[i], "ces");
        s.check_total();
        return *this = s;
    }
    // n() must not overflow.
    void check_total() const {
        std::uint64_t t = 0;
        for (auto c : counts) t = detail::add_counts(t, c, "ces");
    }
    bool operator==(const CesState&) const = default;

    std::string serialize() const { return detail::serialize_fields("CesState", counts); }
    static CesState deserialize(std::string_view bytes) {
        CesState s;
        detail::deserialize_fields(bytes, "CesState", s.counts);
        if (detail::counts_overflow(s.counts)) ByteReader::fail("CesState counts sum beyond 64 bits");
        return s;
    }
};
static_assert(MergeableState<CesState>);

// The scorecard's CES columns (registered in kpi_registry.hpp).
struct CesKpi : measure_kpi<CesKpi> {
    using state = CesState;
    static constexpr const char* measure = "ces";
    static bool accepts(double v) noexcept { return detail::whole_in(v, 1, 7); }
    static constexpr MeasureRule rule{accepts, "CES must be a whole number from 1 to 7", false};
    static constexpr int rank = 300;
    static constexpr ScorecardColumn columns[] = {{"ces", false, false}, {"ces_agree", false, false}, {"ces_n", true, false}};

    using acc = std::array<std::uint64_t, 8>;  // (unused), answers 1..7: the answer is the index
    static void add(acc& a, double v, std::size_t row) {
        ++a[detail::checked_measure(v, 1, 7, true, measure, rule.text, row)];
    }
    static state finish(acc& a, const CellCore&) {
        state s;
        for (std::size_t i = 0; i < s.counts.size(); ++i) s.counts[i] = a[i + 1];
        return s;
    }
    static void check(const state& s, const CellCore& c) { detail::check_at_most(s.n(), c.events, "CES answers"); }
    static void read(const state& s, const CellCore&, const KpiReadOptions&, double* out) {
        detail::put_cells(out, s.mean(), s.agree(), s.n());
    }
};

}  // namespace cxkit::metrics

#pragma once
// Customer satisfaction: 1-5 answers; CSAT = percent of 4 and 5 (top-2-box), with a Wilson interval.
// The state keeps the full 1-5 histogram (not only top-2) so other cuts of the same answers stay possible.
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

// NaN is a missing answer and allowed; anything else must be a whole number 1..5.
inline void validate_csat(double v, std::int64_t row, const std::string& column = "csat") {
    if (std::isnan(v)) return;
    if (!(v >= 1.0 && v <= 5.0) || v != std::floor(v))
        throw invalid_input(column, row, "CSAT must be a whole number from 1 to 5, got " + detail::format_value(v));
}

struct CsatResult {
    double value, low, high;  // percent top-2-box; [low, high] is the Wilson interval in percent
    std::uint64_t n, top2;
};

struct CsatState {
    std::array<std::uint64_t, 5> counts{};  // counts[k-1] = answers equal to k

    // NaN (missing) is ignored. Assumes validate_csat has passed; a value outside 1..5 is dropped rather than
    // written out of bounds.
    void add(double score) noexcept {
        if (!(score >= 1.0 && score < 6.0)) return;
        ++counts[static_cast<std::size_t>(score) - 1];
    }
    std::uint64_t n() const noexcept {
        std::uint64_t s = 0;
        for (auto c : counts) s += c;
        return s;
    }
    std::uint64_t top2() const noexcept { return counts[3] + counts[4]; }
    double value() const noexcept {
        return detail::ratio_or_nan(100.0 * static_cast<double>(top2()), static_cast<double>(n()));
    }
    CsatResult result(double confidence = 0.95) const {
        const Interval ci = wilson_interval(static_cast<double>(top2()), static_cast<double>(n()), confidence);
        return {value(), 100.0 * ci.low, 100.0 * ci.high, n(), top2()};
    }

    // Refuses (invalid_input) counts whose total would overflow; then nothing is changed.
    CsatState& operator+=(const CsatState& o) {
        CsatState s;
        for (std::size_t i = 0; i < counts.size(); ++i) s.counts[i] = detail::add_counts(counts[i], o.counts[i], "csat");
        s.check_total();
        return *this = s;
    }
    // n() must not overflow.
    void check_total() const {
        std::uint64_t t = 0;
        for (auto c : counts) t = detail::add_counts(t, c, "csat");
    }
    bool operator==(const CsatState&) const = default;

    std::string serialize() const { return detail::serialize_fields("CsatState", counts); }
    static CsatState deserialize(std::string_view bytes) {
        CsatState s;
        detail::deserialize_fields(bytes, "CsatState", s.counts);
        if (detail::counts_overflow(s.counts)) ByteReader::fail("CsatState counts sum beyond 64 bits");
        return s;
    }
};
static_assert(MergeableState<CsatState>);

// The scorecard's CSAT columns (registered in kpi_registry.hpp).
struct CsatKpi : measure_kpi<CsatKpi> {
    using state = CsatState;
    static constexpr const char* measure = "csat";
    static bool accepts(double v) noexcept { return detail::whole_in(v, 1, 5); }
    static constexpr MeasureRule rule{accepts, "CSAT must be a whole number from 1 to 5", false};
    static constexpr int rank = 200;
    static constexpr ScorecardColumn columns[] = {
        {"csat", false, false}, {"csat_low", false, false}, {"csat_high", false, false}, {"csat_n", true, false}};

    using acc = std::array<std::uint64_t, 6>;  // (unused), answers 1..5: the answer is the index
    static void add(acc& a, double v, std::size_t row) {
        ++a[detail::checked_measure(v, 1, 5, true, measure, rule.text, row)];
    }
    static state finish(acc& a, const CellCore&) {
        state s;
        for (std::size_t i = 0; i < s.counts.size(); ++i) s.counts[i] = a[i + 1];
        return s;
    }
    static void check(const state& s, const CellCore& c) { detail::check_at_most(s.n(), c.events, "CSAT answers"); }
    static void read(const state& s, const CellCore&, const KpiReadOptions& o, double* out) {
        const auto r = s.result(o.confidence);
        detail::put_cells(out, r.value, r.low, r.high, r.n);
    }
};

}  // namespace cxkit::metrics

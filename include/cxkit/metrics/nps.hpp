#pragma once
// Net Promoter Score: 0-10 answers; promoters 9-10, passives 7-8, detractors 0-6; NPS = 100 (P - D) / n.
// The state keeps the three counts only, which is all the score, its variance and its interval need, so it
// merges by addition and serializes in a few bytes.
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

// NaN is a missing answer and allowed; anything else must be a whole number 0..10.
inline void validate_nps(double v, std::int64_t row, const std::string& column = "nps") {
    if (std::isnan(v)) return;
    if (!(v >= 0.0 && v <= 10.0) || v != std::floor(v))
        throw invalid_input(column, row, "NPS must be a whole number from 0 to 10, got " + detail::format_value(v));
}

struct NpsResult {
    double value, low, high;  // NPS points; [low, high] is the adjusted-Wald interval
    std::uint64_t n, promoters, passives, detractors;
    double variance;  // per-answer variance of the +1/0/-1 coding
};

struct NpsState {
    std::uint64_t promoters = 0, passives = 0, detractors = 0;

    // NaN (missing) is ignored. Assumes validate_nps has passed; other values are classified by threshold.
    void add(double score) noexcept {
        if (std::isnan(score)) return;
        if (score >= 9.0) ++promoters;
        else if (score >= 7.0) ++passives;
        else ++detractors;
    }
    std::uint64_t n() const noexcept { return promoters + passives + detractors; }
    double value() const noexcept {
        return detail::ratio_or_nan(100.0 * (static_cast<double>(promoters) - static_cast<double>(detractors)),
                                    static_cast<double>(n()));
    }
    // Population variance of one answer coded +1/0/-1: p_P + p_D - (p_P - p_D)^2 (NaN when empty).
    double variance() const noexcept {
        const double nn = static_cast<double>(n());
        if (nn == 0) return detail::nan;
        const double pp = static_cast<double>(promoters) / nn, pd = static_cast<double>(detractors) / nn;
        return pp + pd - (pp - pd) * (pp - pd);
    }
    NpsResult result(double confidence = 0.95) const {
        const Interval ci = nps_adjusted_wald(promoters, detractors, n(), confidence);
        return {value(), ci.low, ci.high, n(), promoters, passives, detractors, variance()};
    }

    // Refuses (invalid_input) counts whose total would overflow; then nothing is changed.
    NpsState& operator+=(const NpsState& o) {
        NpsState s{detail::add_counts(promoters, o.promoters, "nps"), detail::add_counts(passives, o.passives, "nps"),
                   detail::add_counts(detractors, o.detractors, "nps")};
        s.check_total();
        return *this = s;
    }
    // n() must not overflow.
    void check_total() const { detail::add_counts(detail::add_counts(promoters, passives, "nps"), detractors, "nps"); }
    bool operator==(const NpsState&) const = default;

    std::string serialize() const { return detail::serialize_fields("NpsState", promoters, passives, detractors); }
    static NpsState deserialize(std::string_view bytes) {
        NpsState s;
        detail::deserialize_fields(bytes, "NpsState", s.promoters, s.passives, s.detractors);
        if (detail::counts_overflow(std::array{s.promoters, s.passives, s.detractors}))
            ByteReader::fail("NpsState counts sum beyond 64 bits");
        return s;
    }
};
static_assert(MergeableState<NpsState>);

// The scorecard's NPS columns, and the period-over-period change test (registered in kpi_registry.hpp).
struct NpsKpi : measure_kpi<NpsKpi> {
    using state = NpsState;
    static constexpr const char* measure = "nps";
    static bool accepts(double v) noexcept { return detail::whole_in(v, 0, 10); }
    static constexpr MeasureRule rule{accepts, "NPS must be a whole number from 0 to 10", false};
    static constexpr int rank = 100;
    static constexpr ScorecardColumn columns[] = {
        {"nps", false, false}, {"nps_low", false, false}, {"nps_high", false, false}, {"nps_n", true, false}};
    static constexpr ScorecardColumn change_columns[] = {{"nps_change_z", false, true}, {"nps_change_p", false, true}};
    static constexpr const char* change_flag = "nps_change_significant";

    using acc = std::array<std::uint64_t, 4>;  // promoters, passives, detractors, (unused: 32-byte cells)
    static void add(acc& a, double v, std::size_t row) {
        static constexpr std::uint8_t bin[11] = {2, 2, 2, 2, 2, 2, 2, 1, 1, 0, 0};  // 0..10 -> class
        ++a[bin[detail::checked_measure(v, 0, 10, true, measure, rule.text, row)]];
    }
    static state finish(acc& a, const CellCore&) { return {a[0], a[1], a[2]}; }
    static void check(const state& s, const CellCore& c) { detail::check_at_most(s.n(), c.events, "NPS answers"); }
    static void read(const state& s, const CellCore&, const KpiReadOptions& o, double* out) {
        const auto r = s.result(o.confidence);
        detail::put_cells(out, r.value, r.low, r.high, r.n);
    }
    // z and p of the change from the previous period (prev: nullptr without one); significant only when both
    // periods have min_change_n answers, since the z-test leans on the normal approximation.
    static bool read_change(const state& s, const state* prev, const KpiReadOptions& o, double* out) {
        out[0] = out[1] = detail::nan;
        if (!prev || prev->n() == 0 || s.n() == 0) return false;
        const auto zt = nps_z_test(s.value(), s.variance(), static_cast<double>(s.n()), prev->value(),
                                   prev->variance(), static_cast<double>(prev->n()));
        out[0] = zt.z;
        out[1] = zt.p;
        return std::isfinite(zt.p) && zt.p < 1.0 - o.confidence && s.n() >= o.min_change_n &&
               prev->n() >= o.min_change_n;
    }
};

}  // namespace cxkit::metrics

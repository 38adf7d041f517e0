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

    std::string serialize() const {
        ByteWriter w;
        w.header("NpsState", 1);
        w.put(promoters);
        w.put(passives);
        w.put(detractors);
        return std::move(w).bytes();
    }
    static NpsState deserialize(std::string_view bytes) {
        ByteReader r(bytes);
        r.header("NpsState", 1);
        NpsState s;
        s.promoters = r.get<std::uint64_t>();
        s.passives = r.get<std::uint64_t>();
        s.detractors = r.get<std::uint64_t>();
        r.expect_done();
        if (detail::counts_overflow(std::array{s.promoters, s.passives, s.detractors}))
            ByteReader::fail("NpsState counts sum beyond 64 bits");
        return s;
    }
};
static_assert(MergeableState<NpsState>);

}  // namespace cxkit::metrics

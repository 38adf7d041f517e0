#pragma once
// Statistics specific to the KPIs (NPS's adjusted-Wald interval and z tests), on top of the shared ones in
// core/stats.hpp. Also makes core's detail helpers (nan, format_value, ...) visible as metrics::detail::*, so
// metrics code names them the same way whichever detail namespace it is in.
#include <algorithm>
#include <cmath>
#include <cstdint>

#include "cxkit/core/error.hpp"
#include "cxkit/core/stats.hpp"

namespace cxkit::metrics {

namespace detail {
using cxkit::detail::add_counts;
using cxkit::detail::counts_overflow;
using cxkit::detail::format_value;
using cxkit::detail::nan;
using cxkit::detail::ratio_or_nan;
using cxkit::detail::sums_close;
}  // namespace detail

using cxkit::Interval;
using cxkit::ZTest;
using cxkit::proportion_vs_benchmark;
using cxkit::proportion_z_test;
using cxkit::quantile_linear;
using cxkit::two_sample_z;
using cxkit::wilson_interval;
using cxkit::z_for_confidence;

// Adjusted-Wald interval for NPS (MeasuringU; Rocks 2016): add 3/4 to promoters and to detractors and 3 to n,
// then a Wald interval around the adjusted difference of proportions, with the variance of one +1/0/-1 answer
// p_P + p_D - (p_P - p_D)^2. The adjustment gives good coverage at small n where the plain Wald collapses.
// Returned in NPS points, clipped to [-100, 100]. The interval is centred on the adjusted estimate, so it is not
// symmetric around the raw NPS that is reported.
inline Interval nps_adjusted_wald(std::uint64_t promoters, std::uint64_t detractors, std::uint64_t n,
                                  double confidence) {
    const double z = z_for_confidence(confidence);
    if (promoters > n || detractors > n - promoters)
        throw invalid_input("n", invalid_input::no_row, "promoters + detractors must not exceed n");
    if (n == 0) return {detail::nan, detail::nan};
    const double na = static_cast<double>(n) + 3.0;
    const double pp = (static_cast<double>(promoters) + 0.75) / na;
    const double pd = (static_cast<double>(detractors) + 0.75) / na;
    const double adj = pp - pd;
    const double var = pp + pd - adj * adj;
    const double half = z * std::sqrt(var / na);
    return {std::max(-100.0, 100.0 * (adj - half)), std::min(100.0, 100.0 * (adj + half))};
}

// Two independent NPS samples. nps in points (-100..100); var is the per-answer variance of the +1/0/-1 coding
// (NpsState::variance()), so the standard error of the difference of proportions is sqrt(v1/n1 + v2/n2).
inline ZTest nps_z_test(double nps1, double var1, double n1, double nps2, double var2, double n2) {
    return two_sample_z((nps1 - nps2) / 100.0, std::sqrt(var1 / n1 + var2 / n2));
}

// One sample against a fixed benchmark NPS (points); the benchmark is taken as known, so se = sqrt(var/n).
inline ZTest nps_vs_benchmark(double nps, double var, double n, double benchmark) {
    return two_sample_z((nps - benchmark) / 100.0, std::sqrt(var / n));
}

}  // namespace cxkit::metrics

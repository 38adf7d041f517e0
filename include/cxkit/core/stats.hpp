#pragma once
// Intervals, significance tests, quantiles and checked counts shared by the areas (the KPI states, the journey
// map). Distribution functions come from Boost.Math (normal cdf/quantile); only formulas no dependency offers
// (Wilson) are written here. KPI-specific statistics (NPS's adjusted Wald) live in metrics/stats.hpp.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <boost/math/distributions/normal.hpp>

#include "cxkit/core/error.hpp"

namespace cxkit::core {

namespace detail {

inline constexpr double nan = std::numeric_limits<double>::quiet_NaN();

// Shortest text that reads back as the same double, so "got 7.5" shows what the user actually passed.
inline std::string format_value(double v) {
    char buf[64];
    const auto r = std::to_chars(buf, buf + sizeof(buf), v);
    return std::string(buf, r.ptr);
}

// Equality for floating sums that may have been accumulated in a different order (merge vs single fill):
// equal when within 1e-12 relative to the larger magnitude or to `scale` (a bound on the summed magnitudes).
inline bool sums_close(double a, double b, double scale = 0.0) noexcept {
    if (a == b) return true;  // also covers equal infinities
    const double m = std::max({std::abs(a), std::abs(b), scale});
    return std::abs(a - b) <= 1e-12 * m;
}

inline double ratio_or_nan(double num, double den) noexcept { return den == 0 ? nan : num / den; }

// True when the counts' sum does not fit in 64 bits.
template <class Counts>
bool counts_overflow(const Counts& counts) noexcept {
    std::uint64_t s = 0;
    for (std::uint64_t c : counts)
        if (__builtin_add_overflow(s, c, &s)) return true;
    return false;
}

// a + b for counts, refusing a sum that does not fit in 64 bits (states loaded from bytes, or merged, could
// otherwise wrap around to a small, silently wrong count).
inline std::uint64_t add_counts(std::uint64_t a, std::uint64_t b, const char* what) {
    std::uint64_t s;
    if (__builtin_add_overflow(a, b, &s))
        throw invalid_input(what, invalid_input::no_row, "count overflows 64 bits (sum of counts too large)");
    return s;
}

}  // namespace detail

struct Interval {
    double low, high;
};

// Two-sided critical value: confidence 0.95 -> z = 1.959964 (the 97.5% normal quantile).
template <class = void>  // a template so that only callers pay for compiling it (Boost.Math code)
double z_for_confidence(double confidence) {
    if (!(confidence > 0.0 && confidence < 1.0))  // NaN fails too
        throw invalid_input("confidence", invalid_input::no_row,
                            "confidence must be in (0, 1), got " + detail::format_value(confidence));
    return boost::math::quantile(boost::math::normal(), 0.5 + confidence / 2.0);
}

// Wilson score interval for a proportion, in [0, 1]. Chosen over the plain Wald interval because it stays inside
// [0, 1] and keeps its coverage for small n and proportions near 0 or 1 (top-2-box CSAT is often near 1).
inline Interval wilson_interval(double successes, double n, double confidence) {
    const double z = z_for_confidence(confidence);
    if (!(n >= 0.0) || !(successes >= 0.0) || successes > n)
        throw invalid_input("successes", invalid_input::no_row,
                            "need 0 <= successes <= n, got successes=" + detail::format_value(successes) +
                                ", n=" + detail::format_value(n));
    if (n == 0.0) return {detail::nan, detail::nan};
    const double p = successes / n;
    const double z2n = z * z / n;
    const double centre = (p + z2n / 2.0) / (1.0 + z2n);
    const double half = z / (1.0 + z2n) * std::sqrt(p * (1.0 - p) / n + z2n / (4.0 * n));
    // Clamp only rounding noise: mathematically the interval is inside [0, 1].
    return {std::max(0.0, centre - half), std::min(1.0, centre + half)};
}

struct ZTest {
    double z, p;
};

// z = diff / se with a two-sided p-value. NaN in, NaN out; se == 0 gives z = +-inf and p = 0 (or NaN if diff==0).
template <class = void>  // a template so that only callers pay for compiling it (Boost.Math code)
ZTest two_sample_z(double diff, double se) {
    const double z = diff / se;
    if (std::isnan(z)) return {detail::nan, detail::nan};
    // cdf(complement(...)) keeps precision in the far tail, where 1 - cdf would round to 0.
    const double p = 2.0 * boost::math::cdf(boost::math::complement(boost::math::normal(), std::abs(z)));
    return {z, std::min(1.0, p)};
}

// Two proportions x1/n1 vs x2/n2 (e.g. CSAT top-2 counts), pooled standard error under H0: p1 == p2.
inline ZTest proportion_z_test(double x1, double n1, double x2, double n2) {
    const double p = (x1 + x2) / (n1 + n2);
    const double se = std::sqrt(p * (1.0 - p) * (1.0 / n1 + 1.0 / n2));
    return two_sample_z(x1 / n1 - x2 / n2, se);
}

// One proportion x/n against a benchmark proportion p0 in [0, 1] (not percent); se uses p0, as under H0.
inline ZTest proportion_vs_benchmark(double x, double n, double p0) {
    if (!(p0 >= 0.0 && p0 <= 1.0))
        throw invalid_input("p0", invalid_input::no_row,
                            "benchmark proportion must be in [0, 1], got " + detail::format_value(p0));
    return two_sample_z(x / n - p0, std::sqrt(p0 * (1.0 - p0) / n));
}

// numpy's default quantile (method="linear", Hyndman & Fan type 7), so results match np.quantile to rounding.
// Reorders `values` (selection with nth_element is O(n), a full sort is not needed). NaN for an empty input or
// if any value is NaN (as numpy), which also keeps nth_element away from a broken ordering.
inline double quantile_linear(std::vector<double>& values, double q) {
    if (!(q >= 0.0 && q <= 1.0))
        throw invalid_input("q", invalid_input::no_row, "quantile must be in [0, 1], got " + detail::format_value(q));
    const std::size_t n = values.size();
    if (n == 0 || std::any_of(values.begin(), values.end(), [](double v) { return std::isnan(v); }))
        return detail::nan;
    // numpy: virtual index = n*q + (alpha + q*(1 - alpha - beta)) - 1 with alpha = beta = 1, i.e. (n-1)q.
    const double h = static_cast<double>(n) * q + (1.0 - q) - 1.0;
    const double below = std::floor(h);
    const double gamma = h - below;
    const auto lo = std::min(static_cast<std::size_t>(std::max(below, 0.0)), n - 1);
    auto lo_it = values.begin() + static_cast<std::ptrdiff_t>(lo);
    std::nth_element(values.begin(), lo_it, values.end());
    const double a = *lo_it;
    if (lo + 1 >= n) return a;
    const double b = *std::min_element(lo_it + 1, values.end());  // the next order statistic
    // numpy's _lerp: interpolate from the nearer end, so gamma == 1 returns b exactly.
    const double d = b - a;
    return gamma >= 0.5 ? b - d * (1.0 - gamma) : a + d * gamma;
}

}  // namespace cxkit::core

// Transitional: the names under their pre-core spelling, for one release.
namespace cxkit {
using core::Interval;
using core::z_for_confidence;
using core::wilson_interval;
using core::ZTest;
using core::two_sample_z;
using core::proportion_z_test;
using core::proportion_vs_benchmark;
using core::quantile_linear;
}  // namespace cxkit
namespace cxkit::detail {
using core::detail::nan;
using core::detail::format_value;
using core::detail::sums_close;
using core::detail::ratio_or_nan;
using core::detail::counts_overflow;
using core::detail::add_counts;
}  // namespace cxkit::detail

#pragma once
// Median time between consecutive steps of journeys, per transition (from -> to), and from the last touch to
// the conversion. Needs the journeys' step times (paths built from a log). Medians as pandas takes them: the
// mean of the two middle values for an even count.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "cxkit/core/error.hpp"
#include "cxkit/journey/paths.hpp"

namespace cxkit::journey {

namespace detail {
// t1 - t0 for t1 >= t0 (a later step of a journey), exact over the whole int64 range: the signed difference of
// timestamps near both ends of it would overflow.
inline std::uint64_t elapsed(std::int64_t t0, std::int64_t t1) noexcept {
    return static_cast<std::uint64_t>(t1) - static_cast<std::uint64_t>(t0);
}

// The median of v (reordered in place); v must not be empty.
template <class T>
double median_in_place(T* first, T* last) {
    const std::ptrdiff_t n = last - first, mid = n / 2;
    std::nth_element(first, first + mid, last);
    const double upper = static_cast<double>(first[mid]);
    if (n % 2) return upper;
    const double lower = static_cast<double>(*std::max_element(first, first + mid));
    return 0.5 * (lower + upper);
}
}  // namespace detail

struct TransitionTimes {
    // One entry per transition seen at least once; `to` == states.size() means (conversion).
    std::vector<std::int32_t> from, to;
    std::vector<double> median;   // in the log's time unit (nanoseconds from pandas); may exceed int64's range
    std::vector<std::int64_t> n;  // journeys' transitions timed
};

inline TransitionTimes transition_times(const Paths& p) {
    if (!p.has_times())
        throw invalid_input("paths", invalid_input::no_row, "times between steps need paths built from an event log");
    const std::size_t k = p.states.size(), cols = k + 1;
    auto key = [cols](std::size_t a, std::size_t b) { return a * cols + b; };
    // Two passes (count, then place) put each transition's durations in one contiguous block, then a selection
    // per block gives its median: no per-transition vectors.
    std::vector<std::uint64_t> count(k * cols + 1, 0);
    auto visit = [&](auto&& f) {
        for (std::size_t j = 0; j < p.n_journeys(); ++j) {
            const std::size_t r = p.journey_row[j], len = p.length(r);
            const std::int32_t* s = p.begin(r);
            const std::int64_t* t = p.step_time.data() + p.journey_offsets[j];
            for (std::size_t q = 0; q + 1 < len; ++q)
                f(key(static_cast<std::size_t>(s[q]), static_cast<std::size_t>(s[q + 1])), detail::elapsed(t[q], t[q + 1]));
            if (p.conversion_time[j] != Paths::no_time)
                f(key(static_cast<std::size_t>(s[len - 1]), k), detail::elapsed(t[len - 1], p.conversion_time[j]));
        }
    };
    visit([&](std::size_t kk, std::uint64_t) { ++count[kk + 1]; });
    for (std::size_t i = 1; i < count.size(); ++i) count[i] += count[i - 1];
    std::vector<std::uint64_t> dt(count.back());
    std::vector<std::uint64_t> fill(count.begin(), count.end() - 1);
    visit([&](std::size_t kk, std::uint64_t d) { dt[fill[kk]++] = d; });
    TransitionTimes out;
    for (std::size_t kk = 0; kk + 1 < count.size(); ++kk) {
        if (count[kk + 1] == count[kk]) continue;
        out.from.push_back(static_cast<std::int32_t>(kk / cols));
        out.to.push_back(static_cast<std::int32_t>(kk % cols));
        out.median.push_back(detail::median_in_place(dt.data() + count[kk], dt.data() + count[kk + 1]));
        out.n.push_back(static_cast<std::int64_t>(count[kk + 1] - count[kk]));
    }
    return out;
}

}  // namespace cxkit::journey

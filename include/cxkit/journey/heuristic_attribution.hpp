#pragma once
// Heuristic (rule-based) attribution: first touch, last touch, linear and position-based (U-shaped 40/20/40),
// and time decay when the journeys' times are known.
// Each converting path's conversions (and value) are split over its touches as the rule says; a channel that
// appears several times in a path gets each of its touches' shares (ChannelAttribution's heuristic_models does
// the same on the path as given).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "cxkit/core/error.hpp"
#include "cxkit/journey/paths.hpp"
#include "cxkit/journey/transition_times.hpp"

namespace cxkit::journey {

struct HeuristicAttribution {
    std::vector<std::string> channels;
    std::vector<double> first_touch, last_touch, linear, position_based;              // in conversions
    std::vector<double> first_touch_value, last_touch_value, linear_value, position_based_value;
};

// Shares of a path of n touches under the position-based rule: 40% first, 40% last, 20% over the middle;
// one touch takes all, two take half each.
inline double position_share(std::size_t pos, std::size_t n, double first = 0.4, double last = 0.4) {
    if (n == 1) return 1.0;
    if (n == 2) return 0.5;
    if (pos == 0) return first;
    if (pos == n - 1) return last;
    return (1.0 - first - last) / static_cast<double>(n - 2);
}

inline HeuristicAttribution heuristic_attribution(const Paths& p, double first_weight = 0.4, double last_weight = 0.4) {
    if (!(first_weight >= 0) || !(last_weight >= 0) || first_weight + last_weight > 1.0)
        throw invalid_input("weights", invalid_input::no_row, "position weights must be >= 0 and sum to at most 1");
    p.check_totals();
    const std::size_t k = p.states.size();
    HeuristicAttribution h;
    h.channels = p.states;
    for (auto* v : {&h.first_touch, &h.last_touch, &h.linear, &h.position_based, &h.first_touch_value,
                    &h.last_touch_value, &h.linear_value, &h.position_based_value})
        v->assign(k, 0.0);
    for (std::size_t i = 0; i < p.size(); ++i) {
        const double c = p.conversions[i], v = p.value[i];
        if (c == 0 && v == 0) continue;
        const std::size_t n = p.length(i);
        const std::int32_t* s = p.begin(i);
        const auto first = static_cast<std::size_t>(s[0]), last = static_cast<std::size_t>(s[n - 1]);
        h.first_touch[first] += c;
        h.first_touch_value[first] += v;
        h.last_touch[last] += c;
        h.last_touch_value[last] += v;
        for (std::size_t j = 0; j < n; ++j) {
            const auto ch = static_cast<std::size_t>(s[j]);
            const double lin = 1.0 / static_cast<double>(n), pos = position_share(j, n, first_weight, last_weight);
            h.linear[ch] += c * lin;
            h.linear_value[ch] += v * lin;
            h.position_based[ch] += c * pos;
            h.position_based_value[ch] += v * pos;
        }
    }
    return h;
}

// Time decay: each touch of a converting journey weighs 2^(-(conversion time - touch time) / half_life) and the
// journey's one conversion (and its value) is split in proportion. Needs journeys (paths from a log); the
// half-life is in the log's time unit. Every touch counts, repeats included, as in the other rules.
struct TimeDecayAttribution {
    std::vector<std::string> channels;
    std::vector<double> conversions, value;
};

inline TimeDecayAttribution time_decay_attribution(const Paths& p, double half_life) {
    if (!p.has_times())
        throw invalid_input("paths", invalid_input::no_row, "time decay needs the touches' times: build the paths from an event log");
    if (!(half_life > 0) || !std::isfinite(half_life))
        throw invalid_input("half_life", invalid_input::no_row, "must be a positive, finite duration");
    p.check_totals();
    TimeDecayAttribution out;
    out.channels = p.states;
    out.conversions.assign(p.states.size(), 0.0);
    out.value.assign(p.states.size(), 0.0);
    std::vector<double> w;
    for (std::size_t j = 0; j < p.n_journeys(); ++j) {
        const std::int64_t end = p.conversion_time[j];
        if (end == Paths::no_time) continue;
        const std::size_t r = p.journey_row[j], n = p.length(r);
        const std::int64_t* t = p.step_time.data() + p.journey_offsets[j];
        w.resize(n);
        // Ages from the latest touch: the common factor 2^(-(end - latest)/half_life) cancels in the shares and
        // the latest touch weighs 1, so old journeys cannot underflow to 0/0.
        const std::int64_t latest = *std::max_element(t, t + n);
        double sum = 0;
        for (std::size_t q = 0; q < n; ++q) sum += w[q] = std::exp2(-static_cast<double>(detail::elapsed(t[q], latest)) / half_life);
        const std::int32_t* s = p.begin(r);
        for (std::size_t q = 0; q < n; ++q) {
            const double share = w[q] / sum;
            out.conversions[static_cast<std::size_t>(s[q])] += share;
            out.value[static_cast<std::size_t>(s[q])] += share * p.journey_value[j];
        }
    }
    return out;
}

}  // namespace cxkit::journey

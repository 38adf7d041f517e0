#pragma once
// Heuristic (rule-based) attribution: first touch, last touch, linear and position-based (U-shaped 40/20/40).
// Each converting path's conversions (and value) are split over its touches as the rule says; a channel that
// appears several times in a path gets each of its touches' shares (ChannelAttribution's heuristic_models does
// the same on the path as given).
#include <cstdint>
#include <string>
#include <vector>

#include "cxkit/core/error.hpp"
#include "cxkit/journey/paths.hpp"

namespace cxkit {

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

}  // namespace cxkit

#pragma once
// Shapley-value attribution over channels (Zhao et al. 2018). A coalition S of channels is worth the conversions
// (and value) of the paths whose set of channels lies inside S:  v(S) = sum over paths with set(path) ⊆ S.
// Then phi_i = sum over S containing i of (|S|-1)! (n-|S|)! / n! [v(S) - v(S \ {i})].
// Exact: the subset sums by a zeta transform over all 2^n coalitions (n <= 20 channels). For this v the exact
// value equals the simplified form (each path's conversions split equally over its distinct channels), which
// is what `simplified_shapley_attribution` computes for any number of channels.
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "cxkit/core/error.hpp"
#include "cxkit/journey/paths.hpp"

namespace cxkit::journey {

struct ShapleyAttribution {
    std::vector<std::string> channels;
    std::vector<double> conversions, value;
    bool exact = true;
};

inline constexpr std::size_t shapley_exact_limit = 20;

inline ShapleyAttribution simplified_shapley_attribution(const Paths& p) {
    p.check_totals();
    ShapleyAttribution out;
    out.channels = p.states;
    out.conversions.assign(p.states.size(), 0.0);
    out.value.assign(p.states.size(), 0.0);
    out.exact = false;
    std::vector<std::int32_t> distinct;
    for (std::size_t i = 0; i < p.size(); ++i) {
        distinct.assign(p.begin(i), p.end(i));
        std::sort(distinct.begin(), distinct.end());
        distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
        const double share = 1.0 / static_cast<double>(distinct.size());
        for (auto c : distinct) {
            out.conversions[static_cast<std::size_t>(c)] += p.conversions[i] * share;
            out.value[static_cast<std::size_t>(c)] += p.value[i] * share;
        }
    }
    return out;
}

inline ShapleyAttribution shapley_attribution(const Paths& p) {
    const std::size_t n = p.states.size();
    if (n == 0) throw invalid_input("paths", invalid_input::no_row, "no channels to attribute");
    if (n > shapley_exact_limit) return simplified_shapley_attribution(p);
    p.check_totals();
    const std::size_t full = std::size_t{1} << n;
    std::vector<double> vc(full, 0.0), vv(full, 0.0);
    for (std::size_t i = 0; i < p.size(); ++i) {
        std::size_t mask = 0;
        for (auto* s = p.begin(i); s != p.end(i); ++s) mask |= std::size_t{1} << *s;
        vc[mask] += p.conversions[i];
        vv[mask] += p.value[i];
    }
    // Zeta transform: v(S) = sum over T ⊆ S.
    for (std::size_t b = 0; b < n; ++b)
        for (std::size_t S = 0; S < full; ++S)
            if (S & (std::size_t{1} << b)) {
                vc[S] += vc[S ^ (std::size_t{1} << b)];
                vv[S] += vv[S ^ (std::size_t{1} << b)];
            }
    // weight(|S|) = (|S|-1)! (n-|S|)! / n!, via lgamma to stay finite for n = 20.
    std::vector<double> w(n + 1, 0.0);
    for (std::size_t s = 1; s <= n; ++s)
        w[s] = std::exp(std::lgamma(static_cast<double>(s)) + std::lgamma(static_cast<double>(n - s + 1)) -
                        std::lgamma(static_cast<double>(n + 1)));
    ShapleyAttribution out;
    out.channels = p.states;
    out.conversions.assign(n, 0.0);
    out.value.assign(n, 0.0);
    for (std::size_t S = 1; S < full; ++S) {
        const double ws = w[static_cast<std::size_t>(std::popcount(S))];
        for (std::size_t i = 0; i < n; ++i)
            if (S & (std::size_t{1} << i)) {
                const std::size_t T = S ^ (std::size_t{1} << i);
                out.conversions[i] += ws * (vc[S] - vc[T]);
                out.value[i] += ws * (vv[S] - vv[T]);
            }
    }
    return out;
}

}  // namespace cxkit::journey

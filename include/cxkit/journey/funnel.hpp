#pragma once
// Funnels over the states of paths. Closed: a path reaches step k when steps 1..k occur in it in that order
// (REFERENCES: conversion n_k / N, step conversion n_k / n_(k-1)). Open: counting may start at any step; a
// step counts when the path reaches it after any earlier step it reached (or it is the first step). With the
// journeys' times, also the median time from reaching a step to reaching the next one (journeys that reach
// both, the next one after this one).
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "cxkit/core/error.hpp"
#include "cxkit/journey/paths.hpp"
#include "cxkit/journey/transition_times.hpp"

namespace cxkit::journey {

struct Funnel {
    std::vector<double> customers;            // weight (conversions + nulls) of paths reaching each step
    std::vector<double> median_time_to_next;  // NaN for the last step, or without times
};

namespace detail {

// Position in the path where each step is reached (-1: not reached), by the funnel's rule.
inline void funnel_reach(const std::int32_t* s, std::size_t len, const std::vector<std::int32_t>& steps, bool closed,
                         std::vector<std::int64_t>& at) {
    const std::size_t m = steps.size();
    at.assign(m, -1);
    if (closed) {
        std::size_t k = 0;
        for (std::size_t q = 0; q < len && k < m; ++q)
            if (s[q] == steps[k]) at[k++] = static_cast<std::int64_t>(q);
        return;
    }
    bool any = false;
    for (std::size_t q = 0; q < len; ++q)
        for (std::size_t j = 0; j < m; ++j)
            if (at[j] < 0 && s[q] == steps[j] && (j == 0 || any)) {
                at[j] = static_cast<std::int64_t>(q);
                any = true;
            }
}

}  // namespace detail

inline Funnel funnel(const Paths& p, const std::vector<std::int32_t>& steps, bool closed = true) {
    if (steps.empty()) throw invalid_input("steps", invalid_input::no_row, "a funnel needs at least one step");
    for (std::size_t j = 0; j < steps.size(); ++j)
        if (steps[j] < 0 || static_cast<std::size_t>(steps[j]) >= p.states.size())
            throw invalid_input("steps", static_cast<std::int64_t>(j), "unknown state");
    const std::size_t m = steps.size();
    Funnel out;
    out.customers.assign(m, 0.0);
    out.median_time_to_next.assign(m, std::numeric_limits<double>::quiet_NaN());
    std::vector<std::int64_t> at;
    for (std::size_t i = 0; i < p.size(); ++i) {
        const double w = p.conversions[i] + p.nulls[i];
        if (w == 0) continue;
        detail::funnel_reach(p.begin(i), p.length(i), steps, closed, at);
        for (std::size_t j = 0; j < m; ++j)
            if (at[j] >= 0) out.customers[j] += w;
    }
    if (!p.has_times() || m < 2) return out;
    std::vector<std::vector<std::uint64_t>> dt(m - 1);
    for (std::size_t jn = 0; jn < p.n_journeys(); ++jn) {
        const std::size_t r = p.journey_row[jn];
        detail::funnel_reach(p.begin(r), p.length(r), steps, closed, at);
        const std::int64_t* t = p.step_time.data() + p.journey_offsets[jn];
        for (std::size_t j = 0; j + 1 < m; ++j)
            if (at[j] >= 0 && at[j + 1] > at[j]) dt[j].push_back(detail::elapsed(t[at[j]], t[at[j + 1]]));
    }
    for (std::size_t j = 0; j + 1 < m; ++j)
        if (!dt[j].empty()) out.median_time_to_next[j] = detail::median_in_place(dt[j].data(), dt[j].data() + dt[j].size());
    return out;
}

}  // namespace cxkit::journey

#pragma once
// Measure rules, generically: a rule is a predicate on one float64 value plus the sentence that states it. The
// core knows no measure by name; whoever builds a log says which rule each measure column follows (the metrics
// area's standard rules for NPS, CSAT, CES... are in cxkit/metrics/measure_rules.hpp). Without one, a measure
// only needs to be finite (or NaN: missing).
#include <cmath>
#include <cstdio>
#include <functional>
#include <string>
#include <string_view>

namespace cxkit::core {

struct MeasureRule {
    // True when v is acceptable; NaN (missing) must always be acceptable.
    bool (*accepts)(double v) noexcept;
    const char* text;
    // Whether a boolean input (True/False) is a meaningful value of this measure (a 0/1 flag), or a mistake.
    bool booleans = true;
};

namespace detail {
inline bool finite_ok(double v) noexcept { return std::isnan(v) || std::isfinite(v); }
}  // namespace detail

inline MeasureRule finite_rule() noexcept { return {detail::finite_ok, "must be a finite number (or missing)", true}; }

// Which rule a measure column follows, by its name in the log.
using MeasureRules = std::function<MeasureRule(std::string_view)>;

inline MeasureRule any_finite(std::string_view) noexcept { return finite_rule(); }

inline std::string describe_value(double v) {
    if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    return buf;
}

}  // namespace cxkit::core

namespace cxkit {
using core::describe_value;  // used by every area's input checks
using core::MeasureRule;
}  // namespace cxkit

#pragma once
// The validation rules of the standard CX measures (NPS, CSAT, CES, response time, FCR, sentiment), in one place.
// An EventLog built for the scorecard checks every incoming value against these on the way in (pass
// cxkit::metrics::measure_rule to EventLog::build or EventLogBuilder), and `errors="drop"` counts rows by the rule
// they broke. Any other measure only needs finite values (or NaN).
#include <cmath>
#include <string_view>

#include "cxkit/core/rules.hpp"

namespace cxkit::metrics {

namespace detail {
inline bool whole_in(double v, double lo, double hi) noexcept {
    return std::isnan(v) || (v >= lo && v <= hi && std::floor(v) == v);
}
inline bool nps_ok(double v) noexcept { return whole_in(v, 0, 10); }
inline bool csat_ok(double v) noexcept { return whole_in(v, 1, 5); }
inline bool ces_ok(double v) noexcept { return whole_in(v, 1, 7); }
inline bool duration_ok(double v) noexcept { return std::isnan(v) || (v >= 0 && std::isfinite(v)); }
inline bool flag_ok(double v) noexcept { return std::isnan(v) || v == 0 || v == 1; }
inline bool sentiment_ok(double v) noexcept { return std::isnan(v) || (v >= -1 && v <= 1); }
}  // namespace detail

// The rule for a measure column by its standard name; other names only need finite values (or NaN). Scores are
// never booleans (True is not an NPS of 1); the FCR flag may be.
inline core::MeasureRule measure_rule(std::string_view name) noexcept {
    if (name == "nps") return {detail::nps_ok, "NPS must be a whole number from 0 to 10", false};
    if (name == "csat") return {detail::csat_ok, "CSAT must be a whole number from 1 to 5", false};
    if (name == "ces") return {detail::ces_ok, "CES must be a whole number from 1 to 7", false};
    if (name == "response_time")
        return {detail::duration_ok, "response time must be a finite duration >= 0 seconds", false};
    if (name == "fcr") return {detail::flag_ok, "first-contact resolution must be 0 or 1 (or missing)", true};
    if (name == "sentiment") return {detail::sentiment_ok, "sentiment must be in [-1, 1]", false};
    return core::finite_rule();
}

}  // namespace cxkit::metrics

namespace cxkit {
using metrics::measure_rule;  // transitional: the bindings and tests used cxkit::measure_rule
}  // namespace cxkit

#pragma once
// The validation rules of the standard event columns, in one place: the EventLog checks every incoming value
// against these on the way in (errors at the boundary), and `errors="drop"` counts rows by the rule they broke.
#include <cmath>
#include <cstdio>
#include <string>
#include <string_view>

namespace cxkit {

struct MeasureRule {
    // True when v is acceptable; NaN (missing) is always acceptable.
    bool (*accepts)(double v) noexcept;
    const char* text;
};

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
inline bool finite_ok(double v) noexcept { return std::isnan(v) || std::isfinite(v); }
}  // namespace detail

// The rule for a measure column by its standard name; other names only need finite values (or NaN).
inline MeasureRule measure_rule(std::string_view name) noexcept {
    if (name == "nps") return {detail::nps_ok, "NPS must be a whole number from 0 to 10"};
    if (name == "csat") return {detail::csat_ok, "CSAT must be a whole number from 1 to 5"};
    if (name == "ces") return {detail::ces_ok, "CES must be a whole number from 1 to 7"};
    if (name == "response_time") return {detail::duration_ok, "response time must be a finite duration >= 0 seconds"};
    if (name == "fcr") return {detail::flag_ok, "first-contact resolution must be 0 or 1 (or missing)"};
    if (name == "sentiment") return {detail::sentiment_ok, "sentiment must be in [-1, 1]"};
    return {detail::finite_ok, "must be a finite number (or missing)"};
}

inline std::string describe_value(double v) {
    if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    return buf;
}

}  // namespace cxkit

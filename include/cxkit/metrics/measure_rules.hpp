#pragma once
// The validation rules of the scorecard's measures (NPS, CSAT, CES, response time, FCR, sentiment): each registered
// KPI that reads a measure column states its rule (kpi_registry.hpp). An EventLog built for the scorecard checks
// every incoming value against these on the way in (pass cxkit::metrics::measure_rule to EventLog::build or
// EventLogBuilder), and `errors="drop"` counts rows by the rule they broke. Any other measure only needs finite
// values (or NaN).
#include <cstddef>
#include <string_view>

#include "cxkit/core/rules.hpp"
#include "cxkit/metrics/kpi_registry.hpp"

namespace cxkit::metrics {

// The rule for a measure column by its standard name; other names only need finite values (or NaN). Scores are
// never booleans (True is not an NPS of 1); the FCR flag may be.
inline core::MeasureRule measure_rule(std::string_view name) noexcept {
    core::MeasureRule out = core::finite_rule();
    scorecard_kpis::for_each([&]<class K, std::size_t>() {
        if constexpr (requires { K::measure; K::rule; })
            if (name == K::measure) out = K::rule;
    });
    return out;
}

}  // namespace cxkit::metrics

namespace cxkit {
using metrics::measure_rule;  // transitional: the bindings and tests used cxkit::measure_rule
}  // namespace cxkit

#pragma once
// Simple customer lifetime value: CLV = m r / (1 + d - r), the infinite-horizon sum of a constant margin m per
// period, retained with probability r each period and discounted at rate d (Gupta & Lehmann). The model-based
// CLV (BG/NBD, Pareto/NBD x Gamma-Gamma) lives in clv/.
#include <cmath>

#include "cxkit/core/error.hpp"
#include "cxkit/metrics/stats.hpp"

namespace cxkit::metrics {

// NaN in any input gives NaN (a missing value for one group must not abort a whole scorecard). d = 0 with
// r = 1 is a customer kept forever with no discounting: the result is +-infinity, which is the right answer.
inline double simple_clv(double margin_per_period, double retention, double discount) {
    if (std::isnan(margin_per_period) || std::isnan(retention) || std::isnan(discount)) return detail::nan;
    if (!(discount >= 0.0))
        throw invalid_input("discount", invalid_input::no_row,
                            "discount rate must be >= 0, got " + detail::format_value(discount));
    if (!(retention >= 0.0 && retention <= 1.0))
        throw invalid_input("retention", invalid_input::no_row,
                            "retention rate must be in [0, 1], got " + detail::format_value(retention));
    return margin_per_period * retention / (1.0 + discount - retention);
}

}  // namespace cxkit::metrics

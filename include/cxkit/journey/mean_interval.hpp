#pragma once
// Student-t interval of a mean score (CES 1-7, sentiment -1..1) for the journey map. Scores per touchpoint are
// often few and bounded, so the t quantile (not the normal one) keeps the interval honest for small n.
// Self-contained (Boost.Math only): the journey area does not reach into metrics/.
#include <cmath>
#include <limits>

#include <boost/math/distributions/students_t.hpp>

#include "cxkit/core/error.hpp"

namespace cxkit::journey {

struct MeanInterval {
    double low, high;
};

// mean ± t_{(1+confidence)/2, n-1} sd / sqrt(n), with sd the sample standard deviation (n - 1 in the
// denominator). Fewer than two values: no spread to measure, the interval is NaN.
template <class = void>  // a template so that only callers pay for compiling it (Boost.Math code)
MeanInterval mean_t_interval(double mean, double sd, double n, double confidence) {
    if (!(confidence > 0.0 && confidence < 1.0))
        throw invalid_input("confidence", invalid_input::no_row, "confidence must be in (0, 1)");
    constexpr double nan = std::numeric_limits<double>::quiet_NaN();
    if (!(n >= 2) || !std::isfinite(n) || !std::isfinite(mean) || !(sd >= 0) || !std::isfinite(sd))
        return {nan, nan};
    const double t = boost::math::quantile(boost::math::students_t(n - 1), 0.5 + confidence / 2.0);
    const double half = t * sd / std::sqrt(n);
    return {mean - half, mean + half};
}

}  // namespace cxkit::journey

#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "cxkit/metrics/complaints.hpp"

using cxkit::metrics::ComplaintState;

namespace {
ComplaintState fill(int complaints, int others) {
    ComplaintState s;
    for (int i = 0; i < complaints; ++i) s.add(true);
    for (int i = 0; i < others; ++i) s.add(false);
    return s;
}
}  // namespace

TEST_CASE("complaint rates by hand") {
    // 3 complaints among 200 interactions of 50 customers: 3/50 = 0.06 per customer, 60 per 1,000,
    // 3/200 = 0.015 per interaction
    const auto s = fill(3, 197);
    CHECK(s.complaints == 3);
    CHECK(s.events == 200);
    CHECK(s.per_customer(50) == doctest::Approx(0.06));
    CHECK(s.per_1000(50) == doctest::Approx(60.0));
    CHECK(s.per_interaction() == doctest::Approx(0.015));
    CHECK(std::isnan(s.per_customer(0)));
    CHECK(std::isnan(s.per_1000(0)));
    CHECK(std::isnan(ComplaintState{}.per_interaction()));
}

TEST_CASE("ComplaintState: merge of two different samples equals one fill of their union") {
    const auto a = fill(20, 5);   // a complaint-heavy queue
    const auto b = fill(1, 300);  // a quiet one
    const auto merged = cxkit::merged(a, b);
    CHECK(merged == fill(21, 305));
    CHECK(merged != a);
    CHECK(merged.per_interaction() == doctest::Approx(21.0 / 326.0));
}

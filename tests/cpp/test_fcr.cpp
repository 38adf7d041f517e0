#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "cxkit/metrics/fcr.hpp"

using cxkit::metrics::FcrState;

namespace {
FcrState fill(const std::vector<bool>& tickets) {
    FcrState s;
    for (bool t : tickets) s.add(t);
    return s;
}
}  // namespace

TEST_CASE("FCR by hand") {
    // 4 resolved tickets, 3 of them at first contact -> 100 * 3/4 = 75%
    const auto s = fill({true, true, false, true});
    CHECK(s.resolved == 4);
    CHECK(s.first_contact == 3);
    CHECK(s.value() == doctest::Approx(75.0));
    CHECK(std::isnan(FcrState{}.value()));
}

TEST_CASE("FcrState: merge of two different samples equals one fill of their union") {
    const std::vector<bool> a{true, true, true, true, false};          // mostly first contact
    const std::vector<bool> b{false, false, true, false, false, false};  // mostly repeat contact
    std::vector<bool> all = a;
    all.insert(all.end(), b.begin(), b.end());
    const auto merged = cxkit::merged(fill(a), fill(b));
    CHECK(merged == fill(all));
    CHECK(merged != fill(a));
    // (4 + 1) / (5 + 6) = 5/11
    CHECK(merged.value() == doctest::Approx(500.0 / 11.0));
}

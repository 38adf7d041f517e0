#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

#include "cxkit/metrics/customer_set.hpp"

using cxkit::metrics::CustomerSet;

namespace {
CustomerSet fill(const std::vector<std::uint64_t>& keys) {
    CustomerSet s;
    for (auto k : keys) s.add(k);
    return s;
}
}  // namespace

TEST_CASE("CustomerSet counts distinct customers") {
    // adds 5, 3, 5, 1, 3 -> distinct {1, 3, 5}, 3 customers
    auto s = fill({5, 3, 5, 1, 3});
    CHECK(s.keys.size() == 5);  // add only appends
    s.normalize();
    CHECK(s.keys == std::vector<std::uint64_t>{1, 3, 5});
    CHECK(s.size() == 3);
    const std::uint64_t big = ~std::uint64_t{0};  // full 64-bit keys
    auto t = fill({big, 0, big});
    t.normalize();
    CHECK(t.keys == std::vector<std::uint64_t>{0, big});
}

TEST_CASE("CustomerSet: merge of two different samples equals one fill of their union") {
    // A: small keys with repeats, B: large keys overlapping A in 7 and 9
    const std::vector<std::uint64_t> a{1, 2, 2, 3, 7, 9, 1};
    const std::vector<std::uint64_t> b{1000, 9, 7, 5000, 1000, 123456789012345ULL};
    std::vector<std::uint64_t> all = b;
    all.insert(all.end(), a.begin(), a.end());
    auto merged = cxkit::merged(fill(a), fill(b));
    CHECK(merged == fill(all));  // equality is set equality, normalized or not
    CHECK(merged != fill(a));
    merged.normalize();
    // {1,2,3,7,9} u {7,9,1000,5000,123456789012345} = 8 distinct
    CHECK(merged.size() == 8);
    CHECK(merged.keys == std::vector<std::uint64_t>{1, 2, 3, 7, 9, 1000, 5000, 123456789012345ULL});
    auto self = fill(a);
    self += self;  // merging with itself changes nothing
    CHECK(self == fill(a));
}

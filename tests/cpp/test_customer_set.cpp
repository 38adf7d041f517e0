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

TEST_CASE("CustomerSet::merge_normalized: appends ordered parts, unions overlapping ones, stays normalized") {
    auto norm = [](std::vector<std::uint64_t> k) {
        auto s = fill(k);
        s.normalize();
        return s;
    };
    // ordered customer ranges (a fill's parts): appended
    auto s = norm({3, 1, 2});
    s.merge_normalized(norm({4, 9}));
    s.merge_normalized(norm({}));
    s.merge_normalized(norm({10}));
    CHECK(s.keys == std::vector<std::uint64_t>{1, 2, 3, 4, 9, 10});
    CHECK(s.size() == 6);
    // empty target takes the part
    CustomerSet e;
    e.merge_normalized(norm({7, 5}));
    CHECK(e.keys == std::vector<std::uint64_t>{5, 7});
    // a part that does not follow (overlap, or earlier keys) falls back to the union: same as +=
    for (const auto& other : {std::vector<std::uint64_t>{9, 11}, std::vector<std::uint64_t>{0, 5}, std::vector<std::uint64_t>{10}}) {
        auto a = s, b = s;
        a.merge_normalized(norm(other));
        b += norm(other);
        CHECK(a.keys == b.keys);
        CHECK(a.is_normalized());
    }
    auto self = s;
    self.merge_normalized(self);  // with itself: unchanged
    CHECK(self.keys == s.keys);
}

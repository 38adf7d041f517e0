// States that hold per-customer data forget customers: fill(everyone) then erase(some) equals fill(the others),
// bytes included (so no key of an erased customer is left in the serialized state).
#include <doctest/doctest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "cxkit/metrics/activity.hpp"
#include "cxkit/metrics/customer_set.hpp"
#include "cxkit/segment/recommender.hpp"

namespace {
struct Row {
    std::uint64_t customer;
    std::int64_t x;
};
std::vector<Row> rows(std::uint64_t seed) {
    std::mt19937_64 g(seed);
    std::vector<Row> r(3000);
    for (auto& e : r) e = {g() % 400, static_cast<std::int64_t>(g() % 30)};
    return r;
}
bool is_gone(std::uint64_t c) { return c % 7 == 3; }
std::vector<std::uint64_t> gone_keys() {
    std::vector<std::uint64_t> k;
    for (std::uint64_t c = 0; c < 400; ++c)
        if (is_gone(c)) k.push_back(c);
    k.push_back(999'999);  // not in the state: ignored
    return k;
}
}  // namespace

TEST_CASE("CustomerSet, ActivityState and RecommenderState forget erased customers") {
    const auto r = rows(5);
    const auto gone = gone_keys();
    cxkit::metrics::CustomerSet all_set, kept_set;
    cxkit::metrics::ActivityState all_act, kept_act;
    cxkit::segment::RecommenderState all_rec, kept_rec;
    for (const Row& e : r) {
        all_set.add(e.customer);
        all_act.add(e.customer, e.x);
        all_rec.add(static_cast<std::int64_t>(e.customer), e.x);
        if (is_gone(e.customer)) continue;
        kept_set.add(e.customer);
        kept_act.add(e.customer, e.x);
        kept_rec.add(static_cast<std::int64_t>(e.customer), e.x);
    }
    all_set.erase(gone);
    all_act.erase(gone);
    std::vector<std::int64_t> gone_i(gone.begin(), gone.end());
    all_rec.erase(gone_i);
    kept_set.normalize();
    kept_act.normalize();
    kept_rec.normalize();
    CHECK(all_set == kept_set);
    CHECK(all_set.serialize() == kept_set.serialize());
    CHECK(all_act == kept_act);
    CHECK(all_act.serialize() == kept_act.serialize());
    CHECK(all_rec == kept_rec);
    CHECK(all_rec.serialize() == kept_rec.serialize());
    CHECK(all_set.size() < 400);
}

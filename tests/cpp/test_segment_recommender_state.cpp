#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <random>
#include <vector>

#include "cxkit/segment/recommender.hpp"

using namespace cxkit::segment;

namespace {

// Purchases of customers [c0, c1) drawn with item popularity skewed towards `hot` items.
RecommenderState fill(std::uint64_t seed, std::int64_t c0, std::int64_t c1, std::int64_t n_items, std::int64_t hot,
                      int n) {
    std::mt19937_64 g(seed);
    std::uniform_int_distribution<std::int64_t> cust(c0, c1 - 1), any(0, n_items - 1), near(hot, hot + 9);
    RecommenderState s;
    for (int k = 0; k < n; ++k) s.add(cust(g), g() % 2 ? near(g) % n_items : any(g));
    return s;
}

RecommenderState all_of(const RecommenderState& a, const RecommenderState& b) {  // fill(A u B): the raw pairs
    RecommenderState s = a;
    s.customer.insert(s.customer.end(), b.customer.begin(), b.customer.end());
    s.item.insert(s.item.end(), b.item.begin(), b.item.end());
    return s;
}

}  // namespace

TEST_CASE("RecommenderState: merge(A, B) == fill(A u B), with customers in both parts") {
    // part A: customers 0..59, popular items 0..9; part B: customers 40..99, popular items 20..29
    const RecommenderState A = fill(1, 0, 60, 40, 0, 400), B = fill(2, 40, 100, 40, 20, 400);
    const RecommenderState AB = all_of(A, B);
    RecommenderState merged = A;
    merged += B;
    CHECK(merged.is_normalized());
    CHECK(merged == AB);
    CHECK(cxkit::merged(B, A) == AB);
    CHECK(cxkit::merged(RecommenderState{}, A) == A);  // the empty state is the identity
    CHECK(cxkit::merged(cxkit::merged(A, B), fill(3, 90, 120, 40, 5, 50)) ==
          cxkit::merged(A, cxkit::merged(B, fill(3, 90, 120, 40, 5, 50))));

    // the similarity from the merged state is the one fitted on all purchases, and differs from summing the parts'
    // co-occurrence counts (a customer of both parts links her A items with her B items)
    Recommender from_merged, from_all;
    from_merged.fit(merged, 120, 40);
    from_all.fit(AB, 120, 40);
    CHECK(from_merged.similarity().isApprox(from_all.similarity(), 0.0));
    CHECK(from_merged.item_counts() == from_all.item_counts());
    CHECK(from_merged.state() == AB);

    RecommenderState onlyA = A;
    onlyA.normalize();
    Recommender ra;
    ra.fit(onlyA, 120, 40);
    CHECK(ra.state() == A);
}

TEST_CASE("RecommenderState: serialize round trip and bad bytes") {
    RecommenderState s = fill(4, 0, 30, 12, 2, 100);
    const RecommenderState back = RecommenderState::deserialize(s.serialize());
    CHECK(back == s);
    CHECK(back.is_normalized());
    CHECK(RecommenderState::deserialize(RecommenderState{}.serialize()) == RecommenderState{});
    std::string bytes = back.serialize();
    CHECK_THROWS_AS(RecommenderState::deserialize(bytes.substr(0, bytes.size() - 3)), cxkit::invalid_input);
    CHECK_THROWS_AS(RecommenderState::deserialize(bytes + "x"), cxkit::invalid_input);
    Recommender r;
    CHECK_THROWS_AS(r.fit(s, 29, 12), cxkit::invalid_input);  // customer 29 is out of range
}

namespace {
// The bytes of a RecommenderState with these pairs as they are (no normalize): what a hostile file can hold.
std::string raw_state(const std::vector<std::int64_t>& customer, const std::vector<std::int64_t>& item) {
    cxkit::ByteWriter w;
    w.header("RecommenderState", 1);
    w.put_vector(customer);
    w.put_vector(item);
    return std::move(w).bytes();
}
std::string refusal(const std::string& bytes) {
    try {
        (void)RecommenderState::deserialize(bytes);
    } catch (const cxkit::invalid_input& e) {
        return e.what();
    }
    return "accepted";
}
}  // namespace

TEST_CASE("RecommenderState: hostile bytes are refused with a clear error (issue 12: negative recommender keys)") {
    // issue 12 defect: a state with negative keys loaded, and Python then indexed its id lists from the end
    CHECK(refusal(raw_state({-1, 0}, {0, 1})).find("negative customer key (-1)") != std::string::npos);
    CHECK(refusal(raw_state({0, 1}, {2, -7})).find("negative item key (-7)") != std::string::npos);
    CHECK(refusal(raw_state({1, 0}, {0, 0})).find("not sorted and unique") != std::string::npos);
    CHECK(refusal(raw_state({0, 0}, {3, 3})).find("not sorted and unique") != std::string::npos);
    CHECK(refusal(raw_state({0, 1}, {0})).find("different lengths") != std::string::npos);
    // a length field claiming 2^60 pairs: refused before any allocation (bounded by the byte count)
    std::string huge = raw_state({}, {});
    const std::size_t at = huge.size() - 16;  // the customer vector's length field
    const std::uint64_t n = std::uint64_t{1} << 60;
    std::memcpy(huge.data() + at, &n, sizeof n);
    CHECK(refusal(huge).find("exceeds the data") != std::string::npos);
    CHECK(refusal(raw_state({0, 1}, {0, 0})) == "accepted");
}

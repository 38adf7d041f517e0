#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <random>
#include <thread>
#include <vector>

#include <Eigen/Dense>

#include "cxkit/segment/recommender.hpp"

using cxkit::invalid_input;
using namespace cxkit::segment;

namespace {
// customers 0: {0, 1}, 1: {0, 1, 2} (item 1 bought twice), 2: {1, 2}, 3: {3}
const std::vector<std::int32_t> kCustomer{0, 0, 1, 1, 1, 1, 2, 2, 3};
const std::vector<std::int32_t> kItem{1, 0, 2, 1, 0, 1, 2, 1, 3};
}  // namespace

TEST_CASE("Recommender: cosine item-item similarity and top-n lists of a hand-checked basket") {
    Recommender rec;
    rec.fit(kCustomer, kItem, 4, 4);
    CHECK(rec.n_buyers() == 4);
    CHECK(rec.item_counts() == std::vector<std::int32_t>{2, 3, 2, 1});
    const auto& S = rec.similarity();
    CHECK(S.coeff(0, 1) == doctest::Approx(2 / std::sqrt(6.0)).epsilon(1e-15));
    CHECK(S.coeff(0, 2) == doctest::Approx(0.5).epsilon(1e-15));
    CHECK(S.coeff(1, 2) == doctest::Approx(2 / std::sqrt(6.0)).epsilon(1e-15));
    CHECK(S.coeff(1, 1) == 0.0);
    CHECK(S.nonZeros() == 6);

    const std::vector<std::int32_t> who{0, 2, 3};
    const auto t = rec.recommend(who, 5, true);
    REQUIRE(t.size() == 2);  // customer 3's item was bought with nothing else: no list
    CHECK(t.request == std::vector<std::int64_t>{0, 1});
    CHECK(t.item == std::vector<std::int32_t>{2, 0});
    CHECK(t.score[0] == doctest::Approx(0.5 + 2 / std::sqrt(6.0)));
    CHECK(t.score[1] == doctest::Approx(0.5 + 2 / std::sqrt(6.0)));

    // items 0 and 2 tie for item 1: the lower code first
    const auto sim = rec.similar_items(1, 5);
    REQUIRE(sim.size() == 2);
    CHECK(sim[0].second == 0);
    CHECK(sim[1].second == 2);
    CHECK_THROWS_AS(rec.similar_items(4, 5), invalid_input);
    CHECK_THROWS_AS(rec.recommend(std::vector<std::int32_t>{7}, 5, true), invalid_input);
}

TEST_CASE("Recommender: lift, consent fallback to the segment's popular items, cold start") {
    Recommender rec(RecommenderOptions{Similarity::lift, 2});
    const std::vector<std::int32_t> segment{0, 0, 1, 1, 1};  // customer 4 never bought anything
    rec.fit(kCustomer, kItem, 5, 4, segment);
    CHECK(rec.n_buyers() == 4);
    CHECK(rec.similarity().coeff(0, 1) == doctest::Approx(2.0 * 4 / (2 * 3)));
    CHECK(rec.similarity().coeff(0, 2) == doctest::Approx(1.0));
    const std::vector<std::uint8_t> consent{0, 1, 1, 1, 1};
    const auto t = rec.recommend(std::vector<std::int32_t>{0, 1, 4}, 2, false, consent);
    REQUIRE(t.size() == 6);
    // customer 0 declined: segment 0 (customers 0 and 1) bought items 0 and 1 both (share 1), item 2 once
    CHECK(t.source[0] == RecommendationSource::segment_popular);
    CHECK(t.item[0] == 0);
    CHECK(t.item[1] == 1);
    CHECK(t.score[0] == 1.0);
    // customer 1 bought 0, 1, 2; purchased items kept: 1 scores 4/3 + 4/3, 0 and 2 tie at 4/3 + 1 (0 first)
    CHECK(t.source[2] == RecommendationSource::personalised);
    CHECK(t.item[2] == 1);
    CHECK(t.score[2] == doctest::Approx(8.0 / 3));
    CHECK(t.item[3] == 0);
    CHECK(t.score[3] == doctest::Approx(7.0 / 3));
    CHECK(t.rank[3] == 2);
    // customer 4 has no history: segment 1 (customers 2, 3, 4) bought items 1, 2, 3 once each
    CHECK(t.source[4] == RecommendationSource::segment_popular);
    CHECK(t.item[4] == 1);
    CHECK(t.item[5] == 2);
    CHECK(t.score[4] == doctest::Approx(1.0 / 3));
    CHECK_THROWS_AS(rec.fit(kCustomer, kItem, 4, 3), invalid_input);  // item code 3 out of range
    CHECK(rec.n_items() == 4);                                         // the fitted state is untouched
}

TEST_CASE("Recommender: similarity equals Eigen's own sparse X^T X, normalised, on random baskets") {
    std::mt19937 rng(7);
    const int nc = 300, ni = 40;
    std::vector<std::int32_t> cust, item;
    for (int r = 0; r < 3000; ++r) {
        cust.push_back(static_cast<std::int32_t>(rng() % nc));
        item.push_back(static_cast<std::int32_t>(std::min<unsigned>(rng() % ni, rng() % ni)));  // skewed popularity
    }
    Eigen::MatrixXd X = Eigen::MatrixXd::Zero(nc, ni);
    for (std::size_t r = 0; r < cust.size(); ++r) X(cust[r], item[r]) = 1.0;
    const Eigen::MatrixXd C = X.transpose() * X;
    for (auto sim : {Similarity::cosine, Similarity::lift}) {
        Recommender rec(RecommenderOptions{sim, 3});
        rec.fit(cust, item, nc, ni);
        const Eigen::MatrixXd S = Eigen::MatrixXd(rec.similarity());
        const double N = static_cast<double>((X.rowwise().sum().array() > 0).count());
        for (int i = 0; i < ni; ++i)
            for (int j = 0; j < ni; ++j) {
                const double want = i == j || C(i, j) == 0 ? 0.0
                                    : sim == Similarity::cosine ? C(i, j) / std::sqrt(C(i, i) * C(j, j))
                                                                : C(i, j) * N / (C(i, i) * C(j, j));
                CHECK(S(i, j) == doctest::Approx(want).epsilon(1e-14));
            }
        // scores are X S, lists ordered by score then item
        const Eigen::MatrixXd scores = X * S;
        std::vector<std::int32_t> all(nc);
        for (int u = 0; u < nc; ++u) all[u] = u;
        const auto t = rec.recommend(all, 5, true);
        for (std::size_t k = 0; k < t.size(); ++k) {
            const auto u = t.request[k];
            CHECK(X(u, t.item[k]) == 0.0);
            CHECK(t.score[k] == doctest::Approx(scores(u, t.item[k])).epsilon(1e-13));
            if (k > 0 && t.request[k - 1] == u)
                CHECK((t.score[k - 1] > t.score[k] || (t.score[k - 1] == t.score[k] && t.item[k - 1] < t.item[k])));
        }
        // the best unbought item of customer 0 is the first of its list
        int best = -1;
        for (int j = 0; j < ni; ++j)
            if (X(0, j) == 0 && scores(0, j) > 0 && (best < 0 || scores(0, j) > scores(0, best) + 1e-12)) best = j;
        if (best >= 0) CHECK(t.item[0] == best);
    }
}

namespace {
// Random baskets large enough for many chunks: 20,000 customers, 3,000 items (94 chunks of 32 item columns).
void random_baskets(std::vector<std::int32_t>& cust, std::vector<std::int32_t>& item, int nc, int ni, int n,
                    unsigned seed) {
    std::mt19937 rng(seed);
    for (int r = 0; r < n; ++r) {
        cust.push_back(static_cast<std::int32_t>(rng() % static_cast<unsigned>(nc)));
        item.push_back(static_cast<std::int32_t>(std::min(rng() % static_cast<unsigned>(ni), rng() % static_cast<unsigned>(ni))));
    }
}
}  // namespace

TEST_CASE("Recommender: fit and recommend are bit-identical on 1, 2 and 3 threads") {
    const int nc = 20000, ni = 3000;
    std::vector<std::int32_t> cust, item;
    random_baskets(cust, item, nc, ni, 120000, 11);
    std::vector<std::int32_t> all(nc);
    for (int u = 0; u < nc; ++u) all[static_cast<std::size_t>(u)] = u;
    RecommendationTable first;
    Eigen::SparseMatrix<double> S1;
    for (unsigned threads : {1u, 2u, 3u}) {
        Recommender rec(RecommenderOptions{Similarity::lift, threads});
        rec.fit(cust, item, nc, ni);
        const auto t = rec.recommend(all, 7, true);
        if (threads == 1) {
            first = t;
            S1 = rec.similarity();
            continue;
        }
        CHECK(t.request == first.request);
        CHECK(t.item == first.item);
        CHECK(t.score == first.score);  // bitwise
        const Eigen::SparseMatrix<double> S = rec.similarity();
        CHECK(S.nonZeros() == S1.nonZeros());
        CHECK(std::equal(S.valuePtr(), S.valuePtr() + S.nonZeros(), S1.valuePtr()));
        CHECK(std::equal(S.innerIndexPtr(), S.innerIndexPtr() + S.nonZeros(), S1.innerIndexPtr()));
    }
}

TEST_CASE("Recommender: an interrupted fit leaves the previous fit; an interrupted recommend returns nothing") {
    // issue 11: "a failed call leaves nothing half-built" (the fit used to write its members as it went)
    std::vector<std::int32_t> cust, item;
    random_baskets(cust, item, 20000, 3000, 120000, 12);
    Recommender rec(RecommenderOptions{Similarity::cosine, 2});
    const std::vector<std::int32_t> c0{0, 0, 1, 1, 2}, i0{0, 1, 0, 2, 1};
    rec.fit(c0, i0, 3, 3);
    const auto before = rec.recommend(std::vector<std::int32_t>{0, 1, 2}, 2, true);
    {
        cxkit::core::interrupt_scope stop([](void*) { return false; }, nullptr);
        std::this_thread::sleep_for(std::chrono::milliseconds(25));  // the check is asked at most every 20 ms
        CHECK_THROWS_AS(rec.fit(cust, item, 20000, 3000), cxkit::core::cancelled);
    }
    CHECK(rec.fitted());
    CHECK(rec.n_customers() == 3);
    CHECK(rec.n_items() == 3);
    const auto after = rec.recommend(std::vector<std::int32_t>{0, 1, 2}, 2, true);
    CHECK(after.item == before.item);
    CHECK(after.score == before.score);
    {
        cxkit::core::interrupt_scope stop([](void*) { return false; }, nullptr);
        std::this_thread::sleep_for(std::chrono::milliseconds(25));
        CHECK_THROWS_AS((void)rec.recommend(std::vector<std::int32_t>{0, 1, 2}, 2, true), cxkit::core::cancelled);
    }
    // the next calls work
    rec.fit(cust, item, 20000, 3000);
    CHECK(rec.n_items() == 3000);
}

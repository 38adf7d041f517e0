#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "cxkit/segment/kmeans.hpp"
#include "cxkit/segment/rfm.hpp"

using cxkit::invalid_input;
using namespace cxkit::segment;

TEST_CASE("RFM scores of a small table with ties, as the pandas qcut(rank(method='first')) recipe") {
    // 10 customers, 5 bins: ranks 1..10, edges 1 + 9b/5 = 2.8, 4.6, 6.4, 8.2 -> ranks {1,2} {3,4} {5,6} {7,8} {9,10}
    const std::vector<double> recency{10, 3, 3, 50, 7, 1, 30, 3, 20, 7};
    const std::vector<double> frequency{3, 1, 4, 1, 5, 9, 2, 6, 5, 3};
    const std::vector<double> monetary{20, 5, 20, 100, 35, 300, 20, 80, 50, 5};
    const auto s = rfm_scores(recency, frequency, monetary);
    // pandas 3.1.1: pd.qcut(x.rank(method="first"), 5, labels=[1..5]) ([5..1] for recency)
    CHECK(s.r == std::vector<int>{2, 5, 4, 1, 3, 5, 1, 4, 2, 3});  // recency 3 x3: customers 1, 2, 7 -> 5, 4, 4
    CHECK(s.f == std::vector<int>{2, 1, 3, 1, 4, 5, 2, 5, 4, 3});  // frequency 3 at customers 0 and 9 -> 2 and 3
    CHECK(s.m == std::vector<int>{2, 1, 2, 5, 3, 5, 3, 4, 4, 1});
    // ties = equal: a tie group takes its first member's score
    RfmOptions eq;
    eq.ties = RfmTies::equal;
    const auto e = rfm_scores(recency, frequency, monetary, eq);
    CHECK(e.f == std::vector<int>{2, 1, 3, 1, 4, 5, 2, 5, 4, 2});
    CHECK(e.r == std::vector<int>{2, 5, 5, 1, 3, 5, 1, 5, 2, 3});
    CHECK(e.m[0] == e.m[2]);
    CHECK(e.m[2] == e.m[6]);
}

TEST_CASE("RFM quantile edges as pandas computes them (bins = 6, n = 19: rank 16 sits on an edge)") {
    std::vector<double> x(19);
    for (int i = 0; i < 19; ++i) x[static_cast<std::size_t>(i)] = i;
    const auto s = quantile_scores(x, 6);
    CHECK(s[15] == 6);  // exact arithmetic says 5; pandas' floating edge 15.999... says 6
    CHECK(s[0] == 1);
    CHECK(s[18] == 6);
}

TEST_CASE("RFM segment map: hand-picked score triples, first match wins") {
    const auto rules = default_rfm_segments();
    REQUIRE(rules.size() == 11);
    auto name = [&](int r, int f, int m) {
        const int i = rfm_segment(r, f, m, rules);
        return i < 0 ? std::string("Others") : rules[static_cast<std::size_t>(i)].name;
    };
    CHECK(name(5, 5, 5) == "Champions");
    CHECK(name(4, 4, 4) == "Champions");
    CHECK(name(2, 5, 5) == "Loyal");
    CHECK(name(3, 3, 3) == "Loyal");  // Loyal (R2-5 F3-5 M3-5) comes before Potential Loyalist
    CHECK(name(5, 1, 1) == "Potential Loyalist");  // before New Customers: first match wins
    CHECK(name(3, 2, 2) == "Potential Loyalist");
    CHECK(name(2, 2, 3) == "Need Attention");
    CHECK(name(2, 1, 2) == "About To Sleep");
    CHECK(name(2, 2, 5) == "At Risk");
    CHECK(name(1, 5, 5) == "At Risk");  // At Risk (R<=2 F2-5 M2-5) shadows Can't Lose Them
    CHECK(name(1, 1, 1) == "Hibernating");
    CHECK(name(5, 5, 1) == "Others");
    CHECK(name(1, 1, 5) == "Others");
    // the map is data: replace it
    std::vector<RfmSegmentRule> mine{{"Can't Lose Them", 1, 1, 4, 5, 4, 5}, {"Big", 1, 5, 1, 5, 3, 5}};
    RfmOptions o;
    o.segments = mine;
    o.others = "Rest";
    const std::vector<double> r{100, 1, 50}, f{9, 1, 2}, m{9, 8, 1};  // R 1,5,3  F 5,1,3  M 5,3,1
    const auto s = rfm_scores(r, f, m, o);
    CHECK(s.segment_name(0) == "Can't Lose Them");
    CHECK(s.segment_name(1) == "Big");
    CHECK(s.segment_name(2) == "Rest");
    CHECK(s.segment[2] == 2);
}

TEST_CASE("RFM bad input") {
    const std::vector<double> ok{1, 2, 3}, bad{1, NAN, 3}, shorter{1, 2};
    try {
        rfm_scores(ok, ok, bad);
        FAIL("no throw");
    } catch (const invalid_input& e) {
        CHECK(e.column() == "monetary");
        CHECK(e.row() == 1);
    }
    CHECK_THROWS_AS(rfm_scores(ok, shorter, ok), invalid_input);
    RfmOptions o;
    o.segments = {{"Bad", 3, 2, 1, 5, 1, 5}};
    CHECK_THROWS_AS(rfm_scores(ok, ok, ok, o), invalid_input);
    CHECK(rfm_scores(std::vector<double>{}, std::vector<double>{}, std::vector<double>{}).size() == 0);
    CHECK(rfm_scores(std::vector<double>{4}, std::vector<double>{4}, std::vector<double>{4}).r == std::vector<int>{5});
}

TEST_CASE("C++ API without Python: cluster RFM features and score them") {
    const std::vector<double> recency{1, 2, 3, 40, 45, 50, 2, 41, 3, 48};
    const std::vector<double> frequency{9, 8, 10, 1, 2, 1, 9, 2, 8, 1};
    const std::vector<double> monetary{500, 450, 520, 20, 30, 25, 480, 22, 470, 28};
    const auto s = rfm_scores(recency, frequency, monetary);
    Eigen::MatrixXd X(10, 3);
    for (int i = 0; i < 10; ++i) X(i, 0) = recency[static_cast<std::size_t>(i)], X(i, 1) = frequency[static_cast<std::size_t>(i)], X(i, 2) = monetary[static_cast<std::size_t>(i)];
    KMeansOptions o;
    o.n_clusters = 2;
    o.standardize = true;
    const auto km = kmeans(X, o);
    for (int i = 0; i < 10; ++i) {
        const bool active = recency[static_cast<std::size_t>(i)] < 10;
        CHECK((km.labels[static_cast<std::size_t>(i)] == km.labels[0]) == active);
        CHECK((s.segment_name(static_cast<std::size_t>(i)) == "Champions" || s.segment_name(static_cast<std::size_t>(i)) == "Loyal") == active);
    }
}

TEST_CASE("RFM scores: the same on 1, 2 and 3 threads (50,000+ rows take the parallel path)") {
    std::mt19937_64 g(8);
    const std::size_t n = 60000;
    std::vector<double> r(n), f(n), m(n);
    for (std::size_t i = 0; i < n; ++i) {
        r[i] = static_cast<double>(g() % 365);
        f[i] = static_cast<double>(1 + g() % 20);
        m[i] = static_cast<double>(g() % 100000) / 100.0;
    }
    cxkit::segment::RfmOptions o;
    o.threads = 1;
    const auto one = cxkit::segment::rfm_scores(r, f, m, o);
    for (unsigned t : {2u, 3u}) {
        o.threads = t;
        const auto many = cxkit::segment::rfm_scores(r, f, m, o);
        CHECK(many.r == one.r);
        CHECK(many.f == one.f);
        CHECK(many.m == one.m);
        CHECK(many.segment == one.segment);
    }
    // the first bad measure in r, f, m order is the one reported, whatever thread finds it first
    f[10] = std::nan("");
    m[5] = std::numeric_limits<double>::infinity();
    o.threads = 3;
    CHECK_THROWS_WITH_AS(cxkit::segment::rfm_scores(r, f, m, o), doctest::Contains("frequency"), cxkit::invalid_input);
}

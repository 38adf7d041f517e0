#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "cxkit/segment/silhouette.hpp"

using cxkit::invalid_input;
using namespace cxkit::segment;

namespace {
Eigen::MatrixXd fixed60() {  // the same formula as the scikit-learn reference script
    Eigen::MatrixXd X(60, 3);
    for (int i = 0; i < 60; ++i) {
        X(i, 0) = std::sin(i * 1.3) * 5 + (i % 3) * 10;
        X(i, 1) = std::cos(i * 0.7) * 5 + (i % 3) * 3;
        X(i, 2) = static_cast<double>(i * 7 % 11);
    }
    return X;
}
}  // namespace

TEST_CASE("silhouette of a tiny example, by hand") {
    // points 0, 1 (A), 5, 6 (B), 20 (C, a singleton)
    //   0: a = 1, b = min(mean(5, 6), 20) = 5.5 -> 4.5/5.5 = 9/11
    //   1: a = 1, b = min(mean(4, 5), 19) = 4.5 -> 3.5/4.5 = 7/9
    //   5: a = 1, b = min(mean(5, 4), 15) = 4.5 -> 7/9
    //   6: a = 1, b = min(mean(6, 5), 14) = 5.5 -> 9/11
    //  20: singleton -> 0
    // mean = (2 * 9/11 + 2 * 7/9 + 0) / 5 = 632/990 (scikit-learn: 0.6383838383838384)
    Eigen::MatrixXd X(5, 1);
    X << 0, 1, 5, 6, 20;
    const std::vector<int> labels{3, 3, -1, -1, 7};  // any integers
    const auto s = silhouette_samples(X, labels);
    CHECK(s(0) == doctest::Approx(9.0 / 11));
    CHECK(s(1) == doctest::Approx(7.0 / 9));
    CHECK(s(4) == 0.0);
    CHECK(silhouette_score(X, labels) == doctest::Approx(632.0 / 990).epsilon(1e-15));
}

TEST_CASE("silhouette equals scikit-learn's silhouette_score on a fixed matrix") {
    const auto X = fixed60();
    std::vector<int> a(60), b(60);
    for (int i = 0; i < 60; ++i) a[static_cast<std::size_t>(i)] = i % 3, b[static_cast<std::size_t>(i)] = (i * 5) % 4;
    CHECK(std::abs(silhouette_score(X, a) - 0.2780993793675765) < 1e-12);
    CHECK(std::abs(silhouette_score(X, b) - -0.068027345831275246) < 1e-12);
}

TEST_CASE("silhouette: same for any thread count; seeded sample reproducible") {
    Eigen::MatrixXd X = Eigen::MatrixXd::Random(700, 4);
    std::vector<int> lab(700);
    for (int i = 0; i < 700; ++i) lab[static_cast<std::size_t>(i)] = (X(i, 0) > 0) + 2 * (X(i, 1) > 0.5);
    SilhouetteOptions o;
    o.threads = 1;
    const double one = silhouette_score(X, lab, o);
    o.threads = 2;
    CHECK(silhouette_score(X, lab, o) == one);
    o.sample_size = 200;
    o.seed = 5;
    const double s1 = silhouette_score(X, lab, o);
    CHECK(silhouette_score(X, lab, o) == s1);
    // the sample is the rows silhouette_sample_indices names
    const auto idx = silhouette_sample_indices(700, 200, 5);
    REQUIRE(idx.size() == 200);
    Eigen::MatrixXd Xs(200, 4);
    std::vector<int> ls(200);
    for (std::size_t r = 0; r < 200; ++r) Xs.row(static_cast<Eigen::Index>(r)) = X.row(idx[r]), ls[r] = lab[static_cast<std::size_t>(idx[r])];
    CHECK(silhouette_score(Xs, ls) == doctest::Approx(s1).epsilon(1e-14));
}

TEST_CASE("silhouette bad input") {
    Eigen::MatrixXd X = Eigen::MatrixXd::Random(4, 2);
    CHECK_THROWS_AS(silhouette_score(X, {0, 0, 0, 0}), invalid_input);  // one label
    CHECK_THROWS_AS(silhouette_score(X, {0, 1, 2, 3}), invalid_input);  // n labels
    CHECK_THROWS_AS(silhouette_score(X, {0, 1, 1}), invalid_input);     // length
    X(2, 1) = NAN;
    CHECK_THROWS_AS(silhouette_score(X, {0, 0, 1, 1}), invalid_input);
}

TEST_CASE("choose_k suggests the planted number of clusters") {
    Eigen::MatrixXd X(300, 2);
    Eigen::MatrixXd noise = Eigen::MatrixXd::Random(300, 2);
    for (int i = 0; i < 300; ++i) X(i, 0) = (i % 4) * 20 + noise(i, 0), X(i, 1) = (i % 4 == 1) * 30 + noise(i, 1);
    ChooseKOptions o;
    o.k_min = 2, o.k_max = 7;
    o.sample_size = 150;
    const auto r = choose_k(X, o);
    CHECK(r.k == std::vector<int>{2, 3, 4, 5, 6, 7});
    CHECK(r.suggested_k == 4);
    for (std::size_t i = 1; i < r.inertia.size(); ++i) CHECK(r.inertia[i] <= r.inertia[i - 1]);
    o.k_min = 1;
    CHECK_THROWS_AS(choose_k(X, o), invalid_input);
}

TEST_CASE("silhouette: bit-identical per-sample values on 1, 2 and 3 threads (several parallel tasks)") {
    // 5,000 rows: 79 blocks of 64 samples, 5 tasks of 16 blocks for core::parallel_for
    Eigen::MatrixXd X = Eigen::MatrixXd::Random(5000, 3);
    std::vector<int> lab(5000);
    for (int i = 0; i < 5000; ++i) lab[static_cast<std::size_t>(i)] = (X(i, 0) > 0) + 2 * (X(i, 2) > 0.3);
    const Eigen::VectorXd one = silhouette_samples(X, lab, 1);
    for (unsigned t : {2u, 3u}) {
        const Eigen::VectorXd many = silhouette_samples(X, lab, t);
        CHECK((many.array() == one.array()).all());
    }
}

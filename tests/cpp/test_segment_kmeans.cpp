#include <doctest/doctest.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <thread>
#include <vector>

#include "cxkit/segment/kmeans.hpp"

using cxkit::invalid_input;
using cxkit::segment::KMeansOptions;
using cxkit::segment::KMeansResult;
using cxkit::segment::kmeans;
using cxkit::segment::predict;

namespace {
double u01(std::mt19937_64& g) { return static_cast<double>(g() >> 11) * 0x1.0p-53; }

// n rows around k planted centres, uniform noise of half-width `spread`; truth gets the planted label.
Eigen::MatrixXd planted(const Eigen::MatrixXd& centres, int n, double spread, std::uint64_t seed, std::vector<int>& truth) {
    std::mt19937_64 g(seed);
    Eigen::MatrixXd X(n, centres.cols());
    truth.resize(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
        const int c = i % static_cast<int>(centres.rows());
        truth[static_cast<std::size_t>(i)] = c;
        for (Eigen::Index f = 0; f < X.cols(); ++f) X(i, f) = centres(c, f) + (2 * u01(g) - 1) * spread;
    }
    return X;
}

// Overlapping data, so that iterations, relocations and bounds all matter.
Eigen::MatrixXd noisy(int n, int d, std::uint64_t seed) {
    std::mt19937_64 g(seed);
    Eigen::MatrixXd X(n, d);
    for (int i = 0; i < n; ++i)
        for (int f = 0; f < d; ++f) X(i, f) = (i % 5) * 1.5 * (f % 2 ? 1 : -1) + 4 * u01(g) + (f == 0 ? u01(g) * u01(g) * 6 : 0);
    return X;
}

// labels a and b are the same partition (a bijection between label sets)
bool same_partition(const std::vector<int>& a, const std::vector<int>& b, int k) {
    std::vector<int> ab(static_cast<std::size_t>(k), -1), ba(static_cast<std::size_t>(k), -1);
    for (std::size_t i = 0; i < a.size(); ++i) {
        auto& x = ab[static_cast<std::size_t>(a[i])];
        auto& y = ba[static_cast<std::size_t>(b[i])];
        if ((x != -1 && x != b[i]) || (y != -1 && y != a[i])) return false;
        x = b[i], y = a[i];
    }
    return true;
}

double recomputed_inertia(const Eigen::MatrixXd& X, const KMeansResult& r) {
    double s = 0;
    for (Eigen::Index i = 0; i < X.rows(); ++i) s += (X.row(i) - r.centers.row(r.labels[static_cast<std::size_t>(i)])).squaredNorm();
    return s;
}

// The fixed 60 x 3 matrix of the scikit-learn reference numbers (same formula in the Python script).
Eigen::MatrixXd fixed60() {
    Eigen::MatrixXd X(60, 3);
    for (int i = 0; i < 60; ++i) {
        X(i, 0) = std::sin(i * 1.3) * 5 + (i % 3) * 10;
        X(i, 1) = std::cos(i * 0.7) * 5 + (i % 3) * 3;
        X(i, 2) = static_cast<double>(i * 7 % 11);
    }
    return X;
}
}  // namespace

TEST_CASE("kmeans recovers well-separated planted clusters exactly (Lloyd and Elkan)") {
    Eigen::MatrixXd C(4, 3);
    C << 0, 0, 0, 100, 0, 0, 0, 100, 0, 0, 0, 100;
    std::vector<int> truth;
    const auto X = planted(C, 400, 5.0, 11, truth);
    for (auto algo : {KMeansOptions::lloyd, KMeansOptions::elkan}) {
        KMeansOptions o;
        o.n_clusters = 4;
        o.algorithm = algo;
        o.n_init = 3;
        const auto r = kmeans(X, o);
        CHECK(same_partition(r.labels, truth, 4));
        CHECK(r.n_distinct == 4);
        for (int j = 0; j < 4; ++j) {
            const int planted_label = truth[static_cast<std::size_t>(std::find(r.labels.begin(), r.labels.end(), j) - r.labels.begin())];
            CHECK((r.centers.row(j) - C.row(planted_label)).norm() < 1.0);
        }
        CHECK(predict(r.centers, X) == r.labels);
    }
}

TEST_CASE("kmeans: Lloyd and Elkan give the same labels, centres and iterations") {
    const auto X = noisy(3000, 4, 5);
    for (std::uint64_t seed : {0u, 1u, 2u}) {
        KMeansOptions o;
        o.n_clusters = 7;
        o.seed = seed;
        o.tol = 0;  // run to strict convergence: the longest common trajectory
        const auto lloyd = kmeans(X, o);
        o.algorithm = KMeansOptions::elkan;
        const auto elkan = kmeans(X, o);
        CHECK(lloyd.labels == elkan.labels);
        CHECK(lloyd.n_iter == elkan.n_iter);
        CHECK(lloyd.n_iter > 3);
        CHECK((lloyd.centers - elkan.centers).cwiseAbs().maxCoeff() == 0.0);
        CHECK(lloyd.inertia == elkan.inertia);
    }
}

TEST_CASE("kmeans: identical results for 1 and 2 threads, and for the same seed") {
    const auto X = noisy(5000, 3, 9);  // 20 chunks of 256 rows
    for (auto algo : {KMeansOptions::lloyd, KMeansOptions::elkan}) {
        KMeansOptions o;
        o.n_clusters = 6;
        o.n_init = 2;
        o.algorithm = algo;
        o.seed = 42;
        o.threads = 1;
        const auto one = kmeans(X, o);
        o.threads = 2;
        const auto two = kmeans(X, o);
        o.threads = 3;
        const auto three = kmeans(X, o);
        CHECK(one.labels == two.labels);
        CHECK(one.labels == three.labels);
        CHECK(one.inertia == two.inertia);  // bitwise
        CHECK(one.inertia == three.inertia);
        CHECK((one.centers - two.centers).cwiseAbs().maxCoeff() == 0.0);
        CHECK(one.n_iter == two.n_iter);
        const auto again = kmeans(X, o);
        CHECK(again.labels == three.labels);
    }
}

TEST_CASE("kmeans: inertia is the sum of squared distances to the assigned centres") {
    const auto X = noisy(2000, 5, 3);
    KMeansOptions o;
    o.n_clusters = 5;
    o.max_iter = 4;  // stopped early: labels still match the returned centres
    for (auto algo : {KMeansOptions::lloyd, KMeansOptions::elkan}) {
        o.algorithm = algo;
        const auto r = kmeans(X, o);
        CHECK(r.n_iter <= 4);
        CHECK(r.inertia == doctest::Approx(recomputed_inertia(X, r)).epsilon(1e-12));
        CHECK(predict(r.centers, X) == r.labels);
    }
}

TEST_CASE("kmeans reaches scikit-learn's best inertia on a fixed matrix") {
    // scikit-learn 1.9.1: min over random_state 0..9 of KMeans(k, n_init=10).inertia_ on fixed60()
    const auto X = fixed60();
    KMeansOptions o;
    o.n_init = 10;
    o.n_clusters = 3;
    CHECK(kmeans(X, o).inertia == doctest::Approx(2015.5422468093989).epsilon(1e-9));
    o.n_clusters = 4;
    o.algorithm = KMeansOptions::elkan;
    o.n_init = 40;
    CHECK(kmeans(X, o).inertia == doctest::Approx(1630.0184414179571).epsilon(1e-9));
    o.n_init = 10;  // the criterion with fewer runs: within 0.5% of scikit-learn's best
    CHECK(kmeans(X, o).inertia <= 1630.0184414179571 * 1.005);
}

TEST_CASE("kmeans: duplicate points leave clusters empty, relocated without NaN") {
    Eigen::MatrixXd X(10, 2);
    for (int i = 0; i < 10; ++i) X(i, 0) = i < 7 ? 1.0 : 5.0, X(i, 1) = 0;
    KMeansOptions o;
    o.n_clusters = 4;  // only two distinct points
    for (auto algo : {KMeansOptions::lloyd, KMeansOptions::elkan}) {
        o.algorithm = algo;
        const auto r = kmeans(X, o);
        CHECK(r.centers.allFinite());
        CHECK(r.inertia == 0.0);
        CHECK(r.n_distinct == 2);
    }
}

TEST_CASE("kmeans standardize: constant columns dropped, centres in original units") {
    const auto base = noisy(600, 2, 4);
    Eigen::MatrixXd X(600, 3);
    X.col(0) = base.col(0).array() * 1000.0 + 5.0;  // large units
    X.col(1) = Eigen::VectorXd::Constant(600, 7.5);  // constant: dropped
    X.col(2) = base.col(1) * 0.001;  // small units
    KMeansOptions o;
    o.n_clusters = 3;
    o.standardize = true;
    o.tol = 0;  // strict convergence: the centres are the means of the final labels
    const auto r = kmeans(X, o);
    CHECK(r.dropped_columns == std::vector<int>{1});
    CHECK(r.scale_std(1) == 0.0);
    CHECK((r.centers.col(1).array() == 7.5).all());
    // the same clustering as on the standardised base data
    Eigen::MatrixXd Z(600, 2);
    for (int j = 0; j < 2; ++j) {
        const double m = base.col(j).mean();
        const double s = std::sqrt((base.col(j).array() - m).square().mean());
        Z.col(j) = (base.col(j).array() - m) / s;
    }
    KMeansOptions oz = o;
    oz.standardize = false;
    const auto rz = kmeans(Z, oz);
    CHECK(same_partition(r.labels, rz.labels, 3));
    CHECK(r.inertia == doctest::Approx(rz.inertia).epsilon(1e-9));
    // centres in original units: the mean of each cluster's rows
    for (int j = 0; j < 3; ++j) {
        Eigen::RowVectorXd sum = Eigen::RowVectorXd::Zero(3);
        int cnt = 0;
        for (int i = 0; i < 600; ++i)
            if (r.labels[static_cast<std::size_t>(i)] == j) sum += X.row(i), ++cnt;
        CHECK(((sum / cnt) - r.centers.row(j)).cwiseAbs().maxCoeff() < 1e-9 * (1 + r.centers.row(j).cwiseAbs().maxCoeff()));
    }
    CHECK(predict(r, X) == r.labels);
}

TEST_CASE("kmeans bad input") {
    Eigen::MatrixXd X = Eigen::MatrixXd::Random(20, 3);
    KMeansOptions o;
    o.n_clusters = 3;
    SUBCASE("NaN names the row and the column") {
        X(7, 2) = std::numeric_limits<double>::quiet_NaN();
        X(9, 0) = std::numeric_limits<double>::infinity();
        o.column_names = {"recency", "frequency", "monetary"};
        try {
            kmeans(X, o);
            FAIL("no throw");
        } catch (const invalid_input& e) {
            CHECK(e.row() == 7);
            CHECK(e.column() == "monetary");
            CHECK(std::string(e.what()).find("NaN") != std::string::npos);
        }
    }
    SUBCASE("infinity") {
        X(4, 1) = -std::numeric_limits<double>::infinity();
        try {
            kmeans(X, o);
            FAIL("no throw");
        } catch (const invalid_input& e) {
            CHECK(e.row() == 4);
            CHECK(e.column() == "1");
        }
    }
    SUBCASE("fewer rows than clusters") {
        o.n_clusters = 21;
        CHECK_THROWS_AS(kmeans(X, o), invalid_input);
    }
    SUBCASE("k < 1, max_iter < 1, tol < 0") {
        o.n_clusters = 0;
        CHECK_THROWS_AS(kmeans(X, o), invalid_input);
        o.n_clusters = 2, o.max_iter = 0;
        CHECK_THROWS_AS(kmeans(X, o), invalid_input);
        o.max_iter = 10, o.tol = -1;
        CHECK_THROWS_AS(kmeans(X, o), invalid_input);
    }
    SUBCASE("predict with the wrong number of columns") {
        const auto r = kmeans(X, o);
        CHECK_THROWS_AS(predict(r.centers, Eigen::MatrixXd::Zero(2, 4)), invalid_input);
    }
}

TEST_CASE("kmeans: the run-time picked distance kernel computes the same bits as the portable one") {
    std::mt19937_64 g(9);
    std::uniform_real_distribution<double> u(-50, 50);
    const Eigen::Index n = 1000, d = 11;
    Eigen::MatrixXd X(n, d);
    for (Eigen::Index i = 0; i < n; ++i)
        for (Eigen::Index f = 0; f < d; ++f) X(i, f) = u(g);
    const Eigen::VectorXd c = Eigen::VectorXd::NullaryExpr(d, [&](Eigen::Index) { return u(g); });
    for (Eigen::Index s : {Eigen::Index{0}, Eigen::Index{3}, Eigen::Index{700}})
        for (Eigen::Index L : {Eigen::Index{1}, Eigen::Index{31}, Eigen::Index{256}, Eigen::Index{300}}) {
            Eigen::VectorXd a(L), b(L);
            cxkit::segment::detail::sq_dist_block(X.data(), n, d, s, L, c.data(), a.data());
            cxkit::segment::detail::sq_dist_block_generic(X.data(), n, d, s, L, c.data(), b.data());
            CHECK((a.array() == b.array()).all());
            CHECK(a(L - 1) == doctest::Approx((X.row(s + L - 1).transpose() - c).squaredNorm()).epsilon(1e-12));
        }
}

TEST_CASE("kmeans: the generator is numpy's legacy RandomState") {
    using cxkit::segment::detail::LegacyRandomState;
    // numpy 2.4: RandomState(0).random_sample() twice; RandomState(2**32 - 1).random_sample()
    LegacyRandomState a(0);
    CHECK(a.random_sample() == 0.5488135039273248);
    CHECK(a.random_sample() == 0.7151893663724195);
    LegacyRandomState b(4294967295u);
    CHECK(b.random_sample() == 0.0976320289940138);
    // RandomState(7).choice(n, p=np.ones(n) / n), twice
    LegacyRandomState c(7);
    CHECK(c.choice_uniform_p(10) == 0);
    CHECK(c.choice_uniform_p(10) == 7);
    LegacyRandomState e(7);
    CHECK(e.choice_uniform_p(1000003) == 76308);
    CHECK(e.choice_uniform_p(1000003) == 779921);
}

TEST_CASE("kmeans: seeds beyond numpy's RandomState range are rejected") {
    const auto X = noisy(100, 2, 1);
    KMeansOptions o;
    o.n_clusters = 3;
    o.seed = 4294967295u;
    CHECK_NOTHROW(kmeans(X, o));
    o.seed = 4294967296u;
    CHECK_THROWS_AS(kmeans(X, o), invalid_input);
}

TEST_CASE("kmeans: the run-time picked assignment kernel gives the portable kernel's labels, = argmin of sq_dist") {
    std::mt19937_64 g(4);
    std::uniform_real_distribution<double> u(-5, 5);
    const Eigen::Index n = 700, d = 7, k = 9;
    Eigen::MatrixXd X(n, d), CT(d, k);
    for (Eigen::Index i = 0; i < n; ++i)
        for (Eigen::Index f = 0; f < d; ++f) X(i, f) = u(g);
    for (Eigen::Index j = 0; j < k; ++j)
        for (Eigen::Index f = 0; f < d; ++f) CT(f, j) = u(g);
    CT.col(5) = CT.col(2);  // an exact tie: the lower index wins
    namespace dt = cxkit::segment::detail;
    for (Eigen::Index s : {Eigen::Index{0}, Eigen::Index{5}})
        for (Eigen::Index L : {Eigen::Index{1}, Eigen::Index{17}, Eigen::Index{256}, Eigen::Index{695}}) {
            std::vector<int> a(static_cast<std::size_t>(L)), b(a.size()), want(a.size());
            dt::assign_block(X.data(), n, d, s, L, CT.data(), k, a.data());
            dt::assign_block_generic(X.data(), n, d, s, L, CT.data(), k, b.data());
            Eigen::MatrixXd dist(L, k);
            for (Eigen::Index j = 0; j < k; ++j) dt::sq_dist_block(X.data(), n, d, s, L, CT.col(j).data(), dist.col(j).data());
            for (Eigen::Index i = 0; i < L; ++i) dist.row(i).minCoeff(&want[static_cast<std::size_t>(i)]);
            CHECK(a == want);
            CHECK(b == want);
        }
}

TEST_CASE("kmeans: from_row_major copies a C-order array into the column-major matrix") {
    const Eigen::Index n = 1000, d = 3;
    std::vector<double> a(static_cast<std::size_t>(n * d));
    for (std::size_t i = 0; i < a.size(); ++i) a[i] = static_cast<double>(i) * 0.5;
    for (unsigned threads : {1u, 2u, 3u}) {
        const Eigen::MatrixXd M = cxkit::segment::from_row_major(a.data(), n, d, threads);
        const Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>> want(a.data(), n, d);
        CHECK(M == want);
    }
}

TEST_CASE("kmeans: stops with core::cancelled when the thread's interrupt check asks (Ctrl-C in Python)") {
    const auto X = noisy(20000, 4, 3);
    KMeansOptions o;
    o.n_clusters = 8;
    o.seed = 1;
    for (auto algo : {KMeansOptions::lloyd, KMeansOptions::elkan}) {
        o.algorithm = algo;
        for (unsigned threads : {1u, 2u}) {
            o.threads = threads;
            cxkit::core::interrupt_scope stop([](void*) { return false; }, nullptr);
            std::this_thread::sleep_for(std::chrono::milliseconds(25));  // the check is asked at most every 20 ms
            CHECK_THROWS_AS((void)kmeans(X, o), cxkit::core::cancelled);
        }
    }
    // no check installed: runs to the end
    CHECK(kmeans(X, o).labels.size() == 20000);
}

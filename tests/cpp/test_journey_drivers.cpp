// Driver importance: relative weights sum to R^2 and match Johnson's formula computed independently here;
// Shapley R^2 equals brute force over all orderings of OLS fits.
#include <doctest/doctest.h>

#include <Eigen/Dense>

#include <algorithm>
#include <numeric>
#include <random>
#include <vector>

#include "cxkit/journey/drivers.hpp"

using namespace cxkit;
using namespace cxkit::journey;

namespace {

void make_data(Eigen::MatrixXd& X, Eigen::VectorXd& y, int n, int p, unsigned seed) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> z;
    X.resize(n, p);
    y.resize(n);
    for (int i = 0; i < n; ++i) {
        const double common = z(rng);
        for (int j = 0; j < p; ++j) X(i, j) = 0.5 * common + z(rng);
        y(i) = 0.3 * common + z(rng);
        for (int j = 0; j < p; ++j) y(i) += (j + 1) * 0.2 * X(i, j) * (j % 2 ? -1 : 1);
    }
}

// R^2 of the OLS fit of y on the columns in `cols` (with an intercept), by least squares.
double ols_r2(const Eigen::MatrixXd& X, const Eigen::VectorXd& y, const std::vector<int>& cols) {
    const Eigen::Index n = X.rows();
    Eigen::MatrixXd A(n, static_cast<Eigen::Index>(cols.size()) + 1);
    A.col(0).setOnes();
    for (std::size_t j = 0; j < cols.size(); ++j) A.col(static_cast<Eigen::Index>(j) + 1) = X.col(cols[j]);
    const Eigen::VectorXd beta = A.colPivHouseholderQr().solve(y);
    const Eigen::VectorXd res = y - A * beta;
    const double ss_tot = (y.array() - y.mean()).square().sum();
    return 1.0 - res.squaredNorm() / ss_tot;
}

}  // namespace

TEST_CASE("relative weights sum to the full model's R^2") {
    Eigen::MatrixXd X;
    Eigen::VectorXd y;
    make_data(X, y, 2000, 5, 3);
    const DriverImportance d = relative_weights(X, y);
    std::vector<int> all(5);
    std::iota(all.begin(), all.end(), 0);
    const double r2 = ols_r2(X, y, all);
    CHECK(d.r_squared == doctest::Approx(r2).epsilon(1e-9));
    CHECK(std::accumulate(d.weights.begin(), d.weights.end(), 0.0) == doctest::Approx(r2).epsilon(1e-9));
    CHECK(d.signs[1] == -1.0);
    CHECK(d.signs[0] == 1.0);
}

TEST_CASE("relative weights of uncorrelated drivers are their squared correlations") {
    // Orthogonal, standardised drivers: Lambda = I, so eps_j = r_jy^2.
    Eigen::MatrixXd X(8, 2);
    X << 1, 1, 1, -1, -1, 1, -1, -1, 1, 1, 1, -1, -1, 1, -1, -1;
    Eigen::VectorXd y(8);
    y << 3, 1, 0, -2, 2, 1, -1, -1;
    const DriverImportance d = relative_weights(X, y);
    const Eigen::VectorXd yc = y.array() - y.mean();
    for (int j = 0; j < 2; ++j) {
        const Eigen::VectorXd xc = X.col(j).array() - X.col(j).mean();
        const double r = xc.dot(yc) / std::sqrt(xc.squaredNorm() * yc.squaredNorm());
        CHECK(d.weights[static_cast<std::size_t>(j)] == doctest::Approx(r * r).epsilon(1e-12));
    }
}

TEST_CASE("Shapley R^2 equals brute force over all orderings of OLS fits") {
    Eigen::MatrixXd X;
    Eigen::VectorXd y;
    make_data(X, y, 500, 4, 11);
    const DriverImportance d = shapley_r_squared(X, y);
    std::vector<int> order{0, 1, 2, 3};
    std::vector<double> phi(4, 0.0);
    int perms = 0;
    do {
        std::vector<int> in;
        double prev = 0;
        for (int j : order) {
            in.push_back(j);
            std::vector<int> sorted = in;
            std::sort(sorted.begin(), sorted.end());
            const double now = ols_r2(X, y, sorted);
            phi[static_cast<std::size_t>(j)] += now - prev;
            prev = now;
        }
        ++perms;
    } while (std::next_permutation(order.begin(), order.end()));
    for (int j = 0; j < 4; ++j) CHECK(d.weights[static_cast<std::size_t>(j)] == doctest::Approx(phi[static_cast<std::size_t>(j)] / perms).epsilon(1e-9));
    CHECK(d.r_squared == doctest::Approx(ols_r2(X, y, {0, 1, 2, 3})).epsilon(1e-9));
}

TEST_CASE("driver analysis refuses bad input") {
    Eigen::MatrixXd X(3, 2);
    X << 1, 2, 3, 4, 5, 7;
    Eigen::VectorXd y(3);
    y << 1, 2, 3;
    CHECK_THROWS_WITH_AS(relative_weights(X, y), doctest::Contains("more rows than drivers"), invalid_input);
    Eigen::MatrixXd C(6, 2);
    C << 1, 2, 2, 4, 3, 6, 4, 8, 5, 10, 6, 12;  // second column = 2 x first
    Eigen::VectorXd yc(6);
    yc << 1, 3, 2, 5, 4, 6;
    CHECK_THROWS_WITH_AS(relative_weights(C, yc), doctest::Contains("collinear"), invalid_input);
    CHECK_THROWS_WITH_AS(shapley_r_squared(C, yc), doctest::Contains("collinear"), invalid_input);
    Eigen::MatrixXd K(6, 2);
    K << 1, 5, 2, 5, 3, 5, 4, 5, 5, 5, 6, 5;
    CHECK_THROWS_WITH_AS(relative_weights(K, yc), doctest::Contains("constant"), invalid_input);
    Eigen::MatrixXd big = Eigen::MatrixXd::Random(100, 16);
    Eigen::VectorXd yb = Eigen::VectorXd::Random(100);
    CHECK_THROWS_WITH_AS(shapley_r_squared(big, yb), doctest::Contains("exact up to 15"), invalid_input);
    Eigen::MatrixXd N = Eigen::MatrixXd::Random(10, 2);
    N(4, 1) = std::nan("");
    CHECK_THROWS_WITH_AS(relative_weights(N, Eigen::VectorXd::Random(10)), doctest::Contains("row 4"), invalid_input);
}

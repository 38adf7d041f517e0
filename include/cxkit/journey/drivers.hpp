#pragma once
// Driver analysis ("moments of truth"): how much of an outcome's explained variance each driver carries.
//  - Johnson's relative weights: R_xx = V L V^T, Lambda = V L^1/2 V^T, beta* = Lambda^-1 r_xy,
//    eps_j = sum_k Lambda_jk^2 beta*_k^2; the weights sum to R^2.
//  - Shapley / LMG: R^2 averaged over all orderings of the drivers, from the R^2 of all 2^p subsets computed on
//    the correlation matrix (exact up to 15 drivers).
#include <Eigen/Dense>

#include <bit>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "cxkit/core/error.hpp"
#include "cxkit/core/parallel.hpp"

namespace cxkit::journey {

struct DriverImportance {
    std::vector<double> weights;  // share of R^2 carried by each driver (sums to r_squared)
    std::vector<double> signs;    // sign of each driver's correlation with the outcome
    double r_squared = 0;
};

inline constexpr std::size_t lmg_exact_limit = 15;

namespace detail {
// Correlations of the columns of X with each other and with y, after validating the input. X is read in place
// (any storage order); the cross-products are accumulated per block of rows through core::parallel_for (about
// 1 Gflop for 1M rows x 30 drivers) and summed in block order, so the result does not depend on the thread count.
template <class MatX>
void driver_correlations(const MatX& X, const Eigen::Ref<const Eigen::VectorXd>& y, Eigen::MatrixXd& rxx,
                         Eigen::VectorXd& rxy) {
    const Eigen::Index n = X.rows(), p = X.cols();
    if (y.size() != n) throw invalid_input("y", invalid_input::no_row, "has a different number of rows than X");
    if (p == 0) throw invalid_input("X", invalid_input::no_row, "no drivers");
    if (n <= p + 1)
        throw invalid_input("X", invalid_input::no_row,
                            "needs more rows than drivers + 1 (" + std::to_string(n) + " rows, " + std::to_string(p) + " drivers)");
    for (Eigen::Index i = 0; i < n; ++i) {
        if (!std::isfinite(y(i))) throw invalid_input("y", i, "must be finite");
        for (Eigen::Index j = 0; j < p; ++j)
            if (!std::isfinite(X(i, j))) throw invalid_input("X column " + std::to_string(j), i, "must be finite");
    }
    // Means first, then centred cross-products per block (numerically stable, no n x p copy).
    Eigen::RowVectorXd mean(p + 1);
    mean.head(p) = X.colwise().mean();
    mean(p) = y.mean();
    constexpr Eigen::Index block = 8192;
    const Eigen::Index n_blocks = (n + block - 1) / block;
    std::vector<Eigen::MatrixXd> partial(static_cast<std::size_t>(n_blocks));
    auto work = [&](Eigen::Index b0, Eigen::Index b1) {
        Eigen::MatrixXd Z(block, p + 1);
        for (Eigen::Index b = b0; b < b1; ++b) {
            const Eigen::Index r0 = b * block, rows = std::min(block, n - r0);
            Z.topRows(rows).leftCols(p) = X.middleRows(r0, rows);
            Z.topRows(rows).col(p) = y.segment(r0, rows);
            Z.topRows(rows).rowwise() -= mean;
            partial[static_cast<std::size_t>(b)] = Z.topRows(rows).transpose() * Z.topRows(rows);
        }
    };
    core::parallel_for(static_cast<std::size_t>(n_blocks), 1, 0, [&](std::size_t b0, std::size_t b1) {
        work(static_cast<Eigen::Index>(b0), static_cast<Eigen::Index>(b1));
    });
    Eigen::MatrixXd cross = Eigen::MatrixXd::Zero(p + 1, p + 1);
    for (auto& m : partial) cross += m;
    if (!cross.allFinite() || !mean.allFinite())  // finite inputs whose sums or squares overflow a double
        throw invalid_input("X", invalid_input::no_row,
                            "values too large: their sums of squares overflow a double (rescale the drivers and y)");
    const Eigen::MatrixXd cov = cross / static_cast<double>(n - 1);
    const Eigen::VectorXd sd = cov.diagonal().cwiseSqrt();
    for (Eigen::Index j = 0; j <= p; ++j)
        if (!(sd(j) > 1e-12 * std::max(1.0, std::abs(mean(j)))))
            throw invalid_input(j == p ? std::string("y") : "X column " + std::to_string(j), invalid_input::no_row,
                                "is constant: it has no variance to explain or to explain with");
    const Eigen::MatrixXd corr = sd.cwiseInverse().asDiagonal() * cov * sd.cwiseInverse().asDiagonal();
    rxx = corr.topLeftCorner(p, p);
    rxy = corr.col(p).head(p);
}
}  // namespace detail

template <class MatX>
DriverImportance relative_weights(const MatX& X, const Eigen::Ref<const Eigen::VectorXd>& y) {
    Eigen::MatrixXd rxx;
    Eigen::VectorXd rxy;
    detail::driver_correlations(X, y, rxx, rxy);
    const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(rxx);
    const Eigen::VectorXd ev = es.eigenvalues();
    if (ev.minCoeff() <= 1e-12 * ev.maxCoeff())
        throw invalid_input("X", invalid_input::no_row, "drivers are collinear (their correlation matrix is singular)");
    const Eigen::MatrixXd& V = es.eigenvectors();
    const Eigen::MatrixXd lambda = V * ev.cwiseSqrt().asDiagonal() * V.transpose();
    const Eigen::VectorXd beta = lambda.ldlt().solve(rxy);
    const Eigen::VectorXd eps = lambda.cwiseAbs2() * beta.cwiseAbs2();
    DriverImportance d;
    d.weights.assign(eps.data(), eps.data() + eps.size());
    d.r_squared = eps.sum();
    for (Eigen::Index j = 0; j < rxy.size(); ++j) d.signs.push_back(rxy(j) >= 0 ? 1.0 : -1.0);
    return d;
}

namespace detail {
// R^2 of the regression of y on the drivers in `mask`, from the correlation matrix.
template <class = void>  // a template so that only callers pay for compiling it (Eigen code)
double r_squared_of_subset(const Eigen::MatrixXd& rxx, const Eigen::VectorXd& rxy, std::uint64_t mask) {
    const int k = std::popcount(mask);
    if (k == 0) return 0.0;
    Eigen::MatrixXd A(k, k);
    Eigen::VectorXd r(k);
    std::vector<Eigen::Index> idx;
    for (Eigen::Index j = 0; j < rxy.size(); ++j)
        if (mask & (std::uint64_t{1} << j)) idx.push_back(j);
    for (int a = 0; a < k; ++a) {
        r(a) = rxy(idx[static_cast<std::size_t>(a)]);
        for (int b = 0; b < k; ++b) A(a, b) = rxx(idx[static_cast<std::size_t>(a)], idx[static_cast<std::size_t>(b)]);
    }
    return r.dot(A.ldlt().solve(r));
}
}  // namespace detail

template <class MatX>
DriverImportance shapley_r_squared(const MatX& X, const Eigen::Ref<const Eigen::VectorXd>& y) {
    Eigen::MatrixXd rxx;
    Eigen::VectorXd rxy;
    detail::driver_correlations(X, y, rxx, rxy);
    const auto p = static_cast<std::size_t>(rxy.size());
    if (p > lmg_exact_limit)
        throw invalid_input("X", invalid_input::no_row,
                            "Shapley R^2 is exact up to " + std::to_string(lmg_exact_limit) + " drivers; use relative weights");
    const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(rxx, Eigen::EigenvaluesOnly);
    if (es.eigenvalues().minCoeff() <= 1e-12 * es.eigenvalues().maxCoeff())
        throw invalid_input("X", invalid_input::no_row, "drivers are collinear (their correlation matrix is singular)");
    const std::size_t full = std::size_t{1} << p;
    std::vector<double> r2(full);
    for (std::size_t S = 0; S < full; ++S) r2[S] = detail::r_squared_of_subset(rxx, rxy, S);
    std::vector<double> w(p + 1);
    for (std::size_t s = 1; s <= p; ++s)
        w[s] = std::exp(std::lgamma(static_cast<double>(s)) + std::lgamma(static_cast<double>(p - s + 1)) -
                        std::lgamma(static_cast<double>(p + 1)));
    DriverImportance d;
    d.weights.assign(p, 0.0);
    for (std::size_t S = 1; S < full; ++S)
        for (std::size_t i = 0; i < p; ++i)
            if (S & (std::size_t{1} << i)) d.weights[i] += w[static_cast<std::size_t>(std::popcount(S))] * (r2[S] - r2[S ^ (std::size_t{1} << i)]);
    d.r_squared = r2[full - 1];
    for (std::size_t j = 0; j < p; ++j) d.signs.push_back(rxy(static_cast<Eigen::Index>(j)) >= 0 ? 1.0 : -1.0);
    return d;
}

}  // namespace cxkit::journey

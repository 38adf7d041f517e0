#pragma once
// RowIndex: the distinct values behind the unique (x, t_x, T) rows of an RfmData, built once per fit.
//
// A likelihood evaluation needs terms that depend on the parameters and on x only (lgamma(r + x), ...) or on one
// time only (ln(alpha + t)). CDNOW has ~1,000 unique rows but 23 distinct x and ~340 distinct times, so computing
// those terms once per distinct value, then looking them up per row, removes most of the transcendental calls of
// an evaluation. For data with (almost) all-distinct continuous times (large simulations) the time table would
// not pay for its sort: it is then left empty and the models compute the logs per row.
//
// GammaRatio gives lgamma(c + x) - lgamma(c) and digamma(c + x) - digamma(c) for ascending whole x as the finite
// sums of ln(c + j) and 1 / (c + j), j < x, extended from the previous x (Boost.Math for long gaps).
#include <boost/math/special_functions/digamma.hpp>
#include <boost/math/special_functions/gamma.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "cxkit/clv/rfm.hpp"

namespace cxkit::clv::detail {

struct RowIndex {
    std::vector<double> xs;               // distinct x, ascending (RfmData rows are sorted by x)
    std::vector<std::uint32_t> ix;        // row -> position in xs
    std::vector<double> times;            // distinct values of t_x and T, ascending; empty = no time table
    std::vector<std::uint32_t> it_x, iT;  // row -> position in times (when times is not empty)
    // Optional (with_xT): the distinct (x, T) pairs, as (position in xs, position in times), and row -> pair. The
    // Pareto/NBD's T-series depends on x and T only: CDNOW's 1,016 rows have 464 such pairs.
    std::vector<std::uint32_t> pair_x, pair_T, ixT;

    bool has_times() const noexcept { return !times.empty(); }
    bool has_pairs() const noexcept { return !ixT.empty(); }

    RowIndex() = default;
    explicit RowIndex(const RfmData& d, std::size_t max_rows_for_times = std::size_t{1} << 18, bool with_xT = false) {
        const std::size_t n = d.size();
        ix.resize(n);
        for (std::size_t i = 0; i < n; ++i) {
            if (i == 0 || d.x[i] != d.x[i - 1]) xs.push_back(d.x[i]);
            ix[i] = static_cast<std::uint32_t>(xs.size() - 1);
        }
        if (n == 0 || n > max_rows_for_times) return;
        // (value, 2 row + which) sorted by value: one pass then gives the distinct times and every row's positions
        // (no binary search per row).
        std::vector<std::pair<double, std::uint32_t>> v(2 * n);
        for (std::size_t i = 0; i < n; ++i) {
            v[2 * i] = {d.t_x[i], static_cast<std::uint32_t>(2 * i)};
            v[2 * i + 1] = {d.T[i], static_cast<std::uint32_t>(2 * i + 1)};
        }
        std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
        std::vector<std::uint32_t> pos(2 * n);
        std::vector<double> u;
        u.reserve(n + 1);
        for (const auto& [t, k] : v) {
            if (u.empty() || t != u.back()) {
                if (u.size() == n) return;  // more than n distinct: fewer than half the per-row logs saved
                u.push_back(t);
            }
            pos[k] = static_cast<std::uint32_t>(u.size() - 1);
        }
        times = std::move(u);
        it_x.resize(n);
        iT.resize(n);
        for (std::size_t i = 0; i < n; ++i) {
            it_x[i] = pos[2 * i];
            iT[i] = pos[2 * i + 1];
        }
        if (!with_xT) return;
        if (n >= (std::size_t{1} << 20)) return;  // the packed keys below hold 20 bits per field
        std::vector<std::uint64_t> key(n);  // (x position, T position, row), 20 bits each
        for (std::size_t i = 0; i < n; ++i) key[i] = (std::uint64_t{ix[i]} << 40) | (std::uint64_t{iT[i]} << 20) | i;
        std::sort(key.begin(), key.end());
        ixT.resize(n);
        for (std::size_t j = 0; j < n; ++j) {
            const std::uint64_t k = key[j] >> 20;
            if (j == 0 || k != key[j - 1] >> 20) {
                pair_x.push_back(static_cast<std::uint32_t>(k >> 20));
                pair_T.push_back(static_cast<std::uint32_t>(k & 0xFFFFF));
            }
            ixT[key[j] & 0xFFFFF] = static_cast<std::uint32_t>(pair_x.size() - 1);
        }
    }
};

// lgamma(c + x) - lgamma(c) (lg) and, when wanted, digamma(c + x) - digamma(c) (dg), for x advanced in ascending
// order. Whole steps of up to 32 extend the finite sums; longer or fractional steps call Boost.Math.
struct GammaRatio {
    double c;
    bool want;
    double x = 0, lg = 0, dg = 0;

    GammaRatio(double c_, bool want_) : c(c_), want(want_) {}

    void advance_to(double nx) {
        if (nx == x) return;
        if (nx < x || nx - x > 32 || nx != std::floor(nx) || x != std::floor(x)) {
            lg = boost::math::lgamma(c + nx) - boost::math::lgamma(c);
            if (want) dg = boost::math::digamma(c + nx) - boost::math::digamma(c);
            x = nx;
            return;
        }
        for (; x < nx; x += 1) {
            lg += std::log(c + x);
            if (want) dg += 1.0 / (c + x);
        }
    }
};

}  // namespace cxkit::clv::detail

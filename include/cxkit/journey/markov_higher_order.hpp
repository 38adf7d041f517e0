#pragma once
// Markov-chain attribution of order k = 2..4, exact, on k-tuple states (ChannelAttribution's convention).
//
// A path's states are the sliding windows of k consecutive touches of the path as given (a > a > b > c with
// k = 2: (a,a), (a,b), (b,c)); a path shorter than k is one state, the whole path. Consecutive identical states
// collapse. Transition probabilities are estimated from the paths as in first order, with (start),
// (conversion) and (null). Removing a channel removes every state that contains it (transitions into those
// states go to (null)); RE_c = 1 - P(conversion without c) / P(conversion). ChannelAttribution estimates the
// same removal effects by simulation; here each is an exact solve of the absorbing chain restricted to the
// states without c. The number of states grows as channels^k, so the chain is kept sparse throughout.
//
// Two exact solvers. Up to `lu_max_states` states: a sparse LU (Eigen::SparseLU). Beyond, k-tuple chains are
// expander-like and LU fills in (order 4 on 10 channels: ~6 s per factorisation), so Gauss-Seidel sweeps of
// x = r + Q x from x = 0 run instead, next to the same sweeps of y = Q y from y = 1. x only grows toward the
// answer, and the gap is at most y (the chance of a journey still being in the chain), so sweeps stop when
// y(start) < 1e-15: the error of P(conversion) is bounded, not estimated. If a chain keeps journeys too long
// for that within the sweep budget, the LU takes over.
#include <Eigen/Sparse>
#include <Eigen/SparseLU>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <exception>
#include <string>
#include <unordered_map>
#include <vector>

#include "cxkit/core/error.hpp"
#include "cxkit/core/parallel.hpp"
#include "cxkit/journey/markov_attribution.hpp"
#include "cxkit/journey/paths.hpp"

namespace cxkit::journey {

inline constexpr int markov_max_order = 4;

namespace detail {

// A k-tuple of channel codes packed into 64 bits, 16 bits per touch (code + 1, so a shorter tuple differs
// from any longer one). Channel codes must be below 65535.
inline std::uint64_t pack_tuple(const std::int32_t* s, std::size_t n) {
    std::uint64_t key = 0;
    for (std::size_t j = 0; j < n; ++j) key = (key << 16) | static_cast<std::uint64_t>(s[j] + 1);
    return key;
}

// P(conversion from (start)) of the absorbing chain restricted to the transient states with keep[i] true
// (state 0, the start, always kept): solve (I - Q_kk) x = r_k with a sparse LU.
template <class = void>  // a template so that only callers pay for compiling it (Eigen code)
double restricted_conversion_probability_lu(const Eigen::SparseMatrix<double, Eigen::RowMajor>& Q,
                                                   const Eigen::VectorXd& r, const std::vector<char>& keep) {
    const auto m = static_cast<Eigen::Index>(keep.size());
    std::vector<Eigen::Index> index(keep.size(), -1);
    Eigen::Index n = 0;
    for (Eigen::Index i = 0; i < m; ++i)
        if (keep[static_cast<std::size_t>(i)]) index[static_cast<std::size_t>(i)] = n++;
    std::vector<Eigen::Triplet<double>> t;
    t.reserve(static_cast<std::size_t>(Q.nonZeros() + n));
    Eigen::VectorXd rk(n);
    for (Eigen::Index i = 0; i < m; ++i) {
        const auto ii = index[static_cast<std::size_t>(i)];
        if (ii < 0) continue;
        rk(ii) = r(i);
        t.emplace_back(ii, ii, 1.0);
        for (Eigen::SparseMatrix<double, Eigen::RowMajor>::InnerIterator it(Q, i); it; ++it) {
            const auto jj = index[static_cast<std::size_t>(it.col())];
            if (jj >= 0) t.emplace_back(ii, jj, -it.value());
        }
    }
    Eigen::SparseMatrix<double> A(n, n);
    A.setFromTriplets(t.begin(), t.end());  // duplicates (a self-loop next to the identity) are summed
    Eigen::SparseLU<Eigen::SparseMatrix<double>> lu;
    lu.compute(A);
    if (lu.info() != Eigen::Success)
        throw invalid_input("paths", invalid_input::no_row, "the absorbing chain is singular (a set of states is never left)");
    const Eigen::VectorXd x = lu.solve(rk);
    return x(0);
}

// The same by bounded Gauss-Seidel sweeps (see the top of the file); false if the bound is not reached within
// `max_sweeps`.
template <class = void>  // a template so that only callers pay for compiling it (Eigen code)
bool restricted_conversion_probability_sweeps(const Eigen::SparseMatrix<double, Eigen::RowMajor>& Q,
                                                     const Eigen::VectorXd& r, const std::vector<char>& keep,
                                                     std::size_t max_sweeps, double& p,
                                                     const std::atomic<bool>* abort = nullptr) {
    const auto m = static_cast<Eigen::Index>(keep.size());
    std::vector<double> x(keep.size(), 0.0), y(keep.size());
    for (std::size_t i = 0; i < keep.size(); ++i) y[i] = keep[i] ? 1.0 : 0.0;
    const double* val = Q.valuePtr();
    const auto* col = Q.innerIndexPtr();
    const auto* row = Q.outerIndexPtr();
    for (std::size_t sweep = 0; sweep < max_sweeps; ++sweep) {
        core::check_interrupt();  // a no-op off the thread that installed the check...
        if (abort && abort->load(std::memory_order_relaxed)) throw core::cancelled{};  // ...which tells the others
        // In place, in state order (roughly the order journeys visit them), so later states see this sweep's
        // values; removed states stay 0 in both vectors.
        for (Eigen::Index i = 0; i < m; ++i) {
            if (!keep[static_cast<std::size_t>(i)]) continue;
            double xi = r(i), yi = 0;
            for (auto q = row[i]; q < row[i + 1]; ++q) {
                xi += val[q] * x[static_cast<std::size_t>(col[q])];
                yi += val[q] * y[static_cast<std::size_t>(col[q])];
            }
            x[static_cast<std::size_t>(i)] = xi;
            y[static_cast<std::size_t>(i)] = yi;
        }
        if (y[0] < 1e-15) {
            p = x[0];
            return true;
        }
    }
    return false;
}

template <class = void>  // a template so that only callers pay for compiling it (Eigen code)
double restricted_conversion_probability(const Eigen::SparseMatrix<double, Eigen::RowMajor>& Q,
                                                const Eigen::VectorXd& r, const std::vector<char>& keep,
                                                std::size_t lu_max_states, const std::atomic<bool>* abort = nullptr) {
    if (keep.size() > lu_max_states) {
        // Budget: about 2e8 multiply-adds per solve before handing over to the LU.
        const std::size_t budget = std::max<std::size_t>(200, static_cast<std::size_t>(2e8 / static_cast<double>(Q.nonZeros() + 1)));
        double p = 0;
        if (restricted_conversion_probability_sweeps(Q, r, keep, budget, p, abort)) return p;
    }
    return restricted_conversion_probability_lu(Q, r, keep);
}

}  // namespace detail

// Markov attribution of any order 1..4; order 1 is the dense single-factorisation solve of markov_attribution.
// For order > 1, `transition` stays empty and `sparse_transition` holds the chain over `state_names`
// ((start), the k-tuple states named "a > b", (conversion), (null)). Chains of up to `lu_max_states` transient
// states are solved by sparse LU, larger ones by bounded sweeps (both exact; the parameter is for tests).
template <class = void>  // a template so that only callers pay for compiling it (Eigen code)
MarkovAttribution markov_attribution(const Paths& p, int order, std::size_t lu_max_states = 1000) {
    if (order < 1 || order > markov_max_order)
        throw invalid_input("order", invalid_input::no_row, "Markov order must be 1 to " + std::to_string(markov_max_order) +
                                                                ", got " + std::to_string(order));
    if (order == 1) return markov_attribution(p);
    const std::size_t k = p.states.size();
    if (p.size() == 0 || k == 0) throw invalid_input("paths", invalid_input::no_row, "no paths to attribute");
    if (k >= 65535) throw invalid_input("paths", invalid_input::no_row, "higher-order Markov supports at most 65,534 channels");
    p.check_totals();
    const double total_conv = p.total_conversions();
    if (!(total_conv > 0)) throw invalid_input("conversions", invalid_input::no_row, "no conversions overall: nothing to attribute");

    const auto K = static_cast<std::size_t>(order);
    // Transient states: 0 = (start), then the tuples in order of first appearance.
    std::unordered_map<std::uint64_t, std::int32_t> state_of;
    std::vector<std::uint64_t> tuples{0};
    std::vector<Eigen::Triplet<double>> moves;
    std::vector<double> to_conv{0.0}, to_null{0.0};
    moves.reserve(p.codes.size());
    for (std::size_t i = 0; i < p.size(); ++i) {
        const double w = p.conversions[i] + p.nulls[i];
        if (w == 0) continue;
        const std::int32_t* s = p.begin(i);
        const std::size_t n = p.length(i), windows = n <= K ? 1 : n - K + 1, len = n <= K ? n : K;
        std::int32_t from = 0;
        for (std::size_t j = 0; j < windows; ++j) {
            const std::uint64_t key = detail::pack_tuple(s + j, len);
            auto [it, added] = state_of.try_emplace(key, static_cast<std::int32_t>(tuples.size()));
            if (added) {
                tuples.push_back(key);
                to_conv.push_back(0.0);
                to_null.push_back(0.0);
            }
            if (it->second == from) continue;  // consecutive identical states collapse
            moves.emplace_back(from, it->second, w);
            from = it->second;
        }
        to_conv[static_cast<std::size_t>(from)] += p.conversions[i];
        to_null[static_cast<std::size_t>(from)] += p.nulls[i];
    }
    const auto m = static_cast<Eigen::Index>(tuples.size());
    Eigen::SparseMatrix<double, Eigen::RowMajor> Q(m, m);
    Q.setFromTriplets(moves.begin(), moves.end());  // sums the counts of repeated transitions
    moves = {};
    Eigen::VectorXd r(m), lost(m);
    for (Eigen::Index i = 0; i < m; ++i) {
        const double out = Q.row(i).sum() + to_conv[static_cast<std::size_t>(i)] + to_null[static_cast<std::size_t>(i)];
        if (out > 0) {
            for (Eigen::SparseMatrix<double, Eigen::RowMajor>::InnerIterator it(Q, i); it; ++it) it.valueRef() /= out;
            r(i) = to_conv[static_cast<std::size_t>(i)] / out;
            lost(i) = to_null[static_cast<std::size_t>(i)] / out;
        } else {  // never left: treat as lost (cannot happen with positive weights, kept for safety)
            r(i) = 0;
            lost(i) = 1;
        }
    }

    MarkovAttribution out;
    out.order = order;
    out.channels = p.states;
    out.state_names.reserve(static_cast<std::size_t>(m) + 2);
    out.state_names.push_back("(start)");
    std::vector<std::vector<std::int32_t>> members(static_cast<std::size_t>(m));  // channels of each tuple
    for (Eigen::Index i = 1; i < m; ++i) {
        std::uint64_t key = tuples[static_cast<std::size_t>(i)];
        std::vector<std::int32_t>& mem = members[static_cast<std::size_t>(i)];
        while (key) {
            mem.insert(mem.begin(), static_cast<std::int32_t>(key & 0xffff) - 1);
            key >>= 16;
        }
        std::string name;
        for (std::size_t j = 0; j < mem.size(); ++j) name += (j ? " > " : "") + p.states[static_cast<std::size_t>(mem[j])];
        out.state_names.push_back(std::move(name));
    }
    out.state_names.push_back("(conversion)");
    out.state_names.push_back("(null)");
    out.sparse_transition = detail::absorbing_transition(Q, r, lost);

    const double base =
        detail::restricted_conversion_probability(Q, r, std::vector<char>(static_cast<std::size_t>(m), 1), lu_max_states);
    out.conversion_probability = base;
    // The removal solves are independent: one channel per chunk through the parallel primitive (each writes its
    // own entry, so the result does not depend on the thread count; Ctrl-C is checked between channels).
    out.removal_effects.assign(k, 0.0);
    std::atomic<bool> abort{false};  // set when a solve fails or is interrupted: the other threads stop sweeping
    if (base > 0)
        core::parallel_for(k, 1, 0, [&](std::size_t c0, std::size_t c1) {
            try {
                std::vector<char> keep(static_cast<std::size_t>(m));
                for (std::size_t c = c0; c < c1; ++c) {
                    bool any = false;
                    keep[0] = 1;
                    for (Eigen::Index i = 1; i < m; ++i) {
                        bool has = false;
                        for (auto ch : members[static_cast<std::size_t>(i)]) has |= static_cast<std::size_t>(ch) == c;
                        keep[static_cast<std::size_t>(i)] = !has;
                        any |= has;
                    }
                    if (!any) continue;  // a channel in no state: no effect
                    out.removal_effects[c] =
                        1.0 - detail::restricted_conversion_probability(Q, r, keep, lu_max_states, &abort) / base;
                }
            } catch (...) {
                abort.store(true, std::memory_order_relaxed);
                throw;
            }
        });
    detail::credit_by_removal_effects(out, total_conv, p.total_value());
    return out;
}

}  // namespace cxkit::journey

#pragma once
// Markov-chain attribution (Anderl et al. 2016), first order, exact.
//
// States: (start), one per channel, (conversion), (null). Transition probabilities are estimated from the paths
// with consecutive repeats collapsed (as ChannelAttribution does). With Q the transient-to-transient block and r
// the transient-to-conversion column, N = (I - Q)^-1 and b = N r (b_s = P(conversion) from the start). The removal
// effect of channel k (every transition into k sent to (null)) is
//     RE_k = (N[s,k] / N[k,k]) * b_k / b_s
// (P(reach k from s) = N[s,k] / N[k,k]; P(convert after reaching k) = b_k). ChannelAttribution estimates the
// same quantity by simulation. Credit_k = RE_k / sum(RE) x total conversions (and x total value).
//
// Cost: the chain is sparse, and N is never formed. The states are split into strongly connected sets (Tarjan)
// taken in topological order (the block-triangular form of I - Q): b and the row N[s, .] come from one solve per
// set, and N[k,k] needs only k's own set (a return to k never leaves it). A set of one channel is solved by a
// division; larger sets (channels that lead back to one another) by a dense LU of that set alone. So the cost
// is about the sum of the cubes of the sets' sizes: 10,000 channels in a funnel take milliseconds; a set larger
// than markov_cycle_limit channels is refused with a clear error instead of running for minutes.
#include <Eigen/Dense>
#include <Eigen/SparseCore>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "cxkit/core/error.hpp"
#include "cxkit/core/parallel.hpp"
#include "cxkit/journey/paths.hpp"

namespace cxkit::journey {

// The largest set of mutually reachable channels first-order Markov attribution solves: two dense LUs of the
// set and the diagonal of its inverse, about 3 s for 2,000 channels on a quiet core (cubic: 8x that at 4,000,
// where the old dense solve of the whole chain took 16 s). Larger sets are refused with a clear error. The LUs
// themselves are not interruptible (well under a second at this size); everything around them is.
inline constexpr std::size_t markov_cycle_limit = 2000;
// Order 1 fills the dense `transition` matrix only up to this many states (128 MB); the sparse one always.
inline constexpr std::size_t markov_dense_transition_limit = 4096;

struct MarkovAttribution {
    std::vector<std::string> channels;
    std::vector<double> removal_effects;     // RE_k
    std::vector<double> conversions;         // credit in conversions
    std::vector<double> value;               // credit in value
    double conversion_probability = 0;       // b_s
    // Transition matrix over `state_names` ((start), channels or k-tuples, (conversion), (null)), rows summing
    // to 1 (absorbing rows are identity rows). `sparse_transition` always; the dense `transition` for order 1
    // with at most markov_dense_transition_limit states (empty otherwise).
    Eigen::MatrixXd transition;
    Eigen::SparseMatrix<double, Eigen::RowMajor> sparse_transition;
    std::vector<std::string> state_names;
    int order = 1;
};

namespace detail {
// Credits in proportion to the removal effects (of any chain order): conversions and value shared out by RE / sum RE.
inline void credit_by_removal_effects(MarkovAttribution& out, double total_conversions, double total_value) {
    double sum_re = 0;
    for (double re : out.removal_effects) sum_re += re;
    const std::size_t k = out.removal_effects.size();
    out.conversions.resize(k);
    out.value.resize(k);
    for (std::size_t c = 0; c < k; ++c) {
        const double share = sum_re > 0 ? out.removal_effects[c] / sum_re : 0.0;
        out.conversions[c] = share * total_conversions;
        out.value[c] = share * total_value;
    }
}

using SparseRows = Eigen::SparseMatrix<double, Eigen::RowMajor>;

// The first-order transition counts between transient states (0 = (start), 1..k = channels), each move weighted
// by its path's conversions + nulls, consecutive repeats collapsed; to_conv / to_null: the weight that ends in
// each state. `dense` sums the moves into an (m x m) table (for few states), else into a list of triplets that
// setFromTriplets sums. Both add each cell's weights in path order, so they give the same matrix to the bit.
template <class = void>  // a template so that only callers pay for compiling it (Eigen code)
SparseRows transition_counts(const Paths& p, bool dense, std::vector<double>& to_conv, std::vector<double>& to_null) {
    const std::size_t m = p.states.size() + 1;
    const auto M = static_cast<Eigen::Index>(m);
    to_conv.assign(m, 0.0);
    to_null.assign(m, 0.0);
    auto each_move = [&](auto&& add) {
        for (std::size_t i = 0; i < p.size(); ++i) {
            const double w = p.conversions[i] + p.nulls[i];
            if (w == 0) continue;
            std::size_t from = 0;
            for (auto* s = p.begin(i); s != p.end(i); ++s) {
                const std::size_t to = static_cast<std::size_t>(*s) + 1;
                if (to == from) continue;  // consecutive repeats collapse (a > a > b counts as a > b)
                add(from, to, w);
                from = to;
            }
            to_conv[from] += p.conversions[i];
            to_null[from] += p.nulls[i];
        }
    };
    SparseRows Q(M, M);
    std::vector<Eigen::Triplet<double>> cells;
    if (dense) {
        // Sorting millions of triplets was 80% of the attribution's time at 10 channels and 1M paths.
        std::vector<double> count(m * m, 0.0);
        std::vector<char> seen(m * m, 0);
        each_move([&](std::size_t from, std::size_t to, double w) {
            count[from * m + to] += w;
            seen[from * m + to] = 1;
        });
        for (std::size_t c = 0; c < m * m; ++c)
            if (seen[c]) cells.emplace_back(static_cast<Eigen::Index>(c / m), static_cast<Eigen::Index>(c % m), count[c]);
    } else {
        cells.reserve(p.codes.size());
        each_move([&](std::size_t from, std::size_t to, double w) {
            cells.emplace_back(static_cast<Eigen::Index>(from), static_cast<Eigen::Index>(to), w);
        });
    }
    Q.setFromTriplets(cells.begin(), cells.end());  // sums the weights of repeated cells, in list order
    return Q;
}

// Strongly connected sets of the graph of Q's non-zeros (iterative Tarjan). Returns the sets in the order Tarjan
// completes them: every edge leaving a set goes to a set earlier in the list (sinks first).
template <class = void>  // a template so that only callers pay for compiling it (Eigen code)
std::vector<std::vector<std::int32_t>> strongly_connected_sets(const SparseRows& Q) {
    const auto n = static_cast<std::size_t>(Q.rows());
    const auto* outer = Q.outerIndexPtr();
    const auto* inner = Q.innerIndexPtr();
    constexpr std::int32_t unvisited = -1;
    std::vector<std::int32_t> index(n, unvisited), low(n, 0);
    std::vector<char> on_stack(n, 0);
    std::vector<std::int32_t> stack;
    std::vector<std::pair<std::int32_t, std::int64_t>> call;  // (state, next edge to look at)
    std::vector<std::vector<std::int32_t>> sets;
    std::int32_t counter = 0;
    for (std::size_t root = 0; root < n; ++root) {
        if (index[root] != unvisited) continue;
        call.emplace_back(static_cast<std::int32_t>(root), outer[root]);
        index[root] = low[root] = counter++;
        stack.push_back(static_cast<std::int32_t>(root));
        on_stack[root] = 1;
        while (!call.empty()) {
            auto& [v, e] = call.back();
            const auto vs = static_cast<std::size_t>(v);
            if (e < outer[vs + 1]) {
                const auto w = static_cast<std::size_t>(inner[e++]);
                if (index[w] == unvisited) {
                    index[w] = low[w] = counter++;
                    stack.push_back(static_cast<std::int32_t>(w));
                    on_stack[w] = 1;
                    call.emplace_back(static_cast<std::int32_t>(w), outer[w]);
                } else if (on_stack[w]) {
                    low[vs] = std::min(low[vs], index[w]);
                }
                continue;
            }
            if (low[vs] == index[vs]) {
                std::vector<std::int32_t> set;
                std::int32_t w;
                do {
                    w = stack.back();
                    stack.pop_back();
                    on_stack[static_cast<std::size_t>(w)] = 0;
                    set.push_back(w);
                } while (w != v);
                std::sort(set.begin(), set.end());
                sets.push_back(std::move(set));
            }
            const std::int32_t done = v;
            call.pop_back();
            if (!call.empty()) {
                const auto parent = static_cast<std::size_t>(call.back().first);
                low[parent] = std::min(low[parent], low[static_cast<std::size_t>(done)]);
            }
        }
    }
    return sets;
}

// The full transition matrix of an absorbing chain, rows summing to 1: transient block Q, then the (conversion)
// column r and the (null) column lost, then the two absorbing states' identity rows.
template <class = void>  // a template so that only callers pay for compiling it (Eigen code)
SparseRows absorbing_transition(const SparseRows& Q, const Eigen::VectorXd& r, const Eigen::VectorXd& lost) {
    const Eigen::Index m = Q.rows();
    std::vector<Eigen::Triplet<double>> t;
    t.reserve(static_cast<std::size_t>(Q.nonZeros() + 2 * m + 2));
    for (Eigen::Index i = 0; i < m; ++i) {
        for (SparseRows::InnerIterator it(Q, i); it; ++it) t.emplace_back(i, it.col(), it.value());
        if (r(i) > 0) t.emplace_back(i, m, r(i));
        if (lost(i) > 0) t.emplace_back(i, m + 1, lost(i));
    }
    t.emplace_back(m, m, 1.0);
    t.emplace_back(m + 1, m + 1, 1.0);
    SparseRows full(m + 2, m + 2);
    full.setFromTriplets(t.begin(), t.end());
    return full;
}

// For the absorbing chain with transient block Q (row-major, Qt its transpose) and conversion column r:
// b = (I - Q)^-1 r, row 0 of N = (I - Q)^-1 (u) and the diagonal of N (d), by strongly connected sets (see the
// top of the file). Refuses a set of more than `cycle_limit` states before any costly work.
template <class = void>  // a template so that only callers pay for compiling it (Eigen code)
void first_order_solve(const SparseRows& Q, const SparseRows& Qt, const Eigen::VectorXd& r, std::size_t cycle_limit,
                              Eigen::VectorXd& b, Eigen::VectorXd& u, Eigen::VectorXd& d) {
    const Eigen::Index m = Q.rows();
    const auto sets = strongly_connected_sets(Q);
    std::size_t largest = 0;
    for (const auto& s : sets) largest = std::max(largest, s.size());
    if (largest > cycle_limit)
        throw invalid_input("paths", invalid_input::no_row,
                            std::to_string(largest) + " channels all lead back to one another; exact first-order Markov "
                            "attribution solves such a set densely and supports at most " + std::to_string(cycle_limit) +
                            " of them: group rare channels (e.g. into \"other\") first");
    b = Eigen::VectorXd::Zero(m);
    u = Eigen::VectorXd::Zero(m);
    d = Eigen::VectorXd::Ones(m);
    std::vector<Eigen::Index> pos(static_cast<std::size_t>(m), -1);  // position of a state in its set
    auto block_of = [&](const std::vector<std::int32_t>& set) {  // I - Q restricted to the set, dense
        const auto s = static_cast<Eigen::Index>(set.size());
        Eigen::MatrixXd A = Eigen::MatrixXd::Identity(s, s);
        for (Eigen::Index a = 0; a < s; ++a)
            for (SparseRows::InnerIterator it(Q, set[static_cast<std::size_t>(a)]); it; ++it) {
                const Eigen::Index p = pos[static_cast<std::size_t>(it.col())];
                if (p >= 0) A(a, p) -= it.value();
            }
        return A;
    };
    // b: sinks first, so every b_j a set needs from outside is known.
    for (const auto& set : sets) {
        core::check_interrupt();
        const auto s = static_cast<Eigen::Index>(set.size());
        for (Eigen::Index a = 0; a < s; ++a) pos[static_cast<std::size_t>(set[static_cast<std::size_t>(a)])] = a;
        Eigen::VectorXd rhs(s);
        for (Eigen::Index a = 0; a < s; ++a) {
            const auto i = set[static_cast<std::size_t>(a)];
            double v = r(i);
            for (SparseRows::InnerIterator it(Q, i); it; ++it)
                if (pos[static_cast<std::size_t>(it.col())] < 0) v += it.value() * b(it.col());
            rhs(a) = v;
        }
        if (s == 1 && Q.coeff(set[0], set[0]) == 0) {
            b(set[0]) = rhs(0);
        } else {
            const Eigen::PartialPivLU<Eigen::MatrixXd> lu(block_of(set));
            const Eigen::VectorXd x = lu.solve(rhs);
            // The diagonal of this set's inverse, a block of columns at a time (interruptible, any thread count).
            Eigen::VectorXd diag(s);
            core::parallel_for(static_cast<std::size_t>(s), 64, 0, [&](std::size_t c0, std::size_t c1) {
                const auto w = static_cast<Eigen::Index>(c1 - c0), first = static_cast<Eigen::Index>(c0);
                Eigen::MatrixXd e = Eigen::MatrixXd::Zero(s, w);
                for (Eigen::Index q = 0; q < w; ++q) e(first + q, q) = 1.0;
                const Eigen::MatrixXd cols = lu.solve(e);
                for (Eigen::Index q = 0; q < w; ++q) diag(first + q) = cols(first + q, q);
            });
            for (Eigen::Index a = 0; a < s; ++a) {
                b(set[static_cast<std::size_t>(a)]) = x(a);
                d(set[static_cast<std::size_t>(a)]) = diag(a);
            }
        }
        for (auto i : set) pos[static_cast<std::size_t>(i)] = -1;
    }
    // u (row 0 of N: u^T (I - Q) = e_0^T): sources first, so every u_i a set needs from outside is known.
    for (auto it_set = sets.rbegin(); it_set != sets.rend(); ++it_set) {
        core::check_interrupt();
        const auto& set = *it_set;
        const auto s = static_cast<Eigen::Index>(set.size());
        for (Eigen::Index a = 0; a < s; ++a) pos[static_cast<std::size_t>(set[static_cast<std::size_t>(a)])] = a;
        Eigen::VectorXd rhs(s);
        for (Eigen::Index a = 0; a < s; ++a) {
            const auto j = set[static_cast<std::size_t>(a)];
            double v = j == 0 ? 1.0 : 0.0;
            for (SparseRows::InnerIterator it(Qt, j); it; ++it)  // Q(i, j) for every i
                if (pos[static_cast<std::size_t>(it.col())] < 0) v += u(it.col()) * it.value();
            rhs(a) = v;
        }
        if (s == 1 && Q.coeff(set[0], set[0]) == 0) {
            u(set[0]) = rhs(0);
        } else {
            // Factorised again rather than kept from the pass above: keeping every set's LU could hold
            // markov_cycle_limit^2 doubles per set at once; a second LU costs a third of the set's work.
            const Eigen::PartialPivLU<Eigen::MatrixXd> lu(block_of(set));
            const Eigen::VectorXd x = lu.transpose().solve(rhs);
            for (Eigen::Index a = 0; a < s; ++a) u(set[static_cast<std::size_t>(a)]) = x(a);
        }
        for (auto i : set) pos[static_cast<std::size_t>(i)] = -1;
    }
}
}  // namespace detail

template <class = void>  // a template so that only callers pay for compiling it (Eigen code)
MarkovAttribution markov_attribution(const Paths& p) {
    const std::size_t k = p.states.size();
    if (p.size() == 0 || k == 0) throw invalid_input("paths", invalid_input::no_row, "no paths to attribute");
    const double total_conv = p.total_conversions();
    if (!(total_conv > 0)) throw invalid_input("conversions", invalid_input::no_row, "no conversions overall: nothing to attribute");
    p.check_totals();

    // Transient states: 0 = (start), 1..k = channels; absorbing: k+1 = (conversion), k+2 = (null).
    const std::size_t m = k + 1;
    const auto M = static_cast<Eigen::Index>(m);
    std::vector<double> to_conv, to_null;
    detail::SparseRows Q = detail::transition_counts(p, m * m <= std::max<std::size_t>(p.codes.size(), 1 << 16),
                                                           to_conv, to_null);
    Eigen::VectorXd r(M), lost(M);
    for (Eigen::Index i = 0; i < M; ++i) {
        const double out = Q.row(i).sum() + to_conv[static_cast<std::size_t>(i)] + to_null[static_cast<std::size_t>(i)];
        if (out > 0) {
            for (detail::SparseRows::InnerIterator it(Q, i); it; ++it) it.valueRef() /= out;
            r(i) = to_conv[static_cast<std::size_t>(i)] / out;
            lost(i) = to_null[static_cast<std::size_t>(i)] / out;
        } else {  // never left: treat as lost
            r(i) = 0;
            lost(i) = 1;
        }
    }

    MarkovAttribution out;
    out.channels = p.states;
    out.state_names.reserve(k + 3);
    out.state_names.push_back("(start)");
    for (auto& s : p.states) out.state_names.push_back(s);
    out.state_names.push_back("(conversion)");
    out.state_names.push_back("(null)");
    out.sparse_transition = detail::absorbing_transition(Q, r, lost);
    if (k + 3 <= markov_dense_transition_limit) out.transition = Eigen::MatrixXd(out.sparse_transition);

    const detail::SparseRows Qt = Q.transpose();
    Eigen::VectorXd b, u, d;
    detail::first_order_solve(Q, Qt, r, markov_cycle_limit, b, u, d);
    const double bs = b(0);
    out.conversion_probability = bs;
    out.removal_effects.resize(k);
    for (std::size_t c = 0; c < k; ++c) {
        const auto j = static_cast<Eigen::Index>(c + 1);
        out.removal_effects[c] = bs > 0 ? (u(j) / d(j)) * b(j) / bs : 0.0;
    }
    detail::credit_by_removal_effects(out, total_conv, p.total_value());
    return out;
}

}  // namespace cxkit::journey

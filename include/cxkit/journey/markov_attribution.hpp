#pragma once
// Markov-chain attribution (Anderl et al. 2016), first order, exact.
//
// States: (start), one per channel, (conversion), (null). Transition probabilities are estimated from the paths
// with consecutive repeats collapsed (as ChannelAttribution does). With Q the transient-to-transient block and r
// the transient-to-conversion column, N = (I - Q)^-1 and b = N r (b_s = P(conversion) from the start). The removal
// effect of channel k (every transition into k sent to (null)) follows from the same factorisation:
//     RE_k = (N[s,k] / N[k,k]) * b_k / b_s
// (P(reach k from s) = N[s,k] / N[k,k]; P(convert after reaching k) = b_k). ChannelAttribution estimates the
// same quantity by simulation. Credit_k = RE_k / sum(RE) x total conversions (and x total value).
#include <Eigen/Dense>
#include <Eigen/SparseCore>

#include <cstdint>
#include <string>
#include <vector>

#include "cxkit/core/error.hpp"
#include "cxkit/journey/paths.hpp"

namespace cxkit {

struct MarkovAttribution {
    std::vector<std::string> channels;
    std::vector<double> removal_effects;     // RE_k
    std::vector<double> conversions;         // credit in conversions
    std::vector<double> value;               // credit in value
    double conversion_probability = 0;       // b_s
    // Transition matrix over (start), channels..., (conversion), (null), rows summing to 1 (absorbing rows
    // are identity rows). Order 1 only; higher orders fill `sparse_transition` (too many k-tuple states for a
    // dense matrix).
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
}  // namespace detail

inline MarkovAttribution markov_attribution(const Paths& p) {
    const std::size_t k = p.states.size();
    if (p.size() == 0 || k == 0) throw invalid_input("paths", invalid_input::no_row, "no paths to attribute");
    const double total_conv = p.total_conversions();
    if (!(total_conv > 0)) throw invalid_input("conversions", invalid_input::no_row, "no conversions overall: nothing to attribute");

    // Transient states: 0 = (start), 1..k = channels; absorbing: k+1 = (conversion), k+2 = (null).
    const std::size_t m = k + 1, conv = k + 1, null = k + 2;
    Eigen::MatrixXd counts = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(m), static_cast<Eigen::Index>(k + 3));
    for (std::size_t i = 0; i < p.size(); ++i) {
        const double w = p.conversions[i] + p.nulls[i];
        if (w == 0) continue;
        std::size_t from = 0;
        for (auto* s = p.begin(i); s != p.end(i); ++s) {
            const std::size_t to = static_cast<std::size_t>(*s) + 1;
            if (to == from) continue;  // consecutive repeats collapse (a > a > b counts as a > b)
            counts(static_cast<Eigen::Index>(from), static_cast<Eigen::Index>(to)) += w;
            from = to;
        }
        counts(static_cast<Eigen::Index>(from), static_cast<Eigen::Index>(conv)) += p.conversions[i];
        counts(static_cast<Eigen::Index>(from), static_cast<Eigen::Index>(null)) += p.nulls[i];
    }
    MarkovAttribution out;
    out.channels = p.states;
    out.state_names.push_back("(start)");
    for (auto& s : p.states) out.state_names.push_back(s);
    out.state_names.push_back("(conversion)");
    out.state_names.push_back("(null)");
    out.transition = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(k + 3), static_cast<Eigen::Index>(k + 3));
    for (std::size_t i = 0; i < m; ++i) {
        const double row = counts.row(static_cast<Eigen::Index>(i)).sum();
        if (row > 0) out.transition.row(static_cast<Eigen::Index>(i)).head(static_cast<Eigen::Index>(k + 3)) =
            counts.row(static_cast<Eigen::Index>(i)) / row;
        else out.transition(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(null)) = 1.0;  // never left: treat as lost
    }
    out.transition(static_cast<Eigen::Index>(conv), static_cast<Eigen::Index>(conv)) = 1.0;
    out.transition(static_cast<Eigen::Index>(null), static_cast<Eigen::Index>(null)) = 1.0;

    const auto M = static_cast<Eigen::Index>(m);
    const Eigen::MatrixXd Q = out.transition.topLeftCorner(M, M);
    const Eigen::VectorXd r = out.transition.block(0, static_cast<Eigen::Index>(conv), M, 1);
    // One LU factorisation of I - Q gives N = (I - Q)^-1 (all we need: row s, the diagonal and N r).
    const Eigen::PartialPivLU<Eigen::MatrixXd> lu(Eigen::MatrixXd::Identity(M, M) - Q);
    const Eigen::MatrixXd N = lu.inverse();
    const Eigen::VectorXd b = N * r;
    const double bs = b(0);
    out.conversion_probability = bs;
    out.removal_effects.resize(k);
    for (std::size_t c = 0; c < k; ++c) {
        const auto j = static_cast<Eigen::Index>(c + 1);
        const double re = bs > 0 ? (N(0, j) / N(j, j)) * b(j) / bs : 0.0;
        out.removal_effects[c] = re;
    }
    detail::credit_by_removal_effects(out, total_conv, p.total_value());
    return out;
}

}  // namespace cxkit

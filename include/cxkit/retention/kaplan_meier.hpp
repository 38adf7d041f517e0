#pragma once
// Kaplan-Meier survival with Greenwood variance and exponential-Greenwood ("log-log") confidence bounds, and the
// log-rank test for two or more groups, computed as lifelines does (KaplanMeierFitter, logrank_test,
// multivariate_logrank_test), so the numbers agree with it to rounding:
//   timeline       0 and every distinct duration, ascending
//   S(t)           exp(sum over times <= t of log(n - d) - log(n)),  n at risk, d observed events at that time
//   var_sum(t)     Greenwood's sum of d / (n (n - d)); a term with n == d (S drops to 0) counts 0, as in lifelines
//   bounds         v = log S, z = normal quantile of 1 - alpha/2, alpha = 1 - confidence:
//                  lower = exp(-exp(log(-v) - z sqrt(var_sum) / v)), upper = exp(-exp(log(-v) + z sqrt(var_sum) / v)),
//                  1 where that is undefined (S == 1)
//   median         the first time with S(t) <= 0.5, +infinity if S stays above 0.5
//   log-rank       Z_j = sum_t O_jt - n_jt d_t / n_t; V the hypergeometric covariance with lifelines' factor
//                  ((n - d)/(n - 1), taken as 1 when n == 1) d / n^2; statistic Z' V^+ Z over the first G-1 groups
//                  (groups in ascending order of their code), df = G - 1, p from the chi-square distribution.
// Durations must be finite and >= 0, observed flags 0 or 1 (bool, integer or floating types): otherwise
// cxkit::invalid_input naming the column and the row. Integer-valued durations with a moderate range are
// counted (one pass, no sort); others are sorted once.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <numeric>
#include <ranges>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include <Eigen/Dense>
#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/distributions/normal.hpp>

#include "cxkit/core/error.hpp"
#include "cxkit/core/parallel.hpp"

namespace cxkit::retention {

// The event table of one sample: distinct times (ascending) with the number of observed events and of censored
// subjects at each, and the number at risk just before it.
struct EventTable {
    std::vector<double> time;
    std::vector<std::uint64_t> observed, censored, at_risk;
    std::uint64_t size() const noexcept { return time.size(); }
};

struct KaplanMeier {
    double confidence = 0.95;
    std::vector<double> time;                        // 0 and the distinct durations, ascending
    std::vector<std::uint64_t> at_risk, observed, censored;
    std::vector<double> survival, variance_sum, lower, upper;
    double median = std::numeric_limits<double>::infinity();

    // S(t) as a right-continuous step function (1 before the first time).
    double survival_at(double t) const {
        const auto it = std::upper_bound(time.begin(), time.end(), t);
        if (it == time.begin()) return 1.0;
        return survival[static_cast<std::size_t>(it - time.begin()) - 1];
    }
};

struct LogRankResult {
    double statistic = 0;
    int degrees_of_freedom = 0;
    double p_value = 1;
    std::vector<std::int64_t> groups;                // ascending group codes
    std::vector<double> observed, expected;          // events per group, observed and expected under H0
};

namespace detail {

template <class R>
concept arithmetic_range =
    std::ranges::contiguous_range<R> && std::is_arithmetic_v<std::ranges::range_value_t<R>>;

template <class R>
auto as_span(const R& r) {
    return std::span<const std::ranges::range_value_t<R>>(std::ranges::data(r), std::ranges::size(r));
}

template <class D, class E>
void validate(std::span<const D> durations, std::span<const E> observed, bool have_observed) {
    if (have_observed && observed.size() != durations.size())
        throw invalid_input("observed", invalid_input::no_row,
                            "has " + std::to_string(observed.size()) + " rows but durations has " +
                                std::to_string(durations.size()));
    for (std::size_t i = 0; i < durations.size(); ++i) {
        const double d = static_cast<double>(durations[i]);
        if (!(d >= 0) || !std::isfinite(d))
            throw invalid_input("durations", static_cast<std::int64_t>(i),
                                "duration must be a finite number >= 0, got " + std::to_string(d));
    }
    if (have_observed)
        for (std::size_t i = 0; i < observed.size(); ++i) {
            const auto e = observed[i];
            if (!(e == E(0) || e == E(1)))
                throw invalid_input("observed", static_cast<std::int64_t>(i),
                                    "event flag must be 0 or 1, got " + std::to_string(static_cast<double>(e)));
        }
}

// What one pass over the durations finds: their range, whether all are whole numbers, and whether every row
// is valid (the exact error, naming the first bad row, comes from validate()).
struct DurationScan {
    double lo = std::numeric_limits<double>::infinity(), hi = -std::numeric_limits<double>::infinity();
    bool integral = true, valid = true;
};

inline constexpr std::size_t scan_chunk = std::size_t(1) << 18;  // rows per chunk (never the thread count)

// One branch-free pass (it vectorises) over all rows, in parallel chunks; exact on any thread count (min, max
// and ands). Refuses the first bad row exactly as validate() does.
template <class D, class E>
DurationScan scan_durations(std::span<const D> durations, std::span<const E> observed, bool have_observed) {
    if (have_observed && observed.size() != durations.size()) validate(durations, observed, have_observed);
    const DurationScan s = core::parallel_reduce(
        durations.size(), scan_chunk, 0, DurationScan{},
        [&](DurationScan& acc, std::size_t b, std::size_t e) {
            double lo = acc.lo, hi = acc.hi;
            bool ok = true, whole = true;
            for (std::size_t i = b; i < e; ++i) {
                const double d = static_cast<double>(durations[i]);
                ok &= d >= 0 && d <= std::numeric_limits<double>::max();  // false for NaN and infinities
                lo = std::min(lo, d);
                hi = std::max(hi, d);
                if constexpr (!std::is_integral_v<D>) {
                    // whole below 2^52 when the truncation gives it back; every double from 2^52 up is whole
                    const double x = (d >= 0 && d < 0x1p52) ? d : 0.0;
                    whole &= static_cast<double>(static_cast<std::int64_t>(x)) == x;
                }
            }
            if (have_observed)
                for (std::size_t i = b; i < e; ++i) ok &= observed[i] == E(0) || observed[i] == E(1);
            acc.lo = lo;
            acc.hi = hi;
            acc.valid = acc.valid && ok;
            acc.integral = acc.integral && whole;
        },
        [](DurationScan& into, const DurationScan& from) {
            into.lo = std::min(into.lo, from.lo);
            into.hi = std::max(into.hi, from.hi);
            into.valid = into.valid && from.valid;
            into.integral = into.integral && from.integral;
        });
    if (!s.valid) validate(durations, observed, have_observed);  // throws, naming the first bad row
    return s;
}

// What reading the rows leaves: counts per whole duration (lo + slot), or the observed and censored durations to
// sort. Everything after it reads only this, so a binding can read the caller's arrays under the GIL and build
// the rest without it.
struct Gathered {
    std::uint64_t n = 0;
    bool counted = false;
    double lo = 0;
    std::vector<std::uint64_t> counts;  // counting: [2 slot] censored, [2 slot + 1] observed
    std::vector<double> dead, censored; // sorting
};

[[noreturn]] inline void throw_changed() {
    throw invalid_input("durations", invalid_input::no_row,
                        "changed while being read (another thread wrote to the array): pass a copy");
}

// Whole durations in a moderate range are counted, others are copied to be sorted (by event_table()). The rows
// must be those scan_durations() checked (gather re-checks what it relies on: a changed row is refused).
template <class D, class E>
Gathered gather(std::span<const D> durations, std::span<const E> observed, bool have_observed,
                const DurationScan& scan) {
    Gathered g;
    const std::size_t n = durations.size();
    g.n = n;
    if (n == 0) return g;
    const double range = scan.hi - scan.lo;
    if (scan.integral && range <= std::max<double>(4.0 * static_cast<double>(n), 1 << 16)) {
        g.counted = true;
        g.lo = scan.lo;
        const auto m = static_cast<std::size_t>(range) + 1;
        const double lo = scan.lo, slots = static_cast<double>(m);
        auto fold = [&](std::vector<std::uint64_t>& c, std::size_t b, std::size_t e) {
            if (c.empty()) c.assign(2 * m, 0);
            bool moved = false;
            for (std::size_t i = b; i < e; ++i) {
                // A duration outside the scanned range means another thread wrote to the array in between (a
                // binding reads numpy arrays in place): refuse rather than count out of bounds.
                const double off = static_cast<double>(durations[i]) - lo;
                const bool in = off >= 0 && off < slots;
                moved |= !in;
                const auto slot = in ? static_cast<std::size_t>(off) : 0;
                const std::size_t dead = have_observed ? static_cast<std::size_t>(observed[i] == E(1)) : 1;
                c[2 * slot + dead] += in;
            }
            if (moved) throw_changed();
        };
        // one histogram per chunk when it is small next to the chunk (integer counts: any order is exact)
        if (2 * m <= scan_chunk / 4 && n > scan_chunk) {
            g.counts = core::parallel_reduce(n, scan_chunk, 0, std::vector<std::uint64_t>{}, fold,
                                             [](std::vector<std::uint64_t>& into, const std::vector<std::uint64_t>& from) {
                                                 if (into.empty()) into.assign(from.size(), 0);
                                                 for (std::size_t k = 0; k < from.size(); ++k) into[k] += from[k];
                                             });
        } else {
            fold(g.counts, 0, n);
        }
    } else {
        bool moved = false;
        for (std::size_t i = 0; i < n; ++i) {
            const bool dead = !have_observed || observed[i] == E(1);
            const double d = static_cast<double>(durations[i]);
            moved |= !(d >= 0 && d <= std::numeric_limits<double>::max());  // a NaN would break the sort
            (dead ? g.dead : g.censored).push_back(d);
        }
        if (moved) throw_changed();
    }
    return g;
}

inline void add_at_risk(EventTable& t, std::uint64_t n) {
    t.at_risk.resize(t.time.size());
    std::uint64_t risk = n;
    for (std::size_t s = 0; s < t.time.size(); ++s) {
        t.at_risk[s] = risk;
        risk -= t.observed[s] + t.censored[s];
    }
}

// The event table from what gather() read (sorts the copied durations when they were not counted).
inline EventTable event_table(Gathered g) {
    EventTable t;
    if (g.n == 0) return t;
    if (g.counted) {
        for (std::size_t s = 0; 2 * s < g.counts.size(); ++s)
            if (g.counts[2 * s] + g.counts[2 * s + 1] > 0) {
                t.time.push_back(g.lo + static_cast<double>(s));
                t.observed.push_back(g.counts[2 * s + 1]);
                t.censored.push_back(g.counts[2 * s]);
            }
    } else {
        auto& dd = g.dead;
        auto& cc = g.censored;
        std::sort(dd.begin(), dd.end());
        std::sort(cc.begin(), cc.end());
        std::size_t a = 0, b = 0;
        while (a < dd.size() || b < cc.size()) {
            const double x = std::min(a < dd.size() ? dd[a] : std::numeric_limits<double>::infinity(),
                                      b < cc.size() ? cc[b] : std::numeric_limits<double>::infinity());
            std::uint64_t nd = 0, nc = 0;
            while (a < dd.size() && dd[a] == x) ++a, ++nd;
            while (b < cc.size() && cc[b] == x) ++b, ++nc;
            t.time.push_back(x);
            t.observed.push_back(nd);
            t.censored.push_back(nc);
        }
    }
    add_at_risk(t, g.n);
    return t;
}

// Builds the event table of the rows selected by `rows` (all when null). Durations already validated.
template <class D, class E>
EventTable event_table(std::span<const D> durations, std::span<const E> observed, bool have_observed,
                       const std::vector<std::size_t>* rows = nullptr) {
    const std::size_t n = rows ? rows->size() : durations.size();
    auto row = [&](std::size_t k) { return rows ? (*rows)[k] : k; };
    auto dead = [&](std::size_t i) { return !have_observed || observed[i] == E(1); };
    if (n == 0) return {};

    // Integer durations in a moderate range: count.
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    bool integral = true;
    for (std::size_t k = 0; k < n; ++k) {
        const double d = static_cast<double>(durations[row(k)]);
        lo = std::min(lo, d);
        hi = std::max(hi, d);
        if constexpr (!std::is_integral_v<D>) integral = integral && d == std::floor(d);
    }
    Gathered g;
    g.n = n;
    const double range = hi - lo;
    if (integral && range <= std::max<double>(4.0 * static_cast<double>(n), 1 << 16)) {
        g.counted = true;
        g.lo = lo;
        g.counts.assign(2 * (static_cast<std::size_t>(range) + 1), 0);
        for (std::size_t k = 0; k < n; ++k) {
            const std::size_t i = row(k);
            ++g.counts[2 * static_cast<std::size_t>(static_cast<double>(durations[i]) - lo) + (dead(i) ? 1 : 0)];
        }
    } else {
        for (std::size_t k = 0; k < n; ++k) {
            const std::size_t i = row(k);
            (dead(i) ? g.dead : g.censored).push_back(static_cast<double>(durations[i]));
        }
    }
    return event_table(std::move(g));
}

template <class = void>  // a template so that only callers pay for compiling it (Boost.Math code)
KaplanMeier fit_table(EventTable t, double confidence, std::uint64_t n) {
    if (!(confidence > 0 && confidence < 1))
        throw invalid_input("confidence", invalid_input::no_row, "must be between 0 and 1 (exclusive)");
    KaplanMeier km;
    km.confidence = confidence;
    // lifelines' timeline starts at 0
    if (t.time.empty() || t.time.front() > 0) {
        km.time.push_back(0.0);
        km.at_risk.push_back(n);
        km.observed.push_back(0);
        km.censored.push_back(0);
    }
    km.time.insert(km.time.end(), t.time.begin(), t.time.end());
    km.at_risk.insert(km.at_risk.end(), t.at_risk.begin(), t.at_risk.end());
    km.observed.insert(km.observed.end(), t.observed.begin(), t.observed.end());
    km.censored.insert(km.censored.end(), t.censored.begin(), t.censored.end());

    const std::size_t m = km.time.size();
    km.survival.resize(m);
    km.variance_sum.resize(m);
    km.lower.resize(m);
    km.upper.resize(m);
    const double alpha = 1.0 - confidence;
    const double z = boost::math::quantile(boost::math::normal_distribution<double>(), 1.0 - alpha / 2.0);
    double log_s = 0, var = 0;
    bool median_found = false;
    for (std::size_t s = 0; s < m; ++s) {
        const std::uint64_t nr = km.at_risk[s], d = km.observed[s];
        const double nn = static_cast<double>(nr), dd = static_cast<double>(d);
        if (nr > 0) log_s += std::log(nn - dd) - std::log(nn);  // log(0) = -inf once everyone has died
        const std::uint64_t denom = nr * (nr - d);
        if (denom != 0) var += dd / static_cast<double>(denom);
        const double S = std::exp(log_s);
        km.survival[s] = S;
        km.variance_sum[s] = var;
        const double v = std::log(S);
        const double lo = std::exp(-std::exp(std::log(-v) - z * std::sqrt(var) / v));
        const double hi = std::exp(-std::exp(std::log(-v) + z * std::sqrt(var) / v));
        km.lower[s] = std::isnan(lo) ? 1.0 : lo;
        km.upper[s] = std::isnan(hi) ? 1.0 : hi;
        if (!median_found && S <= 0.5) {
            km.median = km.time[s];
            median_found = true;
        }
    }
    return km;
}

}  // namespace detail

// Kaplan-Meier estimate of durations with event flags (1 = the event was observed, 0 = censored).
template <detail::arithmetic_range Durations, detail::arithmetic_range Observed>
KaplanMeier kaplan_meier(const Durations& durations, const Observed& observed, double confidence = 0.95) {
    const auto d = detail::as_span(durations);
    const auto e = detail::as_span(observed);
    const auto scan = detail::scan_durations(d, e, true);
    return detail::fit_table(detail::event_table(detail::gather(d, e, true, scan)), confidence, d.size());
}

// Every event observed.
template <detail::arithmetic_range Durations>
KaplanMeier kaplan_meier(const Durations& durations, double confidence = 0.95) {
    const auto d = detail::as_span(durations);
    const std::span<const std::uint8_t> none;
    const auto scan = detail::scan_durations(d, none, false);
    return detail::fit_table(detail::event_table(detail::gather(d, none, false, scan)), confidence, d.size());
}

// Log-rank test of equal survival across the groups (any integer codes; two or more distinct values).
template <detail::arithmetic_range Durations, detail::arithmetic_range Groups, detail::arithmetic_range Observed>
LogRankResult logrank_test(const Durations& durations, const Groups& groups, const Observed& observed) {
    const auto d = detail::as_span(durations);
    const auto g = detail::as_span(groups);
    const auto e = detail::as_span(observed);
    detail::validate(d, e, true);
    if (g.size() != d.size())
        throw invalid_input("groups", invalid_input::no_row,
                            "has " + std::to_string(g.size()) + " rows but durations has " + std::to_string(d.size()));
    std::map<std::int64_t, std::vector<std::size_t>> rows;
    for (std::size_t i = 0; i < g.size(); ++i) {
        const double gv = static_cast<double>(g[i]);
        if (!(gv == std::floor(gv)))
            throw invalid_input("groups", static_cast<std::int64_t>(i), "group must be an integer code");
        rows[static_cast<std::int64_t>(g[i])].push_back(i);
    }
    const std::size_t G = rows.size();
    if (G < 2) throw invalid_input("groups", invalid_input::no_row, "the log-rank test needs at least two groups");

    LogRankResult r;
    std::vector<EventTable> tables;
    for (auto& [code, idx] : rows) {
        r.groups.push_back(code);
        tables.push_back(detail::event_table(d, e, true, &idx));
    }
    // Merge the per-group tables over the union of times.
    std::vector<std::size_t> pos(G, 0);
    std::vector<double> n_j(G), o_j(G);
    for (std::size_t j = 0; j < G; ++j) n_j[j] = static_cast<double>(rows[r.groups[j]].size());
    r.observed.assign(G, 0.0);
    r.expected.assign(G, 0.0);
    Eigen::MatrixXd V = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(G), static_cast<Eigen::Index>(G));
    while (true) {
        double t = std::numeric_limits<double>::infinity();
        for (std::size_t j = 0; j < G; ++j)
            if (pos[j] < tables[j].size()) t = std::min(t, tables[j].time[pos[j]]);
        if (t == std::numeric_limits<double>::infinity()) break;
        double n_i = 0, d_i = 0;
        std::vector<double> removed(G, 0.0);
        for (std::size_t j = 0; j < G; ++j) {
            o_j[j] = 0;
            if (pos[j] < tables[j].size() && tables[j].time[pos[j]] == t) {
                o_j[j] = static_cast<double>(tables[j].observed[pos[j]]);
                removed[j] = o_j[j] + static_cast<double>(tables[j].censored[pos[j]]);
                ++pos[j];
            }
            n_i += n_j[j];
            d_i += o_j[j];
        }
        if (d_i > 0) {
            double ratio = (n_i - d_i) / (n_i - 1.0);
            if (!std::isfinite(ratio)) ratio = 1.0;
            const double factor = ratio * d_i / (n_i * n_i);
            for (std::size_t j = 0; j < G; ++j) {
                r.observed[j] += o_j[j];
                r.expected[j] += n_j[j] * (d_i / n_i);
                for (std::size_t k = 0; k < G; ++k) {
                    const double c = (j == k) ? factor * n_j[j] * (n_i - n_j[j]) : -factor * n_j[j] * n_j[k];
                    V(static_cast<Eigen::Index>(j), static_cast<Eigen::Index>(k)) += c;
                }
            }
        }
        for (std::size_t j = 0; j < G; ++j) n_j[j] -= removed[j];
    }
    const auto m = static_cast<Eigen::Index>(G - 1);
    Eigen::VectorXd Z(m);
    for (Eigen::Index j = 0; j < m; ++j)
        Z(j) = r.observed[static_cast<std::size_t>(j)] - r.expected[static_cast<std::size_t>(j)];
    const Eigen::MatrixXd Vs = V.topLeftCorner(m, m);
    // Z' pinv(V) Z as numpy's pinv (singular values below 1e-15 x the largest are dropped); V is symmetric.
    const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(Vs);
    const Eigen::VectorXd lambda = eig.eigenvalues();
    const double cutoff = 1e-15 * lambda.cwiseAbs().maxCoeff();
    const Eigen::VectorXd proj = eig.eigenvectors().transpose() * Z;
    double stat = 0;
    for (Eigen::Index k = 0; k < m; ++k)
        if (std::fabs(lambda(k)) > cutoff) stat += proj(k) * proj(k) / lambda(k);
    r.statistic = stat;
    r.degrees_of_freedom = static_cast<int>(G - 1);
    r.p_value = boost::math::cdf(boost::math::complement(
        boost::math::chi_squared_distribution<double>(r.degrees_of_freedom), std::max(0.0, r.statistic)));
    return r;
}

// The two-sample form of lifelines' logrank_test(durations_A, durations_B, event_observed_A, event_observed_B).
template <detail::arithmetic_range D, detail::arithmetic_range E>
LogRankResult logrank_test(const D& durations_a, const D& durations_b, const E& observed_a, const E& observed_b) {
    using DT = std::ranges::range_value_t<D>;
    using ET = std::ranges::range_value_t<E>;
    std::vector<DT> dur(std::ranges::begin(durations_a), std::ranges::end(durations_a));
    dur.insert(dur.end(), std::ranges::begin(durations_b), std::ranges::end(durations_b));
    std::vector<ET> obs(std::ranges::begin(observed_a), std::ranges::end(observed_a));
    obs.insert(obs.end(), std::ranges::begin(observed_b), std::ranges::end(observed_b));
    if (std::ranges::size(observed_a) != std::ranges::size(durations_a) ||
        std::ranges::size(observed_b) != std::ranges::size(durations_b))
        throw invalid_input("observed", invalid_input::no_row, "each sample needs one event flag per duration");
    std::vector<std::int64_t> grp(dur.size(), 1);
    std::fill_n(grp.begin(), std::ranges::size(durations_a), 0);
    return logrank_test(dur, grp, obs);
}

}  // namespace cxkit::retention

#pragma once
// Customer lifetime value as lifetimes' GammaGammaFitter.customer_lifetime_value, in one pass over the customers:
//     CLV_i = E[M | x_i, m_i] * sum_{k=1..months} (E[Y(k f) | i] - E[Y((k-1) f) | i]) / (1 + d)^k
// E[Y(t) | i] is the purchase model's conditional expectation, f the length of a month in the data's time unit
// (4.345 weeks, 30 days, ...), d the monthly discount rate, E[M | x, m] the Gamma-Gamma expected spend.
//
// Every purchase model factors E[Y(t) | x, t_x, T] = P(alive | x, t_x, T) * E[Y(t) | alive at T, x, T], and the
// second factor does not depend on t_x. Its discounted monthly sum is therefore computed once per distinct (x, T)
// pair (the special functions, a 2F1 per month for the BG/NBD, are the expensive part) and kept in a per-thread
// cache; each customer then costs P(alive) and the spend mean. The result does not depend on the thread count.
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "cxkit/clv/gamma_gamma.hpp"
#include "cxkit/core/error.hpp"
#include "cxkit/core/parallel.hpp"
#include "cxkit/core/rules.hpp"

namespace cxkit::clv {

struct LifetimeValueOptions {
    int months = 12;              // horizon in months
    double discount_rate = 0.01;  // per month
    double month_length = 4.345;  // one month in the time unit of t_x and T (lifetimes: W 4.345, D 30, H 720, M 1)
    unsigned threads = 0;         // 0 = all cores; the result is the same for any count
};

namespace detail {

struct PairHash {
    std::size_t operator()(const std::pair<double, double>& k) const noexcept {
        // + 0.0 turns -0.0 into 0.0: keys that compare equal hash equally (a lookup of -0.0 finds 0.0)
        std::uint64_t h = std::bit_cast<std::uint64_t>(k.first + 0.0) * 0x9E3779B97F4A7C15ull;
        h ^= std::bit_cast<std::uint64_t>(k.second + 0.0) + 0x7F4A7C159E3779B9ull + (h << 6) + (h >> 2);
        return static_cast<std::size_t>(h ^ (h >> 31));
    }
};

// The first broken rule of customer i (names as in rfm_summary's output), or an empty string.
inline std::string lifetime_value_row_problem(double x, double t_x, double T, double m, std::string& field) {
    if (!std::isfinite(x) || x < 0 || x != std::floor(x)) {
        field = "frequency";
        return "must be a whole number of repeat purchases >= 0, got " + describe_value(x);
    }
    if (!std::isfinite(t_x) || t_x < 0) {
        field = "recency";
        return "must be a finite number >= 0, got " + describe_value(t_x);
    }
    if (!std::isfinite(T) || T < 0) {
        field = "T";
        return "must be a finite number >= 0, got " + describe_value(T);
    }
    if (t_x > T) {
        field = "recency";
        return "must be <= T (" + describe_value(T) + "), got " + describe_value(t_x);
    }
    if (x == 0 && t_x > 0) {
        field = "recency";
        return "must be 0 when frequency is 0, got " + describe_value(t_x);
    }
    if (x > 0 && (!std::isfinite(m) || m <= 0)) {
        field = "monetary_value";
        return "must be a finite number > 0 for a repeat customer, got " + describe_value(m);
    }
    return {};
}

}  // namespace detail

// Fills out[i] with customer i's lifetime value. PurchaseModel needs probability_alive(x, t_x, T) and
// expected_purchases_if_alive(t, x, T) (BetaGeoModel, ParetoNbdModel, ModifiedBetaGeoModel, BetaGeoBetaBinomModel).
// Throws invalid_input naming the field and the first offending customer.
template <class PurchaseModel>
void customer_lifetime_value(const PurchaseModel& purchases, const GammaGammaModel& spend, std::span<const double> x,
                             std::span<const double> t_x, std::span<const double> T,
                             std::span<const double> monetary_value, std::span<double> out,
                             const LifetimeValueOptions& opt = {}) {
    const std::size_t n = x.size();
    auto same = [&](std::size_t len, const char* name) {
        if (len != n)
            throw invalid_input(name, invalid_input::no_row,
                                "has " + std::to_string(len) + " values but frequency has " + std::to_string(n));
    };
    same(t_x.size(), "recency");
    same(T.size(), "T");
    same(monetary_value.size(), "monetary_value");
    same(out.size(), "out");
    if (opt.months < 0) throw invalid_input("months", invalid_input::no_row, "must be >= 0");
    if (!std::isfinite(opt.discount_rate) || !(opt.discount_rate > -1))
        throw invalid_input("discount_rate", invalid_input::no_row, "must be a finite number > -1");
    if (!std::isfinite(opt.month_length) || !(opt.month_length > 0))
        throw invalid_input("month_length", invalid_input::no_row, "must be a finite number > 0");
    const double population_mean = spend.conditional_expected_average_value(0, 1);  // throws when q <= 1

    std::vector<double> discount(static_cast<std::size_t>(opt.months) + 1);
    for (int k = 1; k <= opt.months; ++k) discount[static_cast<std::size_t>(k)] = std::pow(1 + opt.discount_rate, -k);

    // The discounted sum of the monthly increments of E[Y(t) | alive, x, T].
    auto discounted_if_alive = [&](double xi, double Ti) {
        double prev = purchases.expected_purchases_if_alive(0.0, xi, Ti), sum = 0;
        for (int k = 1; k <= opt.months; ++k) {
            const double cur = purchases.expected_purchases_if_alive(k * opt.month_length, xi, Ti);
            sum += (cur - prev) * discount[static_cast<std::size_t>(k)];
            prev = cur;
        }
        return sum;
    };

    struct Failure {
        std::size_t row = SIZE_MAX;
        std::string field, rule;
    };
    using Pair = std::pair<double, double>;
    // Pass 1 (chunks in parallel): check each row and number the chunk's distinct (x, T) pairs (slot[i]).
    std::vector<std::uint32_t> slot(n);
    auto check = [&](std::size_t b, std::size_t e, Failure& fail, std::vector<Pair>& pairs) {
        std::unordered_map<Pair, std::uint32_t, detail::PairHash> seen;
        for (std::size_t i = b; i < e; ++i) {
            const double xi = x[i], ti = t_x[i], Ti = T[i], mi = monetary_value[i];
            const bool ok = std::isfinite(xi) && xi >= 0 && xi == std::floor(xi) && ti >= 0 && ti <= Ti &&
                            std::isfinite(Ti) && (xi > 0 || ti == 0) && (xi == 0 || (mi > 0 && std::isfinite(mi)));
            if (!ok) {  // the message names the first rule broken
                fail.row = i;
                fail.rule = detail::lifetime_value_row_problem(xi, ti, Ti, mi, fail.field);
                return;
            }
            const auto [it, fresh] = seen.try_emplace({xi, Ti}, static_cast<std::uint32_t>(pairs.size()));
            if (fresh) pairs.push_back({xi, Ti});
            slot[i] = it->second;
        }
    };

    // Chunks of a fixed size: the result does not depend on the threads. The discounted sum depends on (x, T)
    // only, so it is computed once per distinct pair of the whole input (not once per chunk: with a cache per
    // chunk, 1M customers in 62 chunks evaluated each frequent pair's 2F1 sums 62 times, 5x the run time).
    constexpr std::size_t chunk = std::size_t{1} << 14;
    const unsigned threads = n < chunk ? 1u : opt.threads;  // a thread costs more than a small table
    const std::size_t chunks = core::chunk_count(n, chunk);
    std::vector<Failure> fails(chunks);
    std::vector<std::vector<Pair>> chunk_pairs(chunks);
    core::parallel_for_chunks(n, chunk, threads, [&](std::size_t c, std::size_t b, std::size_t e) {
        check(b, e, fails[c], chunk_pairs[c]);
    });
    for (const Failure& f : fails)  // contiguous ranges in order: the first failure is at the lowest row
        if (f.row != SIZE_MAX) throw invalid_input(f.field, static_cast<std::int64_t>(f.row), f.rule);

    // Each chunk's pair numbers -> one number per distinct pair of the input, in order of first appearance.
    std::unordered_map<Pair, std::size_t, detail::PairHash> index;
    std::vector<Pair> keys;
    std::vector<std::vector<std::size_t>> global(chunks);
    for (std::size_t c = 0; c < chunks; ++c) {
        global[c].reserve(chunk_pairs[c].size());
        for (const Pair& k : chunk_pairs[c]) {
            const auto [it, fresh] = index.try_emplace(k, keys.size());
            if (fresh) keys.push_back(k);
            global[c].push_back(it->second);
        }
        std::vector<Pair>().swap(chunk_pairs[c]);
    }
    std::vector<double> sums(keys.size());
    core::parallel_for(keys.size(), 64, keys.size() < 256 ? 1u : opt.threads, [&](std::size_t b, std::size_t e) {
        for (std::size_t k = b; k < e; ++k) sums[k] = discounted_if_alive(keys[k].first, keys[k].second);
    });
    core::parallel_for_chunks(n, chunk, threads, [&](std::size_t c, std::size_t b, std::size_t e) {
        const std::size_t* g = global[c].data();
        for (std::size_t i = b; i < e; ++i) {
            const double xi = x[i], ti = t_x[i], Ti = T[i], mi = monetary_value[i];
            const double value = xi == 0 ? population_mean : spend.conditional_expected_average_value(xi, mi);
            out[i] = value * purchases.probability_alive(xi, ti, Ti) * sums[g[slot[i]]];
        }
    });
}

// The same, returning a new vector.
template <class PurchaseModel>
std::vector<double> customer_lifetime_value(const PurchaseModel& purchases, const GammaGammaModel& spend,
                                            std::span<const double> x, std::span<const double> t_x,
                                            std::span<const double> T, std::span<const double> monetary_value,
                                            const LifetimeValueOptions& opt = {}) {
    std::vector<double> out(x.size());
    customer_lifetime_value(purchases, spend, x, t_x, T, monetary_value, out, opt);
    return out;
}

}  // namespace cxkit::clv

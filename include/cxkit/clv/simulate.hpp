#pragma once
// Deterministic, parallel simulation helper for the CLV models: customers are simulated in fixed blocks, each
// block with its own std::mt19937_64 seeded from (seed, block index), so the result depends only on the seed and
// not on the thread count.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

#include "cxkit/clv/rfm.hpp"
#include "cxkit/core/error.hpp"
#include "cxkit/core/parallel.hpp"

namespace cxkit::clv::detail {

// Beta(a, b) from two gammas (<random> has no beta distribution).
inline double beta_draw(std::mt19937_64& g, double a, double b) {
    const double x = std::gamma_distribution<double>(a, 1.0)(g);
    const double y = std::gamma_distribution<double>(b, 1.0)(g);
    return x + y > 0 ? x / (x + y) : (a >= b ? 1.0 : 0.0);
}

// one(engine, T, x, t_x) simulates one customer observed for T.
template <class One>
CustomerSummary simulate_customers(std::size_t n, double T, std::uint64_t seed, One&& one, unsigned threads = 0) {
    if (!(T >= 0) || !std::isfinite(T)) throw invalid_input("T", invalid_input::no_row, "must be a finite number >= 0");
    CustomerSummary c;
    c.x.resize(n);
    c.t_x.resize(n);
    c.T.assign(n, T);
    constexpr std::size_t block = 1u << 16;
    const std::size_t nblocks = (n + block - 1) / block;
    auto run = [&](std::size_t bi) {
        std::seed_seq ss{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32),
                         static_cast<std::uint32_t>(bi), static_cast<std::uint32_t>(bi >> 32)};
        std::mt19937_64 g(ss);
        for (std::size_t i = bi * block, e = std::min(n, (bi + 1) * block); i < e; ++i) one(g, T, c.x[i], c.t_x[i]);
    };
    core::parallel_for_chunks(nblocks, 1, threads, [&](std::size_t b, std::size_t, std::size_t) { run(b); });
    return c;
}

}  // namespace cxkit::clv::detail

// First-order Markov attribution by strongly connected sets (issue 12, "Markov attribution is cubic in channels"):
// equal to the dense absorbing-chain formula on random chains with cycles, fast on 10,000 channels without long
// cycles, and a clear refusal (not minutes of work) when more than markov_cycle_limit channels form one cycle.
#include <doctest/doctest.h>

#include <Eigen/Dense>

#include <chrono>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "cxkit/journey/markov_attribution.hpp"
#include "cxkit/journey/paths.hpp"

using namespace cxkit;
using namespace cxkit::journey;

namespace {

// The removal effects of the dense formula the solver replaced: N = (I - Q)^-1 in full.
std::vector<double> dense_removal_effects(const MarkovAttribution& r, std::size_t k) {
    const auto m = static_cast<Eigen::Index>(k + 1);
    const Eigen::MatrixXd P = Eigen::MatrixXd(r.sparse_transition);
    const Eigen::MatrixXd Q = P.topLeftCorner(m, m);
    const Eigen::VectorXd rr = P.block(0, m, m, 1);
    const Eigen::MatrixXd N = (Eigen::MatrixXd::Identity(m, m) - Q).inverse();
    const Eigen::VectorXd b = N * rr;
    std::vector<double> re(k);
    for (std::size_t c = 0; c < k; ++c) {
        const auto j = static_cast<Eigen::Index>(c + 1);
        re[c] = N(0, j) / N(j, j) * b(j) / b(0);
    }
    return re;
}

Paths random_paths(std::uint32_t seed, int channels, int rows, int max_len) {
    std::mt19937 rng(seed);
    std::uniform_int_distribution<int> ch(0, channels - 1), len(1, max_len), cnt(0, 5);
    std::vector<std::string> s;
    std::vector<double> conv, nul;
    for (int i = 0; i < rows; ++i) {
        std::string p;
        const int n = len(rng);
        for (int q = 0; q < n; ++q) p += (q ? " > c" : "c") + std::to_string(ch(rng));
        s.push_back(p);
        conv.push_back(cnt(rng));
        nul.push_back(cnt(rng));
    }
    conv[0] += 1;
    return Paths::from_strings(s, conv, nul);
}

}  // namespace

TEST_CASE("markov order 1: strongly connected sets equal the dense inverse on random chains") {
    for (std::uint32_t seed = 0; seed < 12; ++seed) {
        // few channels: one big cycle set; many channels with short paths: many small sets and single states
        const int channels = seed % 2 ? 6 : 60;
        const Paths p = random_paths(seed, channels, 40 + 10 * static_cast<int>(seed), 5);
        const MarkovAttribution r = markov_attribution(p);
        const auto want = dense_removal_effects(r, p.states.size());
        for (std::size_t c = 0; c < want.size(); ++c)
            CHECK(r.removal_effects[c] == doctest::Approx(want[c]).epsilon(1e-10));
        double total = 0;
        for (double v : r.conversions) total += v;
        CHECK(total == doctest::Approx(p.total_conversions()));
    }
}

TEST_CASE("markov order 1: a state set of one is solved by division (acyclic funnel)") {
    const Paths p = Paths::from_strings({"a > b > c", "a > c", "b > c", "a"}, {3, 1, 2, 0}, {1, 2, 2, 4});
    const MarkovAttribution r = markov_attribution(p);
    const auto want = dense_removal_effects(r, 3);
    for (std::size_t c = 0; c < 3; ++c) CHECK(r.removal_effects[c] == doctest::Approx(want[c]).epsilon(1e-12));
    CHECK(r.transition.rows() == 6);  // small: the dense matrix is filled as well
}

TEST_CASE("markov order 1: 10,000 channels without long cycles run in well under a second") {
    // Paths move forward through the channels (c_i > c_j with j > i), so every set has one channel.
    std::mt19937 rng(7);
    std::uniform_int_distribution<int> start(0, 9'990), step(1, 5), len(1, 6), cnt(0, 3);
    std::vector<std::string> s;
    std::vector<double> conv, nul;
    for (int i = 0; i < 40'000; ++i) {
        int c = start(rng);
        std::string p = "c" + std::to_string(c);
        for (int q = 1, n = len(rng); q < n && c + 5 < 10'000; ++q) p += " > c" + std::to_string(c += step(rng));
        s.push_back(p);
        conv.push_back(cnt(rng));
        nul.push_back(cnt(rng) + 1);
    }
    const Paths p = Paths::from_strings(s, conv, nul);
    REQUIRE(p.states.size() > 9'900);
    const auto t0 = std::chrono::steady_clock::now();
    const MarkovAttribution r = markov_attribution(p);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    // Milliseconds when quiet; the dense solve this replaced took minutes at this size. The bound only has to tell
    // those apart, with room for a loaded machine and the sanitizer build (-O1).
    MESSAGE("10,000-channel funnel: " << seconds << " s");
    CHECK(seconds < 60.0);
    CHECK(r.transition.size() == 0);  // 10,003 states: only the sparse matrix
    double total = 0;
    for (double v : r.conversions) total += v;
    CHECK(total == doctest::Approx(p.total_conversions()));
    for (double re : r.removal_effects) CHECK((re >= 0 && re <= 1 + 1e-12));
}

TEST_CASE("markov order 1: more than markov_cycle_limit channels in one cycle are refused at once") {
    const Paths p = random_paths(3, 10'000, 60'000, 6);  // random moves: one giant cycle set
    const auto t0 = std::chrono::steady_clock::now();
    try {
        (void)markov_attribution(p);
        FAIL("expected a refusal");
    } catch (const invalid_input& e) {
        CHECK(std::string(e.what()).find("lead back to one another") != std::string::npos);
        CHECK(std::string(e.what()).find(std::to_string(markov_cycle_limit)) != std::string::npos);
    }
    // at once: before any solve (a cubic solve of this set would take many minutes)
    CHECK(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() < 60.0);
}

TEST_CASE("markov order 1: the dense count table and the triplet list give the same transitions to the bit") {
    // Few channels sum the moves into a dense table, many into triplets: both must add each cell in path order.
    for (const int channels : {3, 12, 300}) {
        CAPTURE(channels);
        Paths p = random_paths(static_cast<std::uint32_t>(channels), channels, 4000, 8);
        for (std::size_t i = 0; i < p.size(); ++i) p.conversions[i] += 0.1 * static_cast<double>(i % 7);  // not whole
        std::vector<double> c1, n1, c2, n2;
        const auto dense = cxkit::journey::detail::transition_counts(p, true, c1, n1);
        const auto list = cxkit::journey::detail::transition_counts(p, false, c2, n2);
        CHECK(dense.nonZeros() == list.nonZeros());
        CHECK(Eigen::MatrixXd(dense) == Eigen::MatrixXd(list));
        CHECK(c1 == c2);
        CHECK(n1 == n2);
        for (Eigen::Index r = 0; r < dense.rows(); ++r) {  // same structure, in the same order
            cxkit::journey::detail::SparseRows::InnerIterator a(dense, r), b(list, r);
            for (; a && b; ++a, ++b) CHECK(a.col() == b.col());
            CHECK(!a);
            CHECK(!b);
        }
    }
}

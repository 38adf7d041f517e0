// Attribution: Markov removal effects against an independent re-solve of each reduced chain, heuristics against
// hand-computed credits, Shapley against brute force over all orderings.
#include <doctest/doctest.h>

#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "cxkit/core/event_log_builder.hpp"
#include "cxkit/journey/heuristic_attribution.hpp"
#include "cxkit/journey/markov_attribution.hpp"
#include "cxkit/journey/paths.hpp"
#include "cxkit/journey/shapley_attribution.hpp"

using namespace cxkit;
using namespace cxkit::journey;

namespace {

// P(conversion from the start) of the chain estimated from `p` with channel `removed` (-1: none) sent to null,
// by building the full transition matrix and solving the absorbing chain directly.
double conversion_probability(const Paths& p, int removed) {
    const Paths c = p.collapsed();
    const int k = static_cast<int>(c.states.size());
    Eigen::MatrixXd counts = Eigen::MatrixXd::Zero(k + 1, k + 3);
    for (std::size_t i = 0; i < c.size(); ++i) {
        int from = 0;
        for (auto* s = c.begin(i); s != c.end(i); ++s) {
            counts(from, *s + 1) += c.conversions[i] + c.nulls[i];
            from = *s + 1;
        }
        counts(from, k + 1) += c.conversions[i];
        counts(from, k + 2) += c.nulls[i];
    }
    Eigen::MatrixXd P = Eigen::MatrixXd::Zero(k + 1, k + 3);
    for (int i = 0; i <= k; ++i) P.row(i) = counts.row(i) / counts.row(i).sum();
    if (removed >= 0) {  // transitions into the removed channel go to (null)
        P.col(k + 2) += P.col(removed + 1);
        P.col(removed + 1).setZero();
    }
    const Eigen::MatrixXd Q = P.leftCols(k + 1);
    const Eigen::VectorXd r = P.col(k + 1);
    const Eigen::VectorXd b = (Eigen::MatrixXd::Identity(k + 1, k + 1) - Q).fullPivLu().solve(r);
    return b(0);
}

Paths sample_paths() {
    return Paths::from_strings({"a > b > c", "a > a > c", "b", "c > a", "b > c > b > a", "a"},
                               {3, 2, 1, 4, 2, 0}, {5, 1, 6, 2, 1, 7}, {30, 20, 10, 40, 20, 0});
}

}  // namespace

TEST_CASE("paths from strings, with validation") {
    const Paths p = sample_paths();
    CHECK(p.size() == 6);
    CHECK(p.states == std::vector<std::string>{"a", "b", "c"});
    CHECK(p.to_string(4) == "b > c > b > a");
    CHECK(p.total_conversions() == 12);
    const Paths c = p.collapsed();
    CHECK(c.to_string(1) == "a > c");
    CHECK_THROWS_WITH_AS(Paths::from_strings({"a > > b"}, {1}, {0}), doctest::Contains("row 0: empty state"), invalid_input);
    CHECK_THROWS_WITH_AS(Paths::from_strings({"a > (null)"}, {1}, {0}), doctest::Contains("reserved"), invalid_input);
    CHECK_THROWS_WITH_AS(Paths::from_strings({"a"}, {-1}, {0}), doctest::Contains("conversions"), invalid_input);
    CHECK_THROWS_AS(Paths::from_strings({"a", "b"}, {1}, {0, 1}), invalid_input);
    CHECK_THROWS_AS(Paths::from_strings({"a"}, {1}, {0}, {}, ""), invalid_input);
}

TEST_CASE("paths from an event log stop at the first conversion") {
    EventLogBuilder b;
    b.event("u1", 1).set("channel", "web");
    b.event("u1", 2).set("channel", "email");
    b.event("u1", 3).set("kind", "purchase").set("value", 50.0);
    b.event("u1", 4).set("channel", "web");  // after the conversion: not in the path
    b.event("u2", 1).set("channel", "web");
    b.event("u2", 2).set("channel", "web");
    b.event("u3", 1).set("channel", "web");
    b.event("u3", 2).set("channel", "email");
    b.event("u3", 3).set("kind", "purchase").set("value", 20.0);
    const EventLog log = std::move(b).build();
    const Paths p = Paths::from_log(log, "channel");
    REQUIRE(p.size() == 2);
    CHECK(p.to_string(0) == "web > email");
    CHECK(p.conversions[0] == 2);
    CHECK(p.value[0] == 70);
    CHECK(p.to_string(1) == "web > web");
    CHECK(p.nulls[1] == 1);
    CHECK(Paths::from_log(log, "channel", "purchase", true).to_string(1) == "web");
    CHECK_THROWS_AS(Paths::from_log(log, "nope"), invalid_input);
}

TEST_CASE("Markov removal effects equal re-solving the chain without each channel") {
    const Paths p = sample_paths();
    const MarkovAttribution m = markov_attribution(p);
    const double base = conversion_probability(p, -1);
    CHECK(m.conversion_probability == doctest::Approx(base).epsilon(1e-12));
    double sum_re = 0;
    for (int c = 0; c < 3; ++c) {
        const double re = 1.0 - conversion_probability(p, c) / base;
        CHECK(m.removal_effects[static_cast<std::size_t>(c)] == doctest::Approx(re).epsilon(1e-10));
        sum_re += re;
    }
    double total = 0;
    for (int c = 0; c < 3; ++c) {
        const double re = 1.0 - conversion_probability(p, c) / base;
        CHECK(m.conversions[static_cast<std::size_t>(c)] == doctest::Approx(re / sum_re * 12).epsilon(1e-10));
        CHECK(m.value[static_cast<std::size_t>(c)] == doctest::Approx(re / sum_re * 120).epsilon(1e-10));
        total += m.conversions[static_cast<std::size_t>(c)];
    }
    CHECK(total == doctest::Approx(12));
    // rows of the transition matrix are distributions
    for (Eigen::Index i = 0; i < m.transition.rows(); ++i) CHECK(m.transition.row(i).sum() == doctest::Approx(1.0));
}

TEST_CASE("Markov on random paths matches the direct solve for every channel") {
    std::mt19937_64 rng(7);
    std::vector<std::string> paths;
    std::vector<double> conv, nulls;
    const char* ch[] = {"web", "email", "social", "search", "tv", "app"};
    for (int i = 0; i < 300; ++i) {
        const int len = 1 + static_cast<int>(rng() % 6);
        std::string s;
        for (int j = 0; j < len; ++j) s += (j ? " > " : "") + std::string(ch[rng() % 6]);
        paths.push_back(s);
        conv.push_back(static_cast<double>(rng() % 5));
        nulls.push_back(static_cast<double>(rng() % 9));
    }
    const Paths p = Paths::from_strings(paths, conv, nulls);
    const MarkovAttribution m = markov_attribution(p);
    const double base = conversion_probability(p, -1);
    for (int c = 0; c < static_cast<int>(p.states.size()); ++c)
        CHECK(m.removal_effects[static_cast<std::size_t>(c)] ==
              doctest::Approx(1.0 - conversion_probability(p, c) / base).epsilon(1e-9));
}

TEST_CASE("Markov refuses zero conversions") {
    CHECK_THROWS_WITH_AS(markov_attribution(Paths::from_strings({"a > b"}, {0}, {3})),
                         doctest::Contains("no conversions"), invalid_input);
}

TEST_CASE("heuristic attribution equals hand-computed credits") {
    // a > b > c (3 conv, 30), a > a > c (2, 20), b (1, 10), c > a (4, 40), b > c > b > a (2, 20), a (0 conv)
    const HeuristicAttribution h = heuristic_attribution(sample_paths());
    // first touch: a 3+2, b 1+2, c 4
    CHECK(h.first_touch == std::vector<double>{5, 3, 4});
    // last touch: c 3+2, b 1, a 4+2
    CHECK(h.last_touch == std::vector<double>{6, 1, 5});
    // linear: a: 3/3 + 2*2/3 + 4/2 + 2/4 = 1 + 1.3333 + 2 + 0.5; b: 1 + 1 + 2*2/4; c: 1 + 2/3 + 2 + 2/4
    CHECK(h.linear[0] == doctest::Approx(1 + 4.0 / 3 + 2 + 0.5));
    CHECK(h.linear[1] == doctest::Approx(1 + 1 + 1));
    CHECK(h.linear[2] == doctest::Approx(1 + 2.0 / 3 + 2 + 0.5));
    // position-based 40/20/40: a > b > c: a 1.2, b 0.6, c 1.2; a > a > c: a 0.8 + 0.4, c 0.8; b: b 1;
    // c > a: 2 each; b > c > b > a: b 0.8 + 0.2, c 0.2, a 0.8
    CHECK(h.position_based[0] == doctest::Approx(1.2 + 1.2 + 2 + 0.8));
    CHECK(h.position_based[1] == doctest::Approx(0.6 + 1 + 1.0));
    CHECK(h.position_based[2] == doctest::Approx(1.2 + 0.8 + 2 + 0.2));
    CHECK(h.linear_value[1] == doctest::Approx(30));
    double total = 0;
    for (double v : h.position_based) total += v;
    CHECK(total == doctest::Approx(12));
    CHECK_THROWS_AS(heuristic_attribution(sample_paths(), 0.7, 0.7), invalid_input);
}

TEST_CASE("Shapley attribution equals brute force over all orderings") {
    const Paths p = sample_paths();
    const std::size_t n = p.states.size();
    auto v = [&](unsigned S) {  // conversions of the paths whose channels all lie in S
        double s = 0;
        for (std::size_t i = 0; i < p.size(); ++i) {
            bool inside = true;
            for (auto* c = p.begin(i); c != p.end(i); ++c) inside = inside && (S >> *c & 1u);
            if (inside) s += p.conversions[i];
        }
        return s;
    };
    std::vector<int> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::vector<double> phi(n, 0.0);
    int perms = 0;
    do {
        unsigned S = 0;
        for (int c : order) {
            phi[static_cast<std::size_t>(c)] += v(S | (1u << c)) - v(S);
            S |= 1u << c;
        }
        ++perms;
    } while (std::next_permutation(order.begin(), order.end()));
    const ShapleyAttribution s = shapley_attribution(p);
    const ShapleyAttribution simple = simplified_shapley_attribution(p);
    CHECK(s.exact);
    for (std::size_t i = 0; i < n; ++i) {
        CHECK(s.conversions[i] == doctest::Approx(phi[i] / perms).epsilon(1e-12));
        CHECK(simple.conversions[i] == doctest::Approx(phi[i] / perms).epsilon(1e-12));
    }
}

TEST_CASE("Shapley beyond the exact limit uses the simplified form") {
    std::vector<std::string> paths;
    for (int i = 0; i < 25; ++i) paths.push_back("c" + std::to_string(i) + " > c" + std::to_string((i + 1) % 25));
    const Paths p = Paths::from_strings(paths, std::vector<double>(25, 2.0), std::vector<double>(25, 1.0));
    const ShapleyAttribution s = shapley_attribution(p);
    CHECK_FALSE(s.exact);
    for (double c : s.conversions) CHECK(c == doctest::Approx(2.0));  // each channel in two paths, half of 2 each
}

TEST_CASE("parsing on two threads gives the codes of one pass") {
    std::mt19937_64 rng(3);
    const char* ch[] = {"a", "b", "c", "d", "e", "f", "g", "h"};
    std::vector<std::string> paths;
    for (int i = 0; i < 250'000; ++i) {
        const int len = 1 + static_cast<int>(rng() % 4);
        std::string s;
        // the second half introduces states the first half never saw
        const int pool = i < 125'000 ? 4 : 8;
        for (int j = 0; j < len; ++j) s += (j ? " > " : "") + std::string(ch[rng() % static_cast<unsigned>(pool)]);
        paths.push_back(s);
    }
    const std::vector<double> conv(paths.size(), 1.0), nulls(paths.size(), 2.0);
    const Paths p = Paths::from_strings(paths, conv, nulls);
    // one pass by hand: codes in order of first appearance
    std::vector<std::string> order;
    for (auto& s : paths) {
        std::size_t start = 0;
        while (start <= s.size()) {
            std::size_t pos = s.find('>', start);
            if (pos == std::string::npos) pos = s.size();
            std::string tok = s.substr(start, pos - start);
            tok.erase(0, tok.find_first_not_of(' '));
            tok.erase(tok.find_last_not_of(' ') + 1);
            if (std::find(order.begin(), order.end(), tok) == order.end()) order.push_back(tok);
            start = pos + 1;
        }
    }
    CHECK(p.states == order);
    CHECK(p.size() == paths.size());
    CHECK(p.to_string(200'000) == paths[200'000]);
    CHECK(p.to_string(7) == paths[7]);
    std::vector<std::string> bad = paths;
    bad[240'000] = "a > (start)";
    bad[10] = "a >> b";
    CHECK_THROWS_WITH_AS(Paths::from_strings(bad, conv, nulls), doctest::Contains("row 10"), invalid_input);
}

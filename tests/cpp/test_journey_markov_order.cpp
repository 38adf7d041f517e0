// Higher-order Markov attribution: a hand-solved order-2 chain, and removal effects of orders 2-4 against an
// independent dense solve of the k-tuple chain (states kept as std::vector tuples in a std::map).
#include <doctest/doctest.h>

#include <Eigen/Dense>

#include <map>
#include <random>
#include <string>
#include <vector>

#include "cxkit/journey/markov_higher_order.hpp"
#include "cxkit/journey/paths.hpp"

using namespace cxkit;
using namespace cxkit::journey;

namespace {

// P(conversion) of the k-tuple chain of `p` with every state containing `removed` (-1: none) taken out.
double dense_k_tuple_conversion(const Paths& p, std::size_t k, int removed) {
    std::map<std::vector<int>, int> index;
    std::vector<std::vector<int>> seqs;
    for (std::size_t i = 0; i < p.size(); ++i) {
        std::vector<int> path(p.begin(i), p.end(i)), seq;
        const std::size_t n = path.size();
        for (std::size_t j = 0; j + std::min(k, n) <= n; ++j) {
            std::vector<int> t(path.begin() + static_cast<long>(j), path.begin() + static_cast<long>(j + std::min(k, n)));
            auto it = index.try_emplace(t, static_cast<int>(index.size()) + 1).first;
            if (seq.empty() || seq.back() != it->second) seq.push_back(it->second);
        }
        seqs.push_back(seq);
    }
    const int m = static_cast<int>(index.size()) + 1;  // + (start)
    Eigen::MatrixXd C = Eigen::MatrixXd::Zero(m, m + 2);
    for (std::size_t i = 0; i < p.size(); ++i) {
        int from = 0;
        for (int s : seqs[i]) {
            C(from, s) += p.conversions[i] + p.nulls[i];
            from = s;
        }
        C(from, m) += p.conversions[i];
        C(from, m + 1) += p.nulls[i];
    }
    std::vector<bool> gone(static_cast<std::size_t>(m), false);
    for (auto& [t, s] : index)
        for (int c : t) gone[static_cast<std::size_t>(s)] = gone[static_cast<std::size_t>(s)] || c == removed;
    Eigen::MatrixXd A = Eigen::MatrixXd::Identity(m, m);
    Eigen::VectorXd r(m);
    for (int i = 0; i < m; ++i) {
        const double out = C.row(i).sum();
        r(i) = out > 0 ? C(i, m) / out : 0.0;
        for (int j = 0; j < m; ++j)
            if (!gone[static_cast<std::size_t>(j)] && out > 0) A(i, j) -= C(i, j) / out;
    }
    return A.fullPivLu().solve(r)(0);
}

}  // namespace

TEST_CASE("order-2 Markov attribution of a chain solved by hand") {
    // States (a,b), (c,b), (a). From the start: 4/10, 4/10, 2/10; they convert 3/4, 0, 1/2. P = 0.4.
    // Without a: (a,b) and (a) gone, P = 0 (RE 1); without b: (a) only, P = 0.1 (RE 0.75); c: (c,b) never
    // converts (RE 0). Credits of 4 conversions: a 4/1.75, b 3/1.75, c 0.
    const Paths p = Paths::from_strings({"a > b", "c > b", "a"}, {3, 0, 1}, {1, 4, 1}, {30, 0, 5});
    const MarkovAttribution r = markov_attribution(p, 2);
    CHECK(r.conversion_probability == doctest::Approx(0.4).epsilon(1e-12));
    CHECK(r.removal_effects[0] == doctest::Approx(1.0));
    CHECK(r.removal_effects[1] == doctest::Approx(0.75));
    CHECK(r.removal_effects[2] == doctest::Approx(0.0));
    CHECK(r.conversions[0] == doctest::Approx(4 / 1.75));
    CHECK(r.conversions[1] == doctest::Approx(3 / 1.75));
    CHECK(r.value[0] == doctest::Approx(35 / 1.75));
    CHECK(r.state_names.size() == 3 + 3);
    CHECK(r.state_names[1] == "a > b");
    // the first-order chain pools every path through b (3/8 convert), so c gets credit there: RE 1 - 0.25/0.4
    CHECK(markov_attribution(p, 1).removal_effects[2] == doctest::Approx(0.375));
}

TEST_CASE("long journeys: the sweeps' error bound holds where journeys cycle for hundreds of steps") {
    // a > b repeated: the order-2 chain alternates (a,b) <-> (b,a) and leaves only at a path's end
    std::string longp = "a";
    for (int i = 0; i < 400; ++i) longp += i % 2 ? " > a" : " > b";
    const Paths p = Paths::from_strings({longp, "a > b", "b > c"}, {3, 1, 1}, {2, 5, 4});
    for (int order = 2; order <= 3; ++order) {
        const MarkovAttribution lu = markov_attribution(p, order, 1000), sweeps = markov_attribution(p, order, 0);
        CHECK(std::abs(lu.conversion_probability - sweeps.conversion_probability) < 1e-12);
        for (std::size_t c = 0; c < p.states.size(); ++c) CHECK(std::abs(lu.removal_effects[c] - sweeps.removal_effects[c]) < 1e-9);
    }
}

TEST_CASE("orders 2-4 equal a dense solve of the k-tuple chain") {
    std::mt19937 gen(11);
    const std::vector<std::string> ch{"web", "mail", "ads", "tv", "app"};
    std::vector<std::string> strs;
    std::vector<double> conv, null;
    for (int i = 0; i < 300; ++i) {
        const int n = 1 + static_cast<int>(gen() % 7);
        std::string s;
        for (int j = 0; j < n; ++j) s += (j ? " > " : "") + ch[gen() % ch.size()];
        strs.push_back(s);
        conv.push_back(static_cast<double>(gen() % 4));
        null.push_back(static_cast<double>(gen() % 6));
    }
    const Paths p = Paths::from_strings(strs, conv, null);
    // both exact solvers: sparse LU (up to 1000 states), and bounded Gauss-Seidel sweeps (forced with 0)
    for (const std::size_t lu_max_states : {std::size_t{1000}, std::size_t{0}})
    for (int order = 2; order <= 4; ++order) {
        CAPTURE(order);
        CAPTURE(lu_max_states);
        const MarkovAttribution r = markov_attribution(p, order, lu_max_states);
        const double base = dense_k_tuple_conversion(p, static_cast<std::size_t>(order), -1);
        CHECK(r.conversion_probability == doctest::Approx(base).epsilon(1e-10));
        for (std::size_t c = 0; c < p.states.size(); ++c) {
            const double re = 1 - dense_k_tuple_conversion(p, static_cast<std::size_t>(order), static_cast<int>(c)) / base;
            CHECK(std::abs(r.removal_effects[c] - re) < 1e-9);
        }
        // every row of the transition matrix sums to 1
        for (Eigen::Index i = 0; i < r.sparse_transition.rows(); ++i)
            CHECK(r.sparse_transition.row(i).sum() == doctest::Approx(1.0));
    }
    CHECK_THROWS_AS(markov_attribution(p, 5), invalid_input);
    CHECK_THROWS_AS(markov_attribution(p, 0), invalid_input);
}

// core/parallel.hpp: the one parallel primitive (chunked, deterministic for any thread count, cancellable).
#include <doctest/doctest.h>

#include <atomic>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <vector>

#include "cxkit/core/parallel.hpp"

using namespace cxkit;

TEST_CASE("parallel_for visits every row exactly once, on any thread count") {
    for (unsigned threads : {1u, 2u, 3u, 8u}) {
        std::vector<int> seen(10'007, 0);
        core::parallel_for(seen.size(), 100, threads, [&](std::size_t b, std::size_t e) {
            for (std::size_t i = b; i < e; ++i) ++seen[i];
        });
        CHECK(std::all_of(seen.begin(), seen.end(), [](int v) { return v == 1; }));
    }
    core::parallel_for(0, 10, 2, [](std::size_t, std::size_t) { FAIL("no rows, no call"); });
}

TEST_CASE("parallel_reduce gives the same bits on any thread count") {
    std::vector<double> x(100'000);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = std::sin(double(i)) * 1e-3 + 1.0 / double(i + 1);
    auto sum = [&](unsigned threads) {
        return core::parallel_reduce(
            x.size(), 1'000, threads, 0.0,
            [&](double& acc, std::size_t b, std::size_t e) {
                for (std::size_t i = b; i < e; ++i) acc += x[i];
            },
            [](double& into, double from) { into += from; });
    };
    const double one = sum(1);
    for (unsigned t : {2u, 3u, 5u, 16u}) CHECK(sum(t) == one);  // exact: the merge order is the chunk order
    CHECK(one == doctest::Approx(std::accumulate(x.begin(), x.end(), 0.0)).epsilon(1e-12));
}

TEST_CASE("the first exception of the work is rethrown and stops the loop") {
    // One thread: the loop stops right after the throwing chunk. Two: the exception still comes back, but how many
    // chunks the other thread ran meanwhile depends on scheduling (on a loaded machine, all of them).
    for (unsigned threads : {1u, 2u}) {
        std::atomic<int> ran{0};
        CHECK_THROWS_WITH_AS(core::parallel_for(1'000, 1, threads,
                                                [&](std::size_t b, std::size_t) {
                                                    ++ran;
                                                    if (b == 10) throw std::runtime_error("row 10");
                                                }),
                             "row 10", std::runtime_error);
        if (threads == 1) CHECK(ran.load() == 11);
    }
}

namespace {
struct Countdown {
    int left;
};
bool keep_going(void* p) { return --static_cast<Countdown*>(p)->left > 0; }
bool always(void*) { return true; }
}  // namespace

TEST_CASE("an interrupt check stops the loop between chunks and throws cancelled") {
    Countdown c{3};
    std::atomic<std::size_t> rows{0};
    {
        core::interrupt_scope scope(&keep_going, &c);
        CHECK_THROWS_AS(core::parallel_for(1'000'000, 1, 2,
                                           [&](std::size_t b, std::size_t e) {
                                               rows += e - b;
                                               volatile double s = 0;
                                               for (int i = 0; i < 20'000; ++i) s = s + std::sqrt(double(i));
                                           }),
                        core::cancelled);
        CHECK(core::interrupt_requested());  // stays tripped for the rest of the scope
        CHECK_THROWS_AS(core::check_interrupt(), core::cancelled);
    }
    CHECK(rows.load() < 1'000'000);
    CHECK_FALSE(core::interrupt_requested());  // the scope is gone: no check installed
    core::check_interrupt();

    // A check that always says "go on" changes nothing.
    core::interrupt_scope scope(&always, nullptr);
    std::vector<int> seen(5'000, 0);
    core::parallel_for(seen.size(), 7, 2, [&](std::size_t b, std::size_t e) {
        for (std::size_t i = b; i < e; ++i) ++seen[i];
    });
    CHECK(std::accumulate(seen.begin(), seen.end(), 0) == 5'000);
}

TEST_CASE("parallel_invoke runs both sides") {
    int a = 0, b = 0;
    core::parallel_invoke(2, [&] { a = 1; }, [&] { b = 2; });
    CHECK(a + b == 3);
    core::parallel_invoke(1, [&] { a = 3; }, [&] { b = 4; });
    CHECK(a + b == 7);
}

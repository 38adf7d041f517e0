#pragma once
// A parallel loop over rows in chunks that can be stopped between chunks: the way a long computation (VADER over
// millions of texts) honours Ctrl-C. The threads take chunks in order from a shared counter (so a slow chunk does
// not hold up the others); the calling thread works too and, between its chunks, asks keep_going() whether to
// go on (the Python bindings re-acquire the GIL there and check for signals). Results must not depend on which
// thread ran a row, so any schedule gives the same answer.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <exception>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace cxkit::voc {

// Thrown by chunked_loop when keep_going() returned false: no chunk was started after it.
struct cancelled : std::exception {
    const char* what() const noexcept override { return "cancelled between chunks"; }
};

// Runs work(begin, end) over [0, n) in chunks of `chunk` rows on up to `threads` threads (0: one per core), the
// calling thread included. The calling thread calls keep_going() between its chunks, at most once per `interval`;
// when it returns false, no further chunk starts, the running ones finish and cancelled is thrown. An exception
// from work stops the loop the same way and is rethrown (the first one).
template <class Work, class KeepGoing>
void chunked_loop(std::size_t n, unsigned threads, std::size_t chunk, Work&& work, KeepGoing&& keep_going,
                  std::chrono::milliseconds interval = std::chrono::milliseconds(20)) {
    if (n == 0) return;
    chunk = std::max<std::size_t>(1, chunk);
    const std::size_t chunks = (n + chunk - 1) / chunk;
    if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
    const std::size_t nt = std::min<std::size_t>(threads, chunks);

    std::atomic<std::size_t> next{0};
    std::atomic<bool> stop{false};
    std::exception_ptr error;
    std::mutex error_mutex;
    auto run = [&](bool caller) {
        auto last_check = std::chrono::steady_clock::now();
        while (!stop.load(std::memory_order_relaxed)) {
            if (caller) {
                const auto now = std::chrono::steady_clock::now();
                if (now - last_check >= interval) {
                    last_check = now;
                    bool go = false;
                    try {
                        go = keep_going();
                    } catch (...) {
                        std::lock_guard lock(error_mutex);
                        if (!error) error = std::current_exception();
                    }
                    if (!go) {
                        stop = true;
                        break;
                    }
                }
            }
            const std::size_t c = next.fetch_add(1, std::memory_order_relaxed);
            if (c >= chunks) break;
            try {
                work(c * chunk, std::min(n, (c + 1) * chunk));
            } catch (...) {
                std::lock_guard lock(error_mutex);
                if (!error) error = std::current_exception();
                stop = true;
            }
        }
    };
    {
        std::vector<std::jthread> pool;
        pool.reserve(nt - 1);
        for (std::size_t t = 1; t < nt; ++t) pool.emplace_back([&] { run(false); });
        run(true);
    }
    if (error) std::rethrow_exception(error);
    if (stop) throw cancelled{};
}

// The same loop with no way to stop it early.
template <class Work>
void chunked_loop(std::size_t n, unsigned threads, std::size_t chunk, Work&& work) {
    chunked_loop(n, threads, chunk, std::forward<Work>(work), [] { return true; });
}

}  // namespace cxkit::voc

#pragma once
// The one parallel primitive of cxkit: every threaded loop runs through parallel_for / parallel_reduce.
//
// - Chunked: [0, n) is cut into chunks of a fixed size chosen by the caller, never by the thread count, and a
//   reduction merges the per-chunk results in chunk order. So the answer is the same, to the bit, on any number
//   of threads (DESIGN.md principle 6).
// - Cancellable: the calling thread asks the thread's interrupt check (see interrupt_scope) between its chunks,
//   at most once per 20 ms; when it says stop, no further chunk starts, the running ones finish and `cancelled`
//   is thrown. The Python bindings install a check that re-takes the GIL and looks for Ctrl-C; C++ users may
//   install their own (a deadline, a stop button) or none (then nothing is ever interrupted).
// - Exceptions from the work stop the loop the same way; the first one is rethrown on the calling thread.
//
// Sequential long loops (optimiser iterations, sweeps) call check_interrupt() between steps.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace cxkit::core {

// Thrown when the thread's interrupt check asked to stop: the computation left no result behind.
struct cancelled : std::exception {
    const char* what() const noexcept override { return "cxkit: computation interrupted"; }
};

namespace detail {
struct interrupt_hook {
    bool (*keep_going)(void*) = nullptr;  // false: stop
    void* context = nullptr;
    std::chrono::steady_clock::time_point last{};
    bool tripped = false;  // once false was answered, every later check says stop too
};
inline thread_local interrupt_hook current_interrupt_hook{};
}  // namespace detail

// Installs keep_going(context) as the calling thread's interrupt check for the lifetime of the scope (restoring
// the previous one after). keep_going runs on the installing thread only.
class interrupt_scope {
public:
    interrupt_scope(bool (*keep_going)(void*), void* context) noexcept : saved_(detail::current_interrupt_hook) {
        detail::current_interrupt_hook = {keep_going, context, std::chrono::steady_clock::now(), false};
    }
    ~interrupt_scope() { detail::current_interrupt_hook = saved_; }
    interrupt_scope(const interrupt_scope&) = delete;
    interrupt_scope& operator=(const interrupt_scope&) = delete;

private:
    detail::interrupt_hook saved_;
};

// True when the calling thread's check asks to stop. Asks the check at most once per `interval` (so it can be
// called in a tight loop); false when no check is installed.
inline bool interrupt_requested(std::chrono::milliseconds interval = std::chrono::milliseconds(20)) {
    auto& h = detail::current_interrupt_hook;
    if (!h.keep_going) return false;
    if (h.tripped) return true;
    const auto now = std::chrono::steady_clock::now();
    if (now - h.last < interval) return false;
    h.last = now;
    if (!h.keep_going(h.context)) h.tripped = true;
    return h.tripped;
}

// Throws cancelled when the calling thread's check asks to stop.
inline void check_interrupt() {
    if (interrupt_requested()) throw cancelled{};
}

// The number of threads to use for `threads` (0: one per core).
inline unsigned thread_count(unsigned threads) noexcept {
    return threads ? threads : std::max(1u, std::thread::hardware_concurrency());
}

// The number of chunks of `chunk` rows in [0, n).
inline std::size_t chunk_count(std::size_t n, std::size_t chunk) noexcept {
    chunk = std::max<std::size_t>(1, chunk);
    return (n + chunk - 1) / chunk;
}

namespace detail {
// The loop behind parallel_for_chunks, not a template: the thread pool (std::jthread, the error and interrupt
// bookkeeping) is compiled once per program instead of once per loop body, which was a tenth of the Python
// module's code and of its compile time. The body is called through a function pointer once per chunk.
using chunk_fn = void (*)(void* work, std::size_t chunk_index, std::size_t begin, std::size_t end);

inline void run_chunks(std::size_t n, std::size_t chunk, unsigned threads, void* work, chunk_fn call) {
    if (n == 0) return;
    chunk = std::max<std::size_t>(1, chunk);
    const std::size_t chunks = chunk_count(n, chunk);
    const std::size_t nt = std::min<std::size_t>(thread_count(threads), chunks);

    std::atomic<std::size_t> next{0};
    std::atomic<bool> stop{false};
    bool interrupted = false;
    std::exception_ptr error;
    std::mutex error_mutex;
    auto record = [&](std::exception_ptr e) {
        std::lock_guard lock(error_mutex);
        if (!error) error = std::move(e);
        stop = true;
    };
    auto run = [&](bool caller) {
        while (!stop.load(std::memory_order_relaxed)) {
            if (caller) {
                bool stop_now = false;
                try {
                    stop_now = interrupt_requested();
                } catch (...) {
                    record(std::current_exception());
                    break;
                }
                if (stop_now) {
                    interrupted = true;
                    stop = true;
                    break;
                }
            }
            const std::size_t c = next.fetch_add(1, std::memory_order_relaxed);
            if (c >= chunks) break;
            try {
                call(work, c, c * chunk, std::min(n, (c + 1) * chunk));
            } catch (...) {
                record(std::current_exception());
            }
        }
    };
    if (nt <= 1) {
        run(true);
    } else {
        std::vector<std::jthread> pool;
        pool.reserve(nt - 1);
        for (std::size_t t = 1; t < nt; ++t) pool.emplace_back([&] { run(false); });
        run(true);
    }  // the pool joins here: no work runs after this point
    if (error) std::rethrow_exception(error);
    if (interrupted) throw cancelled{};
}
}  // namespace detail

// Runs work(chunk_index, begin, end) for every chunk of [0, n) on up to `threads` threads (0: one per core), the
// calling thread included. Chunks are taken in order from a shared counter, so a slow chunk holds up no one.
template <class Work>
void parallel_for_chunks(std::size_t n, std::size_t chunk, unsigned threads, Work&& work) {
    using W = std::remove_reference_t<Work>;
    detail::run_chunks(n, chunk, threads, const_cast<void*>(static_cast<const void*>(std::addressof(work))),
                       [](void* w, std::size_t c, std::size_t b, std::size_t e) { (*static_cast<W*>(w))(c, b, e); });
}

// Runs work(begin, end) for every chunk of [0, n); see parallel_for_chunks.
template <class Work>
void parallel_for(std::size_t n, std::size_t chunk, unsigned threads, Work&& work) {
    parallel_for_chunks(n, chunk, threads, [&](std::size_t, std::size_t b, std::size_t e) { work(b, e); });
}

// A deterministic reduction: each chunk folds its rows into a fresh copy of `empty` with fold(acc, begin, end),
// and the chunk results are merged left to right, in chunk order, with merge(into, from). The result does not
// depend on the thread count. Holds one accumulator per chunk: choose the chunk so that their number is modest.
template <class T, class Fold, class Merge>
T parallel_reduce(std::size_t n, std::size_t chunk, unsigned threads, const T& empty, Fold&& fold, Merge&& merge) {
    const std::size_t chunks = chunk_count(n, chunk);
    if (chunks == 0) return empty;
    std::vector<T> parts(chunks, empty);
    parallel_for_chunks(n, chunk, threads,
                        [&](std::size_t c, std::size_t b, std::size_t e) { fold(parts[c], b, e); });
    T out = std::move(parts[0]);
    for (std::size_t c = 1; c < chunks; ++c) merge(out, parts[c]);
    return out;
}

// Runs a(), b() at once (b on a second thread when threads != 1), with the same error and interrupt rules.
template <class A, class B>
void parallel_invoke(unsigned threads, A&& a, B&& b) {
    parallel_for_chunks(2, 1, threads, [&](std::size_t c, std::size_t, std::size_t) {
        if (c == 0)
            a();
        else
            b();
    });
}

}  // namespace cxkit::core

// chunked_loop: every row exactly once on any thread count and chunk size, stopping between chunks when asked,
// errors from the work rethrown; and VADER's score_many stopping the same way.
#include <doctest/doctest.h>

#include <cxkit/voc/chunked_loop.hpp>
#include <cxkit/voc/vader.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

using cxkit::voc::cancelled;
using cxkit::voc::chunked_loop;

TEST_CASE("chunked_loop: every row once, on any thread count and chunk size") {
    for (std::size_t n : {0u, 1u, 7u, 1000u, 4097u}) {
        for (unsigned threads : {1u, 2u, 3u, 8u}) {
            for (std::size_t chunk : {1u, 3u, 64u, 5000u}) {
                std::vector<std::atomic<int>> hits(n);
                std::atomic<bool> bad_range{false};
                chunked_loop(n, threads, chunk, [&](std::size_t b, std::size_t e) {
                    if (b >= e || e - b > chunk || e > n) bad_range = true;
                    for (std::size_t i = b; i < e; ++i) hits[i].fetch_add(1);
                });
                std::size_t once = 0;
                for (auto& h : hits) once += h.load() == 1;
                CHECK(once == n);
                CHECK_FALSE(bad_range.load());
            }
        }
    }
}

TEST_CASE("chunked_loop: keep_going() false stops before the next chunk and throws cancelled") {
    // one thread: the caller runs every chunk, and asks before each one (interval 0)
    std::vector<std::size_t> done;
    int asked = 0;
    CHECK_THROWS_AS(chunked_loop(100, 1, 10, [&](std::size_t b, std::size_t) { done.push_back(b); },
                                 [&] { return ++asked < 3; }, std::chrono::milliseconds(0)),
                    cancelled);
    CHECK(asked == 3);
    CHECK(done == std::vector<std::size_t>{0, 10});

    // several threads: the others finish their running chunk, start no new one, and the loop throws
    std::atomic<std::size_t> rows{0};
    CHECK_THROWS_AS(chunked_loop(1'000'000, 3, 100, [&](std::size_t b, std::size_t e) {
                        rows += e - b;
                        std::this_thread::sleep_for(std::chrono::microseconds(200));
                    }, [] { return false; }, std::chrono::milliseconds(0)),
                    cancelled);
    CHECK(rows.load() <= 2 * 100);  // at most the chunk each other thread had started

    // asked at most once per interval: a short loop never asks
    int calls = 0;
    chunked_loop(1000, 2, 10, [](std::size_t, std::size_t) {}, [&] { return ++calls > 0; }, std::chrono::hours(1));
    CHECK(calls == 0);
}

TEST_CASE("chunked_loop: an error in the work stops the loop and is rethrown") {
    std::atomic<std::size_t> after{0};
    CHECK_THROWS_WITH_AS(chunked_loop(100'000, 2, 10, [&](std::size_t b, std::size_t) {
                             if (b == 500) throw std::runtime_error("row 500");
                             if (b > 50'000) ++after;
                         }),
                         "row 500", std::runtime_error);
    CHECK(after.load() < 4900);  // it stopped well before the end
}

TEST_CASE("vader: score_many stops between chunks when asked") {
    const std::filesystem::path data =
        std::filesystem::path(__FILE__).parent_path() / ".." / ".." / "python" / "cxkit" / "voc" / "data";
    const cxkit::voc::Vader v(cxkit::voc::Lexicon::from_files(data / "vader_lexicon.txt", data / "emoji_utf8_lexicon.txt"));
    // enough rows to outlast the 20 ms before the first question on any machine
    const std::string text = "The support was great, but the app is still VERY slow!";
    std::vector<std::string_view> texts(1'000'000, text);
    std::vector<cxkit::voc::SentimentScores> out(texts.size());
    CHECK_THROWS_AS(v.score_many(texts, out.data(), 2, [] { return false; }), cancelled);
    // the same call that goes on to the end scores every row
    v.score_many(texts, out.data(), 2, [] { return true; });
    const auto one = v.score(texts[0]);
    std::size_t same = 0;
    for (const auto& s : out) same += s == one;
    CHECK(same == texts.size());
}

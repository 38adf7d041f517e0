// Bindings of voice of the customer (VADER sentiment, lexicons). Retention is in bind_retention.cpp.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <exception>
#include <cstdint>
#include <limits>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <vector>

#include "array_out.hpp"
#include "cxkit/voc/lexicon.hpp"
#include "cxkit/voc/vader.hpp"

namespace py = pybind11;
using namespace cxkit;

namespace {

using cxkit::bind::to_array;

// The chunks of rows gathered so far, handed from the thread that gathers the texts (holding the GIL) to the
// threads that score them, so that scoring starts with the first chunk rather than after the last row is gathered.
// Chunks are taken in order; next() waits for one to be published, and says false once all are taken after
// finish(), or at once after abort().
class ChunkFeed {
public:
    void publish(std::size_t end) {
        {
            std::lock_guard lock(mutex_);
            ends_.push_back(end);
        }
        ready_.notify_one();
    }
    void finish() {
        {
            std::lock_guard lock(mutex_);
            done_ = true;
        }
        ready_.notify_all();
    }
    void abort() {
        {
            std::lock_guard lock(mutex_);
            abort_ = true;
        }
        ready_.notify_all();
    }
    bool next(std::size_t& begin, std::size_t& end) {
        std::unique_lock lock(mutex_);
        ready_.wait(lock, [&] { return abort_ || done_ || taken_ < ends_.size(); });
        if (abort_ || taken_ == ends_.size()) return false;
        begin = taken_ == 0 ? 0 : ends_[taken_ - 1];
        end = ends_[taken_++];
        return true;
    }

private:
    std::mutex mutex_;
    std::condition_variable ready_;
    std::vector<std::size_t> ends_;
    std::size_t taken_ = 0;
    bool done_ = false, abort_ = false;
};

// A borrowed text: trivially constructible, so the array of a million of them is not zero-filled first (it is
// allocated before the scoring threads start, so any time spent there is serial).
struct TextRef {
    const char* data;
    std::size_t size;
    operator std::string_view() const noexcept { return {data, size}; }
};

// Scores a list of str/bytes (None or float NaN: a missing text, NaN scores) into an (n, 4) array
// neg, neu, pos, compound. The UTF-8 of each str is borrowed (CPython caches it in the object). The calling thread
// gathers the texts under the GIL in chunks (about 256 kB of text, at most 4096 rows: short enough to answer Ctrl-C
// within milliseconds); the other threads score each chunk as soon as it is gathered, and the calling thread joins
// them without the GIL once all rows are gathered, taking the GIL back between its chunks (at most every 20 ms) to
// let Python run its signal handlers.
py::array_t<double> score_texts(const voc::Vader& vader, const py::list& texts, unsigned threads) {
    const auto n = static_cast<std::size_t>(PyList_GET_SIZE(texts.ptr()));
    if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
    // The (n, 4) result is written in place: SentimentScores is four doubles in column order.
    static_assert(sizeof(voc::SentimentScores) == 4 * sizeof(double) &&
                  std::is_standard_layout_v<voc::SentimentScores>);
    py::array_t<double> out({static_cast<py::ssize_t>(n), py::ssize_t{4}});
    auto* scores = reinterpret_cast<voc::SentimentScores*>(out.mutable_data());
    const auto views = std::make_unique_for_overwrite<TextRef[]>(n);
    std::vector<std::size_t> missing;

    ChunkFeed feed;
    std::exception_ptr error;
    std::mutex error_mutex;
    auto score_chunk = [&](std::size_t b, std::size_t e) {
        vader.score_many_valid(std::span<const TextRef>(views.get() + b, e - b), scores + b, 1,
                               [] { return true; }, e - b);
    };
    auto fail = [&] {
        {
            std::lock_guard lock(error_mutex);
            if (!error) error = std::current_exception();
        }
        feed.abort();
    };
    std::vector<std::jthread> pool;
    // however this function is left, the scoring threads stop (after their current chunk) and are joined first
    struct Stop {
        ChunkFeed& feed;
        std::vector<std::jthread>& pool;
        ~Stop() {
            feed.abort();
            pool.clear();
        }
    } stop{feed, pool};

    constexpr std::size_t chunk_rows = 4096, chunk_bytes = std::size_t{1} << 18;
    std::size_t chunk_begin = 0, bytes = 0;
    for (std::size_t i = 0; i < n; ++i) {
        PyObject* o = PyList_GET_ITEM(texts.ptr(), static_cast<py::ssize_t>(i));
        if (PyUnicode_Check(o)) {
            if (PyUnicode_IS_COMPACT_ASCII(o)) {  // the usual case: the characters are the UTF-8, no call needed
                views[i] = {static_cast<const char*>(PyUnicode_DATA(o)),
                            static_cast<std::size_t>(PyUnicode_GET_LENGTH(o))};
            } else {
                Py_ssize_t len = 0;
                const char* p = PyUnicode_AsUTF8AndSize(o, &len);
                if (!p) {
                    PyErr_Clear();
                    throw invalid_input("text", static_cast<std::int64_t>(i),
                                        "text is not valid Unicode (a lone surrogate cannot be encoded as UTF-8)");
                }
                views[i] = {p, static_cast<std::size_t>(len)};
            }
        } else if (PyBytes_Check(o)) {
            views[i] = {PyBytes_AS_STRING(o), static_cast<std::size_t>(PyBytes_GET_SIZE(o))};
            // a str's UTF-8 is valid by construction; bytes are checked here, so the scorer skips its own pass
            const std::size_t bad = voc::utf8::find_invalid(views[i]);
            if (bad != std::string_view::npos)
                throw invalid_input("text", static_cast<std::int64_t>(i), "invalid UTF-8 at byte " + std::to_string(bad));
        } else if (o == Py_None || (PyFloat_Check(o) && std::isnan(PyFloat_AS_DOUBLE(o)))) {
            views[i] = {"", 0};
            missing.push_back(i);
        } else {
            throw py::type_error("texts row " + std::to_string(i) + ": expected str, bytes or None, got " +
                                 std::string(Py_TYPE(o)->tp_name));
        }
        bytes += views[i].size;
        if (i + 1 - chunk_begin == chunk_rows || bytes >= chunk_bytes || i + 1 == n) {
            feed.publish(i + 1);
            // more than one chunk: start the other threads (a short list is scored by the calling thread alone)
            if (chunk_begin == 0 && i + 1 < n) {
                // no more threads than (about) chunks, counting rows per chunk as in the first one
                const std::size_t nt = std::min<std::size_t>(threads, (n + i) / (i + 1));
                pool.reserve(nt - 1);
                for (std::size_t t = 1; t < nt; ++t)
                    pool.emplace_back([&] {
                        try {
                            std::size_t b = 0, e = 0;
                            while (feed.next(b, e)) score_chunk(b, e);
                        } catch (...) {
                            fail();
                        }
                    });
            }
            chunk_begin = i + 1;
            bytes = 0;
        }
    }
    feed.finish();

    bool interrupted = false;
    {
        py::gil_scoped_release release;
        try {
            auto last_check = std::chrono::steady_clock::now();
            std::size_t b = 0, e = 0;
            while (true) {
                const auto now = std::chrono::steady_clock::now();
                if (now - last_check >= std::chrono::milliseconds(20)) {
                    last_check = now;
                    py::gil_scoped_acquire acquire;
                    if (PyErr_CheckSignals() != 0) {  // the KeyboardInterrupt (or the handler's exception)
                        interrupted = true;
                        feed.abort();
                        break;
                    }
                }
                if (!feed.next(b, e)) break;
                score_chunk(b, e);
            }
        } catch (...) {
            fail();
        }
        feed.abort();  // all chunks are taken (or none is to be): the others finish theirs and stop
        pool.clear();
    }
    if (interrupted) throw py::error_already_set();  // no result
    if (error) std::rethrow_exception(error);
    const double nan = std::numeric_limits<double>::quiet_NaN();
    for (std::size_t i : missing) scores[i] = {nan, nan, nan, nan};
    return out;
}

}  // namespace

void bind_voc(py::module_& m) {
    py::class_<voc::Lexicon>(m, "Lexicon", "VADER lexicon: token valences and emoji descriptions.")
        .def(py::init<>())
        .def_static("from_files", [](const std::string& words, const std::string& emoji) {
            return voc::Lexicon::from_files(words, emoji);
        }, py::arg("lexicon_file"), py::arg("emoji_file") = "")
        .def("add_words", [](voc::Lexicon& l, std::string_view text, const std::string& source) { l.add_words(text, source); },
             py::arg("text"), py::arg("source") = "lexicon")
        .def("add_words_file", [](voc::Lexicon& l, const std::string& p) { l.add_words_file(p); }, py::arg("path"))
        .def("add_emoji", [](voc::Lexicon& l, std::string_view text, const std::string& source) { l.add_emoji(text, source); },
             py::arg("text"), py::arg("source") = "emoji lexicon")
        .def("add_emoji_file", [](voc::Lexicon& l, const std::string& p) { l.add_emoji_file(p); }, py::arg("path"))
        .def("set", &voc::Lexicon::set, py::arg("token"), py::arg("valence"))
        .def("get", [](const voc::Lexicon& l, std::string_view token) -> py::object {
            const double* v = l.find(token);
            return v ? py::cast(*v) : py::none();
        }, py::arg("token"))
        .def("emoji", [](const voc::Lexicon& l, const std::string& e) -> py::object {
            std::size_t i = 0;
            if (e.empty() || voc::utf8::find_invalid(e) != std::string_view::npos) return py::none();
            const char32_t cp = voc::utf8::decode(e, i);
            if (i != e.size()) return py::none();
            const std::string* d = l.emoji(cp);
            return d ? py::cast(*d) : py::none();
        }, py::arg("emoji"))
        .def("__len__", &voc::Lexicon::size)
        .def_property_readonly("emoji_count", &voc::Lexicon::emoji_count)
        .def("__copy__", [](const voc::Lexicon& l) { return voc::Lexicon(l); });

    py::class_<voc::Vader, std::shared_ptr<voc::Vader>>(m, "Vader", "VADER sentiment scorer over a lexicon (a copy).")
        .def(py::init<voc::Lexicon>(), py::arg("lexicon"))
        .def("score", [](const voc::Vader& v, std::string_view text) {
            const auto s = v.score(text);
            return py::make_tuple(s.neg, s.neu, s.pos, s.compound);
        }, py::arg("text"))
        .def("score_many", [](const voc::Vader& v, const py::list& texts, unsigned threads) {
            return score_texts(v, texts, threads);
        }, py::arg("texts"), py::arg("threads") = 0u,
           "Scores a list of str/bytes into an (n, 4) array neg, neu, pos, compound (None/NaN rows: NaN).");
}

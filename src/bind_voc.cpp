// Bindings of voice of the customer (VADER sentiment, lexicons): one register_<concept> function per bound concept.
// Retention is in bind_retention.cpp.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/typing.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "cxkit/voc/lexicon.hpp"
#include "cxkit/voc/vader.hpp"
#include "interruptible.hpp"

namespace py = pybind11;
using namespace cxkit;

namespace {

// A borrowed text: trivially constructible, so the array of a million of them is not zero-filled first.
struct TextRef {
    const char* data;
    std::size_t size;
    operator std::string_view() const noexcept { return {data, size}; }
};

using TextList = py::typing::List<py::typing::Union<py::str, py::bytes, py::float_, py::none>>;

// Scores a list of str/bytes (None or float NaN: a missing text, NaN scores) into an (n, 4) array
// neg, neu, pos, compound. The texts are gathered with the GIL held (the UTF-8 of each str is borrowed: CPython
// caches it in the object; a tuple copy of the list keeps every text alive, whatever another thread does to the
// list), then validated (bytes only: a str's UTF-8 is valid by construction) and scored in
// bind::released_interruptible on core::parallel_for, so Ctrl-C stops it between chunks with no result.
py::array_t<double> score_texts(const voc::Vader& vader, const py::list& texts, unsigned threads) {
    const auto keep = py::reinterpret_steal<py::tuple>(PyList_AsTuple(texts.ptr()));
    if (!keep) throw py::error_already_set();
    const auto n = static_cast<std::size_t>(PyTuple_GET_SIZE(keep.ptr()));
    const auto views = std::make_unique_for_overwrite<TextRef[]>(n);
    std::vector<std::size_t> missing, raw;  // rows of None/NaN, rows of bytes
    for (std::size_t i = 0; i < n; ++i) {
        PyObject* o = PyTuple_GET_ITEM(keep.ptr(), static_cast<py::ssize_t>(i));
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
            raw.push_back(i);
        } else if (o == Py_None || (PyFloat_Check(o) && std::isnan(PyFloat_AS_DOUBLE(o)))) {
            views[i] = {"", 0};
            missing.push_back(i);
        } else {
            throw py::type_error("texts row " + std::to_string(i) + ": expected str, bytes or None, got " +
                                 std::string(Py_TYPE(o)->tp_name));
        }
    }
    // The (n, 4) result is written in place: SentimentScores is four doubles in column order. It is a local until
    // returned, so it is written without the GIL.
    static_assert(sizeof(voc::SentimentScores) == 4 * sizeof(double) &&
                  std::is_standard_layout_v<voc::SentimentScores>);
    py::array_t<double> out({static_cast<py::ssize_t>(n), py::ssize_t{4}});
    auto* scores = reinterpret_cast<voc::SentimentScores*>(out.mutable_data());
    {
        bind::released_interruptible scope;
        // bytes must be valid UTF-8: the first bad row (lowest, on any thread count) is the error
        struct Bad {
            std::size_t row, byte;
        };
        const Bad none{n, 0};
        const Bad bad = core::parallel_reduce(
            raw.size(), 1024, threads, none,
            [&](Bad& acc, std::size_t b, std::size_t e) {
                for (std::size_t k = b; k < e; ++k) {
                    const std::size_t pos = voc::utf8::find_invalid(views[raw[k]]);
                    if (pos != std::string_view::npos) {
                        acc = {raw[k], pos};
                        return;
                    }
                }
            },
            [](Bad& into, const Bad& from) {
                if (from.row < into.row) into = from;
            });
        if (bad.row < n)
            throw invalid_input("text", static_cast<std::int64_t>(bad.row), "invalid UTF-8 at byte " + std::to_string(bad.byte));
        vader.score_many_valid(std::span<const TextRef>(views.get(), n), scores, threads);
    }
    const double nan = std::numeric_limits<double>::quiet_NaN();
    for (std::size_t i : missing) scores[i] = {nan, nan, nan, nan};
    return out;
}

// ---------------------------------------------------------------------------------------------------- lexicon
void register_lexicon(py::module_& m) {
    py::class_<voc::Lexicon>(m, "Lexicon", "VADER lexicon: token valences and emoji descriptions.")
        .def_static("default", &voc::default_lexicon,
                    "The VADER lexicon cxkit ships (from $CXKIT_DATA_DIR or the installed data folder).")
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
        .def("get", [](const voc::Lexicon& l, std::string_view token) -> py::typing::Optional<float> {
            const double* v = l.find(token);
            return v ? py::cast(*v) : py::none();
        }, py::arg("token"))
        .def("emoji", [](const voc::Lexicon& l, const std::string& e) -> py::typing::Optional<py::str> {
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
}

// ------------------------------------------------------------------------------------------------------ VADER
void register_vader(py::module_& m) {
    py::class_<voc::Vader, std::shared_ptr<voc::Vader>>(m, "Vader", "VADER sentiment scorer over a lexicon (a copy).")
        .def(py::init<voc::Lexicon>(), py::arg("lexicon"))
        .def("score", [](const voc::Vader& v, std::string_view text) {
            const auto s = v.score(text);
            return py::make_tuple(s.neg, s.neu, s.pos, s.compound);
        }, py::arg("text"))
        // TextList: a list as before, typed in the signature (and the stubs); NaN (float) rows score NaN.
        .def("score_many", [](const voc::Vader& v, const TextList& texts, unsigned threads) {
            return score_texts(v, texts, threads);
        }, py::arg("texts"), py::arg("threads") = 0u,
           "Scores a list of str/bytes into an (n, 4) array neg, neu, pos, compound (None/NaN rows: NaN). Runs "
           "without the GIL; Ctrl-C stops it (KeyboardInterrupt, no result).");
}

}  // namespace

// cxkit._core.voc (m is that submodule, made by module.cpp).
void bind_voc(py::module_& m) {
    register_lexicon(m);
    register_vader(m);
}

#pragma once
// One generic binding that gives every mergeable state the same Python face (the boost-histogram habit):
// +=, +, ==, copy, repr, serialize/deserialize and a versioned pickle.
//
// Thread safety, the rule for every bound state (issue 12; every area's states are bound through this file):
// - A method that MUTATES the state (+=, fill, add) keeps the GIL for as long as it touches the state. Long work
//   is computed into a local with the GIL released, from owned or immutable inputs, and then applied (+=, swap)
//   with the GIL held: see merge_into().
// - A method that READS the state either keeps the GIL (fast reads: counts, serialize, ==), or copies the state
//   with the GIL held and releases the GIL over the copy only: see read_released(). Never release the GIL while
//   holding a reference into a Python-visible state: another thread's += may reallocate it underneath.
// So a state may be shared between Python threads: every call sees it before or after another thread's call,
// never in between.
#include <pybind11/pybind11.h>

#include <optional>
#include <string>
#include <utility>

#include "cxkit/core/mergeable.hpp"
#include "cxkit/privacy/sealed_bytes.hpp"
#include "interruptible.hpp"

namespace cxkit::bind {

namespace py = pybind11;

// Runs f(copy of s) with the GIL released (and Ctrl-C able to interrupt it); the copy is made with the GIL held.
template <class S, class F>
auto read_released(const S& s, F&& f) {
    S copy(s);
    std::optional<decltype(f(copy))> out;
    {
        released_interruptible scope;
        out.emplace(f(copy));
    }
    return std::move(*out);
}

// target += make() where make() runs with the GIL released (it must read only owned or immutable inputs) and
// the merge runs with the GIL held. A failed make() leaves target untouched.
template <class S, class Make>
S& merge_into(S& target, Make&& make) {
    std::optional<S> local;
    {
        released_interruptible scope;
        local.emplace(make());
    }
    return target += *local;
}

// a += b for a Python object, safe when b is a (the states' merges read what they write).
template <MergeableState S>
S& merge_python(S& a, const S& b) {
    if (&a == &b) {
        const S copy(b);
        return a += copy;
    }
    return a += b;
}

template <MergeableState S>
py::class_<S> bind_state(py::module_& m, const char* name, const char* doc) {
    py::class_<S> c(m, name, doc);
    c.def(py::init<>(), "An empty state.")
        .def("__iadd__", [](S& a, const S& b) -> S& { return merge_python(a, b); },
             py::return_value_policy::reference_internal,
             "Merge another state into this one (the GIL is held: safe against other threads' reads).")
        .def("__add__", [](const S& a, const S& b) { return merged(a, b); })
        // is_operator: == with another type returns NotImplemented (so False), not TypeError.
        .def("__eq__", [](const S& a, const S& b) { return a == b; }, py::is_operator())
        .def("__copy__", [](const S& a) { return S(a); })
        .def("__deepcopy__", [](const S& a, py::dict) { return S(a); })
        .def("serialize", [](const S& s, std::optional<py::bytes> key) {
                 std::string bytes = s.serialize();
                 if (key) bytes = privacy::seal(bytes, privacy::SecretKey(std::string_view(*key)));
                 return py::bytes(bytes);
             },
             py::arg("key") = py::none(),
             "The state as versioned bytes (see deserialize). With key (32 bytes, cxkit.privacy.generate_key()), "
             "the bytes are sealed: encrypted and authenticated (XChaCha20-Poly1305), so they can be stored or "
             "sent where others could read or change them.")
        .def_static("deserialize", [](py::bytes b, std::optional<py::bytes> key) {
                        // Untrusted bytes: sealed ones are authenticated before a byte is parsed; the state then
                        // checks its invariants and refuses with ValueError.
                        std::string data(b);
                        if (key) data = privacy::open_sealed(data, privacy::SecretKey(std::string_view(*key)));
                        else if (privacy::is_sealed(data))
                            throw invalid_input("these bytes are sealed: pass the key they were sealed with (key=...)");
                        std::optional<S> s;
                        {
                            released_interruptible scope;
                            s.emplace(S::deserialize(data));
                        }
                        return std::move(*s);
                    },
                    py::arg("data"), py::arg("key") = py::none(),
                    "A state from bytes made by serialize(); refuses (ValueError) bytes that are not a valid state, "
                    "and sealed bytes that were changed, cut short or sealed with another key.")
        .def(py::pickle([](const S& s) { return py::bytes(s.serialize()); },
                        [](py::bytes b) { return S::deserialize(std::string(b)); }));
    return c;
}

}  // namespace cxkit::bind

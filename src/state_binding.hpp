#pragma once
// One generic binding that gives every mergeable state the same Python face (the boost-histogram habit):
// +=, +, ==, copy, repr, serialize/deserialize and a versioned pickle.
#include <pybind11/pybind11.h>

#include <string>

#include "cxkit/core/mergeable.hpp"

namespace cxkit::bind {

namespace py = pybind11;

template <MergeableState S>
py::class_<S> bind_state(py::module_& m, const char* name, const char* doc) {
    py::class_<S> c(m, name, doc);
    c.def(py::init<>(), "An empty state.")
        .def("__iadd__", [](S& a, const S& b) -> S& { return a += b; }, py::return_value_policy::reference_internal)
        .def("__add__", [](const S& a, const S& b) { return merged(a, b); })
        .def("__eq__", [](const S& a, const S& b) { return a == b; })
        .def("__copy__", [](const S& a) { return S(a); })
        .def("__deepcopy__", [](const S& a, py::dict) { return S(a); })
        .def("serialize", [](const S& s) { return py::bytes(s.serialize()); },
             "The state as versioned bytes (see deserialize).")
        .def_static("deserialize", [](py::bytes b) { return S::deserialize(std::string(b)); },
                    "A state from bytes made by serialize().")
        .def(py::pickle([](const S& s) { return py::bytes(s.serialize()); },
                        [](py::bytes b) { return S::deserialize(std::string(b)); }));
    return c;
}

}  // namespace cxkit::bind

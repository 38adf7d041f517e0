// cxkit._core: the compiled core behind the Python package. Each area's src/bind_<area>.cpp registers the
// cxkit._core.<area> submodule, mirroring include/cxkit/<area>/ and python/cxkit/<area>/.
#include <pybind11/pybind11.h>

#include "cxkit/core/error.hpp"
#include "cxkit/core/parallel.hpp"

namespace py = pybind11;

void bind_core(py::module_& m);
void bind_metrics(py::module_& m);
void bind_journey(py::module_& m);
void bind_clv(py::module_& m);
void bind_voc(py::module_& m);
void bind_retention(py::module_& m);
void bind_segment(py::module_& m);
void bind_privacy(py::module_& m);

namespace {
// Registers area `name` as the submodule cxkit._core.<name>, filled by that area's bind_<name>.
void area(py::module_& m, const char* name, void (*bind)(py::module_&)) {
    py::module_ sub = m.def_submodule(name);
    bind(sub);
}
}  // namespace

PYBIND11_MODULE(_core, m) {
    m.doc() = "cxkit's compiled core; use the cxkit package, not this module.";
    m.attr("__version__") = CXKIT_VERSION;
    // cxkit::invalid_input is a std::invalid_argument, which pybind11 already maps to ValueError. An interrupted
    // computation (src/interruptible.hpp) leaves Python's pending KeyboardInterrupt to propagate.
    py::register_exception_translator([](std::exception_ptr p) {
        try {
            if (p) std::rethrow_exception(p);
        } catch (const cxkit::core::cancelled& e) {
            if (!PyErr_Occurred()) PyErr_SetString(PyExc_KeyboardInterrupt, e.what());
        }
    });
    area(m, "core", bind_core);
    area(m, "metrics", bind_metrics);
    area(m, "journey", bind_journey);
    area(m, "clv", bind_clv);
    area(m, "voc", bind_voc);
    area(m, "retention", bind_retention);
    area(m, "segment", bind_segment);
    area(m, "privacy", bind_privacy);
}

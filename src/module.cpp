// cxkit._core: the compiled core behind the Python package. One bind_*.cpp per area registers its part.
#include <pybind11/pybind11.h>

#include "cxkit/core/error.hpp"

namespace py = pybind11;

void bind_core(py::module_& m);
void bind_metrics(py::module_& m);
void bind_journey(py::module_& m);
void bind_clv(py::module_& m);
void bind_voc(py::module_& m);
void bind_segment(py::module_& m);
void bind_clv_timing(py::module_& m);

PYBIND11_MODULE(_core, m) {
    m.doc() = "cxkit's compiled core; use the cxkit package, not this module.";
    m.attr("__version__") = CXKIT_VERSION;
    // cxkit::invalid_input is a std::invalid_argument, which pybind11 already maps to ValueError.
    bind_core(m);
    bind_metrics(m);
    bind_journey(m);
    bind_clv(m);
    bind_voc(m);
    bind_segment(m);
    bind_clv_timing(m);
}

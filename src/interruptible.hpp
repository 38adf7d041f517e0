#pragma once
// How a binding runs a long C++ computation: without the GIL, interruptible by Ctrl-C. The scope releases the GIL
// and installs, for this thread, an interrupt check (core/parallel.hpp) that briefly re-takes the GIL and asks
// Python whether a signal is pending. When one is, core::cancelled is thrown out of the computation; the module's
// exception translator (module.cpp) then lets the pending KeyboardInterrupt (or the signal handler's exception)
// propagate. The computation must write only into locals until it has finished: nothing half-built survives.
#include <pybind11/pybind11.h>

#include "cxkit/core/parallel.hpp"

namespace cxkit::bind {

namespace py = pybind11;

inline bool python_keep_going(void*) {
    py::gil_scoped_acquire gil;
    return PyErr_CheckSignals() == 0;  // non-zero: the handler's exception (KeyboardInterrupt) is now pending
}

// Use as `{ bind::released_interruptible scope; ...compute into locals... }`, then publish the result with the GIL.
class released_interruptible {
public:
    released_interruptible() = default;

private:
    py::gil_scoped_release release_;
    core::interrupt_scope check_{&python_keep_going, nullptr};
};

}  // namespace cxkit::bind

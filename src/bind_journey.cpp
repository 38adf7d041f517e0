// Bindings of the journey area (cxkit._core.journey): paths, transitions, funnels, attribution (heuristic, time
// decay, Markov, Shapley), driver importance and the journey map's mean interval. One register_<concept> per
// bound concept.
//
// Threads: Paths is immutable once built (no bound method changes it), so computations read it without the GIL.
// Inputs from Python that another thread could change (lists, numpy arrays) are copied, or their immutable
// items referenced, before the GIL is released. Long calls run in bind::released_interruptible: Ctrl-C stops them
// and leaves no result behind.
#include <pybind11/eigen.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <pybind11/typing.h>

#include <string>
#include <string_view>
#include <vector>

#include "array_out.hpp"
#include "cxkit/core/event_log.hpp"
#include "cxkit/journey/drivers.hpp"
#include "cxkit/journey/funnel.hpp"
#include "cxkit/journey/heuristic_attribution.hpp"
#include "cxkit/journey/markov_attribution.hpp"
#include "cxkit/journey/markov_higher_order.hpp"
#include "cxkit/journey/mean_interval.hpp"
#include "cxkit/journey/paths.hpp"
#include "cxkit/journey/shapley_attribution.hpp"
#include "cxkit/journey/transition_times.hpp"
#include "interruptible.hpp"

namespace py = pybind11;
using namespace cxkit;
using namespace cxkit::journey;

namespace {

using cxkit::bind::to_array;

using Doubles = py::array_t<double, py::array::c_style | py::array::forcecast>;

std::vector<double> owned(const Doubles& a) { return std::vector<double>(a.data(), a.data() + a.size()); }

// typing::List: a list as before, named list[str] in the signature (and the stubs).
Paths paths_from_strings(const py::typing::List<py::str>& paths, const Doubles& conv, const Doubles& nulls,
                         const Doubles& value, const std::string& sep) {
    const auto c = owned(conv), n = owned(nulls), v = owned(value);
    // A tuple holds a reference to each (immutable) str, so another thread emptying the list cannot free the
    // buffers the views point into while the GIL is released.
    const py::tuple items(paths);
    std::vector<std::string_view> views(items.size());
    for (std::size_t i = 0; i < views.size(); ++i) {
        PyObject* o = PyTuple_GET_ITEM(items.ptr(), static_cast<Py_ssize_t>(i));
        if (!PyUnicode_Check(o)) throw invalid_input("path", static_cast<std::int64_t>(i), "is not a string");
        Py_ssize_t len = 0;
        const char* data = PyUnicode_AsUTF8AndSize(o, &len);
        if (!data) {
            PyErr_Clear();
            throw invalid_input("path", static_cast<std::int64_t>(i), "is not valid Unicode (a lone surrogate)");
        }
        views[i] = std::string_view(data, static_cast<std::size_t>(len));
    }
    bind::released_interruptible scope;
    return Paths::from_string_views(views, c, n, v, sep);
}

void register_paths(py::module_& m) {
    py::class_<Paths>(m, "Paths", "Journeys as paths of states (immutable: safe to share between threads).")
        .def_static("from_strings", &paths_from_strings, py::arg("paths"), py::arg("conversions"), py::arg("nulls"),
                    py::arg("value"), py::arg("sep") = ">")
        .def_static(
            "from_log",
            [](const EventLog& log, const std::string& column, const std::string& conversion_kind, bool collapse,
               std::int64_t session_gap) {
                bind::released_interruptible scope;
                return Paths::from_log(log, column, conversion_kind, collapse, session_gap);
            },
            py::arg("log"), py::arg("column"), py::arg("conversion_kind") = "purchase", py::arg("collapse") = false,
            py::arg("session_gap") = Paths::no_session_gap)
        .def("__len__", &Paths::size)
        .def_readonly("states", &Paths::states)
        .def_property_readonly("offsets", [](const Paths& p) { return to_array(p.offsets); })
        .def_property_readonly("codes", [](const Paths& p) { return to_array(p.codes); })
        .def_property_readonly("conversions", [](const Paths& p) { return to_array(p.conversions); })
        .def_property_readonly("nulls", [](const Paths& p) { return to_array(p.nulls); })
        .def_property_readonly("value", [](const Paths& p) { return to_array(p.value); })
        .def("collapsed", [](const Paths& p) {
            bind::released_interruptible scope;
            return p.collapsed();
        })
        .def_property_readonly("has_times", &Paths::has_times)
        .def_property_readonly("journey_customer", [](const Paths& p) { return to_array(p.journey_customer); })
        .def_property_readonly("journey_row", [](const Paths& p) { return to_array(p.journey_row); })
        .def_property_readonly("journey_offsets", [](const Paths& p) { return to_array(p.journey_offsets); })
        .def_property_readonly("step_time", [](const Paths& p) { return to_array(p.step_time); })
        .def_property_readonly("conversion_time", [](const Paths& p) { return to_array(p.conversion_time); })
        .def_property_readonly("journey_value", [](const Paths& p) { return to_array(p.journey_value); })
        .def("select", [](const Paths& p, const py::array_t<bool, py::array::c_style | py::array::forcecast>& keep) {
            std::vector<char> k(keep.data(), keep.data() + keep.size());
            bind::released_interruptible scope;
            return p.select(k);
        }, py::arg("keep"))
        .def("path_strings", [](const Paths& p, const std::string& sep) {
            std::vector<std::string> out;
            out.reserve(p.size());
            for (std::size_t i = 0; i < p.size(); ++i) out.push_back(p.to_string(i, sep));
            return out;
        }, py::arg("sep") = " > ");
}

void register_transitions(py::module_& m) {
    m.def("transition_times", [](const Paths& p) {
        TransitionTimes t;
        {
            bind::released_interruptible scope;
            t = transition_times(p);
        }
        py::dict d;
        d["from"] = to_array(t.from);
        d["to"] = to_array(t.to);
        d["median"] = to_array(t.median);
        d["n"] = to_array(t.n);
        return d;
    }, py::arg("paths"));
}

void register_funnel(py::module_& m) {
    m.def("funnel", [](const Paths& p, const std::vector<std::int32_t>& steps, bool closed) {
        Funnel f;
        {
            bind::released_interruptible scope;
            f = funnel(p, steps, closed);
        }
        py::dict d;
        d["customers"] = to_array(f.customers);
        d["median_time_to_next"] = to_array(f.median_time_to_next);
        return d;
    }, py::arg("paths"), py::arg("steps"), py::arg("closed") = true);
}

void register_heuristic_attribution(py::module_& m) {
    m.def("heuristic_attribution", [](const Paths& p, double first, double last) {
        HeuristicAttribution h;
        {
            bind::released_interruptible scope;
            h = heuristic_attribution(p, first, last);
        }
        py::dict d;
        d["channel"] = h.channels;
        d["first_touch"] = to_array(h.first_touch);
        d["last_touch"] = to_array(h.last_touch);
        d["linear"] = to_array(h.linear);
        d["position_based"] = to_array(h.position_based);
        d["first_touch_value"] = to_array(h.first_touch_value);
        d["last_touch_value"] = to_array(h.last_touch_value);
        d["linear_value"] = to_array(h.linear_value);
        d["position_based_value"] = to_array(h.position_based_value);
        return d;
    }, py::arg("paths"), py::arg("first") = 0.4, py::arg("last") = 0.4);

    m.def("time_decay_attribution", [](const Paths& p, double half_life) {
        TimeDecayAttribution t;
        {
            bind::released_interruptible scope;
            t = time_decay_attribution(p, half_life);
        }
        py::dict d;
        d["channel"] = t.channels;
        d["conversions"] = to_array(t.conversions);
        d["value"] = to_array(t.value);
        return d;
    }, py::arg("paths"), py::arg("half_life"));
}

void register_markov_attribution(py::module_& m) {
    m.def("markov_attribution", [](const Paths& p, int order) {
        MarkovAttribution r;
        std::vector<std::int64_t> from, to;
        std::vector<double> prob;
        {
            bind::released_interruptible scope;
            r = markov_attribution(p, order);
            // The chain as (from, to, probability) rows of its non-zero entries.
            const auto& t = r.sparse_transition;
            from.reserve(static_cast<std::size_t>(t.nonZeros()));
            to.reserve(from.capacity());
            prob.reserve(from.capacity());
            for (Eigen::Index i = 0; i < t.outerSize(); ++i)
                for (Eigen::SparseMatrix<double, Eigen::RowMajor>::InnerIterator it(t, i); it; ++it) {
                    from.push_back(i);
                    to.push_back(it.col());
                    prob.push_back(it.value());
                }
        }
        py::dict d;
        d["channel"] = r.channels;
        d["removal_effect"] = to_array(r.removal_effects);
        d["conversions"] = to_array(r.conversions);
        d["value"] = to_array(r.value);
        d["conversion_probability"] = r.conversion_probability;
        d["transition"] = r.transition.size() ? py::cast(r.transition) : py::none();
        d["from"] = to_array(from);
        d["to"] = to_array(to);
        d["probability"] = to_array(prob);
        d["states"] = r.state_names;
        return d;
    }, py::arg("paths"), py::arg("order") = 1);
    m.attr("markov_max_order") = markov_max_order;
    m.attr("markov_cycle_limit") = markov_cycle_limit;
    m.attr("markov_dense_transition_limit") = markov_dense_transition_limit;
}

void register_shapley_attribution(py::module_& m) {
    m.def("shapley_attribution", [](const Paths& p, bool simplified) {
        ShapleyAttribution r;
        {
            bind::released_interruptible scope;
            r = simplified ? simplified_shapley_attribution(p) : shapley_attribution(p);
        }
        py::dict d;
        d["channel"] = r.channels;
        d["conversions"] = to_array(r.conversions);
        d["value"] = to_array(r.value);
        d["exact"] = r.exact;
        return d;
    }, py::arg("paths"), py::arg("simplified") = false);
    m.attr("shapley_exact_limit") = shapley_exact_limit;
}

void register_mean_interval(py::module_& m) {
    m.def("mean_t_interval", [](const Doubles& mean, const Doubles& sd, const Doubles& n, double confidence) {
        if (sd.size() != mean.size() || n.size() != mean.size())
            throw invalid_input("mean", invalid_input::no_row, "mean, sd and n differ in length");
        std::vector<double> low(static_cast<std::size_t>(mean.size())), high(low.size());
        for (std::size_t i = 0; i < low.size(); ++i) {  // with the GIL: short, and reads the arrays in place
            const auto k = static_cast<py::ssize_t>(i);
            const MeanInterval iv = mean_t_interval(mean.data()[k], sd.data()[k], n.data()[k], confidence);
            low[i] = iv.low;
            high[i] = iv.high;
        }
        return py::make_tuple(to_array(low), to_array(high));
    }, py::arg("mean"), py::arg("sd"), py::arg("n"), py::arg("confidence") = 0.95);
}

using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// Driver importance reads an owned copy of X and y: a numpy array can be changed by another thread while the
// GIL is released.
template <class Fit>
py::dict driver_importance(const Eigen::Ref<const RowMajor>& X_in, const Eigen::Ref<const Eigen::VectorXd>& y_in, Fit fit) {
    const RowMajor X = X_in;
    const Eigen::VectorXd y = y_in;
    DriverImportance d;
    {
        bind::released_interruptible scope;
        d = fit(X, y);
    }
    py::dict out;
    out["weights"] = to_array(d.weights);
    out["signs"] = to_array(d.signs);
    out["r_squared"] = d.r_squared;
    return out;
}

void register_drivers(py::module_& m) {
    m.def("relative_weights", [](const Eigen::Ref<const RowMajor>& X, const Eigen::Ref<const Eigen::VectorXd>& y) {
        return driver_importance(X, y, [](const RowMajor& a, const Eigen::VectorXd& b) { return relative_weights(a, b); });
    }, py::arg("X"), py::arg("y"));
    m.def("shapley_r_squared", [](const Eigen::Ref<const RowMajor>& X, const Eigen::Ref<const Eigen::VectorXd>& y) {
        return driver_importance(X, y, [](const RowMajor& a, const Eigen::VectorXd& b) { return shapley_r_squared(a, b); });
    }, py::arg("X"), py::arg("y"));
    m.attr("lmg_exact_limit") = lmg_exact_limit;
}

}  // namespace

void bind_journey(py::module_& m) {
    register_paths(m);
    register_transitions(m);
    register_funnel(m);
    register_heuristic_attribution(m);
    register_markov_attribution(m);
    register_shapley_attribution(m);
    register_mean_interval(m);
    register_drivers(m);
}

// Bindings of the retention area (cxkit._core.retention): Kaplan-Meier, the log-rank test and cohort states.
//
// Threads: log-rank copies its inputs (numpy arrays another thread could change) before releasing the GIL;
// KaplanMeier reads them in place with the GIL held and releases it only over what it read. CohortState is shared safely between Python threads: fill() counts the log into a fresh local state
// without the GIL, then merges it with the GIL held; table(), serialize() and += run with the GIL held, so no
// reader sees a half-changed state.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <pybind11/typing.h>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "array_out.hpp"
#include "cxkit/core/event_log.hpp"
#include "cxkit/retention/cohorts.hpp"
#include "cxkit/retention/kaplan_meier.hpp"
#include "interruptible.hpp"
#include "state_binding.hpp"

namespace py = pybind11;
using namespace cxkit;

namespace {

using cxkit::bind::to_array;

using Doubles = py::array_t<double, py::array::c_style | py::array::forcecast>;
using Int64s = py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>;

// An owned copy of a one-dimensional array (read later without the GIL).
template <class T>
std::vector<T> owned(const py::array_t<T, py::array::c_style | py::array::forcecast>& a, const char* column) {
    if (a.ndim() != 1) throw invalid_input(column, invalid_input::no_row, "must be one-dimensional");
    return std::vector<T>(a.data(), a.data() + a.shape(0));
}

py::dict km_to_dict(const retention::KaplanMeier& km) {
    py::dict d;
    d["timeline"] = to_array(km.time);
    d["at_risk"] = to_array(km.at_risk);
    d["observed"] = to_array(km.observed);
    d["censored"] = to_array(km.censored);
    d["survival"] = to_array(km.survival);
    d["variance_sum"] = to_array(km.variance_sum);
    d["lower"] = to_array(km.lower);
    d["upper"] = to_array(km.upper);
    d["median"] = km.median;
    d["confidence"] = km.confidence;
    return d;
}

py::dict logrank_to_dict(const retention::LogRankResult& r) {
    py::dict d;
    d["statistic"] = r.statistic;
    d["p_value"] = r.p_value;
    d["degrees_of_freedom"] = r.degrees_of_freedom;
    d["groups"] = to_array(r.groups);
    d["observed"] = to_array(r.observed);
    d["expected"] = to_array(r.expected);
    return d;
}

// Ctrl-C check for a loop that runs with the GIL held (PyErr_CheckSignals needs no re-take).
bool python_keep_going_held(void*) { return PyErr_CheckSignals() == 0; }

// Kaplan-Meier reads the caller's arrays in place WITH the GIL held (no Python thread can change them meanwhile;
// no owned copy of 10M rows), then builds the estimate from what it read with the GIL released.
template <class E>
retention::KaplanMeier km_fit(std::span<const double> d, std::span<const E> e, bool have_observed,
                              double confidence) {
    retention::detail::Gathered g;
    {
        core::interrupt_scope check{&python_keep_going_held, nullptr};
        const auto scan = retention::detail::scan_durations(d, e, have_observed);
        g = retention::detail::gather(d, e, have_observed, scan);
    }
    bind::released_interruptible scope;
    return retention::detail::fit_table(retention::detail::event_table(std::move(g)), confidence, d.size());
}

// observed: a C-contiguous array whose items are E (the caller checked the dtype).
template <class E>
retention::KaplanMeier km_fit_array(std::span<const double> d, const py::array& observed, double confidence) {
    if (observed.ndim() != 1) throw invalid_input("observed", invalid_input::no_row, "must be one-dimensional");
    const std::span<const E> e(static_cast<const E*>(observed.data()), static_cast<std::size_t>(observed.shape(0)));
    return km_fit(d, e, true, confidence);
}

void register_kaplan_meier(py::module_& m) {
    // typing::Optional: any object as before (None or array-like), typed in the signature (and the stubs).
    // observed flags are read in their own dtype when it is bool, int8/uint8, int64 or float64 (no conversion).
    m.def("kaplan_meier", [](const Doubles& durations, const py::typing::Optional<py::array>& observed,
                             double confidence) {
        if (durations.ndim() != 1) throw invalid_input("durations", invalid_input::no_row, "must be one-dimensional");
        const std::span<const double> d(durations.data(), static_cast<std::size_t>(durations.shape(0)));
        retention::KaplanMeier km;
        if (observed.is_none()) {
            km = km_fit(d, std::span<const std::uint8_t>(), false, confidence);
        } else {
            const py::array a = py::array::ensure(observed);
            const auto c_contiguous = a && (a.flags() & py::array::c_style);
            const char kind = a ? a.dtype().kind() : 'O';
            const auto size = a ? a.itemsize() : 0;
            if (c_contiguous && (kind == 'b' || (kind == 'u' && size == 1))) km = km_fit_array<std::uint8_t>(d, a, confidence);
            else if (c_contiguous && kind == 'i' && size == 1) km = km_fit_array<std::int8_t>(d, a, confidence);
            else if (c_contiguous && kind == 'i' && size == 8) km = km_fit_array<std::int64_t>(d, a, confidence);
            else {
                const Doubles e_arr = Doubles::ensure(observed);
                if (!e_arr) throw invalid_input("observed", invalid_input::no_row, "must be numeric");
                km = km_fit_array<double>(d, e_arr, confidence);
            }
        }
        return km_to_dict(km);
    }, py::arg("durations"), py::arg("observed") = py::none(), py::arg("confidence") = 0.95);
}

void register_logrank(py::module_& m) {
    m.def("logrank_test", [](const Doubles& durations, const Int64s& groups, const Doubles& observed) {
        const auto d = owned(durations, "durations");
        const auto e = owned(observed, "observed");
        const auto g = owned(groups, "groups");
        retention::LogRankResult r;
        {
            bind::released_interruptible scope;
            r = retention::logrank_test(d, g, e);
        }
        return logrank_to_dict(r);
    }, py::arg("durations"), py::arg("groups"), py::arg("observed"));
}

void register_cohort_state(py::module_& m) {
    bind::bind_state<retention::CohortState>(m, "CohortState",
        "Active customers by acquisition cohort and age (mergeable over customer-disjoint logs).\n\n"
        "Safe to share between threads: fill() counts without the GIL into a local state and merges it with the "
        "GIL held; reads (table, serialize) hold the GIL. deserialize() validates the state's invariants.")
        .def(py::init([](const std::string& period) { return retention::CohortState(parse_period(period)); }),
             py::arg("period"))
        .def("fill", [](retention::CohortState& s, const EventLog& log) -> retention::CohortState& {
            retention::CohortState fresh(s.period);
            {
                bind::released_interruptible scope;  // reads only the (immutable) log and the local state
                fresh = retention::cohorts(log, s.period);
            }
            return s += fresh;  // with the GIL: no other Python thread sees the state half-merged
        }, py::arg("log"), py::return_value_policy::reference_internal)
        .def_property_readonly("period", [](const retention::CohortState& s) { return std::string(period_code(s.period)); })
        .def_property_readonly("default_max_cells", &retention::CohortState::default_max_cells)
        .def("table", [](const retention::CohortState& s, std::size_t max_cells) {
            // cohort period starts (ns), and the (cohorts x ages) matrix of active customers; refuses more than
            // max_cells cells (0: 64 x the counts the state holds, at least 2^22)
            s.table_cells(max_cells);
            const auto rows = static_cast<py::ssize_t>(s.active.size());
            const auto cols = static_cast<py::ssize_t>(s.max_age());
            py::array_t<std::int64_t> starts(rows);
            py::array_t<std::uint64_t> counts({rows, cols});
            auto st = starts.mutable_unchecked<1>();
            auto c = counts.mutable_unchecked<2>();
            py::ssize_t i = 0;
            for (const auto& [cohort, v] : s.active) {
                st(i) = s.cohort_start(cohort);
                for (py::ssize_t k = 0; k < cols; ++k)
                    c(i, k) = static_cast<std::size_t>(k) < v.size() ? v[static_cast<std::size_t>(k)] : 0;
                ++i;
            }
            return py::make_tuple(starts, counts);
        }, py::arg("max_cells") = 0)
        .def("__repr__", [](const retention::CohortState& s) {
            return "CohortState(period='" + std::string(period_code(s.period)) + "', cohorts=" +
                   std::to_string(s.active.size()) + ")";
        });
}

}  // namespace

void bind_retention(py::module_& m) {
    register_kaplan_meier(m);
    register_logrank(m);
    register_cohort_state(m);
}

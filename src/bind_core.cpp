// Bindings of the core data model (cxkit._core.core): EventLog, its drop report, customers, segmentation.
//
// Inputs: the log reads the caller's numpy arrays once, into its own buffers (validated data stays valid); only
// arrays the Python layer marks immutable (Arrow buffers) may be kept as they are. The build runs without the GIL
// and stops on Ctrl-C (src/interruptible.hpp); the values it keeps are checked after they were copied, so another
// thread writing to the arrays meanwhile can at worst cause an error.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <pybind11/typing.h>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "cxkit/core/customers.hpp"
#include "cxkit/core/event_log.hpp"
#include "cxkit/core/segmentation.hpp"
#include "cxkit/metrics/measure_rules.hpp"
#include "interruptible.hpp"

namespace py = pybind11;
using namespace cxkit::core;

namespace {

using Int32s = py::array_t<std::int32_t, py::array::c_style>;
using Int64s = py::array_t<std::int64_t, py::array::c_style>;
using Doubles = py::array_t<double, py::array::c_style>;

// Keeps a numpy array alive for as long as a Column views it; releasing it takes the GIL.
std::shared_ptr<const void> keep_alive(py::object obj) {
    auto* held = new py::object(std::move(obj));
    return std::shared_ptr<const void>(held, [](const void* p) {
        py::gil_scoped_acquire gil;
        delete static_cast<const py::object*>(p);
    });
}

template <class T>
Column<T> column_of(const py::array_t<T, py::array::c_style>& a, const std::string& name, bool immutable) {
    if (a.ndim() != 1) throw invalid_input(name, invalid_input::no_row, "must be one-dimensional");
    const auto n = static_cast<std::size_t>(a.shape(0));
    return immutable ? Column<T>::immutable_view(a.data(), n, keep_alive(a)) : Column<T>::view(a.data(), n, keep_alive(a));
}

// A numpy array viewing a column of the log (read-only), keeping the log alive.
template <class T>
py::array_t<T> array_of(const Column<T>& c, py::handle owner) {
    py::array_t<T> a({static_cast<py::ssize_t>(c.size())}, {static_cast<py::ssize_t>(sizeof(T))}, c.data(), owner);
    py::detail::array_proxy(a.ptr())->flags &= ~py::detail::npy_api::NPY_ARRAY_WRITEABLE_;
    return a;
}

OnError parse_on_error(const std::string& s) {
    if (s == "raise") return OnError::raise;
    if (s == "drop") return OnError::drop;
    throw invalid_input("errors", invalid_input::no_row, "must be \"raise\" or \"drop\", got \"" + s + "\"");
}

// Strings from Python for a column, refusing (with the column's name) anything that is not valid text.
std::vector<std::string> strings_of(const py::list& values, const std::string& column) {
    std::vector<std::string> out;
    out.reserve(values.size());
    for (std::size_t i = 0; i < values.size(); ++i) {
        py::handle v = values[i];
        if (!py::isinstance<py::str>(v))
            throw invalid_input(column, invalid_input::no_row,
                                "labels must be str, got " + std::string(py::str(py::type::of(v).attr("__name__"))));
        Py_ssize_t size = 0;
        const char* utf8 = PyUnicode_AsUTF8AndSize(v.ptr(), &size);
        if (!utf8) {
            PyErr_Clear();
            throw invalid_input(column, invalid_input::no_row, "label " + std::to_string(i) + " is not valid UTF-8 text");
        }
        out.emplace_back(utf8, static_cast<std::size_t>(size));
    }
    return out;
}

using CategoricalIn = std::tuple<std::string, Int32s, py::list>;
using FlaggedIn = std::tuple<std::string, std::string, std::vector<std::int64_t>>;

std::shared_ptr<EventLog> log_from_arrays(Int32s customer, py::object ids, Int64s time,
                                          std::vector<CategoricalIn> categoricals,
                                          std::vector<std::pair<std::string, Doubles>> measures,
                                          std::optional<py::list> text, const std::string& errors,
                                          const std::set<std::string>& immutable,
                                          std::vector<std::string> boolean_measures,
                                          std::map<std::string, std::string, std::less<>> names,
                                          std::vector<FlaggedIn> flagged) {
    EventTable t;
    const OnError on_error = parse_on_error(errors);
    t.customer = column_of(customer, "customer", immutable.count("customer") > 0);
    if (py::isinstance<py::array>(ids))
        t.customer_ids = CustomerIds::integers(ids.cast<std::vector<std::int64_t>>());
    else
        t.customer_ids = CustomerIds::strings(strings_of(ids.cast<py::list>(), "customer"));
    t.time = column_of(time, "time", immutable.count("time") > 0);
    for (auto& [name, codes, cats] : categoricals)
        t.categoricals.emplace_back(name, Categorical{column_of(codes, name, immutable.count(name) > 0),
                                                      strings_of(cats, name)});
    for (auto& [name, values] : measures) t.measures.emplace_back(name, column_of(values, name, immutable.count(name) > 0));
    if (text) t.text = strings_of(*text, "text");
    t.boolean_measures = std::move(boolean_measures);
    t.display_names = std::move(names);
    for (auto& [column, rule, rows] : flagged) t.flagged.push_back({column, rule, std::move(rows)});
    std::optional<EventLog> log;
    {
        cxkit::bind::released_interruptible scope;
        log.emplace(EventLog::build(std::move(t), on_error, cxkit::metrics::measure_rule));
    }
    return std::make_shared<EventLog>(std::move(*log));
}

// cxkit::invalid_input becomes cxkit.InputError, a ValueError that also carries .column, .row (None when the error
// concerns no row) and .rule, so the Python layer can rephrase where (a CSV line instead of a row) without
// parsing the message.
void register_input_error(py::module_& m) {
    static py::handle error_type = py::exception<invalid_input>(m, "InputError", PyExc_ValueError).release();
    py::register_exception_translator([](std::exception_ptr p) {
        try {
            if (p) std::rethrow_exception(p);
        } catch (const invalid_input& e) {
            py::object inst = py::reinterpret_borrow<py::object>(error_type)(e.what());
            inst.attr("column") = e.column();
            inst.attr("row") = e.row() == invalid_input::no_row ? py::none() : py::cast(e.row());
            inst.attr("rule") = e.rule();
            PyErr_SetObject(error_type.ptr(), inst.ptr());
        }
    });
}

void register_drop_report(py::module_& m) {
    py::class_<DropReport>(m, "DropReport", "Rows errors=\"drop\" skipped for one (column, rule).")
        .def_readonly("column", &DropReport::column)
        .def_readonly("rule", &DropReport::rule)
        .def_readonly("rows", &DropReport::rows)
        .def_readonly("first_row", &DropReport::first_row);
}

py::class_<EventLog, std::shared_ptr<EventLog>> register_event_log(py::module_& m) {
    py::class_<EventLog, std::shared_ptr<EventLog>> cls(
        m, "EventLog",
        "A validated, sorted event log (use cxkit.EventLog). Immutable once built: it may be read from any thread.");
    cls.def_static("from_arrays", &log_from_arrays, py::arg("customer"), py::arg("ids"), py::arg("time"),
                   py::arg("categoricals"), py::arg("measures"), py::arg("text"), py::arg("errors") = "raise",
                   py::kw_only(), py::arg("immutable") = std::set<std::string>{},
                   py::arg("boolean_measures") = std::vector<std::string>{},
                   py::arg("names") = std::map<std::string, std::string, std::less<>>{},
                   py::arg("flagged") = std::vector<FlaggedIn>{},
                   "Validate and sort columns into an EventLog (use cxkit.EventLog.from_pandas). Arrays are copied "
                   "unless named in `immutable`; `names` maps a log column to how errors name it; `flagged` lists "
                   "(column, rule, rows) the caller's conversion found bad.");
    cls.def("__len__", &EventLog::size)
        .def_property_readonly("n_customers", &EventLog::n_customers)
        .def_property_readonly("n_customer_ids", [](const EventLog& l) { return l.customer_ids().size(); })
        .def_property_readonly("customer_ids_are_strings", [](const EventLog& l) { return l.customer_ids().is_string(); })
        .def("customer_ids",
             // Typed return (not py::object) so the stubs name it.
             [](const EventLog& l) -> py::typing::Union<py::typing::List<py::str>, py::array_t<std::int64_t>> {
                 const auto& ids = l.customer_ids();
                 if (ids.is_string()) return py::cast(ids.strs());
                 return py::array_t<std::int64_t>(static_cast<py::ssize_t>(ids.ints().size()), ids.ints().data());
             })
        .def("customer", [](py::object self) { return array_of(self.cast<const EventLog&>().customer(), self); })
        .def("time", [](py::object self) { return array_of(self.cast<const EventLog&>().time(), self); })
        .def("categorical_names",
             [](const EventLog& l) {
                 std::vector<std::string> v;
                 for (auto& [n, _] : l.categoricals()) v.push_back(n);
                 return v;
             })
        .def("measure_names",
             [](const EventLog& l) {
                 std::vector<std::string> v;
                 for (auto& [n, _] : l.measures()) v.push_back(n);
                 return v;
             })
        .def("categorical",
             [](py::object self, const std::string& name)
                 -> py::typing::Tuple<py::array_t<std::int32_t>, py::typing::List<py::str>> {
                 const auto* c = self.cast<const EventLog&>().categorical(name);
                 if (!c) throw invalid_input(name, invalid_input::no_row, "no such categorical column");
                 return py::make_tuple(array_of(c->codes, self), py::cast(c->categories));
             }, py::arg("name"))
        .def("measure",
             [](py::object self, const std::string& name) {
                 const auto* c = self.cast<const EventLog&>().measure(name);
                 if (!c) throw invalid_input(name, invalid_input::no_row, "no such measure column");
                 return array_of(*c, self);
             }, py::arg("name"))
        .def("has_text", [](const EventLog& l) { return l.text() != nullptr; })
        .def("text", [](const EventLog& l) -> py::typing::Optional<py::typing::List<py::str>> {
            if (!l.text()) return py::none();
            return py::cast(*l.text());
        })
        .def_property_readonly("dropped", &EventLog::dropped)
        .def_property_readonly("n_dropped", &EventLog::n_dropped, "Input rows skipped (each once).")
        .def_property_readonly("nbytes", &EventLog::bytes)
        .def("shares_input_memory", &EventLog::shares_input_memory,
             "True when the named measure is the caller's immutable buffer (Arrow), kept without a copy.");
    return cls;
}

// The per-customer table is a method of the log (one row per customer code).
void register_customers(py::class_<EventLog, std::shared_ptr<EventLog>>& cls) {
    cls.def("customer_table", [](const EventLog& l) {
        Customers c = Customers::from_log(l);
        py::dict d;
        d["first_seen"] = py::array_t<std::int64_t>(static_cast<py::ssize_t>(c.size()), c.first_seen().data());
        d["last_seen"] = py::array_t<std::int64_t>(static_cast<py::ssize_t>(c.size()), c.last_seen().data());
        d["events"] = py::array_t<std::uint64_t>(static_cast<py::ssize_t>(c.size()), c.events().data());
        d["revenue"] = py::array_t<double>(static_cast<py::ssize_t>(c.size()), c.revenue().data());
        return d;
    }, "Per customer code: first and last seen, events and revenue.");
}

void register_segmentation(py::module_& m) {
    py::class_<Segmentation>(m, "Segmentation")
        .def_static(
            "from_labels",
            [](const EventLog& log, std::string name, std::vector<std::int32_t> codes, std::vector<std::string> labels) {
                return Segmentation::from_labels(log, std::move(name), std::move(codes), std::move(labels));
            },
            py::arg("log"), py::arg("name"), py::arg("codes"), py::arg("labels"))
        .def_readonly("name", &Segmentation::name)
        .def_readonly("labels", &Segmentation::labels)
        .def_property_readonly("codes", [](const Segmentation& s) {
            return py::array_t<std::int32_t>(static_cast<py::ssize_t>(s.of_customer.size()), s.of_customer.data());
        });
}

}  // namespace

void bind_core(py::module_& m) {
    register_input_error(m);
    register_drop_report(m);
    auto log = register_event_log(m);
    register_customers(log);
    register_segmentation(m);
}

// Bindings of the core data model: EventLog (zero-copy from numpy where dtypes allow), customers, segmentation.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>
#include <string>
#include <vector>

#include "cxkit/core/customers.hpp"
#include "cxkit/core/event_log.hpp"
#include "cxkit/core/segmentation.hpp"

namespace py = pybind11;
using namespace cxkit;

namespace {

// Keeps a numpy array alive for as long as a Column views it; releasing it takes the GIL.
std::shared_ptr<const void> keep_alive(py::object obj) {
    auto* held = new py::object(std::move(obj));
    return std::shared_ptr<const void>(held, [](const void* p) {
        py::gil_scoped_acquire gil;
        delete static_cast<const py::object*>(p);
    });
}

template <class T>
Column<T> view_of(const py::array_t<T, py::array::c_style>& a, const char* name) {
    if (a.ndim() != 1) throw invalid_input(name, invalid_input::no_row, "must be one-dimensional");
    return Column<T>::view(a.data(), static_cast<std::size_t>(a.shape(0)), keep_alive(a));
}

// A numpy array viewing a column of the log, keeping the log alive.
template <class T>
py::array_t<T> array_of(const Column<T>& c, py::handle owner) {
    return py::array_t<T>({static_cast<py::ssize_t>(c.size())}, {static_cast<py::ssize_t>(sizeof(T))}, c.data(), owner);
}

OnError parse_on_error(const std::string& s) {
    if (s == "raise") return OnError::raise;
    if (s == "drop") return OnError::drop;
    throw invalid_input("errors", invalid_input::no_row, "must be \"raise\" or \"drop\", got \"" + s + "\"");
}

}  // namespace

void bind_core(py::module_& m) {
    py::class_<DropReport>(m, "DropReport")
        .def_readonly("column", &DropReport::column)
        .def_readonly("rule", &DropReport::rule)
        .def_readonly("rows", &DropReport::rows)
        .def_readonly("first_row", &DropReport::first_row);

    py::class_<EventLog, std::shared_ptr<EventLog>>(m, "EventLog")
        .def_static(
            "from_arrays",
            [](py::array_t<std::int32_t, py::array::c_style> customer, py::object ids,
               py::array_t<std::int64_t, py::array::c_style> time,
               std::vector<std::tuple<std::string, py::array_t<std::int32_t, py::array::c_style>, std::vector<std::string>>>
                   categoricals,
               std::vector<std::pair<std::string, py::array_t<double, py::array::c_style>>> measures,
               std::optional<std::vector<std::string>> text, const std::string& errors) {
                EventTable t;
                t.customer = view_of(customer, "customer");
                if (py::isinstance<py::array>(ids))
                    t.customer_ids = CustomerIds::integers(ids.cast<std::vector<std::int64_t>>());
                else
                    t.customer_ids = CustomerIds::strings(ids.cast<std::vector<std::string>>());
                t.time = view_of(time, "time");
                for (auto& [name, codes, cats] : categoricals)
                    t.categoricals.emplace_back(name, Categorical{view_of(codes, name.c_str()), std::move(cats)});
                for (auto& [name, values] : measures) t.measures.emplace_back(name, view_of(values, name.c_str()));
                t.text = std::move(text);
                const OnError on_error = parse_on_error(errors);
                std::shared_ptr<EventLog> log;
                {
                    py::gil_scoped_release release;
                    log = std::make_shared<EventLog>(EventLog::build(std::move(t), on_error));
                }
                return log;
            },
            py::arg("customer"), py::arg("ids"), py::arg("time"), py::arg("categoricals"), py::arg("measures"),
            py::arg("text"), py::arg("errors") = "raise",
            "Validate and sort columns into an EventLog (use cxkit.EventLog.from_pandas).")
        .def("__len__", &EventLog::size)
        .def_property_readonly("n_customers", &EventLog::n_customers)
        .def_property_readonly("n_customer_ids", [](const EventLog& l) { return l.customer_ids().size(); })
        .def_property_readonly("customer_ids_are_strings", [](const EventLog& l) { return l.customer_ids().is_string(); })
        .def("customer_ids",
             [](const EventLog& l) -> py::object {
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
             [](py::object self, const std::string& name) {
                 const auto* c = self.cast<const EventLog&>().categorical(name);
                 if (!c) throw invalid_input(name, invalid_input::no_row, "no such categorical column");
                 return py::make_tuple(array_of(c->codes, self), py::cast(c->categories));
             })
        .def("measure",
             [](py::object self, const std::string& name) {
                 const auto* c = self.cast<const EventLog&>().measure(name);
                 if (!c) throw invalid_input(name, invalid_input::no_row, "no such measure column");
                 return array_of(*c, self);
             })
        .def("has_text", [](const EventLog& l) { return l.text() != nullptr; })
        .def("text", [](const EventLog& l) -> py::object {
            if (!l.text()) return py::none();
            return py::cast(*l.text());
        })
        .def_property_readonly("dropped", &EventLog::dropped)
        .def_property_readonly("nbytes", &EventLog::bytes)
        .def("shares_input_memory", &EventLog::shares_input_memory,
             "True when the named measure views the array handed to the core (the core made no copy). A float64 column of an already sorted DataFrame is handed over as is.")
        .def("customer_table", [](const EventLog& l) {
            Customers c = Customers::from_log(l);
            py::dict d;
            d["first_seen"] = py::array_t<std::int64_t>(static_cast<py::ssize_t>(c.size()), c.first_seen().data());
            d["last_seen"] = py::array_t<std::int64_t>(static_cast<py::ssize_t>(c.size()), c.last_seen().data());
            d["events"] = py::array_t<std::uint64_t>(static_cast<py::ssize_t>(c.size()), c.events().data());
            d["revenue"] = py::array_t<double>(static_cast<py::ssize_t>(c.size()), c.revenue().data());
            return d;
        });

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

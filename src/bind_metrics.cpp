// Bindings of the KPI states, the stand-alone KPI functions over arrays, and the scorecard: cxkit._core.metrics.
// Thread safety follows the rule in state_binding.hpp: mutations (fill, add, +=) keep the GIL; long reads
// (table, by_period) copy the state with the GIL held and release it over the copy.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <limits>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "cxkit/metrics/measure_rules.hpp"
#include "cxkit/metrics/activity.hpp"
#include "cxkit/metrics/kpi_registry.hpp"
#include "cxkit/metrics/live_figures.hpp"
#include "cxkit/metrics/live_scorecard.hpp"
#include "cxkit/metrics/scorecard.hpp"
#include "cxkit/metrics/simple_clv.hpp"
#include "cxkit/metrics/stats.hpp"
#include "interruptible.hpp"
#include "state_binding.hpp"

namespace py = pybind11;
using namespace cxkit;
using namespace cxkit::metrics;
using cxkit::bind::bind_state;
using cxkit::bind::merge_into;
using cxkit::bind::read_released;

namespace {

using Doubles = py::array_t<double, py::array::c_style | py::array::forcecast>;

// Validates a whole array against a column rule (raising with the first bad row), then adds it to a state.
template <class S>
void fill_checked(S& s, const Doubles& a, const char* column) {
    if (a.ndim() != 1) throw invalid_input(column, invalid_input::no_row, "must be one-dimensional");
    const double* x = a.data();
    const auto n = static_cast<std::size_t>(a.shape(0));
    const MeasureRule rule = measure_rule(column);
    for (std::size_t i = 0; i < n; ++i)
        if (!rule.accepts(x[i]))
            throw invalid_input(column, static_cast<std::int64_t>(i), std::string(rule.text) + ", got " + describe_value(x[i]));
    for (std::size_t i = 0; i < n; ++i) s.add(x[i]);
}

py::dict table_to_dict(const ScorecardTable& t) {
    py::dict d;
    py::list labels;
    for (std::size_t c = 0; c < t.group_columns.size(); ++c) {
        py::list col;
        for (auto& row : t.labels) col.append(row[c] ? py::cast(*row[c]) : py::none());
        labels.append(col);
    }
    d["group_columns"] = t.group_columns;
    d["labels"] = labels;
    d["period"] = std::string(period_code(t.period));
    std::vector<std::int64_t> starts;
    // Clamped to pandas' Timestamp.min: the first period of a log starting there begins before the int64 range.
    for (auto p : t.period_index)
        starts.push_back(t.period == Period::none
                             ? 0
                             : std::max(cxkit::detail::period_start_clamped(p, t.period),
                                        std::numeric_limits<std::int64_t>::min() + 1));
    d["period_start"] = py::array_t<std::int64_t>(static_cast<py::ssize_t>(starts.size()), starts.data());
    py::dict cols;
    for (std::size_t i = 0; i < t.column_names.size(); ++i)
        cols[py::str(t.column_names[i])] = py::array_t<double>(static_cast<py::ssize_t>(t.columns[i].size()), t.columns[i].data());
    d["columns"] = cols;
    py::dict flags;  // per-row flags of the registered KPIs (periods only), e.g. nps_change_significant
    for (std::size_t i = 0; i < t.flag_names.size(); ++i)
        flags[py::str(t.flag_names[i])] = std::vector<bool>(t.flags[i].begin(), t.flags[i].end());
    d["flags"] = flags;
    return d;
}


// state += fill_scorecard(log) with the state's own grouping and periods: the fill into a local without the GIL
// (the log and segmentation are immutable from Python), the merge with it (the thread-safety rule).
// (segment: std::optional so that the stub says "Segmentation | None".)
void update_scorecard(ScorecardState& s, const EventLog& log, std::optional<const Segmentation*> segment_arg,
                      const std::string& complaint_kind, unsigned threads) {
    const Segmentation* segment = segment_arg.value_or(nullptr);
    ScorecardOptions o;
    o.by = s.group_columns;
    if (segment) {
        if (o.by.empty() || o.by.back() != segment->name)
            throw invalid_input("segment", invalid_input::no_row,
                                "segmentation '" + segment->name + "' is not the last group column of this state");
        o.by.pop_back();
    }
    o.segment = segment;
    o.period = s.period;
    o.retention_period = s.activity_period;
    o.complaint_kind = complaint_kind;
    o.threads = threads;
    merge_into(s, [&] { return fill_scorecard(log, o); });
}


// One event from Python: customer id (str or int), time in ns, fields {name: value}. By the value's Python type: a
// bool (or numpy bool) is a flag, text a categorical, None missing, anything else a number (a bool must not pass as
// the number 1: an NPS of True is refused).
LiveEvent live_event(const std::variant<std::int64_t, std::string>& customer, std::int64_t time, const py::dict& fields) {
    LiveEvent e = std::holds_alternative<std::string>(customer)
                      ? LiveEvent(std::get<std::string>(customer), time)
                      : LiveEvent(std::get<std::int64_t>(customer), time);
    for (auto [k, v] : fields) {
        const auto name = py::cast<std::string>(k);
        if (v.is_none()) continue;  // missing
        const bool numpy_bool = py::hasattr(v, "dtype") && py::str(v.attr("dtype").attr("kind")).equal(py::str("b"));
        if (py::isinstance<py::bool_>(v) || numpy_bool) {
            e.set(name, v.cast<bool>());
        } else if (py::isinstance<py::str>(v)) {
            e.set(name, v.cast<std::string>());
        } else {
            try {
                e.set(name, v.cast<double>());
            } catch (const py::cast_error&) {
                throw py::type_error("field '" + name + "' must be text (a categorical) or a number (a "
                                     "measure), got " + std::string(py::str(py::type::of(v).attr("__name__"))));
            }
        }
    }
    return e;
}

// LiveScorecard: append keeps the GIL (O(1) work on a Python-visible object); table() and state() copy the
// state with the GIL held (state() itself is that copy) and finish the table without it.
void register_live_scorecard(py::module_& m) {
    bind_state<LiveScorecard>(m, "LiveScorecard",
                              "The scorecard kept current one event at a time (see cxkit.metrics.LiveScorecard).")
        .def(py::init([](std::vector<std::string> by, const std::string& period, const std::string& retention_period,
                         std::string complaint_kind, std::int64_t lateness) {
                 LiveScorecardOptions o;
                 o.by = std::move(by);
                 o.period = parse_period(period);
                 o.retention_period = parse_period(retention_period);
                 if (o.retention_period == Period::none)
                     throw invalid_input("retention_period", invalid_input::no_row, "must be a period such as \"M\"");
                 o.complaint_kind = std::move(complaint_kind);
                 o.lateness = lateness;
                 return LiveScorecard(std::move(o));
             }),
             py::arg("by"), py::arg("period"), py::arg("retention_period") = "M",
             py::arg("complaint_kind") = "complaint", py::arg("lateness") = ns_per_day)
        .def("append",
             [](LiveScorecard& card, std::variant<std::int64_t, std::string> customer, std::int64_t time,
                const py::dict& fields) { card.append(live_event(customer, time, fields)); },
             py::arg("customer"), py::arg("time"), py::arg("fields"),
             "One event: customer id (str or int), time (ns since the epoch, UTC), fields {name: str (categorical) "
             "or number/bool (measure)}. A refused event raises ValueError and changes nothing.")
        .def("state", &LiveScorecard::state, "The batch ScorecardState of everything appended (a copy).")
        .def_property_readonly("events", &LiveScorecard::events)
        .def_property_readonly("late_events", &LiveScorecard::late_events)
        .def_property_readonly("watermark", &LiveScorecard::watermark)
        .def_property_readonly("lateness", [](const LiveScorecard& c) { return c.options().lateness; })
        .def_property_readonly("complaint_kind", [](const LiveScorecard& c) { return c.options().complaint_kind; })
        .def_property_readonly("indexed_keys", &LiveScorecard::indexed_keys);
}

// LiveFigures: live only (no merge, no bytes); append keeps the GIL, the reads are O(window) with the GIL.
void register_live_figures(py::module_& m) {
    py::class_<LiveFigures>(m, "LiveFigures", "Rolling windows and streaming quantiles (see cxkit.metrics.LiveFigures).")
        .def(py::init([](std::size_t rolling_answers, std::int64_t bucket, std::size_t window_buckets,
                         std::vector<double> quantiles) {
                 return LiveFigures({rolling_answers, bucket, window_buckets, std::move(quantiles)});
             }),
             py::arg("rolling_answers"), py::arg("bucket"), py::arg("window_buckets"), py::arg("quantiles"))
        .def("append",
             [](LiveFigures& f, std::variant<std::int64_t, std::string> customer, std::int64_t time,
                const py::dict& fields) { f.append(live_event(customer, time, fields)); },
             py::arg("customer"), py::arg("time"), py::arg("fields"))
        .def_property_readonly("rolling_nps", &LiveFigures::rolling_nps)
        .def_property_readonly("rolling_nps_n", &LiveFigures::rolling_nps_n)
        .def_property_readonly("rolling_response_time", &LiveFigures::rolling_response_time)
        .def_property_readonly("window_nps", &LiveFigures::window_nps)
        .def_property_readonly("window_first_bucket", &LiveFigures::window_first_bucket)
        .def_property_readonly("outside_window", &LiveFigures::outside_window)
        .def("response_time_quantile", &LiveFigures::response_time_quantile, py::arg("p"));
}
}  // namespace

void bind_metrics(py::module_& m) {
    bind_state<NpsState>(m, "NpsState", "Counts of promoters, passives and detractors (mergeable).")
        .def("fill", [](NpsState& s, const Doubles& a) { fill_checked(s, a, "nps"); }, py::arg("scores"))
        .def_readonly("promoters", &NpsState::promoters)
        .def_readonly("passives", &NpsState::passives)
        .def_readonly("detractors", &NpsState::detractors)
        .def_property_readonly("n", &NpsState::n)
        .def_property_readonly("value", &NpsState::value)
        .def_property_readonly("variance", &NpsState::variance)
        .def("interval", [](const NpsState& s, double confidence) {
            auto r = s.result(confidence);
            return py::make_tuple(r.low, r.high);
        }, py::arg("confidence") = 0.95)
        .def("__repr__", [](const NpsState& s) {
            return "NpsState(promoters=" + std::to_string(s.promoters) + ", passives=" + std::to_string(s.passives) +
                   ", detractors=" + std::to_string(s.detractors) + ")";
        });

    bind_state<CsatState>(m, "CsatState", "Counts of CSAT answers 1-5 (mergeable).")
        .def("fill", [](CsatState& s, const Doubles& a) { fill_checked(s, a, "csat"); }, py::arg("scores"))
        .def_property_readonly("counts", [](const CsatState& s) { return std::vector<std::uint64_t>(s.counts.begin(), s.counts.end()); })
        .def_property_readonly("n", &CsatState::n)
        .def_property_readonly("satisfied", &CsatState::top2)
        .def_property_readonly("value", &CsatState::value)
        .def("interval", [](const CsatState& s, double confidence) {
            auto r = s.result(confidence);
            return py::make_tuple(r.low, r.high);
        }, py::arg("confidence") = 0.95)
        .def("__repr__", [](const CsatState& s) { return "CsatState(n=" + std::to_string(s.n()) + ")"; });

    bind_state<CesState>(m, "CesState", "Counts of CES answers 1-7 (mergeable).")
        .def("fill", [](CesState& s, const Doubles& a) { fill_checked(s, a, "ces"); }, py::arg("scores"))
        .def_property_readonly("counts", [](const CesState& s) { return std::vector<std::uint64_t>(s.counts.begin(), s.counts.end()); })
        .def_property_readonly("n", &CesState::n)
        .def_property_readonly("mean", &CesState::mean)
        .def_property_readonly("agree", &CesState::agree)
        .def("__repr__", [](const CesState& s) { return "CesState(n=" + std::to_string(s.n()) + ")"; });

    bind_state<FcrState>(m, "FcrState", "Resolved tickets and those resolved at first contact (mergeable).")
        .def("fill", [](FcrState& s, const Doubles& a) {
            const double* x = a.data();
            for (py::ssize_t i = 0; i < a.shape(0); ++i)
                if (!measure_rule("fcr").accepts(x[i]))
                    throw invalid_input("fcr", i, std::string(measure_rule("fcr").text) + ", got " + describe_value(x[i]));
            for (py::ssize_t i = 0; i < a.shape(0); ++i)
                if (!std::isnan(x[i])) s.add(x[i] == 1.0);
        }, py::arg("flags"))
        .def_readonly("resolved", &FcrState::resolved)
        .def_readonly("first_contact", &FcrState::first_contact)
        .def_property_readonly("value", &FcrState::value);

    bind_state<ResponseTimeState>(m, "ResponseTimeState", "Response times in seconds, kept exactly (mergeable).")
        .def("fill", [](ResponseTimeState& s, const Doubles& a) { fill_checked(s, a, "response_time"); }, py::arg("seconds"))
        .def_property_readonly("n", &ResponseTimeState::n)
        .def_property_readonly("mean", &ResponseTimeState::mean)
        .def_property_readonly("median", &ResponseTimeState::median)
        .def_property_readonly("p90", &ResponseTimeState::p90);

    bind_state<MeanState>(m, "MeanState", "Count, sum and sum of squares (mergeable); sentiment uses it.")
        .def("fill", [](MeanState& s, const Doubles& a) { fill_checked(s, a, "sentiment"); }, py::arg("values"))
        .def_readonly("n", &MeanState::n)
        .def_property_readonly("mean", &MeanState::mean)
        .def_property_readonly("variance", &MeanState::variance);

    bind_state<ComplaintState>(m, "ComplaintState", "Complaints and interactions (mergeable).")
        .def_readonly("complaints", &ComplaintState::complaints)
        .def_readonly("events", &ComplaintState::events);

    bind_state<CustomerSet>(m, "CustomerSet", "Distinct customers by 64-bit key (mergeable).")
        .def("__len__", [](CustomerSet& s) {
            s.normalize();
            return s.size();
        })
        .def("erase", [](CustomerSet& s, py::array_t<std::uint64_t, py::array::c_style | py::array::forcecast> keys) {
                 s.erase(std::span<const std::uint64_t>(keys.data(), static_cast<std::size_t>(keys.size())));
             },
             py::arg("keys"), "Forgets these customers (keys from cxkit.privacy.customer_keys; GIL held).");

    bind_state<ActivityState>(m, "ActivityState", "Customer x period activity for retention and churn (mergeable).")
        .def("erase", [](ActivityState& s, py::array_t<std::uint64_t, py::array::c_style | py::array::forcecast> keys) {
                 s.erase(std::span<const std::uint64_t>(keys.data(), static_cast<std::size_t>(keys.size())));
             },
             py::arg("keys"), "Forgets these customers (keys from cxkit.privacy.customer_keys; GIL held).")
        .def("add", [](ActivityState& s, py::array_t<std::uint64_t> keys, py::array_t<std::int64_t> periods) {
            if (keys.size() != periods.size())
                throw invalid_input("periods", invalid_input::no_row, "must have as many values as keys");
            for (py::ssize_t i = 0; i < keys.size(); ++i) s.add(keys.at(i), periods.at(i));
            s.normalize();
        })
        .def("by_period", [](const ActivityState& s, std::uint64_t max_rows) {
            const auto rows = read_released(s, [max_rows](const ActivityState& c) { return c.by_period(max_rows); });
            py::list out;
            for (auto& r : rows)
                out.append(py::make_tuple(r.period, r.start, r.end, r.new_customers, r.lost, r.retention_rate, r.churn_rate));
            return out;
        }, py::arg("max_rows") = 0,
           "One row per period from the first to the last active one: (period, start, end, new, lost, retention, "
           "churn). Refuses more than max(65536, 64 per pair) rows unless max_rows allows more.");

    bind_state<KpiState>(m, "KpiState", "Every KPI of one scorecard cell (mergeable).");

    bind_state<ScorecardState>(m, "ScorecardState", "The mergeable state behind a scorecard.")
        .def_readonly("group_columns", &ScorecardState::group_columns)
        .def_property_readonly("period", [](const ScorecardState& s) { return std::string(period_code(s.period)); })
        .def("__len__", [](const ScorecardState& s) { return s.cells.size(); })
        .def("table", [](const ScorecardState& s, double confidence, double discount, std::uint64_t min_change_n,
                         std::uint64_t max_activity_rows, unsigned threads) {
            ScorecardTableOptions o;
            o.confidence = confidence;
            o.annual_discount_rate = discount;
            o.min_change_n = min_change_n;
            o.max_activity_rows = max_activity_rows;
            o.threads = threads;
            // A copy taken with the GIL held: another thread may += into s meanwhile (issue 12's double free).
            return table_to_dict(read_released(s, [&o](const ScorecardState& c) { return scorecard_table(c, o); }));
        }, py::arg("confidence") = 0.95, py::arg("discount_rate") = 0.10, py::arg("min_change_n") = 30,
           py::arg("max_activity_rows") = 0, py::arg("threads") = 0)
        .def("update", &update_scorecard, py::arg("log"), py::arg("segment"),
             py::arg("complaint_kind") = "complaint", py::arg("threads") = 0,
             "Fills the log with this state's grouping and periods and merges it in (the fill runs with the GIL "
             "released into a local; the merge holds the GIL). A state grouped by a segmentation needs it again "
             "as `segment` (its name is the last group column); complaint_kind must be the fill's.");

    register_live_scorecard(m);
    register_live_figures(m);

    py::list columns;
    for (const auto& c : scorecard_columns) columns.append(py::make_tuple(c.name, c.count, c.periods_only));
    m.attr("SCORECARD_COLUMNS") = columns;

    m.def(
        "fill_scorecard",
        [](const EventLog& log, std::vector<std::string> by, const Segmentation* segment, const std::string& period,
           const std::string& retention_period, const std::string& complaint_kind, unsigned threads) {
            ScorecardOptions o;
            o.by = std::move(by);
            o.segment = segment;
            o.period = parse_period(period);
            o.retention_period = parse_period(retention_period);
            if (o.retention_period == Period::none)
                throw invalid_input("retention_period", invalid_input::no_row, "must be a period such as \"M\"");
            o.complaint_kind = complaint_kind;
            o.threads = threads;
            // The log is immutable from Python; the state is a local until it is returned (nothing half-built
            // when Ctrl-C interrupts the fill).
            std::optional<ScorecardState> st;
            {
                cxkit::bind::released_interruptible scope;
                st.emplace(fill_scorecard(log, o));
            }
            return std::move(*st);
        },
        py::arg("log"), py::arg("by"), py::arg("segment"), py::arg("period"), py::arg("retention_period") = "M",
        py::arg("complaint_kind") = "complaint", py::arg("threads") = 0);

    m.def("z_for_confidence", &z_for_confidence);
    m.def("wilson_interval", [](double x, double n, double c) {
        auto i = wilson_interval(x, n, c);
        return py::make_tuple(i.low, i.high);
    });
    m.def("nps_z_test", [](double nps1, double var1, double n1, double nps2, double var2, double n2) {
        auto z = nps_z_test(nps1, var1, n1, nps2, var2, n2);
        return py::make_tuple(z.z, z.p);
    });
    m.def("nps_vs_benchmark", [](double nps, double var, double n, double benchmark) {
        auto z = nps_vs_benchmark(nps, var, n, benchmark);
        return py::make_tuple(z.z, z.p);
    });
    m.def("proportion_z_test", [](double x1, double n1, double x2, double n2) {
        auto z = proportion_z_test(x1, n1, x2, n2);
        return py::make_tuple(z.z, z.p);
    });
    m.def("proportion_vs_benchmark", [](double x, double n, double p0) {
        auto z = proportion_vs_benchmark(x, n, p0);
        return py::make_tuple(z.z, z.p);
    });
    m.def("simple_clv", &simple_clv, py::arg("margin"), py::arg("retention"), py::arg("discount"));
}

// Bindings of the CLV models (include/cxkit/clv) into the submodule cxkit._core.clv: one class per model, named as
// in Python (BetaGeoModel, ModifiedBetaGeoModel, ParetoNBDModel, BetaGeoBetaBinomModel, GammaGammaModel), holding
// the fitted C++ model; predictions and standard errors are computed on it. The estimators with keyword
// arguments, pandas in/out and summaries are the Python layer (python/cxkit/clv).
//
// Thread safety: a bound model is immutable once built, except for its deferred standard errors, which are
// computed from the model's own (immutable) fitted data without the GIL and stored with the GIL held. Inputs are
// copied before the GIL is released (another thread may mutate a numpy array). Long calls run under
// bind::released_interruptible: Ctrl-C interrupts them and nothing is left half-built.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "array_out.hpp"
#include "clv_params.hpp"
#include "cxkit/clv/beta_geo.hpp"
#include "cxkit/clv/beta_geo_beta_binom.hpp"
#include "cxkit/clv/gamma_gamma.hpp"
#include "cxkit/clv/lifetime_value.hpp"
#include "cxkit/clv/modified_beta_geo.hpp"
#include "cxkit/clv/next_purchase.hpp"
#include "cxkit/clv/pareto_nbd.hpp"
#include "cxkit/clv/transaction_summary.hpp"
#include "cxkit/core/error.hpp"
#include "cxkit/core/parallel.hpp"
#include "interruptible.hpp"

namespace py = pybind11;
using cxkit::invalid_input;
namespace clv = cxkit::clv;
using clv::FitOptions;
using clv::FitResult;
using clv::RfmData;

namespace {

using cxkit::bind::to_array;
using Doubles = py::array_t<double, py::array::c_style | py::array::forcecast>;
using Int64s = py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>;

// An owned copy of a one-dimensional array (read later without the GIL).
std::vector<double> owned(const Doubles& a, const char* name) {
    if (a.ndim() != 1) throw invalid_input(name, invalid_input::no_row, "must be one-dimensional");
    return {a.data(), a.data() + a.shape(0)};
}
std::vector<double> owned(const std::optional<Doubles>& a, const char* name) {
    return a ? owned(*a, name) : std::vector<double>{};
}

void same_length(std::size_t n, std::size_t len, const std::string& name) {
    if (len != n)
        throw invalid_input(name, invalid_input::no_row,
                            "has " + std::to_string(len) + " values but frequency has " + std::to_string(n));
}

// Per-row predictions are independent: chunks of this many customers, on every core (results do not depend on
// the thread count).
constexpr std::size_t kPredictChunk = 512;

// out[i] = f(i) for i < n, GIL released and interruptible; the inputs were validated before.
template <class F>
py::array_t<double> predict_rows(std::size_t n, F&& f) {
    std::vector<double> out(n);
    {
        cxkit::bind::released_interruptible scope;
        cxkit::core::parallel_for(n, kPredictChunk, 0, [&](std::size_t b, std::size_t e) {
            for (std::size_t i = b; i < e; ++i) out[i] = f(i);
        });
    }
    return to_array(out);
}

py::dict params_dict(const std::vector<std::string>& names, const Eigen::VectorXd& v) {
    py::dict d;
    for (std::size_t i = 0; i < names.size(); ++i) d[py::str(names[i])] = v[static_cast<Eigen::Index>(i)];
    return d;
}

py::dict result_dict(const FitResult& r) {
    const auto k = static_cast<py::ssize_t>(r.names.size());
    py::array_t<double> cov({k, k});
    auto c = cov.mutable_unchecked<2>();
    for (py::ssize_t i = 0; i < k; ++i)
        for (py::ssize_t j = 0; j < k; ++j) c(i, j) = r.covariance(i, j);
    py::dict d;
    d["params"] = params_dict(r.names, r.params);
    d["standard_errors"] = params_dict(r.names, r.standard_errors);
    d["covariance"] = cov;
    d["log_likelihood"] = r.log_likelihood;
    d["converged"] = r.converged;
    d["iterations"] = r.iterations;
    d["message"] = r.message;
    d["boundary"] = r.boundary;
    return d;
}

FitOptions options(double penalizer_coef, const std::vector<double>& initial, unsigned threads,
                   int max_iterations = 1000) {
    if (max_iterations < 1) throw invalid_input("max_iterations", invalid_input::no_row, "must be >= 1");
    FitOptions o;
    o.max_iterations = max_iterations;
    o.penalizer_coef = penalizer_coef;
    o.initial = initial;
    o.threads = threads;
    return o;
}

// A fit keeps its unique rows for deferred standard errors up to this many rows (CDNOW: 1,016); larger data get
// their standard errors with the fit, from forward differences, rather than be kept in memory.
constexpr std::size_t kDeferRows = std::size_t{1} << 18;

// A bound model: the C++ model, its last fit's result and, while its standard errors are deferred, the data.
template <class Model>
struct Bound {
    using Params = typename Model::Params;
    using Data = typename Model::DataType;
    Model model;
    FitResult result;                  // names and params also for a model built from parameters
    std::shared_ptr<const Data> data;  // set while the standard errors are deferred

    explicit Bound(const Model& m) : model(m) {
        result.names = Params::names();
        result.params = m.params().vector();
        const auto k = result.params.size();
        result.standard_errors = Eigen::VectorXd::Constant(k, std::numeric_limits<double>::quiet_NaN());
        result.covariance = Eigen::MatrixXd::Constant(k, k, std::numeric_limits<double>::quiet_NaN());
    }

    // Fits on make_data()'s data (built from owned copies, GIL released, interruptible); defer: skip the Hessian
    // and keep the data for standard_errors().
    template <class MakeData>
    static Bound fit(MakeData&& make_data, FitOptions o, bool defer) {
        std::shared_ptr<const Data> kept;
        Model m;
        {
            cxkit::bind::released_interruptible scope;
            auto shared = std::make_shared<const Data>(make_data());
            if (defer && shared->size() <= kDeferRows) {
                o.standard_errors = false;
                kept = shared;
            }
            m.fit(*shared, o);
        }
        Bound b(m);
        b.result = m.result();
        b.data = std::move(kept);
        return b;
    }

    // The deferred standard errors: computed from the kept data without the GIL, stored with it.
    py::dict standard_errors(unsigned threads) {
        py::dict out;
        if (!data) {
            out = result_dict(result);
            out["ok"] = result.standard_errors.allFinite();
            return out;
        }
        std::shared_ptr<const Data> d = data;
        FitResult r = result;
        bool ok;
        {
            cxkit::bind::released_interruptible scope;
            ok = Model::standard_errors(*d, r, threads);
        }
        result = std::move(r);
        data.reset();
        out = result_dict(result);
        out["ok"] = ok;
        out["message"] = ok ? std::string() : std::string(clv::not_a_maximum_message);
        return out;
    }
};

// What every model class has: construction from parameters, params, the fit's result, deferred standard errors.
template <class Model>
py::class_<Bound<Model>> register_model(py::module_& m, const char* name, const char* doc) {
    using B = Bound<Model>;
    using Params = typename Model::Params;
    py::class_<B> c(m, name, doc);
    c.def(py::init([](const std::vector<double>& p) { return B(Model(params_from<Params>(p))); }), py::arg("params"),
          "A model with the given parameters (in the order of param_names()), not fitted.");
    c.def_static("param_names", [] { return Params::names(); });
    c.def_property_readonly("params", [](const B& b) { return params_dict(b.result.names, b.result.params); });
    c.def_property_readonly("params_list", [](const B& b) {
        const auto& v = b.result.params;
        return std::vector<double>(v.data(), v.data() + v.size());
    });
    c.def_property_readonly("result", [](const B& b) { return result_dict(b.result); },
                            "The fit's result: params, standard_errors, covariance, log_likelihood, converged, "
                            "iterations, message.");
    c.def_property_readonly("standard_errors_deferred", [](const B& b) { return b.data != nullptr; });
    c.def(
        "at_params",
        [](const B& b, const std::vector<double>& p) {
            B out(Model(params_from<Params>(p)));
            out.result.log_likelihood = b.result.log_likelihood;
            out.result.converged = b.result.converged;
            out.result.iterations = b.result.iterations;
            out.result.message = b.result.message;
            out.data = b.data;
            return out;
        },
        py::arg("params"),
        "A copy at other parameters that keeps this fit's data for its standard errors (e.g. to check the Hessian "
        "away from the optimum).");
    c.def("standard_errors", &B::standard_errors, py::arg("threads") = 0u,
          "Covariance and standard errors from the Hessian of the total log-likelihood of the fit's data (central "
          "differences of the analytic gradient), computed once; ok is False when the Hessian is not negative "
          "definite.");
    return c;
}

// Validated per-customer columns (copies), t either one value or one per customer.
struct Customers {
    std::vector<double> t, x, t_x, T;
    // t_whole: t counts BG/BB purchase opportunities (the timing functions); t_may_be_inf: t = inf is a limit;
    // validate = false: the caller checks the customers itself (customer_lifetime_value, with monetary values).
    Customers(const Doubles* t_, const Doubles& f, const Doubles& r, const Doubles& T_, bool discrete,
              bool t_whole = false, bool t_may_be_inf = false, bool validate = true) {
        const char* T_name = discrete ? "periods" : "T";
        x = owned(f, "frequency");
        t_x = owned(r, "recency");
        T = owned(T_, T_name);
        same_length(x.size(), t_x.size(), "recency");
        same_length(x.size(), T.size(), T_name);
        clv::RfmFieldNames names;
        names.T = T_name;
        for (std::size_t i = 0; validate && i < x.size(); ++i)
            RfmData::check_customer(x[i], t_x[i], T[i], static_cast<std::int64_t>(i), names, discrete);
        if (t_) {
            t = owned(*t_, "t");
            if (t.size() != 1) same_length(x.size(), t.size(), "t");
            for (std::size_t i = 0; i < t.size(); ++i) {
                try {
                    clv::detail::check_t(t[i], t_whole, t_may_be_inf);
                } catch (const invalid_input& e) {
                    throw invalid_input(e.column(), static_cast<std::int64_t>(i), e.rule());
                }
            }
        }
    }
    std::size_t size() const { return x.size(); }
    double t_at(std::size_t i) const { return t.size() == 1 ? t[0] : t[i]; }
};

// The four purchase models, one template: fit, log-likelihood, predictions, timing, simulation and lifetime value.
template <class Model>
void register_purchase_model(py::module_& m, const char* name, const char* doc) {
    using B = Bound<Model>;
    using Params = typename Model::Params;
    constexpr bool discrete = std::is_same_v<Model, clv::BetaGeoBetaBinomModel>;
    const char* T_name = discrete ? "periods" : "T";
    auto c = register_model<Model>(m, name, doc);

    c.def_static(
        "fit",
        [T_name](const Doubles& f, const Doubles& r, const Doubles& T, const std::optional<Doubles>& w,
                 double penalizer_coef, const std::vector<double>& initial, unsigned threads, bool defer,
                 int max_iterations) {
            auto fs = owned(f, "frequency"), rs = owned(r, "recency"), Ts = owned(T, T_name), ws = owned(w, "weights");
            clv::RfmFieldNames names;
            names.T = T_name;
            auto make = [&] { return RfmData::from_customers(fs, rs, Ts, ws, names, discrete); };
            return B::fit(make, options(penalizer_coef, initial, threads, max_iterations), defer);
        },
        py::arg("frequency"), py::arg("recency"), py::arg("T"), py::arg("weights") = py::none(),
        py::arg("penalizer_coef") = 0.0, py::arg("initial") = std::vector<double>{}, py::arg("threads") = 0u,
        py::arg("defer_standard_errors") = false, py::arg("max_iterations") = 1000,
        "Maximum-likelihood fit to per-customer frequency, recency, T (GIL released, Ctrl-C interrupts).");

    c.def(
        "log_likelihood",
        [](const B& b, const Doubles& f, const Doubles& r, const Doubles& T) {
            const Customers cs(nullptr, f, r, T, discrete);
            const Params P = b.model.params();
            return predict_rows(cs.size(), [&](std::size_t i) { return Model::log_likelihood(P, cs.x[i], cs.t_x[i], cs.T[i]); });
        },
        py::arg("frequency"), py::arg("recency"), py::arg("T"));
    c.def(
        "probability_alive",
        [](const B& b, const Doubles& f, const Doubles& r, const Doubles& T) {
            const Customers cs(nullptr, f, r, T, discrete);
            return predict_rows(cs.size(), [&](std::size_t i) { return b.model.probability_alive(cs.x[i], cs.t_x[i], cs.T[i]); });
        },
        py::arg("frequency"), py::arg("recency"), py::arg("T"));
    c.def(
        "conditional_expected_purchases",
        [](const B& b, const Doubles& t, const Doubles& f, const Doubles& r, const Doubles& T) {
            const Customers cs(&t, f, r, T, discrete);
            return predict_rows(cs.size(), [&](std::size_t i) {
                return b.model.conditional_expected_purchases(cs.t_at(i), cs.x[i], cs.t_x[i], cs.T[i]);
            });
        },
        py::arg("t"), py::arg("frequency"), py::arg("recency"), py::arg("T"));
    c.def(
        "expected_purchases",
        [](const B& b, const Doubles& t) {
            const auto ts = owned(t, "t");
            for (std::size_t i = 0; i < ts.size(); ++i)
                if (!std::isfinite(ts[i]) || ts[i] < 0)
                    throw invalid_input("t", static_cast<std::int64_t>(i),
                                        "must be a finite number >= 0, got " + cxkit::describe_value(ts[i]));
            return predict_rows(ts.size(), [&](std::size_t i) { return b.model.expected_purchases(ts[i]); });
        },
        py::arg("t"));
    c.def(
        "probability_of_n_purchases",
        [](const B& b, double t, const std::vector<int>& n) {
            if (!std::isfinite(t) || t < 0)
                throw invalid_input("t", invalid_input::no_row, "must be a finite number >= 0, got " + cxkit::describe_value(t));
            return predict_rows(n.size(), [&](std::size_t i) { return b.model.probability_of_n_purchases(t, n[i]); });
        },
        py::arg("t"), py::arg("n"), "P(X(t) = n) of a new customer, for each n.");
    c.def(
        "simulate",
        [](const B& b, std::size_t n, double T, std::uint64_t seed) {
            if (!std::isfinite(T) || T < 0 || (discrete && (T != std::floor(T) || T > RfmData::max_periods)))
                throw invalid_input("T", invalid_input::no_row,
                                    std::string(discrete ? "must be a whole number of periods, at most 10^7"
                                                         : "must be a finite number >= 0") +
                                        ", got " + cxkit::describe_value(T));
            const Params P = b.model.params();
            clv::CustomerSummary s;
            {
                cxkit::bind::released_interruptible scope;
                if constexpr (discrete)
                    s = Model::simulate(P, n, static_cast<int>(T), seed);
                else
                    s = Model::simulate(P, n, T, seed);
            }
            return py::make_tuple(to_array(s.x), to_array(s.t_x), to_array(s.T));
        },
        py::arg("n_customers"), py::arg("T"), py::arg("seed"));

    // Next-purchase timing (include/cxkit/clv/next_purchase.hpp).
    c.def(
        "conditional_probability_of_n_purchases",
        [](const B& b, const Doubles& t, int n, const Doubles& f, const Doubles& r, const Doubles& T) {
            if (n < 0) throw invalid_input("n", invalid_input::no_row, "must be >= 0");
            const Customers cs(&t, f, r, T, discrete, discrete);
            return predict_rows(cs.size(), [&](std::size_t i) {
                return clv::conditional_probability_of_n_purchases(b.model, cs.t_at(i), n, cs.x[i], cs.t_x[i], cs.T[i]);
            });
        },
        py::arg("t"), py::arg("n"), py::arg("frequency"), py::arg("recency"), py::arg("T"),
        "P(n purchases in (T, T+t] | frequency, recency, T) per customer.");
    c.def(
        "probability_of_purchase_within",
        [](const B& b, const Doubles& t, const Doubles& f, const Doubles& r, const Doubles& T) {
            const Customers cs(&t, f, r, T, discrete, discrete, /*t_may_be_inf=*/!discrete);
            return predict_rows(cs.size(), [&](std::size_t i) {
                return clv::probability_of_purchase_within(b.model, cs.t_at(i), cs.x[i], cs.t_x[i], cs.T[i]);
            });
        },
        py::arg("t"), py::arg("frequency"), py::arg("recency"), py::arg("T"),
        "P(at least one purchase in (T, T+t] | frequency, recency, T) per customer.");
    c.def(
        "median_time_to_next_purchase",
        [](const B& b, const Doubles& f, const Doubles& r, const Doubles& T) {
            const Customers cs(nullptr, f, r, T, discrete);
            return predict_rows(cs.size(), [&](std::size_t i) {
                return clv::median_time_to_next_purchase(b.model, cs.x[i], cs.t_x[i], cs.T[i]);
            });
        },
        py::arg("frequency"), py::arg("recency"), py::arg("T"),
        "Smallest t with P(a purchase in (T, T+t]) >= 1/2 per customer (inf when it never reaches 1/2).");

    c.def(
        "customer_lifetime_value",
        [](const B& b, const Bound<clv::GammaGammaModel>& spend, const Doubles& f, const Doubles& r, const Doubles& T,
           const Doubles& mv, int months, double discount_rate, double month_length, unsigned threads) {
            // customer_lifetime_value checks every column, in row order (the first offending row is named)
            const Customers cs(nullptr, f, r, T, discrete, false, false, /*validate=*/false);
            const auto ms = owned(mv, "monetary_value");
            same_length(cs.size(), ms.size(), "monetary_value");
            clv::LifetimeValueOptions opt;
            opt.months = months;
            opt.discount_rate = discount_rate;
            opt.month_length = month_length;
            opt.threads = threads;
            std::vector<double> out(cs.size());
            {
                cxkit::bind::released_interruptible scope;
                clv::customer_lifetime_value(b.model, spend.model, cs.x, cs.t_x, cs.T, ms, out, opt);
            }
            return to_array(out);
        },
        py::arg("spend_model"), py::arg("frequency"), py::arg("recency"), py::arg("T"), py::arg("monetary_value"),
        py::arg("months"), py::arg("discount_rate"), py::arg("month_length"), py::arg("threads") = 0u,
        "Discounted lifetime value per customer with a Gamma-Gamma spend model (GIL released, interruptible).");
}

void register_gamma_gamma(py::module_& m) {
    using B = Bound<clv::GammaGammaModel>;
    auto c = register_model<clv::GammaGammaModel>(m, "GammaGammaModel",
                                                  "Gamma-Gamma spend model (parameters p, q, gamma).");
    c.def_static(
        "fit",
        [](const Doubles& f, const Doubles& v, const std::optional<Doubles>& w, double penalizer_coef,
           const std::vector<double>& initial, unsigned threads) {
            auto fs = owned(f, "frequency"), vs = owned(v, "monetary_value"), ws = owned(w, "weights");
            auto make = [&] { return clv::SpendData::from_customers(fs, vs, ws); };
            return B::fit(make, options(penalizer_coef, initial, threads), false);
        },
        py::arg("frequency"), py::arg("monetary_value"), py::arg("weights") = py::none(),
        py::arg("penalizer_coef") = 0.0, py::arg("initial") = std::vector<double>{}, py::arg("threads") = 0u);
    c.def(
        "conditional_expected_average_value",
        [](const B& b, const Doubles& f, const Doubles& v) {
            const auto fs = owned(f, "frequency"), vs = owned(v, "monetary_value");
            same_length(fs.size(), vs.size(), "monetary_value");
            std::vector<double> out(fs.size());
            for (std::size_t i = 0; i < fs.size(); ++i) {
                try {
                    out[i] = b.model.conditional_expected_average_value(fs[i], vs[i]);
                } catch (const invalid_input& e) {
                    if (e.column() == "q") throw;
                    throw invalid_input(e.column(), static_cast<std::int64_t>(i), e.rule());
                }
            }
            return to_array(out);
        },
        py::arg("frequency"), py::arg("monetary_value"));
    c.def(
        "simulate",
        [](const B& b, const Doubles& f, std::uint64_t seed) {
            const auto fs = owned(f, "frequency");
            return to_array(clv::GammaGammaModel::simulate(b.model.params(), fs, seed));
        },
        py::arg("frequency"), py::arg("seed"));
}

void register_rfm_data(py::module_& m) {
    py::class_<RfmData, std::shared_ptr<RfmData>>(m, "RfmData",
                                                  "Unique (frequency, recency, T) rows with weights.")
        .def("__len__", &RfmData::size)
        .def_property_readonly("total_weight", [](const RfmData& d) { return d.total_weight; });
}

// A numpy array that takes over a vector's buffer (no copy); the capsule frees it with the array.
template <class T>
py::array_t<T> move_to_array(std::vector<T>&& v) {
    auto* kept = new std::vector<T>(std::move(v));
    py::capsule free_when_done(kept, [](void* p) { delete static_cast<std::vector<T>*>(p); });
    return py::array_t<T>(static_cast<py::ssize_t>(kept->size()), kept->data(), free_when_done);
}

// The grouping step of cxkit.clv.rfm_summary (include/cxkit/clv/transaction_summary.hpp): int64 customer ids (or
// codes) and int64 nanosecond times, copied, then grouped with the GIL released (interruptible); the
// per-customer arrays come back without copies.
py::dict summarize_transactions(const Int64s& customer, const Int64s& time_ns, const std::optional<Doubles>& value,
                                const std::string& freq, std::int64_t end_ns, bool whole_end_period, bool holdout,
                                std::int64_t holdout_end_ns, const std::string& customer_name,
                                const std::string& time_name, const std::string& value_name) {
    clv::TransactionWindow w;
    w.unit = clv::parse_rfm_unit(freq);
    w.end_ns = end_ns;
    w.whole_end_period = whole_end_period;
    w.holdout = holdout;
    w.holdout_end_ns = holdout_end_ns;
    w.customer_name = customer_name;
    w.time_name = time_name;
    w.value_name = value_name;
    if (customer.ndim() != 1 || time_ns.ndim() != 1)
        throw invalid_input(customer_name, invalid_input::no_row, "customer ids and times must be one-dimensional");
    const std::vector<std::int64_t> c(customer.data(), customer.data() + customer.shape(0));
    const std::vector<std::int64_t> t(time_ns.data(), time_ns.data() + time_ns.shape(0));
    const std::vector<double> v = owned(value, value_name.c_str());
    clv::TransactionSummary s;
    {
        cxkit::bind::released_interruptible scope;
        s = clv::summarize_transactions(c, t, v, w);
    }
    py::dict d;
    d["customer"] = move_to_array(std::move(s.customer));
    d["first"] = move_to_array(std::move(s.first));
    d["last"] = move_to_array(std::move(s.last));
    d["periods"] = move_to_array(std::move(s.periods));
    d["repeat_value"] = move_to_array(std::move(s.repeat_value));
    d["end_period"] = s.end_period;
    if (holdout) {
        d["holdout_periods"] = move_to_array(std::move(s.holdout_periods));
        d["holdout_rows"] = move_to_array(std::move(s.holdout_rows));
        d["holdout_value"] = move_to_array(std::move(s.holdout_value));
        d["holdout_end_period"] = s.holdout_end_period;
    }
    return d;
}

void register_summarize_transactions(py::module_& m) {
    m.def("summarize_transactions", &summarize_transactions, py::arg("customer"), py::arg("time_ns"),
          py::arg("value") = py::none(), py::arg("freq") = "W", py::arg("end_ns"), py::arg("whole_end_period") = true,
          py::arg("holdout") = false, py::arg("holdout_end_ns") = std::numeric_limits<std::int64_t>::max(),
          py::arg("customer_name") = "customer", py::arg("time_name") = "time", py::arg("value_name") = "value",
          "Per customer with a transaction up to end_ns: first and last period, distinct periods, value outside the "
          "first period (and the holdout's distinct periods, rows and value). Customers ascending by id.");
}

}  // namespace

void bind_clv(py::module_& m) {
    register_rfm_data(m);
    register_purchase_model<clv::BetaGeoModel>(
        m, "BetaGeoModel", "BG/NBD (Fader, Hardie & Lee 2005): parameters r, alpha, a, b.");
    register_purchase_model<clv::ModifiedBetaGeoModel>(
        m, "ModifiedBetaGeoModel", "MBG/NBD (Batislam, Denizel & Filiztekin 2007): parameters r, alpha, a, b.");
    register_purchase_model<clv::ParetoNBDModel>(
        m, "ParetoNBDModel", "Pareto/NBD (Schmittlein, Morrison & Colombo 1987): parameters r, alpha, s, beta.");
    register_purchase_model<clv::BetaGeoBetaBinomModel>(
        m, "BetaGeoBetaBinomModel", "BG/BB (Fader, Hardie & Shang 2010): parameters alpha, beta, gamma, delta.");
    register_gamma_gamma(m);
    register_summarize_transactions(m);
}

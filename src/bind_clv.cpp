// Bindings of the CLV models (include/cxkit/clv): fits over numpy arrays (GIL released while fitting), per-customer
// predictions and simulation. Everything lives in the submodule cxkit._core.clv; the estimator classes with
// keyword arguments, pandas in/out and summaries belong to the Python layer (python/cxkit/clv).
//
// Models are named "beta_geo", "pareto_nbd", "modified_beta_geo", "beta_geo_beta_binom" (RFM models) and the
// spend model is bound separately ("gamma_gamma"). Parameters travel as lists of floats in the order of
// param_names(model).
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "array_out.hpp"
#include "clv_params.hpp"
#include "cxkit/clv/beta_geo.hpp"
#include "cxkit/clv/beta_geo_beta_binom.hpp"
#include "cxkit/clv/gamma_gamma.hpp"
#include "cxkit/clv/lifetime_value.hpp"
#include "cxkit/clv/modified_beta_geo.hpp"
#include "cxkit/clv/pareto_nbd.hpp"
#include "cxkit/clv/transaction_summary.hpp"
#include "cxkit/core/error.hpp"

namespace py = pybind11;
using cxkit::invalid_input;
using cxkit::clv::BetaGeoModel;
using cxkit::clv::BetaGeoBetaBinomModel;
using cxkit::clv::CustomerSummary;
using cxkit::clv::FitOptions;
using cxkit::clv::FitResult;
using cxkit::clv::GammaGammaModel;
using cxkit::clv::GammaGammaParams;
using cxkit::clv::ModifiedBetaGeoModel;
using cxkit::clv::ParetoNbdModel;
using cxkit::clv::RfmData;
using cxkit::clv::RfmFieldNames;
using cxkit::clv::SpendData;

namespace {

using cxkit::bind::to_array;

using Doubles = py::array_t<double, py::array::c_style | py::array::forcecast>;

std::span<const double> span_of(const Doubles& a, const char* name) {
    if (a.ndim() != 1) throw invalid_input(name, invalid_input::no_row, "must be one-dimensional");
    return {a.data(), static_cast<std::size_t>(a.shape(0))};
}
std::span<const double> span_of(const std::optional<Doubles>& a, const char* name) {
    return a ? span_of(*a, name) : std::span<const double>{};
}

py::dict result_dict(const FitResult& r) {
    py::dict params, se;
    for (std::size_t i = 0; i < r.names.size(); ++i) {
        params[py::str(r.names[i])] = r.params[static_cast<Eigen::Index>(i)];
        se[py::str(r.names[i])] = r.standard_errors[static_cast<Eigen::Index>(i)];
    }
    const auto k = static_cast<py::ssize_t>(r.names.size());
    py::array_t<double> cov({k, k});
    auto c = cov.mutable_unchecked<2>();
    for (py::ssize_t i = 0; i < k; ++i)
        for (py::ssize_t j = 0; j < k; ++j) c(i, j) = r.covariance(i, j);
    py::dict d;
    d["params"] = params;
    d["standard_errors"] = se;
    d["covariance"] = cov;
    d["log_likelihood"] = r.log_likelihood;
    d["converged"] = r.converged;
    d["iterations"] = r.iterations;
    d["message"] = r.message;
    return d;
}

FitOptions options(double penalizer_coef, const std::vector<double>& initial, unsigned threads) {
    FitOptions o;
    o.penalizer_coef = penalizer_coef;
    o.initial = initial;
    o.threads = threads;
    return o;
}

// A fit keeps its unique rows for deferred standard errors up to this many rows (CDNOW: 1,016).
constexpr std::size_t kDeferRows = std::size_t{1} << 18;

void check_same_length(std::span<const double> a, std::span<const double> b, const char* bname, const char* aname) {
    if (a.size() != b.size())
        throw invalid_input(bname, invalid_input::no_row,
                            "has " + std::to_string(b.size()) + " values but " + aname + " has " + std::to_string(a.size()));
}

// Binds fit / log_likelihood / predictions of one RFM model under a name prefix.
template <class Model>
void bind_rfm_model(py::module_& m, const std::string& name, bool discrete) {
    using Params = typename Model::Params;
    // defer_standard_errors: for up to kDeferRows unique rows, skip the Hessian and return the unique rows as
    // result["data"] for standard_errors_<name> later (the Hessian costs a third of a small fit); larger data get
    // their standard errors now, from forward differences (result["data"] is None), rather than be kept in memory.
    m.def(("fit_" + name).c_str(),
          [discrete](const Doubles& f, const Doubles& r, const Doubles& T, const std::optional<Doubles>& w,
                     double penalizer_coef, const std::vector<double>& initial, unsigned threads,
                     bool defer_standard_errors) {
              auto fs = span_of(f, "frequency"), rs = span_of(r, "recency"), Ts = span_of(T, discrete ? "periods" : "T"),
                   ws = span_of(w, "weights");
              FitResult res;
              std::shared_ptr<RfmData> kept;
              {
                  py::gil_scoped_release release;
                  RfmFieldNames names;
                  if (discrete) names.T = "periods";
                  auto d = std::make_shared<RfmData>(RfmData::from_customers(fs, rs, Ts, ws, names, discrete));
                  FitOptions o = options(penalizer_coef, initial, threads);
                  if (defer_standard_errors && d->size() <= kDeferRows) {
                      o.standard_errors = false;
                      kept = d;
                  }
                  Model model;
                  res = model.fit(*d, o);
              }
              py::dict out = result_dict(res);
              out["data"] = kept ? py::cast(kept) : py::none();
              return out;
          },
          py::arg("frequency"), py::arg("recency"), py::arg("T"), py::arg("weights") = py::none(),
          py::arg("penalizer_coef") = 0.0, py::arg("initial") = std::vector<double>{}, py::arg("threads") = 0u,
          py::arg("defer_standard_errors") = false);

    m.def(("standard_errors_" + name).c_str(),
          [](const std::vector<double>& p, const std::shared_ptr<RfmData>& d, unsigned threads) {
              if (!d) throw invalid_input("data", invalid_input::no_row, "no fitted data");
              FitResult res;
              res.names = Params::names();
              res.params = params_from<Params>(p).vector();
              bool ok;
              {
                  py::gil_scoped_release release;
                  ok = cxkit::clv::set_standard_errors(Model::log_likelihood_function(*d, threads), res);
              }
              py::dict out = result_dict(res);
              out["ok"] = ok;
              out["message"] = ok ? std::string() : std::string(cxkit::clv::not_a_maximum_message);
              return out;
          },
          py::arg("params"), py::arg("data"), py::arg("threads") = 0u,
          "Covariance and standard errors at params from the Hessian of the total log-likelihood of a fit's data "
          "(central differences of the analytic gradient); ok is False when the Hessian is not negative definite.");

    m.def(("log_likelihood_" + name).c_str(),
          [](const std::vector<double>& p, const Doubles& f, const Doubles& r, const Doubles& T) {
              const Params P = params_from<Params>(p);
              auto fs = span_of(f, "frequency"), rs = span_of(r, "recency"), Ts = span_of(T, "T");
              check_same_length(fs, rs, "recency", "frequency");
              check_same_length(fs, Ts, "T", "frequency");
              std::vector<double> out(fs.size());
              for (std::size_t i = 0; i < fs.size(); ++i) out[i] = Model::log_likelihood(P, fs[i], rs[i], Ts[i]);
              return to_array(out);
          },
          py::arg("params"), py::arg("frequency"), py::arg("recency"), py::arg("T"));

    m.def(("probability_alive_" + name).c_str(),
          [](const std::vector<double>& p, const Doubles& f, const Doubles& r, const Doubles& T) {
              const Model model(params_from<Params>(p));
              auto fs = span_of(f, "frequency"), rs = span_of(r, "recency"), Ts = span_of(T, "T");
              check_same_length(fs, rs, "recency", "frequency");
              check_same_length(fs, Ts, "T", "frequency");
              std::vector<double> out(fs.size());
              for (std::size_t i = 0; i < fs.size(); ++i) out[i] = model.probability_alive(fs[i], rs[i], Ts[i]);
              return to_array(out);
          },
          py::arg("params"), py::arg("frequency"), py::arg("recency"), py::arg("T"));

    m.def(("conditional_expected_purchases_" + name).c_str(),
          [](const std::vector<double>& p, const Doubles& t, const Doubles& f, const Doubles& r, const Doubles& T) {
              const Model model(params_from<Params>(p));
              auto ts = span_of(t, "t"), fs = span_of(f, "frequency"), rs = span_of(r, "recency"), Ts = span_of(T, "T");
              check_same_length(fs, rs, "recency", "frequency");
              check_same_length(fs, Ts, "T", "frequency");
              if (ts.size() != 1) check_same_length(fs, ts, "t", "frequency");
              std::vector<double> out(fs.size());
              for (std::size_t i = 0; i < fs.size(); ++i)
                  out[i] = model.conditional_expected_purchases(ts.size() == 1 ? ts[0] : ts[i], fs[i], rs[i], Ts[i]);
              return to_array(out);
          },
          py::arg("params"), py::arg("t"), py::arg("frequency"), py::arg("recency"), py::arg("T"));

    m.def(("expected_purchases_" + name).c_str(),
          [](const std::vector<double>& p, const Doubles& t) {
              const Model model(params_from<Params>(p));
              auto ts = span_of(t, "t");
              std::vector<double> out(ts.size());
              for (std::size_t i = 0; i < ts.size(); ++i) out[i] = model.expected_purchases(ts[i]);
              return to_array(out);
          },
          py::arg("params"), py::arg("t"));

    m.def(("simulate_" + name).c_str(),
          [](const std::vector<double>& p, std::size_t n, double T, std::uint64_t seed) {
              const Params P = params_from<Params>(p);
              CustomerSummary s;
              {
                  py::gil_scoped_release release;
                  if constexpr (std::is_same_v<Model, BetaGeoBetaBinomModel>)
                      s = Model::simulate(P, n, static_cast<int>(T), seed);
                  else
                      s = Model::simulate(P, n, T, seed);
              }
              return py::make_tuple(to_array(s.x), to_array(s.t_x), to_array(s.T));
          },
          py::arg("params"), py::arg("n_customers"), py::arg("T"), py::arg("seed"));

    m.def(("param_names_" + name).c_str(), [] { return Params::names(); });
}

template <class Model>
void bind_n_purchases(py::module_& m, const std::string& name) {
    using Params = typename Model::Params;
    m.def(("probability_of_n_purchases_" + name).c_str(),
          [](const std::vector<double>& p, double t, const std::vector<int>& n) {
              const Model model(params_from<Params>(p));
              std::vector<double> out(n.size());
              for (std::size_t i = 0; i < n.size(); ++i) out[i] = model.probability_of_n_purchases(t, n[i]);
              return to_array(out);
          },
          py::arg("params"), py::arg("t"), py::arg("n"));
}

// customer_lifetime_value_<name>: reads the four columns in place (float64 arrays are not copied), writes into a
// new array, GIL released, two threads for large inputs.
template <class Model>
void bind_lifetime_value(py::module_& m, const std::string& name) {
    using Params = typename Model::Params;
    m.def(("customer_lifetime_value_" + name).c_str(),
          [](const std::vector<double>& purchase_params, const std::vector<double>& spend_params, const Doubles& f,
             const Doubles& r, const Doubles& T, const Doubles& mv, int months, double discount_rate,
             double month_length, unsigned threads) {
              const Model model(params_from<Params>(purchase_params));
              const GammaGammaModel spend(params_from<GammaGammaParams>(spend_params));
              auto fs = span_of(f, "frequency"), rs = span_of(r, "recency"), Ts = span_of(T, "T"),
                   ms = span_of(mv, "monetary_value");
              py::array_t<double> out(static_cast<py::ssize_t>(fs.size()));
              std::span<double> os(out.mutable_data(), fs.size());
              cxkit::clv::LifetimeValueOptions opt;
              opt.months = months;
              opt.discount_rate = discount_rate;
              opt.month_length = month_length;
              opt.threads = threads;
              {
                  py::gil_scoped_release release;
                  cxkit::clv::customer_lifetime_value(model, spend, fs, rs, Ts, ms, os, opt);
              }
              return out;
          },
          py::arg("purchase_params"), py::arg("spend_params"), py::arg("frequency"), py::arg("recency"), py::arg("T"),
          py::arg("monetary_value"), py::arg("months"), py::arg("discount_rate"), py::arg("month_length"),
          py::arg("threads") = 0u);
}

// A numpy array that takes over a vector's buffer (no copy); the capsule frees it with the array.
template <class T>
py::array_t<T> move_to_array(std::vector<T>&& v) {
    auto* owned = new std::vector<T>(std::move(v));
    py::capsule free_when_done(owned, [](void* p) { delete static_cast<std::vector<T>*>(p); });
    return py::array_t<T>(static_cast<py::ssize_t>(owned->size()), owned->data(), free_when_done);
}

using Int64s = py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>;

// The grouping step of cxkit.clv.rfm_summary (include/cxkit/clv/transaction_summary.hpp): int64 customer ids (or
// codes) and int64 nanosecond times read in place, GIL released; the per-customer arrays come back without copies.
py::dict summarize_transactions(const Int64s& customer, const Int64s& time_ns, const std::optional<Doubles>& value,
                                const std::string& freq, std::int64_t end_ns, bool whole_end_period, bool holdout,
                                std::int64_t holdout_end_ns, const std::string& customer_name,
                                const std::string& time_name, const std::string& value_name) {
    cxkit::clv::TransactionWindow w;
    w.unit = cxkit::clv::parse_rfm_unit(freq);
    w.end_ns = end_ns;
    w.whole_end_period = whole_end_period;
    w.holdout = holdout;
    w.holdout_end_ns = holdout_end_ns;
    w.customer_name = customer_name;
    w.time_name = time_name;
    w.value_name = value_name;
    if (customer.ndim() != 1 || time_ns.ndim() != 1)
        throw invalid_input(customer_name, invalid_input::no_row, "customer ids and times must be one-dimensional");
    std::span<const std::int64_t> c(customer.data(), static_cast<std::size_t>(customer.shape(0)));
    std::span<const std::int64_t> t(time_ns.data(), static_cast<std::size_t>(time_ns.shape(0)));
    std::span<const double> v = span_of(value, value_name.c_str());
    cxkit::clv::TransactionSummary s;
    {
        py::gil_scoped_release release;
        s = cxkit::clv::summarize_transactions(c, t, v, w);
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

}  // namespace

void bind_clv(py::module_& m) {
    py::module_ c = m.def_submodule("clv", "Buy-till-you-die models (BG/NBD, Pareto/NBD, MBG/NBD, BG/BB) and Gamma-Gamma.");
    py::class_<RfmData, std::shared_ptr<RfmData>>(
        c, "RfmData", "Unique (frequency, recency, T) rows with weights, kept by a fitted model for its standard errors.")
        .def("__len__", &RfmData::size)
        .def_property_readonly("total_weight", [](const RfmData& d) { return d.total_weight; });
    bind_rfm_model<BetaGeoModel>(c, "beta_geo", false);
    bind_rfm_model<ParetoNbdModel>(c, "pareto_nbd", false);
    bind_rfm_model<ModifiedBetaGeoModel>(c, "modified_beta_geo", false);
    bind_rfm_model<BetaGeoBetaBinomModel>(c, "beta_geo_beta_binom", true);
    bind_lifetime_value<BetaGeoModel>(c, "beta_geo");
    bind_lifetime_value<ParetoNbdModel>(c, "pareto_nbd");
    bind_lifetime_value<ModifiedBetaGeoModel>(c, "modified_beta_geo");
    bind_lifetime_value<BetaGeoBetaBinomModel>(c, "beta_geo_beta_binom");
    bind_n_purchases<BetaGeoModel>(c, "beta_geo");
    bind_n_purchases<ParetoNbdModel>(c, "pareto_nbd");
    bind_n_purchases<ModifiedBetaGeoModel>(c, "modified_beta_geo");

    c.def("fit_gamma_gamma",
          [](const Doubles& f, const Doubles& v, const std::optional<Doubles>& w, double penalizer_coef,
             const std::vector<double>& initial, unsigned threads) {
              auto fs = span_of(f, "frequency"), vs = span_of(v, "monetary_value"), ws = span_of(w, "weights");
              FitResult res;
              {
                  py::gil_scoped_release release;
                  const SpendData d = SpendData::from_customers(fs, vs, ws);
                  GammaGammaModel model;
                  res = model.fit(d, options(penalizer_coef, initial, threads));
              }
              return result_dict(res);
          },
          py::arg("frequency"), py::arg("monetary_value"), py::arg("weights") = py::none(),
          py::arg("penalizer_coef") = 0.0, py::arg("initial") = std::vector<double>{}, py::arg("threads") = 0u);
    c.def("conditional_expected_average_value_gamma_gamma",
          [](const std::vector<double>& p, const Doubles& f, const Doubles& v) {
              const GammaGammaModel model(params_from<GammaGammaParams>(p));
              auto fs = span_of(f, "frequency"), vs = span_of(v, "monetary_value");
              check_same_length(fs, vs, "monetary_value", "frequency");
              std::vector<double> out(fs.size());
              for (std::size_t i = 0; i < fs.size(); ++i) {
                  try {
                      out[i] = model.conditional_expected_average_value(fs[i], vs[i]);
                  } catch (const invalid_input& e) {
                      if (e.column() == "q") throw;
                      throw invalid_input(e.column(), static_cast<std::int64_t>(i), e.rule());
                  }
              }
              return to_array(out);
          },
          py::arg("params"), py::arg("frequency"), py::arg("monetary_value"));
    c.def("simulate_gamma_gamma",
          [](const std::vector<double>& p, const Doubles& f, std::uint64_t seed) {
              return to_array(GammaGammaModel::simulate(params_from<GammaGammaParams>(p), span_of(f, "frequency"), seed));
          },
          py::arg("params"), py::arg("frequency"), py::arg("seed"));
    c.def("param_names_gamma_gamma", [] { return GammaGammaParams::names(); });
    c.def("summarize_transactions", &summarize_transactions, py::arg("customer"), py::arg("time_ns"),
          py::arg("value") = py::none(), py::arg("freq") = "W", py::arg("end_ns"), py::arg("whole_end_period") = true,
          py::arg("holdout") = false, py::arg("holdout_end_ns") = std::numeric_limits<std::int64_t>::max(),
          py::arg("customer_name") = "customer", py::arg("time_name") = "time", py::arg("value_name") = "value",
          "Per customer with a transaction up to end_ns: first and last period, distinct periods, value outside the "
          "first period (and the holdout's distinct periods, rows and value). Customers ascending by id.");
}

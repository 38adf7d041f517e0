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

#include <string>
#include <vector>

#include "cxkit/clv/beta_geo.hpp"
#include "cxkit/clv/beta_geo_beta_binom.hpp"
#include "cxkit/clv/gamma_gamma.hpp"
#include "cxkit/clv/modified_beta_geo.hpp"
#include "cxkit/clv/pareto_nbd.hpp"
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

using Doubles = py::array_t<double, py::array::c_style | py::array::forcecast>;

std::span<const double> span_of(const Doubles& a, const char* name) {
    if (a.ndim() != 1) throw invalid_input(name, invalid_input::no_row, "must be one-dimensional");
    return {a.data(), static_cast<std::size_t>(a.shape(0))};
}
std::span<const double> span_of(const std::optional<Doubles>& a, const char* name) {
    return a ? span_of(*a, name) : std::span<const double>{};
}

Doubles to_array(const std::vector<double>& v) {
    Doubles out(static_cast<py::ssize_t>(v.size()));
    std::copy(v.begin(), v.end(), out.mutable_data());
    return out;
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

template <class Params>
Params params_from(const std::vector<double>& v) {
    const auto names = Params::names();
    if (v.size() != names.size())
        throw invalid_input("params", invalid_input::no_row, "needs " + std::to_string(names.size()) + " values");
    Eigen::VectorXd e = Eigen::Map<const Eigen::VectorXd>(v.data(), static_cast<Eigen::Index>(v.size()));
    cxkit::clv::detail::require_positive_params(e, names);
    return Params::from(e);
}

void check_same_length(std::span<const double> a, std::span<const double> b, const char* bname, const char* aname) {
    if (a.size() != b.size())
        throw invalid_input(bname, invalid_input::no_row,
                            "has " + std::to_string(b.size()) + " values but " + aname + " has " + std::to_string(a.size()));
}

// Binds fit / log_likelihood / predictions of one RFM model under a name prefix.
template <class Model>
void bind_rfm_model(py::module_& m, const std::string& name, bool discrete) {
    using Params = typename Model::Params;
    m.def(("fit_" + name).c_str(),
          [discrete](const Doubles& f, const Doubles& r, const Doubles& T, const std::optional<Doubles>& w,
                     double penalizer_coef, const std::vector<double>& initial, unsigned threads) {
              auto fs = span_of(f, "frequency"), rs = span_of(r, "recency"), Ts = span_of(T, discrete ? "periods" : "T"),
                   ws = span_of(w, "weights");
              FitResult res;
              {
                  py::gil_scoped_release release;
                  RfmFieldNames names;
                  if (discrete) names.T = "periods";
                  const RfmData d = RfmData::from_customers(fs, rs, Ts, ws, names, discrete);
                  Model model;
                  res = model.fit(d, options(penalizer_coef, initial, threads));
              }
              return result_dict(res);
          },
          py::arg("frequency"), py::arg("recency"), py::arg("T"), py::arg("weights") = py::none(),
          py::arg("penalizer_coef") = 0.0, py::arg("initial") = std::vector<double>{}, py::arg("threads") = 0u);

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

}  // namespace

void bind_clv(py::module_& m) {
    py::module_ c = m.def_submodule("clv", "Buy-till-you-die models (BG/NBD, Pareto/NBD, MBG/NBD, BG/BB) and Gamma-Gamma.");
    bind_rfm_model<BetaGeoModel>(c, "beta_geo", false);
    bind_rfm_model<ParetoNbdModel>(c, "pareto_nbd", false);
    bind_rfm_model<ModifiedBetaGeoModel>(c, "modified_beta_geo", false);
    bind_rfm_model<BetaGeoBetaBinomModel>(c, "beta_geo_beta_binom", true);
    bind_n_purchases<BetaGeoModel>(c, "beta_geo");
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
}

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
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "array_out.hpp"
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


// The grouping step of cxkit.clv.rfm_summary: rows (customer code 0..n_customers-1, period ordinal, optional value),
// already filtered to the observation window. Per customer: first and last period, number of distinct periods and
// the total value of the rows outside the first period (the repeat periods' totals summed). Two counting passes
// group the rows by customer (O(rows), no hashing), then each customer's few rows are sorted by period.
py::tuple group_periods(const py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>& codes,
                        const py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>& periods,
                        const std::optional<Doubles>& values, std::int64_t n_customers) {
    const auto n = static_cast<std::size_t>(codes.size());
    if (static_cast<std::size_t>(periods.size()) != n)
        throw invalid_input("periods", invalid_input::no_row, "has a different length than the customer codes");
    if (values && static_cast<std::size_t>(values->size()) != n)
        throw invalid_input("value", invalid_input::no_row, "has a different length than the customer codes");
    if (n_customers < 0) throw invalid_input("n_customers", invalid_input::no_row, "must be >= 0");
    const std::int64_t* c = codes.data();
    const std::int64_t* p = periods.data();
    const double* v = values ? values->data() : nullptr;
    const auto m = static_cast<std::size_t>(n_customers);
    py::array_t<std::int64_t> first(static_cast<py::ssize_t>(m)), last(static_cast<py::ssize_t>(m)),
        distinct(static_cast<py::ssize_t>(m));
    py::array_t<double> repeat_value(static_cast<py::ssize_t>(m));
    std::int64_t *fo = first.mutable_data(), *lo = last.mutable_data(), *dn = distinct.mutable_data();
    double* rv = repeat_value.mutable_data();
    {
        py::gil_scoped_release release;
        std::vector<std::size_t> start(m + 1, 0);
        for (std::size_t i = 0; i < n; ++i) {
            if (c[i] < 0 || static_cast<std::size_t>(c[i]) >= m)
                throw invalid_input("customer", static_cast<std::int64_t>(i), "customer code out of range");
            ++start[static_cast<std::size_t>(c[i]) + 1];
        }
        for (std::size_t k = 0; k < m; ++k) start[k + 1] += start[k];
        std::vector<std::pair<std::int64_t, double>> rows(n);
        {
            std::vector<std::size_t> pos(start.begin(), start.end() - 1);
            for (std::size_t i = 0; i < n; ++i) rows[pos[static_cast<std::size_t>(c[i])]++] = {p[i], v ? v[i] : 0.0};
        }
        // Each customer's rows sorted by period (insertion sort for the usual handful of rows: stable, no
        // allocation), then summarised; customers split over two threads (disjoint outputs, same result).
        auto summarise = [&](std::size_t k0, std::size_t k1) {
            for (std::size_t k = k0; k < k1; ++k) {
                auto* b = rows.data() + start[k];
                auto* e = rows.data() + start[k + 1];
                if (b == e) {
                    fo[k] = lo[k] = 0;
                    dn[k] = 0;
                    rv[k] = 0;
                    continue;
                }
                if (e - b <= 32) {
                    for (auto* i = b + 1; i < e; ++i) {
                        auto x = *i;
                        auto* j = i;
                        for (; j > b && (j - 1)->first > x.first; --j) *j = *(j - 1);
                        *j = x;
                    }
                } else {
                    std::stable_sort(b, e, [](const auto& x, const auto& y) { return x.first < y.first; });
                }
                fo[k] = b->first;
                lo[k] = (e - 1)->first;
                std::int64_t d = 1;
                double s = 0;
                for (auto* it = b + 1; it != e; ++it) {
                    if (it->first != (it - 1)->first) ++d;
                    if (it->first != b->first) s += it->second;
                }
                dn[k] = d;
                rv[k] = s;
            }
        };
        if (n > (1u << 16) && std::thread::hardware_concurrency() > 1) {
            // split where half of the rows are done
            const std::size_t half = static_cast<std::size_t>(
                std::upper_bound(start.begin(), start.end(), n / 2) - start.begin());
            const std::size_t mid = std::min(m, half == 0 ? 0 : half - 1);
            std::thread th([&] { summarise(0, mid); });
            summarise(mid, m);
            th.join();
        } else {
            summarise(0, m);
        }
    }
    return py::make_tuple(first, last, distinct, repeat_value);
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
    c.def("group_periods", &group_periods, py::arg("codes"), py::arg("periods"), py::arg("values") = py::none(),
          py::arg("n_customers"),
          "Per customer code: (first period, last period, distinct periods, value of rows outside the first period).");
}

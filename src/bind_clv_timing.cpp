// Bindings of next-purchase timing (include/cxkit/clv/next_purchase.hpp) into cxkit._core.clv, next to the models'
// other predictions: conditional_probability_of_n_purchases_<model>, probability_of_purchase_within_<model> and
// median_time_to_next_purchase_<model>, per customer over numpy arrays (t scalar or per customer), GIL released
// (the Pareto/NBD evaluates a quadrature per customer). An invalid customer raises ValueError naming its row.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <span>
#include <string>
#include <vector>

#include "array_out.hpp"
#include "clv_params.hpp"
#include "cxkit/clv/next_purchase.hpp"
#include "cxkit/core/error.hpp"

namespace py = pybind11;
using cxkit::invalid_input;
namespace clv = cxkit::clv;

namespace {

using Doubles = py::array_t<double, py::array::c_style | py::array::forcecast>;

std::span<const double> span_of(const Doubles& a, const char* name) {
    if (a.ndim() != 1) throw invalid_input(name, invalid_input::no_row, "must be one-dimensional");
    return {a.data(), static_cast<std::size_t>(a.shape(0))};
}

// Per-customer columns of equal length; t either one value or one per customer.
struct Columns {
    std::span<const double> t, x, t_x, T;
    Columns(const Doubles* t_, const Doubles& f, const Doubles& r, const Doubles& T_, const char* T_name) {
        x = span_of(f, "frequency");
        t_x = span_of(r, "recency");
        T = span_of(T_, T_name);
        auto same = [&](std::size_t len, const char* name) {
            if (len != x.size())
                throw invalid_input(name, invalid_input::no_row,
                                    "has " + std::to_string(len) + " values but frequency has " +
                                        std::to_string(x.size()));
        };
        same(t_x.size(), "recency");
        same(T.size(), T_name);
        if (t_) {
            t = span_of(*t_, "t");
            if (t.size() != 1) same(t.size(), "t");
        }
    }
    double t_at(std::size_t i) const { return t.size() == 1 ? t[0] : t[i]; }
};

// out[i] = f(i) for every customer, GIL released; an invalid_input gets the customer's row.
template <class F>
py::array_t<double> per_customer(std::size_t n, F&& f) {
    std::vector<double> out(n);
    {
        py::gil_scoped_release release;
        for (std::size_t i = 0; i < n; ++i) {
            try {
                out[i] = f(i);
            } catch (const invalid_input& e) {
                if (e.row() != invalid_input::no_row || e.column() == "n") throw;
                throw invalid_input(e.column(), static_cast<std::int64_t>(i), e.rule());
            }
        }
    }
    return cxkit::bind::to_array(out);
}

template <class Model>
void bind_timing(py::module_& m, const std::string& name, bool discrete) {
    using Params = typename Model::Params;
    const char* T_name = discrete ? "periods" : "T";
    m.def(("conditional_probability_of_n_purchases_" + name).c_str(),
          [T_name](const std::vector<double>& p, const Doubles& t, int n, const Doubles& f, const Doubles& r,
                   const Doubles& T) {
              const Model model(params_from<Params>(p));
              const Columns c(&t, f, r, T, T_name);
              return per_customer(c.x.size(), [&](std::size_t i) {
                  return clv::conditional_probability_of_n_purchases(model, c.t_at(i), n, c.x[i], c.t_x[i], c.T[i]);
              });
          },
          py::arg("params"), py::arg("t"), py::arg("n"), py::arg("frequency"), py::arg("recency"), py::arg("T"),
          "P(n purchases in (T, T+t] | frequency, recency, T) per customer.");
    m.def(("probability_of_purchase_within_" + name).c_str(),
          [T_name](const std::vector<double>& p, const Doubles& t, const Doubles& f, const Doubles& r,
                   const Doubles& T) {
              const Model model(params_from<Params>(p));
              const Columns c(&t, f, r, T, T_name);
              return per_customer(c.x.size(), [&](std::size_t i) {
                  return clv::probability_of_purchase_within(model, c.t_at(i), c.x[i], c.t_x[i], c.T[i]);
              });
          },
          py::arg("params"), py::arg("t"), py::arg("frequency"), py::arg("recency"), py::arg("T"),
          "P(at least one purchase in (T, T+t] | frequency, recency, T) per customer.");
    m.def(("median_time_to_next_purchase_" + name).c_str(),
          [T_name](const std::vector<double>& p, const Doubles& f, const Doubles& r, const Doubles& T) {
              const Model model(params_from<Params>(p));
              const Columns c(nullptr, f, r, T, T_name);
              return per_customer(c.x.size(), [&](std::size_t i) {
                  return clv::median_time_to_next_purchase(model, c.x[i], c.t_x[i], c.T[i]);
              });
          },
          py::arg("params"), py::arg("frequency"), py::arg("recency"), py::arg("T"),
          "Smallest t with P(a purchase in (T, T+t]) >= 1/2 per customer (inf when it never reaches 1/2).");
}

}  // namespace

void bind_clv_timing(py::module_& m) {
    py::module_ c = py::hasattr(m, "clv") ? m.attr("clv").cast<py::module_>() : m.def_submodule("clv");
    bind_timing<clv::BetaGeoModel>(c, "beta_geo", false);
    bind_timing<clv::ParetoNbdModel>(c, "pareto_nbd", false);
    bind_timing<clv::ModifiedBetaGeoModel>(c, "modified_beta_geo", false);
    bind_timing<clv::BetaGeoBetaBinomModel>(c, "beta_geo_beta_binom", true);
}

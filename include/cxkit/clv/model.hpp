#pragma once
// The one shape of every fitted CLV model (BG/NBD, MBG/NBD, Pareto/NBD, BG/BB, Gamma-Gamma): parameters, the last
// fit's result, fit() by maximum likelihood over the model's log-likelihood functor, and that log-likelihood. A
// model derives from FittedModel<Model, Params, Data> and supplies only what differs:
//     static LL log_likelihood_function(const Data&, unsigned threads);   // the functor fit() maximises
//     static Eigen::VectorXd start(const Data&);                          // default starting values
// and optionally `static std::string boundary_note(const Params&)`: why a fit's optimum lies on the boundary of the
// parameter space (empty when it does not), stored in FitResult::boundary.
// and may hide check_fittable (the data a fit refuses) and the per-customer log_likelihood.
#include <Eigen/Core>

#include <string>
#include <utility>

#include "cxkit/clv/fit.hpp"

namespace cxkit::clv {

template <class Model, class P, class Data>
class FittedModel {
public:
    using Params = P;
    using DataType = Data;

    FittedModel() = default;
    explicit FittedModel(const Params& p) : p_(p) { detail::require_positive_params(p.vector(), Params::names()); }

    // Maximum likelihood on the data's unique rows; sets params() and result(). Throws invalid_input for data that
    // cannot be fitted; a fit that does not converge returns result().converged == false (and keeps its point).
    const FitResult& fit(const Data& data, const FitOptions& opt = {}) {
        Model::check_fittable(data);
        auto make = [&](const Data& dd) { return Model::log_likelihood_function(dd, opt.threads); };
        FitResult res = fit_with_warm_start(data, make, Params::names(), Model::start(data), opt);
        p_ = Params::from(res.params);
        if constexpr (requires { Model::boundary_note(p_); }) res.boundary = Model::boundary_note(p_);
        res_ = std::move(res);
        return res_;
    }

    const Params& params() const noexcept { return p_; }
    const FitResult& result() const noexcept { return res_; }

    // Total (weighted) log-likelihood of `d` at `p`, optionally with its gradient in the natural parameters.
    static double log_likelihood(const Params& p, const Data& d, Eigen::VectorXd* grad = nullptr,
                                 unsigned threads = 0) {
        return Model::log_likelihood_function(d, threads)(p.vector(), grad);
    }

    // Covariance and standard errors of `res` (at res.params) from the Hessian of the log-likelihood of `d`, the
    // data it was fitted on (a fit may defer them: FitOptions::standard_errors = false). False when the Hessian is
    // not negative definite (then they are NaN).
    static bool standard_errors(const Data& d, FitResult& res, unsigned threads = 0, bool central = true) {
        return set_standard_errors(Model::log_likelihood_function(d, threads), res, central);
    }

    // Default data rules of a fit: some customer bought twice (RfmData); a model may hide this.
    static void check_fittable(const Data& d) { d.require_fittable(); }

protected:
    Params p_{};
    FitResult res_{};
};

}  // namespace cxkit::clv

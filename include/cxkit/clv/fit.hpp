#pragma once
// Shared fitting machinery of the CLV models: maximum likelihood over log-parameters with LBFGSpp, standard errors
// from the Hessian, and a deterministic two-thread reduction over data rows.
//
// A model supplies a log-likelihood functor:
//     double operator()(const Eigen::VectorXd& theta, Eigen::VectorXd* grad) const;
// returning the TOTAL (weighted) log-likelihood at the natural parameters theta (all > 0) and, when grad is not
// null, its gradient with respect to theta; and `double total_weight() const`.
// The optimiser minimises  -LL(exp(phi)) / total_weight + penalizer_coef * sum(exp(phi)^2)  over phi = log(theta),
// the objective of lifetimes (mean negative log-likelihood plus an L2 penalty on the natural parameters).
#include <LBFGS.h>

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "cxkit/clv/rfm.hpp"
#include "cxkit/core/error.hpp"

namespace cxkit::clv {

struct FitOptions {
    double penalizer_coef = 0.0;   // L2 penalty on the natural parameters, as in lifetimes; off by default
    int max_iterations = 1000;     // L-BFGS iterations
    double tolerance = 1e-7;       // gradient norm of the mean objective (per customer) at which L-BFGS stops
    double accept_gradient = 1e-5; // converged only if the final gradient norm (mean objective) is below this
    unsigned threads = 0;          // 0 = std::thread::hardware_concurrency(); results do not depend on it
    std::vector<double> initial;   // natural-parameter starting values; empty = the model's default
    bool standard_errors = true;   // compute the Hessian and the standard errors
    bool central_hessian = true;   // central differences of the gradient (else forward: half the evaluations)
};

struct FitResult {
    std::vector<std::string> names;   // parameter names, in order
    Eigen::VectorXd params;           // natural parameters at the optimum
    double log_likelihood = std::numeric_limits<double>::quiet_NaN();  // total (weighted sum), not the mean
    Eigen::VectorXd standard_errors;  // sqrt(diag(covariance)); NaN when the Hessian is not negative definite
    Eigen::MatrixXd covariance;       // inverse of minus the Hessian of the total log-likelihood (natural params)
    bool converged = false;
    int iterations = 0;               // L-BFGS iterations (those of attempts that ended normally)
    int evaluations = 0;              // log-likelihood evaluations by the optimiser
    std::string message;              // why it did not converge (empty when it did)

    double param(const std::string& name) const {
        for (std::size_t i = 0; i < names.size(); ++i)
            if (names[i] == name) return params[static_cast<Eigen::Index>(i)];
        throw std::out_of_range("no parameter named " + name);
    }
};

namespace detail {

inline void require_positive_params(const Eigen::VectorXd& v, const std::vector<std::string>& names) {
    for (Eigen::Index i = 0; i < v.size(); ++i)
        if (!(v[i] > 0) || !std::isfinite(v[i]))
            throw invalid_input(names[static_cast<std::size_t>(i)], invalid_input::no_row,
                                "model parameters must be finite and > 0");
}

// Starting values: moderate heterogeneity, the purchase rate from the data.
inline Eigen::VectorXd rate_start(const RfmData& d) {
    double sx = 0, sT = 0;
    for (std::size_t i = 0; i < d.size(); ++i) {
        sx += d.weight[i] * d.x[i];
        sT += d.weight[i] * d.T[i];
    }
    const double rate = sx > 0 && sT > 0 ? sx / sT : 0.1;
    return Eigen::Vector4d(1.0, 1.0 / rate, 1.0, 3.0);
}


inline unsigned resolve_threads(unsigned threads) {
    if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
    return threads;
}

// Sums body(begin, end, value, grad) over rows [0, n) in fixed chunks, each chunk accumulating into its own slot,
// the slots reduced in chunk order: the result is bit-identical for any thread count.
template <class Body>
double reduce_rows(std::size_t n, int nparams, double* grad, unsigned threads, Body&& body) {
    constexpr std::size_t chunk = 1u << 15;
    const std::size_t nchunks = std::max<std::size_t>(1, (n + chunk - 1) / chunk);
    const std::size_t stride = static_cast<std::size_t>(nparams) + 1;
    std::vector<double> slots(nchunks * stride, 0.0);
    auto run = [&](std::size_t c) {
        double* s = &slots[c * stride];
        const std::size_t b = c * chunk, e = std::min(n, b + chunk);
        body(b, e, s[0], grad ? s + 1 : nullptr);
    };
    threads = std::min<unsigned>(resolve_threads(threads), static_cast<unsigned>(nchunks));
    if (threads <= 1) {
        for (std::size_t c = 0; c < nchunks; ++c) run(c);
    } else {
        std::vector<std::thread> pool;
        for (unsigned t = 1; t < threads; ++t)
            pool.emplace_back([&, t] {
                for (std::size_t c = t; c < nchunks; c += threads) run(c);
            });
        for (std::size_t c = 0; c < nchunks; c += threads) run(c);
        for (auto& th : pool) th.join();
    }
    double v = 0;
    if (grad) std::fill(grad, grad + nparams, 0.0);
    for (std::size_t c = 0; c < nchunks; ++c) {
        v += slots[c * stride];
        if (grad)
            for (int k = 0; k < nparams; ++k) grad[k] += slots[c * stride + 1 + static_cast<std::size_t>(k)];
    }
    return v;
}

// log(1 + exp(u)) and 1 / (1 + exp(-u)) without overflow.
inline double softplus(double u) { return u > 0 ? u + std::log1p(std::exp(-u)) : std::log1p(std::exp(u)); }
inline double sigmoid(double u) {
    if (u >= 0) return 1.0 / (1.0 + std::exp(-u));
    const double e = std::exp(u);
    return e / (1.0 + e);
}

template <class LL>
struct LogObjective {
    const LL& ll;
    double penalizer;
    double weight;
    int evaluations = 0;
    Eigen::VectorXd best_phi, best_grad;  // the best point seen, with its objective gradient and log-likelihood:
    double best_f = std::numeric_limits<double>::infinity();  // the fit ends there without evaluating it again
    double best_ll = std::numeric_limits<double>::quiet_NaN();

    double operator()(const Eigen::VectorXd& phi, Eigen::VectorXd& grad) {
        ++evaluations;
        const Eigen::Index k = phi.size();
        // Far outside any sensible range: refuse the step rather than evaluate special functions at 1e-40 or 1e40.
        if ((phi.array().abs() > 35.0).any() || !phi.allFinite()) {
            grad.setZero(k);
            return std::numeric_limits<double>::infinity();
        }
        const Eigen::VectorXd theta = phi.array().exp();
        Eigen::VectorXd g(k);
        const double v = ll(theta, &g);
        if (!std::isfinite(v) || !g.allFinite()) {
            grad.setZero(k);
            return std::numeric_limits<double>::infinity();
        }
        const double f = -v / weight + penalizer * theta.squaredNorm();
        grad = (-g.array() * theta.array() / weight + 2.0 * penalizer * theta.array().square()).matrix();
        if (f < best_f) {
            best_f = f;
            best_phi = phi;
            best_grad = grad;
            best_ll = v;
        }
        return f;
    }
};

}  // namespace detail

// Numerical Hessian of the total log-likelihood in the natural parameters: central differences of the analytic
// gradient with relative steps, symmetrised.
// `central` = false uses forward differences from the gradient at theta (half the evaluations, for big data).
template <class LL>
Eigen::MatrixXd hessian(const LL& ll, const Eigen::VectorXd& theta, bool central = true) {
    const Eigen::Index k = theta.size();
    Eigen::MatrixXd H(k, k);
    Eigen::VectorXd gp(k), gm(k), g0(k);
    if (!central) ll(theta, &g0);
    for (Eigen::Index j = 0; j < k; ++j) {
        const double h = (central ? 1e-5 : 1e-6) * theta[j];
        Eigen::VectorXd tp = theta, tm = theta;
        tp[j] += h;
        if (central) {
            tm[j] -= h;
            ll(tp, &gp);
            ll(tm, &gm);
        } else {
            ll(tp, &gp);
            gm = g0;
        }
        H.col(j) = (gp - gm) / (tp[j] - tm[j]);
    }
    return 0.5 * (H + H.transpose());
}

inline constexpr const char* not_a_maximum_message =
    "the Hessian is not negative definite at the solution (not a maximum, or on a boundary)";

// Sets res.covariance (the inverse of minus the Hessian of the total log-likelihood at res.params) and
// res.standard_errors; returns false, leaving them NaN, when the Hessian is not negative definite. Separate from
// the fit so that a caller can defer it until the standard errors are asked for (the Python layer does).
template <class LL>
bool set_standard_errors(const LL& ll, FitResult& res, bool central = true) {
    const Eigen::Index k = res.params.size();
    res.standard_errors = Eigen::VectorXd::Constant(k, std::numeric_limits<double>::quiet_NaN());
    res.covariance = Eigen::MatrixXd::Constant(k, k, std::numeric_limits<double>::quiet_NaN());
    const Eigen::MatrixXd H = hessian(ll, res.params, central);
    Eigen::LLT<Eigen::MatrixXd> llt(-H);
    if (!H.allFinite() || llt.info() != Eigen::Success) return false;
    res.covariance = llt.solve(Eigen::MatrixXd::Identity(k, k));
    res.standard_errors = res.covariance.diagonal().array().sqrt();
    return true;
}

// Maximises ll over log-parameters from `init` (natural parameters). Never throws for numerical trouble: a fit that
// did not reach a stationary point comes back with converged == false and a message.
template <class LL>
FitResult fit_log_params(const LL& ll, std::vector<std::string> names, const Eigen::VectorXd& init,
                         const FitOptions& opt) {
    const Eigen::Index k = init.size();
    FitResult res;
    res.names = std::move(names);
    if (!(opt.penalizer_coef >= 0) || !std::isfinite(opt.penalizer_coef))
        throw invalid_input("penalizer_coef", invalid_input::no_row, "must be a finite number >= 0");
    if (!(init.array() > 0).all() || !init.allFinite())
        throw invalid_input("initial", invalid_input::no_row, "starting values must be finite and > 0");

    detail::LogObjective<LL> obj{ll, opt.penalizer_coef, ll.total_weight()};
    LBFGSpp::LBFGSParam<double> param;
    param.epsilon = opt.tolerance;
    param.epsilon_rel = 0;
    param.past = 3;       // also stop when the objective no longer moves in the 13th digit over 3 iterations
    param.delta = 1e-13;
    param.max_iterations = opt.max_iterations;
    param.max_linesearch = 30;
    param.m = 10;  // more curvature pairs than the default 6: CDNOW BG/NBD 22 -> 19 evaluations, Pareto/NBD 27 -> 23
    Eigen::VectorXd phi = init.array().log();
    std::string problem;
    int iterations = 0;
    // One restart from the best point seen if the line search gives up (it does when the objective is flat at
    // the level of rounding, i.e. at the optimum, but also when it meets an infinite value on the way).
    for (int attempt = 0; attempt < 3; ++attempt) {
        LBFGSpp::LBFGSSolver<double> solver(param);
        double fx = 0;
        try {
            iterations += solver.minimize(obj, phi, fx);
            problem.clear();
        } catch (const std::exception& e) {
            problem = e.what();
        }
        Eigen::VectorXd g(k);
        double f;
        if (obj.best_phi.size() == k) {
            phi = obj.best_phi;
            g = obj.best_grad;
            f = obj.best_f;
        } else {
            f = obj(phi, g);
        }
        if (std::isfinite(f) && g.lpNorm<Eigen::Infinity>() <= opt.accept_gradient) {
            problem.clear();
            break;
        }
        if (problem.empty()) problem = "the gradient did not vanish (norm " + std::to_string(g.norm()) + ")";
    }
    res.iterations = iterations;
    res.evaluations = obj.evaluations;
    res.params = phi.array().exp();
    res.log_likelihood = obj.best_phi.size() == k && obj.best_phi == phi ? obj.best_ll : ll(res.params, nullptr);
    res.converged = problem.empty() && std::isfinite(res.log_likelihood);
    res.message = problem;
    if (!std::isfinite(res.log_likelihood)) res.message = "the log-likelihood is not finite at the solution";

    res.standard_errors = Eigen::VectorXd::Constant(k, std::numeric_limits<double>::quiet_NaN());
    res.covariance = Eigen::MatrixXd::Constant(k, k, std::numeric_limits<double>::quiet_NaN());
    if (opt.standard_errors && std::isfinite(res.log_likelihood))
        if (!set_standard_errors(ll, res, opt.central_hessian) && opt.penalizer_coef == 0) {
            res.converged = false;
            res.message = not_a_maximum_message;
        }
    return res;
}

// A few damped Newton steps in log-parameters (Hessian by forward differences of the analytic gradient) from a
// point near the optimum. L-BFGS would spend its first iterations learning the scale (its first trial step has
// unit length); Newton converges in one or two steps from a subsample's optimum. Returns the improved point
// (or the start, if the Hessian is not positive definite there).
template <class LL>
Eigen::VectorXd newton_polish(const LL& ll, const Eigen::VectorXd& init, const FitOptions& opt, int max_steps = 6) {
    const Eigen::Index k = init.size();
    detail::LogObjective<LL> obj{ll, opt.penalizer_coef, ll.total_weight()};
    Eigen::VectorXd phi = init.array().log(), g(k), gj(k), gn(k);
    double f = obj(phi, g);
    if (!std::isfinite(f)) return init;
    for (int it = 0; it < max_steps && g.norm() > opt.tolerance; ++it) {
        Eigen::MatrixXd H(k, k);
        for (Eigen::Index j = 0; j < k; ++j) {
            Eigen::VectorXd pj = phi;
            const double h = 1e-6 * std::max(1.0, std::abs(phi[j]));
            pj[j] += h;
            obj(pj, gj);
            H.col(j) = (gj - g) / (pj[j] - phi[j]);
        }
        H = 0.5 * (H + H.transpose()).eval();
        Eigen::LLT<Eigen::MatrixXd> llt(H);
        if (llt.info() != Eigen::Success) break;
        const Eigen::VectorXd step = -llt.solve(g);
        bool accepted = false;
        for (double t = 1; t > 1e-3; t *= 0.5) {
            const Eigen::VectorXd pn = phi + t * step;
            const double fn = obj(pn, gn);
            if (std::isfinite(fn) && fn <= f + 1e-4 * t * g.dot(step)) {
                phi = pn;
                f = fn;
                g = gn;
                accepted = true;
                break;
            }
        }
        if (!accepted) break;
    }
    return phi.array().exp();
}

// Fits on a deterministic subsample first when the data are large, then polishes on all rows: the full-data fit
// then needs only a few iterations. `make_ll(data)` builds the functor; Data needs size() and stride_subsample().
template <class Data, class MakeLL>
FitResult fit_with_warm_start(const Data& data, MakeLL&& make_ll, std::vector<std::string> names,
                              Eigen::VectorXd init, FitOptions opt, std::size_t subsample_rows = 200000) {
    if (data.size() > 4 * subsample_rows && opt.initial.empty()) {
        const Data sub = data.stride_subsample(subsample_rows);
        FitOptions o = opt;
        o.standard_errors = false;
        const FitResult pre = fit_log_params(make_ll(sub), names, init, o);
        if (pre.params.allFinite() && (pre.params.array() > 0).all()) init = pre.params;
        opt.central_hessian = false;  // big data: the Hessian is well determined, forward differences suffice
        const auto ll = make_ll(data);
        init = newton_polish(ll, init, opt);
        FitResult res = fit_log_params(ll, names, init, opt);
        res.iterations += pre.iterations;
        return res;
    }
    if (!opt.initial.empty()) {
        if (opt.initial.size() != static_cast<std::size_t>(init.size()))
            throw invalid_input("initial", invalid_input::no_row,
                                "needs " + std::to_string(init.size()) + " starting values");
        init = Eigen::Map<const Eigen::VectorXd>(opt.initial.data(), init.size());
    }
    return fit_log_params(make_ll(data), std::move(names), init, opt);
}

}  // namespace cxkit::clv

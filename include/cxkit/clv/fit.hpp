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

#include <Eigen/Cholesky>  // LLT only (not <Eigen/Dense>: LU, QR, SVD, eigensolvers)
#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "cxkit/clv/rfm.hpp"
#include "cxkit/core/error.hpp"
#include "cxkit/core/parallel.hpp"

// The old CLV switch for the portable scalar loops, kept as an alias of the project-wide one.
#if defined(CXKIT_CLV_NO_SIMD) && !defined(CXKIT_NO_SIMD)
#define CXKIT_NO_SIMD
#endif
#include "cxkit/core/cpu_dispatch.hpp"

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
    std::string boundary;             // why the optimum lies on a boundary of the parameter space (else empty)

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


// Sums body(begin, end, value, grad) over rows [0, n) in fixed chunks (core::parallel_for_chunks), each chunk
// accumulating into its own slot, the slots reduced in chunk order: the result is bit-identical for any thread
// count.
template <class Body>
double reduce_rows(std::size_t n, int nparams, double* grad, unsigned threads, Body&& body) {
    constexpr std::size_t chunk = 1u << 15;
    const std::size_t nchunks = std::max<std::size_t>(1, core::chunk_count(n, chunk));
    const std::size_t stride = static_cast<std::size_t>(nparams) + 1;
    std::vector<double> slots(nchunks * stride, 0.0);
    core::parallel_for_chunks(n, chunk, threads, [&](std::size_t c, std::size_t b, std::size_t e) {
        double* s = &slots[c * stride];
        body(b, e, s[0], grad ? s + 1 : nullptr);
    });
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

// Per-thread scratch memory, kept between calls (Tag tells apart the buffers of one evaluation): allocating
// ~100 KB per evaluation lets glibc give the memory back to the system when it is freed, and the next evaluation
// then page-faults it in again, a third of a CDNOW Pareto/NBD evaluation.
template <class T, int Tag>
T* scratch(std::size_t n) {
    thread_local std::vector<T> v;
    if (v.size() < n) v.resize(n);
    return v.data();
}

// Eight-lane kernels for the per-row exp and log1p of the BG/NBD family. Eigen picks its packet size when it is
// compiled (SSE2 unless the user builds with -mavx2/-mavx512f), so a header-only library cannot reach AVX2 or
// AVX-512 through it; these are written with GCC vector extensions and compiled three times (SSE2, AVX2+FMA,
// AVX-512), the widest the CPU supports chosen once at run time. The lanes are always eight wide and reduced in a
// fixed order, so the result does not depend on the path beyond FMA contraction (last-bit differences).
#if CXKIT_CPU_DISPATCH
#define CXKIT_CLV_SIMD 1  // off with CXKIT_NO_CPU_DISPATCH / CXKIT_NO_SIMD (or the old CXKIT_CLV_NO_SIMD)
#endif
namespace simd {
#ifdef CXKIT_CLV_SIMD
typedef double v8d __attribute__((vector_size(64), aligned(8)));
typedef long long v8l __attribute__((vector_size(64), aligned(8)));

// In-place helpers (references, not vector arguments or returns: no vector ABI between the paths is involved).
inline __attribute__((always_inline)) void load(v8d& v, const double* p) { __builtin_memcpy(&v, p, sizeof v); }
// x <- exp(x) for x <= 0: Cody-Waite reduction to |r| <= ln2/2 and the degree-13 Taylor polynomial (truncation
// < 5e-18 relative). x is clamped at -300: every use adds the result to 1 or weights an O(1) term by it, where
// exp(-300) is far below rounding, and the clamp keeps e * e in log1p_unit clear of subnormal numbers (a
// microcode assist, ~100 cycles, per lane).
inline __attribute__((always_inline)) void exp_nonpos(v8d& x) {
    const v8d zero{};
    x = x < -300.0 ? zero - 300.0 : x;
    const double shifter = 0x1.8p52;
    const v8d t = x * 1.4426950408889634 + shifter;
    const v8d n = t - shifter;
    const v8d r = (x - n * 0.6931471805598903) - n * 5.497923018708371e-14;
    v8d p = zero + 1.0 / 6227020800.0;
    const double c[13] = {1.0 / 479001600.0, 1.0 / 39916800.0, 1.0 / 3628800.0, 1.0 / 362880.0, 1.0 / 40320.0,
                          1.0 / 5040.0, 1.0 / 720.0, 1.0 / 120.0, 1.0 / 24.0, 1.0 / 6.0, 0.5, 1.0, 1.0};
    for (double ck : c) p = p * r + ck;
    v8l bits, tb;
    __builtin_memcpy(&bits, &p, sizeof p);
    __builtin_memcpy(&tb, &t, sizeof t);
    bits += (tb - 0x4338000000000000LL) << 52;  // times 2^n
    __builtin_memcpy(&x, &bits, sizeof x);
}
// e <- log1p(e) for e in [0, 1]: 2 atanh(s) with s = e / (2 + e), or ln 2 + 2 atanh((e - 1) / (e + 3)) above
// sqrt(2) - 1, so that |s| <= 0.172 and the odd series to s^23 is below rounding.
inline __attribute__((always_inline)) void log1p_unit(v8d& e) {
    const v8d zero{};
    const auto big = e > 0.41421356237309503;
    const v8d s = (big ? e - 1.0 : e) / (big ? e + 3.0 : e + 2.0);
    const v8d z = s * s;
    v8d p = zero + 1.0 / 23;
    for (int k = 21; k >= 1; k -= 2) p = p * z + 1.0 / k;
    e = 2.0 * s * p + (big ? zero + 0.6931471805599453 : zero);
}
// x <- ln(x) for a normal x > 0: x = 2^k m with m in [1, 2), ln x = k ln 2 + log1p(m - 1) (m - 1 is exact).
inline __attribute__((always_inline)) void log_pos(v8d& x) {
    v8l bits, mb, kb;
    __builtin_memcpy(&bits, &x, sizeof x);
    kb = (bits >> 52) - 1023 + 0x4338000000000000LL;  // k as the low bits of 1.5 * 2^52 + k
    mb = (bits & 0x000FFFFFFFFFFFFFLL) | 0x3FF0000000000000LL;
    v8d k, m;
    __builtin_memcpy(&k, &kb, sizeof k);
    __builtin_memcpy(&m, &mb, sizeof m);
    k -= 0x1.8p52;
    m -= 1.0;
    log1p_unit(m);
    x = k * 0.6931471805598903 + (k * 5.497923018708371e-14 + m);
}
#endif
}  // namespace simd

// The per-row part of the BG/NBD family's log-likelihood over m rows (arrays padded to a multiple of 8 with rows of
// weight 0): with D = lT - lx, u = c + rx D, softplus and sigmoid of u (has_a4 = 0: no A4 term, softplus = 0),
//     out[0] = sum w (softplus(u) - rx lT),             out[1] = sum (w4 D - w lT),
//     out[2] = -sum rx (w iT + w4 (ix - iT)),           out[3] = sum w4,   out[4] = -sum w4 ib,   w4 = w sigmoid(u).
struct SoftplusRows {
    const double *c, *rx, *lT, *lx, *iT, *ix, *w, *ib, *has_a4;
    std::size_t m;  // a multiple of 8
};
#ifdef CXKIT_CLV_SIMD
inline __attribute__((always_inline)) void softplus_rows_body(const SoftplusRows& R, bool want, double* out) {
    using namespace simd;
    const v8d zero{};
    v8d v{}, g0{}, g1{}, g2{}, g3{}, lT, lx, rx, w, c, has, iT, ix, ib;
    for (std::size_t i = 0; i < R.m; i += 8) {
        load(lT, R.lT + i);
        load(lx, R.lx + i);
        load(rx, R.rx + i);
        load(w, R.w + i);
        load(c, R.c + i);
        load(has, R.has_a4 + i);
        const v8d D = lT - lx;
        const v8d u = c + rx * D;
        v8d e = u < 0 ? u : -u;  // -|u|
        exp_nonpos(e);  // one exp for both softplus(u) and sigmoid(u)
        e *= has;
        v8d l = e;
        log1p_unit(l);
        v += w * ((u > 0 ? u : zero) + l - rx * lT);
        if (want) {
            load(iT, R.iT + i);
            load(ix, R.ix + i);
            load(ib, R.ib + i);
            const v8d s = 1.0 / (1.0 + e);
            const v8d w4 = w * (u >= 0 ? s : e * s);
            g0 += w4 * D - w * lT;
            g1 -= rx * (w * iT + w4 * (ix - iT));
            g2 += w4;
            g3 -= w4 * ib;
        }
    }
    const v8d* acc[5] = {&v, &g0, &g1, &g2, &g3};
    for (int k = 0; k < 5; ++k) {
        const v8d& a = *acc[k];
        out[k] = ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]));
    }
}
__attribute__((target("avx512f,avx512dq,avx2,fma"))) inline void softplus_rows_avx512(const SoftplusRows& R, bool want,
                                                                                      double* out) {
    softplus_rows_body(R, want, out);
}
__attribute__((target("avx2,fma"))) inline void softplus_rows_avx2(const SoftplusRows& R, bool want, double* out) {
    softplus_rows_body(R, want, out);
}
inline void softplus_rows_sse2(const SoftplusRows& R, bool want, double* out) { softplus_rows_body(R, want, out); }
// 2 = AVX-512, 1 = AVX2 with FMA, 0 = the SSE2 baseline; checked once.
inline int simd_level() {
    const auto& f = core::cpu();
    return f.avx512f && f.avx512dq ? 2 : f.avx2 && f.fma ? 1 : 0;
}
inline void softplus_rows(const SoftplusRows& R, bool want, double* out) {
    const int level = simd_level();
    if (level == 2)
        softplus_rows_avx512(R, want, out);
    else if (level == 1)
        softplus_rows_avx2(R, want, out);
    else
        softplus_rows_sse2(R, want, out);
}
inline __attribute__((always_inline)) void logaddexp_rows_body(const double* L1, const double* L2, std::size_t m,
                                                                 double* lse, double* w1) {
    using namespace simd;
    v8d a, b;
    for (std::size_t i = 0; i < m; i += 8) {
        load(a, L1 + i);
        load(b, L2 + i);
        const auto first = a >= b;
        const v8d hi = first ? a : b;
        v8d e = first ? b - a : a - b;  // -|L1 - L2|
        exp_nonpos(e);
        v8d l = e;
        log1p_unit(l);
        const v8d s = 1.0 / (1.0 + e), r = hi + l, w = first ? s : e * s;
        __builtin_memcpy(lse + i, &r, sizeof r);
        __builtin_memcpy(w1 + i, &w, sizeof w);
    }
}
__attribute__((target("avx512f,avx512dq,avx2,fma"))) inline void logaddexp_rows_avx512(const double* L1, const double* L2,
                                                                                        std::size_t m, double* lse,
                                                                                        double* w1) {
    logaddexp_rows_body(L1, L2, m, lse, w1);
}
__attribute__((target("avx2,fma"))) inline void logaddexp_rows_avx2(const double* L1, const double* L2, std::size_t m,
                                                                    double* lse, double* w1) {
    logaddexp_rows_body(L1, L2, m, lse, w1);
}
// lse[i] = ln(exp(L1[i]) + exp(L2[i])) and w1[i] = exp(L1[i] - lse[i]), for m a multiple of 8.
inline void logaddexp_rows(const double* L1, const double* L2, std::size_t m, double* lse, double* w1) {
    const int level = simd_level();
    if (level == 2)
        logaddexp_rows_avx512(L1, L2, m, lse, w1);
    else if (level == 1)
        logaddexp_rows_avx2(L1, L2, m, lse, w1);
    else
        logaddexp_rows_body(L1, L2, m, lse, w1);
}
#else
inline void logaddexp_rows(const double* L1, const double* L2, std::size_t m, double* lse, double* w1) {
    for (std::size_t i = 0; i < m; ++i) {
        const bool first = L1[i] >= L2[i];
        const double e = std::exp(first ? L2[i] - L1[i] : L1[i] - L2[i]), s = 1.0 / (1.0 + e);
        lse[i] = (first ? L1[i] : L2[i]) + std::log1p(e);
        w1[i] = first ? s : e * s;
    }
}
inline void softplus_rows(const SoftplusRows& R, bool want, double* out) {
    double acc[5] = {0, 0, 0, 0, 0};
    for (std::size_t i = 0; i < R.m; ++i) {
        const double D = R.lT[i] - R.lx[i], u = R.c[i] + R.rx[i] * D;
        const double e = std::exp(-std::abs(u)) * R.has_a4[i];
        acc[0] += R.w[i] * ((u > 0 ? u : 0.0) + std::log1p(e) - R.rx[i] * R.lT[i]);
        if (want) {
            const double s = 1.0 / (1.0 + e), w4 = R.w[i] * (u >= 0 ? s : e * s);
            acc[1] += w4 * D - R.w[i] * R.lT[i];
            acc[2] -= R.rx[i] * (R.w[i] * R.iT[i] + w4 * (R.ix[i] - R.iT[i]));
            acc[3] += w4;
            acc[4] -= w4 * R.ib[i];
        }
    }
    std::copy(acc, acc + 5, out);
}
#endif

template <class LL>
struct LogObjective {
    LogObjective(const LL& l, double penalizer_, double weight_) : ll(l), penalizer(penalizer_), weight(weight_) {}
    const LL& ll;
    double penalizer;
    double weight;
    int evaluations = 0;
    Eigen::VectorXd best_phi, best_grad;  // the best point seen, with its objective gradient and log-likelihood:
    double best_f = std::numeric_limits<double>::infinity();  // the fit ends there without evaluating it again
    double best_ll = std::numeric_limits<double>::quiet_NaN();

    double operator()(const Eigen::VectorXd& phi, Eigen::VectorXd& grad) {
        core::check_interrupt();  // Ctrl-C between evaluations (throws core::cancelled: the fit leaves nothing)
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
        } catch (const core::cancelled&) {
            throw;
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
    if constexpr (requires { data.stride_subsample(subsample_rows); }) {  // RfmData; not SpendData
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

#pragma once
// Pareto/NBD (Schmittlein, Morrison & Colombo 1987).
//
// While alive a customer buys at Poisson rate lambda ~ Gamma(r, alpha); her lifetime is exponential with rate
// mu ~ Gamma(s, beta). The likelihood is written as in Hardie's note 009, eqs 22-23, as the SUM of two positive
// terms (the "difference" form of A0 is 0 - 0 when t_x == T and loses every digit nearby):
//     L = G * { s/(r+s+x) * 2F1(r+s+x, s+1; r+s+x+1; z(t_x)) / (alpha+t_x)^(r+s+x)
//             + (r+x)/(r+s+x) * 2F1(r+s+x, s; r+s+x+1; z(T)) / (alpha+T)^(r+s+x) }        (alpha >= beta)
// with z(t) = (alpha-beta)/(alpha+t), G = Gamma(r+x) alpha^r beta^s / Gamma(r), and the mirror image (alpha and
// beta, r+x and s exchanged in the 2F1, z(t) = (beta-alpha)/(beta+t)) when alpha < beta.
// Every 2F1 here has c = a + 1; Euler's transformation turns it into (1-z)^(..) 2F1(1, b'; c; z) with b' < c, a
// series of positive, decreasing terms that is summed in double precision while its log prefactor stays in log
// space: nothing overflows for x in the thousands (2F1(r+s+x, r+x; ...) alone would). Boost's hypergeometric_pFq
// is not used for the likelihood because it works on the untransformed function, which overflows there; the
// tests check this series against it where both are finite. The gradient is analytic: the derivatives of the
// series with respect to b', c and z are summed in the same loop.
#include <boost/math/quadrature/gauss.hpp>
#include <boost/math/quadrature/gauss_kronrod.hpp>
#include <boost/math/special_functions/digamma.hpp>
#include <boost/math/special_functions/gamma.hpp>

#include <Eigen/Core>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "cxkit/clv/fit.hpp"
#include "cxkit/clv/model.hpp"
#include "cxkit/clv/rfm.hpp"
#include "cxkit/clv/row_index.hpp"
#include "cxkit/clv/simulate.hpp"
#include "cxkit/core/error.hpp"

namespace cxkit::clv {

struct ParetoNbdParams {
    double r = 1, alpha = 1, s = 1, beta = 1;
    static std::vector<std::string> names() { return {"r", "alpha", "s", "beta"}; }
    Eigen::VectorXd vector() const { return Eigen::Vector4d(r, alpha, s, beta); }
    static ParetoNbdParams from(const Eigen::VectorXd& v) { return {v[0], v[1], v[2], v[3]}; }
};

namespace detail {

// F(z) = 2F1(1, b; c; z) = sum_k prod_{j<k} (b+j)/(c+j) z^k for 0 <= z < 1, 0 < b < c, with the derivatives of
// ln F with respect to b, c and z. With derivatives, one division per term gives 1/(b+k), 1/(c+k) and their ratio.
struct Hyp1 {
    double log_value, d_b, d_c, d_z;
};

// Up to this z the series is summed; above it, hyp2f1_quad. Since A_k <= 1 (c > b) and S >= 1, a series with
// z <= 0.99 is below rounding (term / (1 - z) <= 1.2e-16 S) after at most 4,124 terms: series_max_terms bounds
// every loop with room to spare. Near z = 1 the terms decay like k^(b-c) z^k: with c - b = s -> 0 (a fit with no
// drop-out signal, issue 12) the series needs ~37 / (1 - z) terms, millions once alpha and beta are far apart.
inline constexpr double series_max_z = 0.99;
inline constexpr int series_max_terms = 5000;

// Gauss-Legendre nodes and weights on [-1, 1], from Boost.Math's tables (it stores the nodes >= 0 only).
inline constexpr int gl_nodes = 12;  // 12 to 20 nodes agree to 1e-13 (test); 10 lose digits
struct GaussLegendre {
    double x[gl_nodes], w[gl_nodes];
};
inline const GaussLegendre& gauss_legendre() {
    static const GaussLegendre g = [] {
        using rule = boost::math::quadrature::gauss<double, gl_nodes>;
        static_assert(gl_nodes % 2 == 0, "an even rule has no node at 0");
        GaussLegendre r{};
        for (int i = 0; i < gl_nodes / 2; ++i) {
            r.x[2 * i] = -rule::abscissa()[i];
            r.x[2 * i + 1] = rule::abscissa()[i];
            r.w[2 * i] = r.w[2 * i + 1] = rule::weights()[i];
        }
        return r;
    }();
    return g;
}

// F(z) = 2F1(1, b; c; z) for z near 1 from Euler's integral, F = (c-1) int_0^1 u^(c-2) (eps + z u)^(-b) du with
// eps = 1 - z; with u = e^w the integrand exp(phi(w)), phi = (c-1) w - b ln(eps + z e^w) on (-inf, 0], is smooth
// and log-concave (phi' falls from c-1 to c-1-b around w0 = ln(eps/z)). Composite 12-point Gauss-Legendre from its
// peak outwards, each panel as wide as phi's slope, curvature and the distance to the singularities of ln(eps + z
// e^w) (at w0 +- i pi) allow, until the rest is below rounding (by concavity the tail beyond w is at most
// exp(phi(w)) / |phi'(w)|). The work is a few hundred exp/log whatever 1 - z is (tests: vs mpmath to 1e-13).
// Derivatives: d ln F/db = -<ln(eps + z e^w)>, d/dc = 1/(c-1) + <w>, d/dz = <b (1 - e^w) / (eps + z e^w)>, the
// averages under exp(phi), summed in the same pass. `panels` (if given) receives the number of panels used.
inline Hyp1 hyp2f1_quad(double b, double c, double z, bool derivatives, int* panels = nullptr) {
    const GaussLegendre& gl = gauss_legendre();
    const double eps = 1 - z, m = c - 1, n = c - 1 - b;  // eps is exact for z >= 0.5
    const double w0 = std::log(eps) - std::log(z);
    // Peak of phi: phi' = m - b sigma(w), sigma = z e^w / (eps + z e^w), is 0 at w0 + ln(m / -n) when n < 0.
    const double ws = n < 0 ? std::min(0.0, w0 + std::log(m / -n)) : 0.0;
    auto lq = [&](double w) { return std::log(eps + z * std::exp(w)); };
    auto sigma = [&](double w) { return 1 / (1 + eps / z * std::exp(-w)); };
    const double phis = m * ws - b * lq(ws);
    auto slope = [&](double w) { return m - b * sigma(w); };
    // Half-width of a panel starting at w.
    auto half = [&](double w) {
        const double sg = sigma(w), curv = b * sg * (1 - sg), sl = std::abs(slope(w));
        double a = std::max(0.5, std::abs(w - w0) / 3);
        if (sl > 0) a = std::min(a, 3 / sl);
        if (curv > 0) a = std::min(a, 1 / std::sqrt(curv));
        return std::max(a, 1e-3);
    };
    double S = 0, Sb = 0, Sc = 0, Sz = 0;
    int np = 0;
    auto panel = [&](double lo, double hi) {
        const double mid = 0.5 * (lo + hi), a = 0.5 * (hi - lo);
        ++np;
        for (int i = 0; i < gl_nodes; ++i) {
            const double w = mid + a * gl.x[i], ew = std::exp(w), q = eps + z * ew, l = std::log(q);
            const double f = a * gl.w[i] * std::exp(m * w - b * l - phis);
            S += f;
            if (derivatives) {
                Sb += f * l;
                Sc += f * w;
                Sz += f * (1 - ew) / q;
            }
        }
    };
    // Whether the rest of every sum beyond w is below rounding. Each integrand is log-concave (ln(1 - e^w) and
    // -ln(eps + z e^w) are concave), so beyond w it is below its value there times exp(slope * distance).
    auto negligible = [&](double w, bool left) {
        const double ew = std::exp(w), q = eps + z * ew, l = std::log(q), f = std::exp(m * w - b * l - phis);
        const double fz = f * (1 - ew) / q, tol = 1e-17;
        if (!left)  // towards 0: every integrand falls from w on, and the rest is at most -w wide
            return f * std::min(-w, 1 / std::max(std::abs(slope(w)), 1e-300)) < tol * S &&
                   (!derivatives || (-w * f * std::abs(l) < tol * (std::abs(Sb) + S) &&
                                     -w * f * std::abs(w) < tol * (std::abs(Sc) + S) && -w * fz < tol * (Sz + S)));
        const double s0 = slope(w), sz = s0 - z * ew / q - ew / (1 - ew);
        if (!(s0 > 0) || f / s0 >= tol * S) return false;
        if (!derivatives) return true;
        return sz > 0 && fz / sz < tol * (Sz + S) && f * std::abs(l) / s0 < tol * (std::abs(Sb) + S) &&
               f * (std::abs(w) + 1 / s0) / s0 < tol * (std::abs(Sc) + S);
    };
    // Right of the peak, up to 0.
    for (double lo = ws; lo < 0 && np < 4000;) {
        double a = half(lo), hi = std::min(0.0, lo + 2 * a);
        a = std::min(a, half(hi));
        hi = std::min(0.0, lo + 2 * a);
        panel(lo, hi);
        lo = hi;
        if (lo < 0 && negligible(lo, false)) break;
    }
    // Left of the peak, towards -inf.
    for (double hi = ws; np < 4000;) {
        double a = half(hi), lo = hi - 2 * a;
        a = std::min(a, half(lo));
        lo = hi - 2 * a;
        panel(lo, hi);
        hi = lo;
        if (negligible(hi, true)) break;
    }
    if (panels) *panels = np;
    Hyp1 h{std::log(m) + phis + std::log(S), 0, 0, 0};
    if (derivatives) {
        h.d_b = -Sb / S;
        h.d_c = 1 / m + Sc / S;
        h.d_z = b * Sz / S;
    }
    return h;
}

// The series for z <= series_max_z (at most series_max_terms terms), hyp2f1_quad above. max_terms bounds the
// series' work: one still above rounding after that many terms gives log_value = NaN rather than a truncated sum.
inline Hyp1 hyp2f1_one(double b, double c, double z, bool derivatives, int max_terms = series_max_terms) {
    if (z > series_max_z) return hyp2f1_quad(b, c, z, derivatives);
    double term = 1, S = 1, Sb = 0, Sc = 0, Sz = 0, hb = 0, hc = 0;
    bool complete = true;
    if (z > 0) {
        const double tail = 1.0 / (1.0 - z);
        complete = false;
        for (int k = 0; k < max_terms; ++k) {
            const double bk = b + k, ck = c + k;
            if (derivatives) {
                const double inv = 1.0 / (bk * ck);
                term *= bk * bk * inv * z;
                S += term;
                hb += ck * inv;
                hc += bk * inv;
                Sb += term * hb;
                Sc += term * hc;
                Sz += term * (k + 1);
            } else {
                term *= bk / ck * z;
                S += term;
            }
            if (term * tail <= 1.2e-16 * S) {  // the rest of the sum is below rounding
                complete = true;
                break;
            }
        }
    }
    Hyp1 h{complete ? std::log(S) : std::numeric_limits<double>::quiet_NaN(), 0, 0, 0};
    if (derivatives) {
        h.d_b = Sb / S;
        h.d_c = -Sc / S;
        h.d_z = z > 0 ? Sz / (z * S) : b / c;
    }
    return h;
}

// The coefficients of F(z) = sum_k A_k z^k = 2F1(1, b; c; z) and of its derivatives for one (b, c):
// A_k = prod_{j<k} (b+j)/(c+j), B_k = A_k sum_{j<k} 1/(b+j), C_k = A_k sum_{j<k} 1/(c+j), K_k = k A_k, so that
// F = sum A_k z^k, dF/db = sum B_k z^k, dF/dc = -sum C_k z^k, z dF/dz = sum K_k z^k. b and c depend on x and the
// parameters only: every row with the same x shares one table, and a row's series costs multiply-adds (no
// division), eight rows at a time (series8).
struct SeriesTable {
    double b = 0, c = 0, t = 1, hb = 0, hc = 0;
    std::vector<double> A, B, C, K;
    void reset(double b_, double c_) {
        b = b_;
        c = c_;
        t = 1;
        hb = hc = 0;
        A.assign(1, 1.0);
        B.assign(1, 0.0);
        C.assign(1, 0.0);
        K.assign(1, 0.0);
        grow(24);
    }
    void grow(std::size_t n) {
        for (std::size_t k = A.size() - 1; A.size() < n; ++k) {
            const double bk = b + static_cast<double>(k), ck = c + static_cast<double>(k), inv = 1.0 / (bk * ck);
            t *= bk * bk * inv;
            hb += ck * inv;
            hc += bk * inv;
            A.push_back(t);
            B.push_back(t * hb);
            C.push_back(t * hc);
            K.push_back(static_cast<double>(k + 1) * t);
        }
    }
};

// Eight series of one table at z[0..8) (0 <= z < 1; padding lanes z = 0), each summed until its next term is
// below rounding (the stopping rule of hyp2f1_one), lane by lane: a lane's sum does not depend on its neighbours.
// out: ln F, then (want) d ln F / db, / dc, / dz, eight of each (the fields of Hyp1).
#ifdef CXKIT_CLV_SIMD
inline __attribute__((always_inline)) void series8_body(SeriesTable& T, const double* zp, bool want, double* out) {
    using namespace simd;
    const v8d zero{};
    v8d z;
    load(z, zp);
    const v8d tail = 1.0 / (1.0 - z), z2 = z * z, z3 = z2 * z, z4 = z2 * z2;
    v8d p = zero + 1.0, S = zero + 1.0, Sb{}, Sc{}, Sz{};
    v8l act = z > 0.0;
    // Four terms per step from z^k, z^(k+1), ... computed side by side (the dependency chain is one multiply per
    // four terms); a lane stops at the first step whose last term is below rounding.
    for (std::size_t k = 1; k < static_cast<std::size_t>(series_max_terms); k += 4) {
        if (k + 4 > T.A.size()) T.grow(2 * (k + 4));
        v8d p1 = p * z, p2 = p * z2, p3 = p * z3, p4 = p * z4;
        p1 = act ? p1 : zero;
        p2 = act ? p2 : zero;
        p3 = act ? p3 : zero;
        p4 = act ? p4 : zero;
        p = p4;
        const double* A = &T.A[k];
        const v8d t4 = A[3] * p4;
        S += (A[0] * p1 + A[1] * p2) + (A[2] * p3 + t4);
        if (want) {
            const double *B = &T.B[k], *C = &T.C[k], *K = &T.K[k];
            Sb += (B[0] * p1 + B[1] * p2) + (B[2] * p3 + B[3] * p4);
            Sc += (C[0] * p1 + C[1] * p2) + (C[2] * p3 + C[3] * p4);
            Sz += (K[0] * p1 + K[1] * p2) + (K[2] * p3 + K[3] * p4);
        }
        act &= t4 * tail > 1.2e-16 * S;
        long long any = 0;
        for (int l = 0; l < 8; ++l) any |= act[l];
        if (!any) break;
    }
    v8d lS = S;
    log_pos(lS);
    __builtin_memcpy(out, &lS, sizeof S);
    if (want) {
        const v8d iS = 1.0 / S, db = Sb * iS, dc = -Sc * iS, dz = z > 0.0 ? Sz * iS / z : zero + T.b / T.c;
        __builtin_memcpy(out + 8, &db, sizeof S);
        __builtin_memcpy(out + 16, &dc, sizeof S);
        __builtin_memcpy(out + 24, &dz, sizeof S);
    }
}
__attribute__((target("avx512f,avx512dq,avx2,fma"))) inline void series8_avx512(SeriesTable& T, const double* z,
                                                                                bool want, double* out) {
    series8_body(T, z, want, out);
}
__attribute__((target("avx2,fma"))) inline void series8_avx2(SeriesTable& T, const double* z, bool want, double* out) {
    series8_body(T, z, want, out);
}
inline void series8_sse2(SeriesTable& T, const double* z, bool want, double* out) { series8_body(T, z, want, out); }
inline void series8(SeriesTable& T, const double* z, bool want, double* out) {
    const int level = simd_level();
    if (level == 2)
        series8_avx512(T, z, want, out);
    else if (level == 1)
        series8_avx2(T, z, want, out);
    else
        series8_sse2(T, z, want, out);
}
#else
inline void series8(SeriesTable& T, const double* z, bool want, double* out) {
    for (int l = 0; l < 8; ++l) {
        double p = 1, S = 1, Sb = 0, Sc = 0, Sz = 0;
        const double tail = 1.0 / (1.0 - z[l]);
        for (std::size_t k = 1; z[l] > 0 && k < static_cast<std::size_t>(series_max_terms); k += 4) {
            if (k + 4 > T.A.size()) T.grow(2 * (k + 4));
            double t = 0;
            for (std::size_t j = k; j < k + 4; ++j) {
                p *= z[l];
                S += t = T.A[j] * p;
                Sb += T.B[j] * p;
                Sc += T.C[j] * p;
                Sz += T.K[j] * p;
            }
            if (!(t * tail > 1.2e-16 * S)) break;
        }
        out[l] = std::log(S);
        if (want) {
            out[8 + l] = Sb / S;
            out[16 + l] = -Sc / S;
            out[24 + l] = z[l] > 0 ? Sz / S / z[l] : T.b / T.c;
        }
    }
}
#endif

// out[j - beg] = the series for j in [beg, end): key(j) names the table (b, c) = bc(key(j)), consecutive j with the same
// key share it; z(j) is the argument. Since c > b, A_k <= 1 and a series with z <= 0.99 stops within ~4,100
// terms; a larger z (alpha and beta far apart: early in a fit, or a fit with no drop-out signal) would need up to
// millions: those lanes take hyp2f1_one, i.e. the quadrature (hyp2f1_quad), which needs no table.
template <class Key, class Z, class BC>
void series_run(std::size_t beg, std::size_t end, Key&& key, Z&& zf, BC&& bc, bool want, Hyp1* out) {
    SeriesTable tab;
    double z8[8], res[32];
    for (std::size_t j = beg; j < end;) {
        const auto k = key(j);
        std::size_t e = j;
        while (e < end && key(e) == k) ++e;
        const auto [b, c] = bc(k);
        tab.reset(b, c);
        for (std::size_t q = j; q < e; q += 8) {
            const std::size_t n = std::min<std::size_t>(8, e - q);
            bool slow[8] = {};
            for (std::size_t l = 0; l < 8; ++l) {
                z8[l] = l < n ? zf(q + l) : 0.0;
                if (z8[l] > series_max_z) {
                    out[q - beg + l] = hyp2f1_one(b, c, z8[l], want);
                    slow[l] = true;
                    z8[l] = 0;
                }
            }
            series8(tab, z8, want, res);
            for (std::size_t l = 0; l < n; ++l)
                if (!slow[l]) out[q - beg + l] = {res[l], res[8 + l], res[16 + l], res[24 + l]};
        }
        j = e;
    }
}

struct ParetoRow {
    double ll;
    double g[4];
    double log_alive;  // ln of the "still alive at T" part of L
};

// Terms of the parameters alone, of x alone (lg = lgamma(r + x) - lgamma(r), dg = digamma(r + x) - digamma(r)) and
// of one time t (ln(alpha + t), ln(beta + t) and the inverses): computed once per evaluation, per distinct x and
// per distinct time by the likelihood, from scratch for one customer.
struct ParetoTerms {
    double r, al, s, be, lal, lbe, ls, is;
    ParetoTerms(double r_, double al_, double s_, double be_)
        : r(r_), al(al_), s(s_), be(be_), lal(std::log(al_)), lbe(std::log(be_)), ls(std::log(s_)), is(1.0 / s_) {}
};
struct ParetoX {
    double x, lg, dg, lrx, irx, la, ia;  // ln(r+x), 1/(r+x), ln(r+s+x), 1/(r+s+x)
    ParetoX(const ParetoTerms& P, double x_, double lg_, double dg_)
        : x(x_), lg(lg_), dg(dg_), lrx(std::log(P.r + x_)), irx(1.0 / (P.r + x_)), la(std::log(P.r + P.s + x_)),
          ia(1.0 / (P.r + P.s + x_)) {}
};
struct TimeLogs {
    double t, lA, lB, iA, iB;  // t, ln(alpha+t), ln(beta+t), 1/(alpha+t), 1/(beta+t)
    TimeLogs() = default;
    TimeLogs(const ParetoTerms& P, double t_)
        : t(t_), lA(std::log(P.al + t_)), lB(std::log(P.be + t_)), iA(1.0 / (P.al + t_)), iB(1.0 / (P.be + t_)) {}
};

// F1, the t_x term's series, of one row (the likelihood sums its series in batches: series_run).
inline Hyp1 pareto_f1(const ParetoTerms& P, const ParetoX& X, const TimeLogs& tx, bool want) {
    const double rx = P.r + X.x, c = P.r + P.s + X.x + 1;
    return P.al >= P.be ? hyp2f1_one(rx, c, (P.al - P.be) * tx.iA, want)
                        : hyp2f1_one(P.s + 1, c, (P.be - P.al) * tx.iB, want);
}

// F2 (the T term's series) depends on x and T only.
inline Hyp1 pareto_f2(const ParetoTerms& P, const ParetoX& X, const TimeLogs& TT, bool want) {
    const double rx = P.r + X.x, c = P.r + P.s + X.x + 1;
    return P.al >= P.be ? hyp2f1_one(rx + 1, c, (P.al - P.be) * TT.iA, want)
                        : hyp2f1_one(P.s, c, (P.be - P.al) * TT.iB, want);
}

// ln L = P0 + ln(exp(L1) + exp(L2)); g1, g2: the derivatives of L1 and L2 in (r, alpha, s, beta).
struct ParetoParts {
    double P0, L1, L2, g1[4], g2[4];
};
inline ParetoParts pareto_parts(const ParetoTerms& P, const ParetoX& X, const TimeLogs& tx, const TimeLogs& TT,
                                const Hyp1& F1, const Hyp1& F2, bool want) {
    const double r = P.r, al = P.al, s = P.s, be = P.be;
    const double rx = r + X.x;
    ParetoParts q{X.lg + r * P.lal + s * P.lbe - X.la, 0, 0, {0, 0, 0, 0}, {0, 0, 0, 0}};
    double &L1 = q.L1, &L2 = q.L2, *g1 = q.g1, *g2 = q.g2;
    if (al >= be) {
        L1 = P.ls - rx * tx.lA - s * tx.lB + F1.log_value;
        L2 = X.lrx - (rx + 1) * TT.lA + (1 - s) * TT.lB + F2.log_value;
        if (want) {
            g1[0] = -tx.lA + F1.d_b + F1.d_c;
            g1[1] = -rx * tx.iA + F1.d_z * (be + tx.t) * tx.iA * tx.iA;
            g1[2] = P.is - tx.lB + F1.d_c;
            g1[3] = -s * tx.iB - F1.d_z * tx.iA;
            g2[0] = X.irx - TT.lA + F2.d_b + F2.d_c;
            g2[1] = -(rx + 1) * TT.iA + F2.d_z * (be + TT.t) * TT.iA * TT.iA;
            g2[2] = -TT.lB + F2.d_c;
            g2[3] = (1 - s) * TT.iB - F2.d_z * TT.iA;
        }
    } else {
        L1 = P.ls + (1 - rx) * tx.lA - (s + 1) * tx.lB + F1.log_value;
        L2 = X.lrx - rx * TT.lA - s * TT.lB + F2.log_value;
        if (want) {
            g1[0] = -tx.lA + F1.d_c;
            g1[1] = (1 - rx) * tx.iA - F1.d_z * tx.iB;
            g1[2] = P.is - tx.lB + F1.d_b + F1.d_c;
            g1[3] = -(s + 1) * tx.iB + F1.d_z * (al + tx.t) * tx.iB * tx.iB;
            g2[0] = X.irx - TT.lA + F2.d_c;
            g2[1] = -rx * TT.iA - F2.d_z * TT.iB;
            g2[2] = -TT.lB + F2.d_b + F2.d_c;
            g2[3] = -s * TT.iB + F2.d_z * (al + TT.t) * TT.iB * TT.iB;
        }
    }
    return q;
}

// d ln L / d(r, alpha, s, beta) from the parts and w1 = exp(L1) / (exp(L1) + exp(L2)).
inline void pareto_gradient(const ParetoTerms& P, const ParetoX& X, const ParetoParts& q, double w1, double* g) {
    const double w2 = 1 - w1;
    g[0] = X.dg + P.lal - X.ia + w1 * q.g1[0] + w2 * q.g2[0];
    g[1] = P.r / P.al + w1 * q.g1[1] + w2 * q.g2[1];
    g[2] = P.lbe - X.ia + w1 * q.g1[2] + w2 * q.g2[2];
    g[3] = P.s / P.be + w1 * q.g1[3] + w2 * q.g2[3];
}

inline ParetoRow pareto_row(const ParetoTerms& P, const ParetoX& X, const TimeLogs& tx, const TimeLogs& TT,
                            const Hyp1& F1, const Hyp1& F2, bool want) {
    ParetoRow out{};
    const ParetoParts q = pareto_parts(P, X, tx, TT, F1, F2, want);
    const double m = std::max(q.L1, q.L2);
    const double e1 = std::exp(q.L1 - m), e2 = std::exp(q.L2 - m);
    out.ll = q.P0 + m + std::log(e1 + e2);
    out.log_alive = X.lg + P.r * P.lal + P.s * P.lbe - (P.r + X.x) * TT.lA - P.s * TT.lB;
    if (want) pareto_gradient(P, X, q, e1 / (e1 + e2), out.g);
    return out;
}

// One customer, every term from scratch (no gradient).
inline ParetoRow pareto_row(double r, double al, double s, double be, double x, double tx, double T) {
    const ParetoTerms P(r, al, s, be);
    const ParetoX X(P, x, boost::math::lgamma(r + x) - boost::math::lgamma(r), 0);
    const TimeLogs ltx(P, tx), lT(P, T);
    return pareto_row(P, X, ltx, lT, pareto_f1(P, X, ltx, false), pareto_f2(P, X, lT, false), false);
}

// Total log-likelihood over the unique rows, with the gradient: x terms per distinct x, time logs per distinct
// time, the T series per distinct (x, T) pair (RowIndex), the t_x series shared by consecutive rows with the same
// (x, t_x) (rows are sorted by x, then t_x).
struct ParetoNbdLL {
    const RfmData& d;
    unsigned threads = 0;
    RowIndex idx;

    ParetoNbdLL(const RfmData& data, unsigned threads_ = 0)
        : d(data), threads(threads_), idx(data, std::size_t{1} << 18, true) {}
    double total_weight() const { return d.total_weight; }

    template <int = 0>  // instantiated (Boost.Math, Eigen, the parallel loop) only where used: issue 11
    double operator()(const Eigen::VectorXd& th, Eigen::VectorXd* grad) const {
        const bool want = grad != nullptr;
        const ParetoTerms P(th[0], th[1], th[2], th[3]);
        std::vector<ParetoX> xt;
        xt.reserve(idx.xs.size());
        GammaRatio gr(P.r, want);
        for (double x : idx.xs) {
            gr.advance_to(x);
            xt.emplace_back(P, x, gr.lg, gr.dg);
        }
        std::vector<TimeLogs> tl;
        tl.reserve(idx.times.size());
        for (double t : idx.times) tl.emplace_back(P, t);
        const bool tab = idx.has_times();
        const unsigned nthreads = d.size() > 20000 ? threads : 1u;
        // The series' (b, c) per distinct x, and z per time (TimeLogs): see pareto_f1 and pareto_f2.
        const bool ab = P.al >= P.be;
        auto bc1 = [&](std::uint32_t k) {
            const double x = idx.xs[k];
            return std::pair<double, double>(ab ? P.r + x : P.s + 1, P.r + P.s + x + 1);
        };
        auto bc2 = [&](std::uint32_t k) {
            const double x = idx.xs[k];
            return std::pair<double, double>(ab ? P.r + x + 1 : P.s, P.r + P.s + x + 1);
        };
        auto zof = [&](const TimeLogs& t) { return ab ? (P.al - P.be) * t.iA : (P.be - P.al) * t.iB; };
        Hyp1* const f2 = scratch<Hyp1, 4>(idx.pair_x.size());
        if (idx.has_pairs())
            reduce_rows(idx.pair_x.size(), 0, nullptr, nthreads, [&](std::size_t b, std::size_t e, double&, double*) {
                series_run(
                    b, e, [&](std::size_t j) { return idx.pair_x[j]; },
                    [&](std::size_t j) { return zof(tl[idx.pair_T[j]]); }, bc2, want, f2 + b);
            });

        auto body = [&](std::size_t beg, std::size_t end, double& val, double* g) {
            // The rows' series, from tables shared by the rows with the same x (rows are sorted by x).
            Hyp1* const F = scratch<Hyp1, 1>(2 * (end - beg));  // F1 of row i at F[i - beg], F2 after them
            auto xkey = [&](std::size_t i) { return idx.ix[i]; };
            // F1 depends on (x, t_x) only: once per run of rows with the same (x, t_x) (CDNOW: 586 of 1,016).
            std::uint32_t* const first = scratch<std::uint32_t, 5>(2 * (end - beg));
            std::uint32_t* const slot = first + (end - beg);
            std::size_t nd = 0;
            for (std::size_t i = beg; i < end; ++i) {
                if (i == beg || idx.ix[i] != idx.ix[i - 1] || d.t_x[i] != d.t_x[i - 1])
                    first[nd++] = static_cast<std::uint32_t>(i);
                slot[i - beg] = static_cast<std::uint32_t>(nd - 1);
            }
            Hyp1* const F1d = scratch<Hyp1, 6>(nd);
            if (tab) {
                series_run(
                    0, nd, [&](std::size_t q) { return idx.ix[first[q]]; },
                    [&](std::size_t q) { return zof(tl[idx.it_x[first[q]]]); }, bc1, want, F1d);
                for (std::size_t j = 0; j < end - beg; ++j) F[j] = F1d[slot[j]];
            } else {
                series_run(beg, end, xkey, [&](std::size_t i) { return zof(TimeLogs(P, d.t_x[i])); }, bc1, want, F);
                series_run(beg, end, xkey, [&](std::size_t i) { return zof(TimeLogs(P, d.T[i])); }, bc2, want,
                           F + (end - beg));
            }
            // The parts of every row, then ln(exp(L1) + exp(L2)) and its weight eight rows at a time (fit.hpp).
            const std::size_t m = end - beg, mp = (m + 7) / 8 * 8;
            ParetoParts* const parts = scratch<ParetoParts, 2>(m);
            double* const buf = scratch<double, 3>(4 * mp);
            std::fill(buf, buf + 4 * mp, 0.0);
            double *L1 = buf, *L2 = L1 + mp, *lse = L2 + mp, *w1 = lse + mp;
            for (std::size_t j = 0; j < m; ++j) {
                const std::size_t i = beg + j;
                const TimeLogs ltx = tab ? tl[idx.it_x[i]] : TimeLogs(P, d.t_x[i]);
                const TimeLogs lT = tab ? tl[idx.iT[i]] : TimeLogs(P, d.T[i]);
                const Hyp1& F2 = idx.has_pairs() ? f2[idx.ixT[i]] : F[m + j];
                parts[j] = pareto_parts(P, xt[idx.ix[i]], ltx, lT, F[j], F2, want);
                L1[j] = parts[j].L1;
                L2[j] = parts[j].L2;
            }
            logaddexp_rows(L1, L2, mp, lse, w1);
            double v = 0, gg[4] = {0, 0, 0, 0}, rg[4];
            for (std::size_t j = 0; j < m; ++j) {
                const std::size_t i = beg + j;
                const double w = d.weight[i];
                v += w * (parts[j].P0 + lse[j]);
                if (want) {
                    pareto_gradient(P, xt[idx.ix[i]], parts[j], w1[j], rg);
                    for (int k = 0; k < 4; ++k) gg[k] += w * rg[k];
                }
            }
            val += v;
            if (g)
                for (int k = 0; k < 4; ++k) g[k] += gg[k];
        };
        double gbuf[4];
        const double v = reduce_rows(d.size(), 4, want ? gbuf : nullptr, nthreads, body);
        if (want) *grad = Eigen::Map<Eigen::Vector4d>(gbuf);
        return v;
    }
};

// (1 - (b/(b+t))^(s-1)) / (s-1), continuous at s = 1.
inline double pareto_tail_factor(double s, double b, double t) {
    const double L = std::log1p(t / b);
    if (std::abs(s - 1) < 1e-12) return L;
    return -std::expm1(-(s - 1) * L) / (s - 1);
}

}  // namespace detail

class ParetoNbdModel : public FittedModel<ParetoNbdModel, ParetoNbdParams, RfmData> {
public:
    using FittedModel::FittedModel;
    using FittedModel::log_likelihood;

    static detail::ParetoNbdLL log_likelihood_function(const RfmData& d, unsigned threads = 0) {
        return detail::ParetoNbdLL(d, threads);
    }
    // s -> 0: lifetimes Gamma(s, beta) with nearly all mass at mu = 0, what data without drop-outs give.
    static std::string boundary_note(const Params& p) {
        if (!(p.s < 1e-6)) return {};
        return "no drop-out signal: the fit ran to s = " + describe_value(p.s) +
               " (nearly every customer's drop-out rate is 0: customers keep buying to the end of the data)";
    }
    static Eigen::VectorXd start(const RfmData& d) {
        Eigen::VectorXd init = detail::rate_start(d);  // r, alpha as for BG/NBD; s = 1, beta = alpha
        init[2] = 1.0;
        init[3] = init[1];
        return init;
    }

    static double log_likelihood(const Params& p, double x, double t_x, double T) {
        return detail::pareto_row(p.r, p.alpha, p.s, p.beta, x, t_x, T).ll;
    }

    // P(alive at T | x, t_x, T): the "alive" part of the likelihood over the whole likelihood.
    double probability_alive(double x, double t_x, double T) const {
        const auto& p = p_;
        const auto row = detail::pareto_row(p.r, p.alpha, p.s, p.beta, x, t_x, T);
        return std::min(1.0, std::exp(row.log_alive - row.ll));
    }

    // E[Y(t) | x, t_x, T] = (r+x)(beta+T)/((alpha+T)(s-1)) (1 - ((beta+T)/(beta+T+t))^(s-1)) P(alive).
    double conditional_expected_purchases(double t, double x, double t_x, double T) const {
        return expected_purchases_if_alive(t, x, T) * probability_alive(x, t_x, T);
    }

    // E[Y(t) | alive at T, x, T] = (r+x)(beta+T)/((alpha+T)(s-1)) (1 - ((beta+T)/(beta+T+t))^(s-1)): given alive,
    // lambda ~ Gamma(r+x, alpha+T) and mu ~ Gamma(s, beta+T). It does not depend on t_x.
    double expected_purchases_if_alive(double t, double x, double T) const {
        const auto& p = p_;
        return (p.r + x) / (p.alpha + T) * (p.beta + T) * detail::pareto_tail_factor(p.s, p.beta + T, t);
    }

    // E[X(t)] = r beta / (alpha (s-1)) (1 - (beta/(beta+t))^(s-1)).
    double expected_purchases(double t) const {
        const auto& p = p_;
        return p.r * p.beta / p.alpha * detail::pareto_tail_factor(p.s, p.beta, t);
    }

    // P(X(t) = n) for a new customer. Alive throughout (probability (beta/(beta+t))^s) she makes an NBD count
    // over t; dead at tau < t (Lomax density s/beta (beta/(beta+tau))^(s+1)), an NBD count over tau:
    //     P = (beta/(beta+t))^s NBD(n; t) + int_0^t s/beta (beta/(beta+tau))^(s+1) NBD(n; tau) dtau,
    //     NBD(n; tau) = Gamma(r+n)/(Gamma(r) n!) (alpha/(alpha+tau))^r (tau/(alpha+tau))^n
    // (the integral form of Fader, Hardie & Lee's note on the Pareto/NBD P(X(t) = x), whose closed form is a
    // difference of Gauss hypergeometric terms that cancel for small t). With u = ln(1 + tau/beta) the density is
    // s e^(-s u) on [0, ln(1 + t/beta)]: adaptive Gauss-Kronrod (Boost.Math) over a smooth, positive integrand
    // evaluated in log space.
    template <int = 0>  // instantiated (Boost.Math, Eigen, the parallel loop) only where used: issue 11
    double probability_of_n_purchases(double t, int n) const {
        if (n < 0) throw invalid_input("n", invalid_input::no_row, "must be >= 0");
        if (!std::isfinite(t) || t < 0) throw invalid_input("t", invalid_input::no_row, "must be a finite number >= 0");
        using boost::math::lgamma;
        const auto& p = p_;
        const double c = lgamma(p.r + n) - lgamma(p.r) - lgamma(n + 1.0);
        auto log_nbd = [&](double tau) {
            if (tau <= 0) return n == 0 ? 0.0 : -std::numeric_limits<double>::infinity();
            const double l = std::log(p.alpha + tau);
            return c + p.r * (std::log(p.alpha) - l) + n * (std::log(tau) - l);
        };
        const double alive = std::exp(-p.s * std::log1p(t / p.beta) + log_nbd(t));
        const double U = std::log1p(t / p.beta);
        if (!(U > 0)) return alive;
        const double ls = std::log(p.s);
        auto g = [&](double u) { return ls - p.s * u + log_nbd(p.beta * std::expm1(u)); };
        // The integrand is scaled by its largest value on a grid, so that it peaks near 1: the quadrature's relative
        // tolerance then also holds for probabilities far below the smallest double's square.
        double gmax = -std::numeric_limits<double>::infinity();
        for (int k = 1; k <= 64; ++k) gmax = std::max(gmax, g(U * k / 64));
        if (!std::isfinite(gmax)) return alive;
        // Integrated over w in [0, 1] (u = U w): Boost's adaptive Gauss-Kronrod compares the unscaled error with a
        // tolerance scaled by the interval, so on a short [0, U] (small t) it would bisect to its maximum depth.
        auto f = [&](double w) { return std::exp(g(U * w) - gmax); };
        const double dead = U * boost::math::quadrature::gauss_kronrod<double, 61>::integrate(f, 0.0, 1.0, 15, 1e-12);
        return alive + dead * std::exp(gmax);
    }

    static CustomerSummary simulate(const Params& p, std::size_t n_customers, double T, std::uint64_t seed,
                                    unsigned threads = 0) {
        detail::require_positive_params(p.vector(), Params::names());
        return detail::simulate_customers(
            n_customers, T, seed,
            [p](std::mt19937_64& g, double TT, double& x, double& t_x) {
                const double lambda = std::gamma_distribution<double>(p.r, 1.0 / p.alpha)(g);
                const double mu = std::gamma_distribution<double>(p.s, 1.0 / p.beta)(g);
                const double death = mu > 0 ? std::exponential_distribution<double>(mu)(g) : INFINITY;
                const double end = std::min(death, TT);
                std::exponential_distribution<double> gap(lambda > 0 ? lambda : 1e-300);
                double t = 0, n = 0, last = 0;
                for (;;) {
                    t += gap(g);
                    if (!(t <= end)) break;
                    n += 1;
                    last = t;
                }
                x = n;
                t_x = last;
            },
            threads);
    }

};

// The spelling of the Python class (cxkit.clv.ParetoNBDModel, lifetimes' ParetoNBDFitter).
using ParetoNBDModel = ParetoNbdModel;

}  // namespace cxkit::clv

#include <doctest/doctest.h>

#include <boost/math/special_functions/gamma.hpp>
#include <boost/math/special_functions/hypergeometric_pFq.hpp>
#include <cmath>
#include <utility>
#include <vector>

#include "cxkit/clv/pareto_nbd.hpp"
#include "test_clv_data.hpp"

using namespace cxkit::clv;

namespace {
// The classical form (Fader-Hardie note 009 eq. 19-21): L = G {1/((a+T)^(r+x)(b+T)^s) + s/(r+s+x) A0}, A0 the
// difference of two 2F1 terms; exact in floating point only away from t_x == T and for moderate x.
double classical_ll(const ParetoNbdParams& p, double x, double tx, double T) {
    using boost::math::hypergeometric_pFq;
    using boost::math::lgamma;
    const double r = p.r, al = p.alpha, s = p.s, be = p.beta, a = r + s + x;
    double A0;
    if (al >= be) {
        A0 = hypergeometric_pFq({a, s + 1}, {a + 1}, (al - be) / (al + tx)) / std::pow(al + tx, a) -
             hypergeometric_pFq({a, s + 1}, {a + 1}, (al - be) / (al + T)) / std::pow(al + T, a);
    } else {
        A0 = hypergeometric_pFq({a, r + x}, {a + 1}, (be - al) / (be + tx)) / std::pow(be + tx, a) -
             hypergeometric_pFq({a, r + x}, {a + 1}, (be - al) / (be + T)) / std::pow(be + T, a);
    }
    const double G = lgamma(r + x) - lgamma(r) + r * std::log(al) + s * std::log(be);
    return G + std::log(1 / (std::pow(al + T, r + x) * std::pow(be + T, s)) + s / a * A0);
}
const ParetoNbdParams cdnow_mle{0.5533, 10.5776, 0.6062, 11.6679};
}  // namespace

TEST_CASE("Pareto/NBD: the log-sum form agrees with the classical difference form where the latter is exact") {
    const ParetoNbdParams ps[] = {cdnow_mle, {0.5, 20, 0.8, 3}, {1.2, 2, 0.3, 9}, {0.7, 5, 2.0, 5}};
    const double rows[][3] = {{0, 0, 39}, {1, 10, 39}, {2, 30.43, 38.86}, {7, 5, 39}, {26, 30.86, 31}, {50, 1, 40}};
    for (const auto& p : ps)
        for (const auto& r : rows) {
            INFO("x=" << r[0] << " t_x=" << r[1] << " T=" << r[2] << " alpha=" << p.alpha);
            CHECK(ParetoNbdModel::log_likelihood(p, r[0], r[1], r[2]) ==
                  doctest::Approx(classical_ll(p, r[0], r[1], r[2])).epsilon(1e-9));
        }
}

TEST_CASE("Pareto/NBD: t_x == T and x in the thousands give finite values") {
    for (const auto& p : {cdnow_mle, ParetoNbdParams{0.5, 3, 0.8, 20}}) {
        CHECK(std::isfinite(ParetoNbdModel::log_likelihood(p, 3, 39, 39)));
        CHECK(std::isfinite(ParetoNbdModel::log_likelihood(p, 5000, 39, 39)));
        CHECK(std::isfinite(ParetoNbdModel::log_likelihood(p, 5000, 20, 39)));
        CHECK(std::isfinite(ParetoNbdModel::log_likelihood(p, 20000, 0.5, 39)));
        const ParetoNbdModel m(p);
        const double pa = m.probability_alive(5000, 39, 39);
        CHECK(pa > 0.9);
        CHECK(pa <= 1);
    }
}

TEST_CASE("Pareto/NBD: fit on CDNOW matches the published MLE, with standard errors") {
    const RfmData d = clv_test::cdnow();
    ParetoNbdModel m;
    const FitResult& f = m.fit(d);
    REQUIRE(f.converged);
    MESSAGE("Pareto/NBD CDNOW: r=" << m.params().r << " alpha=" << m.params().alpha << " s=" << m.params().s
                                   << " beta=" << m.params().beta << " LL=" << f.log_likelihood
                                   << " iters=" << f.iterations);
    CHECK(std::abs(m.params().r - 0.5533) < 5e-5);
    CHECK(std::abs(m.params().alpha - 10.5776) < 5e-5);
    CHECK(std::abs(m.params().s - 0.6062) < 5e-5);
    CHECK(std::abs(m.params().beta - 11.6679) < 5e-5);
    CHECK(std::abs(f.log_likelihood - (-9594.97)) < 0.05);
    CHECK(f.standard_errors.allFinite());
    CHECK((f.standard_errors.array() > 0).all());
}

TEST_CASE("Pareto/NBD: predictions at the CDNOW MLE") {
    const ParetoNbdModel m(cdnow_mle);
    CHECK(m.probability_alive(26, 30.86, 31) == doctest::Approx(0.9979).epsilon(1e-4));
    CHECK(m.conditional_expected_purchases(52, 26, 30.86, 31) == doctest::Approx(25.46).epsilon(2e-4));
    CHECK(m.probability_alive(0, 0, 39) < 1);
    // E[X(t)] is the limit of the mean of simulated customers.
    const CustomerSummary s = ParetoNbdModel::simulate(cdnow_mle, 200000, 39, 3);
    double mean = 0;
    for (double x : s.x) mean += x;
    mean /= static_cast<double>(s.size());
    CHECK(mean == doctest::Approx(m.expected_purchases(39)).epsilon(0.02));
}

TEST_CASE("Pareto/NBD: analytic gradient matches central differences on both branches") {
    const RfmData d = clv_test::cdnow();
    for (const ParetoNbdParams p : {ParetoNbdParams{0.5, 10, 0.6, 12}, ParetoNbdParams{0.5, 12, 0.6, 10}}) {
        Eigen::VectorXd g;
        ParetoNbdModel::log_likelihood(p, d, &g);
        const Eigen::VectorXd th = p.vector();
        for (int j = 0; j < 4; ++j) {
            Eigen::VectorXd a = th, b = th;
            const double h = 1e-6 * th[j];
            a[j] += h;
            b[j] -= h;
            const double fd = (ParetoNbdModel::log_likelihood(ParetoNbdParams::from(a), d) -
                               ParetoNbdModel::log_likelihood(ParetoNbdParams::from(b), d)) / (2 * h);
            CHECK(g[j] == doctest::Approx(fd).epsilon(1e-5));
        }
    }
}

TEST_CASE("Pareto/NBD: parameter recovery from 200k simulated customers") {
    const ParetoNbdParams truth{0.55, 10.5, 0.6, 11.5};
    const CustomerSummary s = ParetoNbdModel::simulate(truth, 200000, 52, 20240502);
    ParetoNbdModel m;
    const FitResult& f = m.fit(RfmData::from_customers(s));
    REQUIRE(f.converged);
    const Eigen::VectorXd t = truth.vector();
    for (int j = 0; j < 4; ++j) {
        INFO("parameter " << f.names[j] << " = " << f.params[j] << " +- " << f.standard_errors[j]);
        CHECK(std::abs(f.params[j] - t[j]) < 1.96 * f.standard_errors[j]);
    }
}

TEST_CASE("Pareto/NBD: P(X(t) = n) sums to one and has mean E[X(t)]") {
    for (const ParetoNbdParams& p : {cdnow_mle, ParetoNbdParams{0.5, 20, 0.8, 3}, ParetoNbdParams{1.2, 2, 0.3, 9},
                                     ParetoNbdParams{0.7, 5, 1.0, 5}}) {
        const ParetoNbdModel m(p);
        for (const double t : {0.5, 10.0, 39.0, 52.0, 200.0}) {
            double total = 0, mean = 0;
            for (int n = 0; n < 4000; ++n) {
                const double q = m.probability_of_n_purchases(t, n);
                REQUIRE(q >= 0);
                total += q;
                mean += n * q;
                if (n > 50 && q < 1e-17) break;
            }
            INFO("t=" << t << " alpha=" << p.alpha << " beta=" << p.beta);
            CHECK(std::abs(total - 1) < 1e-8);
            CHECK(mean == doctest::Approx(m.expected_purchases(t)).epsilon(1e-8));
        }
        CHECK(m.probability_of_n_purchases(0, 0) == 1.0);
        CHECK(m.probability_of_n_purchases(0, 3) == 0.0);
    }
    CHECK_THROWS_AS(ParetoNbdModel(cdnow_mle).probability_of_n_purchases(5, -1), cxkit::invalid_input);
}

TEST_CASE("Pareto/NBD: the batched 2F1 series agree with the one-at-a-time recurrence, z near 1 included") {
    // series_run sums eight lanes at a time from a shared coefficient table and sends z > 0.99 to hyp2f1_one.
    const std::vector<double> z = {0, 1e-4, 0.02, 0.09, 0.3, 0.5, 0.7, 0.9, 0.95, 0.989, 0.991, 0.999, 0.99999};
    for (const auto& [b, c] : {std::pair{0.6, 2.1}, std::pair{3.5, 4.7}, std::pair{1.6, 25.0}}) {
        std::vector<detail::Hyp1> out(z.size());
        detail::series_run(
            0, z.size(), [](std::size_t) { return 0; }, [&](std::size_t j) { return z[j]; },
            [&](int) { return std::pair{b, c}; }, true, out.data());
        for (std::size_t j = 0; j < z.size(); ++j) {
            const detail::Hyp1 h = detail::hyp2f1_one(b, c, z[j], true);
            CAPTURE(b);
            CAPTURE(z[j]);
            CHECK(out[j].log_value == doctest::Approx(h.log_value).epsilon(1e-13));
            CHECK(out[j].d_b == doctest::Approx(h.d_b).epsilon(1e-12));
            CHECK(out[j].d_c == doctest::Approx(h.d_c).epsilon(1e-12));
            CHECK(out[j].d_z == doctest::Approx(h.d_z).epsilon(1e-12));
        }
    }
}

TEST_CASE("Pareto/NBD: 2F1(1, b; c; z) near z = 1 matches mpmath, in a bounded number of panels") {
    // Issue 12, "Pathological cost": the series needed ~37 / (1 - z) terms near z = 1 (capped at 4,000,000, and a
    // NaN beyond). Above z = 0.99 hyp2f1_one now integrates Euler's integral (hyp2f1_quad). References: mpmath at
    // 40 digits (log 2F1, d/db and d/dc by mp.diff, d/dz = b/c 2F1(2, b+1; c+1; z) / 2F1(1, b; c; z)).
    struct Ref {
        double b, c, z, v[4];
    };
    const Ref refs[] = {
        {0.6, 1.600001, 0.9999, {1.8090370438734559, 4.9890228149631228, -3.6796594469793116, 982.36070093448269}},
        {0.8, 1.80001, 0.999999, {2.4302719059676128, 7.0784347346879572, -5.9903335946417999, 70400.46900449423}},
        {0.801, 1.8010000000000002, 0.999999999,
         {2.8277938603951897, 10.538981516148009, -9.3992671402193091, 47373694.15665048}},
        {1.0, 3.0, 0.9999999999990905, {0.69314718053563826, 0.99999999965042442, -0.49999999967414491, 25.725887223120361}},
        {1.6, 3.6, 0.995, {0.92273837170322493, 0.90831493942109664, -0.54081296087396685, 5.0886483744473822}},
        {3.5, 4.7, 0.999999999999, {2.9119372133497012, 4.8504426733679998, -4.5805468212301889, 1170139249.7971498}},
        {0.3, 31.3, 0.9999, {0.0099492963746773037, 0.033329849402089348, -0.00032999733178131473, 0.010344742229728791}},
        {30.0, 30.6, 0.99999999, {10.198923677400463, 12.516092326613906, -12.495996885508764, 40110112.828086851}},
        {1000.0, 1001.0, 0.99999, {8.3136087896063247, 2.2103231125766157, -2.2095583940949521, 23516.007401239652}},
        {1000.0, 1000.5, 0.99999, {9.6733172841488776, 3.2307012211751897, -3.2302540528994103, 55291.477519054636}},
        {0.5, 1.5000001, 0.999, {1.4228308535657812, 3.9489956369403668, -2.5428914898848328, 120.13542328275895}},
        {12.0, 212.0, 0.999999, {0.058553248145515655, 0.0050251202715447945, -0.00028578882915851502, 0.06060605628038612}},
    };
    for (const Ref& r : refs) {
        CAPTURE(r.b);
        CAPTURE(r.c);
        CAPTURE(r.z);
        int panels = 0;
        const detail::Hyp1 q = detail::hyp2f1_quad(r.b, r.c, r.z, true, &panels);
        CHECK(panels <= 100);  // <= 1,200 integrand evaluations, whatever 1 - z is
        const detail::Hyp1 h = detail::hyp2f1_one(r.b, r.c, r.z, true);  // the route the likelihood takes
        for (const detail::Hyp1& v : {q, h}) {
            CHECK(v.log_value == doctest::Approx(r.v[0]).epsilon(1e-13));
            CHECK(v.d_b == doctest::Approx(r.v[1]).epsilon(1e-12));
            CHECK(v.d_c == doctest::Approx(r.v[2]).epsilon(1e-12));
            CHECK(v.d_z == doctest::Approx(r.v[3]).epsilon(1e-11));
        }
    }
    // Where both work (z <= 0.99) the quadrature and the series agree over a grid of (b, c, z).
    for (double b : {0.05, 0.6, 1.6, 3.5, 30.0, 1000.0})
        for (double d : {1e-3, 0.3, 1.0, 2.0, 20.0, 300.0})
            for (double z : {0.5, 0.9, 0.99}) {
                if (b + d <= 1.001) continue;
                const detail::Hyp1 q = detail::hyp2f1_quad(b, b + d, z, true), s = detail::hyp2f1_one(b, b + d, z, true);
                CAPTURE(b);
                CAPTURE(d);
                CAPTURE(z);
                CHECK(q.log_value == doctest::Approx(s.log_value).epsilon(1e-12));
                CHECK(q.d_b == doctest::Approx(s.d_b).epsilon(1e-12));
                CHECK(q.d_c == doctest::Approx(s.d_c).epsilon(1e-12));
                CHECK(q.d_z == doctest::Approx(s.d_z).epsilon(1e-12));
            }
}

TEST_CASE("Pareto/NBD: a fit on customers who never drop out ends at the boundary with bounded work") {
    // Issue 12, "Pathological cost": customers who never drop out, born over the whole period (spread-out T). The fit
    // runs to s -> 0 and beta >> alpha, where z = (beta - alpha) / (beta + t) is within 1e-4 of 1 for the young
    // customers: 20,000 such customers took more than 100 s (a 2F1 series of up to 4,000,000 terms per row and
    // evaluation). Now every series stops within series_max_terms, and the z > 0.99 rows cost a bounded quadrature.
    const CustomerSummary s = clv_test::no_dropout_customers(4000, 52, 7);
    ParetoNbdModel m;
    const FitResult& f = m.fit(RfmData::from_customers(s));
    MESSAGE("no drop-out Pareto/NBD: r=" << m.params().r << " alpha=" << m.params().alpha << " s=" << m.params().s
                                         << " beta=" << m.params().beta << " iters=" << f.iterations);
    CHECK(f.iterations < 200);
    CHECK(f.boundary.rfind("no drop-out signal", 0) == 0);  // as BG/NBD: NoDropoutSignalWarning in Python
    CHECK(std::abs(m.params().r - 0.8) < 0.1);              // the purchase process is still recovered
    CHECK(std::abs(m.params().alpha - 4.0) < 0.6);
    // The rows' 2F1 arguments at the optimum: many above series_max_z, each in a bounded number of panels.
    const auto& p = m.params();
    int near_one = 0, max_panels = 0;
    for (std::size_t i = 0; i < s.size(); ++i)
        for (double t : {s.t_x[i], s.T[i]}) {
            const double z = p.alpha >= p.beta ? (p.alpha - p.beta) / (p.alpha + t) : (p.beta - p.alpha) / (p.beta + t);
            if (z <= detail::series_max_z) continue;
            ++near_one;
            int panels = 0;
            const double b = p.alpha >= p.beta ? p.r + s.x[i] : p.s + 1;
            detail::hyp2f1_quad(b, p.r + p.s + s.x[i] + 1, z, true, &panels);
            max_panels = std::max(max_panels, panels);
        }
    CHECK(near_one > 1000);
    CHECK(max_panels <= 100);
    for (std::size_t i = 0; i < s.size(); i += 97) {
        CHECK(std::isfinite(m.conditional_expected_purchases(10, s.x[i], s.t_x[i], s.T[i])));
        CHECK(m.probability_alive(s.x[i], s.t_x[i], s.T[i]) > 0.99);
    }
}

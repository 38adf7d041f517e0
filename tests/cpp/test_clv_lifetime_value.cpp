#include <doctest/doctest.h>

#include <boost/math/special_functions/hypergeometric_pFq.hpp>
#include <cmath>
#include <vector>

#include "cxkit/clv/beta_geo.hpp"
#include "cxkit/clv/beta_geo_beta_binom.hpp"
#include "cxkit/clv/lifetime_value.hpp"
#include "cxkit/clv/modified_beta_geo.hpp"
#include "cxkit/clv/pareto_nbd.hpp"
#include "test_clv_data.hpp"

using namespace cxkit::clv;
using cxkit::invalid_input;

namespace {
struct Cdnow {
    std::vector<double> x, t_x, T, zbar;
};
const Cdnow& cdnow_customers() {
    static const Cdnow c = [] {
        const auto cols = clv_test::read_csv("cdnow_customers_summary_with_transactions.csv");  // ID,x,t_x,T,zbar
        return Cdnow{cols[1], cols[2], cols[3], cols[4]};
    }();
    return c;
}

// FHL (2005) eq. 10 as printed: the untransformed 2F1(r+x, b+x; a+b+x-1; z), fine for CDNOW's small x.
double bg_conditional_eq10(const BetaGeoParams& p, double t, double x, double tx, double T) {
    const double z = t / (p.alpha + T + t);
    const double h = boost::math::hypergeometric_pFq({p.r + x, p.b + x}, {p.a + p.b + x - 1}, z);
    const double num = (p.a + p.b + x - 1) / (p.a - 1) * (1 - std::pow((p.alpha + T) / (p.alpha + T + t), p.r + x) * h);
    const double den = 1 + (x > 0 ? p.a / (p.b + x - 1) * std::pow((p.alpha + T) / (p.alpha + tx), p.r + x) : 0.0);
    return num / den;
}

// lifetimes' _customer_lifetime_value loop, written out with a given conditional expectation.
template <class Cond>
double lifetimes_loop(Cond cond, const GammaGammaModel& gg, double x, double tx, double T, double m, int months,
                      double d, double f) {
    double v = 0;
    for (int i = 1; i <= months; ++i)
        v += gg.conditional_expected_average_value(x, m) * (cond(i * f, x, tx, T) - cond((i - 1) * f, x, tx, T)) /
             std::pow(1 + d, i);
    return v;
}

const GammaGammaModel gg_cdnow(GammaGammaParams{6.2488, 3.7446, 15.4478});
}  // namespace

TEST_CASE("CLV: BG/NBD x Gamma-Gamma equals lifetimes' loop over FHL eq. 10 for every CDNOW customer") {
    const Cdnow& c = cdnow_customers();
    const BetaGeoParams p{0.2426, 4.4135, 0.7929, 2.4258};
    const BetaGeoModel bg(p);
    LifetimeValueOptions opt;  // 12 months, 1% a month, weeks
    const std::vector<double> got = customer_lifetime_value(bg, gg_cdnow, c.x, c.t_x, c.T, c.zbar, opt);
    REQUIRE(got.size() == 2357);
    for (std::size_t i = 0; i < got.size(); ++i) {
        const double want = lifetimes_loop([&](double t, double x, double tx, double T) {
            return bg_conditional_eq10(p, t, x, tx, T);
        }, gg_cdnow, c.x[i], c.t_x[i], c.T[i], c.zbar[i], 12, 0.01, 4.345);
        INFO("customer " << i);
        CHECK(got[i] == doctest::Approx(want).epsilon(1e-9));
    }
    // other horizons, discount rates and units
    opt.months = 3;
    opt.discount_rate = 0.1;
    opt.month_length = 30.0 / 7;
    const std::vector<double> g3 = customer_lifetime_value(bg, gg_cdnow, c.x, c.t_x, c.T, c.zbar, opt);
    for (std::size_t i = 0; i < 50; ++i)
        CHECK(g3[i] == doctest::Approx(lifetimes_loop([&](double t, double x, double tx, double T) {
                                           return bg_conditional_eq10(p, t, x, tx, T);
                                       }, gg_cdnow, c.x[i], c.t_x[i], c.T[i], c.zbar[i], 3, 0.1, 30.0 / 7))
                           .epsilon(1e-9));
    opt.months = 0;
    for (double v : customer_lifetime_value(bg, gg_cdnow, c.x, c.t_x, c.T, c.zbar, opt)) CHECK(v == 0);
}

TEST_CASE("CLV: every purchase model matches the loop over its own conditional expectation; threads agree") {
    const Cdnow& c = cdnow_customers();
    // 40,000 customers (rows of CDNOW repeated) so that two threads are used
    std::vector<double> x, tx, T, m;
    for (int k = 0; k < 17; ++k) {
        x.insert(x.end(), c.x.begin(), c.x.end());
        tx.insert(tx.end(), c.t_x.begin(), c.t_x.end());
        T.insert(T.end(), c.T.begin(), c.T.end());
        m.insert(m.end(), c.zbar.begin(), c.zbar.end());
    }
    auto check = [&](const auto& model) {
        LifetimeValueOptions o1, o2;
        o1.threads = 1;
        o2.threads = 2;
        const std::vector<double> a = customer_lifetime_value(model, gg_cdnow, x, tx, T, m, o1);
        const std::vector<double> b = customer_lifetime_value(model, gg_cdnow, x, tx, T, m, o2);
        CHECK(a == b);
        for (std::size_t i = 0; i < c.x.size(); i += 7) {
            const double want = lifetimes_loop([&](double t, double xx, double tt, double TT) {
                return model.conditional_expected_purchases(t, xx, tt, TT);
            }, gg_cdnow, x[i], tx[i], T[i], m[i], 12, 0.01, 4.345);
            CHECK(a[i] == doctest::Approx(want).epsilon(1e-11));
        }
    };
    check(BetaGeoModel(BetaGeoParams{0.2426, 4.4135, 0.7929, 2.4258}));
    check(ParetoNbdModel(ParetoNbdParams{0.5533, 10.5776, 0.6062, 11.6679}));
    check(ModifiedBetaGeoModel(ModifiedBetaGeoParams{0.5248, 6.183, 0.8914, 1.614}));
}

TEST_CASE("CLV: bad input names the field and the first offending customer, with one thread or two") {
    const BetaGeoModel bg(BetaGeoParams{0.2426, 4.4135, 0.7929, 2.4258});
    const std::size_t n = 40000;
    std::vector<double> x(n, 2), tx(n, 10), T(n, 30), m(n, 20);
    auto run = [&](unsigned threads) {
        LifetimeValueOptions o;
        o.threads = threads;
        return customer_lifetime_value(bg, gg_cdnow, x, tx, T, m, o);
    };
    x[30000] = -1;  // in the second thread's half
    for (unsigned th : {1u, 2u})
        CHECK_THROWS_WITH_AS(run(th), "column 'frequency', row 30000: must be a whole number of repeat purchases >= 0, got -1",
                             invalid_input);
    tx[25000] = 31;  // earlier, also in the second half
    CHECK_THROWS_WITH_AS(run(2), "column 'recency', row 25000: must be <= T (30), got 31", invalid_input);
    m[7] = 0;  // in the first half
    for (unsigned th : {1u, 2u})
        CHECK_THROWS_WITH_AS(run(th), "column 'monetary_value', row 7: must be a finite number > 0 for a repeat customer, got 0",
                             invalid_input);
    std::vector<double> short_T(n - 1, 30);
    CHECK_THROWS_AS(customer_lifetime_value(bg, gg_cdnow, x, tx, short_T, m), invalid_input);
    // a one-time buyer needs no spend, but cannot have a recency
    std::vector<double> x1{0}, t1{0}, T1{30}, m1{0};
    CHECK(customer_lifetime_value(bg, gg_cdnow, x1, t1, T1, m1)[0] > 0);
    t1[0] = 3;
    CHECK_THROWS_WITH_AS(customer_lifetime_value(bg, gg_cdnow, x1, t1, T1, m1),
                         "column 'recency', row 0: must be 0 when frequency is 0, got 3", invalid_input);
    // a spend model without a finite mean is refused
    const GammaGammaModel no_mean(GammaGammaParams{6, 0.9, 15});
    CHECK_THROWS_AS(customer_lifetime_value(bg, no_mean, x1, T1, T1, m1), invalid_input);
}

TEST_CASE("CLV: one discounted sum per distinct (x, T) of the whole input: -0.0 keys, repeats across chunks") {
    // Rows repeated far apart land in different chunks (2^14 rows each) and share one sum; T = -0.0 and 0.0 are
    // one key (its hash must agree with ==, or a lookup misses). Values equal a row computed on its own.
    const BetaGeoModel bg(BetaGeoParams{0.2426, 4.4135, 0.7929, 2.4258});
    const Cdnow& c = cdnow_customers();
    std::vector<double> x, tx, T, m;
    for (int k = 0; k < 30; ++k)
        for (std::size_t i = 0; i < c.x.size(); i += 3) {
            x.push_back(c.x[i]);
            tx.push_back(c.t_x[i]);
            T.push_back(c.T[i]);
            m.push_back(c.zbar[i]);
        }
    x.push_back(0.0), tx.push_back(0.0), T.push_back(0.0), m.push_back(0.0);
    x.push_back(-0.0), tx.push_back(-0.0), T.push_back(-0.0), m.push_back(0.0);
    LifetimeValueOptions o;
    o.threads = 2;
    const std::vector<double> all = customer_lifetime_value(bg, gg_cdnow, x, tx, T, m, o);
    for (std::size_t i : {std::size_t{0}, std::size_t{5}, x.size() / 2, x.size() - 3, x.size() - 2, x.size() - 1}) {
        CAPTURE(i);
        const std::vector<double> one = customer_lifetime_value(bg, gg_cdnow, std::vector<double>{x[i]},
                                                                std::vector<double>{tx[i]}, std::vector<double>{T[i]},
                                                                std::vector<double>{m[i]}, o);
        CHECK(all[i] == one[0]);
    }
    CHECK(all[x.size() - 1] == all[x.size() - 2]);
    // a refused input writes nothing
    std::vector<double> out(x.size(), -7.0);
    auto bad = T;
    bad[x.size() - 5] = -1.0;
    CHECK_THROWS_AS(customer_lifetime_value(bg, gg_cdnow, x, tx, bad, m, out, o), invalid_input);
    CHECK(out == std::vector<double>(x.size(), -7.0));
}

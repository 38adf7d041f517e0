// Kaplan-Meier and the log-rank test against lifelines 0.30.3 (KaplanMeierFitter, logrank_test,
// multivariate_logrank_test): every expected number below was printed by lifelines (repr, 17 digits) for the
// inputs next to it; they agree to 1e-9.
#include <doctest/doctest.h>

#include <cxkit/retention/kaplan_meier.hpp>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <vector>

namespace {

using cxkit::retention::kaplan_meier;
using cxkit::retention::KaplanMeier;
using cxkit::retention::logrank_test;

void close(const std::vector<double>& got, const std::vector<double>& want) {
    REQUIRE(got.size() == want.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
        CAPTURE(i);
        CHECK(std::fabs(got[i] - want[i]) <= 1e-9);
    }
}

struct Reference {
    std::vector<double> durations;
    std::vector<int> observed;
    std::vector<double> time, survival, lower, upper, var;
    double median;
};

void check(const Reference& r) {
    const KaplanMeier km = kaplan_meier(r.durations, r.observed);
    close(km.time, r.time);
    close(km.survival, r.survival);
    close(km.lower, r.lower);
    close(km.upper, r.upper);
    close(km.variance_sum, r.var);
    CHECK(km.median == r.median);
}

// rng = np.random.default_rng(7); T = round(exponential(10, 40), 3); E = random(40) < 0.7; G = integers(0, 3, 40)
const std::vector<double> random_durations = {7.075, 10.252, 5.685, 8.951, 2.065, 33.836, 0.098, 28.092, 5.753, 3.005, 5.411, 3.121, 8.998, 10.737, 18.843, 2.221, 31.447, 7.359, 3.484, 8.836, 0.751, 0.6, 12.236, 7.729, 21.96, 4.752, 5.213, 11.808, 5.265, 0.222, 2.933, 10.143, 6.347, 13.966, 0.083, 9.038, 2.503, 3.556, 30.749, 14.044};
const std::vector<int> random_observed = {0, 1, 0, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 0, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 0, 1, 1, 0, 0, 0, 1, 1, 1, 0, 1};
const std::vector<int> random_groups = {0, 0, 1, 2, 2, 1, 1, 1, 0, 1, 2, 1, 0, 0, 2, 0, 2, 2, 1, 1, 2, 1, 1, 0, 1, 2, 0, 0, 2, 1, 2, 0, 2, 0, 1, 2, 0, 1, 2, 1};

}  // namespace

TEST_CASE("kaplan-meier: lifelines, small sample with ties and censoring") {
    check({{5.0, 6.0, 6.0, 2.5, 4.0, 4.0, 8.0, 9.0, 1.0, 3.0},
           {1, 0, 1, 1, 1, 0, 1, 0, 1, 1},
           {0.0, 1.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 9.0},
           {1.0, 0.8999999999999999, 0.7999999999999997, 0.6999999999999998, 0.5999999999999999, 0.47999999999999987, 0.36, 0.17999999999999997, 0.17999999999999997},
           {1.0, 0.47300927136205084, 0.40869078163340444, 0.3287165932797348, 0.2526688970038936, 0.1608546691176385, 0.08987150510824647, 0.011540489394926206, 0.011540489394926206},
           {1.0, 0.985281393367343, 0.9458726458389115, 0.8919490412248441, 0.8272209670285114, 0.7446657267578023, 0.6484226372706023, 0.5173515433718755, 0.5173515433718755},
           {0.0, 0.011111111111111112, 0.025, 0.04285714285714286, 0.06666666666666667, 0.11666666666666667, 0.2, 0.7, 0.7},
           5.0});
}

TEST_CASE("kaplan-meier: lifelines, durations of 0 and survival reaching 0") {
    check({{0.0, 0.0, 1.0, 2.0, 2.0},
           {1, 0, 1, 1, 1},
           {0.0, 1.0, 2.0},
           {0.8, 0.5333333333333333, 0.0},
           {0.20380926326763904, 0.06833208784720282, 0.0},
           {0.9691797888667427, 0.8630711827387925, 0.0},
           {0.05, 0.21666666666666667, 0.21666666666666667},
           2.0});
}

TEST_CASE("kaplan-meier: lifelines, 40 random durations (sorted path), 95% and 90% bounds") {
    check({random_durations, random_observed,
           {0.0, 0.083, 0.098, 0.222, 0.6, 0.751, 2.065, 2.221, 2.503, 2.933, 3.005, 3.121, 3.484, 3.556, 4.752, 5.213, 5.265, 5.411, 5.685, 5.753, 6.347, 7.075, 7.359, 7.729, 8.836, 8.951, 8.998, 9.038, 10.143, 10.252, 10.737, 11.808, 12.236, 13.966, 14.044, 18.843, 21.96, 28.092, 30.749, 31.447, 33.836},
           {1.0, 1.0, 1.0, 1.0, 0.9729729729729729, 0.9459459459459458, 0.9189189189189192, 0.9189189189189192, 0.8910728910728913, 0.8632268632268635, 0.8353808353808356, 0.8075348075348079, 0.7796887796887798, 0.7518427518427521, 0.7518427518427521, 0.722925722925723, 0.6940086940086942, 0.6650916650916653, 0.6650916650916653, 0.6348602257693167, 0.6348602257693167, 0.6348602257693167, 0.6014465296761947, 0.568032833583073, 0.5346191374899509, 0.5012054413968291, 0.46779174530370704, 0.4343780492105852, 0.40096435311746326, 0.36755065702434137, 0.36755065702434137, 0.3307955913219072, 0.29404052561947297, 0.29404052561947297, 0.25203473624526257, 0.2100289468710521, 0.1680231574968417, 0.12601736812263128, 0.12601736812263128, 0.06300868406131564, 0.0},
           {1.0, 1.0, 1.0, 1.0, 0.8232303732140409, 0.8007293815393755, 0.7693075561580366, 0.7693075561580366, 0.7352251921061841, 0.7019884367856903, 0.6696192111593163, 0.6380578367274716, 0.6072358352118619, 0.5770921506465594, 0.5770921506465594, 0.5459011609878756, 0.515461827722049, 0.48570805131090616, 0.48570805131090616, 0.45471195338186166, 0.45471195338186166, 0.45471195338186166, 0.4199313751618604, 0.3863354425551407, 0.3538176719191799, 0.3223056423823725, 0.2917524526593714, 0.26213163537065504, 0.2334343467425413, 0.20566823553164182, 0.20566823553164182, 0.17515992221746585, 0.14617714919626557, 0.14617714919626557, 0.11335849665421158, 0.08350243789177737, 0.05683302310788806, 0.033812880347985304, 0.033812880347985304, 0.005799217945273623, 0.0},
           {1.0, 1.0, 1.0, 1.0, 0.9961481588140245, 0.9862006843975146, 0.9731058886937606, 0.9731058886937606, 0.9576781028464786, 0.9406963548818402, 0.9224981679102042, 0.9032989994304658, 0.8832459700236174, 0.8624443421405045, 0.8624443421405045, 0.8403776889469654, 0.8176389066889188, 0.7942787156686799, 0.7942787156686799, 0.7695555214110612, 0.7695555214110612, 0.7695555214110612, 0.7423658185219155, 0.7143799004975236, 0.6856294405821952, 0.6561343250071967, 0.6259042560419465, 0.5949395039326234, 0.5632309790990245, 0.5307596616555453, 0.5307596616555453, 0.49534394682002014, 0.4587928105376995, 0.4587928105376995, 0.4179445990365735, 0.37501353307621754, 0.3297495811718079, 0.2817409617663726, 0.2817409617663726, 0.22674141951631707, 0.0},
           {0.0, 0.0, 0.0, 0.0, 0.0007507507507507507, 0.0015444015444015444, 0.0023847376788553257, 0.0023847376788553257, 0.0033317073758250227, 0.004339771891954055, 0.0054150407091583565, 0.006564465996514678, 0.007795993090110738, 0.00911874441286206, 0.00911874441286206, 0.0106572059513236, 0.012323872617990266, 0.014135466820888816, 0.014135466820888816, 0.016299968985390982, 0.016299968985390982, 0.016299968985390982, 0.019223945593578116, 0.022491919449787266, 0.02616839003802256, 0.030335056704689226, 0.03509696146659399, 0.040591466961099484, 0.04700172337135589, 0.05457748094711347, 0.05457748094711347, 0.06568859205822458, 0.07957748094711348, 0.07957748094711348, 0.10338700475663729, 0.1367203380899706, 0.18672033808997063, 0.27005367142330394, 0.27005367142330394, 0.7700536714233039, 0.7700536714233039},
           8.998});
    const KaplanMeier km90 = kaplan_meier(random_durations, random_observed, 0.90);
    close(std::vector<double>(km90.lower.begin(), km90.lower.begin() + 6), {1.0, 1.0, 1.0, 1.0, 0.8676725494595147, 0.8370773350152179});
    close(std::vector<double>(km90.upper.begin(), km90.upper.begin() + 6), {1.0, 1.0, 1.0, 1.0, 0.9947251131001894, 0.9827858018220966});
    CHECK(km90.survival_at(5.3) == doctest::Approx(0.6940086940086942).epsilon(1e-12));
    CHECK(km90.survival_at(-1.0) == 1.0);
}

TEST_CASE("kaplan-meier: integer durations (counting path) equal the sorted path; median infinite when S > 0.5") {
    std::vector<std::int64_t> di = {5, 6, 6, 2, 4, 4, 8, 9, 1, 3};
    std::vector<double> dd(di.begin(), di.end());
    std::vector<std::uint8_t> e = {1, 0, 1, 1, 1, 0, 1, 0, 1, 1};
    const KaplanMeier a = kaplan_meier(di, e), b = kaplan_meier(dd, e);
    CHECK(a.time == b.time);
    CHECK(a.survival == b.survival);
    CHECK(a.lower == b.lower);
    std::vector<double> wide = dd;
    wide[0] = 1e12;  // range too wide to count: sorted
    const KaplanMeier w = kaplan_meier(wide, e);
    CHECK(w.time.back() == 1e12);
    const KaplanMeier none = kaplan_meier(std::vector<double>{1, 2, 3}, std::vector<int>{1, 0, 0});  // S = 2/3
    CHECK(none.median == std::numeric_limits<double>::infinity());
    const KaplanMeier all = kaplan_meier(std::vector<double>{3, 1, 2});  // every event observed
    CHECK(all.survival.back() == 0.0);
    CHECK(all.median == 2.0);
}

TEST_CASE("kaplan-meier: the chunked parallel read equals the one-pass serial table, and names a late bad row") {
    // More rows than one scan chunk (2^18), so the range scan and the counting run as a chunked parallel reduce;
    // the serial event table over every row (the log-rank path) must give the same table to the bit.
    const std::size_t n = 3 * cxkit::retention::detail::scan_chunk + 12345;
    std::vector<double> d(n);
    std::vector<std::int8_t> e(n);
    std::uint64_t x = 88172645463325252ull;
    for (std::size_t i = 0; i < n; ++i) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        d[i] = static_cast<double>(x % 4000) + 7.0;
        e[i] = static_cast<std::int8_t>((x >> 20) % 3 != 0);
    }
    const std::span<const double> ds(d);
    const std::span<const std::int8_t> es(e);
    std::vector<std::size_t> all(n);
    for (std::size_t i = 0; i < n; ++i) all[i] = i;
    const auto serial = cxkit::retention::detail::event_table(ds, es, true, &all);
    const auto scan = cxkit::retention::detail::scan_durations(ds, es, true);
    CHECK(scan.integral);
    const auto fast = cxkit::retention::detail::event_table(cxkit::retention::detail::gather(ds, es, true, scan));
    CHECK(fast.time == serial.time);
    CHECK(fast.observed == serial.observed);
    CHECK(fast.censored == serial.censored);
    CHECK(fast.at_risk == serial.at_risk);
    // sorted path (not whole numbers) too
    std::vector<double> frac = d;
    frac[n / 2] += 0.5;
    const std::span<const double> fs(frac);
    const auto fserial = cxkit::retention::detail::event_table(fs, es, true, &all);
    const auto fscan = cxkit::retention::detail::scan_durations(fs, es, true);
    CHECK_FALSE(fscan.integral);
    const auto ffast = cxkit::retention::detail::event_table(cxkit::retention::detail::gather(fs, es, true, fscan));
    CHECK(ffast.time == fserial.time);
    CHECK(ffast.observed == fserial.observed);
    CHECK(ffast.censored == fserial.censored);
    // the first bad row, found in a later chunk, is the one named
    auto row_of = [](auto&& f) -> std::int64_t {
        try {
            f();
        } catch (const cxkit::invalid_input& err) {
            return err.row();
        }
        return -2;
    };
    std::vector<double> bad = d;
    bad[n - 5] = -1.0;
    bad[n - 3] = std::numeric_limits<double>::infinity();
    CHECK(row_of([&] { kaplan_meier(bad, e); }) == static_cast<std::int64_t>(n - 5));
    std::vector<std::int8_t> bad_e = e;
    bad_e[cxkit::retention::detail::scan_chunk + 1] = 2;
    CHECK(row_of([&] { kaplan_meier(d, bad_e); }) == static_cast<std::int64_t>(cxkit::retention::detail::scan_chunk + 1));
    // huge durations (>= 2^63 would overflow an integer conversion) are whole and valid
    const KaplanMeier big = kaplan_meier(std::vector<double>{1e300, 2.0, 1e19}, std::vector<int>{1, 0, 1});
    CHECK(big.time == std::vector<double>{0.0, 2.0, 1e19, 1e300});
}

TEST_CASE("kaplan-meier: bad input names the column and row") {
    auto row_of = [](auto&& f) -> std::int64_t {
        try {
            f();
        } catch (const cxkit::invalid_input& e) {
            return e.row();
        }
        return -2;
    };
    const double nan = std::numeric_limits<double>::quiet_NaN();
    CHECK(row_of([&] { kaplan_meier(std::vector<double>{1, -2, 3}, std::vector<int>{1, 1, 1}); }) == 1);
    CHECK(row_of([&] { kaplan_meier(std::vector<double>{1, 2, nan}, std::vector<int>{1, 1, 1}); }) == 2);
    CHECK(row_of([&] { kaplan_meier(std::vector<double>{1, 2, 3}, std::vector<int>{1, 2, 1}); }) == 1);
    CHECK(row_of([&] { kaplan_meier(std::vector<double>{1, 2, 3}, std::vector<double>{0, 1, 0.5}); }) == 2);
    CHECK_THROWS_AS(kaplan_meier(std::vector<double>{1, 2}, std::vector<int>{1}), cxkit::invalid_input);
    CHECK_THROWS_AS(kaplan_meier(std::vector<double>{1, 2}, std::vector<int>{1, 1}, 1.0), cxkit::invalid_input);
    CHECK_THROWS_AS(logrank_test(std::vector<double>{1, 2}, std::vector<int>{1, 1}, std::vector<int>{1, 1}),
                    cxkit::invalid_input);  // one group
    const KaplanMeier empty = kaplan_meier(std::vector<double>{}, std::vector<int>{});
    CHECK(empty.time == std::vector<double>{0.0});
    CHECK(empty.survival == std::vector<double>{1.0});
}

TEST_CASE("log-rank: lifelines logrank_test and multivariate_logrank_test") {
    SUBCASE("two small samples") {
        const auto r = logrank_test(std::vector<double>{5, 6, 6, 2.5, 4}, std::vector<double>{4, 8, 9, 1, 3},
                                    std::vector<int>{1, 0, 1, 1, 1}, std::vector<int>{0, 1, 0, 1, 1});
        CHECK(std::fabs(r.statistic - 0.4032587977848472) <= 1e-9);
        CHECK(std::fabs(r.p_value - 0.5254110588795065) <= 1e-9);
        CHECK(r.degrees_of_freedom == 1);
    }
    SUBCASE("three groups") {
        const auto r = logrank_test(random_durations, random_groups, random_observed);
        CHECK(std::fabs(r.statistic - 0.04858685513383872) <= 1e-9);
        CHECK(std::fabs(r.p_value - 0.9759992826423378) <= 1e-9);
        CHECK(r.degrees_of_freedom == 2);
        CHECK(r.groups == std::vector<std::int64_t>{0, 1, 2});
    }
    SUBCASE("groups 0 and 1 of the random sample") {
        std::vector<double> da, db;
        std::vector<int> ea, eb;
        for (std::size_t i = 0; i < random_durations.size(); ++i) {
            if (random_groups[i] == 0) da.push_back(random_durations[i]), ea.push_back(random_observed[i]);
            if (random_groups[i] == 1) db.push_back(random_durations[i]), eb.push_back(random_observed[i]);
        }
        const auto r = logrank_test(da, db, ea, eb);
        CHECK(std::fabs(r.statistic - 0.16763034967579538) <= 1e-9);
        CHECK(std::fabs(r.p_value - 0.6822264350043667) <= 1e-9);
    }
}

TEST_CASE("kaplan-meier: 10M integer durations in well under a second") {
    const std::size_t n = 10'000'000;
    std::vector<std::int32_t> d(n);
    std::vector<std::uint8_t> e(n);
    std::uint64_t x = 88172645463325252ull;
    for (std::size_t i = 0; i < n; ++i) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        d[i] = static_cast<std::int32_t>(x % 1000);
        e[i] = static_cast<std::uint8_t>((x >> 20) % 4 != 0);
    }
    const auto t0 = std::chrono::steady_clock::now();
    const KaplanMeier km = kaplan_meier(d, e);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    MESSAGE("Kaplan-Meier of 10M integer durations: " << s << " s");
    CHECK(km.time.size() == 1000);
    CHECK(km.survival.back() >= 0.0);
    CHECK(s < 60.0);  // ~0.13 s when quiet: only a change of complexity class may fail this, not a busy machine
}

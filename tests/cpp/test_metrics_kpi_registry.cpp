// The KPI registry (issue 11): a KPI registered in this file only (a scorecard over the production KPI list plus
// a toy one) is filled, merged, serialized and shown in the table with no change anywhere else.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <utility>

#include "cxkit/core/event_log_builder.hpp"
#include "cxkit/metrics/kpi_registry.hpp"
#include "cxkit/metrics/measure_rules.hpp"
#include "cxkit/metrics/scorecard.hpp"

using cxkit::EventLog;
using cxkit::EventLogBuilder;
using cxkit::Period;
using cxkit::timestamp;
using namespace cxkit::metrics;

namespace {

// ---- the toy KPI: refunds (count and total amount) from a `refund` measure column ------------------------------
struct RefundState {
    std::uint64_t n = 0;
    double total = 0;
    RefundState& operator+=(const RefundState& o) {
        n = detail::add_counts(n, o.n, "refunds");
        total += o.total;
        return *this;
    }
    bool operator==(const RefundState& o) const { return n == o.n && detail::sums_close(total, o.total); }
    std::string serialize() const {
        cxkit::ByteWriter w;
        w.header("RefundState", 1);
        w.put(n);
        w.put(total);
        return std::move(w).bytes();
    }
    static RefundState deserialize(std::string_view bytes) {
        cxkit::ByteReader r(bytes);
        r.header("RefundState", 1);
        RefundState s{r.get<std::uint64_t>(), r.get<double>()};
        r.expect_done();
        if (!(s.total >= 0) || !std::isfinite(s.total)) cxkit::ByteReader::fail("RefundState total is not finite >= 0");
        return s;
    }
};
struct RefundKpi : measure_kpi<RefundKpi> {
    using state = RefundState;
    static constexpr const char* measure = "refund";
    static bool accepts(double v) noexcept { return std::isnan(v) || (v >= 0 && std::isfinite(v)); }
    static constexpr cxkit::MeasureRule rule{accepts, "a refund must be a finite amount >= 0", false};
    static constexpr int rank = 650;  // between the complaint and the sentiment columns
    static constexpr ScorecardColumn columns[] = {{"refunds", true, false}, {"refund_total", false, false}};
    using acc = RefundState;
    static void add(acc& a, double v, std::size_t row) {
        detail::checked_measure(v, 0, detail::inf, false, measure, rule.text, row);
        ++a.n;
        a.total += v;
    }
    static state finish(acc& a, const CellCore&) { return a; }
    static void check(const state& s, const CellCore& c) { detail::check_at_most(s.n, c.events, "refunds"); }
    static void read(const state& s, const CellCore&, const KpiReadOptions&, double* out) {
        out[0] = static_cast<double>(s.n);
        out[1] = s.total;
    }
};
// ---- its registration: the production list plus the toy -------------------------------------------------------
using toy_kpis = kpi_list<NpsKpi, CsatKpi, CesKpi, FcrKpi, ResponseTimeKpi, SentimentKpi, ComplaintsKpi, RefundKpi>;
// ------------------------------------------------------------------------------------------------------------------

using ToyState = BasicScorecardState<toy_kpis>;

// Customers [from, to) with random events, some carrying a refund, NPS, a complaint.
EventLog log_of(int from, int to) {
    EventLogBuilder b;
    std::mt19937 rng(7);
    std::uniform_int_distribution<int> day(1, 27), month(1, 3), score(0, 10), coin(0, 3);
    std::uniform_real_distribution<double> amount(0, 50);
    for (int c = 0; c < to; ++c) {
        const int events = 1 + coin(rng);
        for (int e = 0; e < events; ++e) {
            const auto t = timestamp(2024, static_cast<unsigned>(month(rng)), static_cast<unsigned>(day(rng)), 10);
            const bool refund = coin(rng) == 0, nps = coin(rng) < 2, complaint = coin(rng) == 0;
            const double r = amount(rng);
            const int s = score(rng);
            if (c < from) continue;  // same random stream whatever the range: the union is the same data
            auto& ev = b.event(std::to_string(c), t).set("channel", c % 2 ? "web" : "phone");
            if (refund) ev.set("refund", r);
            if (nps) ev.set("nps", s);
            if (complaint) ev.set("kind", "complaint");
        }
    }
    return std::move(b).build();
}

ScorecardOptions by_channel_month() {
    ScorecardOptions o;
    o.by = {"channel"};
    o.period = Period::month;
    return o;
}

}  // namespace

TEST_CASE("KPI registry: the production columns and byte format follow from scorecard_kpis") {
    // The table order users see (unchanged by the registry): KPI columns by rank, then the scorecard's own, then
    // the period-over-period ones.
    const char* expected[] = {"nps", "nps_low", "nps_high", "nps_n", "csat", "csat_low", "csat_high", "csat_n",
                              "ces", "ces_agree", "ces_n", "fcr", "fcr_n", "response_time_mean",
                              "response_time_median", "response_time_p90", "response_time_n", "complaints",
                              "complaint_rate", "complaints_per_1000", "sentiment", "sentiment_n", "retention_rate",
                              "churn_rate", "clv", "customers", "events", "revenue", "nps_change_z", "nps_change_p"};
    REQUIRE(std::size(scorecard_columns) == std::size(expected));
    for (std::size_t i = 0; i < std::size(expected); ++i) CHECK(std::string(scorecard_columns[i].name) == expected[i]);
    CHECK(scorecard_columns[3].count);
    CHECK(scorecard_columns[29].periods_only);
    // measure rules come from the registered KPIs; other columns only need finite values
    CHECK(std::string(measure_rule("csat").text) == "CSAT must be a whole number from 1 to 5");
    CHECK(measure_rule("fcr").booleans);
    CHECK(!measure_rule("nps").accepts(11));
    CHECK(measure_rule("refund").accepts(-3));  // the toy is not registered in production
}

TEST_CASE("KPI registry: a toy KPI registered in a test is filled, merged, serialized and in the table") {
    const EventLog a = log_of(0, 300), b = log_of(300, 700), all = log_of(0, 700);
    const auto opt = by_channel_month();
    ToyState sa = fill_scorecard<toy_kpis>(a, opt);
    const ToyState sb = fill_scorecard<toy_kpis>(b, opt);
    const ToyState whole = fill_scorecard<toy_kpis>(all, opt);

    // filled: per cell, the refund count and total match the log's own
    std::uint64_t n = 0;
    double total = 0;
    for (auto& [k, cell] : whole.cells) {
        n += cell.get<RefundKpi>().n;
        total += cell.get<RefundKpi>().total;
        CHECK(cell.get<RefundKpi>().n <= cell.events);
    }
    const auto& refunds = *all.measure("refund");
    std::uint64_t n_log = 0;
    double total_log = 0;
    for (std::size_t i = 0; i < refunds.size(); ++i)
        if (!std::isnan(refunds[i])) {
            ++n_log;
            total_log += refunds[i];
        }
    CHECK(n > 100);
    CHECK(n == n_log);
    CHECK(total == doctest::Approx(total_log));

    // merged: merge(A, B) == fill(A u B), on different data (the two halves' customers)
    CHECK(!(sa == whole));
    sa += sb;
    CHECK(sa == whole);

    // serialized and back, the toy's bytes inside each cell; a cell's toy invariant is checked on load
    const ToyState back = ToyState::deserialize(whole.serialize());
    CHECK(back == whole);
    auto bad = whole.cells.begin()->second;
    bad.get<RefundKpi>().n = bad.events + 1;
    CHECK_THROWS_WITH_AS(KpiCell<toy_kpis>::deserialize(bad.serialize()), doctest::Contains("more refunds than events"),
                         cxkit::invalid_input);

    // in the table, placed by rank, and equal to the production columns elsewhere
    const ScorecardTable t = scorecard_table(whole);
    const ScorecardTable prod = scorecard_table(fill_scorecard(all, opt));
    REQUIRE(t.column_names.size() == prod.column_names.size() + 2);
    const auto at = std::find(t.column_names.begin(), t.column_names.end(), "refunds") - t.column_names.begin();
    CHECK(t.column_names[static_cast<std::size_t>(at) - 1] == "complaints_per_1000");
    CHECK(t.column_names[static_cast<std::size_t>(at) + 1] == "refund_total");
    CHECK(t.column_names[static_cast<std::size_t>(at) + 2] == "sentiment");
    double table_total = 0;
    for (double v : t.column("refund_total")) table_total += v;
    CHECK(table_total == doctest::Approx(total_log));
    for (auto& name : prod.column_names) {
        const auto& x = t.column(name);
        const auto& y = prod.column(name);
        REQUIRE(x.size() == y.size());
        for (std::size_t i = 0; i < x.size(); ++i) CHECK((x[i] == y[i] || (std::isnan(x[i]) && std::isnan(y[i]))));
    }
    CHECK(t.flag("nps_change_significant") == prod.flag("nps_change_significant"));

}

TEST_CASE("KPI registry: the production KpiState keeps its bytes (events, revenue, customers, KPIs in list order)") {
    KpiState k;
    k.events = 2;
    k.revenue = 5;
    k.customers.add(9);
    k.get<NpsKpi>().add(10);
    k.get<ComplaintsKpi>() = {1, 2};
    cxkit::ByteWriter w;
    w.header("KpiState", 1);
    w.put<std::uint64_t>(2);
    w.put(5.0);
    for (const std::string& part : {k.customers.serialize(), k.get<NpsKpi>().serialize(), CsatState{}.serialize(),
                                    CesState{}.serialize(), FcrState{}.serialize(), ResponseTimeState{}.serialize(),
                                    MeanState{}.serialize(), k.get<ComplaintsKpi>().serialize()})
        w.put_string(part);
    CHECK(k.serialize() == w.bytes());
    CHECK(KpiState::deserialize(w.bytes()) == k);
}

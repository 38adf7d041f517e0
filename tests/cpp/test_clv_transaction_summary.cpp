#include <doctest/doctest.h>

#include <cstdint>
#include <map>
#include <random>
#include <vector>

#include "cxkit/clv/transaction_summary.hpp"

using namespace cxkit::clv;
using cxkit::invalid_input;

namespace {
// The definition, written plainly: per customer an ordered map period -> total value over the kept rows.
struct Naive {
    std::map<std::int64_t, std::map<std::int64_t, double>> cal, hold;
    std::map<std::int64_t, std::int64_t> hold_rows;
};
Naive naive(const std::vector<std::int64_t>& id, const std::vector<std::int64_t>& ns, const std::vector<double>& v,
            const TransactionWindow& w) {
    Naive out;
    RfmPeriods per(w.unit, 0, 0);
    const std::int64_t end_p = per(w.end_ns);
    for (std::size_t i = 0; i < id.size(); ++i) {
        const std::int64_t p = per(ns[i]);
        const bool cal = w.whole_end_period ? p <= end_p : ns[i] <= w.end_ns;
        if (cal)
            out.cal[id[i]][p] += v[i];
        else if (w.holdout && ns[i] > w.end_ns && ns[i] <= w.holdout_end_ns)
            out.hold[id[i]][p] += v[i], ++out.hold_rows[id[i]];
    }
    return out;
}

void check_against_naive(const std::vector<std::int64_t>& id, const std::vector<std::int64_t>& ns,
                         const std::vector<double>& v, const TransactionWindow& w) {
    const TransactionSummary s = summarize_transactions(id, ns, v, w);
    const Naive want = naive(id, ns, v, w);
    REQUIRE(s.size() == want.cal.size());
    std::size_t k = 0;
    for (const auto& [cid, periods] : want.cal) {
        INFO("customer " << cid);
        REQUIRE(s.customer[k] == cid);
        CHECK(s.first[k] == periods.begin()->first);
        CHECK(s.last[k] == periods.rbegin()->first);
        CHECK(s.periods[k] == static_cast<std::int64_t>(periods.size()));
        double repeat = 0;
        for (auto it = std::next(periods.begin()); it != periods.end(); ++it) repeat += it->second;
        CHECK(s.repeat_value[k] == doctest::Approx(repeat).epsilon(1e-12));
        if (w.holdout) {
            const auto h = want.hold.find(cid);
            CHECK(s.holdout_periods[k] == (h == want.hold.end() ? 0 : static_cast<std::int64_t>(h->second.size())));
            double total = 0;
            if (h != want.hold.end())
                for (const auto& [p, x] : h->second) total += x;
            CHECK(s.holdout_value[k] == doctest::Approx(total).epsilon(1e-12));
            const auto r = want.hold_rows.find(cid);
            CHECK(s.holdout_rows[k] == (r == want.hold_rows.end() ? 0 : r->second));
        }
        ++k;
    }
}

struct Log {
    std::vector<std::int64_t> id, ns;
    std::vector<double> v;
};
Log random_log(std::size_t n, std::int64_t customers, std::int64_t id_step, std::uint64_t seed) {
    std::mt19937_64 g(seed);
    std::uniform_int_distribution<std::int64_t> c(0, customers - 1), sec(1'600'000'000, 1'600'000'000 + 500 * 86'400);
    std::uniform_real_distribution<double> val(1, 100);
    Log l;
    for (std::size_t i = 0; i < n; ++i) {
        l.id.push_back((c(g) - customers / 2) * id_step);
        l.ns.push_back(sec(g) * cxkit::ns_per_second);
        l.v.push_back(std::round(val(g) * 100) / 100);
    }
    return l;
}
}  // namespace

TEST_CASE("Transaction summary: every period length, compact and sparse ids, one and two threads") {
    for (const std::int64_t step : {std::int64_t{1}, std::int64_t{1'000'000'000'000}}) {
        const Log l = random_log(90'000, 7'000, step, 17 + static_cast<std::uint64_t>(step % 97));
        for (const RfmUnit u : {RfmUnit::day, RfmUnit::week, RfmUnit::month, RfmUnit::hour}) {
            for (const unsigned th : {1u, 2u}) {
                TransactionWindow w;
                w.unit = u;
                w.threads = th;
                w.end_ns = (1'600'000'000 + 400 * 86'400) * cxkit::ns_per_second;
                check_against_naive(l.id, l.ns, l.v, w);
            }
        }
    }
}

TEST_CASE("Transaction summary: calibration and holdout") {
    const Log l = random_log(80'000, 6'000, 3, 5);
    TransactionWindow w;
    w.unit = RfmUnit::week;
    w.whole_end_period = false;
    w.end_ns = (1'600'000'000 + 250 * 86'400 + 3'600) * cxkit::ns_per_second;
    w.holdout = true;
    w.holdout_end_ns = (1'600'000'000 + 450 * 86'400) * cxkit::ns_per_second;
    check_against_naive(l.id, l.ns, l.v, w);
    const TransactionSummary s = summarize_transactions(l.id, l.ns, l.v, w);
    RfmPeriods per(RfmUnit::week, 0, 0);
    CHECK(s.end_period == per(w.end_ns));
    CHECK(s.holdout_end_period == per(w.holdout_end_ns));
}

TEST_CASE("Transaction summary: weeks run Monday to Sunday; the default end is the last transaction") {
    // 2024-01-01 was a Monday: the 1st and the 7th share a week, the 8th starts the next one.
    const std::vector<std::int64_t> id{5, 5, 5, 9};
    const std::vector<std::int64_t> ns{cxkit::timestamp(2024, 1, 1, 9), cxkit::timestamp(2024, 1, 7, 23),
                                       cxkit::timestamp(2024, 1, 8), cxkit::timestamp(2024, 1, 20)};
    const std::vector<double> v{10, 2, 3, 7};
    const TransactionSummary s = summarize_transactions(id, ns, v, TransactionWindow{});
    REQUIRE(s.size() == 2);
    CHECK(s.customer == std::vector<std::int64_t>{5, 9});
    CHECK(s.periods[0] == 2);
    CHECK(s.last[0] - s.first[0] == 1);
    CHECK(s.repeat_value[0] == 3);
    CHECK(s.end_period - s.first[0] == 2);  // Jan 20 is in the third week
    CHECK(s.periods[1] == 1);
    CHECK(s.repeat_value[1] == 0);
}

TEST_CASE("Transaction summary: bad input names the column and the first row") {
    std::vector<std::int64_t> id(70'000, 1), ns(70'000, cxkit::timestamp(2024, 3, 1));
    std::vector<double> v(70'000, 1.0);
    TransactionWindow w;
    w.value_name = "amount";
    w.time_name = "when";
    v[69'000] = std::nan("");
    v[68'000] = INFINITY;
    CHECK_THROWS_WITH_AS(summarize_transactions(id, ns, v, w), "column 'amount', row 68000: must be a finite number, got inf",
                         invalid_input);
    v[68'000] = v[69'000] = 1;
    ns[40'000] = cxkit::missing_time;
    CHECK_THROWS_WITH_AS(summarize_transactions(id, ns, v, w), "column 'when', row 40000: must be a date/time, got NaT",
                         invalid_input);
    std::vector<std::int64_t> short_ns(3, 0);
    CHECK_THROWS_AS(summarize_transactions(id, short_ns, v, w), invalid_input);
    CHECK_THROWS_AS(parse_rfm_unit("Q"), invalid_input);
    CHECK(summarize_transactions({}, {}, {}, w).size() == 0);
}

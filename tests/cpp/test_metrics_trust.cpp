// Issue 12 (trust) for the metrics area: values checked where they index a table, period arithmetic at the int64
// ends, untrusted bytes (invariants on load, bounded result sizes), merges that refuse overflow and self-merges.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "cxkit/core/event_log.hpp"
#include "cxkit/core/serialize.hpp"
#include "cxkit/core/time.hpp"
#include "cxkit/metrics/scorecard.hpp"

using namespace cxkit;
using namespace cxkit::metrics;

namespace {

constexpr std::int64_t i64min = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t i64max = std::numeric_limits<std::int64_t>::max();
const double nan_ = std::numeric_limits<double>::quiet_NaN();

// A log that keeps the caller's vectors (sorted input passed as "immutable" buffers, as Arrow's are), so they can
// be changed after it validated them: what a buffer that changes anyway (a file mapped and rewritten, a broken
// producer) would do to the scorecard.
struct ViewLog {
    std::vector<std::int32_t> customer{0, 0, 1, 2};
    std::vector<std::int64_t> time{timestamp(2024, 1, 5), timestamp(2024, 2, 5), timestamp(2024, 1, 9),
                                   timestamp(2024, 3, 1)};
    std::vector<double> csat{5, 4, nan_, 1};
    std::vector<double> nps{10, nan_, 3, 8};
    std::vector<std::int32_t> channel{0, 1, -1, 1};
    EventLog build() {
        EventTable t;
        t.customer = Column<std::int32_t>::immutable_view(customer.data(), customer.size(), nullptr);
        t.time = Column<std::int64_t>::immutable_view(time.data(), time.size(), nullptr);
        t.customer_ids = CustomerIds::integers({7, 8, 9});
        t.measures.emplace_back("csat", Column<double>::immutable_view(csat.data(), csat.size(), nullptr));
        t.measures.emplace_back("nps", Column<double>::immutable_view(nps.data(), nps.size(), nullptr));
        t.categoricals.emplace_back(
            "channel",
            Categorical{Column<std::int32_t>::immutable_view(channel.data(), channel.size(), nullptr), {"web", "phone"}});
        return EventLog::build(std::move(t), OnError::raise, cxkit::metrics::measure_rule);
    }
};

std::string header(const char* tag, std::uint32_t version = 1) {
    ByteWriter w;
    w.header(tag, version);
    return w.bytes();
}

template <class F>
std::string refusal(F&& f) {
    try {
        f();
    } catch (const invalid_input& e) {
        return e.what();
    }
    return "(not refused)";
}

}  // namespace

TEST_CASE("issue 12: a score changed after the log validated it is refused at fill, never used as an index") {
    ViewLog v;
    const EventLog log = v.build();
    ScorecardOptions opt;
    opt.by = {"channel"};
    opt.period = Period::month;
    REQUIRE_NOTHROW(fill_scorecard(log, opt));
    // Through the log, which keeps the buffers (checked, so the test cannot pass by not reaching the fill).
    REQUIRE(log.measure("csat")->data() == v.csat.data());
    {
        v.csat[0] = 1e15;  // the segfault of issue 12: CSAT 1e15 indexed the 1..5 histogram
        const std::string msg = refusal([&] { (void)fill_scorecard(log, opt); });
        CHECK(msg.find("csat") != std::string::npos);
        CHECK(msg.find("CSAT must be a whole number from 1 to 5") != std::string::npos);
        v.csat[0] = 5;
        v.nps[0] = -3;
        CHECK_THROWS_AS(fill_scorecard(log, opt), invalid_input);
        v.nps[0] = 10;
        v.channel[1] = 99;  // a category code outside the dictionary
        CHECK(refusal([&] { (void)fill_scorecard(log, opt); }).find("channel") != std::string::npos);
        v.channel[1] = 1;
        v.time[3] = timestamp(2030, 1, 1);  // outside the log's time range: its period slot does not exist
        CHECK(refusal([&] { (void)fill_scorecard(log, opt); }).find("time") != std::string::npos);
        v.time[3] = timestamp(2024, 3, 1);
        CHECK_NOTHROW(fill_scorecard(log, opt));
    }
    // The check itself, as the fill uses it for every score column.
    using cxkit::metrics::detail::checked_measure;
    const double inf = std::numeric_limits<double>::infinity();
    for (double bad : {1e15, -1.0, 0.0, 6.0, 2.5, nan_, inf, -inf}) {
        CAPTURE(bad);
        CHECK_THROWS_AS(checked_measure(bad, 1, 5, true, "csat", "rule", 3), invalid_input);
    }
    for (double good : {1.0, 3.0, 5.0}) CHECK(checked_measure(good, 1, 5, true, "csat", "rule", 0) == static_cast<std::size_t>(good));
    CHECK_THROWS_AS(checked_measure(11, 0, 10, true, "nps", "rule", 0), invalid_input);
    CHECK_THROWS_AS(checked_measure(-1, 0, inf, false, "response_time", "rule", 0), invalid_input);
    CHECK_THROWS_AS(checked_measure(inf, -inf, inf, false, "value", "rule", 0), invalid_input);
}

TEST_CASE("issue 12: period arithmetic at the int64 ends has no signed overflow (UBSan) and refuses hostile indices") {
    for (Period p : {Period::day, Period::week, Period::month, Period::quarter, Period::year}) {
        CAPTURE(period_code(p));
        for (std::int64_t t : {i64min + 1, i64min, i64max, i64max - 1, std::int64_t{0}}) {
            const std::int64_t i = period_index(t, p);
            // the period's clamped bounds contain t
            CHECK(cxkit::detail::period_start_clamped(i, p) <= t);
            if (i + 1 <= period_index(i64max, p)) CHECK(t < cxkit::detail::period_start_clamped(i + 1, p));
            PeriodIndexer ix(p);
            CHECK(ix(t) == i);
            CHECK(ix(t) == i);  // the cached path
        }
        // A table over the whole int64 range agrees with the calendar everywhere.
        PeriodTable table(p, i64min + 1, i64max);
        const std::int64_t ts[] = {i64min + 1, -ns_per_day, 0, 17 * ns_per_day, i64max - 5, i64max};
        std::int64_t out[6];
        table.fill(ts, 6, out);
        for (int k = 0; k < 6; ++k) {
            CHECK(out[k] == period_index(ts[k], p));
            CHECK(table(ts[k]) == period_index(ts[k], p));
        }
        // Indices from untrusted bytes: refused, not wrapped.
        for (std::int64_t bad : {i64max, i64min, i64max / 7 + 1, std::int64_t{1} << 40}) {
            CAPTURE(bad);
            CHECK_THROWS_AS(period_start(bad, p), invalid_input);
        }
    }
    CHECK_THROWS_AS(timestamp(2300, 1, 1), invalid_input);
    CHECK_THROWS_AS(timestamp(1600, 1, 1), invalid_input);
    CHECK(timestamp(2262, 4, 11) > 0);
}

TEST_CASE("issue 12: a scorecard of a log spanning the whole int64 time range (pd.Timestamp.min/max)") {
    std::vector<std::int32_t> customer{0, 0, 1};
    std::vector<std::int64_t> time{i64min + 1, i64max, 0};
    std::vector<double> nps{10, 3, 7};
    EventTable t;
    t.customer = Column<std::int32_t>::owned(customer);
    t.time = Column<std::int64_t>::owned(time);
    t.customer_ids = CustomerIds::integers({1, 2});
    t.measures.emplace_back("nps", Column<double>::owned(nps));
    const EventLog log = EventLog::build(std::move(t));
    for (Period p : {Period::none, Period::day, Period::week, Period::month, Period::year}) {
        CAPTURE(period_code(p));
        ScorecardOptions opt;
        opt.period = p;
        opt.retention_period = Period::year;
        const auto st = fill_scorecard(log, opt);
        CHECK(ScorecardState::deserialize(st.serialize()) == st);
        ScorecardTableOptions to;
        to.max_activity_rows = 1000;  // yearly: about 585 periods
        if (p == Period::none || p == Period::year) {
            const auto tab = scorecard_table(st, to);
            CHECK(tab.column("nps_n")[0] >= 1);
        }
    }
}

TEST_CASE("issue 12: serialized headers: version 0 is invalid, a non-UTF-8 tag is a format error with a text message") {
    const std::string payload(24, '\0');
    const std::string v0 = refusal([&] { (void)NpsState::deserialize(header("NpsState", 0) + payload); });
    CHECK(v0.find("version 0 is invalid") != std::string::npos);
    CHECK(v0.find("newer") == std::string::npos);
    CHECK(refusal([&] { (void)NpsState::deserialize(header("NpsState", 7) + payload); }).find("newer") != std::string::npos);
    ByteWriter w;
    w.put_string("\xff\xfe\x80Nps");
    w.put<std::uint32_t>(1);
    const std::string msg = refusal([&] { (void)NpsState::deserialize(w.bytes() + payload); });
    CHECK(msg.find("expected a serialized NpsState") != std::string::npos);
    CHECK(ByteReader::valid_utf8(msg));  // so Python gets ValueError, not UnicodeDecodeError
    CHECK(msg.find("\\xff\\xfe\\x80Nps") != std::string::npos);
    CHECK(ByteReader::valid_utf8("plain ascii and \xc3\xa9"));
    for (const char* bad : {"\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe2\x82", "\x80"}) CHECK_FALSE(ByteReader::valid_utf8(bad));
}

TEST_CASE("issue 12: states that break their invariants are refused on load") {
    auto u64s = [](const char* tag, std::vector<std::uint64_t> v) {
        ByteWriter w;
        w.header(tag, 1);
        for (auto x : v) w.put(x);
        return w.bytes();
    };
    const std::uint64_t big = std::numeric_limits<std::uint64_t>::max() / 2 + 1;
    // FCR above 100%, complaints above interactions, counts whose sum overflows
    CHECK(refusal([&] { (void)FcrState::deserialize(u64s("FcrState", {3, 5})); }).find("FCR above 100%") != std::string::npos);
    CHECK_NOTHROW(FcrState::deserialize(u64s("FcrState", {5, 3})));
    CHECK_THROWS_AS(ComplaintState::deserialize(u64s("ComplaintState", {9, 2})), invalid_input);
    CHECK_THROWS_AS(NpsState::deserialize(u64s("NpsState", {big, big, 0})), invalid_input);
    CHECK_THROWS_AS(CsatState::deserialize(u64s("CsatState", {big, 0, 0, 0, big})), invalid_input);
    CHECK_THROWS_AS(CesState::deserialize(u64s("CesState", {0, big, 0, 0, 0, 0, big})), invalid_input);
    // negative, infinite durations; a sum that is not theirs
    const std::vector<std::pair<std::vector<double>, double>> durations{
        {{1.0, -2.0}, -1.0}, {{1.0, INFINITY}, INFINITY}, {{1.0, 2.0}, 50.0}};
    for (const auto& [vals, sum] : durations) {
        ByteWriter w;
        w.header("ResponseTimeState", 1);
        w.put_vector(vals);
        w.put(sum);
        CHECK_THROWS_AS(ResponseTimeState::deserialize(w.bytes()), invalid_input);
    }
    // mean sums no values can give
    const std::vector<std::tuple<std::uint64_t, double, double>> sums{{0, 1.0, 1.0}, {2, 5.0, 1.0}, {2, 0.0, -1.0}, {1, nan_, 0.0}};
    for (const auto& [n, s, sq] : sums) {
        ByteWriter w;
        w.header("MeanState", 1);
        w.put(n);
        w.put(s);
        w.put(sq);
        CHECK_THROWS_AS(MeanState::deserialize(w.bytes()), invalid_input);
    }
    // a KPI cell with more answers than events
    KpiState k;
    k.events = 1;
    k.get<cxkit::metrics::ComplaintsKpi>().events = 1;
    k.get<cxkit::metrics::NpsKpi>().add(10);
    CHECK(KpiState::deserialize(k.serialize()) == k);
    k.get<cxkit::metrics::NpsKpi>().add(3);
    CHECK(refusal([&] { (void)KpiState::deserialize(k.serialize()); }).find("more NPS answers than events") != std::string::npos);
}

TEST_CASE("issue 12: merges refuse counts that overflow and leave the target unchanged; a state merges with itself") {
    NpsState a, b;
    a.promoters = std::numeric_limits<std::uint64_t>::max() - 1;
    b.promoters = 5;
    const NpsState before = a;
    CHECK_THROWS_AS(a += b, invalid_input);
    CHECK(a == before);
    NpsState c;
    c.passives = 3;
    CHECK_THROWS_AS(a += c, invalid_input);  // each count fits, the total does not
    CHECK(a == before);

    ResponseTimeState r;
    for (double x : {1.0, 2.0, 3.0}) r.add(x);
    r += r;
    CHECK(r.n() == 6);
    CHECK(r.sum == 12.0);

    ScorecardOptions opt;
    opt.by = {"channel"};
    ViewLog v;
    auto s = fill_scorecard(v.build(), opt);
    auto twice = s;
    twice += ScorecardState(s);
    s += s;
    CHECK(s == twice);
}

TEST_CASE("issue 12: a 73-byte ActivityState cannot make by_period() allocate gigabytes") {
    ByteWriter w;
    w.header("ActivityState", 1);
    w.put_vector(std::vector<std::uint64_t>{1, 1});
    w.put_vector(std::vector<std::int64_t>{0, (std::int64_t{1} << 24) - 2});
    const std::string bytes = w.bytes();
    CHECK(bytes.size() == 73);
    const auto s = ActivityState::deserialize(bytes);
    CHECK(s.period_rows() == (std::uint64_t{1} << 24) - 1);
    const std::string msg = refusal([&] { (void)s.by_period(); });
    CHECK(msg.find("more rows than the limit of 65536") != std::string::npos);
    // far-apart periods at the int64 ends: refused, no overflow in the span or in "p + 1"
    ActivityState ends;
    ends.add(1, i64min);
    ends.add(1, i64max);
    CHECK_THROWS_AS(ends.by_period(), invalid_input);
    ActivityState top;
    top.add(1, i64max - 1);
    top.add(1, i64max);
    const auto rows = top.by_period();
    REQUIRE(rows.size() == 2);
    CHECK(rows[1].retention_rate == 1.0);
    // asked for, more rows are fine
    ActivityState wide;
    wide.add(1, 0);
    wide.add(1, 100'000);
    CHECK_THROWS_AS(wide.by_period(), invalid_input);
    CHECK(wide.by_period(200'000).size() == 100'001);
}

TEST_CASE("issue 12: hostile ScorecardState bytes are refused; table() bounds its retention rows") {
    auto write = [](const std::vector<std::string>& cols, std::int32_t period, std::int32_t activity_period, auto cells,
                    auto activity) {
        ByteWriter w;
        w.header("ScorecardState", 1);
        w.put<std::uint64_t>(cols.size());
        for (auto& c : cols) w.put_string(c);
        w.put(period);
        w.put(activity_period);
        cells(w);
        activity(w);
        return w.bytes();
    };
    KpiState k;
    k.events = 1;
    k.get<cxkit::metrics::ComplaintsKpi>().events = 1;
    auto none = [](ByteWriter& w) { w.put<std::uint64_t>(0); };
    auto cell = [&](std::uint8_t has, std::string label, std::int64_t p, int times) {
        return [=](ByteWriter& w) {
            w.put<std::uint64_t>(static_cast<std::uint64_t>(times));
            for (int i = 0; i < times; ++i) {
                w.put(has);
                w.put_string(label);
                w.put(p);
                w.put_string(k.serialize());
            }
        };
    };
    const std::int32_t M = static_cast<std::int32_t>(Period::month), N = 0;
    CHECK_NOTHROW(ScorecardState::deserialize(write({"channel"}, M, M, cell(1, "web", 24290, 1), none)));
    CHECK(refusal([&] { (void)ScorecardState::deserialize(write({"channel"}, M, M, cell(1, "web", 24290, 2), none)); })
              .find("same cell twice") != std::string::npos);
    CHECK_THROWS_AS(ScorecardState::deserialize(write({"channel"}, M, M, cell(1, "w\xff", 1, 1), none)), invalid_input);
    CHECK_THROWS_AS(ScorecardState::deserialize(write({"channel"}, M, M, cell(2, "web", 1, 1), none)), invalid_input);
    CHECK_THROWS_AS(ScorecardState::deserialize(write({"channel"}, M, M, cell(0, "web", 1, 1), none)), invalid_input);
    CHECK_THROWS_AS(ScorecardState::deserialize(write({"channel"}, M, M, cell(1, "web", i64max, 1), none)), invalid_input);
    CHECK_THROWS_AS(ScorecardState::deserialize(write({"channel"}, N, M, cell(1, "web", 5, 1), none)), invalid_input);
    CHECK_THROWS_AS(ScorecardState::deserialize(write({"a", "a"}, N, M, none, none)), invalid_input);
    CHECK_THROWS_AS(ScorecardState::deserialize(write({""}, N, M, none, none)), invalid_input);
    CHECK_THROWS_AS(ScorecardState::deserialize(write({"\xc3("}, N, M, none, none)), invalid_input);
    CHECK_THROWS_AS(ScorecardState::deserialize(write({}, M, static_cast<std::int32_t>(Period::year), none, none)), invalid_input);

    // Activity over 200,001 days in each of 3 groups from a few hundred bytes: table() refuses before allocating.
    ActivityState a;
    a.add(1, -100'000);
    a.add(1, 100'000);
    auto acts = [&](ByteWriter& w) {
        w.put<std::uint64_t>(3);
        for (const char* g : {"a", "b", "c"}) {
            w.put<std::uint8_t>(1);
            w.put_string(g);
            w.put_string(a.serialize());
        }
    };
    ScorecardState st;
    REQUIRE_NOTHROW(st = ScorecardState::deserialize(write({"channel"}, N, static_cast<std::int32_t>(Period::day), none, acts)));
    CHECK(refusal([&] { (void)scorecard_table(st); }).find("max_activity_rows") != std::string::npos);
    ScorecardTableOptions big;
    big.max_activity_rows = 1'000'000;
    CHECK_NOTHROW(scorecard_table(st, big));
}

TEST_CASE("scorecard fill: fixed chunks merged in order give the same bytes on 1, 2 and 3 threads") {
    // 3 chunks of whole customers (fill_chunk_events each), different revenue per customer so sums round.
    const std::size_t customers = 3 * fill_chunk_events / 4 + 7;
    std::vector<std::int32_t> cust;
    std::vector<std::int64_t> time;
    std::vector<double> value, nps;
    std::vector<std::int64_t> ids;
    for (std::size_t c = 0; c < customers; ++c) {
        ids.push_back(static_cast<std::int64_t>(c) * 7919);
        for (int e = 0; e < 4; ++e) {
            cust.push_back(static_cast<std::int32_t>(c));
            time.push_back(timestamp(2024, 1 + static_cast<unsigned>((c + e) % 12), 1 + e));
            value.push_back(0.1 * static_cast<double>((c * 31 + e) % 97) + 1e-7 * static_cast<double>(c));
            nps.push_back(static_cast<double>((c + e) % 11));
        }
    }
    EventTable t;
    t.customer = Column<std::int32_t>::owned(cust);
    t.time = Column<std::int64_t>::owned(time);
    t.customer_ids = CustomerIds::integers(ids);
    t.measures.emplace_back("value", Column<double>::owned(value));
    t.measures.emplace_back("nps", Column<double>::owned(nps));
    const EventLog log = EventLog::build(std::move(t));
    REQUIRE(log.size() > 2 * fill_chunk_events);
    ScorecardOptions opt;
    opt.period = Period::quarter;
    opt.threads = 1;
    const std::string one = fill_scorecard(log, opt).serialize();
    for (unsigned th : {2u, 3u}) {
        opt.threads = th;
        CHECK(fill_scorecard(log, opt).serialize() == one);
    }
}

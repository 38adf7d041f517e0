// LiveScorecard (one event at a time) against the batch fill on the same events, and LiveFigures (rolling windows,
// P-square quantiles) against exact recounts (issue 13, point 4).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "cxkit/core/event_log_builder.hpp"
#include "cxkit/metrics/live_figures.hpp"
#include "cxkit/metrics/live_scorecard.hpp"
#include "cxkit/metrics/measure_rules.hpp"
#include "cxkit/metrics/scorecard.hpp"

using cxkit::invalid_input;
using cxkit::Period;
using cxkit::timestamp;
using cxkit::metrics::LiveEvent;
using cxkit::metrics::LiveFigures;
using cxkit::metrics::LiveFiguresOptions;
using cxkit::metrics::LiveScorecard;
using cxkit::metrics::LiveScorecardOptions;
using cxkit::metrics::ScorecardOptions;
using cxkit::metrics::ScorecardState;

namespace {

constexpr std::int64_t day = cxkit::ns_per_day;
const double nan = std::numeric_limits<double>::quiet_NaN();

struct Ev {
    std::string customer;
    std::int64_t time;
    std::string channel, kind;  // "" missing
    double nps, csat, ces, fcr, rt, sentiment, value;
};

// Events over about eight months: customers that come and go, sparse measures, some labels missing.
std::vector<Ev> make_events(std::size_t n, std::uint32_t seed) {
    std::mt19937_64 rng(seed);
    std::uniform_int_distribution<int> cust(0, 149), ch(0, 3), kind(0, 5), d10(0, 10), d5(1, 5), d7(1, 7), coin(0, 3);
    std::uniform_int_distribution<std::int64_t> when(0, 240 * day);
    std::lognormal_distribution<double> rt(4.0, 1.0);
    std::uniform_real_distribution<double> unit(-1.0, 1.0), money(5.0, 200.0);
    const char* channels[] = {"web", "phone", "store", ""};
    std::vector<Ev> out;
    for (std::size_t i = 0; i < n; ++i) {
        Ev e;
        e.customer = "c" + std::to_string(cust(rng));
        e.time = timestamp(2024, 1, 1) + when(rng);
        e.channel = channels[ch(rng)];
        const int k = kind(rng);
        e.kind = k == 0 ? "complaint" : k == 1 ? "purchase" : "";
        e.nps = coin(rng) == 0 ? d10(rng) : nan;
        e.csat = coin(rng) == 0 ? d5(rng) : nan;
        e.ces = coin(rng) == 0 ? d7(rng) : nan;
        e.fcr = coin(rng) == 0 ? coin(rng) % 2 : nan;
        e.rt = coin(rng) == 0 ? rt(rng) : nan;
        e.sentiment = coin(rng) == 0 ? unit(rng) : nan;
        e.value = k == 1 ? money(rng) : nan;
        out.push_back(e);
    }
    return out;
}

LiveEvent live(const Ev& e) {
    LiveEvent l(e.customer, e.time);
    if (!e.channel.empty()) l.set("channel", e.channel);
    if (!e.kind.empty()) l.set("kind", e.kind);
    l.set("nps", e.nps).set("csat", e.csat).set("ces", e.ces).set("fcr", e.fcr).set("response_time", e.rt);
    l.set("sentiment", e.sentiment).set("value", e.value);
    return l;
}

ScorecardState batch(const std::vector<Ev>& evs, std::vector<std::string> by, Period period) {
    cxkit::core::EventLogBuilder b(cxkit::metrics::measure_rule);
    for (auto& e : evs) {
        b.event(e.customer, e.time);
        if (!e.channel.empty()) b.set("channel", e.channel);
        if (!e.kind.empty()) b.set("kind", e.kind);
        b.set("nps", e.nps).set("csat", e.csat).set("ces", e.ces).set("fcr", e.fcr).set("response_time", e.rt);
        b.set("sentiment", e.sentiment).set("value", e.value);
    }
    const auto log = std::move(b).build();
    ScorecardOptions o;
    o.by = std::move(by);
    o.period = period;
    return cxkit::metrics::fill_scorecard(log, o);
}

LiveScorecardOptions options(std::vector<std::string> by, Period period, std::int64_t lateness = day) {
    LiveScorecardOptions o;
    o.by = std::move(by);
    o.period = period;
    o.lateness = lateness;
    return o;
}

LiveScorecard append_all(const std::vector<Ev>& evs, const LiveScorecardOptions& o) {
    LiveScorecard card(o);
    for (auto& e : evs) card.append(live(e));
    return card;
}

// Arrival order: each event arrives up to `delay` after its time (so it is at most `delay` late).
std::vector<Ev> arriving_late(std::vector<Ev> evs, std::int64_t delay, std::uint32_t seed) {
    std::mt19937_64 rng(seed);
    std::uniform_int_distribution<std::int64_t> d(0, delay);
    std::vector<std::pair<std::int64_t, Ev>> arrive;
    for (auto& e : evs) arrive.emplace_back(e.time + d(rng), e);
    std::stable_sort(arrive.begin(), arrive.end(), [](auto& a, auto& b) { return a.first < b.first; });
    evs.clear();
    for (auto& [_, e] : arrive) evs.push_back(e);
    return evs;
}

std::vector<Ev> by_time(std::vector<Ev> evs) {
    std::stable_sort(evs.begin(), evs.end(), [](auto& a, auto& b) { return a.time < b.time; });
    return evs;
}

}  // namespace

TEST_CASE("live scorecard: appending one by one equals the batch fill on the same events") {
    const auto evs = by_time(make_events(3000, 1));
    SUBCASE("by channel and month") {
        const auto card = append_all(evs, options({"channel"}, Period::month));
        CHECK(card.state() == batch(evs, {"channel"}, Period::month));
        CHECK(card.events() == evs.size());
        CHECK(card.late_events() == 0);
        // The tables agree too (the same function over equal states; checked once end to end).
        const auto t = card.table(), u = cxkit::metrics::scorecard_table(batch(evs, {"channel"}, Period::month));
        REQUIRE(t.rows() == u.rows());
        for (std::size_t c = 0; c < t.columns.size(); ++c)
            for (std::size_t r = 0; r < t.rows(); ++r) {
                const double a = t.columns[c][r], b = u.columns[c][r];
                CHECK((a == doctest::Approx(b).epsilon(1e-12) || (std::isnan(a) && std::isnan(b))));
            }
    }
    SUBCASE("no periods: retention pooled over months") {
        CHECK(append_all(evs, options({}, Period::none)).state() == batch(evs, {}, Period::none));
        CHECK(append_all(evs, options({"channel", "kind"}, Period::none)).state() ==
              batch(evs, {"channel", "kind"}, Period::none));
    }
    SUBCASE("by week") {
        CHECK(append_all(evs, options({"kind"}, Period::week)).state() == batch(evs, {"kind"}, Period::week));
    }
}

TEST_CASE("live scorecard: out of order within the lateness is exact, and closed periods release their indexes") {
    const auto evs = make_events(3000, 2);
    const auto arriving = arriving_late(evs, 3 * day, 7);
    const auto card = append_all(arriving, options({"channel"}, Period::month, 3 * day));
    CHECK(card.late_events() == 0);
    CHECK(card.state() == batch(evs, {"channel"}, Period::month));
    // Only the open periods stay indexed: far fewer keys than a card that never closes anything.
    const auto never = append_all(arriving, options({"channel"}, Period::month, std::int64_t{1} << 62));
    CHECK(never.state() == card.state());
    MESSAGE("indexed keys: " << card.indexed_keys() << " with a 3-day lateness, " << never.indexed_keys()
                             << " with an unbounded one");
    CHECK(card.indexed_keys() * 3 < never.indexed_keys());
}

TEST_CASE("live scorecard: events later than the lateness are still counted exactly (the slow path)") {
    auto evs = make_events(2000, 3);
    std::mt19937_64 rng(11);
    std::shuffle(evs.begin(), evs.end(), rng);  // months late, in any order
    for (Period p : {Period::month, Period::none}) {
        const auto card = append_all(evs, options({"channel"}, p, 0));
        CHECK(card.late_events() > 0);
        CHECK(card.state() == batch(evs, {"channel"}, p));
    }
}

TEST_CASE("live scorecard: merge of two cards equals one card; from_state continues a batch state") {
    const auto evs = by_time(make_events(2500, 4));
    std::vector<Ev> a, b;
    std::mt19937_64 rng(5);
    for (auto& e : evs) (rng() % 2 ? a : b).push_back(e);
    const auto o = options({"channel"}, Period::month);
    auto left = append_all(a, o);
    const auto right = append_all(b, o);
    left += right;
    const auto whole = append_all(evs, o);
    CHECK(left.state() == whole.state());
    CHECK(left.events() == whole.events());
    CHECK(left.watermark() == whole.watermark());
    // After a merge the card keeps taking events.
    auto more = make_events(300, 6);
    for (auto& e : more) e.time += 240 * day;
    more = by_time(more);
    for (auto& e : more) left.append(live(e));
    auto all = evs;
    all.insert(all.end(), more.begin(), more.end());
    CHECK(left.state() == batch(all, {"channel"}, Period::month));
    // Merging with itself doubles the counts, as every state's += does.
    auto twice = right;
    twice += twice;
    CHECK(twice.events() == 2 * right.events());

    // Yesterday's batch state, then today's events one by one.
    auto cont = LiveScorecard::from_state(batch(evs, {"channel"}, Period::month), o, evs.back().time);
    for (auto& e : more) cont.append(live(e));
    CHECK(cont.state() == batch(all, {"channel"}, Period::month));

    CHECK_THROWS_AS(left += append_all(a, options({"kind"}, Period::month)), invalid_input);
    CHECK_THROWS_AS(left += append_all(a, options({"channel"}, Period::week)), invalid_input);
    CHECK_THROWS_AS(LiveScorecard::from_state(batch(evs, {"kind"}, Period::month), o, 0), invalid_input);
}

TEST_CASE("live scorecard: serialize round trip; hostile bytes are refused") {
    const auto evs = by_time(make_events(500, 8));
    const auto card = append_all(evs, options({"channel"}, Period::month));
    const auto bytes = card.serialize();
    const auto back = LiveScorecard::deserialize(bytes);
    CHECK(back == card);
    CHECK(back.state() == card.state());
    CHECK(back.serialize() == bytes);
    CHECK(LiveScorecard::deserialize(LiveScorecard().serialize()) == LiveScorecard());

    // The pieces of the format, rebuilt field by field (see LiveScorecard::serialize).
    auto make = [&](std::string kind, std::int64_t lateness, std::uint8_t flag, std::int64_t watermark,
                    std::uint64_t late, const std::string& state) {
        cxkit::ByteWriter w;
        w.header("LiveScorecard", 1);
        w.put_string(kind);
        w.put<std::int64_t>(lateness);
        w.put<std::uint8_t>(flag);
        w.put<std::int64_t>(watermark);
        w.put<std::uint64_t>(late);
        w.put_string(state);
        return std::move(w).bytes();
    };
    const std::string state = card.state().serialize();
    const std::int64_t w = *card.watermark();
    CHECK(LiveScorecard::deserialize(make("complaint", day, 1, w, 0, state)) == card);
    const std::vector<std::pair<const char*, std::string>> hostile = {
        {"negative_lateness", make("complaint", -1, 1, w, 0, state)},
        {"bad_flag", make("complaint", day, 2, w, 0, state)},
        {"no_watermark_with_events", make("complaint", day, 0, 0, 0, state)},
        {"watermark_without_flag", make("complaint", day, 0, 5, 0, LiveScorecard().state().serialize())},
        {"more_late_than_events", make("complaint", day, 1, w, evs.size() + 1, state)},
        {"cell_after_watermark", make("complaint", day, 1, timestamp(2024, 1, 2), 0, state)},
        {"kind_not_utf8", make("\xff\xfe", day, 1, w, 0, state)},
        {"state_truncated", make("complaint", day, 1, w, 0, state.substr(0, state.size() / 2))},
        {"truncated", bytes.substr(0, bytes.size() - 3)},
        {"trailing", bytes + "x"},
    };
    for (auto& [name, b] : hostile) {
        INFO(name);
        CHECK_THROWS_AS(LiveScorecard::deserialize(b), invalid_input);
    }
    // The same bytes are saved under tests/fuzz/corpus/LiveScorecard/ (the corpus replay runs them too): they
    // must still be refused.
    const std::filesystem::path dir = std::filesystem::path(CXKIT_FUZZ_CORPUS_DIR) / "LiveScorecard";
    std::size_t files = 0;
    if (std::filesystem::is_directory(dir))
        for (const auto& entry : std::filesystem::directory_iterator(dir)) {
            std::ifstream in(entry.path(), std::ios::binary);
            const std::string b((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
            INFO(entry.path().string());
            CHECK_THROWS_AS(LiveScorecard::deserialize(b), invalid_input);
            ++files;
        }
    CHECK(files >= hostile.size());
    if (const char* out = std::getenv("CXKIT_WRITE_LIVE_CORPUS")) {  // regenerates the corpus files
        std::filesystem::create_directories(out);
        for (auto& [name, b] : hostile) std::ofstream(std::filesystem::path(out) / name, std::ios::binary) << b;
    }
}

TEST_CASE("live scorecard: a refused event changes nothing, and errors name the column and the event") {
    LiveScorecard card(options({"channel"}, Period::month));
    card.append(LiveEvent("ana", timestamp(2024, 1, 5)).set("channel", "web").set("nps", 9));
    const auto before = card.serialize();
    auto refused = [&](LiveEvent e, const char* column) {
        try {
            card.append(e);
            FAIL("accepted");
        } catch (const invalid_input& err) {
            CHECK(std::string(err.what()).find(column) != std::string::npos);
            CHECK(std::string(err.what()).find("row 1") != std::string::npos);
        }
        CHECK(card.serialize() == before);
    };
    refused(LiveEvent("ben", timestamp(2024, 1, 6)).set("channel", "web").set("nps", 11), "nps");
    refused(LiveEvent("ben", timestamp(2024, 1, 6)).set("nps", 9.5), "nps");
    refused(LiveEvent("ben", timestamp(2024, 1, 6)).set("nps", true), "nps");
    refused(LiveEvent("ben", timestamp(2024, 1, 6)).set("csat", 0), "csat");
    refused(LiveEvent("ben", timestamp(2024, 1, 6)).set("response_time", -1.0), "response_time");
    refused(LiveEvent("ben", timestamp(2024, 1, 6)).set("value", std::numeric_limits<double>::infinity()), "value");
    refused(LiveEvent("ben", timestamp(2024, 1, 6)).set("NPS", 9), "NPS");  // not a measure the card reads
    refused(LiveEvent("ben", timestamp(2024, 1, 6)).set("nps", 9).set("nps", 8), "nps");
    refused(LiveEvent("ben", timestamp(2024, 1, 6)).set("channel", "\xc3"), "channel");
    refused(LiveEvent("ben", cxkit::missing_time), "time");
    card.append(LiveEvent("ben", timestamp(2024, 1, 6)).set("fcr", true));  // a flag may be a bool
    CHECK(card.events() == 2);
    CHECK_THROWS_AS(LiveScorecard(options({"channel", "channel"}, Period::none)), invalid_input);
    CHECK_THROWS_AS(LiveScorecard(options({""}, Period::none)), invalid_input);
    CHECK_THROWS_AS(LiveScorecard(options({}, Period::none, -1)), invalid_input);
}

TEST_CASE("live scorecard: customer keys are the log's (integer ids and FNV-1a of strings)") {
    const auto ids = cxkit::core::CustomerIds::strings({"ana", "", "żółw"});
    for (std::size_t i = 0; i < ids.size(); ++i) CHECK(cxkit::metrics::live_customer_key(ids.strs()[i]) == ids.key(i));
    const auto ints = cxkit::core::CustomerIds::integers({-3, 0, 1LL << 40});
    for (std::size_t i = 0; i < ints.size(); ++i) CHECK(cxkit::metrics::live_customer_key(ints.ints()[i]) == ints.key(i));
    CHECK(LiveEvent(42, 0).customer == 42);
}

TEST_CASE("live figures: rolling windows equal exact recounts") {
    auto evs = make_events(4000, 9);
    evs = arriving_late(by_time(evs), 2 * day, 3);
    LiveFiguresOptions o;
    o.rolling_answers = 500;
    o.window_buckets = 30;
    LiveFigures f(o);
    std::vector<double> answers, times;
    std::int64_t watermark = std::numeric_limits<std::int64_t>::min();
    std::vector<std::pair<std::int64_t, double>> timed;  // (time, answer) of every NPS answer that arrived in window
    std::size_t checks = 0;
    for (std::size_t i = 0; i < evs.size(); ++i) {
        const Ev& e = evs[i];
        f.append(live(e));
        watermark = std::max(watermark, e.time);
        const std::int64_t first = cxkit::floor_div(watermark, day) - 29;
        if (!std::isnan(e.nps)) {
            answers.push_back(e.nps);
            if (cxkit::floor_div(e.time, day) >= first) timed.emplace_back(e.time, e.nps);
        }
        if (!std::isnan(e.rt)) times.push_back(e.rt);
        if (i % 97 != 0 || answers.empty()) continue;
        // The last 500 answers, recounted.
        cxkit::metrics::NpsState last;
        for (std::size_t k = answers.size() > 500 ? answers.size() - 500 : 0; k < answers.size(); ++k) last.add(answers[k]);
        CHECK(f.rolling_nps() == last.value());  // exact: whole-number codes
        CHECK(f.rolling_nps_n() == last.n());
        // The last 30 days ending at the watermark's day, recounted from the answers that arrived in the window.
        cxkit::metrics::NpsState window;
        for (auto& [t, v] : timed)
            if (cxkit::floor_div(t, day) >= first) window.add(v);
        CHECK(f.window_nps() == window);
        CHECK(f.window_first_bucket() == first);
        if (!times.empty()) {
            double s = 0;
            const std::size_t from = times.size() > 500 ? times.size() - 500 : 0;
            for (std::size_t k = from; k < times.size(); ++k) s += times[k];
            CHECK(f.rolling_response_time() == doctest::Approx(s / static_cast<double>(times.size() - from)).epsilon(1e-12));
        }
        ++checks;
    }
    CHECK(checks > 30);
    CHECK(f.outside_window() == 0);  // two days late at most: never older than the 30-day window
    // An answer older than the window is left out (and counted).
    f.append(LiveEvent("x", watermark - 40 * day).set("nps", 0));
    CHECK(f.outside_window() == 1);
}

TEST_CASE("live figures: the P-square quantiles are estimates; their error against the exact quantile is bounded") {
    std::mt19937_64 rng(21);
    std::lognormal_distribution<double> rt(4.0, 1.0);  // skewed, like response times
    LiveFiguresOptions o;
    o.quantiles = {0.5, 0.9, 0.99};
    LiveFigures f(o);
    CHECK(std::isnan(f.response_time_quantile(0.5)));
    std::vector<double> values;
    for (int i = 0; i < 3; ++i) {  // the first values are answered exactly
        values.push_back(rt(rng));
        f.append(LiveEvent("c", i).set("response_time", values.back()));
        std::vector<double> copy = values;
        CHECK(f.response_time_quantile(0.5) == cxkit::metrics::quantile_linear(copy, 0.5));
    }
    for (int i = 3; i < 20000; ++i) {
        values.push_back(rt(rng));
        f.append(LiveEvent("c", i).set("response_time", values.back()));
    }
    cxkit::metrics::ResponseTimeState exact;
    for (double v : values) exact.add(v);
    for (auto [p, bound] : {std::pair{0.5, 0.02}, std::pair{0.9, 0.02}, std::pair{0.99, 0.05}}) {
        const double want = exact.quantile(p), got = f.response_time_quantile(p);
        const double err = std::abs(got - want) / want;
        MESSAGE("P-square p" << p << ": estimate " << got << ", exact " << want << ", relative error " << err);
        CHECK(err < bound);
        CHECK(err > 0);  // an estimate, not the exact value (the docstring says so)
    }
    CHECK_THROWS_AS((void)f.response_time_quantile(0.75), invalid_input);
    CHECK_THROWS_AS(LiveFigures(LiveFiguresOptions{0, cxkit::ns_per_day, 30, {0.5}}), invalid_input);
    CHECK_THROWS_AS(LiveFigures(LiveFiguresOptions{10, cxkit::ns_per_day, 30, {1.0}}), invalid_input);
}

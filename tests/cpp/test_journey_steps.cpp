// Journeys' times: time-decay credit, median times between steps and through a funnel, and selecting journeys
// (segment splits), all on a small log counted by hand.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "cxkit/core/event_log_builder.hpp"
#include "cxkit/journey/funnel.hpp"
#include "cxkit/journey/heuristic_attribution.hpp"
#include "cxkit/journey/paths.hpp"
#include "cxkit/journey/transition_times.hpp"

using namespace cxkit;
using namespace cxkit::journey;

namespace {

// u1: web@0 email@7 buy@14 (value 30); u2: web@0 web@2 email@3 (no buy); u3: web@10 email@11 buy@12 (value 6).
EventLog small_log() {
    EventLogBuilder b;
    b.event("u1", 0).set("channel", "web");
    b.event("u1", 7).set("channel", "email");
    b.event("u1", 14).set("kind", "purchase").set("value", 30.0);
    b.event("u2", 0).set("channel", "web");
    b.event("u2", 2).set("channel", "web");
    b.event("u2", 3).set("channel", "email");
    b.event("u3", 10).set("channel", "web");
    b.event("u3", 11).set("channel", "email");
    b.event("u3", 12).set("kind", "purchase").set("value", 6.0);
    return std::move(b).build();
}

}  // namespace

TEST_CASE("journeys keep their step and conversion times") {
    const EventLog log = small_log();
    const Paths p = Paths::from_log(log, "channel");
    REQUIRE(p.n_journeys() == 3);
    REQUIRE(p.size() == 2);  // web > email (u1, u3), web > web > email (u2)
    CHECK(p.journey_row[0] == p.journey_row[2]);
    CHECK(p.step_time[p.journey_offsets[1] + 1] == 2);
    CHECK(p.conversion_time[1] == Paths::no_time);
    CHECK(p.conversion_time[2] == 12);
    const Paths c = Paths::from_log(log, "channel", "purchase", true);
    CHECK(c.size() == 1);  // collapsing u2 gives web > email too
    CHECK(c.step_time[c.journey_offsets[1] + 1] == 3);  // web@0 (the run's first) then email@3
    const Paths c2 = p.collapsed();
    CHECK(c2.size() == 1);
    CHECK(c2.step_time == c.step_time);
    CHECK(c2.journey_row == c.journey_row);
}

TEST_CASE("time decay splits each conversion by 2^(-age / half-life)") {
    const Paths p = Paths::from_log(small_log(), "channel");
    // half-life 7: u1 web age 14 -> 1/4, email age 7 -> 1/2: shares 1/3, 2/3 (of 1 conversion and 30).
    // u3 web age 2 -> 2^(-2/7), email age 1 -> 2^(-1/7).
    const TimeDecayAttribution t = time_decay_attribution(p, 7.0);
    const double a = std::exp2(-2.0 / 7), b = std::exp2(-1.0 / 7);
    const std::size_t web = p.states[0] == "web" ? 0 : 1, email = 1 - web;
    CHECK(t.conversions[web] == doctest::Approx(1.0 / 3 + a / (a + b)));
    CHECK(t.conversions[email] == doctest::Approx(2.0 / 3 + b / (a + b)));
    CHECK(t.value[web] == doctest::Approx(10 + 6 * a / (a + b)));
    CHECK_THROWS_AS(time_decay_attribution(p, 0.0), invalid_input);
    CHECK_THROWS_AS(time_decay_attribution(Paths::from_strings({"a"}, {1}, {0}), 7.0), invalid_input);
}

TEST_CASE("median times between steps and through a funnel") {
    const Paths p = Paths::from_log(small_log(), "channel");
    const std::int32_t web = p.states[0] == "web" ? 0 : 1, email = 1 - web;
    const TransitionTimes tt = transition_times(p);
    auto median = [&](std::int32_t f, std::int32_t t) {
        for (std::size_t i = 0; i < tt.from.size(); ++i)
            if (tt.from[i] == f && tt.to[i] == t) return tt.median[i];
        return -1.0;
    };
    CHECK(median(web, email) == doctest::Approx(1.0));  // 7 (u1), 1 (u2), 1 (u3)
    CHECK(median(web, web) == doctest::Approx(2.0));    // u2
    CHECK(median(email, 2) == doctest::Approx(4.0));    // to (conversion): 7 (u1), 1 (u3), the mean of the middle two
    CHECK(median(email, web) == -1.0);                  // never seen

    const Funnel closed = funnel(p, {web, email}, true);
    CHECK(closed.customers == std::vector<double>{3, 3});
    CHECK(closed.median_time_to_next[0] == doctest::Approx(3.0));  // 7, 3 (u2 reaches web at 0), 1
    CHECK(std::isnan(closed.median_time_to_next[1]));
    const Funnel open = funnel(p, {email, web}, false);
    CHECK(open.customers == std::vector<double>{3, 0});  // web never follows email
    CHECK_THROWS_AS(funnel(p, {}, true), invalid_input);
    CHECK_THROWS_AS(funnel(p, {7}, true), invalid_input);
}

TEST_CASE("selecting journeys re-merges and re-counts the rows") {
    const Paths p = Paths::from_log(small_log(), "channel");
    const Paths s = p.select({1, 1, 0});
    REQUIRE(s.size() == 2);
    CHECK(s.n_journeys() == 2);
    CHECK(s.conversions[s.journey_row[0]] == 1);
    CHECK(s.value[s.journey_row[0]] == 30);
    CHECK(s.nulls[s.journey_row[1]] == 1);
    CHECK(s.to_string(s.journey_row[1]) == "web > web > email");
    CHECK(transition_times(s).from.size() == 3);  // web > email, web > web, email > (conversion)
    const Paths rows = Paths::from_strings({"a", "b > a"}, {1, 2}, {0, 1});
    const Paths r = rows.select({0, 1});
    REQUIRE(r.size() == 1);
    CHECK(r.to_string(0) == "b > a");
    CHECK_THROWS_AS(rows.select({1}), invalid_input);
}

TEST_CASE("times between steps are exact across the whole int64 range (issue 12: signed overflow)") {
    // One journey a > b > (conversion) with steps near both ends of int64: the signed differences would overflow.
    Paths p;
    p.states = {"a", "b"};
    p.add({0, 1}, 1, 0, 0);
    const std::int64_t t0 = std::numeric_limits<std::int64_t>::min() + 1, t1 = std::numeric_limits<std::int64_t>::max() - 1;
    p.journey_customer = {0};
    p.journey_row = {0};
    p.step_time = {t0, t1};
    p.journey_offsets = {0, 2};
    p.conversion_time = {std::numeric_limits<std::int64_t>::max()};
    p.journey_value = {0};
    const double span = static_cast<double>(std::numeric_limits<std::uint64_t>::max() - 2);
    const TransitionTimes t = transition_times(p);
    REQUIRE(t.median.size() == 2);
    CHECK(t.median[0] == doctest::Approx(span));  // a -> b
    CHECK(t.median[1] == 1.0);                    // b -> (conversion)
    const Funnel f = funnel(p, {0, 1});
    CHECK(f.median_time_to_next[0] == doctest::Approx(span));
    const TimeDecayAttribution d = time_decay_attribution(p, 1e18);
    CHECK(d.conversions[0] > 0);
    CHECK(d.conversions[0] + d.conversions[1] == doctest::Approx(1.0));
}

TEST_CASE("counts whose totals overflow a double are refused, not turned into inf credits") {
    const double big = 1e308;
    CHECK_THROWS_WITH_AS(Paths::from_strings({"a > b", "b"}, {big, big}, {0, 0}), doctest::Contains("add up"), invalid_input);
    CHECK_THROWS_WITH_AS(Paths::from_strings({"a", "b"}, {1, 1}, {0, 0}, {big, -big}), doctest::Contains("values add up"),
                         invalid_input);
    Paths p;  // built row by row: each row finite, the attribution refuses the total
    p.states = {"a", "b"};
    p.add({0}, big, 0);
    p.add({1}, big, 0);
    CHECK_THROWS_AS(heuristic_attribution(p), invalid_input);
}

TEST_CASE("paths from strings: names that share the parse cache's slot still get their own codes") {
    // "aXbcd" and "aYbcd" have the same length, first, middle and last bytes (one cache slot): a hit must compare
    // the whole name. Both halves of a large input (two threads) must agree too.
    std::vector<std::string> s;
    for (int i = 0; i < 250'000; ++i) s.push_back(i % 2 ? "aXbcd > aYbcd > aXbcd" : "aYbcd>aXbcd > q");
    const std::vector<double> conv(s.size(), 1.0), nul(s.size(), 0.0);
    const cxkit::journey::Paths p = cxkit::journey::Paths::from_strings(s, conv, nul);
    REQUIRE(p.states == std::vector<std::string>{"aYbcd", "aXbcd", "q"});
    for (std::size_t i : {std::size_t{0}, std::size_t{1}, s.size() - 2, s.size() - 1}) {
        CAPTURE(i);
        const std::vector<std::int32_t> got(p.begin(i), p.end(i));
        CHECK(got == (i % 2 ? std::vector<std::int32_t>{1, 0, 1} : std::vector<std::int32_t>{0, 1, 2}));
    }
}

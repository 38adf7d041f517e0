// Paths per session: a customer's events cut where the time to the next event exceeds the gap, each session a
// journey of its own (up to its first conversion), on a small log worked out by hand.
#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "cxkit/core/event_log_builder.hpp"
#include "cxkit/journey/paths.hpp"

using namespace cxkit;
using namespace cxkit::journey;

namespace {

// u1: web@0 email@5 web@15 buy@20 (40) social@25 | email@36 buy@40 (7) | search@100
// u2: web@0 survey@8 (no channel) web@16 | buy@50          (the survey bridges web -> web for a gap of 10)
// u3: social@0
EventLog sessions_log() {
    EventLogBuilder b;
    b.event("u1", 0).set("channel", "web");
    b.event("u1", 5).set("channel", "email");
    b.event("u1", 15).set("channel", "web");
    b.event("u1", 20).set("kind", "purchase").set("value", 40.0);
    b.event("u1", 25).set("channel", "social");
    b.event("u1", 36).set("channel", "email");
    b.event("u1", 40).set("kind", "purchase").set("value", 7.0);
    b.event("u1", 100).set("channel", "search");
    b.event("u2", 0).set("channel", "web");
    b.event("u2", 8).set("kind", "survey");
    b.event("u2", 16).set("channel", "web");
    b.event("u2", 50).set("kind", "purchase").set("value", 3.0);
    b.event("u3", 0).set("channel", "social");
    return std::move(b).build();
}

std::vector<std::string> rows(const Paths& p) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < p.size(); ++i) out.push_back(p.to_string(i));
    return out;
}

std::vector<std::int64_t> steps(const Paths& p, std::size_t j) {
    return {p.step_time.begin() + static_cast<std::ptrdiff_t>(p.journey_offsets[j]),
            p.step_time.begin() + static_cast<std::ptrdiff_t>(p.journey_offsets[j + 1])};
}

}  // namespace

TEST_CASE("a gap exactly equal to session_gap stays in the session") {
    const Paths p = Paths::from_log(sessions_log(), "channel", "purchase", false, 10);
    // u1: 15 - 5 = 10 is not more than 10, so web > email > web converts at 20; social@25 is after that conversion
    // in the same session (dropped); 36 - 25 = 11 cuts: email converts at 40; 100 - 40 cuts: search, null.
    // u2: 8 and 8 apart (the survey row counts), web > web, null; buy@50 is a session without a touch: no path.
    CHECK(rows(p) == std::vector<std::string>{"web > email > web", "email", "search", "web > web", "social"});
    CHECK(p.conversions == std::vector<double>{1, 1, 0, 0, 0});
    CHECK(p.nulls == std::vector<double>{0, 0, 1, 1, 1});
    CHECK(p.value == std::vector<double>{40, 7, 0, 0, 0});
    REQUIRE(p.n_journeys() == 5);
    CHECK(p.journey_customer == std::vector<std::int32_t>{0, 0, 0, 1, 2});
    CHECK(p.journey_row == std::vector<std::uint32_t>{0, 1, 2, 3, 4});
    CHECK(steps(p, 0) == std::vector<std::int64_t>{0, 5, 15});
    CHECK(steps(p, 1) == std::vector<std::int64_t>{36});
    CHECK(steps(p, 3) == std::vector<std::int64_t>{0, 16});
    CHECK(p.conversion_time == std::vector<std::int64_t>{20, 40, Paths::no_time, Paths::no_time, Paths::no_time});
    CHECK(p.journey_value == std::vector<double>{40, 7, 0, 0, 0});
}

TEST_CASE("a gap one below cuts there; no gap gives one journey per customer") {
    const Paths p = Paths::from_log(sessions_log(), "channel", "purchase", false, 9);
    // u1: web > email (null) | web, buys at 20 | email, buys at 40 | search; u2 unchanged (8 <= 9); u3 social.
    CHECK(rows(p) == std::vector<std::string>{"web > email", "web", "email", "search", "web > web", "social"});
    CHECK(p.conversions == std::vector<double>{0, 1, 1, 0, 0, 0});
    CHECK(p.value == std::vector<double>{0, 40, 7, 0, 0, 0});
    CHECK(p.journey_customer == std::vector<std::int32_t>{0, 0, 0, 0, 1, 2});
    CHECK(steps(p, 1) == std::vector<std::int64_t>{15});

    const Paths whole = Paths::from_log(sessions_log(), "channel");
    CHECK(rows(whole) == std::vector<std::string>{"web > email > web", "web > web", "social"});
    CHECK(whole.conversions == std::vector<double>{1, 1, 0});  // u2 buys at 50: per customer, that converts
    CHECK(whole.value == std::vector<double>{40, 3, 0});
    CHECK(whole.conversion_time == std::vector<std::int64_t>{20, 50, Paths::no_time});
    // a gap longer than any pause is the same as no gap
    const Paths wide = Paths::from_log(sessions_log(), "channel", "purchase", false, 1000);
    CHECK(rows(wide) == rows(whole));
    CHECK(wide.step_time == whole.step_time);
    CHECK(wide.journey_customer == whole.journey_customer);
}

TEST_CASE("sessions with collapsed repeats, a split by customer, and bad gaps") {
    const Paths c = Paths::from_log(sessions_log(), "channel", "purchase", true, 10);
    CHECK(rows(c) == std::vector<std::string>{"web > email > web", "email", "search", "web", "social"});
    CHECK(steps(c, 3) == std::vector<std::int64_t>{0});  // the run web@0 web@16 keeps its first time

    // select keeps every session of the chosen customer, each still a journey of its own
    const Paths p = Paths::from_log(sessions_log(), "channel", "purchase", false, 10);
    std::vector<char> keep(p.n_journeys());
    for (std::size_t j = 0; j < keep.size(); ++j) keep[j] = p.journey_customer[j] == 0;
    const Paths u1 = p.select(keep);
    CHECK(rows(u1) == std::vector<std::string>{"web > email > web", "email", "search"});
    CHECK(u1.total_conversions() == 2);
    CHECK(u1.total_value() == 47);

    CHECK_THROWS_WITH_AS(Paths::from_log(sessions_log(), "channel", "purchase", false, 0),
                         doctest::Contains("session_gap"), invalid_input);
    CHECK_THROWS_AS(Paths::from_log(sessions_log(), "channel", "purchase", false, -5), invalid_input);
}

TEST_CASE("session cuts are exact across the whole timestamp range") {
    // 9e18 - (-9e18) overflows int64; the cut must still see a pause longer than the gap.
    EventLogBuilder b;
    b.event("u", -9'000'000'000'000'000'000).set("channel", "web");
    b.event("u", 9'000'000'000'000'000'000).set("channel", "email");
    const EventLog log = std::move(b).build();
    CHECK(Paths::from_log(log, "channel", "purchase", false, 1'000'000'000'000'000'000).size() == 2);
    CHECK(Paths::from_log(log, "channel", "purchase", false, std::numeric_limits<std::int64_t>::max() - 1).size() == 2);
    CHECK(Paths::from_log(log, "channel").size() == 1);
}

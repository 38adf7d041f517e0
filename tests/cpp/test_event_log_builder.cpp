#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "cxkit/core/event_log_builder.hpp"
#include "cxkit/metrics/measure_rules.hpp"

using cxkit::EventLog;
using cxkit::EventLogBuilder;
using cxkit::invalid_input;
using cxkit::timestamp;

TEST_CASE("EventLogBuilder with string ids: encodes ids and categoricals, fills missing elsewhere") {
    EventLogBuilder b;
    b.event("carol", timestamp(2024, 3, 5)).set("channel", "web").set("nps", 9);
    b.event("alice", timestamp(2024, 3, 2)).set("csat", 4.0).set("kind", "complaint");
    b.event("carol", timestamp(2024, 3, 1)).set("channel", std::string_view("phone")).set("fcr", 0);
    b.event("alice", timestamp(2024, 3, 9)).set("channel", "web").set("value", 12.5).set_text("thanks");
    b.event("bob", timestamp(2024, 3, 3));
    CHECK(b.size() == 5);
    const EventLog log = std::move(b).build();

    REQUIRE(log.size() == 5);
    const auto& ids = log.customer_ids();
    REQUIRE(ids.is_string());
    CHECK(ids.strs() == std::vector<std::string>{"carol", "alice", "bob"});  // order of first appearance
    CHECK(log.n_customers() == 3);
    // sorted by (customer code, time): carol 03-01, carol 03-05, alice 03-02, alice 03-09, bob 03-03
    CHECK(std::vector<std::int32_t>(log.customer().begin(), log.customer().end()) == std::vector<std::int32_t>{0, 0, 1, 1, 2});
    CHECK(log.time()[0] == timestamp(2024, 3, 1));
    CHECK(log.time()[1] == timestamp(2024, 3, 5));
    CHECK(log.time()[2] == timestamp(2024, 3, 2));
    CHECK(log.time()[3] == timestamp(2024, 3, 9));
    CHECK(log.time()[4] == timestamp(2024, 3, 3));

    const auto* channel = log.categorical("channel");
    REQUIRE(channel != nullptr);
    CHECK(channel->categories == std::vector<std::string>{"web", "phone"});
    CHECK(std::vector<std::int32_t>(channel->codes.begin(), channel->codes.end()) ==
          std::vector<std::int32_t>{1, 0, -1, 0, -1});
    const auto* kind = log.categorical("kind");
    REQUIRE(kind != nullptr);
    CHECK(kind->categories == std::vector<std::string>{"complaint"});
    CHECK(std::vector<std::int32_t>(kind->codes.begin(), kind->codes.end()) == std::vector<std::int32_t>{-1, -1, 0, -1, -1});

    // measures set on one event are NaN on every other, including events added before the column existed
    const auto& nps = *log.measure("nps");
    CHECK(std::isnan(nps[0]));
    CHECK(nps[1] == 9);
    CHECK(std::isnan(nps[2]));
    CHECK(std::isnan(nps[3]));
    CHECK(std::isnan(nps[4]));
    const auto& csat = *log.measure("csat");
    CHECK(csat[2] == 4);
    CHECK(std::isnan(csat[0]));
    CHECK(std::isnan(csat[4]));
    const auto& fcr = *log.measure("fcr");
    CHECK(fcr[0] == 0);
    CHECK(std::isnan(fcr[1]));
    const auto& value = *log.measure("value");
    CHECK(value[3] == 12.5);
    CHECK(std::isnan(value[0]));
    REQUIRE(log.text() != nullptr);
    CHECK(*log.text() == std::vector<std::string>{"", "", "", "thanks", ""});
}

TEST_CASE("EventLogBuilder with integer ids: the id is the customer key") {
    EventLogBuilder b;
    b.event(42, timestamp(2024, 1, 2)).set("nps", 10);
    b.event(-3, timestamp(2024, 1, 1)).set("nps", 0);
    b.event(42, timestamp(2024, 1, 1)).set("channel", "store");
    b.event(7, timestamp(2024, 1, 3));
    const EventLog log = std::move(b).build();
    REQUIRE(log.size() == 4);
    CHECK_FALSE(log.customer_ids().is_string());
    CHECK(log.customer_ids().ints() == std::vector<std::int64_t>{42, -3, 7});
    CHECK(log.customer_keys() == std::vector<std::uint64_t>{42, static_cast<std::uint64_t>(std::int64_t{-3}), 7});
    CHECK(log.customer_offsets() == std::vector<std::int64_t>{0, 2, 3, 4});
    const auto& nps = *log.measure("nps");
    CHECK(std::isnan(nps[0]));  // 42 on 01-01 (the channel event)
    CHECK(nps[1] == 10);
    CHECK(nps[2] == 0);
    CHECK(std::isnan(nps[3]));
    CHECK(log.categorical("channel")->codes[0] == 0);
    CHECK(log.categorical("channel")->codes[1] == -1);
}

TEST_CASE("EventLogBuilder: integer and bool measures") {
    EventLogBuilder b;
    b.event("a", 1).set("fcr", 0).set("complaints", 0);
    b.event("a", 2).set("fcr", true).set("count", std::int64_t{3});
    const auto log = std::move(b).build();
    CHECK((*log.measure("fcr"))[0] == 0);
    CHECK((*log.measure("fcr"))[1] == 1);
    CHECK((*log.measure("count"))[1] == 3);
}

TEST_CASE("EventLogBuilder: errors") {
    SUBCASE("mixing string and integer ids") {
        EventLogBuilder b;
        b.event("alice", 1);
        try {
            b.event(5, 2);
            FAIL("no exception");
        } catch (const invalid_input& e) {
            CHECK(e.column() == "customer");
            CHECK(e.row() == 1);
            CHECK(std::string(e.what()).find("mixes string and integer ids") != std::string::npos);
        }
        EventLogBuilder c;
        c.event(5, 1).event(6, 2);
        CHECK_THROWS_AS(c.event("bob", 3), invalid_input);
    }
    SUBCASE("set before the first event") {
        EventLogBuilder b;
        try {
            b.set("nps", 9.0);
            FAIL("no exception");
        } catch (const invalid_input& e) {
            CHECK(e.column() == "nps");
            CHECK(std::string(e.what()).find("before the first event") != std::string::npos);
        }
        CHECK_THROWS_AS(b.set("channel", "web"), invalid_input);
        CHECK_THROWS_AS(b.set("fcr", 1), invalid_input);
        CHECK_THROWS_AS(b.set_text("hello"), invalid_input);
        CHECK(b.size() == 0);
    }
    SUBCASE("bad values are caught when the log is built") {
        EventLogBuilder b(cxkit::metrics::measure_rule);
        b.event("a", 1).set("nps", 9);
        b.event("a", 2).set("nps", 11);
        try {
            (void)std::move(b).build();
            FAIL("no exception");
        } catch (const invalid_input& e) {
            CHECK(e.column() == "nps");
            CHECK(e.row() == 1);
        }
    }
    SUBCASE("bad values dropped on request") {
        EventLogBuilder b(cxkit::metrics::measure_rule);
        b.event("a", 1).set("csat", 5);
        b.event("a", 2).set("csat", 6);
        const auto log = std::move(b).build(cxkit::OnError::drop);
        CHECK(log.size() == 1);
        REQUIRE(log.dropped().size() == 1);
        CHECK(log.dropped()[0].first_row == 1);
    }
    SUBCASE("one name as a categorical and as a measure") {
        EventLogBuilder b;
        b.event("a", 1).set("channel", "web");
        b.event("a", 2).set("channel", 3.0);
        CHECK_THROWS_WITH_AS((void)std::move(b).build(), "column 'channel': column given twice", invalid_input);
    }
}

TEST_CASE("EventLogBuilder: the rules come from the caller") {
    SUBCASE("default: any finite number") {
        EventLogBuilder b;
        b.event("a", 1).set("nps", 11);
        CHECK((*std::move(b).build().measure("nps"))[0] == 11);
    }
    SUBCASE("issue 12: a bool NPS is refused under the metrics rules, a bool FCR is kept") {
        EventLogBuilder b(cxkit::metrics::measure_rule);
        b.event("a", 1).set("nps", true).set("fcr", true);
        CHECK_THROWS_WITH_AS((void)std::move(b).build(),
                             "column 'nps': NPS must be a whole number from 0 to 10, got booleans (True/False)",
                             invalid_input);
        EventLogBuilder c(cxkit::metrics::measure_rule);
        c.event("a", 1).set("nps", 9).set("fcr", true);
        CHECK((*std::move(c).build().measure("fcr"))[0] == 1);
    }
}

TEST_CASE("EventLogBuilder: an empty builder gives an empty log") {
    EventLogBuilder b;
    const auto log = std::move(b).build();
    CHECK(log.empty());
    CHECK(log.n_customers() == 0);
}

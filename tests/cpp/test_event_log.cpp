#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "cxkit/core/event_log.hpp"
#include "cxkit/metrics/measure_rules.hpp"

using cxkit::Categorical;
using cxkit::Column;
using cxkit::CustomerIds;
using cxkit::EventLog;
using cxkit::EventTable;
using cxkit::invalid_input;
using cxkit::OnError;

namespace {

constexpr double NaN = std::numeric_limits<double>::quiet_NaN();
constexpr double Inf = std::numeric_limits<double>::infinity();

EventTable table(std::vector<std::int32_t> customer, std::vector<std::int64_t> time, CustomerIds ids) {
    EventTable t;
    t.customer = Column<std::int32_t>::owned(std::move(customer));
    t.time = Column<std::int64_t>::owned(std::move(time));
    t.customer_ids = std::move(ids);
    return t;
}

void add_measure(EventTable& t, std::string name, std::vector<double> v) {
    t.measures.emplace_back(std::move(name), Column<double>::owned(std::move(v)));
}

void add_categorical(EventTable& t, std::string name, std::vector<std::int32_t> codes,
                     std::vector<std::string> categories) {
    t.categoricals.emplace_back(std::move(name),
                                Categorical{Column<std::int32_t>::owned(std::move(codes)), std::move(categories)});
}

// Three customers (ids 10, 20, 30), five rows, every row valid.
EventTable valid_table() {
    auto t = table({0, 1, 2, 0, 1}, {5, 4, 3, 2, 1}, CustomerIds::integers({10, 20, 30}));
    add_measure(t, "nps", {9, 7, 10, 0, NaN});
    add_measure(t, "csat", {5, 4, NaN, 1, 3});
    add_measure(t, "ces", {7, 1, 4, NaN, 5});
    add_measure(t, "response_time", {0, 12.5, NaN, 3600, 1e6});
    add_measure(t, "fcr", {1, 0, NaN, 1, 0});
    add_measure(t, "sentiment", {-1, 1, 0, 0.5, NaN});
    add_measure(t, "value", {1.5, -2, 0, NaN, 100});
    add_categorical(t, "channel", {0, 1, -1, 2, 0}, {"web", "phone", "store"});
    return t;
}

// The invalid_input thrown by building `t`, checked to name column, row and rule.
void expect_error(EventTable t, const std::string& column, std::int64_t row, const std::string& rule_part,
                  const std::string& got_part = "") {
    try {
        (void)EventLog::build(std::move(t), OnError::raise, cxkit::metrics::measure_rule);
        FAIL("no exception for column " << column);
    } catch (const invalid_input& e) {
        const std::string what = e.what();
        CAPTURE(what);
        CHECK(e.column() == column);
        CHECK(e.row() == row);
        CHECK(what.find("column '" + column + "'") != std::string::npos);
        if (row != invalid_input::no_row) CHECK(what.find("row " + std::to_string(row)) != std::string::npos);
        CHECK(what.find(rule_part) != std::string::npos);
        if (!got_part.empty()) CHECK(what.find("got " + got_part) != std::string::npos);
    }
}

// Replaces the values of a measure of valid_table() and expects the error at `row`.
void expect_measure_error(const std::string& name, std::size_t row, double bad, const std::string& rule_part,
                          const std::string& got_part) {
    auto t = valid_table();
    for (auto& [n, col] : t.measures)
        if (n == name) {
            std::vector<double> v(col.begin(), col.end());
            v[row] = bad;
            col = Column<double>::owned(std::move(v));
        }
    expect_error(std::move(t), name, static_cast<std::int64_t>(row), rule_part, got_part);
}

}  // namespace

TEST_CASE("EventLog::build sorts by (customer, time) and moves every column along") {
    const auto log = EventLog::build(valid_table());
    REQUIRE(log.size() == 5);
    // input rows: 0:(c0,t5) 1:(c1,t4) 2:(c2,t3) 3:(c0,t2) 4:(c1,t1) -> order 3, 0, 4, 1, 2
    CHECK(std::vector<std::int32_t>(log.customer().begin(), log.customer().end()) == std::vector<std::int32_t>{0, 0, 1, 1, 2});
    CHECK(std::vector<std::int64_t>(log.time().begin(), log.time().end()) == std::vector<std::int64_t>{2, 5, 1, 4, 3});
    const auto& nps = *log.measure("nps");
    CHECK(nps[0] == 0);
    CHECK(nps[1] == 9);
    CHECK(std::isnan(nps[2]));
    CHECK(nps[3] == 7);
    CHECK(nps[4] == 10);
    const auto& value = *log.measure("value");
    CHECK(std::isnan(value[0]));
    CHECK(value[1] == 1.5);
    CHECK(value[2] == 100);
    CHECK(value[3] == -2);
    CHECK(value[4] == 0);
    const auto* channel = log.categorical("channel");
    REQUIRE(channel != nullptr);
    CHECK(std::vector<std::int32_t>(channel->codes.begin(), channel->codes.end()) == std::vector<std::int32_t>{2, 0, 0, 1, -1});
    CHECK(channel->categories == std::vector<std::string>{"web", "phone", "store"});
    CHECK(log.categorical("stage") == nullptr);
    CHECK(log.measure("ltv") == nullptr);
    CHECK(log.dropped().empty());
    CHECK(log.n_dropped_rows(5) == 0);
    CHECK(log.measures().size() == 7);
    CHECK(log.categoricals().size() == 1);
}

TEST_CASE("EventLog::build: equal timestamps keep their input order (stable)") {
    // customer 1 comes first in the input so a sort is needed; within customer 0, rows 1, 2, 4 share t = 7
    auto t = table({1, 0, 0, 1, 0, 0}, {3, 7, 7, 1, 7, 2}, CustomerIds::strings({"a", "b"}));
    add_measure(t, "value", {0, 1, 2, 3, 4, 5});
    t.text = std::vector<std::string>{"r0", "r1", "r2", "r3", "r4", "r5"};
    const auto log = EventLog::build(std::move(t));
    const auto& v = *log.measure("value");
    CHECK(std::vector<double>(v.begin(), v.end()) == std::vector<double>{5, 1, 2, 4, 3, 0});
    REQUIRE(log.text() != nullptr);
    CHECK(*log.text() == std::vector<std::string>{"r5", "r1", "r2", "r4", "r3", "r0"});
    CHECK(std::vector<std::int64_t>(log.time().begin(), log.time().end()) == std::vector<std::int64_t>{2, 7, 7, 7, 1, 3});
}

TEST_CASE("EventLog::build: mutable input is always copied, an immutable sorted buffer is kept") {
    std::vector<std::int32_t> customer{0, 0, 1, 2, 2};
    std::vector<std::int64_t> time{1, 1, 5, 2, 9};  // ties allowed within a customer
    std::vector<double> nps{10, 3, NaN, 8, 9};
    std::vector<std::int32_t> channel{0, 1, -1, 1, 0};
    auto view_table = [&](bool immutable) {
        auto view = [immutable](const auto& v) {
            using T = typename std::decay_t<decltype(v)>::value_type;
            return immutable ? Column<T>::immutable_view(v.data(), v.size(), nullptr)
                             : Column<T>::view(v.data(), v.size(), nullptr);
        };
        EventTable t;
        t.customer = view(customer);
        t.time = view(time);
        t.customer_ids = CustomerIds::integers({7, 8, 9});
        t.measures.emplace_back("nps", view(nps));
        t.categoricals.emplace_back("channel", Categorical{view(channel), {"web", "phone"}});
        return t;
    };

    SUBCASE("issue 12: sorted mutable input is copied once, so later edits do not reach the log") {
        const auto log = EventLog::build(view_table(false), OnError::raise, cxkit::metrics::measure_rule);
        CHECK(log.customer().data() != customer.data());
        CHECK(log.time().data() != time.data());
        CHECK(log.measure("nps")->data() != nps.data());
        CHECK(log.categorical("channel")->codes.data() != channel.data());
        CHECK_FALSE(log.shares_input_memory("nps"));
        nps[0] = 1e15;
        time[0] = cxkit::missing_time;
        channel[0] = 99;
        CHECK((*log.measure("nps"))[0] == 10);
        CHECK(log.time()[0] == 1);
        CHECK(log.categorical("channel")->codes[0] == 0);
    }
    SUBCASE("already sorted immutable buffers: the log keeps them") {
        const auto log = EventLog::build(view_table(true));
        CHECK(log.customer().data() == customer.data());
        CHECK(log.time().data() == time.data());
        CHECK(log.measure("nps")->data() == nps.data());
        CHECK(log.categorical("channel")->codes.data() == channel.data());
        CHECK(log.shares_input_memory("nps"));
        CHECK_FALSE(log.shares_input_memory("csat"));  // no such column
    }
    SUBCASE("an immutable buffer's owner is kept alive by the log") {
        auto owner = std::make_shared<std::vector<double>>(nps);
        auto t = view_table(true);
        t.measures[0].second = Column<double>::immutable_view(owner->data(), owner->size(), owner);
        const double* p = owner->data();
        std::weak_ptr<std::vector<double>> weak = owner;
        owner.reset();
        const auto log = EventLog::build(std::move(t));
        CHECK_FALSE(weak.expired());
        CHECK(log.measure("nps")->data() == p);
        CHECK((*log.measure("nps"))[0] == 10);
    }
    SUBCASE("a mutable view's owner is released once the log is built") {
        auto owner = std::make_shared<std::vector<double>>(nps);
        auto t = view_table(false);
        t.measures[0].second = Column<double>::view(owner->data(), owner->size(), owner);
        std::weak_ptr<std::vector<double>> weak = owner;
        owner.reset();
        const auto log = EventLog::build(std::move(t));
        CHECK(weak.expired());
        CHECK((*log.measure("nps"))[0] == 10);
    }
    auto out_of_order = [&](bool immutable) {
        std::swap(time[3], time[4]);  // customer 2: 9 then 2
        const auto log = EventLog::build(view_table(immutable));
        CHECK(log.measure("nps")->owns_memory());
        CHECK_FALSE(log.shares_input_memory("nps"));
        CHECK((*log.measure("nps"))[3] == 9);
        CHECK((*log.measure("nps"))[4] == 8);
        CHECK(log.time()[3] == 2);
        CHECK(nps[3] == 8);  // the caller's arrays are untouched
        CHECK(time[3] == 9);
    };
    SUBCASE("out of order, mutable: every column is gathered into memory the log owns") { out_of_order(false); }
    SUBCASE("out of order, immutable: gathered too") { out_of_order(true); }
    auto one_dropped = [&](bool immutable) {
        nps[1] = 11;
        const auto log = EventLog::build(view_table(immutable), OnError::drop, cxkit::metrics::measure_rule);
        CHECK(log.size() == 4);
        CHECK(log.n_dropped() == 1);
        CHECK(log.measure("nps")->owns_memory());
        CHECK(std::isnan((*log.measure("nps"))[1]));
    };
    SUBCASE("sorted mutable but a row dropped: copied") { one_dropped(false); }
    SUBCASE("sorted immutable but a row dropped: copied") { one_dropped(true); }
}

TEST_CASE("EventLog::build: the core knows no measure by name; the caller's rules decide") {
    auto t = table({0, 1}, {1, 2}, CustomerIds::integers({1, 2}));
    add_measure(t, "nps", {11, 3});
    SUBCASE("default: finite or missing, so NPS 11 is just a number") {
        const auto log = EventLog::build(std::move(t));
        CHECK((*log.measure("nps"))[0] == 11);
    }
    SUBCASE("the metrics rules refuse it") {
        expect_error(std::move(t), "nps", 0, "NPS must be a whole number from 0 to 10", "11");
    }
    SUBCASE("a caller's own lookup") {
        cxkit::core::MeasureRules odd = [](std::string_view name) -> cxkit::core::MeasureRule {
            if (name == "nps") return {[](double v) noexcept { return v != v || static_cast<long>(v) % 2 == 0; }, "must be even", false};
            return cxkit::core::finite_rule();
        };
        try {
            (void)EventLog::build(std::move(t), OnError::raise, odd);
            FAIL("expected an error");
        } catch (const invalid_input& e) {
            CHECK(std::string(e.what()) == "column 'nps', row 0: must be even, got 11");
        }
    }
    SUBCASE("infinity breaks the default rule") {
        auto u = table({0}, {1}, CustomerIds::integers({1}));
        add_measure(u, "score", {Inf});
        expect_error(std::move(u), "score", 0, "must be a finite number", "inf");
    }
}

TEST_CASE("EventLog::build: booleans, duplicate labels and display names") {
    SUBCASE("issue 12: a boolean NPS is refused, a boolean flag is kept") {
        auto t = table({0, 1}, {1, 2}, CustomerIds::integers({1, 2}));
        add_measure(t, "nps", {1, 0});
        add_measure(t, "fcr", {1, 0});
        t.boolean_measures = {"fcr"};
        CHECK(EventLog::build(t, OnError::raise, cxkit::metrics::measure_rule).size() == 2);
        t.boolean_measures = {"nps"};
        expect_error(std::move(t), "nps", invalid_input::no_row, "got booleans");
    }
    SUBCASE("issue 12: two categories with one label are refused (a missing value would print as one)") {
        auto t = table({0, 1, 0}, {1, 2, 3}, CustomerIds::integers({1, 2}));
        add_categorical(t, "channel", {0, 1, -1}, {"1", "1"});
        expect_error(std::move(t), "channel", invalid_input::no_row, "category '1' appears twice");
    }
    SUBCASE("duplicate customer ids are refused") {
        expect_error(table({0, 1}, {1, 2}, CustomerIds::strings({"a", "a"})), "customer", invalid_input::no_row,
                     "customer id 'a' appears twice");
        expect_error(table({0, 1}, {1, 2}, CustomerIds::integers({5, 5})), "customer", invalid_input::no_row,
                     "customer id 5 appears twice");
    }
    SUBCASE("errors name the caller's column") {
        auto t = table({0, 1}, {1, 2}, CustomerIds::integers({1, 2}));
        add_measure(t, "nps", {3, 12});
        t.display_names["nps"] = "score";
        expect_error(std::move(t), "score", 1, "NPS must be", "12");
    }
    SUBCASE("rows the caller flagged are dropped and counted once with the others") {
        auto t = table({0, 1, 0}, {1, 2, 3}, CustomerIds::integers({1, 2}));
        add_measure(t, "nps", {3, 4, 12});
        t.time = Column<std::int64_t>::owned({1, cxkit::missing_time, 3});
        t.flagged.push_back({"time", "unparseable timestamp", {1}});
        const auto log = EventLog::build(std::move(t), OnError::drop, cxkit::metrics::measure_rule);
        CHECK(log.size() == 1);
        CHECK(log.n_dropped() == 2);
        REQUIRE(log.dropped().size() == 2);
        CHECK(log.dropped()[0].rule == "unparseable timestamp");
        CHECK(log.dropped()[1].column == "nps");
    }
}

TEST_CASE("EventLog::build: raise names the smallest bad input row, whatever the sort order") {
    auto t = table({1, 0, 1, 0}, {4, 3, 2, 1}, CustomerIds::integers({1, 2}));
    add_measure(t, "csat", {5, 9, 0, 3});  // rows 1 and 2 are bad; sorted, row 2 comes first
    expect_error(std::move(t), "csat", 1, "CSAT must be", "9");
}

TEST_CASE("EventLog::build: mismatched column lengths name the column") {
    SUBCASE("time") {
        auto t = table({0, 0, 0}, {1, 2}, CustomerIds::integers({1}));
        expect_error(std::move(t), "time", invalid_input::no_row, "has 2 rows but customer has 3");
    }
    SUBCASE("a measure") {
        auto t = table({0, 0, 0}, {1, 2, 3}, CustomerIds::integers({1}));
        add_measure(t, "nps", {1, 2, 3, 4});
        expect_error(std::move(t), "nps", invalid_input::no_row, "has 4 rows but customer has 3");
    }
    SUBCASE("a categorical") {
        auto t = table({0, 0, 0}, {1, 2, 3}, CustomerIds::integers({1}));
        add_categorical(t, "channel", {0}, {"web"});
        expect_error(std::move(t), "channel", invalid_input::no_row, "has 1 rows but customer has 3");
    }
    SUBCASE("text") {
        auto t = table({0, 0, 0}, {1, 2, 3}, CustomerIds::integers({1}));
        t.text = std::vector<std::string>{"a", "b"};
        expect_error(std::move(t), "text", invalid_input::no_row, "has 2 rows but customer has 3");
    }
}

TEST_CASE("EventLog::build: every bad value names the column, the row and the rule") {
    SUBCASE("missing customer code") {
        auto t = valid_table();
        t.customer = Column<std::int32_t>::owned({0, 1, -1, 0, 1});
        expect_error(std::move(t), "customer", 2, "customer id is missing or unknown");
    }
    SUBCASE("customer code past the ids") {
        auto t = valid_table();
        t.customer = Column<std::int32_t>::owned({0, 1, 2, 3, 1});
        expect_error(std::move(t), "customer", 3, "customer id is missing or unknown");
    }
    SUBCASE("missing time") {
        auto t = valid_table();
        t.time = Column<std::int64_t>::owned({5, 4, 3, 2, cxkit::missing_time});
        expect_error(std::move(t), "time", 4, "timestamp is missing");
    }
    SUBCASE("NPS 11") { expect_measure_error("nps", 1, 11, "NPS must be a whole number from 0 to 10", "11"); }
    SUBCASE("NPS 7.5") { expect_measure_error("nps", 3, 7.5, "NPS must be a whole number from 0 to 10", "7.5"); }
    SUBCASE("NPS -1") { expect_measure_error("nps", 0, -1, "NPS must be a whole number from 0 to 10", "-1"); }
    SUBCASE("CSAT 0") { expect_measure_error("csat", 2, 0, "CSAT must be a whole number from 1 to 5", "0"); }
    SUBCASE("CSAT 6") { expect_measure_error("csat", 4, 6, "CSAT must be a whole number from 1 to 5", "6"); }
    SUBCASE("CES 8") { expect_measure_error("ces", 1, 8, "CES must be a whole number from 1 to 7", "8"); }
    SUBCASE("negative response time") {
        expect_measure_error("response_time", 2, -0.5, "response time must be a finite duration >= 0", "-0.5");
    }
    SUBCASE("infinite response time") {
        expect_measure_error("response_time", 4, Inf, "response time must be a finite duration >= 0", "inf");
    }
    SUBCASE("fcr 2") { expect_measure_error("fcr", 0, 2, "first-contact resolution must be 0 or 1", "2"); }
    SUBCASE("sentiment 1.5") { expect_measure_error("sentiment", 3, 1.5, "sentiment must be in [-1, 1]", "1.5"); }
    SUBCASE("an infinite value in any other measure") {
        expect_measure_error("value", 1, -Inf, "must be a finite number", "-inf");
    }
    SUBCASE("categorical code out of range") {
        auto t = valid_table();
        t.categoricals[0].second.codes = Column<std::int32_t>::owned({0, 1, 3, 2, 0});  // 3 categories
        expect_error(std::move(t), "channel", 2, "category code out of range", "3");
    }
    SUBCASE("categorical code below -1") {
        auto t = valid_table();
        t.categoricals[0].second.codes = Column<std::int32_t>::owned({0, -2, 0, 2, 0});
        expect_error(std::move(t), "channel", 1, "category code out of range", "-2");
    }
    SUBCASE("a measure given twice") {
        auto t = valid_table();
        add_measure(t, "nps", {1, 2, 3, 4, 5});
        expect_error(std::move(t), "nps", invalid_input::no_row, "column given twice");
    }
    SUBCASE("the same name as a categorical and a measure") {
        auto t = valid_table();
        add_measure(t, "channel", {1, 2, 3, 4, 5});
        expect_error(std::move(t), "channel", invalid_input::no_row, "column given twice");
    }
    SUBCASE("a column named like a required one") {
        auto t = valid_table();
        add_measure(t, "time", {1, 2, 3, 4, 5});
        expect_error(std::move(t), "time", invalid_input::no_row, "column given twice");
    }
}

TEST_CASE("EventLog::build with OnError::drop skips and counts bad rows per rule") {
    // 8 rows; bad: row 1 (nps 11), row 2 (customer -1), row 4 (nps 7.5), row 5 (csat 0 and nps -1), row 7 (time)
    auto t = table({1, 0, -1, 1, 0, 0, 1, 0}, {8, 7, 6, 5, 4, 3, 2, cxkit::missing_time},
                   CustomerIds::strings({"ann", "bob"}));
    add_measure(t, "nps", {10, 11, 5, 9, 7.5, -1, 0, 3});
    add_measure(t, "csat", {5, 4, 3, 2, 1, 0, NaN, 5});
    add_categorical(t, "channel", {0, 0, 1, 1, 0, 1, 0, 1}, {"web", "phone"});
    const auto log = EventLog::build(std::move(t), OnError::drop, cxkit::metrics::measure_rule);

    // kept rows: 0 (bob, t8), 3 (bob, t5), 6 (bob, t2) -> sorted: 6, 3, 0
    REQUIRE(log.size() == 3);
    CHECK(log.n_dropped_rows(8) == 5);
    CHECK(log.n_dropped() == 5);  // rows, not broken rules: row 5 broke two
    CHECK(std::vector<std::int32_t>(log.customer().begin(), log.customer().end()) == std::vector<std::int32_t>{1, 1, 1});
    CHECK(std::vector<std::int64_t>(log.time().begin(), log.time().end()) == std::vector<std::int64_t>{2, 5, 8});
    const auto& nps = *log.measure("nps");
    CHECK(std::vector<double>(nps.begin(), nps.end()) == std::vector<double>{0, 9, 10});
    const auto& csat = *log.measure("csat");
    CHECK(std::isnan(csat[0]));
    CHECK(csat[1] == 2);
    CHECK(csat[2] == 5);
    const auto& ch = log.categorical("channel")->codes;
    CHECK(std::vector<std::int32_t>(ch.begin(), ch.end()) == std::vector<std::int32_t>{0, 1, 0});
    CHECK(log.n_customers() == 1);
    CHECK(log.customer_offsets() == std::vector<std::int64_t>{0, 0, 3});

    // one report per (column, rule), in the order the checks ran: customer, time, then each measure
    const auto& d = log.dropped();
    REQUIRE(d.size() == 4);
    CHECK(d[0].column == "customer");
    CHECK(d[0].rows == 1);
    CHECK(d[0].first_row == 2);
    CHECK(d[1].column == "time");
    CHECK(d[1].rows == 1);
    CHECK(d[1].first_row == 7);
    CHECK(d[2].column == "nps");
    CHECK(d[2].rule == "NPS must be a whole number from 0 to 10");
    CHECK(d[2].rows == 3);  // rows 1, 4, 5
    CHECK(d[2].first_row == 1);
    CHECK(d[3].column == "csat");
    CHECK(d[3].rule == "CSAT must be a whole number from 1 to 5");
    CHECK(d[3].rows == 1);
    CHECK(d[3].first_row == 5);
}

TEST_CASE("EventLog::build with OnError::drop and nothing bad equals a raise build") {
    const auto a = EventLog::build(valid_table(), OnError::drop);
    const auto b = EventLog::build(valid_table());
    CHECK(a.dropped().empty());
    CHECK(a.size() == b.size());
    CHECK(std::vector<std::int64_t>(a.time().begin(), a.time().end()) ==
          std::vector<std::int64_t>(b.time().begin(), b.time().end()));
}

TEST_CASE("EventLog::build of an empty input gives an empty log") {
    SUBCASE("no columns at all") {
        const auto log = EventLog::build(EventTable{});
        CHECK(log.empty());
        CHECK(log.size() == 0);
        CHECK(log.n_customers() == 0);
        CHECK(log.customer_offsets() == std::vector<std::int64_t>{0});
        CHECK(log.customer_keys().empty());
    }
    SUBCASE("zero rows, known customers and columns") {
        auto t = table({}, {}, CustomerIds::integers({1, 2}));
        add_measure(t, "nps", {});
        add_categorical(t, "channel", {}, {"web"});
        const auto log = EventLog::build(std::move(t), OnError::drop);
        CHECK(log.empty());
        CHECK(log.n_customers() == 0);
        CHECK(log.customer_offsets() == std::vector<std::int64_t>{0, 0, 0});
        CHECK(log.measure("nps") != nullptr);
        CHECK(log.measure("nps")->empty());
        CHECK(log.dropped().empty());
    }
    SUBCASE("every row dropped") {
        auto t = table({0, 0}, {1, 2}, CustomerIds::integers({1}));
        add_measure(t, "csat", {6, 0});
        const auto log = EventLog::build(std::move(t), OnError::drop, cxkit::metrics::measure_rule);
        CHECK(log.empty());
        CHECK(log.n_customers() == 0);
        REQUIRE(log.dropped().size() == 1);
        CHECK(log.dropped()[0].rows == 2);
        CHECK(log.dropped()[0].first_row == 0);
    }
}

TEST_CASE("EventLog: customer offsets, counts and keys") {
    // 4 customer ids, customer code 2 has no events
    auto t = table({3, 0, 1, 3, 3, 0}, {1, 2, 3, 4, 5, 6}, CustomerIds::integers({100, -7, 5, 0}));
    const auto log = EventLog::build(std::move(t));
    CHECK(log.n_customers() == 3);
    CHECK(log.customer_ids().size() == 4);
    CHECK(log.customer_offsets() == std::vector<std::int64_t>{0, 2, 3, 3, 6});
    // integer ids are their own keys
    CHECK(log.customer_keys() == std::vector<std::uint64_t>{100, static_cast<std::uint64_t>(std::int64_t{-7}), 5, 0});
    CHECK(log.customer_ids().label(1) == "-7");
    CHECK_FALSE(log.customer_ids().is_string());
}

TEST_CASE("EventLog: string ids are keyed by FNV-1a of their bytes, the same in every log") {
    // reference FNV-1a 64 values
    CHECK(CustomerIds::strings({""}).key(0) == 0xcbf29ce484222325ull);
    CHECK(CustomerIds::strings({"a"}).key(0) == 0xaf63dc4c8601ec8cull);
    CHECK(CustomerIds::strings({"foobar"}).key(0) == 0x85944171f73967e8ull);

    const auto a = EventLog::build(table({0, 1}, {1, 2}, CustomerIds::strings({"alice", "bob"})));
    const auto b = EventLog::build(table({0, 1, 2}, {1, 2, 3}, CustomerIds::strings({"carol", "bob", "alice"})));
    CHECK(a.customer_keys()[0] == b.customer_keys()[2]);  // alice
    CHECK(a.customer_keys()[1] == b.customer_keys()[1]);  // bob
    CHECK(a.customer_keys()[0] != a.customer_keys()[1]);
    CHECK(b.customer_ids().is_string());
    CHECK(b.customer_ids().label(0) == "carol");
}

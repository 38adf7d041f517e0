// Erasure: the log without a customer equals the log built without that customer's events (rows, ids, labels
// only they used, measures, text), and a scorecard filled from it equals a fresh fill.
#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "cxkit/core/event_log_builder.hpp"
#include "cxkit/metrics/scorecard.hpp"
#include "cxkit/privacy/erasure.hpp"

using cxkit::EventLog;
using cxkit::EventLogBuilder;
using cxkit::timestamp;

namespace {

struct Ev {
    const char* customer;
    int day;
    const char* channel;
    const char* email;
    double nps;
    const char* text;
};

const std::vector<Ev> events{
    {"ana", 1, "web", "ana@x.com", 9, "great"},   {"bob", 2, "phone", "bob@y.com", 3, "call me, bob"},
    {"ana", 5, "phone", "ana@x.com", 10, "ok"},  {"cy", 3, "web", "cy@z.com", 7, "fine"},
    {"bob", 40, "web", "bob@y.com", 2, "angry"}, {"cy", 45, "app", "cy@z.com", 8, "good"},
};

EventLog build(const std::vector<Ev>& evs, const char* without = nullptr) {
    EventLogBuilder b;
    for (const Ev& e : evs) {
        if (without && std::string(e.customer) == without) continue;
        b.event(e.customer, timestamp(2024, 1, 1) + std::int64_t{e.day} * 86'400'000'000'000)
            .set("channel", e.channel)
            .set("email", e.email)
            .set("nps", e.nps)
            .set_text(e.text);
    }
    return std::move(b).build();
}

std::vector<std::string> labels(const EventLog& log, const char* column) {
    const auto* c = log.categorical(column);
    std::vector<std::string> out;
    for (std::size_t j = 0; j < log.size(); ++j) out.push_back(c->categories[static_cast<std::size_t>(c->codes[j])]);
    return out;
}

}  // namespace

TEST_CASE("erasing a customer leaves the log a fresh build without them would be") {
    const EventLog full = build(events);
    const std::vector<std::string> ids{"bob", "nobody"};
    const auto keys = cxkit::privacy::customer_keys(ids);
    std::size_t erased = 0;
    const EventLog e = cxkit::privacy::erase_customers(full, keys, &erased);
    const EventLog fresh = build(events, "bob");
    CHECK(erased == 1);
    REQUIRE(e.size() == fresh.size());
    CHECK(e.customer_ids().strs() == std::vector<std::string>{"ana", "cy"});
    CHECK(e.customer_keys() == fresh.customer_keys());
    for (std::size_t j = 0; j < e.size(); ++j) {
        CHECK(e.time()[j] == fresh.time()[j]);
        CHECK((*e.measure("nps"))[j] == (*fresh.measure("nps"))[j]);
        CHECK((*e.text())[j] == (*fresh.text())[j]);
    }
    CHECK(labels(e, "email") == labels(fresh, "email"));
    for (const auto& s : e.categorical("email")->categories) CHECK(s.find("bob") == std::string::npos);
    for (const auto& s : *e.text()) CHECK(s.find("bob") == std::string::npos);

    cxkit::metrics::ScorecardOptions opt;
    opt.by = {"channel"};
    opt.period = cxkit::Period::month;
    const auto a = cxkit::metrics::fill_scorecard(e, opt), b = cxkit::metrics::fill_scorecard(fresh, opt);
    CHECK(a == b);
    CHECK(a.serialize() == b.serialize());
}

TEST_CASE("erasing everyone or no one") {
    const EventLog full = build(events);
    const std::vector<std::string> all{"ana", "bob", "cy"};
    CHECK(cxkit::privacy::erase_customers(full, cxkit::privacy::customer_keys(all)).size() == 0);
    const EventLog same = cxkit::privacy::erase_customers(full, {});
    CHECK(same.size() == full.size());
    CHECK(same.customer_keys() == full.customer_keys());
    const std::vector<std::int64_t> ints{7};
    CHECK(cxkit::privacy::customer_keys(ints) == std::vector<std::uint64_t>{7});
}

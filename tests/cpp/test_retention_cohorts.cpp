// Acquisition cohorts: counts by hand on a small log, the mergeable-state law on customer-disjoint logs with
// different distributions and serialization.
#include <doctest/doctest.h>

#include <cxkit/core/event_log.hpp>
#include <cxkit/retention/cohorts.hpp>
#include <cxkit/retention/kaplan_meier.hpp>

#include <cstdint>
#include <random>
#include <vector>

namespace {

using cxkit::Column;
using cxkit::CustomerIds;
using cxkit::EventLog;
using cxkit::EventTable;
using cxkit::Period;
using cxkit::timestamp;
using cxkit::retention::CohortState;

EventLog make_log(std::vector<std::int32_t> customer, std::vector<std::int64_t> time, std::vector<std::int64_t> ids) {
    EventTable t;
    t.customer = Column<std::int32_t>::owned(std::move(customer));
    t.time = Column<std::int64_t>::owned(std::move(time));
    t.customer_ids = CustomerIds::integers(std::move(ids));
    return EventLog::build(std::move(t));
}

EventLog random_log(std::uint32_t seed, std::int64_t first_id, int customers, double churn, int start_month) {
    std::mt19937_64 rng(seed);
    std::uniform_int_distribution<int> day(0, 27), first(0, 5);
    std::bernoulli_distribution stay(1 - churn);
    std::vector<std::int32_t> c;
    std::vector<std::int64_t> t, ids;
    for (int k = 0; k < customers; ++k) {
        ids.push_back(first_id + k);
        int m = start_month + first(rng);
        do {
            const int events = 1 + day(rng) % 3;
            for (int e = 0; e < events; ++e) {
                c.push_back(k);
                t.push_back(timestamp(2023 + m / 12, static_cast<unsigned>(m % 12 + 1), static_cast<unsigned>(1 + day(rng))));
            }
            m += 1 + (day(rng) % 4 == 0);
        } while (stay(rng) && m < 36);
    }
    return make_log(std::move(c), std::move(t), std::move(ids));
}

}  // namespace

TEST_CASE("cohorts: counts by hand, monthly") {
    // customer 0: Jan, Jan, Mar; customer 1: Feb, Feb; customer 2: Jan, Feb (unsorted input)
    const auto log = make_log({2, 0, 1, 0, 2, 1, 0},
                              {timestamp(2024, 2, 3), timestamp(2024, 1, 5), timestamp(2024, 2, 1), timestamp(2024, 1, 9),
                               timestamp(2024, 1, 31, 23, 59, 59), timestamp(2024, 2, 29), timestamp(2024, 3, 1)},
                              {10, 11, 12});
    const CohortState s = cxkit::retention::cohorts(log, Period::month);
    const std::int64_t jan = cxkit::period_index(timestamp(2024, 1, 1), Period::month);
    REQUIRE(s.active.size() == 2);
    CHECK(s.active.at(jan) == std::vector<std::uint64_t>{2, 1, 1});  // ages 0, 1 (customer 2), 2 (customer 0)
    CHECK(s.active.at(jan + 1) == std::vector<std::uint64_t>{1});
    CHECK(s.size(jan) == 2);
    CHECK(s.max_age() == 3);
    CHECK_THROWS_AS(CohortState(Period::none), cxkit::invalid_input);
}

TEST_CASE("cohorts: fill(A u B) == fill(A) + fill(B) on different distributions; serialize round trip") {
    for (Period p : {Period::week, Period::month, Period::quarter}) {
        const EventLog a = random_log(1, 0, 400, 0.2, 0);
        const EventLog b = random_log(2, 1000, 300, 0.6, 7);
        // the union: same events, customer codes of b shifted
        std::vector<std::int32_t> c;
        std::vector<std::int64_t> t, ids;
        for (const EventLog* l : {&a, &b}) {
            const auto base = static_cast<std::int32_t>(ids.size());
            for (std::size_t i = 0; i < l->size(); ++i) {
                c.push_back(base + l->customer()[i]);
                t.push_back(l->time()[i]);
            }
            const auto& li = l->customer_ids().ints();
            ids.insert(ids.end(), li.begin(), li.end());
        }
        const EventLog u = make_log(std::move(c), std::move(t), std::move(ids));
        const CohortState sa = cxkit::retention::cohorts(a, p), sb = cxkit::retention::cohorts(b, p);
        CHECK(sa != sb);
        CHECK(cxkit::merged(sa, sb) == cxkit::retention::cohorts(u, p));
        CHECK(cxkit::merged(sb, sa) == cxkit::retention::cohorts(u, p));
        CHECK(cxkit::merged(CohortState(p), sa) == sa);
        CHECK(CohortState::deserialize(sa.serialize()) == sa);
        CHECK(CohortState::deserialize(sa.serialize()).period == p);
    }
    CohortState w(Period::week), m(Period::month);
    w.fill(random_log(3, 0, 10, 0.3, 0));
    m.fill(random_log(3, 0, 10, 0.3, 0));
    CHECK_THROWS_AS(w += m, cxkit::invalid_input);
}

#pragma once
// Acquisition cohorts: every customer belongs to the cohort of the period of their first event; at age k (periods
// since that first one) they are active if they have at least one event in period cohort + k. CohortState counts,
// per cohort and age, the active customers (age 0 = the cohort size), so retention(c, k) = active(c, k) / size(c).
//
// The state is mergeable (+=) over logs that hold disjoint sets of customers, which is how cxkit partitions a log
// (by customer): each customer's whole history must be in one partition, since the cohort is their first period.
// Filling one log is a single pass over its events (sorted by customer and time), with a day -> period table.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "cxkit/core/error.hpp"
#include "cxkit/core/event_log.hpp"
#include "cxkit/core/mergeable.hpp"
#include "cxkit/core/serialize.hpp"
#include "cxkit/core/time.hpp"

namespace cxkit::retention {

struct CohortState {
    Period period = Period::month;
    // cohort period index -> active customers by age (index 0 = customers acquired in that period)
    std::map<std::int64_t, std::vector<std::uint64_t>> active;

    CohortState() = default;
    explicit CohortState(Period p) : period(p) {
        if (p == Period::none) throw invalid_input("period", invalid_input::no_row, "cohorts need a period (D, W, M, Q or Y)");
    }

    // Adds the customers of a log (none of whom may already be in this state).
    CohortState& fill(const EventLog& log) {
        const auto& offsets = log.customer_offsets();
        const auto& time = log.time();
        const std::size_t n = log.size();
        if (n == 0) return *this;
        std::int64_t lo = std::numeric_limits<std::int64_t>::max(), hi = std::numeric_limits<std::int64_t>::min();
        const std::int64_t* t = time.data();
        for (std::size_t i = 0; i < n; ++i) {
            lo = std::min(lo, t[i]);
            hi = std::max(hi, t[i]);
        }
        PeriodTable table(period, lo, hi);
        std::int64_t last_cohort = std::numeric_limits<std::int64_t>::min();
        std::vector<std::uint64_t>* row = nullptr;
        for (std::size_t c = 0; c + 1 < offsets.size(); ++c) {
            const auto b = static_cast<std::size_t>(offsets[c]), e = static_cast<std::size_t>(offsets[c + 1]);
            if (b == e) continue;
            const std::int64_t cohort = table(t[b]);  // rows of a customer are sorted by time
            if (cohort != last_cohort || !row) {
                row = &active[cohort];
                last_cohort = cohort;
            }
            std::int64_t prev = cohort;
            add(*row, 0);
            for (std::size_t i = b + 1; i < e; ++i) {
                const std::int64_t p = table(t[i]);
                if (p != prev) {
                    add(*row, static_cast<std::size_t>(p - cohort));
                    prev = p;
                }
            }
        }
        return *this;
    }

    CohortState& operator+=(const CohortState& o) {
        if (o.active.empty()) return *this;
        if (active.empty()) period = o.period;
        else if (o.period != period)
            throw invalid_input("period", invalid_input::no_row, "cannot merge cohort states of different periods");
        for (const auto& [c, v] : o.active) {
            auto& r = active[c];
            if (r.size() < v.size()) r.resize(v.size(), 0);
            for (std::size_t k = 0; k < v.size(); ++k) r[k] += v[k];
        }
        return *this;
    }
    bool operator==(const CohortState& o) const {
        return active == o.active && (active.empty() || period == o.period);
    }

    std::uint64_t size(std::int64_t cohort) const {
        const auto it = active.find(cohort);
        return it == active.end() || it->second.empty() ? 0 : it->second[0];
    }
    std::size_t max_age() const {
        std::size_t m = 0;
        for (const auto& [c, v] : active) m = std::max(m, v.size());
        return m;
    }

    std::string serialize() const {
        ByteWriter w;
        w.header("CohortState", 1);
        w.put_string(period_code(period));
        w.put<std::uint64_t>(active.size());
        for (const auto& [c, v] : active) {
            w.put<std::int64_t>(c);
            w.put_vector(v);
        }
        return std::move(w).bytes();
    }
    static CohortState deserialize(std::string_view bytes) {
        ByteReader r(bytes);
        r.header("CohortState", 1);
        CohortState s;
        s.period = parse_period(r.get_string());
        const auto n = r.get<std::uint64_t>();
        for (std::uint64_t k = 0; k < n; ++k) {
            const auto c = r.get<std::int64_t>();
            s.active[c] = r.get_vector<std::uint64_t>();
        }
        r.expect_done();
        return s;
    }

private:
    static void add(std::vector<std::uint64_t>& v, std::size_t age) {
        if (v.size() <= age) v.resize(age + 1, 0);
        ++v[age];
    }
};

// The cohort table of a log in one call.
inline CohortState cohorts(const EventLog& log, Period period = Period::month) {
    CohortState s(period);
    s.fill(log);
    return s;
}

}  // namespace cxkit::retention

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
#include "cxkit/core/parallel.hpp"
#include "cxkit/core/serialize.hpp"
#include "cxkit/core/time.hpp"

namespace cxkit::retention {

struct CohortState {
    Period period = Period::month;
    // cohort period index -> active customers by age (index 0 = customers acquired in that period)
    std::map<std::int64_t, std::vector<std::uint64_t>> active;

    // table() refuses a (cohorts x ages) matrix of more cells than this many times the counts the state holds
    // (or than table_min_cells, whichever is larger) unless the caller passes a larger max_cells: a few bytes of
    // a hostile or sparse state must not make it allocate gigabytes.
    static constexpr std::size_t table_cells_per_count = 64;
    static constexpr std::size_t table_min_cells = std::size_t{1} << 22;
    // Counts stay below 2^63 so that they read back as signed 64-bit integers (pandas, Arrow) unchanged.
    static constexpr std::uint64_t max_count = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());

    CohortState() = default;
    explicit CohortState(Period p) : period(p) {
        if (p == Period::none) throw invalid_input("period", invalid_input::no_row, "cohorts need a period (D, W, M, Q or Y)");
    }

    // Adds the customers of a log (none of whom may already be in this state). Strong guarantee: the log is
    // counted into a fresh state first, then merged (+=, which checks before it changes anything).
    CohortState& fill(const EventLog& log) {
        CohortState fresh(period);
        fresh.fill_empty(log);
        return *this += fresh;
    }

    CohortState& operator+=(const CohortState& o) {
        if (o.active.empty()) return *this;
        if (!active.empty() && o.period != period)
            throw invalid_input("period", invalid_input::no_row, "cannot merge cohort states of different periods");
        // Check every sum first: a refused merge leaves this state as it was.
        for (const auto& [c, v] : o.active) {
            const auto it = active.find(c);
            if (it == active.end()) continue;
            for (std::size_t k = 0; k < v.size() && k < it->second.size(); ++k)
                if (v[k] > max_count - it->second[k])
                    throw invalid_input("active", invalid_input::no_row,
                                        "merged customer counts exceed 2^63 - 1 (cohort " + std::to_string(c) + ")");
        }
        if (active.empty()) period = o.period;
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
    // Counts the state holds (the sum of its age vectors' lengths): the measure of its size for table().
    std::size_t stored_counts() const {
        std::size_t n = 0;
        for (const auto& [c, v] : active) n += v.size();
        return n;
    }
    // The cell limit of table() when the caller gives none (see table_cells_per_count).
    std::size_t default_max_cells() const {
        const std::size_t n = stored_counts();
        return std::max(table_min_cells, n > std::numeric_limits<std::size_t>::max() / table_cells_per_count
                                             ? std::numeric_limits<std::size_t>::max()
                                             : n * table_cells_per_count);
    }
    // Number of cells of the (cohorts x ages) table, refusing more than max_cells (0: default_max_cells()).
    std::size_t table_cells(std::size_t max_cells = 0) const {
        const std::size_t limit = max_cells ? max_cells : default_max_cells();
        const std::size_t rows = active.size(), cols = max_age();
        if (cols != 0 && rows > limit / cols)
            throw invalid_input("max_cells", invalid_input::no_row,
                                "the cohort table would have " + std::to_string(rows) + " cohorts x " +
                                    std::to_string(cols) + " ages, more than the limit of " + std::to_string(limit) +
                                    " cells (" + std::to_string(table_cells_per_count) +
                                    " x the counts the state holds, at least " + std::to_string(table_min_cells) +
                                    "); pass a larger max_cells to allow it");
        return rows * cols;
    }

    // The valid cohort indices: the periods of the timestamps an EventLog can hold.
    static std::int64_t lowest_period(Period p) { return period_index(std::numeric_limits<std::int64_t>::min() + 1, p); }
    static std::int64_t highest_period(Period p) { return period_index(std::numeric_limits<std::int64_t>::max(), p); }
    // First instant (ns) of a cohort period, clamped to the timestamps a log can hold (the first period starts
    // before them, and its start would overflow).
    std::int64_t cohort_start(std::int64_t cohort) const {
        if (cohort <= lowest_period(period)) return std::numeric_limits<std::int64_t>::min() + 1;
        return period_start(cohort, period);
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
    // Untrusted bytes: refuses, with invalid_input, anything fill and += cannot produce: no period, cohorts out of
    // the periods a log can hold or not in ascending order (so no duplicates), an empty age vector, a cohort of
    // size 0, more active customers at an age than the cohort has, a last age with no one active, ages past the
    // last period, and cohort sizes whose total exceeds 2^63 - 1.
    static CohortState deserialize(std::string_view bytes) {
        ByteReader r(bytes);
        r.header("CohortState", 1);
        CohortState s;
        {
            // Only the codes serialize() writes; the bytes are not echoed (they may not be text at all).
            const std::string code = r.get_string();
            if (code != "" && code != "D" && code != "W" && code != "M" && code != "Q" && code != "Y")
                throw invalid_input("serialized state: CohortState period is not one of D, W, M, Q, Y");
            s.period = parse_period(code);
        }
        const auto n = r.get<std::uint64_t>();
        auto bad = [](std::uint64_t k, const std::string& why) {
            return invalid_input("serialized state: CohortState cohort " + std::to_string(k) + ": " + why);
        };
        if (n > 0 && s.period == Period::none) throw invalid_input("serialized state: CohortState has cohorts but no period");
        const std::int64_t lo = n ? lowest_period(s.period) : 0, hi = n ? highest_period(s.period) : 0;
        std::uint64_t total = 0;
        for (std::uint64_t k = 0; k < n; ++k) {
            const auto c = r.get<std::int64_t>();
            auto v = r.get_vector<std::uint64_t>();
            if (c < lo || c > hi) throw bad(k, "period index " + std::to_string(c) + " is outside the periods of any timestamp");
            if (!s.active.empty() && c <= s.active.rbegin()->first)
                throw bad(k, "period indices must be strictly ascending (a duplicate or out of order)");
            if (v.empty() || v[0] == 0) throw bad(k, "a cohort has at least one customer (age 0)");
            if (v.back() == 0) throw bad(k, "the last age must have active customers");
            if (v.size() - 1 > static_cast<std::uint64_t>(hi - c)) throw bad(k, "ages run past the last period");
            for (std::size_t a = 1; a < v.size(); ++a)
                if (v[a] > v[0]) throw bad(k, "more active customers at age " + std::to_string(a) + " than the cohort has");
            if (v[0] > max_count - total) throw bad(k, "cohort sizes add up to more than 2^63 - 1");
            total += v[0];
            s.active.emplace_hint(s.active.end(), c, std::move(v));
        }
        r.expect_done();
        return s;
    }

private:
    // fill() into an empty state: a single pass over the log's events (sorted by customer and time).
    void fill_empty(const EventLog& log) {
        const auto& offsets = log.customer_offsets();
        const auto& time = log.time();
        const std::size_t n = log.size();
        if (n == 0) return;
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
            if ((c & 4095) == 0) core::check_interrupt();  // Ctrl-C from Python (core/parallel.hpp)
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
    }
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

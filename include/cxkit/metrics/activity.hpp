#pragma once
// Retention and churn from customer activity: the state is the set of (customer key, period index) pairs in
// which a customer had at least one event. Periods are small consecutive integers (e.g. months since an epoch,
// from the time/period helpers), not timestamps.
//
// Definitions, for each period p:
//   active in p  = has an event in p
//   S (start)    = customers active in p-1
//   E (end)      = customers active in p
//   N (new)      = customers active in p whose first active period (their minimum period in this state) is p
//   lost         = customers active in p-1 and not in p
//   retention    = (E - N) / S,   churn = lost / S,   both NaN when S == 0
// E - N also counts customers who come back after a gap (active in p, not in p-1, seen before), so retention
// can exceed 1 - churn, and even 1; that is the textbook (E - N) / S formula taken literally. "First active
// period" is relative to the data in the state: merge the states of all periods before asking for retention.
#include <algorithm>
#include <cstdint>
#include <functional>
#include <iterator>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cxkit/core/error.hpp"
#include "cxkit/core/mergeable.hpp"
#include "cxkit/core/serialize.hpp"
#include "cxkit/metrics/stats.hpp"

namespace cxkit::metrics {

struct PeriodRetention {
    std::int64_t period;  // -1 for pooled()
    std::uint64_t start, end, new_customers, lost;
    double retention_rate, churn_rate;
};

struct ActivityState {
    // (customer key, period index); sorted and unique after normalize(), duplicates allowed before.
    std::vector<std::pair<std::uint64_t, std::int64_t>> pairs;

    // by_period() allocates one row per period between the first and the last; more than this many means the
    // caller passed timestamps instead of period indices.
    static constexpr std::uint64_t max_periods = std::uint64_t{1} << 24;
    // The size of by_period()'s answer is bounded by the size of the state: at most
    // max(min_row_limit, rows_per_pair * pairs) rows (a few pairs far apart in time, e.g. from untrusted bytes,
    // would otherwise ask for millions of rows), unless the caller passes a larger max_rows.
    static constexpr std::uint64_t min_row_limit = std::uint64_t{1} << 16;
    static constexpr std::uint64_t rows_per_pair = 64;
    static std::uint64_t default_row_limit(std::uint64_t pairs) noexcept {
        return std::max(min_row_limit, pairs > max_periods ? max_periods : rows_per_pair * pairs);
    }

    void add(std::uint64_t key, std::int64_t period) { pairs.emplace_back(key, period); }
    void normalize() {
        if (is_normalized()) return;
        std::sort(pairs.begin(), pairs.end());
        pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());
    }
    bool is_normalized() const noexcept {
        return std::adjacent_find(pairs.begin(), pairs.end(), std::greater_equal<>()) == pairs.end();
    }

    // The number of rows by_period() returns: periods from the first to the last (0 when empty; saturates).
    std::uint64_t period_rows() const noexcept {
        if (pairs.empty()) return 0;
        const auto [lo, hi] = period_range();
        const std::uint64_t span = static_cast<std::uint64_t>(hi) - static_cast<std::uint64_t>(lo);
        return span == UINT64_MAX ? span : span + 1;
    }

    // One row per period from the smallest to the largest period present, empty periods included. Refuses more
    // rows than max_rows (0: default_row_limit(pairs.size())) and, whatever max_rows, more than max_periods.
    std::vector<PeriodRetention> by_period(std::uint64_t max_rows = 0) const {
        if (pairs.empty()) return {};
        // the first and last periods: the same before and after normalizing (found once: a pass over every pair)
        const auto [pmin, pmax] = period_range();
        const std::uint64_t span = static_cast<std::uint64_t>(pmax) - static_cast<std::uint64_t>(pmin);
        const std::uint64_t rows = span == UINT64_MAX ? span : span + 1;
        if (rows > max_periods)
            throw invalid_input("period", invalid_input::no_row,
                                "activity spans " + std::to_string(rows) + " periods; periods must be small "
                                "consecutive indices (e.g. months), not timestamps");
        const std::uint64_t limit = max_rows ? max_rows : default_row_limit(pairs.size());
        if (rows > limit)
            throw invalid_input("period", invalid_input::no_row,
                                "activity spans " + std::to_string(rows) + " periods with only " +
                                    std::to_string(pairs.size()) + " (customer, period) pairs: more rows than the "
                                    "limit of " + std::to_string(limit) + " (max(65536, 64 per pair)); pass "
                                    "max_rows to allow more");
        ActivityState copy;
        const bool normal = is_normalized();
        if (!normal) copy = normalized();
        const auto& ps = normal ? pairs : copy.pairs;

        const std::size_t np = static_cast<std::size_t>(span) + 1;
        // One slot more than there are periods, so "at the start of p + 1" needs no bounds check for p == pmax.
        std::vector<std::uint64_t> S(np + 1), E(np + 1), N(np + 1), L(np + 1);

        // Pairs are sorted by customer, then period: each customer's periods form one ascending run. Branch-free,
        // since whether a pair starts a run or is followed by the next period is data, not a pattern.
        const std::size_t n = ps.size();
        const auto base = static_cast<std::uint64_t>(pmin);
        for (std::size_t k = 0; k < n; ++k) {
            const std::uint64_t key = ps[k].first;
            const std::int64_t p = ps[k].second;
            const auto idx = static_cast<std::size_t>(static_cast<std::uint64_t>(p) - base);
            const bool first = k == 0 || ps[k - 1].first != key;  // first active period of this customer
            // "the next period": compared as an unsigned difference, since p + 1 overflows for p == INT64_MAX.
            const bool next = k + 1 < n && ps[k + 1].first == key &&
                              static_cast<std::uint64_t>(ps[k + 1].second) - static_cast<std::uint64_t>(p) == 1;
            ++E[idx];
            N[idx] += first;
            ++S[idx + 1];     // active in p: part of the start of p + 1
            L[idx + 1] += !next;  // and lost in p + 1 unless active then
        }

        std::vector<PeriodRetention> out;
        out.reserve(np);
        for (std::size_t idx = 0; idx < np; ++idx)
            out.push_back(row(static_cast<std::int64_t>(static_cast<std::uint64_t>(pmin) + idx), S[idx], E[idx],
                              N[idx], L[idx]));
        return out;
    }

    // Pooled over the periods with S > 0: retention = sum(E - N) / sum(S), churn = sum(lost) / sum(S).
    // start/end/new_customers/lost are the sums over those periods; period is -1.
    PeriodRetention pooled(std::uint64_t max_rows = 0) const { return pool(by_period(max_rows)); }
    // The pooled row of rows made by by_period().
    static PeriodRetention pool(const std::vector<PeriodRetention>& rows) {
        std::uint64_t s = 0, e = 0, n = 0, l = 0;
        for (const auto& r : rows) {
            if (r.start == 0) continue;
            s += r.start;
            e += r.end;
            n += r.new_customers;
            l += r.lost;
        }
        return row(-1, s, e, n, l);
    }

    // Forgets the customers with these keys (privacy: erasure): the state a fill without them gives.
    void erase(std::span<const std::uint64_t> gone) {
        normalize();
        std::vector<std::uint64_t> g(gone.begin(), gone.end());
        std::sort(g.begin(), g.end());
        std::erase_if(pairs, [&](const auto& p) { return std::binary_search(g.begin(), g.end(), p.first); });
    }
    ActivityState& operator+=(const ActivityState& o) {
        normalize();
        const bool o_normal = o.is_normalized();
        ActivityState copy;  // used only when `o` is not normalized; `o` itself is const
        if (!o_normal) copy = o.normalized();
        const auto& other = o_normal ? o.pairs : copy.pairs;
        // Disjoint, ordered ranges (threads and partitions split by customer): append, no union needed.
        if (pairs.empty() || other.empty() || pairs.back() < other.front()) {
            pairs.insert(pairs.end(), other.begin(), other.end());
            return *this;
        }
        decltype(pairs) out;
        out.reserve(pairs.size() + other.size());
        std::set_union(pairs.begin(), pairs.end(), other.begin(), other.end(), std::back_inserter(out));
        pairs = std::move(out);
        return *this;
    }
    // Set equality: order of adds and duplicates do not matter.
    bool operator==(const ActivityState& o) const {
        if (is_normalized() && o.is_normalized()) return pairs == o.pairs;
        return normalized().pairs == o.normalized().pairs;
    }

    // Two columns (keys, periods) so each is one contiguous vector in the byte format.
    std::string serialize() const {
        ActivityState copy;
        const bool normal = is_normalized();
        if (!normal) copy = normalized();
        const auto& ps = normal ? pairs : copy.pairs;
        std::vector<std::uint64_t> keys(ps.size());
        std::vector<std::int64_t> periods(ps.size());
        for (std::size_t i = 0; i < ps.size(); ++i) {
            keys[i] = ps[i].first;
            periods[i] = ps[i].second;
        }
        ByteWriter w;
        w.header("ActivityState", 1);
        w.put_vector(keys);
        w.put_vector(periods);
        return std::move(w).bytes();
    }
    static ActivityState deserialize(std::string_view bytes) {
        ByteReader r(bytes);
        r.header("ActivityState", 1);
        const auto keys = r.get_vector<std::uint64_t>();
        const auto periods = r.get_vector<std::int64_t>();
        r.expect_done();
        if (keys.size() != periods.size())
            throw invalid_input("serialized state: ActivityState key and period columns differ in length");
        ActivityState s;
        s.pairs.reserve(keys.size());
        for (std::size_t i = 0; i < keys.size(); ++i) s.pairs.emplace_back(keys[i], periods[i]);
        if (!s.is_normalized())
            throw invalid_input("serialized state: ActivityState pairs are not sorted and unique");
        return s;
    }

private:
    // (smallest, largest) period of a non-empty state.
    std::pair<std::int64_t, std::int64_t> period_range() const noexcept {
        std::int64_t lo = pairs.front().second, hi = lo;
        for (const auto& pr : pairs) {
            lo = std::min(lo, pr.second);
            hi = std::max(hi, pr.second);
        }
        return {lo, hi};
    }
    ActivityState normalized() const {
        ActivityState c = *this;
        c.normalize();
        return c;
    }
    static PeriodRetention row(std::int64_t period, std::uint64_t s, std::uint64_t e, std::uint64_t n,
                               std::uint64_t l) {
        const double sd = static_cast<double>(s);
        return {period, s, e, n, l, detail::ratio_or_nan(static_cast<double>(e - n), sd),
                detail::ratio_or_nan(static_cast<double>(l), sd)};
    }
};
static_assert(MergeableState<ActivityState>);

}  // namespace cxkit::metrics

#pragma once
// The grouping behind rfm_summary: per customer, the first and last period with a purchase, the number of distinct
// periods and the value outside the first period, from int64 customer ids and int64 nanosecond times.
//
// lifetimes' summary_data_from_transaction_data converts datetimes to periods, groups with pandas and sorts;
// here the customers are counted into per-part tables indexed by id (ids in a compact integer range, as
// customer numbers and factorised codes are; other ranges are ranked first), the rows are placed by customer in
// one scatter pass, and each customer's handful of rows is sorted by period. Every pass runs through
// core::parallel_for over parts fixed by the row count; the result does not depend on the thread count (rows keep
// their input order within a customer and a period), and Ctrl-C stops it between parts.
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cxkit/core/error.hpp"
#include "cxkit/core/parallel.hpp"
#include "cxkit/core/rules.hpp"
#include "cxkit/core/time.hpp"

namespace cxkit::clv {

// Period lengths of rfm_summary: pandas' "D", "W" (Monday to Sunday), "M" (calendar months), "H"/"h", "min", "s".
enum class RfmUnit { day, week, month, hour, minute, second };

inline RfmUnit parse_rfm_unit(std::string_view s) {
    if (s == "D") return RfmUnit::day;
    if (s == "W") return RfmUnit::week;
    if (s == "M") return RfmUnit::month;
    if (s == "H" || s == "h") return RfmUnit::hour;
    if (s == "min") return RfmUnit::minute;
    if (s == "s") return RfmUnit::second;
    throw invalid_input("freq", invalid_input::no_row,
                        "must be one of D, W, M, H, h, min, s, got '" + std::string(s) + "'");
}

// Period ordinal of a timestamp (differences of ordinals are what the summary reports). Not thread-safe for
// months (a calendar table with a cache): one per thread.
class RfmPeriods {
public:
    RfmPeriods(RfmUnit u, std::int64_t min_ns, std::int64_t max_ns) : u_(u), months_(Period::month, min_ns, max_ns) {}
    std::int64_t operator()(std::int64_t ns) {
        switch (u_) {
            case RfmUnit::day: return floor_div(ns, ns_per_day);
            case RfmUnit::week: return floor_div(floor_div(ns, ns_per_day) + 3, 7);  // 1970-01-01 is a Thursday
            case RfmUnit::month: return months_(ns);
            case RfmUnit::hour: return floor_div(ns, 3600 * ns_per_second);
            case RfmUnit::minute: return floor_div(ns, 60 * ns_per_second);
            case RfmUnit::second: return floor_div(ns, ns_per_second);
        }
        return 0;
    }
    // First instant (ns) of period p.
    std::int64_t start(std::int64_t p) const {
        switch (u_) {
            case RfmUnit::day: return p * ns_per_day;
            case RfmUnit::week: return (p * 7 - 3) * ns_per_day;
            case RfmUnit::month: return period_start(p, Period::month);
            case RfmUnit::hour: return p * 3600 * ns_per_second;
            case RfmUnit::minute: return p * 60 * ns_per_second;
            case RfmUnit::second: return p * ns_per_second;
        }
        return 0;
    }

private:
    RfmUnit u_;
    PeriodTable months_;
};

struct TransactionWindow {
    RfmUnit unit = RfmUnit::week;
    // The end of the (calibration) period. whole_end_period = true keeps every row of end_ns's period (lifetimes'
    // observation_period_end); false keeps rows at or before the instant end_ns (its calibration_period_end).
    std::int64_t end_ns = std::numeric_limits<std::int64_t>::max();
    bool whole_end_period = true;
    // Holdout rows (when holdout is true): end_ns < time <= holdout_end_ns.
    bool holdout = false;
    std::int64_t holdout_end_ns = std::numeric_limits<std::int64_t>::max();
    unsigned threads = 0;  // 0 = all cores; the result is the same for any count
    // Column names for error messages.
    std::string customer_name = "customer", time_name = "time", value_name = "value";
};

struct TransactionSummary {
    std::vector<std::int64_t> customer;      // ids with a calibration row, ascending
    std::vector<std::int64_t> first, last;   // first and last period with a purchase
    std::vector<std::int64_t> periods;       // distinct periods with a purchase
    std::vector<double> repeat_value;        // total value of the rows outside the first period
    std::vector<std::int64_t> holdout_periods, holdout_rows;  // holdout: distinct periods, rows
    std::vector<double> holdout_value;                        // holdout: total value (rows in input order)
    std::int64_t end_period = 0;          // period of end_ns (T = end_period - first)
    std::int64_t holdout_end_period = 0;  // period of holdout_end_ns (when holdout)
    std::size_t size() const noexcept { return customer.size(); }
};

namespace detail {

// A transaction placed by customer: the customer's slot (id - smallest id, or rank), its period relative to the
// first period of the data (int32 when the range allows: 16-byte rows), its value.
template <class P>
struct SlotRow {
    std::uint32_t slot;
    P period;
    double value;
};

// Sorts a customer's rows by period (stable: insertion sort for the usual handful) and summarises them.
template <class Row>
void summarise_rows(Row* b, Row* e, std::int64_t& first, std::int64_t& last, std::int64_t& distinct,
                    double& repeat) {
    if (e - b <= 32) {
        for (auto* i = b + 1; i < e; ++i) {
            const Row x = *i;
            auto* j = i;
            for (; j > b && (j - 1)->period > x.period; --j) *j = *(j - 1);
            *j = x;
        }
    } else {
        std::stable_sort(b, e, [](const Row& x, const Row& y) { return x.period < y.period; });
    }
    first = b->period;
    last = (e - 1)->period;
    std::int64_t d = 1;
    double s = 0;
    for (auto* it = b + 1; it != e; ++it) {
        d += it->period != (it - 1)->period;
        if (it->period != b->period) s += it->value;
    }
    distinct = d;
    repeat = s;
}

// fn(c) for every part c in [0, parts), on up to `threads` threads (core::parallel_for_chunks: interruptible).
template <class Fn>
void run_parts(std::size_t parts, unsigned threads, Fn&& fn) {
    core::parallel_for_chunks(parts, 1, threads, [&](std::size_t c, std::size_t, std::size_t) { fn(c); });
}

}  // namespace detail

// customer: integer ids; time_ns: nanoseconds since the epoch (NaT refused); value: empty, or one per row
// (finite). Throws invalid_input naming the column and the first offending row.
inline TransactionSummary summarize_transactions(std::span<const std::int64_t> customer,
                                                 std::span<const std::int64_t> time_ns,
                                                 std::span<const double> value, const TransactionWindow& w) {
    const std::size_t n = customer.size();
    if (time_ns.size() != n)
        throw invalid_input(w.time_name, invalid_input::no_row,
                            "has " + std::to_string(time_ns.size()) + " values but " + w.customer_name + " has " +
                                std::to_string(n));
    if (!value.empty() && value.size() != n)
        throw invalid_input(w.value_name, invalid_input::no_row,
                            "has " + std::to_string(value.size()) + " values but " + w.customer_name + " has " +
                                std::to_string(n));
    if (n >= std::numeric_limits<std::uint32_t>::max())
        throw invalid_input(w.customer_name, invalid_input::no_row, "more than 2^32 - 2 transactions in one call");
    TransactionSummary out;
    if (n == 0) return out;
    // The rows are cut into `parts` consecutive parts, a number that depends on n only (never on the thread
    // count): each part has its own counters and bitmap, so at most 8 of them.
    const unsigned threads = n < (std::size_t{1} << 16) ? 1u : w.threads;
    const std::size_t part_rows = std::max<std::size_t>(std::size_t{1} << 16, (n + 7) / 8);
    const std::size_t parts = (n + part_rows - 1) / part_rows;
    auto lo_row = [&](std::size_t t) { return std::min(n, t * part_rows); };

    // 1. Range of ids and times; refuse NaT and non-finite values (first offending row).
    struct Scan {
        std::int64_t id_lo = std::numeric_limits<std::int64_t>::max(), id_hi = std::numeric_limits<std::int64_t>::min();
        std::int64_t t_lo = std::numeric_limits<std::int64_t>::max(), t_hi = std::numeric_limits<std::int64_t>::min();
        std::size_t bad_time = SIZE_MAX, bad_value = SIZE_MAX;
    };
    std::vector<Scan> scan(parts);
    detail::run_parts(parts, threads, [&](std::size_t t) {
        Scan s;
        for (std::size_t i = lo_row(t), e = lo_row(t + 1); i < e; ++i) {
            const std::int64_t id = customer[i], ns = time_ns[i];
            s.id_lo = std::min(s.id_lo, id);
            s.id_hi = std::max(s.id_hi, id);
            if (ns == missing_time) {
                if (s.bad_time == SIZE_MAX) s.bad_time = i;
                continue;
            }
            s.t_lo = std::min(s.t_lo, ns);
            s.t_hi = std::max(s.t_hi, ns);
            if (!value.empty() && !std::isfinite(value[i]) && s.bad_value == SIZE_MAX) s.bad_value = i;
        }
        scan[t] = s;
    });
    Scan all;
    for (const Scan& s : scan) {
        all.id_lo = std::min(all.id_lo, s.id_lo);
        all.id_hi = std::max(all.id_hi, s.id_hi);
        all.t_lo = std::min(all.t_lo, s.t_lo);
        all.t_hi = std::max(all.t_hi, s.t_hi);
        all.bad_time = std::min(all.bad_time, s.bad_time);
        all.bad_value = std::min(all.bad_value, s.bad_value);
    }
    if (all.bad_time != SIZE_MAX)
        throw invalid_input(w.time_name, static_cast<std::int64_t>(all.bad_time), "must be a date/time, got NaT");
    if (all.bad_value != SIZE_MAX)
        throw invalid_input(w.value_name, static_cast<std::int64_t>(all.bad_value),
                            "must be a finite number, got " + describe_value(value[all.bad_value]));
    // The defaults (int64 max) stand for the last transaction.
    constexpr std::int64_t last_tx = std::numeric_limits<std::int64_t>::max();
    const std::int64_t end_ns = w.end_ns == last_tx ? all.t_hi : w.end_ns;
    const std::int64_t holdout_end_ns = w.holdout_end_ns == last_tx ? all.t_hi : w.holdout_end_ns;
    {
        RfmPeriods per(w.unit, end_ns, end_ns);
        out.end_period = per(end_ns);
        if (w.holdout) out.holdout_end_period = per(holdout_end_ns);
    }

    // Ids in a compact range index the customers directly; others are ranked (sorted distinct ids) first.
    const auto range = static_cast<std::uint64_t>(all.id_hi) - static_cast<std::uint64_t>(all.id_lo);
    std::vector<std::int64_t> ranked;
    std::vector<std::uint32_t> rank_of_row;
    if (range >= 4 * static_cast<std::uint64_t>(n) + 1'000'000) {
        ranked.assign(customer.begin(), customer.end());
        std::sort(ranked.begin(), ranked.end());
        ranked.erase(std::unique(ranked.begin(), ranked.end()), ranked.end());
        rank_of_row.resize(n);
        core::parallel_for(n, std::size_t{1} << 16, threads, [&](std::size_t b, std::size_t e) {
            for (std::size_t i = b; i < e; ++i)
                rank_of_row[i] = static_cast<std::uint32_t>(
                    std::lower_bound(ranked.begin(), ranked.end(), customer[i]) - ranked.begin());
        });
    }
    const bool by_rank = !ranked.empty();
    const std::size_t R = by_rank ? ranked.size() : static_cast<std::size_t>(range) + 1;
    auto slot_of = [&](std::size_t i) -> std::uint32_t {
        return by_rank ? rank_of_row[i] : static_cast<std::uint32_t>(customer[i] - all.id_lo);
    };
    auto id_of = [&](std::size_t slot) { return by_rank ? ranked[slot] : all.id_lo + static_cast<std::int64_t>(slot); };

    // Calibration rows are those at or before cal_last (the last instant of end_ns's period, or end_ns itself).
    RfmPeriods per0(w.unit, all.t_lo, all.t_hi);
    const std::int64_t cal_last = w.whole_end_period ? per0.start(out.end_period + 1) - 1 : end_ns;
    const std::int64_t p0 = per0(all.t_lo), p_range = per0(all.t_hi) - p0;
    auto in_hold = [&](std::int64_t ns) { return w.holdout && ns > cal_last && ns <= holdout_end_ns; };

    auto place = [&](auto period_type) {
        using P = decltype(period_type);
        using Row = detail::SlotRow<P>;
        // 2. Partition the rows into buckets of 2^12 consecutive customer slots (a bucket's counters and rows then
        //    fit in the L2 cache), each thread writing its rows after the previous thread's: input order is kept.
        //    The same pass marks the customers with a calibration row in a bitmap (R bits: cache-resident).
        constexpr unsigned shift = 12;
        const std::size_t nb = (R >> shift) + 1;
        std::vector<std::vector<std::size_t>> bc(parts, std::vector<std::size_t>(nb, 0)),
            hc(parts, std::vector<std::size_t>(nb, 0));
        detail::run_parts(parts, threads, [&](std::size_t t) {
            std::size_t* c = bc[t].data();
            std::size_t* h = hc[t].data();
            for (std::size_t i = lo_row(t), e = lo_row(t + 1); i < e; ++i) {
                const std::int64_t ns = time_ns[i];
                if (ns <= cal_last)
                    ++c[slot_of(i) >> shift];
                else if (in_hold(ns))
                    ++h[slot_of(i) >> shift];
            }
        });
        std::vector<std::size_t> bstart(nb + 1, 0), hstart(nb + 1, 0);
        {
            std::size_t pos = 0, hpos = 0;
            for (std::size_t b = 0; b < nb; ++b) {
                bstart[b] = pos;
                hstart[b] = hpos;
                for (std::size_t t = 0; t < parts; ++t) {  // counts become each part's write position
                    const std::size_t c = bc[t][b], h = hc[t][b];
                    bc[t][b] = pos;
                    hc[t][b] = hpos;
                    pos += c;
                    hpos += h;
                }
            }
            bstart[nb] = pos;
            hstart[nb] = hpos;
        }
        // Default-initialised (not zeroed): every element is written by the partition.
        std::unique_ptr<Row[]> rows(new Row[bstart[nb]]), hrows(new Row[hstart[nb]]);
        const std::size_t words = (R + 63) / 64;
        std::vector<std::vector<std::uint64_t>> seen(parts, std::vector<std::uint64_t>(words, 0));
        detail::run_parts(parts, threads, [&](std::size_t t) {
            RfmPeriods per(w.unit, all.t_lo, all.t_hi);
            std::size_t* c = bc[t].data();
            std::size_t* h = hc[t].data();
            std::uint64_t* bits = seen[t].data();
            for (std::size_t i = lo_row(t), e = lo_row(t + 1); i < e; ++i) {
                const std::int64_t ns = time_ns[i];
                const bool cal = ns <= cal_last;
                if (!cal && !in_hold(ns)) continue;
                const std::uint32_t sl = slot_of(i);
                const Row r{sl, static_cast<P>(per(ns) - p0), value.empty() ? 0.0 : value[i]};
                if (cal) {
                    rows[c[sl >> shift]++] = r;
                    bits[sl >> 6] |= std::uint64_t{1} << (sl & 63);
                } else {
                    hrows[h[sl >> shift]++] = r;
                }
            }
        });
        for (std::size_t t = 1; t < parts; ++t)
            for (std::size_t j = 0; j < words; ++j) seen[0][j] |= seen[t][j];

        // 3. Per bucket: place the rows by customer (a local counting sort) and summarise each customer, writing
        //    from the bucket's first customer number (the bitmap's count of customers in earlier buckets).
        std::vector<std::size_t> bucket_customers(nb + 1, 0);
        {
            std::size_t m = 0;
            for (std::size_t b = 0; b < nb; ++b) {
                bucket_customers[b] = m;
                const std::size_t w0 = (b << shift) / 64, w1 = std::min(words, ((b + 1) << shift) / 64);
                for (std::size_t j = w0; j < w1; ++j) m += static_cast<std::size_t>(std::popcount(seen[0][j]));
            }
            bucket_customers[nb] = m;
        }
        seen.clear();
        auto per_bucket = [&](std::size_t b, std::vector<std::uint32_t>& cnt, std::vector<std::uint32_t>& hcnt,
                              std::vector<Row>& tmp, std::vector<Row>& htmp) {
            const std::size_t s0 = b << shift, ns_ = std::min<std::size_t>(std::size_t{1} << shift, R - s0);
            Row* rb = rows.get() + bstart[b];
            Row* re = rows.get() + bstart[b + 1];
            std::fill(cnt.begin(), cnt.begin() + static_cast<std::ptrdiff_t>(ns_ + 1), 0u);
            for (Row* r = rb; r != re; ++r) ++cnt[r->slot - s0 + 1];
            for (std::size_t j = 0; j < ns_; ++j) cnt[j + 1] += cnt[j];
            tmp.resize(static_cast<std::size_t>(re - rb));
            {
                std::vector<std::uint32_t> pos(cnt.begin(), cnt.begin() + static_cast<std::ptrdiff_t>(ns_));
                for (Row* r = rb; r != re; ++r) tmp[pos[r->slot - s0]++] = *r;
            }
            Row* hb = hrows.get() + hstart[b];
            Row* he = hrows.get() + hstart[b + 1];
            if (w.holdout) {
                std::fill(hcnt.begin(), hcnt.begin() + static_cast<std::ptrdiff_t>(ns_ + 1), 0u);
                for (Row* r = hb; r != he; ++r) ++hcnt[r->slot - s0 + 1];
                for (std::size_t j = 0; j < ns_; ++j) hcnt[j + 1] += hcnt[j];
                htmp.resize(static_cast<std::size_t>(he - hb));
                std::vector<std::uint32_t> pos(hcnt.begin(), hcnt.begin() + static_cast<std::ptrdiff_t>(ns_));
                for (Row* r = hb; r != he; ++r) htmp[pos[r->slot - s0]++] = *r;
            }
            std::size_t k = bucket_customers[b];
            for (std::size_t j = 0; j < ns_; ++j) {
                if (cnt[j + 1] == cnt[j]) continue;  // no calibration row: not a customer of the summary
                out.customer[k] = id_of(s0 + j);
                std::int64_t f, l;
                detail::summarise_rows(tmp.data() + cnt[j], tmp.data() + cnt[j + 1], f, l, out.periods[k],
                                       out.repeat_value[k]);
                out.first[k] = f + p0;
                out.last[k] = l + p0;
                if (w.holdout && hcnt[j + 1] > hcnt[j]) {
                    Row* b2 = htmp.data() + hcnt[j];
                    Row* e2 = htmp.data() + hcnt[j + 1];
                    double total = 0;
                    for (Row* it = b2; it != e2; ++it) total += it->value;  // input order, before the sort
                    std::int64_t hf, hl, hd;
                    double rep;
                    detail::summarise_rows(b2, e2, hf, hl, hd, rep);
                    out.holdout_periods[k] = hd;
                    out.holdout_rows[k] = e2 - b2;
                    out.holdout_value[k] = total;
                }
                ++k;
            }
        };
        auto over_buckets = [&] {  // each bucket writes its own customers: any order gives the same result
            core::parallel_for(nb, 16, threads, [&](std::size_t b0, std::size_t e) {
                std::vector<std::uint32_t> cnt((std::size_t{1} << shift) + 1), hcnt(w.holdout ? cnt.size() : 0);
                std::vector<Row> tmp, htmp;
                for (std::size_t b = b0; b < e; ++b) per_bucket(b, cnt, hcnt, tmp, htmp);
            });
        };
        const std::size_t m = bucket_customers[nb];
        out.customer.resize(m);
        out.first.resize(m);
        out.last.resize(m);
        out.periods.resize(m);
        out.repeat_value.resize(m);
        if (w.holdout) {
            out.holdout_periods.assign(m, 0);
            out.holdout_rows.assign(m, 0);
            out.holdout_value.assign(m, 0.0);
        }
        over_buckets();
    };
    if (p_range < std::numeric_limits<std::int32_t>::max())
        place(std::int32_t{});
    else
        place(std::int64_t{});
    return out;
}

}  // namespace cxkit::clv

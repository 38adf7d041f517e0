#pragma once
// RFM scores and the named RFM segments.
//
// Scores 1..bins by quantiles of each measure, the pandas recipe
//     score = pd.qcut(x.rank(method="first"), bins, labels=range(1, bins + 1))
//     R     = pd.qcut(recency.rank(method="first"), bins, labels=range(bins, 0, -1))   (recency reversed)
// i.e. customers are ranked 1..n by value, ties by input order (the earlier customer gets the lower rank), and
// rank r falls in quantile bin b (1-based) when e(b-1) < r <= e(b), e(b) = 1 + b (n - 1) / bins (the linear
// quantiles of 1..n; r = 1 is in bin 1). The edges are computed with the very floating-point operations of
// pandas >= 3 / numpy 2 (detail::qcut_rank_edges), so a rank that sits on an edge up to rounding (e.g. bins = 6,
// n = 19, rank 16) lands where pandas puts it, not where exact arithmetic would. So with ties = first, EQUAL VALUES MAY GET DIFFERENT SCORES (the recipe's behaviour, needed to equal
// the pandas computation); ties = equal gives every member of a tie group the score of its first member (lowest
// rank; for recency that is the highest R), so equal values always share a score.
// Recency is the time elapsed since the customer's last purchase (small = recent = high R). One customer alone
// gets score 1 (R = bins) -- pandas raises there (its bin edges are not unique).
//
// Segments: a list of rules {name, r_lo, r_hi, f_lo, f_hi, m_lo, m_hi} (inclusive ranges), the first rule a
// customer's (R, F, M) satisfies names its segment, "Others" (RfmOptions::others) otherwise. The default list is
// the eleven segments of REFERENCES.md (for 5 bins); it is plain data the user can replace.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <exception>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "cxkit/core/error.hpp"
#include "cxkit/core/parallel.hpp"

namespace cxkit::segment {

struct RfmSegmentRule {
    std::string name;
    int r_lo, r_hi, f_lo, f_hi, m_lo, m_hi;  // inclusive
    bool matches(int r, int f, int m) const noexcept {
        return r >= r_lo && r <= r_hi && f >= f_lo && f <= f_hi && m >= m_lo && m <= m_hi;
    }
};

// The eleven segments of REFERENCES.md, in order (first match wins). "F<=2" is written as 1..2.
inline std::vector<RfmSegmentRule> default_rfm_segments() {
    return {
        {"Champions", 4, 5, 4, 5, 4, 5},
        {"Loyal", 2, 5, 3, 5, 3, 5},
        {"Potential Loyalist", 3, 5, 1, 3, 1, 3},
        {"New Customers", 4, 5, 1, 1, 1, 1},
        {"Promising", 3, 4, 1, 1, 1, 1},
        {"Need Attention", 2, 3, 2, 3, 2, 3},
        {"About To Sleep", 2, 3, 1, 2, 1, 2},
        {"At Risk", 1, 2, 2, 5, 2, 5},
        {"Can't Lose Them", 1, 1, 4, 5, 4, 5},
        {"Hibernating", 1, 2, 1, 2, 1, 2},
        {"Lost", 1, 2, 1, 2, 1, 2},
    };
}

enum class RfmTies {
    first,  // rank by value, then input order (pandas rank(method="first")); equal values may differ
    equal,  // as first, then every member of a tie group takes the score of the group's first member
};

struct RfmOptions {
    int bins = 5;
    RfmTies ties = RfmTies::first;
    std::vector<RfmSegmentRule> segments = default_rfm_segments();
    std::string others = "Others";
    unsigned threads = 0;  // 0 = one per core; the result does not depend on it
};

struct RfmScores {
    std::vector<int> r, f, m;                // 1..bins per customer
    std::vector<std::int32_t> segment;       // code into segment_names per customer
    std::vector<std::string> segment_names;  // the rule names, then `others` (code = number of rules)
    std::size_t size() const noexcept { return r.size(); }
    const std::string& segment_name(std::size_t i) const { return segment_names[static_cast<std::size_t>(segment[i])]; }
};

// Index of the first matching rule, or -1.
inline int rfm_segment(int r, int f, int m, const std::vector<RfmSegmentRule>& rules) {
    for (std::size_t i = 0; i < rules.size(); ++i)
        if (rules[i].matches(r, f, m)) return static_cast<int>(i);
    return -1;
}

namespace detail {

// Indices 0..n-1 ordered by value, ties by index (pandas rank(method="first")): a stable LSD radix sort on the
// order-preserving unsigned image of the doubles, 11 bits per pass (2,048 buckets: the scatter stays in cache).
// All six digit histograms come from one read pass; passes where every key has the same digit are skipped (whole
// numbers such as days or counts leave the low mantissa digits constant). -0.0 and +0.0 are equal.
inline std::vector<std::uint32_t> order_first(std::span<const double> x) {
    constexpr int bits = 11, passes = (64 + bits - 1) / bits;
    constexpr std::size_t radix = std::size_t{1} << bits, mask = radix - 1;
    const std::size_t n = x.size();
    std::vector<std::uint64_t> key(n), key2(n);
    std::vector<std::uint32_t> idx(n), idx2(n);
    std::vector<std::size_t> count(static_cast<std::size_t>(passes) * radix, 0);
    for (std::size_t i = 0; i < n; ++i) {
        const double v = x[i] == 0 ? 0.0 : x[i];
        std::uint64_t u;
        std::memcpy(&u, &v, sizeof u);
        u = (u >> 63) ? ~u : (u | 0x8000000000000000ULL);
        key[i] = u;
        idx[i] = static_cast<std::uint32_t>(i);
        for (int p = 0; p < passes; ++p) ++count[static_cast<std::size_t>(p) * radix + ((u >> (p * bits)) & mask)];
    }
    for (int p = 0; p < passes && n > 0; ++p) {
        std::size_t* c = count.data() + static_cast<std::size_t>(p) * radix;
        const int shift = p * bits;
        if (c[(key[0] >> shift) & mask] == n) continue;  // one digit: nothing to do
        std::size_t run = 0;
        for (std::size_t d = 0; d < radix; ++d) {
            const std::size_t here = c[d];
            c[d] = run;
            run += here;
        }
        for (std::size_t i = 0; i < n; ++i) {
            const std::size_t pos = c[(key[i] >> shift) & mask]++;
            key2[pos] = key[i];
            idx2[pos] = idx[i];
        }
        key.swap(key2);
        idx.swap(idx2);
    }
    return idx;
}

// The bin edges pandas >= 3 computes for qcut(ranks 1..n, bins): numpy's linspace quantile levels, rounded up
// when not exact (pandas), then numpy's "linear" quantile of 1..n (floor index, gamma, _lerp), in the same
// floating-point operations -- so ranks on an edge land in the same bin as with pandas.
inline std::vector<double> qcut_rank_edges(std::size_t n, int bins) {
    std::vector<double> edge(static_cast<std::size_t>(bins) + 1);
    const double step = 1.0 / bins, last = static_cast<double>(n) - 1;
    for (int b = 0; b <= bins; ++b) {
        double q = b == bins ? 1.0 : static_cast<double>(b) * step;
        if (static_cast<double>(bins) * q != static_cast<double>(b)) q = std::nextafter(q, 1.0);
        const double v = last * q;
        double e;
        if (v >= last) {
            e = static_cast<double>(n);
        } else {
            const double prev = std::floor(v), gamma = v - prev, a = prev + 1, next = prev + 2, diff = next - a;
            e = gamma >= 0.5 ? next - diff * (1 - gamma) : a + diff * gamma;
        }
        edge[static_cast<std::size_t>(b)] = e;
    }
    return edge;
}

}  // namespace detail

// Quantile scores 1..bins of one measure (see the header comment); `reverse` maps s to bins + 1 - s.
inline std::vector<int> quantile_scores(std::span<const double> x, int bins, RfmTies ties = RfmTies::first,
                                        bool reverse = false, const std::string& name = "x") {
    if (bins < 1) throw invalid_input("bins", invalid_input::no_row, "must be >= 1");
    const std::size_t n = x.size();
    if (n > 0xFFFFFFFFu) throw invalid_input(name, invalid_input::no_row, "more than 2^32 - 1 customers");
    for (std::size_t i = 0; i < n; ++i)
        if (!std::isfinite(x[i]))
            throw invalid_input(name, static_cast<std::int64_t>(i),
                                std::string("value is ") + (std::isnan(x[i]) ? "NaN" : "infinite") +
                                    "; RFM measures must be finite");
    const auto order = detail::order_first(x);
    const auto edge = detail::qcut_rank_edges(n, bins);
    std::vector<int> score(n);
    int s = 1, group_score = 1;
    for (std::size_t p = 0; p < n; ++p) {
        const double rank = static_cast<double>(p + 1);
        // bin (1-based) = 1 + #{b in 1..bins-1 : edge[b] < rank}; ranks only grow, so the bin only advances
        while (n > 1 && s < bins && edge[static_cast<std::size_t>(s)] < rank) ++s;
        int v = s;
        if (ties == RfmTies::equal) {
            const double cur = x[order[p]] == 0 ? 0.0 : x[order[p]];
            const double before = p > 0 ? (x[order[p - 1]] == 0 ? 0.0 : x[order[p - 1]]) : 0.0;
            if (p > 0 && cur == before)
                v = group_score;
            else
                group_score = v;
        }
        score[order[p]] = reverse ? bins + 1 - v : v;
    }
    return score;
}

// R, F, M scores and segments; recency = time since the last purchase (small = recent = high R).
inline RfmScores rfm_scores(std::span<const double> recency, std::span<const double> frequency,
                            std::span<const double> monetary, const RfmOptions& opt = {}) {
    if (frequency.size() != recency.size() || monetary.size() != recency.size())
        throw invalid_input("rfm", invalid_input::no_row,
                            "recency, frequency and monetary have different lengths (" +
                                std::to_string(recency.size()) + ", " + std::to_string(frequency.size()) + ", " +
                                std::to_string(monetary.size()) + ")");
    for (std::size_t i = 0; i < opt.segments.size(); ++i) {
        const auto& s = opt.segments[i];
        if (s.name.empty()) throw invalid_input("segments", static_cast<std::int64_t>(i), "rule has no name");
        if (s.r_lo > s.r_hi || s.f_lo > s.f_hi || s.m_lo > s.m_hi)
            throw invalid_input("segments", static_cast<std::int64_t>(i), "rule '" + s.name + "' has lo > hi");
    }
    RfmScores out;
    // the three measures are independent: score them on up to three threads when it pays
    auto score_r = [&] { out.r = quantile_scores(recency, opt.bins, opt.ties, true, "recency"); };
    auto score_f = [&] { out.f = quantile_scores(frequency, opt.bins, opt.ties, false, "frequency"); };
    auto score_m = [&] { out.m = quantile_scores(monetary, opt.bins, opt.ties, false, "monetary"); };
    if (recency.size() >= 50000) {
        // three tasks on core::parallel_for_chunks; each keeps its own error so that the first bad measure in
        // r, f, m order is reported, as on the serial path
        std::exception_ptr err[3];
        core::parallel_for_chunks(3, 1, opt.threads, [&](std::size_t c, std::size_t, std::size_t) {
            try {
                if (c == 0) score_r();
                else if (c == 1) score_f();
                else score_m();
            } catch (...) {
                err[c] = std::current_exception();
            }
        });
        for (auto& e : err)
            if (e) std::rethrow_exception(e);
    } else {
        score_r();
        score_f();
        score_m();
    }
    for (const auto& s : opt.segments) out.segment_names.push_back(s.name);
    out.segment_names.push_back(opt.others);
    // the first matching rule of each of the bins^3 (R, F, M) combinations, looked up per customer
    const auto others = static_cast<std::int32_t>(opt.segments.size());
    const auto b = static_cast<std::size_t>(opt.bins);
    std::vector<std::int32_t> table(b <= 32 ? b * b * b : 0);
    for (std::size_t r = 1; r <= b && b <= 32; ++r)
        for (std::size_t f = 1; f <= b; ++f)
            for (std::size_t m = 1; m <= b; ++m) {
                const int s = rfm_segment(static_cast<int>(r), static_cast<int>(f), static_cast<int>(m), opt.segments);
                table[((r - 1) * b + (f - 1)) * b + (m - 1)] = s < 0 ? others : static_cast<std::int32_t>(s);
            }
    out.segment.resize(recency.size());
    if (b > 32) {  // a table would be too big: match the rules per customer
        for (std::size_t i = 0; i < recency.size(); ++i) {
            const int s = rfm_segment(out.r[i], out.f[i], out.m[i], opt.segments);
            out.segment[i] = s < 0 ? others : static_cast<std::int32_t>(s);
        }
        return out;
    }
    for (std::size_t i = 0; i < recency.size(); ++i)
        out.segment[i] = table[((static_cast<std::size_t>(out.r[i]) - 1) * b + static_cast<std::size_t>(out.f[i]) - 1) * b +
                               static_cast<std::size_t>(out.m[i]) - 1];
    return out;
}

}  // namespace cxkit::segment

#pragma once
// LiveFigures: the figures a live dashboard wants next to the LiveScorecard (live_scorecard.hpp), each updated per
// event in constant memory:
//
//   rolling_nps()           NPS of the last `rolling_answers` NPS answers to arrive. EXACT: Boost.Accumulators'
//                           rolling sum and count of the answers coded +100 / 0 / -100 (whole numbers, so the
//                           rolling sum of doubles has no rounding; Boost's rolling_mean updates the mean itself
//                           and does round, so it is not used).
//   rolling_response_time() mean of the last `rolling_answers` response times (Boost rolling sum / count). Exact up
//                           to the rounding of a running sum that adds and subtracts (within 1e-12 relative of a
//                           recount in the tests).
//   window_nps()            NPS answers whose time falls in the last `window_buckets` buckets of `bucket` ns ending
//                           at the watermark's bucket ("NPS over the last 30 days" with daily buckets). EXACT at
//                           bucket granularity: one NpsState per bucket in a ring, so an answer that arrives late
//                           but inside the window lands in its own bucket; one older than the window is outside it
//                           (counted by outside_window()).
//   response_time_quantile(p) for p in `quantiles`: an ESTIMATE, Boost.Accumulators' P-square quantile (Jain and
//                           Chlamtac 1985, five markers per quantile; the first five values are kept and answered
//                           exactly). Its error against the exact batch quantile is measured in
//                           tests/cpp/test_metrics_live_scorecard.cpp (median and p90 of 20,000 skewed response
//                           times within 2% relative; the measured errors are printed by that test).
//
// None of these merge (a P-square estimate and a last-N window are not mergeable) nor serialize: they are live
// only and restart empty, unlike the scorecard's own state. The exact response-time median and p90 are in the
// scorecard (table()), at 8 bytes per ticket.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include <boost/accumulators/accumulators.hpp>
#include <boost/accumulators/statistics/p_square_quantile.hpp>
#include <boost/accumulators/statistics/rolling_count.hpp>
#include <boost/accumulators/statistics/rolling_sum.hpp>
#include <boost/accumulators/statistics/stats.hpp>

#include "cxkit/core/error.hpp"
#include "cxkit/core/time.hpp"
#include "cxkit/metrics/live_scorecard.hpp"
#include "cxkit/metrics/nps.hpp"
#include "cxkit/metrics/response_time.hpp"
#include "cxkit/metrics/stats.hpp"

namespace cxkit::metrics {

struct LiveFiguresOptions {
    std::size_t rolling_answers = 1000;         // the last-N windows (>= 1)
    std::int64_t bucket = ns_per_day;           // time window bucket, ns (> 0)
    std::size_t window_buckets = 30;            // buckets in the time window (1 .. 2^20)
    std::vector<double> quantiles = {0.5, 0.9};  // response-time quantiles estimated (each in (0, 1))
};

class LiveFigures {
public:
    explicit LiveFigures(LiveFiguresOptions opt = {}) : opt_(std::move(opt)) {
        if (opt_.rolling_answers == 0) throw invalid_input("rolling_answers", invalid_input::no_row, "must be >= 1");
        if (opt_.bucket <= 0) throw invalid_input("bucket", invalid_input::no_row, "must be > 0 ns");
        if (opt_.window_buckets == 0 || opt_.window_buckets > (std::size_t{1} << 20))
            throw invalid_input("window_buckets", invalid_input::no_row, "must be from 1 to 2^20");
        for (double p : opt_.quantiles)
            if (!(p > 0 && p < 1)) throw invalid_input("quantiles", invalid_input::no_row, "each must be in (0, 1)");
        namespace acc = boost::accumulators;
        nps_ = Rolling(acc::tag::rolling_window::window_size = opt_.rolling_answers);
        response_ = Rolling(acc::tag::rolling_window::window_size = opt_.rolling_answers);
        for (double p : opt_.quantiles) quantiles_.emplace_back(acc::quantile_probability = p);
        ring_.assign(opt_.window_buckets, NpsState{});
    }

    const LiveFiguresOptions& options() const noexcept { return opt_; }

    // Reads the event's `nps` and `response_time` (other measures are the scorecard's). Values are checked by the
    // scorecard's rules first; a refused event changes nothing.
    void append(const LiveEvent& e) {
        const LiveEvent::Measure* nps = e.measure(NpsKpi::measure);
        const LiveEvent::Measure* rt = e.measure(ResponseTimeKpi::measure);
        if (e.time == missing_time) throw invalid_input("time", static_cast<std::int64_t>(seen_), "timestamp is missing");
        if (nps && (!NpsKpi::rule.accepts(nps->value) || nps->boolean))
            throw invalid_input("nps", static_cast<std::int64_t>(seen_), std::string(NpsKpi::rule.text) + ", got " +
                                    (nps->boolean ? std::string("a boolean") : describe_value(nps->value)));
        if (rt && !ResponseTimeKpi::rule.accepts(rt->value))
            throw invalid_input("response_time", static_cast<std::int64_t>(seen_),
                                std::string(ResponseTimeKpi::rule.text) + ", got " + describe_value(rt->value));
        ++seen_;
        const std::int64_t b = floor_div(e.time, opt_.bucket);
        advance(b);
        if (nps && !std::isnan(nps->value)) {
            const double v = nps->value;
            nps_(v >= 9 ? 100.0 : v >= 7 ? 0.0 : -100.0);
            const auto size = static_cast<std::int64_t>(ring_.size());
            if (b > head_ - size) ring_[slot(b)].add(v);  // inside the window
            else ++outside_;
        }
        if (rt && !std::isnan(rt->value)) {
            const double v = rt->value;
            response_(v);
            for (auto& q : quantiles_) q(v);
            if (first_.size() < 5) first_.push_back(v);
        }
    }

    // NPS of the last rolling_answers NPS answers (NaN before the first); how many answers that is.
    double rolling_nps() const {
        return rolling_n(nps_) ? rolling_sum(nps_) / static_cast<double>(rolling_n(nps_)) : detail::nan;
    }
    std::uint64_t rolling_nps_n() const { return rolling_n(nps_); }
    // Mean of the last rolling_answers response times (NaN before the first).
    double rolling_response_time() const {
        return rolling_n(response_) ? rolling_sum(response_) / static_cast<double>(rolling_n(response_)) : detail::nan;
    }
    // The NPS answers of the last window_buckets buckets ending at the latest event's bucket.
    NpsState window_nps() const {
        NpsState s;
        for (auto& b : ring_) s += b;
        return s;
    }
    // The first bucket of the window (bucket numbers: floor(time / bucket)); NPS answers older than it (when they
    // arrived) were left out of window_nps().
    std::int64_t window_first_bucket() const noexcept { return head_ - static_cast<std::int64_t>(ring_.size()) + 1; }
    std::uint64_t outside_window() const noexcept { return outside_; }
    // The P-square estimate of the response-time quantile p (one of options().quantiles); exact for the first five
    // values; NaN before the first.
    double response_time_quantile(double p) const {
        for (std::size_t i = 0; i < opt_.quantiles.size(); ++i) {
            if (opt_.quantiles[i] != p) continue;
            if (first_.empty()) return detail::nan;
            if (first_.size() < 5 || boost::accumulators::count(quantiles_[i]) < 5) {
                std::vector<double> copy = first_;
                return quantile_linear(copy, p);
            }
            return boost::accumulators::p_square_quantile(quantiles_[i]);
        }
        throw invalid_input("p", invalid_input::no_row, "is not one of the quantiles these figures estimate");
    }

private:
    using Rolling = boost::accumulators::accumulator_set<
        double, boost::accumulators::stats<boost::accumulators::tag::rolling_sum, boost::accumulators::tag::rolling_count>>;
    using Quantile = boost::accumulators::accumulator_set<
        double, boost::accumulators::stats<boost::accumulators::tag::p_square_quantile, boost::accumulators::tag::count>>;

    static std::uint64_t rolling_n(const Rolling& r) { return boost::accumulators::rolling_count(r); }
    static double rolling_sum(const Rolling& r) { return boost::accumulators::rolling_sum(r); }
    std::size_t slot(std::int64_t b) const {
        const auto n = static_cast<std::int64_t>(ring_.size());
        return static_cast<std::size_t>(((b % n) + n) % n);
    }
    // Moves the window's end to bucket b when b is later, emptying the buckets that leave the window.
    void advance(std::int64_t b) {
        if (!started_) {
            started_ = true;
            head_ = b;
            return;
        }
        if (b <= head_) return;
        const auto n = static_cast<std::int64_t>(ring_.size());
        const std::uint64_t steps = static_cast<std::uint64_t>(b) - static_cast<std::uint64_t>(head_);
        if (steps >= static_cast<std::uint64_t>(n)) {
            std::fill(ring_.begin(), ring_.end(), NpsState{});
        } else {
            for (std::int64_t k = head_ + 1; k <= b; ++k) ring_[slot(k)] = NpsState{};
        }
        head_ = b;
    }

    LiveFiguresOptions opt_;
    Rolling nps_{boost::accumulators::tag::rolling_window::window_size = 1};
    Rolling response_{boost::accumulators::tag::rolling_window::window_size = 1};
    std::vector<Quantile> quantiles_;
    std::vector<double> first_;  // the first five response times: P-square needs five to start
    std::vector<NpsState> ring_;
    std::int64_t head_ = 0;  // bucket of the latest event
    bool started_ = false;
    std::uint64_t seen_ = 0, outside_ = 0;
};

}  // namespace cxkit::metrics

// A live CX scorecard from C++: events arrive one at a time (as a CRM would send them, some a little late) and the
// card is printed every N events: NPS, CSAT, customers and retention by channel, plus the live-only figures
// (NPS of the last 200 answers and of the last 30 days, response-time median and p90 estimates). At the end the card
// is checked against the batch scorecard of the same events, saved to bytes and read back.
//
//   cmake -S examples/cpp -B build-example -DCMAKE_PREFIX_PATH=<where cxkit is installed>
//   cmake --build build-example && ./build-example/live_scorecard [events] [print every]
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include <cxkit/cxkit.hpp>

namespace {

namespace metrics = cxkit::metrics;

std::string fmt(double v, const char* format = "%.1f") {
    if (std::isnan(v)) return "-";
    char buf[32];
    std::snprintf(buf, sizeof buf, format, v);
    return buf;
}

void print(const metrics::LiveScorecard& card, const metrics::LiveFigures& live) {
    const metrics::ScorecardTable t = card.table();
    std::printf("after %llu events (%llu late beyond the lateness):\n", static_cast<unsigned long long>(card.events()),
                static_cast<unsigned long long>(card.late_events()));
    std::printf("  %-8s %6s %6s %9s %9s\n", "channel", "NPS", "CSAT", "customers", "retention");
    for (std::size_t i = 0; i < t.rows(); ++i) {
        const auto& label = t.labels[i].at(0);
        std::printf("  %-8s %6s %5s%% %9.0f %9s\n", label ? label->c_str() : "(none)", fmt(t.column("nps")[i]).c_str(),
                    fmt(t.column("csat")[i], "%.0f").c_str(), t.column("customers")[i],
                    fmt(t.column("retention_rate")[i], "%.2f").c_str());
    }
    const metrics::NpsState month = live.window_nps();
    std::printf("  live: NPS last %llu answers %s, last 30 days %s (n=%llu); response time median ~%ss, p90 ~%ss\n\n",
                static_cast<unsigned long long>(live.rolling_nps_n()), fmt(live.rolling_nps()).c_str(),
                fmt(month.value()).c_str(), static_cast<unsigned long long>(month.n()),
                fmt(live.response_time_quantile(0.5), "%.0f").c_str(),
                fmt(live.response_time_quantile(0.9), "%.0f").c_str());
}

}  // namespace

int main(int argc, char** argv) {
    const long n = argc > 1 ? std::atol(argv[1]) : 5000;
    const long every = argc > 2 ? std::atol(argv[2]) : 1000;
    if (n <= 0 || every <= 0) {
        std::fprintf(stderr, "usage: live_scorecard [events > 0] [print every > 0]\n");
        return 2;
    }

    metrics::LiveScorecardOptions opt;
    opt.by = {"channel"};
    opt.retention_period = cxkit::Period::month;
    opt.lateness = 2 * cxkit::ns_per_day;  // events up to two days late stay on the O(1) path
    metrics::LiveScorecard card(opt);
    metrics::LiveFiguresOptions fig;
    fig.rolling_answers = 200;
    metrics::LiveFigures live(fig);

    // A simulated stream: 300 customers over about four months, each event up to a day late.
    std::mt19937_64 rng(42);
    std::uniform_int_distribution<int> customer(0, 299), channel(0, 2), csat(1, 5), pick(0, 3);
    std::discrete_distribution<int> score({2, 1, 1, 2, 2, 4, 6, 10, 14, 16, 12});  // answers 0..10, mostly high
    std::uniform_int_distribution<std::int64_t> late(0, cxkit::ns_per_day);
    std::lognormal_distribution<double> response(5.0, 0.8);
    const char* channels[] = {"web", "phone", "store"};
    const std::int64_t start = cxkit::timestamp(2024, 1, 1), step = 120 * cxkit::ns_per_day / n;
    cxkit::core::EventLogBuilder batch(metrics::measure_rule);  // the same events, for the check at the end

    for (long i = 0; i < n; ++i) {
        const std::string who = "cust" + std::to_string(customer(rng));
        const std::int64_t time = start + i * step - late(rng);
        metrics::LiveEvent e(who, time);
        batch.event(who, time);
        e.set("channel", channels[channel(rng)]);
        batch.set("channel", e.categoricals.back().second);
        if (pick(rng) == 0) {
            const int s = score(rng);
            e.set("nps", s);
            batch.set("nps", s);
        }
        if (pick(rng) == 0) {
            const int s = csat(rng);
            e.set("csat", s);
            batch.set("csat", s);
        }
        if (pick(rng) == 0) {
            const double r = response(rng);
            e.set("response_time", r);
            batch.set("response_time", r);
        }
        card.append(e);
        live.append(e);
        if ((i + 1) % every == 0) print(card, live);
    }

    metrics::ScorecardOptions by_channel;
    by_channel.by = {"channel"};
    const bool same = card.state() == metrics::fill_scorecard(std::move(batch).build(), by_channel);
    const bool round_trip = metrics::LiveScorecard::deserialize(card.serialize()) == card;
    std::printf("live card equals the batch scorecard of the same events: %s\n", same ? "yes" : "NO");
    std::printf("serialized and read back: %s\n", round_trip ? "yes" : "NO");
    return same && round_trip ? 0 : 1;
}

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "cxkit/core/customers.hpp"
#include "cxkit/metrics/measure_rules.hpp"
#include "cxkit/core/event_log_builder.hpp"
#include "cxkit/core/segmentation.hpp"
#include "cxkit/metrics/scorecard.hpp"

using cxkit::EventLog;
using cxkit::EventLogBuilder;
using cxkit::metrics::GroupLabels;
using cxkit::invalid_input;
using cxkit::Period;
using cxkit::metrics::ScorecardOptions;
using cxkit::metrics::ScorecardState;
using cxkit::metrics::ScorecardTable;
using cxkit::timestamp;
using doctest::Approx;

namespace {

// The hand-made log: 13 events, 4 customers (A, B, C, D), 3 channels, January to March 2024.
//
//  #  cust date   channel kind       nps csat ces fcr  rt   sentiment value
//  1  A    01-05  web                10   5                           100
//  2  A    01-20  phone   complaint            6   1    60   -0.5
//  3  A    02-10  web                 9   4                           50
//  4  A    03-15  web                 8                       0.5     30
//  5  B    01-10  phone               6   2        0   120
//  6  B    01-11  phone                        3   1    30
//  7  B    02-12  web     complaint   3   3                  -0.8     20
//  8  C    02-01  web                10   5    7                      200
//  9  C    02-20  phone                            1   300   0.9
// 10  C    03-03  store               9   4                           80
// 11  D    03-05  store               7   1    2   0   600
// 12  D    03-06  phone   complaint                1    10   -0.2
// 13  D    03-28  web     purchase   10                               40
EventLog small_log() {
    EventLogBuilder b;
    auto t = [](unsigned m, unsigned d) { return timestamp(2024, m, d, 10); };
    b.event("A", t(1, 5)).set("channel", "web").set("nps", 10).set("csat", 5).set("value", 100);
    b.event("A", t(1, 20)).set("channel", "phone").set("kind", "complaint").set("ces", 6).set("fcr", 1)
        .set("response_time", 60).set("sentiment", -0.5);
    b.event("A", t(2, 10)).set("channel", "web").set("nps", 9).set("csat", 4).set("value", 50);
    b.event("A", t(3, 15)).set("channel", "web").set("nps", 8).set("sentiment", 0.5).set("value", 30);
    b.event("B", t(1, 10)).set("channel", "phone").set("nps", 6).set("csat", 2).set("fcr", 0).set("response_time", 120);
    b.event("B", t(1, 11)).set("channel", "phone").set("ces", 3).set("fcr", 1).set("response_time", 30);
    b.event("B", t(2, 12)).set("channel", "web").set("kind", "complaint").set("nps", 3).set("csat", 3)
        .set("sentiment", -0.8).set("value", 20);
    b.event("C", t(2, 1)).set("channel", "web").set("nps", 10).set("csat", 5).set("ces", 7).set("value", 200);
    b.event("C", t(2, 20)).set("channel", "phone").set("fcr", 1).set("response_time", 300).set("sentiment", 0.9);
    b.event("C", t(3, 3)).set("channel", "store").set("nps", 9).set("csat", 4).set("value", 80);
    b.event("D", t(3, 5)).set("channel", "store").set("nps", 7).set("csat", 1).set("ces", 2).set("fcr", 0)
        .set("response_time", 600);
    b.event("D", t(3, 6)).set("channel", "phone").set("kind", "complaint").set("fcr", 1).set("response_time", 10)
        .set("sentiment", -0.2);
    b.event("D", t(3, 28)).set("channel", "web").set("kind", "purchase").set("nps", 10).set("value", 40);
    return std::move(b).build();
}

GroupLabels labels(std::initializer_list<std::optional<std::string>> l) { return GroupLabels(l); }

std::size_t row_of(const ScorecardTable& t, const GroupLabels& g, std::int64_t period = 0) {
    for (std::size_t i = 0; i < t.rows(); ++i)
        if (t.labels[i] == g && t.period_index[i] == period) return i;
    FAIL("no such row");
    return 0;
}

double at(const ScorecardTable& t, std::size_t row, const char* column) { return t.column(column)[row]; }

// Exactly equal columns, NaN matching NaN.
bool same_values(const std::vector<double>& x, const std::vector<double>& y) {
    if (x.size() != y.size()) return false;
    for (std::size_t i = 0; i < x.size(); ++i)
        if (!(x[i] == y[i] || (std::isnan(x[i]) && std::isnan(y[i])))) return false;
    return true;
}

// A log drawn from a fixed seed. Customers are named prefix + number; channel names are offered in the given order
// (so two logs can have different dictionaries); `nps_bias` shifts the NPS answers up or down.
struct RandomLogSpec {
    std::string prefix;
    int customers;
    int events;
    std::vector<std::string> channels;
    int nps_bias;
    std::uint64_t seed;
};

struct RandomEvent {
    std::string customer;
    std::int64_t time;
    std::string channel;
    std::string kind;
    double nps, csat, ces, fcr, rt, sentiment, value;
};

std::vector<RandomEvent> random_events(const RandomLogSpec& s) {
    std::mt19937_64 rng(s.seed);
    std::uniform_int_distribution<int> cust(0, s.customers - 1), day(0, 200), ch(0, static_cast<int>(s.channels.size()) - 1),
        score(0, 10), five(1, 5), seven(1, 7), coin(0, 3);
    std::uniform_real_distribution<double> u(0, 1);
    const double NaN = std::nan("");
    std::vector<RandomEvent> out;
    for (int i = 0; i < s.events; ++i) {
        RandomEvent e;
        e.customer = s.prefix + std::to_string(cust(rng));
        e.time = timestamp(2023, 11, 1) + day(rng) * cxkit::ns_per_day + static_cast<std::int64_t>(u(rng) * 86'400) * cxkit::ns_per_second;
        e.channel = s.channels[static_cast<std::size_t>(ch(rng))];
        const int k = coin(rng);
        e.kind = k == 0 ? "complaint" : k == 1 ? "purchase" : "";
        e.nps = coin(rng) ? std::clamp(score(rng) + s.nps_bias, 0, 10) : NaN;
        e.csat = coin(rng) ? five(rng) : NaN;
        e.ces = coin(rng) == 0 ? seven(rng) : NaN;
        e.fcr = coin(rng) == 0 ? (coin(rng) ? 1.0 : 0.0) : NaN;
        e.rt = coin(rng) == 0 ? std::round(u(rng) * 36000) / 4 : NaN;
        e.sentiment = coin(rng) == 0 ? 2 * u(rng) - 1 : NaN;
        e.value = k == 1 ? std::round(u(rng) * 50000) / 100 : NaN;
        out.push_back(std::move(e));
    }
    return out;
}

void add(EventLogBuilder& b, const RandomEvent& e) {
    b.event(e.customer, e.time).set("channel", e.channel);
    if (!e.kind.empty()) b.set("kind", e.kind);
    b.set("nps", e.nps).set("csat", e.csat).set("ces", e.ces).set("fcr", e.fcr).set("response_time", e.rt)
        .set("sentiment", e.sentiment).set("value", e.value);
}

EventLog log_of(const std::vector<RandomEvent>& events) {
    EventLogBuilder b;
    for (auto& e : events) add(b, e);
    return std::move(b).build();
}

}  // namespace

TEST_CASE("scorecard by hand: the overall row") {
    const auto log = small_log();
    REQUIRE(log.size() == 13);
    const auto t = cxkit::metrics::scorecard(log);
    REQUIRE(t.rows() == 1);
    CHECK(t.group_columns.empty());
    CHECK(t.period == Period::none);
    CHECK(t.labels[0].empty());
    CHECK(t.period_index[0] == 0);

    // NPS answers 10, 9, 8, 6, 3, 10, 9, 7, 10: promoters 5, passives 2 (8, 7), detractors 2 (6, 3), n = 9
    // NPS = 100 (5 - 2) / 9 = 33.33. Adjusted Wald: P' = 5.75, D' = 2.75, n' = 12 -> p_P = .479167, p_D = .229167,
    // adj = .25, var = .708333 - .0625 = .645833, half = 1.959964 sqrt(.645833 / 12) = .454692 -> [-20.469, 70.469]
    CHECK(at(t, 0, "nps") == Approx(100.0 / 3.0));
    CHECK(at(t, 0, "nps_low") == Approx(-20.46924010646851));
    CHECK(at(t, 0, "nps_high") == Approx(70.4692401064685));
    CHECK(at(t, 0, "nps_n") == 9);
    // CSAT answers 5, 4, 2, 3, 5, 4, 1: top-2 = 4 of 7 = 57.14%. Wilson, z = 1.959964, z^2/n = .548780:
    // centre = (.571429 + .274390) / 1.548780 = .546120, half = 1.959964 / 1.548780 sqrt(.571429 .428571 / 7 +
    // .548780 / 28) = .295660 -> [25.046, 84.178]
    CHECK(at(t, 0, "csat") == Approx(400.0 / 7.0));
    CHECK(at(t, 0, "csat_low") == Approx(25.045836452765723));
    CHECK(at(t, 0, "csat_high") == Approx(84.17801447485303));
    CHECK(at(t, 0, "csat_n") == 7);
    // CES answers 6, 3, 7, 2: mean 18 / 4 = 4.5; agree (5-7) = 6, 7 -> 50%
    CHECK(at(t, 0, "ces") == Approx(4.5));
    CHECK(at(t, 0, "ces_agree") == Approx(50.0));
    CHECK(at(t, 0, "ces_n") == 4);
    // FCR flags 1, 0, 1, 1, 0, 1: 4 of 6 resolved at first contact
    CHECK(at(t, 0, "fcr") == Approx(400.0 / 6.0));
    CHECK(at(t, 0, "fcr_n") == 6);
    // response times 60, 120, 30, 300, 600, 10 -> sorted 10 30 60 120 300 600; mean 1120 / 6 = 186.67;
    // median at index 2.5 -> (60 + 120) / 2 = 90; p90 at index 4.5 -> 300 + .5 (600 - 300) = 450
    CHECK(at(t, 0, "response_time_mean") == Approx(1120.0 / 6.0));
    CHECK(at(t, 0, "response_time_median") == Approx(90.0));
    CHECK(at(t, 0, "response_time_p90") == Approx(450.0));
    CHECK(at(t, 0, "response_time_n") == 6);
    // complaints: events 2, 7, 12 -> 3 for 4 customers = .75, 750 per 1,000
    CHECK(at(t, 0, "complaints") == 3);
    CHECK(at(t, 0, "complaint_rate") == Approx(0.75));
    CHECK(at(t, 0, "complaints_per_1000") == Approx(750.0));
    // sentiment -.5, .5, -.8, .9, -.2: sum -.1, mean -.02
    CHECK(at(t, 0, "sentiment") == Approx(-0.02));
    CHECK(at(t, 0, "sentiment_n") == 5);
    CHECK(at(t, 0, "customers") == 4);
    CHECK(at(t, 0, "events") == 13);
    // revenue 100 + 50 + 30 + 20 + 200 + 80 + 40 = 520
    CHECK(at(t, 0, "revenue") == Approx(520.0));
    // Pooled monthly retention. Active months: A Jan Feb Mar, B Jan Feb, C Feb Mar, D Mar (8 customer-months).
    //   Jan: S = 0 (skipped).  Feb: S = 2 (A, B), E = 3 (A, B, C), N = 1 (C), lost 0.
    //   Mar: S = 3 (A, B, C), E = 3 (A, C, D), N = 1 (D), lost 1 (B).
    //   pooled: retention = ((3 - 1) + (3 - 1)) / (2 + 3) = .8, churn = (0 + 1) / 5 = .2
    CHECK(at(t, 0, "retention_rate") == Approx(0.8));
    CHECK(at(t, 0, "churn_rate") == Approx(0.2));
    // Simple CLV: m = 520 / 8 customer-months = 65, r = .8, d = 1.1^(1/12) - 1 = .00797414
    //   CLV = 65 .8 / (1 + .00797414 - .8) = 52 / .20797414 = 250.031
    const double d = std::pow(1.1, 1.0 / 12.0) - 1.0;
    CHECK(d == Approx(0.007974140428903764));
    CHECK(at(t, 0, "clv") == Approx(65 * 0.8 / (1 + d - 0.8)));
    CHECK(at(t, 0, "clv") == Approx(250.0310850799082));
    // no periods: no NPS change test
    CHECK(std::isnan(at(t, 0, "nps_change_z")));
    CHECK(std::isnan(at(t, 0, "nps_change_p")));
    CHECK(t.flag("nps_change_significant")[0] == 0);
}

TEST_CASE("scorecard by hand: by channel") {
    ScorecardOptions opt;
    opt.by = {"channel"};
    const auto t = cxkit::metrics::scorecard(small_log(), opt);
    // rows sorted by label: phone, store, web (every event has a channel, so no missing row)
    REQUIRE(t.rows() == 3);
    CHECK(t.group_columns == std::vector<std::string>{"channel"});
    CHECK(t.labels[0] == labels({"phone"}));
    CHECK(t.labels[1] == labels({"store"}));
    CHECK(t.labels[2] == labels({"web"}));
    CHECK(at(t, 0, "events") + at(t, 1, "events") + at(t, 2, "events") == 13);

    // web: events 1, 3, 4, 7, 8, 13 (customers A, B, C, D)
    const auto w = row_of(t, labels({"web"}));
    CHECK(at(t, w, "events") == 6);
    CHECK(at(t, w, "customers") == 4);
    // revenue 100 + 50 + 30 + 20 + 200 + 40 = 440
    CHECK(at(t, w, "revenue") == Approx(440.0));
    // NPS 10, 9, 8, 3, 10, 10: P = 4, passive 1, D = 1, n = 6 -> 50. Adjusted Wald: P' = 4.75, D' = 1.75, n' = 9
    // -> adj = 1/3, var = .722222 - .111111 = .611111, half = 1.959964 sqrt(.611111 / 9) = .510725 -> [-17.74, 84.41]
    CHECK(at(t, w, "nps") == Approx(50.0));
    CHECK(at(t, w, "nps_low") == Approx(-17.739144232072178));
    CHECK(at(t, w, "nps_high") == Approx(84.40581089873885));
    CHECK(at(t, w, "nps_n") == 6);
    // CSAT 5, 4, 3, 5: top-2 3 of 4 = 75%; Wilson [30.06, 95.44]
    CHECK(at(t, w, "csat") == Approx(75.0));
    CHECK(at(t, w, "csat_low") == Approx(30.0641842582402));
    CHECK(at(t, w, "csat_high") == Approx(95.44127391902994));
    // CES 7 only
    CHECK(at(t, w, "ces") == Approx(7.0));
    CHECK(at(t, w, "ces_agree") == Approx(100.0));
    CHECK(at(t, w, "ces_n") == 1);
    // no FCR and no response times on web
    CHECK(std::isnan(at(t, w, "fcr")));
    CHECK(at(t, w, "fcr_n") == 0);
    CHECK(std::isnan(at(t, w, "response_time_mean")));
    CHECK(std::isnan(at(t, w, "response_time_median")));
    CHECK(std::isnan(at(t, w, "response_time_p90")));
    CHECK(at(t, w, "response_time_n") == 0);
    // one complaint (event 7) over 4 customers
    CHECK(at(t, w, "complaints") == 1);
    CHECK(at(t, w, "complaint_rate") == Approx(0.25));
    CHECK(at(t, w, "complaints_per_1000") == Approx(250.0));
    // sentiment .5, -.8 -> -.15
    CHECK(at(t, w, "sentiment") == Approx(-0.15));
    CHECK(at(t, w, "sentiment_n") == 2);
    // web activity: A Jan Feb Mar, B Feb, C Feb, D Mar (6 customer-months)
    //   Feb: S = 1 (A), E = 3, N = 2 (B, C), lost 0.  Mar: S = 3, E = 2 (A, D), N = 1 (D), lost 2 (B, C)
    //   pooled retention = (1 + 1) / (1 + 3) = .5, churn = 2 / 4 = .5
    CHECK(at(t, w, "retention_rate") == Approx(0.5));
    CHECK(at(t, w, "churn_rate") == Approx(0.5));
    // CLV: m = 440 / 6 = 73.33, r = .5 -> 36.667 / .50797414 = 72.182
    CHECK(at(t, w, "clv") == Approx(72.18215209874161));

    // phone: events 2, 5, 6, 9, 12 (A, B, C, D)
    const auto p = row_of(t, labels({"phone"}));
    CHECK(at(t, p, "events") == 5);
    CHECK(at(t, p, "customers") == 4);
    CHECK(at(t, p, "revenue") == 0);
    // NPS 6 only: -100; Adjusted Wald P' = .75, D' = 1.75, n' = 4: adj = -.25, var = .5625, half = .734986
    CHECK(at(t, p, "nps") == Approx(-100.0));
    CHECK(at(t, p, "nps_low") == Approx(100 * (-0.25 - 1.959963984540054 * 0.375)));
    CHECK(at(t, p, "nps_high") == Approx(100 * (-0.25 + 1.959963984540054 * 0.375)));
    // CSAT 2 only: 0%, Wilson [0, z^2 / (1 + z^2)] = [0, 79.35]
    const double z2 = 1.959963984540054 * 1.959963984540054;
    CHECK(at(t, p, "csat") == 0);
    CHECK(at(t, p, "csat_low") == Approx(0.0));
    CHECK(at(t, p, "csat_high") == Approx(100 * z2 / (1 + z2)));
    // CES 6, 3 -> 4.5, 50%
    CHECK(at(t, p, "ces") == Approx(4.5));
    CHECK(at(t, p, "ces_agree") == Approx(50.0));
    // FCR 1, 0, 1, 1, 1 -> 80%
    CHECK(at(t, p, "fcr") == Approx(80.0));
    CHECK(at(t, p, "fcr_n") == 5);
    // response times 60, 120, 30, 300, 10 -> sorted 10 30 60 120 300: mean 104, median 60, p90 at 3.6 -> 120 + .6 180
    CHECK(at(t, p, "response_time_mean") == Approx(104.0));
    CHECK(at(t, p, "response_time_median") == Approx(60.0));
    CHECK(at(t, p, "response_time_p90") == Approx(228.0));
    // complaints 2 and 12
    CHECK(at(t, p, "complaints") == 2);
    CHECK(at(t, p, "complaint_rate") == Approx(0.5));
    // sentiment -.5, .9, -.2 -> .2 / 3
    CHECK(at(t, p, "sentiment") == Approx(0.2 / 3));
    // phone activity: A Jan, B Jan, C Feb, D Mar: Feb S = 2, E = 1, N = 1, lost 2; Mar S = 1, E = 1, N = 1, lost 1
    //   pooled retention (0 + 0) / 3 = 0, churn 3 / 3 = 1; CLV = 0
    CHECK(at(t, p, "retention_rate") == Approx(0.0));
    CHECK(at(t, p, "churn_rate") == Approx(1.0));
    CHECK(at(t, p, "clv") == Approx(0.0));

    // store: events 10 and 11 (C and D, both in March): only one active month -> no S > 0, retention NaN
    const auto s = row_of(t, labels({"store"}));
    CHECK(at(t, s, "events") == 2);
    CHECK(at(t, s, "customers") == 2);
    CHECK(at(t, s, "nps") == Approx(50.0));  // 9 and 7: P = 1, D = 0, n = 2
    CHECK(at(t, s, "complaints") == 0);
    CHECK(at(t, s, "complaint_rate") == 0);
    CHECK(std::isnan(at(t, s, "retention_rate")));
    CHECK(std::isnan(at(t, s, "churn_rate")));
    CHECK(std::isnan(at(t, s, "clv")));
}

TEST_CASE("scorecard by hand: by month") {
    ScorecardOptions opt;
    opt.period = Period::month;
    const auto t = cxkit::metrics::scorecard(small_log(), opt);
    REQUIRE(t.rows() == 3);
    CHECK(t.period == Period::month);
    const std::int64_t jan = 2024 * 12, feb = jan + 1, mar = jan + 2;
    CHECK(t.period_index == std::vector<std::int64_t>{jan, feb, mar});

    // February: events 3, 7, 8, 9 (A, B, C)
    const auto f = row_of(t, {}, feb);
    CHECK(at(t, f, "events") == 4);
    CHECK(at(t, f, "customers") == 3);
    CHECK(at(t, f, "revenue") == Approx(270.0));  // 50 + 20 + 200
    // NPS 9, 3, 10: P = 2, D = 1, n = 3 -> 33.33; variance 2/3 + 1/3 - 1/9 = 8/9.
    // Adjusted Wald P' = 2.75, D' = 1.75, n' = 6 -> [-51.33, 84.67]
    CHECK(at(t, f, "nps") == Approx(100.0 / 3.0));
    CHECK(at(t, f, "nps_low") == Approx(-51.33317311325325));
    CHECK(at(t, f, "nps_high") == Approx(84.66650644658658));
    CHECK(at(t, f, "nps_n") == 3);
    // CSAT 4, 3, 5: 2 of 3 -> 66.67%, Wilson [20.77, 93.85]
    CHECK(at(t, f, "csat") == Approx(200.0 / 3.0));
    CHECK(at(t, f, "csat_low") == Approx(20.76596008020478));
    CHECK(at(t, f, "csat_high") == Approx(93.85080552796038));
    // CES 7; FCR 1 of 1; response time 300 only
    CHECK(at(t, f, "ces") == Approx(7.0));
    CHECK(at(t, f, "ces_agree") == Approx(100.0));
    CHECK(at(t, f, "fcr") == Approx(100.0));
    CHECK(at(t, f, "fcr_n") == 1);
    CHECK(at(t, f, "response_time_mean") == Approx(300.0));
    CHECK(at(t, f, "response_time_median") == Approx(300.0));
    CHECK(at(t, f, "response_time_p90") == Approx(300.0));
    // complaint 7 over 3 customers
    CHECK(at(t, f, "complaints") == 1);
    CHECK(at(t, f, "complaint_rate") == Approx(1.0 / 3.0));
    CHECK(at(t, f, "complaints_per_1000") == Approx(1000.0 / 3.0));
    // sentiment -.8, .9 -> .05
    CHECK(at(t, f, "sentiment") == Approx(0.05));
    CHECK(at(t, f, "sentiment_n") == 2);
    // Feb: S = 2 (A, B in Jan), E = 3, N = 1 (C) -> retention (3 - 1) / 2 = 1; lost 0 -> churn 0
    CHECK(at(t, f, "retention_rate") == Approx(1.0));
    CHECK(at(t, f, "churn_rate") == Approx(0.0));
    // CLV with r = 1: m = 270 / 3 = 90 -> 90 / d = 11286.48
    CHECK(at(t, f, "clv") == Approx(11286.482951037351));
    // NPS change vs January (10, 6: NPS 0, variance 1, n 2): z = (1/3 - 0) / sqrt((8/9) / 3 + 1 / 2) = .37354,
    // p = 2 (1 - Phi(.37354)) = .70874
    CHECK(at(t, f, "nps_change_z") == Approx(0.37354368381881425));
    CHECK(at(t, f, "nps_change_p") == Approx(0.7087438392501955));
    CHECK(t.flag("nps_change_significant")[f] == 0);

    // January: nothing before it
    const auto j = row_of(t, {}, jan);
    CHECK(at(t, j, "events") == 4);  // 1, 2, 5, 6: A 01-05, A 01-20, B 01-10, B 01-11
    CHECK(at(t, j, "customers") == 2);
    CHECK(std::isnan(at(t, j, "retention_rate")));  // S = 0
    CHECK(std::isnan(at(t, j, "churn_rate")));
    CHECK(std::isnan(at(t, j, "nps_change_z")));
    CHECK(std::isnan(at(t, j, "clv")));

    // March: events 4, 10, 11, 12, 13 (A, C, D); S = 3, E = 3, N = 1 (D), lost 1 (B)
    const auto m = row_of(t, {}, mar);
    CHECK(at(t, m, "events") == 5);
    CHECK(at(t, m, "customers") == 3);
    CHECK(at(t, m, "retention_rate") == Approx(2.0 / 3.0));
    CHECK(at(t, m, "churn_rate") == Approx(1.0 / 3.0));
    // CLV: m = 150 / 3 = 50, r = 2/3 -> 33.33 / (1/3 + d) = 97.66
    CHECK(at(t, m, "clv") == Approx(97.66364904319124));
    // NPS 8, 9, 7, 10 -> 50, variance .25; vs Feb: z = (.5 - 1/3) / sqrt(.25 / 4 + (8/9) / 3) = .27824
    CHECK(at(t, m, "nps") == Approx(50.0));
    CHECK(at(t, m, "nps_change_z") == Approx(0.2782433374561009));
    CHECK(at(t, m, "nps_change_p") == Approx(0.7808255693112478));
}

TEST_CASE("scorecard: a different confidence level and discount rate") {
    cxkit::metrics::ScorecardTableOptions o;
    o.confidence = 0.90;
    o.annual_discount_rate = 0.0;
    const auto t = cxkit::metrics::scorecard(small_log(), {}, o);
    // d = 0: CLV = 65 .8 / .2 = 260
    CHECK(at(t, 0, "clv") == Approx(260.0));
    const auto t95 = cxkit::metrics::scorecard(small_log());
    CHECK(at(t, 0, "nps_low") > at(t95, 0, "nps_low"));
    CHECK(at(t, 0, "nps") == at(t95, 0, "nps"));
    o.confidence = 1.0;
    CHECK_THROWS_AS(cxkit::metrics::scorecard(small_log(), {}, o), invalid_input);
    o.confidence = 0.95;
    o.annual_discount_rate = -0.1;
    CHECK_THROWS_AS(cxkit::metrics::scorecard(small_log(), {}, o), invalid_input);
}

TEST_CASE("scorecard: group by two columns") {
    ScorecardOptions opt;
    opt.by = {"channel", "kind"};
    const auto t = cxkit::metrics::scorecard(small_log(), opt);
    CHECK(t.group_columns == std::vector<std::string>{"channel", "kind"});
    // combinations present: phone/-, phone/complaint, store/-, web/-, web/complaint, web/purchase
    REQUIRE(t.rows() == 6);
    const std::vector<GroupLabels> expected{labels({"phone", std::nullopt}), labels({"phone", "complaint"}),
                                            labels({"store", std::nullopt}), labels({"web", std::nullopt}),
                                            labels({"web", "complaint"}),   labels({"web", "purchase"})};
    CHECK(t.labels == expected);
    const auto pc = row_of(t, labels({"phone", "complaint"}));
    CHECK(at(t, pc, "events") == 2);  // events 2 (A) and 12 (D)
    CHECK(at(t, pc, "customers") == 2);
    CHECK(at(t, pc, "complaints") == 2);
    CHECK(at(t, pc, "complaint_rate") == Approx(1.0));
    CHECK(at(t, pc, "response_time_mean") == Approx(35.0));  // 60, 10
    const auto wp = row_of(t, labels({"web", "purchase"}));
    CHECK(at(t, wp, "events") == 1);
    CHECK(at(t, wp, "revenue") == Approx(40.0));
    CHECK(at(t, wp, "nps") == Approx(100.0));
    const auto pn = row_of(t, labels({"phone", std::nullopt}));
    CHECK(at(t, pn, "events") == 3);  // 5, 6, 9
    CHECK(at(t, pn, "customers") == 2);
    CHECK(at(t, pn, "fcr") == Approx(200.0 / 3.0));

    // two columns and months: web/- in February = events 3 and 8
    opt.period = Period::month;
    const auto tm = cxkit::metrics::scorecard(small_log(), opt);
    const auto r = row_of(tm, labels({"web", std::nullopt}), 2024 * 12 + 1);
    CHECK(at(tm, r, "events") == 2);
    CHECK(at(tm, r, "revenue") == Approx(250.0));
    CHECK(at(tm, r, "nps") == Approx(100.0));
}

TEST_CASE("scorecard: grouping by a missing column names it") {
    ScorecardOptions opt;
    opt.by = {"channel", "region"};
    try {
        (void)cxkit::metrics::scorecard(small_log(), opt);
        FAIL("no exception");
    } catch (const invalid_input& e) {
        CHECK(e.column() == "region");
        const std::string what = e.what();
        CHECK(what.find("'region'") != std::string::npos);
        CHECK(what.find("no such categorical column") != std::string::npos);
        CHECK(what.find("channel, kind") != std::string::npos);  // what the log has
    }
    opt.by = {"nps"};  // a measure is not a grouping column
    CHECK_THROWS_AS(cxkit::metrics::fill_scorecard(small_log(), opt), invalid_input);
}

TEST_CASE("scorecard by segment: from_labels, from_members, from_predicates") {
    const auto log = small_log();
    // customer codes in order of first appearance: A 0, B 1, C 2, D 3
    REQUIRE(log.customer_ids().strs() == std::vector<std::string>{"A", "B", "C", "D"});

    const auto by_labels = cxkit::Segmentation::from_labels(log, "tier", {0, 1, 0, -1}, {"vip", "regular"});
    const auto by_members = cxkit::Segmentation::from_members(log, "tier", {{"vip", {"A", "C"}}, {"regular", {"B", "A"}}});
    CHECK(by_members.of_customer == by_labels.of_customer);  // A listed twice keeps the first segment
    CHECK(by_labels.size_of(0) == 2);

    ScorecardOptions opt;
    opt.segment = &by_labels;
    const auto state = cxkit::metrics::fill_scorecard(log, opt);
    opt.segment = &by_members;
    CHECK(cxkit::metrics::fill_scorecard(log, opt) == state);

    const auto t = cxkit::metrics::scorecard_table(state);
    CHECK(t.group_columns == std::vector<std::string>{"tier"});
    REQUIRE(t.rows() == 3);  // none (D), regular (B), vip (A, C)
    const auto none = row_of(t, labels({std::nullopt}));
    const auto reg = row_of(t, labels({"regular"}));
    const auto vip = row_of(t, labels({"vip"}));
    CHECK(at(t, vip, "events") == 7);  // A 4 + C 3
    CHECK(at(t, vip, "customers") == 2);
    CHECK(at(t, vip, "revenue") == Approx(460.0));  // 180 + 280
    // vip NPS 10, 9, 8, 10, 9: P = 4, passive 1 -> 80
    CHECK(at(t, vip, "nps") == Approx(80.0));
    CHECK(at(t, reg, "events") == 3);
    CHECK(at(t, reg, "nps") == Approx(-100.0));  // 6, 3
    CHECK(at(t, none, "events") == 3);
    CHECK(at(t, none, "customers") == 1);
    // vip activity: A Jan Feb Mar, C Feb Mar: Feb S 1 E 2 N 1 -> (2 - 1); Mar S 2 E 2 N 0 -> 2 => 3 / 3 = 1
    CHECK(at(t, vip, "retention_rate") == Approx(1.0));
    CHECK(at(t, vip, "churn_rate") == Approx(0.0));

    // channel and segment together
    opt.by = {"channel"};
    opt.segment = &by_labels;
    const auto t2 = cxkit::metrics::scorecard(log, opt);
    CHECK(t2.group_columns == std::vector<std::string>{"channel", "tier"});
    const auto wv = row_of(t2, labels({"web", "vip"}));
    CHECK(at(t2, wv, "events") == 4);  // 1, 3, 4, 8
    CHECK(at(t2, wv, "revenue") == Approx(380.0));

    // rule segments over the customer table: revenue >= 100 -> "big", else 3+ events -> "frequent"
    const auto customers = cxkit::Customers::from_log(log);
    CHECK(customers.revenue() == std::vector<double>{180, 20, 280, 40});
    CHECK(customers.events() == std::vector<std::uint64_t>{4, 3, 3, 3});
    const auto rules = cxkit::Segmentation::from_predicates(
        customers, "value_tier",
        {{"big", [](const cxkit::Customers& c, std::size_t i) { return c.revenue()[i] >= 100; }},
         {"frequent", [](const cxkit::Customers& c, std::size_t i) { return c.events()[i] >= 3; }},
         {"never", [](const cxkit::Customers&, std::size_t) { return false; }}});
    CHECK(rules.of_customer == std::vector<std::int32_t>{0, 1, 0, 1});
    ScorecardOptions ro;
    ro.segment = &rules;
    const auto t3 = cxkit::metrics::scorecard(log, ro);
    REQUIRE(t3.rows() == 2);  // an empty segment gives no row
    CHECK(at(t3, row_of(t3, labels({"big"})), "events") == 7);
    CHECK(at(t3, row_of(t3, labels({"frequent"})), "events") == 6);
    CHECK(at(t3, row_of(t3, labels({"frequent"})), "complaints") == 2);  // 7 and 12

    // bad segmentations
    CHECK_THROWS_AS(cxkit::Segmentation::from_labels(log, "tier", {0, 1}, {"vip", "regular"}), invalid_input);
    CHECK_THROWS_AS(cxkit::Segmentation::from_labels(log, "tier", {0, 1, 2, 0}, {"vip", "regular"}), invalid_input);
    CHECK_THROWS_AS(cxkit::Segmentation::from_members(log, "tier", {{"vip", {"Z"}}}), invalid_input);
    cxkit::Segmentation wrong{"tier", {"x"}, {0, 0}};  // made for a 2-customer log
    ro.segment = &wrong;
    CHECK_THROWS_AS(cxkit::metrics::fill_scorecard(log, ro), invalid_input);
}

TEST_CASE("ScorecardState merge: fill(A) += fill(B) equals fill(A u B), different customers and distributions") {
    // A: promoter-heavy, web/phone; B: detractor-heavy, its own customers, channels in another order plus chat
    const auto a = random_events({"a", 60, 3000, {"web", "phone"}, +3, 1});
    const auto b = random_events({"b", 40, 2000, {"chat", "phone", "store", "web"}, -4, 2});
    auto all = a;
    all.insert(all.end(), b.begin(), b.end());
    const auto la = log_of(a), lb = log_of(b), lall = log_of(all);

    for (Period p : {Period::none, Period::month, Period::week}) {
        for (bool by_channel : {false, true}) {
            CAPTURE(cxkit::period_code(p));
            CAPTURE(by_channel);
            ScorecardOptions opt;
            opt.period = p;
            if (by_channel) opt.by = {"channel", "kind"};
            auto merged = cxkit::metrics::fill_scorecard(la, opt);
            const auto fb = cxkit::metrics::fill_scorecard(lb, opt);
            CHECK_FALSE(merged == fb);
            merged += fb;
            const auto whole = cxkit::metrics::fill_scorecard(lall, opt);
            CHECK(merged == whole);
            CHECK(cxkit::merged(fb, cxkit::metrics::fill_scorecard(la, opt)) == whole);  // either order
            // the finished tables agree too
            const auto tm = cxkit::metrics::scorecard_table(merged), tw = cxkit::metrics::scorecard_table(whole);
            REQUIRE(tm.rows() == tw.rows());
            CHECK(tm.labels == tw.labels);
            CHECK(tm.period_index == tw.period_index);
            for (const char* col : {"customers", "events", "nps_n", "csat_n", "complaints", "fcr_n"})
                CHECK(tm.column(col) == tw.column(col));
            for (const char* col : {"nps", "retention_rate", "churn_rate", "response_time_p90", "revenue"}) {
                const auto& x = tm.column(col);
                const auto& y = tw.column(col);
                for (std::size_t i = 0; i < x.size(); ++i)
                    CHECK(((std::isnan(x[i]) && std::isnan(y[i])) || x[i] == Approx(y[i])));
            }
        }
    }
    // the two halves really are different: B's NPS is far below A's
    const auto ta = cxkit::metrics::scorecard(la), tb = cxkit::metrics::scorecard(lb);
    CHECK(at(ta, 0, "nps") > at(tb, 0, "nps") + 50);
}

TEST_CASE("ScorecardState merge: the same customers in both parts count once (set semantics)") {
    // one log's events dealt at random into two parts: most customers appear in both
    const auto events = random_events({"c", 50, 4000, {"web", "phone", "store"}, 0, 7});
    std::mt19937_64 rng(99);
    std::vector<RandomEvent> a, b;
    for (auto& e : events) (rng() % 3 == 0 ? a : b).push_back(e);
    // give B a different channel dictionary order by putting a store event first
    for (std::size_t i = 0; i < b.size(); ++i)
        if (b[i].channel == "store") {
            std::swap(b[0], b[i]);
            break;
        }
    const auto la = log_of(a), lb = log_of(b), lall = log_of(events);
    CHECK(la.categorical("channel")->categories != lb.categorical("channel")->categories);
    CHECK(la.n_customers() + lb.n_customers() > lall.n_customers());  // overlap

    for (Period p : {Period::none, Period::month}) {
        CAPTURE(cxkit::period_code(p));
        ScorecardOptions opt;
        opt.by = {"channel"};
        opt.period = p;
        const auto fa = cxkit::metrics::fill_scorecard(la, opt), fb = cxkit::metrics::fill_scorecard(lb, opt);
        const auto merged = cxkit::merged(fa, fb);
        const auto whole = cxkit::metrics::fill_scorecard(lall, opt);
        CHECK(merged == whole);
        const auto tm = cxkit::metrics::scorecard_table(merged), tw = cxkit::metrics::scorecard_table(whole);
        CHECK(tm.column("customers") == tw.column("customers"));
        const auto ta = cxkit::metrics::scorecard_table(fa), tb = cxkit::metrics::scorecard_table(fb);
        // the distinct counts are not the sum of the parts
        double sum_parts = 0, sum_merged = 0;
        for (double x : ta.column("customers")) sum_parts += x;
        for (double x : tb.column("customers")) sum_parts += x;
        for (double x : tm.column("customers")) sum_merged += x;
        CHECK(sum_merged < sum_parts);
        // retention from merged activity equals retention of the whole (first-period semantics survive a merge)
        const auto& rm = tm.column("retention_rate");
        const auto& rw = tw.column("retention_rate");
        for (std::size_t i = 0; i < rm.size(); ++i) CHECK(((std::isnan(rm[i]) && std::isnan(rw[i])) || rm[i] == Approx(rw[i])));
    }
    // merging a state with itself changes counts but not the sets
    const auto f = cxkit::metrics::fill_scorecard(lall);
    auto twice = f;
    twice += f;
    CHECK_FALSE(twice == f);
    CHECK(twice.cells.begin()->second.customers == f.cells.begin()->second.customers);
    CHECK(twice.activity == f.activity);
    CHECK(twice.cells.begin()->second.events == 2 * f.cells.begin()->second.events);
}

TEST_CASE("ScorecardState: the same answer on 1 and 2 threads (> 200,000 events)") {
    std::mt19937_64 rng(2024);
    std::uniform_int_distribution<std::int64_t> cust(0, 19'999), sec(0, 365LL * 86'400 - 1);
    std::uniform_int_distribution<int> ch(0, 3), score(0, 10), five(1, 5), four(0, 3);
    std::uniform_real_distribution<double> u(0, 1);
    const char* channels[] = {"web", "phone", "store", "chat"};
    EventLogBuilder b;
    const int n = 240'000;
    for (int i = 0; i < n; ++i) {
        b.event(cust(rng) * 7 + 1, timestamp(2023, 6, 1) + sec(rng) * cxkit::ns_per_second)
            .set("channel", channels[ch(rng)])
            .set("nps", score(rng));
        if (four(rng) == 0) b.set("kind", "complaint");
        if (four(rng) == 0) b.set("csat", five(rng));
        if (four(rng) == 0) b.set("response_time", u(rng) * 3600);
        if (four(rng) == 0) b.set("value", u(rng) * 200);
        if (four(rng) == 0) b.set("sentiment", 2 * u(rng) - 1);
    }
    const auto log = std::move(b).build();
    REQUIRE(log.size() == static_cast<std::size_t>(n));
    REQUIRE(log.size() > 200'000);

    for (Period p : {Period::none, Period::month}) {
        CAPTURE(cxkit::period_code(p));
        ScorecardOptions opt;
        opt.by = {"channel"};
        opt.period = p;
        opt.threads = 1;
        const auto one = cxkit::metrics::fill_scorecard(log, opt);
        opt.threads = 2;
        const auto two = cxkit::metrics::fill_scorecard(log, opt);
        const auto two_again = cxkit::metrics::fill_scorecard(log, opt);
        CHECK(one == two);
        CHECK(two.serialize() == two_again.serialize());  // same thread count: bit for bit
        const auto t1 = cxkit::metrics::scorecard_table(one), t2 = cxkit::metrics::scorecard_table(two);
        REQUIRE(t1.rows() == t2.rows());
        CHECK(t1.labels == t2.labels);
        for (std::size_t c = 0; c < t1.column_names.size(); ++c) {
            CAPTURE(t1.column_names[c]);
            for (std::size_t i = 0; i < t1.rows(); ++i) {
                const double x = t1.columns[c][i], y = t2.columns[c][i];
                CHECK(((std::isnan(x) && std::isnan(y)) || x == Approx(y).epsilon(1e-12)));
            }
        }
        // the counts are exact
        CHECK(t1.column("customers") == t2.column("customers"));
        CHECK(t1.column("events") == t2.column("events"));
        CHECK(same_values(t1.column("response_time_median"), t2.column("response_time_median")));
        double events = 0;
        for (double e : t1.column("events")) events += e;
        CHECK(events == n);
    }
}

TEST_CASE("ScorecardState: serialize and deserialize") {
    ScorecardOptions opt;
    opt.by = {"channel", "kind"};
    opt.period = Period::month;
    const auto s = cxkit::metrics::fill_scorecard(small_log(), opt);
    const auto bytes = s.serialize();
    const auto back = ScorecardState::deserialize(bytes);
    CHECK(back == s);
    CHECK(back.serialize() == bytes);
    CHECK(back.group_columns == s.group_columns);
    CHECK(back.period == Period::month);
    const auto tb = cxkit::metrics::scorecard_table(back), ts = cxkit::metrics::scorecard_table(s);
    for (std::size_t c = 0; c < ts.columns.size(); ++c) {
        CAPTURE(ts.column_names[c]);
        CHECK(same_values(tb.columns[c], ts.columns[c]));
    }
    // labels with a missing value survive (nullopt is not "")
    bool has_missing = false;
    for (auto& [k, _] : back.cells) has_missing |= !k.first[1].has_value();
    CHECK(has_missing);
    // the empty state too
    CHECK(ScorecardState::deserialize(ScorecardState{}.serialize()) == ScorecardState{});

    // garbage, truncation, trailing bytes, a different state's bytes
    CHECK_THROWS_AS(ScorecardState::deserialize(""), invalid_input);
    CHECK_THROWS_AS(ScorecardState::deserialize("not a scorecard at all"), invalid_input);
    CHECK_THROWS_AS(ScorecardState::deserialize(std::string(64, '\xff')), invalid_input);
    CHECK_THROWS_AS(ScorecardState::deserialize(std::string_view(bytes).substr(0, bytes.size() - 1)), invalid_input);
    CHECK_THROWS_AS(ScorecardState::deserialize(std::string_view(bytes).substr(0, bytes.size() / 2)), invalid_input);
    CHECK_THROWS_AS(ScorecardState::deserialize(bytes + "x"), invalid_input);
    CHECK_THROWS_AS(ScorecardState::deserialize(s.cells.begin()->second.serialize()), invalid_input);
    std::string flipped = bytes;
    flipped[8] = 'X';  // inside the tag
    CHECK_THROWS_AS(ScorecardState::deserialize(flipped), invalid_input);
    // every prefix is refused, none crashes
    std::size_t refused = 0;
    for (std::size_t len = 0; len < bytes.size(); ++len) {
        try {
            (void)ScorecardState::deserialize(std::string_view(bytes).substr(0, len));
        } catch (const invalid_input&) {
            ++refused;
        }
    }
    CHECK(refused == bytes.size());
}

TEST_CASE("ScorecardState: states grouped differently do not merge") {
    const auto log = small_log();
    ScorecardOptions by_channel, by_kind, by_channel_monthly, by_channel_weekly_retention;
    by_channel.by = {"channel"};
    by_kind.by = {"kind"};
    by_channel_monthly.by = {"channel"};
    by_channel_monthly.period = Period::month;
    by_channel_weekly_retention.by = {"channel"};
    by_channel_weekly_retention.retention_period = Period::week;
    auto s = cxkit::metrics::fill_scorecard(log, by_channel);
    const auto before = s;
    CHECK_THROWS_AS(s += cxkit::metrics::fill_scorecard(log, by_kind), invalid_input);
    CHECK_THROWS_AS(s += cxkit::metrics::fill_scorecard(log, by_channel_monthly), invalid_input);
    CHECK_THROWS_AS(s += cxkit::metrics::fill_scorecard(log, by_channel_weekly_retention), invalid_input);
    CHECK(s == before);  // a refused merge leaves the state as it was
    try {
        s += cxkit::metrics::fill_scorecard(log, by_kind);
    } catch (const invalid_input& e) {
        CHECK(std::string(e.what()).find("cannot merge scorecards grouped by different columns or periods") !=
              std::string::npos);
    }
    // the empty state is the identity on both sides
    ScorecardState empty;
    empty += s;
    CHECK(empty == s);
    s += ScorecardState{};
    CHECK(s == before);
}

TEST_CASE("scorecard of an empty log is an empty table") {
    const auto empty = EventLogBuilder{}.build();
    REQUIRE(empty.empty());
    for (Period p : {Period::none, Period::month, Period::day}) {
        ScorecardOptions opt;
        opt.period = p;
        const auto st = cxkit::metrics::fill_scorecard(empty, opt);
        CHECK(st.cells.empty());
        CHECK(st.activity.empty());
        const auto t = cxkit::metrics::scorecard_table(st);
        CHECK(t.rows() == 0);
        CHECK(t.columns.size() == t.column_names.size());
        CHECK(t.column("nps").empty());
        // merging an empty log's state into a real one changes nothing
        auto real = cxkit::metrics::fill_scorecard(small_log(), opt);
        const auto copy = real;
        real += st;
        CHECK(real == copy);
    }
    // an empty log that has a channel column can be grouped by it
    cxkit::EventTable table;
    table.customer_ids = cxkit::CustomerIds::strings({"A"});
    table.categoricals.emplace_back("channel", cxkit::Categorical{cxkit::Column<std::int32_t>::owned({}), {"web"}});
    const auto log = EventLog::build(std::move(table));
    ScorecardOptions opt;
    opt.by = {"channel"};
    opt.period = Period::week;
    CHECK(cxkit::metrics::scorecard(log, opt).rows() == 0);
    CHECK_THROWS_AS(cxkit::metrics::scorecard(empty, opt), invalid_input);  // no such column, even when empty
    // and a log whose every row was dropped
    EventLogBuilder b(cxkit::metrics::measure_rule);  // the scorecard's rules come from metrics now
    b.event("A", 1).set("nps", 11);
    const auto dropped = std::move(b).build(cxkit::OnError::drop);
    CHECK(cxkit::metrics::scorecard(dropped).rows() == 0);
}

TEST_CASE("scorecard: an NPS change is flagged only with min_change_n answers in both periods") {
    // January: n promoters; February: n detractors. Both months have zero variance, so z = -inf and p = 0
    // whatever n; the flag needs n >= min_change_n in both months.
    auto log_of = [](int jan, int feb) {
        EventLogBuilder b;
        for (int i = 0; i < jan; ++i) b.event(std::to_string(i), timestamp(2024, 1, 10, 10)).set("nps", 10);
        for (int i = 0; i < feb; ++i) b.event(std::to_string(i), timestamp(2024, 2, 10, 10)).set("nps", 0);
        return std::move(b).build();
    };
    ScorecardOptions opt;
    opt.period = Period::month;
    const auto tiny = cxkit::metrics::scorecard_table(cxkit::metrics::fill_scorecard(log_of(1, 1), opt));
    REQUIRE(tiny.rows() == 2);
    CHECK(std::isinf(tiny.column("nps_change_z")[1]));
    CHECK(tiny.column("nps_change_p")[1] == 0.0);
    CHECK(tiny.flag("nps_change_significant")[1] == 0);
    const auto state = cxkit::metrics::fill_scorecard(log_of(30, 30), opt);
    CHECK(cxkit::metrics::scorecard_table(state).flag("nps_change_significant")[1] == 1);
    cxkit::metrics::ScorecardTableOptions strict;
    strict.min_change_n = 31;
    CHECK(cxkit::metrics::scorecard_table(state, strict).flag("nps_change_significant")[1] == 0);
}

// A CX scorecard from C++ alone: build an event log row by row, then print NPS (with its 95% interval), CSAT,
// customers and retention by channel and by month.
//
//   cmake -S examples/cpp -B build-example -DCMAKE_PREFIX_PATH=<where cxkit is installed>
//   cmake --build build-example && ./build-example/scorecard
#include <cmath>
#include <cstdio>
#include <string>

#include <cxkit/cxkit.hpp>

namespace {

// "12.3" or "-" for a missing value.
std::string fmt(double v, const char* format = "%.1f") {
    if (std::isnan(v)) return "-";
    char buf[32];
    std::snprintf(buf, sizeof buf, format, v);
    return buf;
}

std::string row_label(const cxkit::metrics::ScorecardTable& t, std::size_t row) {
    if (t.period != cxkit::Period::none) {
        const auto idx = t.period_index[row];  // months are year * 12 + month - 1
        char buf[48];
        std::snprintf(buf, sizeof buf, "%04lld-%02lld", static_cast<long long>(idx / 12),
                      static_cast<long long>(idx % 12 + 1));
        return buf;
    }
    const auto& label = t.labels[row].at(0);
    return label ? *label : "(none)";
}

void print(const char* title, const cxkit::metrics::ScorecardTable& t) {
    std::printf("%s\n", title);
    std::printf("  %-9s %6s  %-15s %6s %9s %9s\n", "", "NPS", "95% interval", "CSAT", "customers", "retention");
    for (std::size_t i = 0; i < t.rows(); ++i) {
        const std::string interval =
            "[" + fmt(t.column("nps_low")[i], "%.0f") + ", " + fmt(t.column("nps_high")[i], "%.0f") + "]";
        std::printf("  %-9s %6s  %-15s %5s%% %9.0f %9s\n", row_label(t, i).c_str(), fmt(t.column("nps")[i]).c_str(),
                    interval.c_str(), fmt(t.column("csat")[i], "%.0f").c_str(), t.column("customers")[i],
                    fmt(t.column("retention_rate")[i], "%.2f").c_str());
    }
    std::printf("\n");
}

}  // namespace

int main() {
    using cxkit::timestamp;
    cxkit::core::EventLogBuilder b(cxkit::metrics::measure_rule);  // the standard measures checked on the way in
    b.event("ana", timestamp(2024, 1, 4)).set("channel", "web").set("nps", 10).set("csat", 5);
    b.event("ana", timestamp(2024, 1, 20)).set("channel", "web").set("kind", "purchase").set("value", 120.0);
    b.event("ana", timestamp(2024, 2, 9)).set("channel", "web").set("response_time", 45.0).set("csat", 4);
    b.event("ben", timestamp(2024, 1, 11)).set("channel", "phone").set("nps", 6).set("response_time", 300.0);
    b.event("ben", timestamp(2024, 2, 2)).set("channel", "phone").set("kind", "complaint").set("csat", 2);
    b.event("ben", timestamp(2024, 3, 15)).set("channel", "web").set("nps", 8);
    b.event("cleo", timestamp(2024, 2, 14)).set("channel", "store").set("nps", 9).set("value", 80.0);
    b.event("cleo", timestamp(2024, 3, 1)).set("channel", "web").set("nps", 10).set("csat", 5);
    b.event("dev", timestamp(2024, 1, 30)).set("channel", "store").set("nps", 3).set("csat", 1);
    b.event("dev", timestamp(2024, 3, 22)).set("channel", "phone").set("response_time", 30.0).set("nps", 7);
    b.event("eli", timestamp(2024, 3, 5)).set("channel", "web").set("nps", 9).set("csat", 4).set("value", 60.0);
    b.event("eli", timestamp(2024, 3, 28)).set("channel", "store").set("kind", "purchase").set("value", 35.0);
    const cxkit::core::EventLog log = std::move(b).build();

    cxkit::metrics::ScorecardOptions by_channel;
    by_channel.by = {"channel"};
    print("By channel (retention pooled over months)", cxkit::metrics::scorecard(log, by_channel));

    cxkit::metrics::ScorecardOptions by_month;
    by_month.period = cxkit::Period::month;
    print("By month", cxkit::metrics::scorecard(log, by_month));

    std::printf("%zu events, %zu customers\n", log.size(), log.n_customers());
    return 0;
}

// Built through add_subdirectory(cxkit): a merged scorecard state equals one fill of the whole log.
#include <cstdio>

#include <cxkit/cxkit.hpp>

int main() {
    auto make = [](int first, int last) {
        cxkit::EventLogBuilder b;
        for (int c = first; c < last; ++c)
            b.event(c, cxkit::timestamp(2024, 1 + static_cast<unsigned>(c % 3), 1)).set("csat", 1 + c % 5);
        return std::move(b).build();
    };
    cxkit::metrics::ScorecardState s = cxkit::metrics::fill_scorecard(make(0, 10));
    s += cxkit::metrics::fill_scorecard(make(10, 25));
    const auto t = cxkit::metrics::scorecard_table(s);
    const bool ok = s == cxkit::metrics::fill_scorecard(make(0, 25)) && t.rows() == 1 && t.column("customers").at(0) == 25 &&
                    t.column("csat_n").at(0) == 25;
    std::printf("add_subdirectory consumer: %g customers, CSAT %.1f%% -> %s\n", t.column("customers").at(0),
                t.column("csat").at(0), ok ? "ok" : "WRONG");
    return ok ? 0 : 1;
}

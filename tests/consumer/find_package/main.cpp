// Built through find_package(cxkit): the installed headers compile and compute a known scorecard.
#include <cmath>
#include <cstdio>
#include <cstring>

#include <cxkit/cxkit.hpp>

int main() {
    cxkit::EventLogBuilder b;
    b.event("a", cxkit::timestamp(2024, 1, 1)).set("channel", "web").set("nps", 10);
    b.event("b", cxkit::timestamp(2024, 1, 2)).set("channel", "web").set("nps", 9);
    b.event("c", cxkit::timestamp(2024, 1, 3)).set("channel", "phone").set("nps", 3);
    const auto t = cxkit::metrics::scorecard(std::move(b).build());
    // promoters 2, detractors 1, n 3: NPS = 100 (2 - 1) / 3
    const double nps = t.column("nps").at(0);
    const bool ok = t.rows() == 1 && std::abs(nps - 100.0 / 3.0) < 1e-9 && t.column("customers").at(0) == 3 &&
                    std::strlen(CXKIT_FOUND_VERSION) > 0;
    std::printf("find_package consumer (cxkit %s): NPS %.2f -> %s\n", CXKIT_FOUND_VERSION, nps, ok ? "ok" : "WRONG");
    return ok ? 0 : 1;
}

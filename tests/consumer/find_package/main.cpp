// Built through find_package(cxkit): the installed headers compile (warning-free under -Wall -Wextra -Wpedantic
// -Werror) and compute a known scorecard, and the VADER lexicon that `cmake --install` put under share/cxkit is
// found without Python and without the environment variable.
#include <stdlib.h>  // unsetenv (POSIX)

#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>

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

    unsetenv("CXKIT_DATA_DIR");  // the installed folder must come from the CMake package alone
    const std::string dir = cxkit::voc::data_dir().string();
    const cxkit::voc::Vader vader(cxkit::voc::default_lexicon());
    const double good = vader.score("The support was great, thank you!").compound;
    const double bad = vader.score("Terrible service, I am very angry.").compound;
    const bool lex_ok = dir.find("share/cxkit") != std::string::npos && good > 0.5 && bad < -0.5;
    std::printf("find_package consumer: VADER lexicon from %s: %.4f / %.4f -> %s\n", dir.c_str(), good, bad,
                lex_ok ? "ok" : "WRONG");
    return ok && lex_ok ? 0 : 1;
}

#pragma once
// The deserialisers as fuzz targets, shared by the libFuzzer binary (tests/fuzz/fuzz_states.cpp) and the doctest
// that replays the checked-in corpus (tests/cpp/test_fuzz_corpus.cpp). Bytes are untrusted input: a state either
// refuses them with cxkit::invalid_input (a std::invalid_argument) or loads, and then it must behave: serialize
// round trip equal, merge with itself, and its reads (tables, by-period views) either work or refuse clearly.
// Anything else (a crash, a sanitizer report, another exception type, a huge allocation) is a bug.
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "cxkit/cxkit.hpp"

// The areas' namespaces, so that names resolve whichever area a state lives in.
namespace cxkit::metrics {}
namespace cxkit::journey {}
namespace cxkit::retention {}
namespace cxkit::segment {}
namespace cxkit::core {}

namespace cxkit_fuzz {

using namespace cxkit;
using namespace cxkit::metrics;
using namespace cxkit::retention;
using namespace cxkit::segment;
using namespace cxkit::core;

struct Finding : std::logic_error {
    using std::logic_error::logic_error;
};

// A clear refusal is fine; the call is allowed to refuse (limits, overflow) with invalid_argument only.
template <class F>
bool refuses_clearly(F&& f) {
    try {
        f();
        return false;
    } catch (const std::invalid_argument&) {
        return true;
    }
}

template <class S, class Reads>
void load_and_use(std::string_view bytes, Reads&& reads) {
    S s;
    if (refuses_clearly([&] { s = S::deserialize(bytes); })) return;
    const std::string again = s.serialize();
    if (!(S::deserialize(again) == s)) throw Finding("serialize(deserialize(bytes)) does not load back equal");
    refuses_clearly([&] {
        S twice = s;
        twice += s;
        reads(twice);
    });
    refuses_clearly([&] { reads(s); });
}

inline void activity(std::string_view b) {
    load_and_use<ActivityState>(b, [](const ActivityState& s) { (void)s.by_period(); });
}
inline void scorecard(std::string_view b) {
    load_and_use<ScorecardState>(b, [](const ScorecardState& s) { (void)scorecard_table(s); });
}
inline void live_scorecard(std::string_view b) {
    load_and_use<LiveScorecard>(b, [](const LiveScorecard& s) { (void)s.table(); });
}
inline void cohorts(std::string_view b) {
    load_and_use<CohortState>(b, [](const CohortState& s) {
        (void)s.max_age();
        (void)s.table_cells();  // the size check the bindings make before allocating the table
        for (const auto& [c, v] : s.active) (void)s.cohort_start(c), (void)s.size(c);
    });
}
inline void recommender(std::string_view b) {
    load_and_use<RecommenderState>(b, [](const RecommenderState& s) { (void)s.size(); });
}
inline void nps(std::string_view b) {
    load_and_use<NpsState>(b, [](const NpsState& s) { (void)s.serialize(); });
}
inline void csat(std::string_view b) {
    load_and_use<CsatState>(b, [](const CsatState& s) { (void)s.serialize(); });
}
inline void ces(std::string_view b) {
    load_and_use<CesState>(b, [](const CesState& s) { (void)s.serialize(); });
}
inline void fcr(std::string_view b) {
    load_and_use<FcrState>(b, [](const FcrState& s) { (void)s.serialize(); });
}
inline void complaints(std::string_view b) {
    load_and_use<ComplaintState>(b, [](const ComplaintState& s) { (void)s.serialize(); });
}
inline void response_time(std::string_view b) {
    load_and_use<ResponseTimeState>(b, [](const ResponseTimeState& s) { (void)s.median(); });
}
inline void mean(std::string_view b) {
    load_and_use<MeanState>(b, [](const MeanState& s) { (void)s.serialize(); });
}
inline void customer_set(std::string_view b) {
    load_and_use<CustomerSet>(b, [](const CustomerSet& s) { (void)s.size(); });
}

struct Target {
    const char* name;  // the corpus folder: tests/fuzz/corpus/<name>/
    void (*run)(std::string_view);
};

inline constexpr Target targets[] = {
    {"ActivityState", activity},   {"ScorecardState", scorecard}, {"CohortState", cohorts},
    {"RecommenderState", recommender}, {"NpsState", nps},         {"CsatState", csat},
    {"CesState", ces},             {"FcrState", fcr},             {"ComplaintState", complaints},
    {"ResponseTimeState", response_time}, {"MeanState", mean},    {"CustomerSet", customer_set},
    {"LiveScorecard", live_scorecard},
};
inline constexpr std::size_t n_targets = sizeof(targets) / sizeof(targets[0]);

// The fuzzer's entry: the first byte picks the state, the rest are its bytes.
inline void run_any(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return;
    targets[data[0] % n_targets].run(std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1));
}

}  // namespace cxkit_fuzz

// Every mergeable state: serialize -> deserialize gives an equal state, and damaged bytes are refused with
// cxkit::invalid_input (never a crash or a silently wrong state).
#include <doctest/doctest.h>

#include <string>

#include "cxkit/core/serialize.hpp"
#include "cxkit/metrics/activity.hpp"
#include "cxkit/metrics/ces.hpp"
#include "cxkit/metrics/complaints.hpp"
#include "cxkit/metrics/csat.hpp"
#include "cxkit/metrics/customer_set.hpp"
#include "cxkit/metrics/fcr.hpp"
#include "cxkit/metrics/mean.hpp"
#include "cxkit/metrics/nps.hpp"
#include "cxkit/metrics/response_time.hpp"

using namespace cxkit;
using namespace cxkit::metrics;

namespace {

// A non-empty, non-trivial state of each type, and its serialization tag.
template <class S> S sample();
template <class S> const char* tag();

template <> NpsState sample() { NpsState s; for (double x : {10., 9., 3., 7., 0., 10.}) s.add(x); return s; }
template <> const char* tag<NpsState>() { return "NpsState"; }
template <> CsatState sample() { CsatState s; for (double x : {5., 4., 1., 2., 5.}) s.add(x); return s; }
template <> const char* tag<CsatState>() { return "CsatState"; }
template <> CesState sample() { CesState s; for (double x : {7., 1., 4., 6.}) s.add(x); return s; }
template <> const char* tag<CesState>() { return "CesState"; }
template <> FcrState sample() { FcrState s; for (bool x : {true, false, true}) s.add(x); return s; }
template <> const char* tag<FcrState>() { return "FcrState"; }
template <> ResponseTimeState sample() { ResponseTimeState s; for (double x : {0.1, 60.5, 3600.}) s.add(x); return s; }
template <> const char* tag<ResponseTimeState>() { return "ResponseTimeState"; }
template <> MeanState sample() { MeanState s; for (double x : {0.3, -0.7, 0.05}) s.add(x); return s; }
template <> const char* tag<MeanState>() { return "MeanState"; }
template <> CustomerSet sample() { CustomerSet s; for (std::uint64_t x : {9u, 2u, 9u, 4u}) s.add(x); return s; }
template <> const char* tag<CustomerSet>() { return "CustomerSet"; }
template <> ActivityState sample() { ActivityState s; s.add(3, 1); s.add(1, 0); s.add(1, 1); s.add(3, 1); return s; }
template <> const char* tag<ActivityState>() { return "ActivityState"; }
template <> ComplaintState sample() { ComplaintState s; for (bool x : {true, false, false}) s.add(x); return s; }
template <> const char* tag<ComplaintState>() { return "ComplaintState"; }

}  // namespace

#define CXKIT_STATES NpsState, CsatState, CesState, FcrState, ResponseTimeState, MeanState, CustomerSet, \
                     ActivityState, ComplaintState

TEST_CASE_TEMPLATE("serialize -> deserialize round trip", S, CXKIT_STATES) {
    const S s = sample<S>();
    REQUIRE(s != S{});  // the sample is not the empty state, so the round trip checks real content
    const std::string bytes = s.serialize();
    CHECK(S::deserialize(bytes) == s);
    CHECK(S::deserialize(S{}.serialize()) == S{});
    // the byte layout starts with the tag, as ByteWriter::header writes it
    ByteReader r(bytes);
    CHECK(r.get_string() == tag<S>());
    CHECK(r.get<std::uint32_t>() == 1);
}

TEST_CASE_TEMPLATE("deserialize refuses garbage, truncated data, trailing bytes, another tag and a newer version",
                   S, CXKIT_STATES) {
    const std::string bytes = sample<S>().serialize();
    CHECK_THROWS_AS(S::deserialize(""), invalid_input);
    CHECK_THROWS_AS(S::deserialize("not a cxkit state at all"), invalid_input);
    CHECK_THROWS_AS(S::deserialize(std::string(64, '\xff')), invalid_input);
    for (std::size_t cut : {std::size_t{1}, std::size_t{4}, bytes.size() / 2}) {
        CAPTURE(cut);
        CHECK_THROWS_AS(S::deserialize(bytes.substr(0, bytes.size() - cut)), invalid_input);
    }
    CHECK_THROWS_AS(S::deserialize(bytes + '\0'), invalid_input);
    // the same payload under another state's tag
    const std::string payload = bytes.substr(8 + std::string(tag<S>()).size() + 4);
    ByteWriter wrong;
    wrong.header(std::string(tag<S>()) == "NpsState" ? "CsatState" : "NpsState", 1);
    CHECK_THROWS_AS(S::deserialize(wrong.bytes() + payload), invalid_input);
    // a version from a future cxkit
    ByteWriter newer;
    newer.header(tag<S>(), 2);
    CHECK_THROWS_WITH_AS(S::deserialize(newer.bytes() + payload),
                         ("serialized state: " + std::string(tag<S>()) + " version 2 is newer than this cxkit understands")
                             .c_str(),
                         invalid_input);
    // and the untouched header + payload still reads (the splitting above is right)
    ByteWriter same;
    same.header(tag<S>(), 1);
    CHECK(S::deserialize(same.bytes() + payload) == sample<S>());
}

TEST_CASE("deserialize refuses states that break their own invariants") {
    // CustomerSet / ActivityState keys must be sorted and unique
    ByteWriter w;
    w.header("CustomerSet", 1);
    w.put_vector(std::vector<std::uint64_t>{5, 3});
    CHECK_THROWS_AS(CustomerSet::deserialize(w.bytes()), invalid_input);
    ByteWriter a;
    a.header("ActivityState", 1);
    a.put_vector(std::vector<std::uint64_t>{1, 2});
    a.put_vector(std::vector<std::int64_t>{0});
    CHECK_THROWS_AS(ActivityState::deserialize(a.bytes()), invalid_input);  // columns differ in length
    ByteWriter r;
    r.header("ResponseTimeState", 1);
    r.put_vector(std::vector<double>{1.0, std::nan("")});
    r.put(1.0);
    CHECK_THROWS_AS(ResponseTimeState::deserialize(r.bytes()), invalid_input);
}

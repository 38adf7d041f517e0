#pragma once
// KpiState: every KPI of one scorecard cell (a group, or a group in one period) as one mergeable state.
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>

#include "cxkit/core/mergeable.hpp"
#include "cxkit/core/serialize.hpp"
#include "cxkit/metrics/ces.hpp"
#include "cxkit/metrics/complaints.hpp"
#include "cxkit/metrics/csat.hpp"
#include "cxkit/metrics/customer_set.hpp"
#include "cxkit/metrics/fcr.hpp"
#include "cxkit/metrics/mean.hpp"
#include "cxkit/metrics/nps.hpp"
#include "cxkit/metrics/response_time.hpp"

namespace cxkit::metrics {

struct KpiState {
    std::uint64_t events = 0;
    double revenue = 0;
    CustomerSet customers;
    NpsState nps;
    CsatState csat;
    CesState ces;
    FcrState fcr;
    ResponseTimeState response_time;
    MeanState sentiment;
    ComplaintState complaints;

    // Every answer, ticket and complaint is one event of the cell, and every customer has at least one: what a
    // fill gives and a merge keeps. Refuses (invalid_input) a state loaded from bytes that breaks it.
    void check_cell() const {
        auto fail = [](const char* what) {
            ByteReader::fail(std::string("KpiState has more ") + what + " than events");
        };
        if (complaints.events != events) ByteReader::fail("KpiState complaint interactions differ from its events");
        if (nps.n() > events) fail("NPS answers");
        if (csat.n() > events) fail("CSAT answers");
        if (ces.n() > events) fail("CES answers");
        if (fcr.resolved > events) fail("resolved tickets");
        if (response_time.n() > events) fail("response times");
        if (sentiment.n > events) fail("sentiment scores");
        if (customers.keys.size() > events) fail("customers");
        if (!std::isfinite(revenue)) ByteReader::fail("KpiState revenue is not finite");
    }

    // Throws invalid_input when merging o would overflow a count; changes nothing either way.
    void check_merge(const KpiState& o) const { (void)merged_counters(o); }

    KpiState& operator+=(const KpiState& o) {
        if (&o == this) {  // the members' merges read what they write
            const KpiState copy = o;
            return *this += copy;
        }
        // The counters first: they are the only parts that can refuse (overflow), so a refusal changes nothing.
        Counters c = merged_counters(o);
        nps = c.nps;
        csat = c.csat;
        ces = c.ces;
        fcr = c.fcr;
        sentiment = c.sentiment;
        complaints = c.complaints;
        events = c.events;
        revenue += o.revenue;
        customers += o.customers;
        response_time += o.response_time;
        return *this;
    }
    // Counts exactly; sums of doubles up to the rounding of a different summation order.
    bool operator==(const KpiState& o) const {
        const bool revenue_close = revenue == o.revenue ||
                                   std::abs(revenue - o.revenue) <= 1e-12 * std::max(std::abs(revenue), std::abs(o.revenue));
        return events == o.events && revenue_close && customers == o.customers && nps == o.nps && csat == o.csat &&
               ces == o.ces && fcr == o.fcr && response_time == o.response_time && sentiment == o.sentiment &&
               complaints == o.complaints;
    }

private:
    struct Counters {
        NpsState nps;
        CsatState csat;
        CesState ces;
        FcrState fcr;
        MeanState sentiment;
        ComplaintState complaints;
        std::uint64_t events;
    };
    Counters merged_counters(const KpiState& o) const {
        Counters c{nps, csat, ces, fcr, sentiment, complaints, 0};
        c.nps += o.nps;
        c.csat += o.csat;
        c.ces += o.ces;
        c.fcr += o.fcr;
        c.sentiment += o.sentiment;
        c.complaints += o.complaints;
        c.events = detail::add_counts(events, o.events, "events");
        return c;
    }

public:
    std::string serialize() const {
        ByteWriter w;
        w.header("KpiState", 1);
        w.put(events);
        w.put(revenue);
        for (const std::string& part : {customers.serialize(), nps.serialize(), csat.serialize(), ces.serialize(),
                                        fcr.serialize(), response_time.serialize(), sentiment.serialize(),
                                        complaints.serialize()})
            w.put_string(part);
        return std::move(w).bytes();
    }
    static KpiState deserialize(std::string_view bytes) {
        ByteReader r(bytes);
        r.header("KpiState", 1);
        KpiState s;
        s.events = r.get<std::uint64_t>();
        s.revenue = r.get<double>();
        s.customers = CustomerSet::deserialize(r.get_string());
        s.nps = NpsState::deserialize(r.get_string());
        s.csat = CsatState::deserialize(r.get_string());
        s.ces = CesState::deserialize(r.get_string());
        s.fcr = FcrState::deserialize(r.get_string());
        s.response_time = ResponseTimeState::deserialize(r.get_string());
        s.sentiment = MeanState::deserialize(r.get_string());
        s.complaints = ComplaintState::deserialize(r.get_string());
        r.expect_done();
        s.check_cell();
        return s;
    }
};
static_assert(MergeableState<KpiState>);

}  // namespace cxkit::metrics

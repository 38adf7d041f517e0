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

namespace cxkit {

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

    KpiState& operator+=(const KpiState& o) {
        events += o.events;
        revenue += o.revenue;
        customers += o.customers;
        nps += o.nps;
        csat += o.csat;
        ces += o.ces;
        fcr += o.fcr;
        response_time += o.response_time;
        sentiment += o.sentiment;
        complaints += o.complaints;
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
        return s;
    }
};
static_assert(MergeableState<KpiState>);

}  // namespace cxkit

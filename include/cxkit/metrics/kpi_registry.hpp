#pragma once
// The scorecard's KPI registry: the cell state (KpiState), its merge and byte format, the scorecard fill, its table
// columns (scorecard_columns, SCORECARD_COLUMNS in Python) and the measure rules all follow from `scorecard_kpis`.
//
// How to add a KPI (its header, one line here, its tests; see the toy KPI in tests/cpp/test_metrics_kpi_registry.cpp):
//  1. In the KPI's header, next to its MergeableState, write a descriptor struct K (like NpsKpi in nps.hpp):
//     `state`; `columns[]` (ScorecardColumn) and `rank` (table position: columns sort by rank, nps 100 ...
//     sentiment 700); `acc` (its per-cell accumulator during a fill) with `finish(acc&, const CellCore&) -> state`;
//     how it fills: derive from measure_kpi<K> and give `measure`, `rule` and `add(acc&, double, row)`, or give a
//     `reader` (then also specialise live_kpi<K> in live_scorecard.hpp: how one live event sets its acc);
//     `check(state, CellCore)` (invariants on load); `read(state, CellCore, KpiReadOptions, double* out)`
//     (its table cells). Optional: `change_columns[]`, `change_flag` and `read_change` (period over period).
//  2. Append K to `scorecard_kpis` below. The list order is the KpiState byte format: appending changes it, so
//     the first KPI added after these seven must also let KpiCell::deserialize load the shorter bytes of
//     today's states (the new KPI empty), or states saved before it will be refused.
#include "cxkit/core/mergeable.hpp"
#include "cxkit/metrics/ces.hpp"
#include "cxkit/metrics/complaints.hpp"
#include "cxkit/metrics/csat.hpp"
#include "cxkit/metrics/fcr.hpp"
#include "cxkit/metrics/kpi_state.hpp"
#include "cxkit/metrics/mean.hpp"
#include "cxkit/metrics/nps.hpp"
#include "cxkit/metrics/response_time.hpp"

namespace cxkit::metrics {

// The registered KPIs (this order is the byte format of KpiState and ScorecardState: see step 2 above).
using scorecard_kpis = kpi_list<NpsKpi, CsatKpi, CesKpi, FcrKpi, ResponseTimeKpi, SentimentKpi, ComplaintsKpi>;

using KpiState = KpiCell<scorecard_kpis>;
static_assert(MergeableState<KpiState>);

}  // namespace cxkit::metrics

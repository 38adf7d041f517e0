#pragma once
// Complaint rate: complaints / customers (or / interactions) in the period, also per 1,000.
// The state counts complaints and all interactions (events); the distinct-customer count comes from a
// CustomerSet of the same group, because distinct counts do not merge by addition.
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "cxkit/core/mergeable.hpp"
#include "cxkit/core/serialize.hpp"
#include "cxkit/metrics/kpi.hpp"
#include "cxkit/metrics/stats.hpp"

namespace cxkit::metrics {

struct ComplaintState {
    std::uint64_t complaints = 0, events = 0;

    // One interaction; true when it is a complaint.
    void add(bool is_complaint) noexcept {
        ++events;
        if (is_complaint) ++complaints;
    }
    // Complaints per customer; NaN when customers == 0.
    double per_customer(std::uint64_t customers) const noexcept {
        return detail::ratio_or_nan(static_cast<double>(complaints), static_cast<double>(customers));
    }
    // Complaints per 1,000 customers; NaN when customers == 0.
    double per_1000(std::uint64_t customers) const noexcept { return 1000.0 * per_customer(customers); }
    // Complaints per interaction; NaN when there were none.
    double per_interaction() const noexcept {
        return detail::ratio_or_nan(static_cast<double>(complaints), static_cast<double>(events));
    }

    // Refuses (invalid_input) a count that would overflow; then nothing is changed.
    ComplaintState& operator+=(const ComplaintState& o) {
        const auto e = detail::add_counts(events, o.events, "complaints");
        complaints = detail::add_counts(complaints, o.complaints, "complaints");
        events = e;
        return *this;
    }
    bool operator==(const ComplaintState&) const = default;

    std::string serialize() const { return detail::serialize_fields("ComplaintState", complaints, events); }
    static ComplaintState deserialize(std::string_view bytes) {
        ComplaintState s;
        detail::deserialize_fields(bytes, "ComplaintState", s.complaints, s.events);
        // A complaint is an interaction.
        if (s.complaints > s.events) ByteReader::fail("ComplaintState has more complaints than interactions");
        return s;
    }
};
static_assert(MergeableState<ComplaintState>);

// The scorecard's complaint columns: events whose `kind` is ScorecardOptions::complaint_kind, per customer of the
// cell (registered in kpi_registry.hpp).
struct ComplaintsKpi {
    using state = ComplaintState;
    static constexpr int rank = 600;
    static constexpr ScorecardColumn columns[] = {
        {"complaints", true, false}, {"complaint_rate", false, false}, {"complaints_per_1000", false, false}};

    using acc = std::uint64_t;  // complaints; the interactions are the cell's events
    struct reader {
        const std::int32_t* kind = nullptr;
        std::int32_t complaint = std::numeric_limits<std::int32_t>::min();  // no such category: no complaints
        reader(const EventLog& log, const ScorecardOptions& opt, std::size_t) {
            if (auto* k = log.categorical("kind")) {
                kind = k->codes.data();
                for (std::size_t i = 0; i < k->categories.size(); ++i)
                    if (k->categories[i] == opt.complaint_kind) complaint = static_cast<std::int32_t>(i);
            }
        }
        void chunk(acc* a, const std::uint32_t* cell, std::size_t b0, std::size_t b1, std::uint32_t*) const {
            if (!kind) return;
            for (std::size_t j = 0; j < b1 - b0; ++j) a[cell[j]] += kind[b0 + j] == complaint;
        }
    };
    static state finish(acc& a, const CellCore& c) { return {a, c.events}; }
    static void check(const state& s, const CellCore& c) {
        if (s.events != c.events) ByteReader::fail("KpiState complaint interactions differ from its events");
    }
    static void read(const state& s, const CellCore& c, const KpiReadOptions&, double* out) {
        detail::put_cells(out, s.complaints, s.per_customer(c.customers.size()), s.per_1000(c.customers.size()));
    }
};

}  // namespace cxkit::metrics

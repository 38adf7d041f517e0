#pragma once
// Complaint rate: complaints / customers (or / interactions) in the period, also per 1,000.
// The state counts complaints and all interactions (events); the distinct-customer count comes from a
// CustomerSet of the same group, because distinct counts do not merge by addition.
#include <cstdint>
#include <string>
#include <string_view>

#include "cxkit/core/mergeable.hpp"
#include "cxkit/core/serialize.hpp"
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

    std::string serialize() const {
        ByteWriter w;
        w.header("ComplaintState", 1);
        w.put(complaints);
        w.put(events);
        return std::move(w).bytes();
    }
    static ComplaintState deserialize(std::string_view bytes) {
        ByteReader r(bytes);
        r.header("ComplaintState", 1);
        ComplaintState s;
        s.complaints = r.get<std::uint64_t>();
        s.events = r.get<std::uint64_t>();
        r.expect_done();
        // A complaint is an interaction.
        if (s.complaints > s.events) ByteReader::fail("ComplaintState has more complaints than interactions");
        return s;
    }
};
static_assert(MergeableState<ComplaintState>);

}  // namespace cxkit::metrics

#pragma once
// First-contact resolution: tickets resolved with no further contact / tickets resolved, in percent.
// Unresolved tickets are not added at all: they are in neither numerator nor denominator.
#include <cstdint>
#include <string>
#include <string_view>

#include "cxkit/core/mergeable.hpp"
#include "cxkit/core/serialize.hpp"
#include "cxkit/metrics/kpi.hpp"
#include "cxkit/metrics/stats.hpp"

namespace cxkit::metrics {

struct FcrState {
    std::uint64_t resolved = 0, first_contact = 0;

    // One resolved ticket; true when it needed no further contact.
    void add(bool resolved_first_contact) noexcept {
        ++resolved;
        if (resolved_first_contact) ++first_contact;
    }
    double value() const noexcept {
        return detail::ratio_or_nan(100.0 * static_cast<double>(first_contact), static_cast<double>(resolved));
    }

    // Refuses (invalid_input) a count that would overflow; then nothing is changed.
    FcrState& operator+=(const FcrState& o) {
        const auto r = detail::add_counts(resolved, o.resolved, "fcr");
        first_contact = detail::add_counts(first_contact, o.first_contact, "fcr");
        resolved = r;
        return *this;
    }
    bool operator==(const FcrState&) const = default;

    std::string serialize() const { return detail::serialize_fields("FcrState", resolved, first_contact); }
    static FcrState deserialize(std::string_view bytes) {
        FcrState s;
        detail::deserialize_fields(bytes, "FcrState", s.resolved, s.first_contact);
        // Tickets resolved at first contact are a subset of resolved tickets: FCR is at most 100%.
        if (s.first_contact > s.resolved)
            ByteReader::fail("FcrState has more first-contact resolutions than resolved tickets (FCR above 100%)");
        return s;
    }
};
static_assert(MergeableState<FcrState>);

// The scorecard's FCR columns (registered in kpi_registry.hpp).
struct FcrKpi : measure_kpi<FcrKpi> {
    using state = FcrState;
    static constexpr const char* measure = "fcr";
    static bool accepts(double v) noexcept { return std::isnan(v) || v == 0 || v == 1; }
    static constexpr MeasureRule rule{accepts, "first-contact resolution must be 0 or 1 (or missing)", true};
    static constexpr int rank = 400;
    static constexpr ScorecardColumn columns[] = {{"fcr", false, false}, {"fcr_n", true, false}};

    using acc = std::array<std::uint64_t, 3>;  // not at first contact, at first contact, (unused)
    static void add(acc& a, double v, std::size_t row) {
        ++a[detail::checked_measure(v, 0, 1, true, measure, rule.text, row)];
    }
    static state finish(acc& a, const CellCore&) { return {a[0] + a[1], a[1]}; }
    static void check(const state& s, const CellCore& c) { detail::check_at_most(s.resolved, c.events, "resolved tickets"); }
    static void read(const state& s, const CellCore&, const KpiReadOptions&, double* out) {
        detail::put_cells(out, s.value(), s.resolved);
    }
};

}  // namespace cxkit::metrics

#pragma once
// First-contact resolution: tickets resolved with no further contact / tickets resolved, in percent.
// Unresolved tickets are not added at all: they are in neither numerator nor denominator.
#include <cstdint>
#include <string>
#include <string_view>

#include "cxkit/core/mergeable.hpp"
#include "cxkit/core/serialize.hpp"
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

    std::string serialize() const {
        ByteWriter w;
        w.header("FcrState", 1);
        w.put(resolved);
        w.put(first_contact);
        return std::move(w).bytes();
    }
    static FcrState deserialize(std::string_view bytes) {
        ByteReader r(bytes);
        r.header("FcrState", 1);
        FcrState s;
        s.resolved = r.get<std::uint64_t>();
        s.first_contact = r.get<std::uint64_t>();
        r.expect_done();
        // Tickets resolved at first contact are a subset of resolved tickets: FCR is at most 100%.
        if (s.first_contact > s.resolved)
            ByteReader::fail("FcrState has more first-contact resolutions than resolved tickets (FCR above 100%)");
        return s;
    }
};
static_assert(MergeableState<FcrState>);

}  // namespace cxkit::metrics

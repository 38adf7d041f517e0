#pragma once
// KpiCell<List>: every KPI of one scorecard cell (a group, or a group in one period) as one mergeable state, for
// any list of KPI descriptors. KpiState, the cell of the registered KPIs, is defined in kpi_registry.hpp.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

#include "cxkit/core/serialize.hpp"
#include "cxkit/metrics/customer_set.hpp"
#include "cxkit/metrics/kpi.hpp"
#include "cxkit/metrics/stats.hpp"

namespace cxkit::metrics {

// A list of KPI descriptors; for_each calls f.template operator()<K, index>() for each, in order.
template <class... Ks>
struct kpi_list {
    static constexpr std::size_t size = sizeof...(Ks);
    template <class F>
    static constexpr void for_each(F&& f) {
        [&]<std::size_t... I>(std::index_sequence<I...>) {
            (f.template operator()<Ks, I>(), ...);
        }(std::index_sequence_for<Ks...>{});
    }
};

namespace detail {

template <class K, class... Ks>
constexpr std::size_t kpi_index() {
    constexpr std::array<bool, sizeof...(Ks)> same{std::is_same_v<K, Ks>...};
    for (std::size_t i = 0; i < same.size(); ++i)
        if (same[i]) return i;
    return same.size();
}

// A merge that can refuse (a count overflow) must refuse before anything in the cell changes: states that are
// plain counters are merged into a copy first; a KPI may give its own check_merge instead.
template <class K>
void check_kpi_merge(const typename K::state& a, const typename K::state& b) {
    if constexpr (requires { K::check_merge(a, b); }) {
        K::check_merge(a, b);
    } else if constexpr (std::is_trivially_copyable_v<typename K::state>) {
        typename K::state c = a;
        c += b;
    }
}

}  // namespace detail

// Every KPI of one scorecard cell (a group, or a group in one period) as one mergeable state: the core (events,
// revenue, customers) and one state per registered KPI.
template <class List>
struct KpiCell;

template <class... Ks>
struct KpiCell<kpi_list<Ks...>> : CellCore {
    using kpis = kpi_list<Ks...>;
    static_assert(((detail::kpi_index<Ks, Ks...>() < sizeof...(Ks)) && ...));
    std::tuple<typename Ks::state...> states;

    template <class K>
    static constexpr std::size_t index_of = detail::kpi_index<K, Ks...>();
    template <class K>
    typename K::state& get() noexcept { return std::get<index_of<K>>(states); }
    template <class K>
    const typename K::state& get() const noexcept { return std::get<index_of<K>>(states); }

    // Every answer, ticket and complaint is one event of the cell, and every customer has at least one: what a
    // fill gives and a merge keeps. Refuses (invalid_input) a state loaded from bytes that breaks it.
    void check_cell() const {
        (Ks::check(get<Ks>(), *this), ...);
        detail::check_at_most(customers.keys.size(), events, "customers");
        if (!std::isfinite(revenue)) ByteReader::fail("KpiState revenue is not finite");
    }

    // Throws invalid_input when merging o would overflow a count; changes nothing either way.
    void check_merge(const KpiCell& o) const {
        (void)detail::add_counts(events, o.events, "events");
        (detail::check_kpi_merge<Ks>(get<Ks>(), o.get<Ks>()), ...);
    }

    KpiCell& operator+=(const KpiCell& o) { return merge(o, false); }
    // += for a fill's parts, whose customer sets are both normalized (see CustomerSet::merge_normalized): a later
    // part's customers are appended without rescanning the ones merged so far.
    KpiCell& merge_normalized(const KpiCell& o) { return merge(o, true); }
    // Counts exactly; sums of doubles up to the rounding of a different summation order.
    bool operator==(const KpiCell& o) const {
        const bool revenue_close = revenue == o.revenue ||
                                   std::abs(revenue - o.revenue) <= 1e-12 * std::max(std::abs(revenue), std::abs(o.revenue));
        return events == o.events && revenue_close && customers == o.customers && ((get<Ks>() == o.get<Ks>()) && ...);
    }

private:
    KpiCell& merge(const KpiCell& o, bool normalized) {
        if (&o == this) {  // the members' merges read what they write
            const KpiCell copy = o;
            return *this += copy;
        }
        check_merge(o);  // the only refusals (overflow) come first, so a refusal changes nothing
        events += o.events;
        revenue += o.revenue;
        if (normalized) customers.merge_normalized(o.customers);
        else customers += o.customers;
        ((get<Ks>() += o.get<Ks>()), ...);
        return *this;
    }

public:
    // "KpiState" v1: events, revenue, then the customers' and each KPI's bytes in list order.
    std::string serialize() const {
        ByteWriter w;
        w.header("KpiState", 1);
        w.put(events);
        w.put(revenue);
        w.put_string(customers.serialize());
        (w.put_string(get<Ks>().serialize()), ...);
        return std::move(w).bytes();
    }
    static KpiCell deserialize(std::string_view bytes) {
        ByteReader r(bytes);
        r.header("KpiState", 1);
        KpiCell s;
        s.events = r.get<std::uint64_t>();
        s.revenue = r.get<double>();
        s.customers = CustomerSet::deserialize(r.get_string());
        ((s.get<Ks>() = Ks::state::deserialize(r.get_string())), ...);  // a comma fold: in list order
        r.expect_done();
        s.check_cell();
        return s;
    }
};

}  // namespace cxkit::metrics

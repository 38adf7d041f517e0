#pragma once
// The CX scorecard: the ten KPIs of the seed table per group (event columns and/or a customer segmentation) and
// per period, with confidence intervals.
//
// The KPIs of a cell come from the KPI registry (kpi_registry.hpp): every part below that touches them is generic
// over a kpi_list, and the production scorecard is the one of scorecard_kpis.
//
// ScorecardState is the mergeable state behind it: one KpiState per (group labels, period) and one ActivityState
// (customer x period activity, for retention and churn) per group. Groups are keyed by their labels, not by
// dictionary codes, so states from logs with different dictionaries (partitions, days, shards) merge exactly.
// fill() scans a log once with dense integer slots, in chunks of whole customers of a fixed size run through
// core::parallel_for_chunks and merged in chunk order (so the result is the same, to the bit, on any thread
// count), then converts slots to labelled keys.
//
// Limits (untrusted states): ScorecardState::deserialize checks every invariant a fill gives (see
// check_loaded); scorecard_table() refuses to build more retention rows than max(65536, 64 per activity pair)
// over all groups unless ScorecardTableOptions::max_activity_rows allows more.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <iterator>
#include <utility>
#include <vector>

#include "cxkit/core/event_log.hpp"
#include "cxkit/core/mergeable.hpp"
#include "cxkit/core/parallel.hpp"
#include "cxkit/core/rules.hpp"
#include "cxkit/core/segmentation.hpp"
#include "cxkit/core/serialize.hpp"
#include "cxkit/core/time.hpp"
#include "cxkit/metrics/activity.hpp"
#include "cxkit/metrics/kpi.hpp"
#include "cxkit/metrics/kpi_registry.hpp"
#include "cxkit/metrics/measure_rules.hpp"
#include "cxkit/metrics/simple_clv.hpp"
#include "cxkit/metrics/stats.hpp"

namespace cxkit::metrics {

using GroupLabels = std::vector<std::optional<std::string>>;  // nullopt: missing

// The scorecard state of a KPI list (ScorecardState: of the registered KPIs).
template <class List>
struct BasicScorecardState {
    using Cell = KpiCell<List>;
    std::vector<std::string> group_columns;
    Period period = Period::none;
    Period activity_period = Period::month;
    std::map<std::pair<GroupLabels, std::int64_t>, Cell> cells;  // (labels, period index) -> KPIs
    std::map<GroupLabels, ActivityState> activity;                    // labels -> activity

    BasicScorecardState& operator+=(const BasicScorecardState& o) {
        if (cells.empty() && activity.empty()) {
            group_columns = o.group_columns;
            period = o.period;
            activity_period = o.activity_period;
        } else if (!(o.cells.empty() && o.activity.empty()) &&
                   (group_columns != o.group_columns || period != o.period || activity_period != o.activity_period)) {
            throw invalid_input("scorecard", invalid_input::no_row,
                                "cannot merge scorecards grouped by different columns or periods");
        }
        if (&o == this) {  // the cells' merges read what they write
            const BasicScorecardState copy = o;
            return *this += copy;
        }
        // Counts that would overflow are refused before anything changes (a failed merge leaves no half-merge).
        for (auto& [k, v] : o.cells)
            if (auto it = cells.find(k); it != cells.end()) it->second.check_merge(v);
        for (auto& [k, v] : o.cells) cells[k] += v;
        for (auto& [k, v] : o.activity) activity[k] += v;
        return *this;
    }
    bool operator==(const BasicScorecardState& o) const {
        return group_columns == o.group_columns && period == o.period && activity_period == o.activity_period &&
               cells == o.cells && activity == o.activity;
    }

    std::string serialize() const {
        ByteWriter w;
        w.header("ScorecardState", 1);
        w.put<std::uint64_t>(group_columns.size());
        for (auto& c : group_columns) w.put_string(c);
        w.put<std::int32_t>(static_cast<std::int32_t>(period));
        w.put<std::int32_t>(static_cast<std::int32_t>(activity_period));
        auto put_labels = [&w](const GroupLabels& g) {
            for (auto& l : g) {
                w.put<std::uint8_t>(l.has_value());
                w.put_string(l.value_or(""));
            }
        };
        w.put<std::uint64_t>(cells.size());
        for (auto& [k, v] : cells) {
            put_labels(k.first);
            w.put<std::int64_t>(k.second);
            w.put_string(v.serialize());
        }
        w.put<std::uint64_t>(activity.size());
        for (auto& [k, v] : activity) {
            put_labels(k);
            w.put_string(v.serialize());
        }
        return std::move(w).bytes();
    }
    // Untrusted bytes: refuses (invalid_input) anything a fill cannot make: group column names that are empty,
    // repeated or not UTF-8; labels that are not UTF-8 or a "missing" label with text; a cell or activity group
    // twice; a period index whose period does not start inside the timestamp range (or not 0 without periods);
    // KPI states that break their own invariants (each state's deserialize).
    static BasicScorecardState deserialize(std::string_view bytes) {
        ByteReader r(bytes);
        r.header("ScorecardState", 1);
        BasicScorecardState s;
        const auto ng = r.get<std::uint64_t>();
        if (ng > 64) ByteReader::fail("too many group columns");
        for (std::uint64_t i = 0; i < ng; ++i) {
            auto c = r.get_text("ScorecardState group column name");
            if (c.empty()) ByteReader::fail("ScorecardState has an empty group column name");
            if (std::find(s.group_columns.begin(), s.group_columns.end(), c) != s.group_columns.end())
                ByteReader::fail("ScorecardState names group column '" + c + "' twice");
            s.group_columns.push_back(std::move(c));
        }
        s.period = checked_period(r.get<std::int32_t>());
        s.activity_period = checked_period(r.get<std::int32_t>());
        if (s.period != Period::none && s.activity_period != s.period)
            ByteReader::fail("ScorecardState activity period differs from its period");
        auto get_labels = [&r, ng]() {
            GroupLabels g;
            for (std::uint64_t i = 0; i < ng; ++i) {
                const auto has = r.get<std::uint8_t>();
                auto l = r.get_text("ScorecardState group label");
                if (has > 1 || (has == 0 && !l.empty())) ByteReader::fail("ScorecardState has a malformed group label");
                g.push_back(has ? std::optional<std::string>(std::move(l)) : std::nullopt);
            }
            return g;
        };
        const auto nc = r.get<std::uint64_t>();
        for (std::uint64_t i = 0; i < nc; ++i) {
            auto g = get_labels();
            const auto p = r.get<std::int64_t>();
            check_period_index(p, s.period);
            if (!s.cells.emplace(std::make_pair(std::move(g), p), Cell::deserialize(r.get_string())).second)
                ByteReader::fail("ScorecardState has the same cell twice");
        }
        const auto na = r.get<std::uint64_t>();
        for (std::uint64_t i = 0; i < na; ++i) {
            auto g = get_labels();
            auto a = ActivityState::deserialize(r.get_string());
            for (auto& pr : a.pairs) check_period_index(pr.second, s.activity_period);
            if (!s.activity.emplace(std::move(g), std::move(a)).second)
                ByteReader::fail("ScorecardState has the same activity group twice");
        }
        r.expect_done();
        return s;
    }

private:
    static Period checked_period(std::int32_t v) {
        if (v < 0 || v > static_cast<std::int32_t>(Period::year)) ByteReader::fail("unknown period code");
        return static_cast<Period>(v);
    }
    // A fill makes period indices of timestamps: their periods start inside the int64 ns range (give or take the
    // first one, which may start before 1677-09-21: its start is clamped when shown).
    static void check_period_index(std::int64_t p, Period period) {
        if (period == Period::none) {
            if (p != 0) ByteReader::fail("ScorecardState without periods has a period index");
            return;
        }
        const std::int64_t lo = period_index(std::numeric_limits<std::int64_t>::min(), period);
        const std::int64_t hi = period_index(std::numeric_limits<std::int64_t>::max(), period);
        if (p < lo || p > hi) ByteReader::fail("ScorecardState period index " + std::to_string(p) + " is outside the timestamp range");
    }
};
using ScorecardState = BasicScorecardState<scorecard_kpis>;
static_assert(MergeableState<ScorecardState>);

namespace detail {

// The grouping columns of one fill, resolved to per-event code arrays.
struct GroupResolver {
    struct Part {
        const std::int32_t* event_codes = nullptr;     // per event (a categorical column), or
        const std::int32_t* customer_codes = nullptr;  // per customer (a segmentation)
        const std::vector<std::string>* labels = nullptr;
        std::uint64_t cardinality = 0;  // labels + 1 (slot 0 = missing)
    };
    std::vector<Part> parts;
    std::vector<std::string> names;  // per part, for errors
    std::uint64_t n_groups = 1;

    GroupResolver(const EventLog& log, const ScorecardOptions& opt) {
        for (auto& name : opt.by) {
            const Categorical* c = log.categorical(name);
            if (!c) {
                std::string have;
                for (auto& [n, _] : log.categoricals()) have += (have.empty() ? "" : ", ") + n;
                throw invalid_input(name, invalid_input::no_row,
                                    "no such categorical column to group by (the log has: " +
                                        (have.empty() ? std::string("none") : have) + ")");
            }
            parts.push_back({c->codes.data(), nullptr, &c->categories, c->categories.size() + 1});
            names.push_back(name);
        }
        if (opt.segment) {
            if (opt.segment->of_customer.size() != log.customer_ids().size())
                throw invalid_input(opt.segment->name, invalid_input::no_row,
                                    "segmentation was made for a different log (customer count differs)");
            parts.push_back({nullptr, opt.segment->of_customer.data(), &opt.segment->labels,
                             opt.segment->labels.size() + 1});
            names.push_back(opt.segment->name);
        }
        for (auto& p : parts) {
            if (n_groups > (std::uint64_t{1} << 40) / p.cardinality)
                throw invalid_input("by", invalid_input::no_row, "too many group combinations");
            n_groups *= p.cardinality;
        }
    }
    // The group of an event. Codes are checked here, where they become an index (see checked_measure).
    std::uint64_t group_of(std::size_t event, std::int32_t customer) const {
        std::uint64_t g = 0;
        for (std::size_t i = 0; i < parts.size(); ++i) {
            const Part& p = parts[i];
            const std::int32_t code = p.event_codes ? p.event_codes[event] : p.customer_codes[customer];
            g = g * p.cardinality + slot_of(code, i, event);
        }
        return g;
    }
    // 1 + code (0: missing), refusing a code outside the dictionary.
    std::uint64_t slot_of(std::int32_t code, std::size_t part, std::size_t event) const {
        const auto s = static_cast<std::uint64_t>(static_cast<std::int64_t>(code) + 1);
        if (s >= parts[part].cardinality) [[unlikely]]
            throw invalid_input(part < names.size() ? names[part] : std::string("by"), static_cast<std::int64_t>(event),
                                "category code " + std::to_string(code) + " is outside the dictionary (row of the "
                                "log sorted by customer and time; the column changed after the log validated it)");
        return s;
    }
    GroupLabels labels_of(std::uint64_t g) const {
        GroupLabels out(parts.size());
        for (std::size_t i = parts.size(); i-- > 0;) {
            const auto code = g % parts[i].cardinality;
            g /= parts[i].cardinality;
            if (code > 0) out[i] = (*parts[i].labels)[code - 1];
        }
        return out;
    }
};

// Dense storage while the slot space is small, a hash map beyond.
template <class T>
class SlotStore {
public:
    explicit SlotStore(std::uint64_t slots) : dense_(slots <= (std::uint64_t{1} << 16)) {
        if (dense_) values_.resize(slots);
    }
    T& operator[](std::uint64_t slot) { return dense_ ? values_[slot] : map_[slot]; }
    T* dense_data() noexcept { return dense_ ? values_.data() : nullptr; }
    template <class F>
    void for_each(F&& f) {
        if (dense_) {
            for (std::uint64_t s = 0; s < values_.size(); ++s) f(s, values_[s]);
        } else {
            for (auto& [s, v] : map_) f(s, v);
        }
    }

private:
    bool dense_;
    std::vector<T> values_;
    std::unordered_map<std::uint64_t, T> map_;
};


// Per-thread partial result of a fill over a range of customers.
template <class List>
struct PartialFill {
    std::vector<std::pair<std::uint64_t, KpiCell<List>>> cells;    // (slot, state)
    std::vector<std::pair<std::uint64_t, ActivityState>> activity;  // (group, state)
};

// The accumulators of all cells of one fill, indexed by a compact cell id: the core's as flat arrays, each KPI's
// as one vector of its `acc`. The scan runs in chunks of events: a first loop assigns each event its cell (and
// does the per-customer bookkeeping), then per KPI a reader finds the events that carry its measure (branch-free)
// and updates only their cells. Measures are sparse, and "is it missing?" per column per event would be an
// unpredictable branch.
template <class List>
struct FlatCells;

template <class... Ks>
struct FlatCells<kpi_list<Ks...>> {
    using Cell = KpiCell<kpi_list<Ks...>>;
    std::vector<std::uint64_t> slot;  // cell id -> slot (group * periods + period)
    std::vector<std::uint64_t> events;
    std::vector<double> revenue;
    std::vector<std::int64_t> last_customer;  // 1 + code of the last customer counted in the cell
    std::vector<CustomerSet> customers;
    std::tuple<std::vector<typename Ks::acc>...> accs;

    std::uint32_t add(std::uint64_t s) {
        const auto id = static_cast<std::uint32_t>(slot.size());
        slot.push_back(s);
        events.push_back(0);
        revenue.push_back(0);
        last_customer.push_back(0);
        customers.emplace_back();
        std::apply([](auto&... v) { (v.emplace_back(), ...); }, accs);  // value-initialised: zero counts
        return id;
    }

    Cell finish(std::size_t c) {
        Cell k;
        k.events = events[c];
        k.revenue = revenue[c];
        k.customers = std::move(customers[c]);
        k.customers.normalize();
        kpi_list<Ks...>::for_each([&]<class K, std::size_t I>() { k.template get<K>() = K::finish(std::get<I>(accs)[c], k); });
        return k;
    }
};

template <class... Ks>
PartialFill<kpi_list<Ks...>> fill_customers(kpi_list<Ks...>, const EventLog& log, const ScorecardOptions& opt,
                                            const GroupResolver& groups, std::int64_t pmin, std::int64_t np,
                                            std::int64_t tmin, std::int64_t tmax, std::size_t c_begin,
                                            std::size_t c_end) {
    const auto& off = log.customer_offsets();
    const auto* time = log.time().data();
    const auto* cust = log.customer().data();
    const auto& keys = log.customer_keys();
    const Period act_period = opt.period != Period::none ? opt.period : opt.retention_period;
    const bool same_period = act_period == opt.period;

    const std::uint64_t n_groups = groups.n_groups;
    const std::uint64_t n_cells = n_groups * static_cast<std::uint64_t>(np);
    FlatCells<kpi_list<Ks...>> cells;
    SlotStore<std::uint32_t> cell_of(n_cells);  // slot -> 1 + cell id (0: not seen yet)
    SlotStore<ActivityState> activity(n_groups);
    ActivityState* activity_dense = activity.dense_data();
    // Per group: the last (customer, activity period) recorded, so each pair is added once.
    SlotStore<std::pair<std::int64_t, std::int64_t>> act_last(n_groups);
    PeriodTable cell_period(opt.period, tmin, tmax), activity_period(act_period, tmin, tmax);

    constexpr std::size_t chunk = 8192;
    std::vector<std::uint32_t> cell(chunk + 1), present(chunk + 1), new_cells(64);
    std::vector<std::uint64_t> grp(chunk + 1);
    std::vector<std::int64_t> per(chunk + 1), act(chunk + 1);
    std::vector<std::pair<std::uint64_t, std::int64_t>> new_acts(64);
    // Plain arrays for the slot -> cell and group -> last activity maps when they are small (the usual case).
    std::vector<std::uint32_t> cell_of_vec(n_cells <= (std::uint64_t{1} << 22) ? n_cells : 0, 0);
    const bool act_last_dense = n_groups <= (std::uint64_t{1} << 20);
    std::vector<std::int64_t> act_last_customer_vec(act_last_dense ? n_groups : 0, 0),
        act_last_period_vec(act_last_dense ? n_groups : 0, 0);
    std::int64_t* act_last_customer = act_last_customer_vec.data();
    std::int64_t* act_last_period = act_last_period_vec.data();
    std::uint32_t* cell_of_dense = cell_of_vec.empty() ? nullptr : cell_of_vec.data();
    // The revenue (the `value` measure) and each KPI's reader of the log, from the first row of this range on.
    MeasureReader value(log, "value", static_cast<std::size_t>(off[c_begin]));
    std::tuple<typename Ks::reader...> readers{typename Ks::reader(log, opt, static_cast<std::size_t>(off[c_begin]))...};
    std::size_t c = c_begin;
    while (c < c_end) {
        // A chunk of whole customers of about `chunk` events (one customer may make it longer).
        const auto b0 = static_cast<std::size_t>(off[c]);
        std::size_t c1 = c;
        while (c1 < c_end && static_cast<std::size_t>(off[c1 + 1]) - b0 <= chunk) ++c1;
        if (c1 == c) c1 = c + 1;
        const auto b1 = static_cast<std::size_t>(off[c1]);
        if (cell.size() < b1 - b0) {
            for (auto* v : {&cell, &present}) v->resize(b1 - b0);
            grp.resize(b1 - b0);
            per.resize(b1 - b0);
            act.resize(b1 - b0);
        }

        // Pass 1, column by column over the chunk: each event's group, period and cell; then per customer the
        // first event in each cell (distinct customers) and in each (group, activity period) (retention).
        const std::size_t n = b1 - b0;
        std::uint64_t* gch = grp.data();
        if (groups.parts.empty()) {
            std::fill(gch, gch + n, std::uint64_t{0});
        } else if (groups.parts.size() == 1 && groups.parts[0].event_codes) {
            const std::int32_t* codes = groups.parts[0].event_codes + b0;
            const std::uint64_t card = groups.parts[0].cardinality;
            bool bad = false;
            for (std::size_t j = 0; j < n; ++j) {
                gch[j] = static_cast<std::uint64_t>(static_cast<std::int64_t>(codes[j]) + 1);
                bad |= gch[j] >= card;
            }
            if (bad) [[unlikely]]
                for (std::size_t j = 0; j < n; ++j) groups.slot_of(codes[j], 0, b0 + j);  // throws, naming the row
        } else {
            for (std::size_t j = 0; j < n; ++j) gch[j] = groups.group_of(b0 + j, cust[b0 + j]);
        }
        std::int64_t* pch = per.data();
        cell_period.fill(time + b0, n, pch);
        const std::int64_t* ach = pch;
        if (!same_period) {
            activity_period.fill(time + b0, n, act.data());
            ach = act.data();
        }
        for (std::size_t j = 0; j < n; ++j) {
            // Checked where it becomes an index: a time changed after the log validated it may lie outside the
            // log's [time_min, time_max].
            const std::uint64_t pslot = static_cast<std::uint64_t>(pch[j]) - static_cast<std::uint64_t>(pmin);
            if (pslot >= static_cast<std::uint64_t>(np)) [[unlikely]]
                throw invalid_input("time", static_cast<std::int64_t>(b0 + j),
                                    "timestamp is outside the log's time range (row of the log sorted by customer "
                                    "and time; the column changed after the log validated it)");
            const std::uint64_t slot = gch[j] * static_cast<std::uint64_t>(np) + pslot;
            std::uint32_t& id1 = cell_of_dense ? cell_of_dense[slot] : cell_of[slot];
            if (id1 == 0) id1 = cells.add(slot) + 1;
            cell[j] = id1 - 1;
        }
        std::uint64_t* events = cells.events.data();
        std::int64_t* last_customer = cells.last_customer.data();
        const std::uint32_t* cl = cell.data();
        for (std::size_t j = 0; j < n; ++j) ++events[cl[j]];
        for (std::size_t cc = c; cc < c1; ++cc) {
            const std::uint64_t key = keys[cc];
            const auto stamp = static_cast<std::int64_t>(cc) + 1;
            const auto jb = static_cast<std::size_t>(off[cc]) - b0, je = static_cast<std::size_t>(off[cc + 1]) - b0;
            if (new_cells.size() < je - jb + 1) {
                new_cells.resize(je - jb + 1);
                new_acts.resize(je - jb + 1);
            }
            // Recorded without a branch: about half the events are such firsts, so a branch would be a coin flip.
            std::size_t n_new_cells = 0, n_new_acts = 0;
            for (std::size_t j = jb; j < je; ++j) {
                const std::uint32_t id = cl[j];
                const bool fresh_cell = last_customer[id] != stamp;
                last_customer[id] = stamp;
                new_cells[n_new_cells] = id;
                n_new_cells += fresh_cell;
                const std::uint64_t g = gch[j];
                const std::int64_t ap = ach[j];
                // Two scalar arrays, not an array of pairs: a 16-byte store read back as two 8-byte loads by the
                // next event defeats store-to-load forwarding on common x86 cores.
                std::int64_t& seen_customer = act_last_dense ? act_last_customer[g] : act_last[g].first;
                std::int64_t& seen_period = act_last_dense ? act_last_period[g] : act_last[g].second;
                const bool fresh_act = (seen_customer != stamp) | (seen_period != ap);  // times ascend in a customer
                seen_customer = stamp;
                seen_period = ap;
                new_acts[n_new_acts] = {g, ap};
                n_new_acts += fresh_act;
            }
            CustomerSet* sets = cells.customers.data();
            for (std::size_t k = 0; k < n_new_cells; ++k) sets[new_cells[k]].keys.push_back(key);
            if (activity_dense)
                for (std::size_t k = 0; k < n_new_acts; ++k)
                    activity_dense[new_acts[k].first].pairs.emplace_back(key, new_acts[k].second);
            else
                for (std::size_t k = 0; k < n_new_acts; ++k) activity[new_acts[k].first].add(key, new_acts[k].second);
        }
        // Pass 2: per measure, only the events that carry it. Every value is checked where it is used (as a table
        // index, or summed into a state whose invariants it must keep): see checked_measure.
        value.each(cl, b0, b1, present.data(), [&](std::uint32_t id, double v, std::size_t row) {
            checked_measure(v, -inf, inf, false, "value", core::finite_rule().text, row);
            cells.revenue[id] += v;
        });
        [&]<std::size_t... I>(std::index_sequence<I...>) {
            (std::get<I>(readers).chunk(std::get<I>(cells.accs).data(), cl, b0, b1, present.data()), ...);
        }(std::index_sequence_for<Ks...>{});
        core::check_interrupt();  // a no-op on worker threads; on the caller, Ctrl-C within a chunk
        c = c1;
    }

    PartialFill<kpi_list<Ks...>> out;
    for (std::size_t id = 0; id < cells.slot.size(); ++id) out.cells.emplace_back(cells.slot[id], cells.finish(id));
    std::sort(out.cells.begin(), out.cells.end(), [](auto& a, auto& b) { return a.first < b.first; });
    activity.for_each([&](std::uint64_t g, ActivityState& a) {
        if (a.pairs.empty()) return;
        a.normalize();
        out.activity.emplace_back(g, std::move(a));
    });
    std::sort(out.activity.begin(), out.activity.end(), [](auto& a, auto& b) { return a.first < b.first; });
    return out;
}

}  // namespace detail

// Events per chunk of the threaded fill (whole customers, so a chunk may be longer).
inline constexpr std::size_t fill_chunk_events = std::size_t{1} << 18;

// One pass over the log; returns the mergeable state. Runs on opt.threads threads through core::parallel_for_chunks
// (interruptible through core's interrupt check).
// List: the KPIs of the cells (the registered ones unless a test asks for others).
template <class List = scorecard_kpis>
BasicScorecardState<List> fill_scorecard(const EventLog& log, const ScorecardOptions& opt = {}) {
    const detail::GroupResolver groups(log, opt);
    BasicScorecardState<List> state;
    state.group_columns = opt.by;
    if (opt.segment) state.group_columns.push_back(opt.segment->name);
    state.period = opt.period;
    state.activity_period = opt.period != Period::none ? opt.period : opt.retention_period;
    if (log.empty()) return state;

    std::int64_t pmin = 0, np = 1;
    const std::int64_t tmin = log.time_min(), tmax = log.time_max();
    if (opt.period != Period::none) {
        pmin = period_index(tmin, opt.period);
        np = period_index(tmax, opt.period) - pmin + 1;
    }

    // Chunks of whole customers of about fill_chunk_events events each: the chunking depends on the log only,
    // never on the thread count, and the chunks merge in order, so any thread count gives the same bits.
    const auto& off = log.customer_offsets();
    const std::size_t k = log.customer_ids().size();
    std::vector<std::size_t> bounds{0};
    for (std::size_t target = fill_chunk_events; target < log.size(); target += fill_chunk_events) {
        const auto c = static_cast<std::size_t>(
            std::lower_bound(off.begin(), off.end(), static_cast<std::int64_t>(target)) - off.begin());
        if (c > bounds.back() && c < k) bounds.push_back(c);
    }
    bounds.push_back(k);
    std::vector<detail::PartialFill<List>> parts(bounds.size() - 1);
    core::parallel_for_chunks(parts.size(), 1, opt.threads, [&](std::size_t c, std::size_t, std::size_t) {
        parts[c] = detail::fill_customers(List{}, log, opt, groups, pmin, np, tmin, tmax, bounds[c], bounds[c + 1]);
    });
    // The customers and activity pairs every slot and group gets over all parts: the merged vectors are sized
    // once (appending part after part regrew them, copying and faulting in fresh pages each time).
    std::unordered_map<std::uint64_t, std::size_t> cell_keys, group_pairs;
    for (const auto& part : parts) {
        for (const auto& [slot, s] : part.cells) cell_keys[slot] += s.customers.keys.size();
        for (const auto& [g, a] : part.activity) group_pairs[g] += a.pairs.size();
    }
    // Merge in chunk order, converting slots to labelled keys.
    for (auto& part : parts) {
        core::check_interrupt();
        for (auto& [slot, s] : part.cells) {
            const std::uint64_t g = slot / static_cast<std::uint64_t>(np);
            const std::int64_t p = opt.period == Period::none ? 0 : pmin + static_cast<std::int64_t>(slot % static_cast<std::uint64_t>(np));
            auto [it, added] = state.cells.try_emplace(std::make_pair(groups.labels_of(g), p), std::move(s));
            // parts are normalized (finish) and hold later customers: append, no rescan of what was merged
            if (added) it->second.customers.keys.reserve(cell_keys[slot]);
            else it->second.merge_normalized(s);
        }
        for (auto& [g, a] : part.activity) {
            auto [it, added] = state.activity.try_emplace(groups.labels_of(g), std::move(a));
            if (added) it->second.pairs.reserve(group_pairs[g]);
            if (added) continue;
            // Each part is normalized and holds a later customer range: appending keeps the whole normalized. The
            // O(1) check stands in for ActivityState::operator+='s check of its own pairs, a scan of everything
            // merged so far that made this loop cost (parts x pairs): 45% of a 10M-event fill.
            auto& into = it->second.pairs;
            if (into.empty() || a.pairs.empty() || into.back() < a.pairs.front())
                into.insert(into.end(), a.pairs.begin(), a.pairs.end());
            else
                it->second += a;
        }
    }
    return state;
}


// Where the columns of a KPI list go in the scorecard table: each KPI's `columns` (KPIs sorted by rank), then the
// scorecard's own columns (retention and churn from the activity, the simple CLV, the cell core), then the
// period-over-period columns of the KPIs that have them (list order).
template <class List>
struct ScorecardLayout;

template <class... Ks>
struct ScorecardLayout<kpi_list<Ks...>> {
    static constexpr ScorecardColumn own_columns[] = {
        {"retention_rate", false, false}, {"churn_rate", false, false}, {"clv", false, false},
        {"customers", true, false},       {"events", true, false},      {"revenue", false, false},
    };
    template <class K>
    static constexpr std::size_t n_change() {
        if constexpr (requires { K::change_columns; }) return std::size(K::change_columns);
        else return 0;
    }
    static constexpr std::size_t n = sizeof...(Ks);
    static constexpr std::size_t n_kpi_columns = (std::size_t{0} + ... + std::size(Ks::columns));
    static constexpr std::size_t own_offset = n_kpi_columns;
    static constexpr std::size_t size = n_kpi_columns + std::size(own_columns) + (std::size_t{0} + ... + n_change<Ks>());
    // Per KPI (list order): the table index of its first column, and of its first change column.
    static constexpr std::array<std::size_t, n> offsets = [] {
        const std::array<int, n> rank{Ks::rank...};
        const std::array<std::size_t, n> width{std::size(Ks::columns)...};
        std::array<std::size_t, n> order{}, out{};
        for (std::size_t i = 0; i < n; ++i) order[i] = i;
        for (std::size_t i = 1; i < n; ++i)  // stable insertion sort by rank
            for (std::size_t j = i; j > 0 && rank[order[j - 1]] > rank[order[j]]; --j) std::swap(order[j - 1], order[j]);
        std::size_t at = 0;
        for (std::size_t i = 0; i < n; ++i) {
            out[order[i]] = at;
            at += width[order[i]];
        }
        return out;
    }();
    static constexpr std::array<std::size_t, n> change_offsets = [] {
        const std::array<std::size_t, n> width{n_change<Ks>()...};
        std::array<std::size_t, n> out{};
        std::size_t at = n_kpi_columns + std::size(own_columns);
        for (std::size_t i = 0; i < n; ++i) {
            out[i] = at;
            at += width[i];
        }
        return out;
    }();
    static constexpr std::array<ScorecardColumn, size> columns = [] {
        std::array<ScorecardColumn, size> out{};
        kpi_list<Ks...>::for_each([&]<class K, std::size_t I>() {
            for (std::size_t i = 0; i < std::size(K::columns); ++i) out[offsets[I] + i] = K::columns[i];
            if constexpr (n_change<K>() > 0)
                for (std::size_t i = 0; i < n_change<K>(); ++i) out[change_offsets[I] + i] = K::change_columns[i];
        });
        for (std::size_t i = 0; i < std::size(own_columns); ++i) out[own_offset + i] = own_columns[i];
        return out;
    }();
};

// The scorecard's columns, in table order: the one list (Python reads it through the binding as SCORECARD_COLUMNS).
inline constexpr auto scorecard_columns = ScorecardLayout<scorecard_kpis>::columns;

// The finished scorecard: one row per cell, columns of KPI values.
struct ScorecardTable {
    std::vector<std::string> group_columns;
    Period period = Period::none;
    std::vector<GroupLabels> labels;       // per row
    std::vector<std::int64_t> period_index;  // per row (0 when period == none)
    std::vector<std::string> column_names;
    std::vector<std::vector<double>> columns;  // same order as column_names
    std::vector<std::string> flag_names;        // per-row flags (periods only), e.g. nps_change_significant
    std::vector<std::vector<std::uint8_t>> flags;  // same order as flag_names

    const std::vector<double>& column(std::string_view name) const {
        for (std::size_t i = 0; i < column_names.size(); ++i)
            if (column_names[i] == name) return columns[i];
        throw invalid_input(std::string(name), invalid_input::no_row, "no such scorecard column");
    }
    const std::vector<std::uint8_t>& flag(std::string_view name) const {
        for (std::size_t i = 0; i < flag_names.size(); ++i)
            if (flag_names[i] == name) return flags[i];
        throw invalid_input(std::string(name), invalid_input::no_row, "no such scorecard flag");
    }
    std::size_t rows() const noexcept { return labels.size(); }
};

struct ScorecardTableOptions {
    double confidence = 0.95;
    double annual_discount_rate = 0.10;  // for the simple CLV, converted to the activity period
    // The period-over-period NPS z-test leans on the normal approximation: with a handful of answers a period can
    // have zero variance (all promoters) and z = inf. A change is flagged only when both periods have at least
    // this many answers; z and p are still reported.
    std::uint64_t min_change_n = 30;
    // Retention rows (one per group and period from each group's first to last active period) are refused beyond
    // max(65536, 64 per activity pair) in total unless this allows more (0: that default).
    std::uint64_t max_activity_rows = 0;
    unsigned threads = 0;  // 0: all hardware threads
};

inline double periods_per_year(Period p) {
    switch (p) {
        case Period::day: return 365.25;
        case Period::week: return 365.25 / 7.0;
        case Period::month: return 12;
        case Period::quarter: return 4;
        case Period::year: return 1;
        case Period::none: return 12;
    }
    return 12;
}


template <class List>
ScorecardTable scorecard_table(const BasicScorecardState<List>& st, const ScorecardTableOptions& opt = {}) {
    using Layout = ScorecardLayout<List>;
    using Cell = KpiCell<List>;
    z_for_confidence(opt.confidence);  // validates the level
    if (!(opt.annual_discount_rate >= 0) || !std::isfinite(opt.annual_discount_rate))
        throw invalid_input("discount_rate", invalid_input::no_row, "must be a finite number >= 0");
    const double nan = std::numeric_limits<double>::quiet_NaN();
    ScorecardTable t;
    t.group_columns = st.group_columns;
    t.period = st.period;
    for (const auto& c : Layout::columns) t.column_names.emplace_back(c.name);
    t.columns.assign(t.column_names.size(), {});
    List::for_each([&]<class K, std::size_t>() {
        if constexpr (Layout::template n_change<K>() > 0) t.flag_names.emplace_back(K::change_flag);
    });
    t.flags.assign(t.flag_names.size(), {});
    const KpiReadOptions read_opt{opt.confidence, opt.min_change_n};
    const double d = std::pow(1.0 + opt.annual_discount_rate, 1.0 / periods_per_year(st.activity_period)) - 1.0;

    // Retention per group: by period when the scorecard has periods, pooled otherwise.
    std::map<GroupLabels, std::map<std::int64_t, PeriodRetention>> by_period;
    std::map<GroupLabels, std::pair<PeriodRetention, double>> pooled;  // and revenue per active customer-period
    {
        std::vector<std::pair<const GroupLabels*, const ActivityState*>> groups;
        for (auto& [g, a] : st.activity) groups.emplace_back(&g, &a);
        // The rows by_period() will make, bounded by the size of the state before anything is allocated.
        std::uint64_t pairs = 0, rows = 0;
        for (auto& g : groups) {
            pairs += g.second->pairs.size();
            const std::uint64_t r = g.second->period_rows();
            rows = r > UINT64_MAX - rows ? UINT64_MAX : rows + r;
        }
        const std::uint64_t limit =
            opt.max_activity_rows ? opt.max_activity_rows : ActivityState::default_row_limit(pairs);
        if (rows > limit)
            throw invalid_input("retention", invalid_input::no_row,
                                "the activity spans " + std::to_string(rows) + " group periods for only " +
                                    std::to_string(pairs) + " (customer, period) pairs: more retention rows than "
                                    "the limit of " + std::to_string(limit) + " (max(65536, 64 per pair)); pass "
                                    "max_activity_rows to allow more");
        // by_period() walks every (customer, period) pair: one group per task, results kept in group order.
        std::vector<std::vector<PeriodRetention>> results(groups.size());
        core::parallel_for(groups.size(), 1, opt.threads, [&](std::size_t from, std::size_t to) {
            for (std::size_t i = from; i < to; ++i) results[i] = groups[i].second->by_period(limit);
        });
        for (std::size_t i = 0; i < groups.size(); ++i) {
            const GroupLabels& g = *groups[i].first;
            if (st.period != Period::none) {
                for (auto& r : results[i]) by_period[g][r.period] = r;
            } else {
                pooled[g] = {ActivityState::pool(results[i]), static_cast<double>(groups[i].second->pairs.size())};
            }
        }
    }
    const Cell* prev_cell = nullptr;
    const GroupLabels* prev_labels = nullptr;
    std::int64_t prev_period = 0;
    for (auto& [key, s] : st.cells) {
        const auto& [g, p] = key;
        t.labels.push_back(g);
        t.period_index.push_back(p);
        const double customers = static_cast<double>(s.customers.size());
        double retention = nan, churn = nan, margin = nan;
        if (st.period != Period::none) {
            auto gi = by_period.find(g);
            if (gi != by_period.end()) {
                auto pi = gi->second.find(p);
                if (pi != gi->second.end()) {
                    retention = pi->second.retention_rate;
                    churn = pi->second.churn_rate;
                }
            }
            margin = customers > 0 ? s.revenue / customers : nan;
        } else {
            auto gi = pooled.find(g);
            if (gi != pooled.end()) {
                retention = gi->second.first.retention_rate;
                churn = gi->second.first.churn_rate;
                margin = gi->second.second > 0 ? s.revenue / gi->second.second : nan;
            }
        }
        // Simple CLV needs a retention rate below 1 + d; a period where returning customers outnumber the
        // starting base (reactivations) gives no meaningful value.
        double clv = nan;
        if (std::isfinite(margin) && std::isfinite(retention) && retention <= 1.0) clv = simple_clv(margin, retention, d);

        // The previous cell when it is this group's previous period (period-over-period columns).
        const Cell* prev = st.period != Period::none && prev_cell && *prev_labels == g &&
                                   static_cast<std::uint64_t>(p) - static_cast<std::uint64_t>(prev_period) == 1
                               ? prev_cell
                               : nullptr;
        prev_cell = &s;
        prev_labels = &g;
        prev_period = p;

        std::array<double, Layout::size> row;
        std::size_t flag = 0;
        const Cell& cell = s;  // a lambda may not capture a structured binding (clang before 16)
        List::for_each([&]<class K, std::size_t I>() {
            K::read(cell.template get<K>(), cell, read_opt, row.data() + Layout::offsets[I]);
            if constexpr (Layout::template n_change<K>() > 0)
                t.flags[flag++].push_back(K::read_change(cell.template get<K>(), prev ? &prev->template get<K>() : nullptr,
                                                         read_opt, row.data() + Layout::change_offsets[I]));
        });
        const double own[] = {retention, churn, clv, customers, static_cast<double>(s.events), s.revenue};
        static_assert(std::size(own) == std::size(Layout::own_columns));
        std::copy(std::begin(own), std::end(own), row.begin() + Layout::own_offset);
        for (std::size_t i = 0; i < t.columns.size(); ++i) t.columns[i].push_back(row[i]);
    }
    return t;
}

// Fill and finish in one call.
inline ScorecardTable scorecard(const EventLog& log, const ScorecardOptions& opt = {},
                                const ScorecardTableOptions& table = {}) {
    return scorecard_table(fill_scorecard(log, opt), table);
}

}  // namespace cxkit::metrics

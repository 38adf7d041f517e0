#pragma once
// LiveScorecard: the scorecard kept current one event at a time (a CRM appending events as they arrive).
//
//   cxkit::metrics::LiveScorecardOptions opt;
//   opt.by = {"channel"};
//   opt.period = cxkit::Period::month;
//   cxkit::metrics::LiveScorecard card(opt);
//   card.append(cxkit::metrics::LiveEvent("ana", cxkit::timestamp(2024, 3, 1)).set("channel", "web").set("nps", 9));
//   cxkit::metrics::ScorecardTable t = card.table();
//
// It is the batch scorecard's state filled differently, not a second set of KPI code: each event becomes a
// one-event KpiCell made by the registered KPIs' own `acc`/`add`/`finish` (kpi_registry.hpp) and is merged into
// its (group, period) cell with the cells' own merge; its (customer, activity period) pair goes into the group's
// ActivityState. state() is therefore a ScorecardState equal to fill_scorecard() of the same events (counts and
// sets exactly, sums up to rounding), table() is scorecard_table(state()), and merge/serialize build on
// ScorecardState's.
//
// Cost: append is O(1) amortised (a hash lookup of the group and cell, a hash set per open cell and per open
// activity period for "is this customer new here?"), plus O(group label bytes). state() and table() are
// O(state size): a copy with the customer sets sorted.
//
// Out of order and lateness. Every figure of the card is a count or a set, so the arrival order never changes the
// card: any event, however late, is counted exactly. The lateness decides what stays indexed: the watermark is the
// latest event time seen; a period whose end lies more than `lateness` before the watermark is closed, its hash
// indexes are released (memory stays bounded by the open periods, except the per-group customer sets of a card
// without periods, which span all time) and its customers are kept as the sorted vectors the batch state has. An
// event within the lateness costs O(1) amortised; one beyond it (late_events() counts them) is still counted
// exactly but lands in a closed period at O(log n + n) (a binary search and a sorted insert into that period's
// vector).
//
// Exact vs estimated: every figure of table() is exact (as exact as the batch scorecard). The rolling windows and
// streaming percentiles of live_figures.hpp are the live-only figures, some of them estimates (said there).
//
// Thread safety: none inside; one writer at a time (the Python binding holds the GIL while it appends or merges).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "cxkit/core/error.hpp"
#include "cxkit/core/mergeable.hpp"
#include "cxkit/core/serialize.hpp"
#include "cxkit/core/time.hpp"
#include "cxkit/metrics/complaints.hpp"
#include "cxkit/metrics/kpi_registry.hpp"
#include "cxkit/metrics/scorecard.hpp"

namespace cxkit::metrics {

// The 64-bit key of a customer id, the same as core::CustomerIds::key gives in a log: the id itself for
// integers, FNV-1a of the UTF-8 bytes for strings (so live cards and batch states of the same customers merge).
inline std::uint64_t live_customer_key(std::int64_t id) noexcept { return static_cast<std::uint64_t>(id); }
inline std::uint64_t live_customer_key(std::string_view id) noexcept {
    std::uint64_t h = 14695981039346656037ull;  // FNV-1a 64, as CustomerIds::key
    for (unsigned char ch : id) {
        h ^= ch;
        h *= 1099511628211ull;
    }
    return h;
}

// One event: customer, time (ns since the epoch, UTC), categoricals and measures by name, as EventLogBuilder
// takes them. A measure set to NaN is missing.
struct LiveEvent {
    struct Measure {
        std::string name;
        double value;
        bool boolean;  // given as a bool: refused for a measure whose rule takes no booleans (an NPS of True)
    };
    std::uint64_t customer = 0;
    std::int64_t time = 0;
    std::vector<std::pair<std::string, std::string>> categoricals;
    std::vector<Measure> measures;

    LiveEvent() = default;
    LiveEvent(std::string_view customer_id, std::int64_t time_ns) : customer(live_customer_key(customer_id)), time(time_ns) {}
    LiveEvent(const char* customer_id, std::int64_t time_ns) : LiveEvent(std::string_view(customer_id), time_ns) {}
    template <class I>
        requires(std::is_integral_v<I> && !std::is_same_v<I, bool>)
    LiveEvent(I customer_id, std::int64_t time_ns)
        : customer(live_customer_key(static_cast<std::int64_t>(customer_id))), time(time_ns) {}

    LiveEvent& set(std::string_view column, std::string_view value) {
        categoricals.emplace_back(column, value);
        return *this;
    }
    LiveEvent& set(std::string_view column, const char* value) { return set(column, std::string_view(value)); }
    LiveEvent& set(std::string_view column, double value) {
        measures.push_back({std::string(column), value, false});
        return *this;
    }
    template <class I>
        requires std::is_integral_v<I>
    LiveEvent& set(std::string_view column, I value) {
        measures.push_back({std::string(column), static_cast<double>(value), std::is_same_v<I, bool>});
        return *this;
    }
    const std::string* categorical(std::string_view name) const noexcept {
        for (auto& [n, v] : categoricals)
            if (n == name) return &v;
        return nullptr;
    }
    const Measure* measure(std::string_view name) const noexcept {
        for (auto& m : measures)
            if (m.name == name) return &m;
        return nullptr;
    }
};

struct LiveScorecardOptions {
    std::vector<std::string> by;  // categorical columns to group by (an event without one: missing label)
    Period period = Period::none;
    Period retention_period = Period::month;  // activity periods when period == none (as ScorecardOptions)
    std::string complaint_kind = "complaint";
    std::int64_t lateness = ns_per_day;  // ns >= 0: how late an event may be and still cost O(1) (see above)
};

// How a KPI that fills through a `reader` of the log (not one measure column) takes one event: set its `acc` from
// the event. Specialise it next to the KPI's registration when adding such a KPI (kpi_registry.hpp, step 1).
template <class K>
struct live_kpi;

template <>
struct live_kpi<ComplaintsKpi> {
    static void add(ComplaintsKpi::acc& a, const LiveEvent& e, const LiveScorecardOptions& opt) {
        const std::string* kind = e.categorical("kind");
        a += kind && *kind == opt.complaint_kind;
    }
};

template <class List = scorecard_kpis>
class BasicLiveScorecard {
public:
    using State = BasicScorecardState<List>;
    using Cell = KpiCell<List>;

    BasicLiveScorecard() = default;
    explicit BasicLiveScorecard(LiveScorecardOptions opt) : opt_(std::move(opt)) { check_options(opt_); }

    const LiveScorecardOptions& options() const noexcept { return opt_; }
    // Events appended (and merged in), and those among them that came later than the lateness.
    std::uint64_t events() const noexcept { return events_; }
    std::uint64_t late_events() const noexcept { return late_; }
    // The latest event time seen (nullopt before the first event).
    std::optional<std::int64_t> watermark() const noexcept {
        return events_ ? std::optional<std::int64_t>(watermark_) : std::nullopt;
    }
    // Keys held in the hash indexes of open periods (what the lateness bounds; for monitoring and tests).
    std::size_t indexed_keys() const noexcept {
        std::size_t n = 0;
        for (auto& c : cells_) n += c.seen.size();
        for (auto& g : groups_)
            for (auto& [p, s] : g.open) n += s.size();
        return n;
    }

    // Adds one event. Checks it first (measures against their rules, names, labels UTF-8, a time that is not
    // missing): a refused event (invalid_input naming the column and the event's number) changes nothing.
    void append(const LiveEvent& e) {
        const auto row = static_cast<std::int64_t>(events_);
        check_event(e, row);
        Cell delta = one_event_cell(e, static_cast<std::size_t>(events_));
        const std::int64_t p = opt_.period == Period::none ? 0 : period_index(e.time, opt_.period);
        const std::int64_t pa = period_index(e.time, activity_period());

        const std::uint32_t g = group_id(e);
        const std::uint32_t c = cell_id(g, p);
        LiveCell& cell = cells_[c];
        cell.cell.check_merge(delta);  // an overflow refuses before anything changes
        add_to_cell(cell, delta, e.customer);
        add_activity(groups_[g], e.customer, pa);

        if (events_ > 0 && e.time < saturating_sub(watermark_, opt_.lateness)) ++late_;
        if (events_ == 0 || e.time > watermark_) watermark_ = e.time;
        ++events_;
        close_periods();
    }

    // The batch state of everything appended: equal to fill_scorecard() of the same events.
    State state() const {
        State s;
        s.group_columns = opt_.by;
        s.period = opt_.period;
        s.activity_period = activity_period();
        for (auto& c : cells_) {
            Cell cell = c.cell;
            cell.customers.normalize();
            s.cells.emplace(std::make_pair(groups_[c.group].labels, c.period), std::move(cell));
        }
        for (auto& g : groups_) {
            if (g.activity.pairs.empty()) continue;
            ActivityState a = g.activity;
            a.normalize();
            s.activity.emplace(g.labels, std::move(a));
        }
        return s;
    }
    ScorecardTable table(const ScorecardTableOptions& o = {}) const { return scorecard_table(state(), o); }

    // A live card continuing from a batch state (e.g. yesterday's fill_scorecard), with the live bookkeeping
    // given: the watermark (nullopt: none yet), the events and the late events behind it. Refuses a state whose
    // grouping or periods differ from the options.
    static BasicLiveScorecard from_state(const State& s, LiveScorecardOptions opt, std::optional<std::int64_t> watermark,
                                         std::uint64_t late_events = 0) {
        check_options(opt);
        BasicLiveScorecard out(std::move(opt));
        if (s.group_columns != out.opt_.by || s.period != out.opt_.period || s.activity_period != out.activity_period())
            throw invalid_input("scorecard", invalid_input::no_row,
                                "the state is grouped by other columns or periods than the live scorecard");
        std::uint64_t events = 0;
        for (auto& [k, v] : s.cells) events = detail::add_counts(events, v.events, "events");
        if (events > 0 && !watermark)
            throw invalid_input("watermark", invalid_input::no_row, "a state with events needs the latest event time");
        if (late_events > events)
            throw invalid_input("late_events", invalid_input::no_row, "more late events than events");
        out.events_ = events;
        out.late_ = late_events;
        out.watermark_ = events ? *watermark : 0;
        if (events) {
            out.cells_open_from_ = out.open_from(out.opt_.period);
            out.activity_open_from_ = out.open_from(out.activity_period());
        }
        for (auto& [k, v] : s.cells) {
            if (v.events == 0) continue;  // a merge of empty cells: nothing a fill makes
            const std::uint32_t g = out.group_id(k.first);
            const std::uint32_t c = out.cell_id(g, k.second);
            LiveCell& cell = out.cells_[c];
            cell.cell = v;
            cell.cell.customers.normalize();
            if (!cell.closed) cell.seen.insert(cell.cell.customers.keys.begin(), cell.cell.customers.keys.end());
        }
        for (auto& [labels, a] : s.activity) {
            if (a.pairs.empty()) continue;
            Group& g = out.groups_[out.group_id(labels)];
            g.activity = a;
            g.activity.normalize();
            g.sorted = g.activity.pairs.size();
            for (auto& [key, p] : g.activity.pairs)
                if (p >= out.activity_open_from_) g.open[p].insert(key);
        }
        return out;
    }

    // Merges another live card of the same options (grouping, periods, complaint kind): the state as the states'
    // merge, the watermark the later one, events and late events added. Refuses (changing nothing) other options.
    BasicLiveScorecard& operator+=(const BasicLiveScorecard& o) {
        if (o.opt_.by != opt_.by || o.opt_.period != opt_.period || o.activity_period() != activity_period() ||
            o.opt_.complaint_kind != opt_.complaint_kind)
            throw invalid_input("scorecard", invalid_input::no_row,
                                "cannot merge live scorecards with different grouping, periods or complaint kind");
        if (o.events_ == 0) return *this;
        State s = state();
        s += o.state();
        const std::int64_t w = events_ ? std::max(watermark_, o.watermark_) : o.watermark_;
        *this = from_state(s, opt_, w, detail::add_counts(late_, o.late_, "late_events"));
        return *this;
    }
    // The same options and the same state (the indexes are bookkeeping).
    bool operator==(const BasicLiveScorecard& o) const {
        return opt_.by == o.opt_.by && opt_.period == o.opt_.period && activity_period() == o.activity_period() &&
               opt_.complaint_kind == o.opt_.complaint_kind && opt_.lateness == o.opt_.lateness &&
               events_ == o.events_ && late_ == o.late_ && watermark() == o.watermark() && state() == o.state();
    }

    // "LiveScorecard" v1: complaint kind, lateness, watermark (flag + value), late events, then the ScorecardState
    // bytes (grouping, periods, cells, activity). The live-only figures (live_figures.hpp) are not part of it.
    std::string serialize() const {
        ByteWriter w;
        w.header("LiveScorecard", 1);
        w.put_string(opt_.complaint_kind);
        w.put<std::int64_t>(opt_.lateness);
        w.put<std::uint8_t>(events_ > 0);
        w.put<std::int64_t>(events_ ? watermark_ : 0);
        w.put<std::uint64_t>(late_);
        w.put_string(state().serialize());
        return std::move(w).bytes();
    }
    // Untrusted bytes: besides the ScorecardState's own checks, refuses a negative lateness, a complaint kind that
    // is not UTF-8, a watermark flag other than 0/1 (or a watermark with no events, or events without one), more
    // late events than events, and a cell or activity period after the watermark's (events are never later than
    // the latest event).
    static BasicLiveScorecard deserialize(std::string_view bytes) {
        ByteReader r(bytes);
        r.header("LiveScorecard", 1);
        LiveScorecardOptions opt;
        opt.complaint_kind = r.get_text("LiveScorecard complaint kind");
        opt.lateness = r.get<std::int64_t>();
        if (opt.lateness < 0) ByteReader::fail("LiveScorecard lateness is negative");
        const auto has_watermark = r.get<std::uint8_t>();
        const auto watermark = r.get<std::int64_t>();
        const auto late = r.get<std::uint64_t>();
        const State s = State::deserialize(r.get_string());
        r.expect_done();
        if (has_watermark > 1) ByteReader::fail("LiveScorecard watermark flag is not 0 or 1");
        if (!has_watermark && watermark != 0) ByteReader::fail("LiveScorecard has a watermark value without its flag");
        std::uint64_t events = 0;
        for (auto& [k, v] : s.cells) {
            events = detail::add_counts(events, v.events, "events");
            if (v.events == 0) ByteReader::fail("LiveScorecard has an empty cell");
        }
        if ((events > 0) != (has_watermark == 1)) ByteReader::fail("LiveScorecard events and watermark disagree");
        if (late > events) ByteReader::fail("LiveScorecard has more late events than events");
        if (s.activity.empty() != s.cells.empty()) ByteReader::fail("LiveScorecard cells and activity disagree");
        if (has_watermark) {
            if (s.period != Period::none) {
                const std::int64_t last = period_index(watermark, s.period);
                for (auto& [k, v] : s.cells)
                    if (k.second > last) ByteReader::fail("LiveScorecard has a cell after its watermark");
            }
            const std::int64_t last = period_index(watermark, s.activity_period);
            for (auto& [g, a] : s.activity)
                for (auto& pr : a.pairs)
                    if (pr.second > last) ByteReader::fail("LiveScorecard has activity after its watermark");
        }
        opt.by = s.group_columns;
        opt.period = s.period;
        opt.retention_period = s.activity_period;
        try {
            return from_state(s, std::move(opt), has_watermark ? std::optional<std::int64_t>(watermark) : std::nullopt, late);
        } catch (const invalid_input& e) {
            ByteReader::fail(std::string("LiveScorecard: ") + e.what());
        }
    }

private:
    struct LiveCell {
        Cell cell;  // customers: unique, sorted only once the cell is closed
        std::uint32_t group = 0;
        std::int64_t period = 0;
        bool closed = false;
        std::unordered_set<std::uint64_t> seen;  // the cell's customers while it is open
    };
    struct Group {
        GroupLabels labels;
        ActivityState activity;  // pairs[0, sorted) sorted and unique (every closed period's pairs are there)
        std::size_t sorted = 0;
        std::map<std::int64_t, std::unordered_set<std::uint64_t>> open;  // open activity period -> customers
    };
    struct PairHash {
        std::size_t operator()(const std::pair<std::uint32_t, std::int64_t>& k) const noexcept {
            return std::hash<std::uint64_t>{}(static_cast<std::uint64_t>(k.second) * 0x9E3779B97F4A7C15ull ^ k.first);
        }
    };

    Period activity_period() const noexcept { return opt_.period != Period::none ? opt_.period : opt_.retention_period; }
    static std::int64_t saturating_sub(std::int64_t a, std::int64_t b) noexcept {
        return a < std::numeric_limits<std::int64_t>::min() + b ? std::numeric_limits<std::int64_t>::min() : a - b;
    }
    // The first period still open: the one holding watermark - lateness.
    std::int64_t open_from(Period p) const {
        if (p == Period::none) return std::numeric_limits<std::int64_t>::min();
        return period_index(saturating_sub(watermark_, opt_.lateness), p);
    }

    static void check_options(const LiveScorecardOptions& o) {
        if (o.by.size() > 64) throw invalid_input("by", invalid_input::no_row, "more than 64 group columns");
        for (std::size_t i = 0; i < o.by.size(); ++i) {
            if (o.by[i].empty() || !ByteReader::valid_utf8(o.by[i]))
                throw invalid_input("by", invalid_input::no_row, "group column names must be non-empty UTF-8");
            if (std::find(o.by.begin(), o.by.begin() + static_cast<std::ptrdiff_t>(i), o.by[i]) != o.by.begin() + static_cast<std::ptrdiff_t>(i))
                throw invalid_input("by", invalid_input::no_row, "names column '" + o.by[i] + "' twice");
        }
        if (o.lateness < 0) throw invalid_input("lateness", invalid_input::no_row, "must be >= 0 ns");
        if (!ByteReader::valid_utf8(o.complaint_kind))
            throw invalid_input("complaint_kind", invalid_input::no_row, "is not valid UTF-8");
    }

    // The measures a card reads: each measure KPI's column and `value` (revenue).
    static const MeasureRule* rule_of(std::string_view name) {
        static const MeasureRule value_rule = core::finite_rule();
        if (name == "value") return &value_rule;
        const MeasureRule* out = nullptr;
        List::for_each([&]<class K, std::size_t>() {
            if constexpr (requires { K::measure; K::rule; })
                if (name == K::measure) out = &K::rule;
        });
        return out;
    }
    static std::string measure_names() {
        std::string s = "value";
        List::for_each([&]<class K, std::size_t>() {
            if constexpr (requires { K::measure; }) s += std::string(", ") + K::measure;
        });
        return s;
    }

    void check_event(const LiveEvent& e, std::int64_t row) const {
        if (e.time == missing_time) throw invalid_input("time", row, "timestamp is missing");
        for (std::size_t i = 0; i < e.measures.size(); ++i) {
            const auto& m = e.measures[i];
            const MeasureRule* rule = rule_of(m.name);
            if (!rule)
                throw invalid_input(m.name, row, "is not a measure the scorecard reads (it reads " + measure_names() + ")");
            for (std::size_t j = 0; j < i; ++j)
                if (e.measures[j].name == m.name) throw invalid_input(m.name, row, "is set twice in one event");
            if (m.boolean && !rule->booleans)
                throw invalid_input(m.name, row, std::string(rule->text) + ", got a boolean");
            if (!rule->accepts(m.value))
                throw invalid_input(m.name, row, std::string(rule->text) + ", got " + describe_value(m.value));
        }
        for (std::size_t i = 0; i < e.categoricals.size(); ++i) {
            const auto& [name, value] = e.categoricals[i];
            if (name.empty() || !ByteReader::valid_utf8(name))
                throw invalid_input("categorical", row, "column names must be non-empty UTF-8");
            if (!ByteReader::valid_utf8(value)) throw invalid_input(name, row, "value is not valid UTF-8");
            for (std::size_t j = 0; j < i; ++j)
                if (e.categoricals[j].first == name) throw invalid_input(name, row, "is set twice in one event");
        }
    }

    // The event as a one-event cell, made by each KPI's own acc/add/finish (the batch fill's code).
    Cell one_event_cell(const LiveEvent& e, std::size_t row) const {
        Cell d;
        d.events = 1;
        if (auto* v = e.measure("value"); v && !std::isnan(v->value)) d.revenue = v->value;
        List::for_each([&]<class K, std::size_t>() {
            typename K::acc a{};
            if constexpr (requires { K::measure; }) {
                if (auto* m = e.measure(K::measure); m && !std::isnan(m->value)) K::add(a, m->value, row);
            } else {
                static_assert(requires { live_kpi<K>::add(a, e, opt_); },
                              "a KPI filled by a reader needs a live_kpi<K> specialisation (live_scorecard.hpp)");
                live_kpi<K>::add(a, e, opt_);
            }
            d.template get<K>() = K::finish(a, d);
        });
        return d;
    }

    void add_to_cell(LiveCell& c, Cell& delta, std::uint64_t customer) {
        auto& keys = c.cell.customers.keys;
        if (!c.closed) {
            if (c.seen.insert(customer).second) keys.push_back(customer);
        } else if (auto it = std::lower_bound(keys.begin(), keys.end(), customer); it == keys.end() || *it != customer) {
            keys.insert(it, customer);
        }
        c.cell.events += 1;
        c.cell.revenue += delta.revenue;
        List::for_each([&]<class K, std::size_t>() { c.cell.template get<K>() += delta.template get<K>(); });
    }

    void add_activity(Group& g, std::uint64_t customer, std::int64_t pa) {
        auto& pairs = g.activity.pairs;
        if (pa >= activity_open_from_) {
            if (g.open[pa].insert(customer).second) pairs.emplace_back(customer, pa);
            return;
        }
        const std::pair<std::uint64_t, std::int64_t> pr{customer, pa};
        const auto end = pairs.begin() + static_cast<std::ptrdiff_t>(g.sorted);
        const auto it = std::lower_bound(pairs.begin(), end, pr);
        if (it != end && *it == pr) return;
        pairs.insert(it, pr);
        ++g.sorted;
    }

    // Closes the periods the watermark has left behind by more than the lateness: their indexes are released.
    void close_periods() {
        if (opt_.period != Period::none) {
            const std::int64_t from = open_from(opt_.period);
            if (from > cells_open_from_) {
                cells_open_from_ = from;
                while (!open_cells_.empty() && open_cells_.begin()->first < from) {
                    for (std::uint32_t c : open_cells_.begin()->second) {
                        LiveCell& cell = cells_[c];
                        cell.cell.customers.normalize();
                        cell.seen = {};
                        cell.closed = true;
                    }
                    open_cells_.erase(open_cells_.begin());
                }
            }
        }
        const std::int64_t from = open_from(activity_period());
        if (from <= activity_open_from_) return;
        activity_open_from_ = from;
        for (Group& g : groups_) {
            if (g.open.empty() || g.open.begin()->first >= from) continue;
            while (!g.open.empty() && g.open.begin()->first < from) g.open.erase(g.open.begin());
            // Sort the tail and merge it in: every pair of a closed period is now in the sorted prefix.
            auto& pairs = g.activity.pairs;
            const auto mid = pairs.begin() + static_cast<std::ptrdiff_t>(g.sorted);
            std::sort(mid, pairs.end());
            std::inplace_merge(pairs.begin(), mid, pairs.end());
            g.sorted = pairs.size();
        }
    }

    // Group labels as one lookup key: per column a presence byte, the length and the bytes.
    static void append_label(std::string& key, const std::string* label) {
        key.push_back(label ? '\1' : '\0');
        if (!label) return;
        const auto n = static_cast<std::uint32_t>(label->size());
        key.append(reinterpret_cast<const char*>(&n), sizeof n);
        key.append(*label);
    }
    std::uint32_t group_id(const LiveEvent& e) {
        key_.clear();
        for (auto& col : opt_.by) append_label(key_, e.categorical(col));
        if (auto it = group_of_.find(key_); it != group_of_.end()) return it->second;
        GroupLabels labels;
        for (auto& col : opt_.by) {
            const std::string* l = e.categorical(col);
            labels.push_back(l ? std::optional<std::string>(*l) : std::nullopt);
        }
        return add_group(key_, std::move(labels));
    }
    std::uint32_t group_id(const GroupLabels& labels) {
        key_.clear();
        for (auto& l : labels) append_label(key_, l ? &*l : nullptr);
        if (auto it = group_of_.find(key_); it != group_of_.end()) return it->second;
        return add_group(key_, labels);
    }
    std::uint32_t add_group(const std::string& key, GroupLabels labels) {
        if (groups_.size() >= std::numeric_limits<std::uint32_t>::max())
            throw invalid_input("by", invalid_input::no_row, "too many groups");
        const auto g = static_cast<std::uint32_t>(groups_.size());
        groups_.push_back({std::move(labels), {}, 0, {}});
        group_of_.emplace(key, g);
        return g;
    }
    std::uint32_t cell_id(std::uint32_t g, std::int64_t p) {
        auto [it, added] = cell_of_.try_emplace({g, p}, static_cast<std::uint32_t>(cells_.size()));
        if (!added) return it->second;
        if (cells_.size() >= std::numeric_limits<std::uint32_t>::max()) {
            cell_of_.erase(it);
            throw invalid_input("by", invalid_input::no_row, "too many cells");
        }
        LiveCell c;
        c.group = g;
        c.period = p;
        c.closed = opt_.period != Period::none && p < cells_open_from_;
        cells_.push_back(std::move(c));
        if (opt_.period != Period::none && !cells_.back().closed) open_cells_[p].push_back(it->second);
        return it->second;
    }

    LiveScorecardOptions opt_;
    std::uint64_t events_ = 0, late_ = 0;
    std::int64_t watermark_ = 0;
    std::int64_t cells_open_from_ = std::numeric_limits<std::int64_t>::min();
    std::int64_t activity_open_from_ = std::numeric_limits<std::int64_t>::min();
    std::vector<Group> groups_;
    std::unordered_map<std::string, std::uint32_t> group_of_;
    std::vector<LiveCell> cells_;
    std::unordered_map<std::pair<std::uint32_t, std::int64_t>, std::uint32_t, PairHash> cell_of_;
    std::map<std::int64_t, std::vector<std::uint32_t>> open_cells_;  // open period -> its cells (with periods)
    std::string key_;  // scratch for group lookups
};

using LiveScorecard = BasicLiveScorecard<scorecard_kpis>;
static_assert(MergeableState<LiveScorecard>);

}  // namespace cxkit::metrics

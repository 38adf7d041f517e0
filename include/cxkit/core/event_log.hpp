#pragma once
// EventLog: the columnar log of touchpoint events, sorted by (customer, time) once, on the way in.
//
// Required columns: customer (int32 code into the customer ids) and time (int64 ns since the epoch, UTC).
// Optional: categoricals (channel, stage, touchpoint, kind, or any name; int32 codes + categories, -1 missing),
// measures (any name; float64, NaN missing) and free text. Every value is checked when the log is built, in this
// one place: customer codes and category codes in range, timestamps present, dictionaries without duplicates,
// each measure against the rule its caller gives (core/rules.hpp; the scorecard's NPS/CSAT/CES rules are
// metrics::measure_rule). A bad value raises invalid_input naming the column, the input row and the rule, or with
// OnError::drop its row is skipped and counted.
//
// Ownership: the log never keeps a view of memory its caller may still change (validated data stays valid).
// Mutable input columns are read once, into the log's own buffers in sorted order (the sort permutation is applied
// column by column, so the build needs the permutation and no second copy of any column); an immutable view (an
// Arrow buffer) that is already in order is kept as is. The checks run on the log's own copy, so a caller that
// changes its arrays while the log is built cannot smuggle in an unchecked value (it gets an error at worst).
// Long loops check core::check_interrupt(), the copies run through core::parallel_for.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <map>
#include <numeric>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "cxkit/core/column.hpp"
#include "cxkit/core/dictionary.hpp"
#include "cxkit/core/error.hpp"
#include "cxkit/core/parallel.hpp"
#include "cxkit/core/rules.hpp"
#include "cxkit/core/time.hpp"

namespace cxkit::core {


// Customer ids: integers or strings, indexed by customer code.
class CustomerIds {
public:
    CustomerIds() = default;
    static CustomerIds integers(std::vector<std::int64_t> ids) {
        CustomerIds c;
        c.ints_ = std::move(ids);
        return c;
    }
    static CustomerIds strings(std::vector<std::string> ids) {
        CustomerIds c;
        c.strings_ = std::move(ids);
        c.is_string_ = true;
        return c;
    }
    bool is_string() const noexcept { return is_string_; }
    std::size_t size() const noexcept { return is_string_ ? strings_.size() : ints_.size(); }
    const std::vector<std::int64_t>& ints() const noexcept { return ints_; }
    const std::vector<std::string>& strs() const noexcept { return strings_; }
    std::string label(std::size_t code) const { return is_string_ ? strings_[code] : std::to_string(ints_[code]); }

    // A 64-bit key for the customer that means the same in every log: the id itself for integers, FNV-1a of the
    // UTF-8 bytes for strings. Mergeable customer sets use these keys so partitions need no shared dictionary.
    std::uint64_t key(std::size_t code) const noexcept {
        return is_string_ ? key_of(strings_[code]) : key_of(ints_[code]);
    }
    static std::uint64_t key_of(std::int64_t id) noexcept { return static_cast<std::uint64_t>(id); }
    static std::uint64_t key_of(std::string_view id) noexcept {
        std::uint64_t h = 14695981039346656037ull;  // FNV-1a 64 offset basis (0xcbf29ce484222325)
        for (unsigned char ch : id) {
            h ^= ch;
            h *= 1099511628211ull;
        }
        return h;
    }

private:
    std::vector<std::int64_t> ints_;
    std::vector<std::string> strings_;
    bool is_string_ = false;
};

struct Categorical {
    Column<std::int32_t> codes;           // -1 = missing
    std::vector<std::string> categories;  // code -> label
};

enum class OnError { raise, drop };

// What errors="drop" skipped: rows per (column, rule), with the first offending input row. A row that breaks two
// rules is counted under each; EventLog::n_dropped() counts it once.
struct DropReport {
    std::string column;
    std::string rule;
    std::uint64_t rows = 0;
    std::int64_t first_row = -1;
};

// Rows the caller's own conversion already found bad (an unparseable timestamp, a value that is not a number, text
// that is not UTF-8): with OnError::drop the log skips and counts them with the others, in one report.
struct FlaggedRows {
    std::string column;
    std::string rule;
    std::vector<std::int64_t> rows;
};

// Unsorted input columns; EventLog::build validates and sorts them.
struct EventTable {
    Column<std::int32_t> customer;
    CustomerIds customer_ids;
    Column<std::int64_t> time;
    std::vector<std::pair<std::string, Categorical>> categoricals;
    std::vector<std::pair<std::string, Column<double>>> measures;
    std::optional<std::vector<std::string>> text;
    // Measures whose input was boolean (True/False): refused unless their rule accepts booleans.
    std::vector<std::string> boolean_measures;
    // How errors name a log column whose input had another name, e.g. "nps" -> "score (nps)".
    std::map<std::string, std::string, std::less<>> display_names;
    std::vector<FlaggedRows> flagged;
};

class EventLog {
public:
    EventLog() = default;

    static EventLog build(EventTable t, OnError on_error = OnError::raise,
                          const MeasureRules& rules = MeasureRules(any_finite)) {
        const std::size_t n = t.customer.size();
        auto check_len = [&](const std::string& name, std::size_t len) {
            if (len != n)
                throw invalid_input(shown(t, name), invalid_input::no_row,
                                    "has " + std::to_string(len) + " rows but customer has " + std::to_string(n));
        };
        check_len("time", t.time.size());
        for (auto& [name, c] : t.categoricals) check_len(name, c.codes.size());
        for (auto& [name, m] : t.measures) check_len(name, m.size());
        if (t.text) check_len("text", t.text->size());
        check_unique_names(t);
        check_dictionaries(t);
        if (n >= (std::size_t{1} << 32)) return build_rows<std::uint64_t>(t, on_error, rules);
        return build_rows<std::uint32_t>(t, on_error, rules);
    }

    std::size_t size() const noexcept { return customer_.size(); }
    bool empty() const noexcept { return customer_.empty(); }
    // Customers with at least one event.
    std::size_t n_customers() const noexcept { return n_active_customers_; }
    const CustomerIds& customer_ids() const noexcept { return ids_; }
    const std::vector<std::uint64_t>& customer_keys() const noexcept { return keys_; }
    const Column<std::int32_t>& customer() const noexcept { return customer_; }
    const Column<std::int64_t>& time() const noexcept { return time_; }
    // offsets[c] .. offsets[c+1]: the rows of customer code c.
    const std::vector<std::int64_t>& customer_offsets() const noexcept { return offsets_; }

    const Categorical* categorical(std::string_view name) const {
        auto it = categoricals_.find(std::string(name));
        return it == categoricals_.end() ? nullptr : &it->second;
    }
    const Column<double>* measure(std::string_view name) const {
        auto it = measures_.find(std::string(name));
        return it == measures_.end() ? nullptr : &it->second;
    }
    const std::vector<std::string>* text() const noexcept { return text_ ? &*text_ : nullptr; }
    // Ascending rows where the measure is present, kept for sparse measures only (nullptr otherwise).
    const std::vector<std::uint32_t>* present_rows(std::string_view measure) const {
        auto it = present_.find(std::string(measure));
        return it == present_.end() ? nullptr : &it->second;
    }
    // Earliest and latest timestamp (undefined for an empty log).
    std::int64_t time_min() const noexcept { return time_min_; }
    std::int64_t time_max() const noexcept { return time_max_; }
    const std::map<std::string, Categorical>& categoricals() const noexcept { return categoricals_; }
    const std::map<std::string, Column<double>>& measures() const noexcept { return measures_; }

    // Per (column, rule): the rows errors="drop" skipped for it.
    const std::vector<DropReport>& dropped() const noexcept { return dropped_; }
    // Input rows skipped (each once, whatever the number of rules it broke).
    std::uint64_t n_dropped() const noexcept { return n_dropped_; }
    std::uint64_t n_dropped_rows(std::size_t input_rows) const noexcept { return input_rows - size(); }

    // Bytes held for the columns (viewed or owned) plus the log's own indexes and dictionaries.
    std::size_t bytes() const {
        std::size_t b = customer_.bytes() + time_.bytes() + offsets_.size() * sizeof(std::int64_t) +
                        keys_.size() * sizeof(std::uint64_t);
        b += ids_.is_string() ? 0 : ids_.ints().size() * sizeof(std::int64_t);
        for (auto& s : ids_.strs()) b += sizeof(std::string) + s.capacity();
        for (auto& [_, c] : categoricals_) {
            b += c.codes.bytes();
            for (auto& s : c.categories) b += sizeof(std::string) + s.capacity();
        }
        for (auto& [_, m] : measures_) b += m.bytes();
        for (auto& [_, r] : present_) b += r.size() * sizeof(std::uint32_t);
        if (text_)
            for (auto& s : *text_) b += sizeof(std::string) + s.capacity();
        return b;
    }
    // True when the named measure is the caller's own (immutable) buffer, kept without a copy.
    bool shares_input_memory(std::string_view measure_name) const {
        auto* m = measure(measure_name);
        return m && !m->owns_memory();
    }

private:
    static constexpr std::size_t chunk_rows = std::size_t{1} << 16;  // rows between interrupt checks and per task

    static std::string shown(const EventTable& t, std::string_view name) {
        auto it = t.display_names.find(name);
        return it == t.display_names.end() ? std::string(name) : it->second;
    }

    static void check_unique_names(const EventTable& t) {
        std::vector<std::string> names{"customer", "time"};
        if (t.text) names.emplace_back("text");
        for (auto& [n, _] : t.categoricals) names.push_back(n);
        for (auto& [n, _] : t.measures) names.push_back(n);
        std::sort(names.begin(), names.end());
        auto d = std::adjacent_find(names.begin(), names.end());
        if (d != names.end()) throw invalid_input(shown(t, *d), invalid_input::no_row, "column given twice");
    }

    // Two codes with one label would make a missing or a distinct value print as another: refuse them.
    static void check_dictionaries(const EventTable& t) {
        for (auto& [name, cat] : t.categoricals) {
            std::unordered_set<std::string_view> seen;
            for (auto& s : cat.categories)
                if (!seen.insert(s).second)
                    throw invalid_input(shown(t, name), invalid_input::no_row,
                                        "category '" + s + "' appears twice in the dictionary");
        }
        const auto& ids = t.customer_ids;
        if (ids.is_string()) {
            std::unordered_set<std::string_view> seen;
            for (auto& s : ids.strs())
                if (!seen.insert(s).second)
                    throw invalid_input(shown(t, "customer"), invalid_input::no_row, "customer id '" + s + "' appears twice in the dictionary");
        } else {
            std::vector<std::int64_t> v = ids.ints();
            std::sort(v.begin(), v.end());
            auto d = std::adjacent_find(v.begin(), v.end());
            if (d != v.end())
                throw invalid_input(shown(t, "customer"), invalid_input::no_row,
                                    "customer id " + std::to_string(*d) + " appears twice in the dictionary");
        }
    }

    // Marks rows broken (drop mode) or throws for the first input row that broke a rule (raise mode).
    struct Checker {
        const EventTable& t;
        OnError on_error;
        std::size_t n;
        std::vector<std::uint8_t> bad;  // input row -> 1 when it is skipped (drop mode only)
        std::vector<DropReport> reports;

        void flag(std::string_view column, const std::string& rule, std::size_t row, const std::string& detail) {
            if (on_error == OnError::raise)
                throw invalid_input(shown(t, column), static_cast<std::int64_t>(row),
                                    rule + (detail.empty() ? "" : ", got " + detail));
            if (bad.empty()) bad.assign(n, 0);
            bad[row] = 1;
            const std::string col = shown(t, column);
            auto it = std::find_if(reports.begin(), reports.end(),
                                   [&](const DropReport& r) { return r.column == col && r.rule == rule; });
            if (it == reports.end()) {
                reports.push_back({col, rule, 1, static_cast<std::int64_t>(row)});
            } else {
                ++it->rows;
                it->first_row = std::min(it->first_row, static_cast<std::int64_t>(row));
            }
        }
        bool is_bad(std::size_t row) const noexcept { return !bad.empty() && bad[row]; }

        // Checks values[j] (input row row_of(j)) with ok(); in raise mode the error names the smallest input row.
        template <class T, class Ok, class Describe>
        void check(std::string_view column, const std::string& rule, const T* values, std::size_t m,
                   const std::function<std::size_t(std::size_t)>& row_of, Ok ok, Describe describe) {
            std::size_t worst = std::numeric_limits<std::size_t>::max(), at = 0;
            for (std::size_t j = 0; j < m; ++j) {
                if ((j & (chunk_rows - 1)) == 0) check_interrupt();
                if (ok(values[j])) continue;
                const std::size_t row = row_of(j);
                if (on_error == OnError::drop) {
                    flag(column, rule, row, "");
                } else if (row < worst) {
                    worst = row;
                    at = j;
                }
            }
            if (worst != std::numeric_limits<std::size_t>::max()) flag(column, rule, worst, describe(values[at]));
        }
    };

    // A column of the log while it is built: the caller's immutable buffer kept as is, or the log's own copy.
    template <class T>
    struct Built {
        Column<T> kept;
        std::vector<T> values;
        bool is_kept = false;
        const T* data() const noexcept { return is_kept ? kept.data() : values.data(); }
        std::size_t size() const noexcept { return is_kept ? kept.size() : values.size(); }
        Column<T> finish() { return is_kept ? std::move(kept) : Column<T>::owned(std::move(values)); }
    };

    // The input column in log order: order[j] is the input row of log row j (identity: the rows as they are).
    template <class T, class Index>
    static Built<T> take(const Column<T>& in, const std::vector<Index>& order, bool identity) {
        Built<T> b;
        if (identity && in.immutable()) {
            b.kept = in;
            b.is_kept = true;
            return b;
        }
        const std::size_t m = identity ? in.size() : order.size();
        b.values.resize(m);
        T* out = b.values.data();
        const T* x = in.data();
        parallel_for(m, chunk_rows, 0, [&](std::size_t lo, std::size_t hi) {
            if (identity) {
                std::memcpy(out + lo, x + lo, (hi - lo) * sizeof(T));
            } else {
                for (std::size_t j = lo; j < hi; ++j) out[j] = x[order[j]];
            }
        });
        return b;
    }

    // Removes log rows j with drop(j) from a built column, keeping the order of the others.
    template <class T, class Drop>
    static void compact(Built<T>& b, Drop drop) {
        if (b.is_kept) {
            std::vector<T> v;
            for (std::size_t j = 0; j < b.kept.size(); ++j)
                if (!drop(j)) v.push_back(b.kept[j]);
            b.values = std::move(v);
            b.kept = {};
            b.is_kept = false;
            return;
        }
        std::size_t w = 0;
        for (std::size_t j = 0; j < b.values.size(); ++j)
            if (!drop(j)) b.values[w++] = std::move(b.values[j]);
        b.values.resize(w);
        b.values.shrink_to_fit();
    }

    [[noreturn]] static void changed_during_build(const EventTable& t, std::string_view column) {
        throw invalid_input(shown(t, column), invalid_input::no_row,
                            "the input changed while the log was being built (another thread wrote to it)");
    }

    template <class Index>
    static EventLog build_rows(EventTable& t, OnError on_error, const MeasureRules& rules) {
        const std::size_t n = t.customer.size();
        Checker chk{t, on_error, n, {}, {}};

        for (auto& f : t.flagged)
            for (auto row : f.rows) {
                if (row < 0 || static_cast<std::size_t>(row) >= n)
                    throw invalid_input(shown(t, f.column), row, "flagged row out of range");
                chk.flag(f.column, f.rule, static_cast<std::size_t>(row), "");
            }
        for (auto& name : t.boolean_measures) {
            const MeasureRule rule = rules(name);
            if (!rule.booleans)
                throw invalid_input(shown(t, name), invalid_input::no_row,
                                    std::string(rule.text) + ", got booleans (True/False)");
        }

        // Customer and time, read from the input; what the log keeps is checked again below.
        const auto n_ids = static_cast<std::int64_t>(t.customer_ids.size());
        {
            std::size_t worst_c = n, worst_t = n;
            for (std::size_t i = 0; i < n; ++i) {
                if ((i & (chunk_rows - 1)) == 0) check_interrupt();
                if (chk.is_bad(i)) continue;  // the caller already flagged it (one rule, counted once)
                const auto c = t.customer[i];
                if (c < 0 || c >= n_ids) {
                    if (on_error == OnError::drop) chk.flag("customer", "customer id is missing or unknown", i, "");
                    else worst_c = std::min(worst_c, i);
                }
                if (t.time[i] == missing_time) {
                    if (on_error == OnError::drop) chk.flag("time", "timestamp is missing or unparseable", i, "");
                    else worst_t = std::min(worst_t, i);
                }
            }
            if (worst_c < n) chk.flag("customer", "customer id is missing or unknown", worst_c, "");
            if (worst_t < n) chk.flag("time", "timestamp is missing or unparseable", worst_t, "");
        }

        // The sort permutation (none when the input is already in order with nothing skipped).
        bool identity = chk.bad.empty();
        for (std::size_t i = 1; identity && i < n; ++i) {
            const auto a = t.customer[i - 1], b = t.customer[i];
            identity = a < b || (a == b && t.time[i - 1] <= t.time[i]);
        }
        std::vector<Index> order;
        if (!identity) order = sort_order<Index>(t, chk);
        auto row_of = [&](std::size_t j) -> std::size_t { return identity ? j : static_cast<std::size_t>(order[j]); };
        const std::function<std::size_t(std::size_t)> row_fn = row_of;

        EventLog log;
        Built<std::int32_t> customer = take(t.customer, order, identity);
        Built<std::int64_t> time = take(t.time, order, identity);
        t.customer = {};
        t.time = {};
        // The kept copy must be what was checked: in range, sorted by customer then time.
        {
            const std::int32_t* c = customer.data();
            const std::int64_t* tm = time.data();
            for (std::size_t j = 0; j < customer.size(); ++j) {
                if (c[j] < 0 || c[j] >= n_ids || (j > 0 && c[j] < c[j - 1])) changed_during_build(t, "customer");
                if (tm[j] == missing_time || (j > 0 && c[j] == c[j - 1] && tm[j] < tm[j - 1]))
                    changed_during_build(t, "time");
            }
        }

        std::vector<std::pair<std::string, std::pair<Built<std::int32_t>, std::vector<std::string>>>> cats;
        for (auto& [name, cat] : t.categoricals) {
            Built<std::int32_t> codes = take(cat.codes, order, identity);
            cat.codes = {};
            const auto k = static_cast<std::int32_t>(cat.categories.size());
            chk.check(name, "category code out of range", codes.data(), codes.size(), row_fn,
                      [k](std::int32_t v) { return v >= -1 && v < k; },
                      [](std::int32_t v) { return std::to_string(v); });
            cats.emplace_back(name, std::make_pair(std::move(codes), std::move(cat.categories)));
        }
        std::vector<std::pair<std::string, Built<double>>> meas;
        for (auto& [name, col] : t.measures) {
            Built<double> values = take(col, order, identity);
            col = {};
            const MeasureRule rule = rules(name);
            chk.check(name, rule.text, values.data(), values.size(), row_fn,
                      [&rule](double v) { return v != v || rule.accepts(v); },
                      [](double v) { return describe_value(v); });
            meas.emplace_back(name, std::move(values));
        }
        std::optional<std::vector<std::string>> text;
        if (t.text) {
            if (identity) {
                text = std::move(*t.text);
            } else {
                std::vector<std::string> txt(order.size());
                for (std::size_t j = 0; j < order.size(); ++j) txt[j] = std::move((*t.text)[order[j]]);
                text = std::move(txt);
            }
            t.text.reset();
        }

        // Rows a later rule skipped (drop mode) leave every column at once.
        bool later_drops = false;
        for (std::size_t j = 0; !chk.bad.empty() && j < customer.size() && !later_drops; ++j)
            later_drops = chk.bad[row_of(j)] != 0;
        if (later_drops) {
            const std::size_t m = customer.size();
            std::vector<std::uint8_t> drop_at(m);
            for (std::size_t j = 0; j < m; ++j) drop_at[j] = chk.bad[row_of(j)];
            auto drop = [&drop_at](std::size_t j) { return drop_at[j] != 0; };
            compact(customer, drop);
            compact(time, drop);
            for (auto& [_, c] : cats) compact(c.first, drop);
            for (auto& [_, v] : meas) compact(v, drop);
            if (text) {
                std::size_t w = 0;
                for (std::size_t j = 0; j < m; ++j)
                    if (!drop_at[j]) (*text)[w++] = std::move((*text)[j]);
                text->resize(w);
            }
        }

        log.customer_ = customer.finish();
        log.time_ = time.finish();
        for (auto& [name, c] : cats) log.categoricals_.emplace(name, Categorical{c.first.finish(), std::move(c.second)});
        for (auto& [name, v] : meas) log.measures_.emplace(name, v.finish());
        log.text_ = std::move(text);
        log.ids_ = std::move(t.customer_ids);
        log.dropped_ = std::move(chk.reports);
        log.n_dropped_ = n - log.customer_.size();
        log.index_customers();
        return log;
    }

    // Counting sort by customer code (codes are dense), then by time within each customer (runs are short and
    // usually already in order). Stable, so equal timestamps keep their input order. The input is read, never
    // trusted twice: a code that changed between the passes is an error, not a write out of bounds.
    template <class Index>
    static std::vector<Index> sort_order(const EventTable& t, const Checker& chk) {
        const std::size_t n = t.customer.size();
        const std::size_t k = t.customer_ids.size();
        std::vector<std::size_t> start(k + 1, 0);
        for (std::size_t i = 0; i < n; ++i) {
            if ((i & (chunk_rows - 1)) == 0) check_interrupt();
            if (!chk.is_bad(i)) {
                const auto c = t.customer[i];
                if (c < 0 || static_cast<std::size_t>(c) >= k) changed_during_build(t, "customer");
                ++start[static_cast<std::size_t>(c) + 1];
            }
        }
        std::partial_sum(start.begin(), start.end(), start.begin());
        std::vector<Index> order(start.back());
        std::vector<std::size_t> pos(start.begin(), start.end() - 1);
        for (std::size_t i = 0; i < n; ++i) {
            if ((i & (chunk_rows - 1)) == 0) check_interrupt();
            if (chk.is_bad(i)) continue;
            const auto c = t.customer[i];
            if (c < 0 || static_cast<std::size_t>(c) >= k || pos[static_cast<std::size_t>(c)] >= start[static_cast<std::size_t>(c) + 1])
                changed_during_build(t, "customer");
            order[pos[static_cast<std::size_t>(c)]++] = static_cast<Index>(i);
        }
        for (std::size_t c = 0; c < k; ++c)
            if (pos[c] != start[c + 1]) changed_during_build(t, "customer");
        // Sort each customer's rows by time on a private copy of the keys (a comparator reading memory that may
        // change would break the sort's own invariants).
        const std::int64_t* time = t.time.data();
        std::vector<std::pair<std::int64_t, Index>> keys;
        std::size_t since_check = 0;
        for (std::size_t c = 0; c < k; ++c) {
            const std::size_t b = start[c], e = start[c + 1];
            since_check += e - b + 1;
            if (since_check >= chunk_rows) {
                check_interrupt();
                since_check = 0;
            }
            bool in_order = true;
            for (std::size_t j = b + 1; j < e && in_order; ++j) in_order = time[order[j - 1]] <= time[order[j]];
            if (in_order) continue;
            keys.clear();
            for (std::size_t j = b; j < e; ++j) keys.emplace_back(time[order[j]], order[j]);
            std::stable_sort(keys.begin(), keys.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
            for (std::size_t j = b; j < e; ++j) order[j] = keys[j - b].second;
        }
        return order;
    }

    // Rows (ascending) where a measure is present, for the sparse measures (present in under half of the rows):
    // a scan then visits only those rows instead of testing every row for NaN.
    void index_present_rows() {
        present_.clear();
        if (size() >= (std::size_t{1} << 32)) return;
        for (auto& [name, col] : measures_) {
            const double* x = col.data();
            std::size_t count = 0;
            for (std::size_t i = 0; i < col.size(); ++i) count += x[i] == x[i];
            if (2 * count >= col.size()) continue;
            std::vector<std::uint32_t> rows(count);
            std::size_t k = 0;
            for (std::size_t i = 0; i < col.size() && k < count; ++i) {
                rows[k] = static_cast<std::uint32_t>(i);
                k += x[i] == x[i];
            }
            present_.emplace(name, std::move(rows));
        }
    }

    void index_customers() {
        index_present_rows();
        const std::size_t k = ids_.size();
        offsets_.assign(k + 1, 0);
        for (std::size_t i = 0; i < customer_.size(); ++i) ++offsets_[static_cast<std::size_t>(customer_[i]) + 1];
        n_active_customers_ = 0;
        for (std::size_t c = 0; c < k; ++c) n_active_customers_ += offsets_[c + 1] > 0;
        std::partial_sum(offsets_.begin(), offsets_.end(), offsets_.begin());
        // Time range from each customer's first and last event (the log is sorted by customer, then time).
        time_min_ = std::numeric_limits<std::int64_t>::max();
        time_max_ = std::numeric_limits<std::int64_t>::min();
        for (std::size_t c = 0; c < k; ++c)
            if (offsets_[c + 1] > offsets_[c]) {
                time_min_ = std::min(time_min_, time_[static_cast<std::size_t>(offsets_[c])]);
                time_max_ = std::max(time_max_, time_[static_cast<std::size_t>(offsets_[c + 1] - 1)]);
            }
        keys_.resize(k);
        for (std::size_t c = 0; c < k; ++c) keys_[c] = ids_.key(c);
    }

    Column<std::int32_t> customer_;
    Column<std::int64_t> time_;
    CustomerIds ids_;
    std::vector<std::uint64_t> keys_;
    std::vector<std::int64_t> offsets_;
    std::size_t n_active_customers_ = 0;
    std::int64_t time_min_ = 0, time_max_ = 0;
    std::map<std::string, std::vector<std::uint32_t>> present_;
    std::map<std::string, Categorical> categoricals_;
    std::map<std::string, Column<double>> measures_;
    std::optional<std::vector<std::string>> text_;
    std::vector<DropReport> dropped_;
    std::uint64_t n_dropped_ = 0;
};

}  // namespace cxkit::core

namespace cxkit {
// Transitional: the core's types are also reachable as cxkit::Name (every area used them so).
using core::Categorical;
using core::CustomerIds;
using core::DropReport;
using core::EventLog;
using core::EventTable;
using core::FlaggedRows;
using core::OnError;
}  // namespace cxkit

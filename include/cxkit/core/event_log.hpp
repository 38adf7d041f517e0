#pragma once
// EventLog: the columnar log of touchpoint events, sorted by (customer, time) once, on the way in.
//
// Required columns: customer (int32 code into the customer ids) and time (int64 ns since the epoch, UTC).
// Optional: categoricals (channel, stage, touchpoint, kind, or any name; int32 codes + categories, -1 missing),
// measures (value, nps, csat, ces, response_time, fcr, sentiment, or any name; float64, NaN missing) and free text.
// Every value is checked against its column's rule (core/rules.hpp) when the log is built: a bad value raises
// cxkit::invalid_input naming the column, the input row and the rule, or with OnError::drop its row is skipped and
// counted. A log that already arrives sorted with nothing dropped keeps the caller's memory (zero copy); otherwise
// each column is gathered once into sorted order.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <numeric>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cxkit/core/column.hpp"
#include "cxkit/core/dictionary.hpp"
#include "cxkit/core/error.hpp"
#include "cxkit/core/rules.hpp"
#include "cxkit/core/time.hpp"

namespace cxkit {

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
        if (!is_string_) return static_cast<std::uint64_t>(ints_[code]);
        std::uint64_t h = 14695981039346656037ull;  // FNV-1a 64 offset basis (0xcbf29ce484222325)
        for (unsigned char ch : strings_[code]) {
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

// What errors="drop" skipped: rows per (column, rule), with the first offending input row.
struct DropReport {
    std::string column;
    std::string rule;
    std::uint64_t rows = 0;
    std::int64_t first_row = -1;
};

// Unsorted input columns; EventLog::build validates and sorts them.
struct EventTable {
    Column<std::int32_t> customer;
    CustomerIds customer_ids;
    Column<std::int64_t> time;
    std::vector<std::pair<std::string, Categorical>> categoricals;
    std::vector<std::pair<std::string, Column<double>>> measures;
    std::optional<std::vector<std::string>> text;
};

class EventLog {
public:
    EventLog() = default;

    static EventLog build(EventTable t, OnError on_error = OnError::raise) {
        const std::size_t n = t.customer.size();
        auto check_len = [n](const std::string& name, std::size_t len) {
            if (len != n)
                throw invalid_input(name, invalid_input::no_row,
                                    "has " + std::to_string(len) + " rows but customer has " + std::to_string(n));
        };
        check_len("time", t.time.size());
        for (auto& [name, c] : t.categoricals) check_len(name, c.codes.size());
        for (auto& [name, m] : t.measures) check_len(name, m.size());
        if (t.text) check_len("text", t.text->size());
        check_unique_names(t);

        // Validate every row; `bad` marks rows to drop (only filled in drop mode).
        std::vector<std::uint8_t> bad;
        std::vector<DropReport> reports;
        auto flag = [&](const std::string& column, const std::string& rule, std::size_t row, std::string detail) {
            if (on_error == OnError::raise)
                throw invalid_input(column, static_cast<std::int64_t>(row), rule + (detail.empty() ? "" : ", got " + detail));
            if (bad.empty()) bad.assign(n, 0);
            bad[row] = 1;
            auto it = std::find_if(reports.begin(), reports.end(),
                                   [&](const DropReport& r) { return r.column == column && r.rule == rule; });
            if (it == reports.end()) reports.push_back({column, rule, 1, static_cast<std::int64_t>(row)});
            else ++it->rows;
        };
        const auto n_ids = static_cast<std::int64_t>(t.customer_ids.size());
        for (std::size_t i = 0; i < n; ++i) {
            const auto c = t.customer[i];
            if (c < 0 || c >= n_ids) flag("customer", "customer id is missing or unknown", i, "");
        }
        for (std::size_t i = 0; i < n; ++i)
            if (t.time[i] == missing_time) flag("time", "timestamp is missing or unparseable", i, "");
        for (auto& [name, cat] : t.categoricals) {
            const auto k = static_cast<std::int32_t>(cat.categories.size());
            for (std::size_t i = 0; i < n; ++i) {
                const auto v = cat.codes[i];
                if (v < -1 || v >= k) flag(name, "category code out of range", i, std::to_string(v));
            }
        }
        for (auto& [name, col] : t.measures) {
            const MeasureRule rule = measure_rule(name);
            const double* x = col.data();
            for (std::size_t i = 0; i < n; ++i)
                if (!rule.accepts(x[i])) flag(name, rule.text, i, describe_value(x[i]));
        }

        EventLog log;
        log.dropped_ = std::move(reports);

        // Rows to keep, in (customer, time) order. Already sorted and nothing dropped: keep the columns as given.
        bool sorted = bad.empty();
        for (std::size_t i = 1; sorted && i < n; ++i) {
            const auto a = t.customer[i - 1], b = t.customer[i];
            sorted = a < b || (a == b && t.time[i - 1] <= t.time[i]);
        }
        if (sorted) {
            log.customer_ = std::move(t.customer);
            log.time_ = std::move(t.time);
            for (auto& [name, c] : t.categoricals) log.categoricals_.emplace(name, std::move(c));
            for (auto& [name, m] : t.measures) log.measures_.emplace(name, std::move(m));
            if (t.text) log.text_ = std::move(*t.text);
        } else {
            const auto order = sort_order(t, bad);
            log.customer_ = gather(t.customer, order);
            log.time_ = gather(t.time, order);
            for (auto& [name, c] : t.categoricals)
                log.categoricals_.emplace(name, Categorical{gather(c.codes, order), std::move(c.categories)});
            for (auto& [name, m] : t.measures) log.measures_.emplace(name, gather(m, order));
            if (t.text) {
                std::vector<std::string> txt(order.size());
                for (std::size_t j = 0; j < order.size(); ++j) txt[j] = std::move((*t.text)[order[j]]);
                log.text_ = std::move(txt);
            }
        }
        log.ids_ = std::move(t.customer_ids);
        log.index_customers();
        return log;
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

    const std::vector<DropReport>& dropped() const noexcept { return dropped_; }
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
    // True when no column was copied (all view the caller's memory or were moved in).
    bool shares_input_memory(std::string_view measure_name) const {
        auto* m = measure(measure_name);
        return m && !m->owns_memory();
    }

private:
    static void check_unique_names(const EventTable& t) {
        std::vector<std::string> names{"customer", "time"};
        if (t.text) names.emplace_back("text");
        for (auto& [n, _] : t.categoricals) names.push_back(n);
        for (auto& [n, _] : t.measures) names.push_back(n);
        std::sort(names.begin(), names.end());
        auto d = std::adjacent_find(names.begin(), names.end());
        if (d != names.end()) throw invalid_input(*d, invalid_input::no_row, "column given twice");
    }

    // Counting sort by customer code (codes are dense), then by time within each customer (runs are short and
    // usually already in order). Stable, so equal timestamps keep their input order.
    static std::vector<std::size_t> sort_order(const EventTable& t, const std::vector<std::uint8_t>& bad) {
        const std::size_t n = t.customer.size();
        const std::size_t k = t.customer_ids.size();
        std::vector<std::size_t> start(k + 1, 0);
        for (std::size_t i = 0; i < n; ++i)
            if (bad.empty() || !bad[i]) ++start[static_cast<std::size_t>(t.customer[i]) + 1];
        std::partial_sum(start.begin(), start.end(), start.begin());
        std::vector<std::size_t> order(start.back());
        std::vector<std::size_t> pos(start.begin(), start.end() - 1);
        for (std::size_t i = 0; i < n; ++i)
            if (bad.empty() || !bad[i]) order[pos[static_cast<std::size_t>(t.customer[i])]++] = i;
        const std::int64_t* time = t.time.data();
        for (std::size_t c = 0; c < k; ++c) {
            auto b = order.begin() + static_cast<std::ptrdiff_t>(start[c]);
            auto e = order.begin() + static_cast<std::ptrdiff_t>(start[c + 1]);
            if (!std::is_sorted(b, e, [time](std::size_t x, std::size_t y) { return time[x] < time[y]; }))
                std::stable_sort(b, e, [time](std::size_t x, std::size_t y) { return time[x] < time[y]; });
        }
        return order;
    }

    template <class T>
    static Column<T> gather(const Column<T>& c, const std::vector<std::size_t>& order) {
        std::vector<T> out(order.size());
        const T* x = c.data();
        for (std::size_t j = 0; j < order.size(); ++j) out[j] = x[order[j]];
        return Column<T>::owned(std::move(out));
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
};

}  // namespace cxkit

#pragma once
// EventLogBuilder: a row-by-row way to make an EventLog from C++ (a CRM's own records), dictionary-encoding
// customer ids and categoricals as it goes. The measures are checked against the rules the caller gives (default:
// finite or missing); the scorecard's standard rules are cxkit::metrics::measure_rule (metrics/measure_rules.hpp).
//
//   cxkit::core::EventLogBuilder b(cxkit::metrics::measure_rule);
//   b.event("alice", cxkit::timestamp(2024, 3, 1)).set("channel", "web").set("nps", 9);
//   cxkit::EventLog log = std::move(b).build();
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "cxkit/core/event_log.hpp"

namespace cxkit::core {

class EventLogBuilder {
public:
    EventLogBuilder() = default;
    explicit EventLogBuilder(MeasureRules rules) : rules_(std::move(rules)) {}

    EventLogBuilder& event(std::string_view customer, std::int64_t time_ns) {
        if (rows_ > 0 && int_ids_) throw invalid_input("customer", static_cast<std::int64_t>(rows_), "mixes string and integer ids");
        int_ids_ = false;
        customer_.push_back(string_ids_.encode(customer));
        return push(time_ns);
    }
    EventLogBuilder& event(std::int64_t customer, std::int64_t time_ns) {
        if (rows_ > 0 && !int_ids_) throw invalid_input("customer", static_cast<std::int64_t>(rows_), "mixes string and integer ids");
        int_ids_ = true;
        auto [it, added] = int_index_.try_emplace(customer, static_cast<std::int32_t>(int_ids_list_.size()));
        if (added) int_ids_list_.push_back(customer);
        customer_.push_back(it->second);
        return push(time_ns);
    }
    // Sets a categorical value of the current event.
    EventLogBuilder& set(std::string_view column, std::string_view value) {
        auto& c = categorical(column);
        c.codes.back() = c.dict.encode(value);
        return *this;
    }
    EventLogBuilder& set(std::string_view column, const char* value) { return set(column, std::string_view(value)); }
    // Sets a measure of the current event.
    EventLogBuilder& set(std::string_view column, double value) {
        measure(column).back() = value;
        return *this;
    }
    // Integers and bools are measures too; without this, set("fcr", 0) is ambiguous (0 is also a null pointer).
    // A bool is kept as 0/1 and the column remembered as boolean: the build refuses it for a measure whose rule
    // takes no booleans (True is not an NPS of 1).
    template <class I>
        requires std::is_integral_v<I>
    EventLogBuilder& set(std::string_view column, I value) {
        if constexpr (std::is_same_v<I, bool>) {
            if (std::find(bool_measures_.begin(), bool_measures_.end(), column) == bool_measures_.end())
                bool_measures_.emplace_back(column);
        }
        return set(column, static_cast<double>(value));
    }
    EventLogBuilder& set_text(std::string_view value) {
        need_row("text");
        if (text_.size() < rows_) text_.resize(rows_);
        text_.back() = std::string(value);
        return *this;
    }
    std::size_t size() const noexcept { return rows_; }

    EventLog build(OnError on_error = OnError::raise) && {
        EventTable t;
        t.customer = Column<std::int32_t>::owned(std::move(customer_));
        t.customer_ids = int_ids_ ? CustomerIds::integers(std::move(int_ids_list_))
                                  : CustomerIds::strings(string_ids_.values());
        t.time = Column<std::int64_t>::owned(std::move(time_));
        for (auto& c : cats_) t.categoricals.emplace_back(c.name, Categorical{Column<std::int32_t>::owned(std::move(c.codes)), c.dict.values()});
        for (auto& m : measures_) t.measures.emplace_back(m.name, Column<double>::owned(std::move(m.values)));
        if (!text_.empty()) {
            text_.resize(rows_);
            t.text = std::move(text_);
        }
        t.boolean_measures = std::move(bool_measures_);
        return EventLog::build(std::move(t), on_error, rules_);
    }

private:
    struct Cat {
        std::string name;
        Dictionary dict;
        std::vector<std::int32_t> codes;
    };
    struct Measure {
        std::string name;
        std::vector<double> values;
    };

    EventLogBuilder& push(std::int64_t time_ns) {
        time_.push_back(time_ns);
        ++rows_;
        for (auto& c : cats_) c.codes.push_back(missing_code);
        for (auto& m : measures_) m.values.push_back(std::numeric_limits<double>::quiet_NaN());
        return *this;
    }
    void need_row(std::string_view column) const {
        if (rows_ == 0) throw invalid_input(std::string(column), invalid_input::no_row, "set() before the first event()");
    }
    Cat& categorical(std::string_view column) {
        need_row(column);
        for (auto& c : cats_)
            if (c.name == column) return c;
        cats_.push_back({std::string(column), {}, std::vector<std::int32_t>(rows_, missing_code)});
        return cats_.back();
    }
    std::vector<double>& measure(std::string_view column) {
        need_row(column);
        for (auto& m : measures_)
            if (m.name == column) return m.values;
        measures_.push_back({std::string(column), std::vector<double>(rows_, std::numeric_limits<double>::quiet_NaN())});
        return measures_.back().values;
    }

    MeasureRules rules_ = any_finite;
    std::vector<std::string> bool_measures_;
    std::size_t rows_ = 0;
    bool int_ids_ = false;
    Dictionary string_ids_;
    std::unordered_map<std::int64_t, std::int32_t> int_index_;
    std::vector<std::int64_t> int_ids_list_;
    std::vector<std::int32_t> customer_;
    std::vector<std::int64_t> time_;
    std::vector<Cat> cats_;
    std::vector<Measure> measures_;
    std::vector<std::string> text_;
};

}  // namespace cxkit::core

namespace cxkit {
using core::EventLogBuilder;  // transitional: also reachable as cxkit::EventLogBuilder
}  // namespace cxkit

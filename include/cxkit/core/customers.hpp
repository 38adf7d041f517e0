#pragma once
// Customers: one row per customer code of an EventLog: id, first and last seen, events and revenue (derived from
// the log), plus the attributes and consent flags the user attaches (a CRM's own fields).
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "cxkit/core/event_log.hpp"

namespace cxkit::core {

class Customers {
public:
    static Customers from_log(const EventLog& log) {
        Customers c;
        c.ids_ = log.customer_ids();
        const std::size_t k = c.ids_.size();
        const auto& off = log.customer_offsets();
        c.first_seen_.assign(k, missing_time);
        c.last_seen_.assign(k, missing_time);
        c.events_.assign(k, 0);
        c.revenue_.assign(k, 0.0);
        const auto* value = log.measure("value");
        for (std::size_t i = 0; i < k; ++i) {
            const auto b = off[i], e = off[i + 1];
            c.events_[i] = static_cast<std::uint64_t>(e - b);
            if (b == e) continue;
            c.first_seen_[i] = log.time()[static_cast<std::size_t>(b)];
            c.last_seen_[i] = log.time()[static_cast<std::size_t>(e - 1)];
            if (value)
                for (auto j = b; j < e; ++j) {
                    const double v = (*value)[static_cast<std::size_t>(j)];
                    if (!std::isnan(v)) c.revenue_[i] += v;
                }
        }
        return c;
    }

    std::size_t size() const noexcept { return ids_.size(); }
    const CustomerIds& ids() const noexcept { return ids_; }
    const std::vector<std::int64_t>& first_seen() const noexcept { return first_seen_; }
    const std::vector<std::int64_t>& last_seen() const noexcept { return last_seen_; }
    const std::vector<std::uint64_t>& events() const noexcept { return events_; }
    const std::vector<double>& revenue() const noexcept { return revenue_; }

    void set_attribute(const std::string& name, std::vector<double> values) {
        check_size(name, values.size());
        attributes_[name] = std::move(values);
    }
    const std::vector<double>& attribute(const std::string& name) const {
        auto it = attributes_.find(name);
        if (it == attributes_.end()) throw invalid_input(name, invalid_input::no_row, "no such customer attribute");
        return it->second;
    }
    // Consent flags (e.g. "marketing", "personalisation"): 1 = consented.
    void set_consent(const std::string& flag, std::vector<std::uint8_t> values) {
        check_size(flag, values.size());
        consent_[flag] = std::move(values);
    }
    // A customer without a recorded flag has not consented (privacy by default).
    bool consents(std::size_t code, const std::string& flag) const {
        auto it = consent_.find(flag);
        return it != consent_.end() && it->second.at(code) != 0;
    }

private:
    void check_size(const std::string& name, std::size_t n) const {
        if (n != size())
            throw invalid_input(name, invalid_input::no_row,
                                "has " + std::to_string(n) + " values for " + std::to_string(size()) + " customers");
    }
    CustomerIds ids_;
    std::vector<std::int64_t> first_seen_, last_seen_;
    std::vector<std::uint64_t> events_;
    std::vector<double> revenue_;
    std::map<std::string, std::vector<double>> attributes_;
    std::map<std::string, std::vector<std::uint8_t>> consent_;
};

}  // namespace cxkit::core

namespace cxkit {
using core::Customers;  // transitional: also reachable as cxkit::Customers
}  // namespace cxkit

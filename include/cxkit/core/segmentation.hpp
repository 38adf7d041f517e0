#pragma once
// Segmentation: named segments of the customers of a log, each customer in at most one (code -1: in none).
// Built from a membership column (a label per customer), from lists of member ids, or from predicates over the
// customer table (first match wins, as rule-based segment maps do). The scorecard groups by a Segmentation as it
// groups by any event column.
#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "cxkit/core/customers.hpp"
#include "cxkit/core/event_log.hpp"

namespace cxkit::core {

struct Segmentation {
    std::string name = "segment";
    std::vector<std::string> labels;          // segment code -> name
    std::vector<std::int32_t> of_customer;    // customer code -> segment code, -1 none

    std::size_t size_of(std::int32_t segment) const {
        std::size_t n = 0;
        for (auto s : of_customer) n += s == segment;
        return n;
    }

    // One label per customer code (as many labels as the log has customer ids).
    static Segmentation from_labels(const EventLog& log, std::string name, std::vector<std::int32_t> codes,
                                    std::vector<std::string> labels) {
        if (codes.size() != log.customer_ids().size())
            throw invalid_input(name, invalid_input::no_row,
                                "has " + std::to_string(codes.size()) + " labels for " +
                                    std::to_string(log.customer_ids().size()) + " customers");
        const auto k = static_cast<std::int32_t>(labels.size());
        for (std::size_t i = 0; i < codes.size(); ++i)
            if (codes[i] < -1 || codes[i] >= k)
                throw invalid_input(name, static_cast<std::int64_t>(i), "segment code out of range");
        return {std::move(name), std::move(labels), std::move(codes)};
    }

    // Segments given as lists of member customer ids (labels as the log prints them). Unknown ids are an error;
    // a customer listed in two segments keeps the first.
    static Segmentation from_members(const EventLog& log, std::string name,
                                     const std::vector<std::pair<std::string, std::vector<std::string>>>& members) {
        std::unordered_map<std::string, std::int32_t> code_of;
        const auto& ids = log.customer_ids();
        for (std::size_t c = 0; c < ids.size(); ++c) code_of.emplace(ids.label(c), static_cast<std::int32_t>(c));
        Segmentation s{std::move(name), {}, std::vector<std::int32_t>(ids.size(), -1)};
        for (auto& [label, list] : members) {
            const auto seg = static_cast<std::int32_t>(s.labels.size());
            s.labels.push_back(label);
            for (std::size_t j = 0; j < list.size(); ++j) {
                auto it = code_of.find(list[j]);
                if (it == code_of.end())
                    throw invalid_input(label, static_cast<std::int64_t>(j), "unknown customer id '" + list[j] + "'");
                if (s.of_customer[static_cast<std::size_t>(it->second)] < 0)
                    s.of_customer[static_cast<std::size_t>(it->second)] = seg;
            }
        }
        return s;
    }

    // Rule segments: the first predicate a customer satisfies names its segment.
    static Segmentation from_predicates(
        const Customers& customers, std::string name,
        const std::vector<std::pair<std::string, std::function<bool(const Customers&, std::size_t)>>>& rules) {
        Segmentation s{std::move(name), {}, std::vector<std::int32_t>(customers.size(), -1)};
        for (auto& r : rules) s.labels.push_back(r.first);
        for (std::size_t c = 0; c < customers.size(); ++c)
            for (std::size_t r = 0; r < rules.size(); ++r)
                if (rules[r].second(customers, c)) {
                    s.of_customer[c] = static_cast<std::int32_t>(r);
                    break;
                }
        return s;
    }
};

}  // namespace cxkit::core

namespace cxkit {
using core::Segmentation;  // transitional: also reachable as cxkit::Segmentation
}  // namespace cxkit

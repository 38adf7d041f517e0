#pragma once
// Erasure ("the right to be forgotten") of customers from an event log: a new log holding exactly what a log
// built without them would hold. Their rows, their ids and every category label only they used are gone, so no
// trace of them is left in the log (or in any state filled from it afterwards).
//
// States that hold per-customer data forget customers with their own erase(keys) (customer sets, activity pairs,
// recommender pairs); states of pure counts (NPS, CSAT, ... cells) cannot tell whose counts they hold: refill them
// from the erased log.
#include <algorithm>
#include <cstdint>
#include <span>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "cxkit/core/event_log.hpp"

namespace cxkit::privacy {

// The 64-bit customer keys of ids, as logs and mergeable customer sets key them (core::CustomerIds::key_of).
inline std::vector<std::uint64_t> customer_keys(std::span<const std::string> ids) {
    std::vector<std::uint64_t> k(ids.size());
    for (std::size_t i = 0; i < ids.size(); ++i) k[i] = core::CustomerIds::key_of(std::string_view(ids[i]));
    return k;
}
inline std::vector<std::uint64_t> customer_keys(std::span<const std::int64_t> ids) {
    std::vector<std::uint64_t> k(ids.size());
    for (std::size_t i = 0; i < ids.size(); ++i) k[i] = core::CustomerIds::key_of(ids[i]);
    return k;
}

// The log without the customers whose keys are given (keys of customers not in the log are ignored).
// erased (optional) receives the number of customers removed.
inline core::EventLog erase_customers(const core::EventLog& log, std::span<const std::uint64_t> keys,
                                      std::size_t* erased = nullptr) {
    const std::unordered_set<std::uint64_t> gone(keys.begin(), keys.end());
    const core::CustomerIds& ids = log.customer_ids();
    const std::size_t k = ids.size();
    std::vector<std::int32_t> new_code(k, -1);
    std::vector<std::int64_t> kept_ints;
    std::vector<std::string> kept_strings;
    std::size_t removed = 0;
    for (std::size_t c = 0; c < k; ++c) {
        if (gone.count(ids.key(c))) {
            ++removed;
            continue;
        }
        new_code[c] = static_cast<std::int32_t>(ids.is_string() ? kept_strings.size() : kept_ints.size());
        if (ids.is_string()) kept_strings.push_back(ids.strs()[c]);
        else kept_ints.push_back(ids.ints()[c]);
    }
    if (erased) *erased = removed;
    // The rows kept, in log order (already sorted by customer and time, so the new log needs no sort).
    std::vector<std::size_t> rows;
    rows.reserve(log.size());
    for (std::size_t j = 0; j < log.size(); ++j)
        if (new_code[static_cast<std::size_t>(log.customer()[j])] >= 0) rows.push_back(j);

    core::EventTable t;
    t.customer_ids = ids.is_string() ? core::CustomerIds::strings(std::move(kept_strings))
                                     : core::CustomerIds::integers(std::move(kept_ints));
    {
        std::vector<std::int32_t> cust(rows.size());
        std::vector<std::int64_t> time(rows.size());
        for (std::size_t i = 0; i < rows.size(); ++i) {
            cust[i] = new_code[static_cast<std::size_t>(log.customer()[rows[i]])];
            time[i] = log.time()[rows[i]];
        }
        t.customer = core::Column<std::int32_t>::owned(std::move(cust));
        t.time = core::Column<std::int64_t>::owned(std::move(time));
    }
    for (const auto& [name, cat] : log.categoricals()) {
        // Only the labels still used: a label only erased customers had (an e-mail in a column) goes with them.
        std::vector<std::int32_t> remap(cat.categories.size(), -1);
        std::vector<std::string> labels;
        std::vector<std::int32_t> codes(rows.size());
        for (std::size_t i = 0; i < rows.size(); ++i) {
            const std::int32_t c = cat.codes[rows[i]];
            if (c < 0) {
                codes[i] = -1;
                continue;
            }
            auto& r = remap[static_cast<std::size_t>(c)];
            if (r < 0) {
                r = static_cast<std::int32_t>(labels.size());
                labels.push_back(cat.categories[static_cast<std::size_t>(c)]);
            }
            codes[i] = r;
        }
        t.categoricals.emplace_back(name, core::Categorical{core::Column<std::int32_t>::owned(std::move(codes)),
                                                             std::move(labels)});
    }
    for (const auto& [name, m] : log.measures()) {
        std::vector<double> v(rows.size());
        for (std::size_t i = 0; i < rows.size(); ++i) v[i] = m[rows[i]];
        t.measures.emplace_back(name, core::Column<double>::owned(std::move(v)));
    }
    if (const auto* text = log.text()) {
        std::vector<std::string> v;
        v.reserve(rows.size());
        for (std::size_t r : rows) v.push_back((*text)[r]);
        t.text = std::move(v);
    }
    // Every value passed the log's own rules, so each is finite or NaN: the generic rule accepts them again.
    return core::EventLog::build(std::move(t), core::OnError::raise, core::MeasureRules(core::any_finite));
}

}  // namespace cxkit::privacy

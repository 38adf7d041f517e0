#pragma once
// Distinct customers of a group (for "per customer" rates). Exact: a sorted vector of 64-bit customer keys.
// add() only appends, so filling is a push_back per event; normalize() sorts and deduplicates once at the end.
// A sorted vector beats a hash set here: merging is a linear std::set_union and serialization is one memcpy.
#include <algorithm>
#include <cassert>
#include <cstdint>
#include <functional>
#include <iterator>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cxkit/core/error.hpp"
#include "cxkit/core/mergeable.hpp"
#include "cxkit/core/serialize.hpp"

namespace cxkit::metrics {

struct CustomerSet {
    std::vector<std::uint64_t> keys;  // sorted and unique after normalize(); duplicates allowed before

    void add(std::uint64_t key) { keys.push_back(key); }
    void normalize() {
        if (is_normalized()) return;
        std::sort(keys.begin(), keys.end());
        keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    }
    bool is_normalized() const noexcept {
        return std::adjacent_find(keys.begin(), keys.end(), std::greater_equal<>()) == keys.end();
    }
    // Number of distinct customers. Precondition: normalize() was called after the last add().
    std::size_t size() const noexcept {
        assert(is_normalized());
        return keys.size();
    }

    // Forgets the customers with these keys (privacy: erasure): the set a fill without them gives.
    void erase(std::span<const std::uint64_t> gone) {
        normalize();
        std::vector<std::uint64_t> g(gone.begin(), gone.end());
        std::sort(g.begin(), g.end());
        std::vector<std::uint64_t> out;
        out.reserve(keys.size());
        std::set_difference(keys.begin(), keys.end(), g.begin(), g.end(), std::back_inserter(out));
        keys = std::move(out);
    }
    CustomerSet& operator+=(const CustomerSet& o) {
        normalize();
        const bool o_normal = o.is_normalized();
        CustomerSet copy;  // used only when `o` is not normalized; `o` itself is const
        if (!o_normal) copy = o.normalized();
        const std::vector<std::uint64_t>& other = o_normal ? o.keys : copy.keys;
        // Disjoint, ordered ranges (threads and partitions split by customer): append, no union needed.
        if (keys.empty() || other.empty() || keys.back() < other.front()) {
            keys.insert(keys.end(), other.begin(), other.end());
            return *this;
        }
        std::vector<std::uint64_t> out;
        out.reserve(keys.size() + other.size());
        std::set_union(keys.begin(), keys.end(), other.begin(), other.end(), std::back_inserter(out));
        keys = std::move(out);
        return *this;
    }
    // The merge of a fill's parts, where both sides are known to be normalized (normalize() was called, or the
    // set was built only by such merges): when o's keys all follow ours (parts cover ordered customer ranges) it
    // appends them in O(|o|), skipping the check of our own order that += makes (a scan of everything merged so
    // far, which made merging parts cost parts x keys); otherwise it is +=. Keeps the set normalized.
    CustomerSet& merge_normalized(const CustomerSet& o) {
        assert(is_normalized() && o.is_normalized());
        if (&o != this && (keys.empty() || o.keys.empty() || keys.back() < o.keys.front())) {
            keys.insert(keys.end(), o.keys.begin(), o.keys.end());
            return *this;
        }
        return *this += o;
    }
    // Set equality: the order of adds and duplicates do not matter.
    bool operator==(const CustomerSet& o) const {
        if (is_normalized() && o.is_normalized()) return keys == o.keys;
        return normalized().keys == o.normalized().keys;
    }

    std::string serialize() const {
        ByteWriter w;
        w.header("CustomerSet", 1);
        if (is_normalized()) w.put_vector(keys);
        else w.put_vector(normalized().keys);
        return std::move(w).bytes();
    }
    static CustomerSet deserialize(std::string_view bytes) {
        ByteReader r(bytes);
        r.header("CustomerSet", 1);
        CustomerSet s;
        s.keys = r.get_vector<std::uint64_t>();
        r.expect_done();
        if (!s.is_normalized()) throw invalid_input("serialized state: CustomerSet keys are not sorted and unique");
        return s;
    }

private:
    CustomerSet normalized() const {
        CustomerSet c = *this;
        c.normalize();
        return c;
    }
};
static_assert(MergeableState<CustomerSet>);

}  // namespace cxkit::metrics

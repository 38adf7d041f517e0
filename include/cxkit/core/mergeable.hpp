#pragma once
// The mergeable-state concept: every aggregate in cxkit is a value type with an empty default state, an
// associative merge (+=) and a versioned byte serialization. One code path then serves one thread, many threads
// and a cluster (partitions produce states, a tree reduction merges them).
#include <concepts>
#include <string>
#include <string_view>

namespace cxkit::core {

template <class S>
concept MergeableState = std::default_initializable<S> && std::equality_comparable<S> &&
                         requires(S a, const S b, std::string_view bytes) {
                             { a += b } -> std::same_as<S&>;
                             { b.serialize() } -> std::same_as<std::string>;
                             { S::deserialize(bytes) } -> std::same_as<S>;
                         };

// Merge of two states as a new value.
template <MergeableState S>
S merged(S a, const S& b) {
    a += b;
    return a;
}

}  // namespace cxkit::core

// Transitional: the names under their pre-core spelling, for one release.
namespace cxkit {
using core::MergeableState;
using core::merged;
}  // namespace cxkit

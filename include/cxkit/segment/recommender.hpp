#pragma once
// Item-item recommendations from implicit purchase events (bought or not: a repeat purchase counts once).
//
//   X (customers x items) = 1 where the customer bought the item          Eigen::SparseMatrix, row-major
//   C = X^T X: C(i,j) = customers who bought both i and j; c_i = C(i,i) = customers who bought i
//   S = cosine: C(i,j) / sqrt(c_i c_j)     lift: C(i,j) N / (c_i c_j)   (N = customers with a purchase)
//   S(i,i) = 0 (an item is not its own recommendation)                    Eigen::SparseMatrix, column-major
//
// A customer's score for item j is sum over the items i it bought of S(i,j), i.e. (X S)(u,j), added in ascending i
// so the sum is the one scipy's X[u] @ S computes. Lists are ordered by score descending, then item code ascending
// (deterministic whatever the thread count). Items with score 0 (nothing in common) are never recommended, so a list
// may be shorter than n.
//
// Personalisation needs consent: a customer without it (consent flag 0) gets the most popular items of its segment
// (share of the segment's customers who bought the item; all customers when it has no segment), without using its
// own purchase history (so exclude_purchased does not apply to it). A consenting customer without any purchase gets
// the same fallback (cold start). Each row says which source produced it.
//
// X^T X is computed column by column with a dense counter per thread (the Gustavson / SMMP product scipy also
// uses), but only its lower triangle (S is symmetric), on int32 counts, normalised as each column is emitted, on
// every core; the upper triangle is then a transposed copy.
//
// RecommenderState is the mergeable state behind it (empty, +=, serialize): the (customer, item) purchase pairs.
// Co-occurrence counts are not additive across parts when a customer buys in both (her items of part A co-occur
// with those of part B), so the state keeps each customer's item set, merging is a set union, and
// fit(state, ...) computes the similarity from the merged pairs: fit(merged(A, B)) == fit(A u B).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <iterator>
#include <numeric>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include <Eigen/SparseCore>

#include "cxkit/core/error.hpp"
#include "cxkit/core/mergeable.hpp"
#include "cxkit/core/parallel.hpp"
#include "cxkit/core/serialize.hpp"

namespace cxkit::segment {

// Who bought what, repeats counted once: (customer key, item key) pairs, sorted and unique after normalize().
// Keys are the caller's (the Python layer uses codes into sorted id dictionaries it keeps next to the state);
// fit(state, n_customers, n_items) needs them in [0, n_customers) x [0, n_items).
struct RecommenderState {
    std::vector<std::int64_t> customer, item;  // parallel; duplicates and any order allowed before normalize()

    void add(std::int64_t c, std::int64_t i) {
        customer.push_back(c);
        item.push_back(i);
    }
    std::size_t size() const noexcept { return customer.size(); }
    bool is_normalized() const noexcept {
        for (std::size_t k = 1; k < customer.size(); ++k)
            if (customer[k - 1] > customer[k] || (customer[k - 1] == customer[k] && item[k - 1] >= item[k]))
                return false;
        return true;
    }
    void normalize() {
        if (is_normalized()) return;
        auto pairs = zipped();
        std::sort(pairs.begin(), pairs.end());
        pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());
        unzip(pairs);
    }

    // Forgets the customers with these keys (privacy: erasure): the state a fill without them gives.
    void erase(std::span<const std::int64_t> gone) {
        normalize();
        std::vector<std::int64_t> g(gone.begin(), gone.end());
        std::sort(g.begin(), g.end());
        std::size_t w = 0;
        for (std::size_t k = 0; k < customer.size(); ++k) {
            if (std::binary_search(g.begin(), g.end(), customer[k])) continue;
            customer[w] = customer[k];
            item[w] = item[k];
            ++w;
        }
        customer.resize(w);
        item.resize(w);
    }
    RecommenderState& operator+=(const RecommenderState& o) {
        normalize();
        const RecommenderState* other = &o;
        RecommenderState copy;  // only when `o` is not normalized; `o` itself is const
        if (!o.is_normalized()) {
            copy = o;
            copy.normalize();
            other = &copy;
        }
        if (other->customer.empty()) return *this;
        // Disjoint, ordered ranges (partitions split by customer): append.
        if (customer.empty() || std::pair(customer.back(), item.back()) < std::pair(other->customer.front(), other->item.front())) {
            customer.insert(customer.end(), other->customer.begin(), other->customer.end());
            item.insert(item.end(), other->item.begin(), other->item.end());
            return *this;
        }
        const auto a = zipped(), b = other->zipped();
        std::vector<std::pair<std::int64_t, std::int64_t>> out;
        out.reserve(a.size() + b.size());
        std::set_union(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
        unzip(out);
        return *this;
    }
    // Set equality: order and duplicates do not matter.
    bool operator==(const RecommenderState& o) const {
        if (is_normalized() && o.is_normalized()) return customer == o.customer && item == o.item;
        return normalized() == o.normalized();
    }

    std::string serialize() const {
        if (!is_normalized()) return normalized().serialize();
        ByteWriter w;
        w.header("RecommenderState", 1);
        w.put_vector(customer);
        w.put_vector(item);
        return std::move(w).bytes();
    }
    static RecommenderState deserialize(std::string_view bytes) {
        ByteReader r(bytes);
        r.header("RecommenderState", 1);
        RecommenderState s;
        s.customer = r.get_vector<std::int64_t>();
        s.item = r.get_vector<std::int64_t>();
        r.expect_done();
        if (s.customer.size() != s.item.size())
            throw invalid_input("serialized state: RecommenderState has customers and items of different lengths");
        if (!s.is_normalized()) throw invalid_input("serialized state: RecommenderState pairs are not sorted and unique");
        // keys are codes into the caller's id lists: a negative one would index from the end (issue 12)
        for (std::size_t k = 0; k < s.customer.size(); ++k)
            if (s.customer[k] < 0 || s.item[k] < 0)
                throw invalid_input("serialized state: RecommenderState pair " + std::to_string(k) + " has a negative " +
                                    (s.customer[k] < 0 ? "customer" : "item") + " key (" +
                                    std::to_string(s.customer[k] < 0 ? s.customer[k] : s.item[k]) +
                                    "); keys are codes >= 0");
        return s;
    }

private:
    std::vector<std::pair<std::int64_t, std::int64_t>> zipped() const {
        std::vector<std::pair<std::int64_t, std::int64_t>> v(customer.size());
        for (std::size_t k = 0; k < v.size(); ++k) v[k] = {customer[k], item[k]};
        return v;
    }
    void unzip(const std::vector<std::pair<std::int64_t, std::int64_t>>& v) {
        customer.resize(v.size());
        item.resize(v.size());
        for (std::size_t k = 0; k < v.size(); ++k) std::tie(customer[k], item[k]) = v[k];
    }
    RecommenderState normalized() const {
        RecommenderState c = *this;
        c.normalize();
        return c;
    }
};
static_assert(MergeableState<RecommenderState>);

enum class Similarity { cosine, lift };

struct RecommenderOptions {
    Similarity similarity = Similarity::cosine;
    unsigned threads = 0;  // 0 = one per core
};

enum class RecommendationSource : std::int8_t { personalised = 0, segment_popular = 1 };

// Recommendations of several customers, one row per (customer, rank); `request` is the position of the customer in
// the request, rank starts at 1.
struct RecommendationTable {
    std::vector<std::int64_t> request;
    std::vector<std::int32_t> rank;
    std::vector<std::int32_t> item;
    std::vector<double> score;
    std::vector<RecommendationSource> source;
    std::size_t size() const noexcept { return item.size(); }
};

namespace detail {

inline unsigned resolve(unsigned threads) { return core::thread_count(threads); }

// body(chunk index, first, last) over [0, n) in chunks of `grain` (never dependent on the thread count), handed out
// dynamically by core::parallel_for_chunks (costs per item vary a lot: popular items have long columns);
// cancellable between chunks.
template <class F>
void parallel_chunks(std::int64_t n, std::int64_t grain, unsigned threads, F&& body) {
    if (n <= 0) return;
    core::parallel_for_chunks(static_cast<std::size_t>(n), static_cast<std::size_t>(grain), threads,
                              [&](std::size_t c, std::size_t a, std::size_t b) {
                                  body(static_cast<std::int64_t>(c), static_cast<std::int64_t>(a),
                                       static_cast<std::int64_t>(b));
                              });
}

// score descending, then item ascending
inline bool before(const std::pair<double, std::int32_t>& a, const std::pair<double, std::int32_t>& b) noexcept {
    return a.first > b.first || (a.first == b.first && a.second < b.second);
}

}  // namespace detail

class Recommender {
public:
    using Index = std::int32_t;
    using Incidence = Eigen::SparseMatrix<double, Eigen::RowMajor, Index>;   // customers x items, 1 = bought
    using ItemMatrix = Eigen::SparseMatrix<double, Eigen::ColMajor, Index>;  // items x items, symmetric

    explicit Recommender(RecommenderOptions o = {}) : opt_(o) {}

    // customer[r], item[r]: the codes of purchase r (0 <= code < n_customers, n_items). segment: one label code
    // per customer (-1 = none), or empty for none at all. Throws invalid_input naming the first bad row.
    // All or nothing: the fit is built in a new object and moved in at the end, so an error or an interrupt
    // (core::cancelled) leaves the previous fit (or none) as it was.
    void fit(std::span<const Index> customer, std::span<const Index> item, Index n_customers, Index n_items,
             std::span<const Index> segment = {}) {
        Recommender next(opt_);
        next.fit_fresh(customer, item, n_customers, n_items, segment);
        *this = std::move(next);
    }

    // Fit on a state's pairs (keys are the customer and item codes). Throws invalid_input for a key out of range.
    void fit(const RecommenderState& state, Index n_customers, Index n_items, std::span<const Index> segment = {}) {
        if (state.customer.size() != state.item.size())
            throw invalid_input("item", invalid_input::no_row, "the state's customers and items differ in length");
        std::vector<Index> c(state.size()), i(state.size());
        for (std::size_t k = 0; k < state.size(); ++k) {
            if (state.customer[k] < 0 || state.customer[k] >= n_customers)
                throw invalid_input("customer", static_cast<std::int64_t>(k), "code out of range");
            if (state.item[k] < 0 || state.item[k] >= n_items)
                throw invalid_input("item", static_cast<std::int64_t>(k), "code out of range");
            c[k] = static_cast<Index>(state.customer[k]);
            i[k] = static_cast<Index>(state.item[k]);
        }
        fit(c, i, n_customers, n_items, segment);
    }

    // The fitted purchase pairs as a state (customer and item codes as keys), e.g. to merge more purchases in.
    RecommenderState state() const {
        check_fitted();
        RecommenderState s;
        s.customer.reserve(static_cast<std::size_t>(X_.nonZeros()));
        s.item.reserve(static_cast<std::size_t>(X_.nonZeros()));
        for (Index u = 0; u < X_.rows(); ++u)
            for (Index p = X_.outerIndexPtr()[u]; p < X_.outerIndexPtr()[u + 1]; ++p) s.add(u, X_.innerIndexPtr()[p]);
        return s;  // rows ascending, items sorted within a row: already normalized
    }

    bool fitted() const noexcept { return fitted_; }
    Index n_customers() const noexcept { return static_cast<Index>(X_.rows()); }
    Index n_items() const noexcept { return static_cast<Index>(S_.rows()); }
    std::int64_t n_buyers() const noexcept { return n_buyers_; }
    const Incidence& incidence() const noexcept { return X_; }
    const ItemMatrix& similarity() const noexcept { return S_; }
    const std::vector<Index>& item_counts() const noexcept { return item_count_; }

    // The n items most similar to `item` (score descending, item ascending), score > 0 only.
    std::vector<std::pair<double, Index>> similar_items(Index item, int n) const {
        check_fitted();
        if (item < 0 || item >= n_items()) throw invalid_input("item", invalid_input::no_row, "code out of range");
        if (n < 0) throw invalid_input("n", invalid_input::no_row, "must be >= 0");
        std::vector<std::pair<double, Index>> out;
        for (ItemMatrix::InnerIterator it(S_, item); it; ++it) out.emplace_back(it.value(), it.index());
        top(out, n);
        return out;
    }

    // The segment's popular items (segment -1: everyone's), as the fallback gives them.
    std::vector<std::pair<double, Index>> popular(Index segment, int n) const {
        check_fitted();
        if (segment < -1 || segment >= n_segments_)
            throw invalid_input("segment", invalid_input::no_row, "code out of range");
        const auto& list = popular_[static_cast<std::size_t>(segment + 1)];
        return {list.begin(), list.begin() + std::min<std::ptrdiff_t>(n, std::ssize(list))};
    }

    // Top-n lists of the given customers. consent: one flag per customer code (0 = no personalisation), or empty
    // when every customer consents.
    RecommendationTable recommend(std::span<const Index> customers, int n, bool exclude_purchased,
                                  std::span<const std::uint8_t> consent = {}) const {
        namespace rd = detail;
        check_fitted();
        if (n < 0) throw invalid_input("n", invalid_input::no_row, "must be >= 0");
        if (!consent.empty() && consent.size() != static_cast<std::size_t>(n_customers()))
            throw invalid_input("consent", invalid_input::no_row, "must have one flag per customer");
        for (std::size_t r = 0; r < customers.size(); ++r)
            if (customers[r] < 0 || customers[r] >= n_customers())
                throw invalid_input("customers", static_cast<std::int64_t>(r), "code out of range");
        const auto ni = static_cast<std::size_t>(n_items());
        const Index* xo = X_.outerIndexPtr();
        const Index* xi = X_.innerIndexPtr();
        const Index* so = S_.outerIndexPtr();
        const Index* si = S_.innerIndexPtr();
        const double* sv = S_.valuePtr();
        constexpr std::int64_t grain = 256;
        const auto nr = static_cast<std::int64_t>(customers.size());
        std::vector<RecommendationTable> parts(static_cast<std::size_t>((nr + grain - 1) / grain));
        rd::parallel_chunks(nr, grain, rd::resolve(opt_.threads), [&](std::int64_t c, std::int64_t a, std::int64_t b) {
            std::vector<double> acc(ni, 0.0);
            std::vector<std::uint8_t> bought(ni, 0);
            std::vector<Index> touched;
            std::vector<std::pair<double, Index>> cand;
            RecommendationTable& out = parts[static_cast<std::size_t>(c)];
            for (std::int64_t r = a; r < b; ++r) {
                const auto u = static_cast<std::size_t>(customers[static_cast<std::size_t>(r)]);
                const bool personal = (consent.empty() || consent[u] != 0) && xo[u + 1] > xo[u];
                cand.clear();
                RecommendationSource src = RecommendationSource::personalised;
                if (personal) {
                    for (Index p = xo[u]; p < xo[u + 1]; ++p) {  // ascending i: scipy's X[u] @ S order
                        const auto i = static_cast<std::size_t>(xi[p]);
                        if (exclude_purchased) bought[i] = 1;
                        for (Index q = so[i]; q < so[i + 1]; ++q) {
                            const auto j = static_cast<std::size_t>(si[q]);
                            if (acc[j] == 0.0) touched.push_back(Index(j));
                            acc[j] += sv[q];
                        }
                    }
                    for (Index j : touched) {
                        const auto jj = static_cast<std::size_t>(j);
                        if (!bought[jj]) cand.emplace_back(acc[jj], j);
                        acc[jj] = 0.0;
                    }
                    touched.clear();
                    if (exclude_purchased)
                        for (Index p = xo[u]; p < xo[u + 1]; ++p) bought[static_cast<std::size_t>(xi[p])] = 0;
                    top(cand, n);
                } else {
                    src = RecommendationSource::segment_popular;
                    const Index s = segment_.empty() ? -1 : segment_[u];
                    cand = popular(s, n);
                }
                for (std::size_t k = 0; k < cand.size(); ++k) {
                    out.request.push_back(r);
                    out.rank.push_back(static_cast<Index>(k + 1));
                    out.item.push_back(cand[k].second);
                    out.score.push_back(cand[k].first);
                    out.source.push_back(src);
                }
            }
        });
        RecommendationTable all;
        std::size_t total = 0;
        for (const auto& p : parts) total += p.size();
        all.request.reserve(total);
        all.rank.reserve(total);
        all.item.reserve(total);
        all.score.reserve(total);
        all.source.reserve(total);
        for (const auto& p : parts) {
            all.request.insert(all.request.end(), p.request.begin(), p.request.end());
            all.rank.insert(all.rank.end(), p.rank.begin(), p.rank.end());
            all.item.insert(all.item.end(), p.item.begin(), p.item.end());
            all.score.insert(all.score.end(), p.score.begin(), p.score.end());
            all.source.insert(all.source.end(), p.source.begin(), p.source.end());
        }
        return all;
    }

private:
    // The fit into this freshly constructed object (see fit).
    void fit_fresh(std::span<const Index> customer, std::span<const Index> item, Index n_customers, Index n_items,
                   std::span<const Index> segment) {
        namespace rd = detail;

        if (n_customers < 0 || n_items < 0) throw invalid_input("n_customers/n_items must be >= 0");
        if (customer.size() != item.size())
            throw invalid_input("item", invalid_input::no_row,
                                "has " + std::to_string(item.size()) + " values for " +
                                    std::to_string(customer.size()) + " customers");
        if (!segment.empty() && segment.size() != static_cast<std::size_t>(n_customers))
            throw invalid_input("segment", invalid_input::no_row, "must have one label per customer");
        Index n_segments = 0;
        for (std::size_t u = 0; u < segment.size(); ++u) {
            if (segment[u] < -1) throw invalid_input("segment", static_cast<std::int64_t>(u), "label code below -1");
            n_segments = std::max(n_segments, segment[u] + 1);
        }
        const unsigned threads = rd::resolve(opt_.threads);
        const std::size_t m = customer.size();
        const auto nc = static_cast<std::size_t>(n_customers), ni = static_cast<std::size_t>(n_items);

        // X as CSR: bucket the purchases by customer, then sort and deduplicate each customer's items
        std::vector<Index> row_ptr(nc + 1, 0);
        for (std::size_t r = 0; r < m; ++r) {
            const Index c = customer[r], i = item[r];
            if (c < 0 || c >= n_customers)
                throw invalid_input("customer", static_cast<std::int64_t>(r), "code out of range");
            if (i < 0 || i >= n_items) throw invalid_input("item", static_cast<std::int64_t>(r), "code out of range");
            ++row_ptr[static_cast<std::size_t>(c) + 1];
        }
        std::partial_sum(row_ptr.begin(), row_ptr.end(), row_ptr.begin());
        std::vector<Index> items_of(m);
        {
            std::vector<Index> pos(row_ptr.begin(), row_ptr.end() - 1);
            for (std::size_t r = 0; r < m; ++r) items_of[static_cast<std::size_t>(pos[customer[r]]++)] = item[r];
        }
        std::vector<Index> row_len(nc);
        rd::parallel_chunks(static_cast<std::int64_t>(nc), 8192, threads, [&](std::int64_t, std::int64_t a,
                                                                              std::int64_t b) {
            for (auto u = static_cast<std::size_t>(a); u < static_cast<std::size_t>(b); ++u) {
                Index* first = items_of.data() + row_ptr[u];
                Index* last = items_of.data() + row_ptr[u + 1];
                std::sort(first, last);
                row_len[u] = static_cast<Index>(std::unique(first, last) - first);
            }
        });
        X_ = Incidence(n_customers, n_items);
        {
            std::size_t nnz = 0;
            for (std::size_t u = 0; u < nc; ++u) nnz += static_cast<std::size_t>(row_len[u]);
            X_.resizeNonZeros(static_cast<Eigen::Index>(nnz));
            Index* outer = X_.outerIndexPtr();
            Index* inner = X_.innerIndexPtr();
            outer[0] = 0;
            for (std::size_t u = 0; u < nc; ++u) {
                std::copy_n(items_of.data() + row_ptr[u], row_len[u], inner + outer[u]);
                outer[u + 1] = outer[u] + row_len[u];
            }
            std::fill_n(X_.valuePtr(), nnz, 1.0);
        }
        std::vector<Index>().swap(items_of);
        const Index* xo = X_.outerIndexPtr();
        const Index* xi = X_.innerIndexPtr();

        // X^T as CSR: for each item j, where j sits in the (sorted) row of each of its buyers, in customer order.
        // The items after that position are the buyer's items i > j: what the lower triangle of column j needs.
        std::vector<Index> col_ptr(ni + 1, 0);
        for (Index p = 0; p < xo[nc]; ++p) ++col_ptr[static_cast<std::size_t>(xi[p]) + 1];
        std::partial_sum(col_ptr.begin(), col_ptr.end(), col_ptr.begin());
        std::vector<Index> at(static_cast<std::size_t>(xo[nc])), row_end(static_cast<std::size_t>(xo[nc]));
        {
            std::vector<Index> pos(col_ptr.begin(), col_ptr.end() - 1);
            for (std::size_t u = 0; u < nc; ++u)
                for (Index p = xo[u]; p < xo[u + 1]; ++p) {
                    const auto q = static_cast<std::size_t>(pos[static_cast<std::size_t>(xi[p])]++);
                    at[q] = p;
                    row_end[q] = xo[u + 1];
                }
        }
        item_count_.resize(ni);
        for (std::size_t i = 0; i < ni; ++i) item_count_[i] = col_ptr[i + 1] - col_ptr[i];
        n_buyers_ = 0;
        for (std::size_t u = 0; u < nc; ++u) n_buyers_ += xo[u + 1] > xo[u];

        // Lower triangle of S (i > j), column by column: dense counts of the later items of j's buyers, normalised
        // when emitted. Each chunk of columns writes its own buffers.
        constexpr std::int64_t grain = 32;
        const std::int64_t n_chunks = (static_cast<std::int64_t>(ni) + grain - 1) / grain;
        struct Chunk {
            std::vector<Index> inner;
            std::vector<double> value;
        };
        std::vector<Chunk> chunks(static_cast<std::size_t>(n_chunks));
        std::vector<Index> low_len(ni, 0);
        const bool cosine = opt_.similarity == Similarity::cosine;
        const double N = static_cast<double>(n_buyers_);
        rd::parallel_chunks(static_cast<std::int64_t>(ni), grain, threads, [&](std::int64_t c, std::int64_t a,
                                                                              std::int64_t b) {
            std::vector<Index> acc(ni, 0), touched;
            Chunk& out = chunks[static_cast<std::size_t>(c)];
            for (auto j = static_cast<std::size_t>(a); j < static_cast<std::size_t>(b); ++j) {
                const Index q0 = col_ptr[j], q1 = col_ptr[j + 1];
                for (Index q = q0; q < q1; ++q) {
                    if (q + 8 < q1) __builtin_prefetch(xi + at[static_cast<std::size_t>(q + 8)]);
                    const Index end = row_end[static_cast<std::size_t>(q)];
                    for (Index p = at[static_cast<std::size_t>(q)] + 1; p < end; ++p) {
                        const auto i = static_cast<std::size_t>(xi[p]);
                        if (acc[i]++ == 0) touched.push_back(Index(i));
                    }
                }
                const std::size_t before = out.inner.size();
                const double cj = item_count_[j];
                auto emit = [&](std::size_t i) {
                    const Index cij = acc[i];
                    acc[i] = 0;
                    const double ci = item_count_[i];
                    out.inner.push_back(Index(i));
                    out.value.push_back(cosine ? static_cast<double>(cij) / std::sqrt(ci * cj)
                                               : static_cast<double>(cij) * N / (ci * cj));
                };
                if (touched.size() * 8 < ni - j) {  // few: sort the touched list; many: sweep the counters
                    std::sort(touched.begin(), touched.end());
                    for (Index i : touched) emit(static_cast<std::size_t>(i));
                } else {
                    for (std::size_t i = j + 1; i < ni; ++i)
                        if (acc[i] != 0) emit(i);
                }
                touched.clear();
                low_len[j] = static_cast<Index>(out.inner.size() - before);
            }
        });
        std::vector<Index>().swap(at);
        std::vector<Index>().swap(row_end);

        // S = L + L^T: column j holds the entries of row j of L (i < j, ascending) and then column j of L (i > j).
        S_ = ItemMatrix(n_items, n_items);
        {
            std::vector<Index> up_len(ni, 0);
            std::size_t nnz = 0;
            for (const auto& ch : chunks) {
                nnz += 2 * ch.inner.size();
                for (Index i : ch.inner) ++up_len[static_cast<std::size_t>(i)];
            }
            S_.resizeNonZeros(static_cast<Eigen::Index>(nnz));
            Index* outer = S_.outerIndexPtr();
            Index* inner = S_.innerIndexPtr();
            double* value = S_.valuePtr();
            outer[0] = 0;
            for (std::size_t j = 0; j < ni; ++j) outer[j + 1] = outer[j] + up_len[j] + low_len[j];
            // lower parts: a straight copy per column; upper parts: each thread scatters the rows of its columns
            rd::parallel_chunks(n_chunks, 1, threads, [&](std::int64_t c, std::int64_t, std::int64_t) {
                const auto& ch = chunks[static_cast<std::size_t>(c)];
                std::size_t k = 0;
                for (auto j = static_cast<std::size_t>(c * grain);
                     j < std::min(ni, static_cast<std::size_t>((c + 1) * grain)); ++j) {
                    const auto len = static_cast<std::size_t>(low_len[j]);
                    const auto dst = static_cast<std::size_t>(outer[j] + up_len[j]);
                    std::copy_n(ch.inner.data() + k, len, inner + dst);
                    std::copy_n(ch.value.data() + k, len, value + dst);
                    k += len;
                }
            });
            // every entry's place is fixed by `outer` and the scan order, so the result does not depend on how
            // the rows are split into parts (here one per thread: each part scans all of L once)
            const unsigned parts = std::max(1u, std::min<unsigned>(threads, 8));
            rd::parallel_chunks(parts, 1, threads, [&](std::int64_t t, std::int64_t, std::int64_t) {
                const auto lo = static_cast<Index>(static_cast<std::int64_t>(ni) * t / parts);
                const auto hi = static_cast<Index>(static_cast<std::int64_t>(ni) * (t + 1) / parts);
                std::vector<Index> fill(outer + lo, outer + hi);
                std::size_t j = 0;  // column of L being scanned
                for (const auto& ch : chunks) {
                    std::size_t k = 0;
                    for (std::size_t end = std::min(ni, j + grain); j < end; ++j)
                        for (const std::size_t stop = k + static_cast<std::size_t>(low_len[j]); k < stop; ++k) {
                            const Index i = ch.inner[k];
                            if (i < lo || i >= hi) continue;
                            const auto dst = static_cast<std::size_t>(fill[static_cast<std::size_t>(i - lo)]++);
                            inner[dst] = static_cast<Index>(j);
                            value[dst] = ch.value[k];
                        }
                }
            });
        }

        // popular items per segment (distinct buyers), and over everyone (segment -1)
        n_segments_ = n_segments;
        segment_.assign(segment.begin(), segment.end());
        popular_.assign(static_cast<std::size_t>(n_segments_) + 1, {});
        segment_size_.assign(static_cast<std::size_t>(n_segments_) + 1, 0);
        std::vector<std::vector<Index>> counts(static_cast<std::size_t>(n_segments_) + 1);
        counts[0] = item_count_;
        segment_size_[0] = n_customers;
        if (n_segments_ > 0) {
            for (std::size_t s = 1; s < counts.size(); ++s) counts[s].assign(ni, 0);
            for (std::size_t u = 0; u < nc; ++u) {
                if (segment_[u] < 0) continue;
                const auto s = static_cast<std::size_t>(segment_[u]) + 1;
                ++segment_size_[s];
                for (Index p = xo[u]; p < xo[u + 1]; ++p) ++counts[s][static_cast<std::size_t>(xi[p])];
            }
        }
        for (std::size_t s = 0; s < counts.size(); ++s) {
            auto& list = popular_[s];
            for (std::size_t i = 0; i < ni; ++i)
                if (counts[s][i] > 0)
                    list.emplace_back(static_cast<double>(counts[s][i]) / segment_size_[s], Index(i));
            std::sort(list.begin(), list.end(), rd::before);
        }
        fitted_ = true;
    }

    void check_fitted() const {
        if (!fitted_) throw invalid_input("the recommender is not fitted (call fit first)");
    }
    static void top(std::vector<std::pair<double, Index>>& v, int n) {
        const auto k = std::min<std::size_t>(static_cast<std::size_t>(n), v.size());
        std::partial_sort(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end(), detail::before);
        v.resize(k);
    }

    RecommenderOptions opt_;
    bool fitted_ = false;
    Incidence X_;
    ItemMatrix S_;
    std::vector<Index> item_count_;
    std::int64_t n_buyers_ = 0;
    Index n_segments_ = 0;
    std::vector<Index> segment_;
    std::vector<std::vector<std::pair<double, Index>>> popular_;  // [segment + 1], score descending
    std::vector<Index> segment_size_;
};

}  // namespace cxkit::segment

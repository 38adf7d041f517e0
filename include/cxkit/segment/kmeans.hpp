#pragma once
// k-means with scikit-learn's conventions (sklearn.cluster.KMeans, >= 1.4), Eigen inside.
//
// - Seeding: greedy k-means++ (sklearn's _kmeans_plusplus): the first centre is a uniformly drawn row (numpy's
//   RandomState.choice with p = 1/n); each next centre is the best of 2 + floor(ln k) candidates drawn with
//   probability proportional to the current closest squared distance (inverse CDF on the cumulative sum, searchsorted "left", clipped to the last row); the
//   candidate that lowers the potential (sum of closest squared distances) most wins (first on ties).
// - tol is relative: the absolute tolerance is tol * mean over columns of the column variances (ddof = 0) of the
//   data clustered. Convergence: labels unchanged from the previous iteration ("strict convergence"), or the sum
//   over centres of the squared centre shifts <= the absolute tolerance. Without strict convergence a last
//   assignment step makes the labels match the returned centres (as sklearn). n_iter counts iterations run.
// - Lloyd: full assignment, then centres = means. Elkan: the same iterations with Elkan's triangle-inequality
//   bounds (sklearn's elkan_iter: upper bound per row, lower bound per row and centre, half distances between
//   centres), so it skips distance computations but gives the same labels as Lloyd. Distances are computed
//   directly (sum over columns of squared differences, in column order) in both, and the centre update is shared
//   code, so Lloyd and Elkan run the same trajectory; they can only differ on exact ties (a row equidistant from
//   two centres up to the last bit: Lloyd takes the lowest centre index, Elkan keeps its current centre).
// - Empty clusters: relocated, as sklearn's _relocate_empty_clusters_dense, to the rows farthest from their
//   (previous) centres, the farthest first (ties: lower row first); the row leaves its cluster's sums (its label
//   is not changed until the next assignment).
// - Random draws: numpy's legacy RandomState(seed) (MT19937 + genrand_res53), one generator drawn from in sequence
//   by the n_init seedings, with numpy's and sklearn's formulas (RandomState.choice with p for the first centre,
//   uniform(size=trials) for the candidates): KMeans(seed=s) starts every run from the very rows that
//   sklearn.cluster.KMeans(random_state=s) picks (barring a sampled value within rounding of a cumulative-sum
//   boundary: sklearn's distances differ from ours in the last bits). The run with the lowest inertia is
//   kept (a later run must be strictly lower and not the same partition, as sklearn). n_init = 0 is "auto", which
//   is 1 with k-means++ (sklearn >= 1.4).
// - Determinism: rows are processed in fixed chunks of 256; every sum (centre sums, potentials, inertia) is a
//   per-chunk partial reduced in chunk order, so results are bit-identical for any thread count. The passes run on
//   core::parallel_for (tasks of 16 chunks), so a fit stops with core::cancelled between tasks and iterations when
//   the thread's interrupt check asks (Ctrl-C in Python); nothing is returned then.
// - standardize: each column is centred and divided by its standard deviation (ddof = 0) before clustering; a
//   constant column (all values equal) is dropped from the distance computation (listed in
//   KMeansResult::dropped_columns; the Python layer warns) instead of dividing by zero. Centres are reported in
//   original units (a dropped column's centre value is its constant); inertia and tol are in the standardised
//   space that was clustered. predict(result, X) applies the same transformation.
// - Bad input throws cxkit::invalid_input: a NaN or infinite value (its row and column), fewer rows than
//   clusters, n_clusters < 1, no columns, max_iter < 1, tol < 0, n_init < 0 or seed >= 2**32.
// - Speed (1M x 10, k = 8): the Lloyd pass is one vector kernel per chunk of 256 rows (distances straight into a
//   running argmin, AVX2/AVX-512 clones) and centre sums over rows grouped by cluster; k-means++ keeps one
//   n-vector of closest distances (no n x candidates matrix).
#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <exception>
#include <limits>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "cxkit/core/cpu_dispatch.hpp"
#include "cxkit/core/error.hpp"
#include "cxkit/core/parallel.hpp"

namespace cxkit::segment {

struct KMeansOptions {
    enum Algorithm { lloyd, elkan };
    int n_clusters = 8;
    int n_init = 1;  // 0 = "auto" = 1 (k-means++ seeding, as scikit-learn >= 1.4)
    int max_iter = 300;
    double tol = 1e-4;
    Algorithm algorithm = lloyd;
    std::uint64_t seed = 0;                 // 0 .. 2**32-1: numpy's RandomState(seed), see the header comment
    bool standardize = false;
    unsigned threads = 0;                   // 0 = std::thread::hardware_concurrency()
    std::vector<std::string> column_names;  // optional, only used in error messages (default "0", "1", ...)
};

struct KMeansResult {
    Eigen::MatrixXd centers;          // n_clusters x n_columns, original units
    std::vector<int> labels;          // one per row, 0 .. n_clusters-1
    double inertia = 0;               // sum of squared distances to the closest centre (in the clustered space)
    int n_iter = 0;                   // iterations of the kept run
    int best_init = 0;                // index of the kept run
    int n_distinct = 0;               // clusters with at least one row (< n_clusters: duplicate points; warn)
    std::vector<int> dropped_columns; // constant columns dropped by standardize
    Eigen::RowVectorXd scale_mean;    // standardize only: column means (empty otherwise)
    Eigen::RowVectorXd scale_std;     // standardize only: column std (ddof = 0); 0 for a dropped column
    std::vector<std::vector<Eigen::Index>> init_indices;  // per run: the rows k-means++ chose as initial centres
};

namespace detail {

using Index = Eigen::Index;
using ConstRef = Eigen::Ref<const Eigen::MatrixXd>;
inline constexpr Index kmeans_chunk = 256;

inline std::uint64_t splitmix64(std::uint64_t x) noexcept {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}
// Unbiased uniform integer in [0, m), m >= 1 (silhouette's sample).
inline std::uint64_t uniform_below(std::mt19937_64& g, std::uint64_t m) {
    const std::uint64_t threshold = (0 - m) % m;
    for (;;) {
        const std::uint64_t r = g();
        if (r >= threshold) return r % m;
    }
}

// numpy's legacy np.random.RandomState(seed), the generator scikit-learn's KMeans(random_state=seed) draws from:
// MT19937 seeded by init_genrand(seed) (== std::mt19937(seed)), doubles by genrand_res53.
struct LegacyRandomState {
    std::mt19937 mt;
    explicit LegacyRandomState(std::uint32_t seed) : mt(seed) {}
    double random_sample() {
        const double a = static_cast<double>(static_cast<std::uint32_t>(mt()) >> 5);
        const double b = static_cast<double>(static_cast<std::uint32_t>(mt()) >> 6);
        return (a * 67108864.0 + b) / 9007199254740992.0;
    }
    // RandomState.choice(n, p=ones(n)/n) as numpy computes it: cdf = cumsum(p) (sequential), cdf /= cdf[-1], one
    // random_sample, searchsorted(side="right"). Not floor(u * n): the rounding of the cumulative sum decides.
    Eigen::Index choice_uniform_p(Eigen::Index n) {
        const double p = 1.0 / static_cast<double>(n);
        std::vector<double> cdf(static_cast<std::size_t>(n));
        double run = 0;
        for (auto& v : cdf) v = (run += p);
        for (auto& v : cdf) v /= run;
        const double u = random_sample();
        return static_cast<Eigen::Index>(std::upper_bound(cdf.begin(), cdf.end(), u) - cdf.begin());
    }
};

inline unsigned resolve_threads(unsigned threads) { return core::thread_count(threads); }

// body(first_chunk, last_chunk) over the row chunks [0, n_chunks), in tasks of a fixed number of chunks (never
// dependent on the thread count) run by core::parallel_for: cancellable between tasks, and every per-chunk partial
// lands in its own slot, so results are the same on any thread count.
inline constexpr Index kmeans_chunks_per_task = 16;  // 4,096 rows
template <class F>
void for_chunk_ranges(Index n_chunks, unsigned threads, F&& body) {
    core::parallel_for(static_cast<std::size_t>(n_chunks), static_cast<std::size_t>(kmeans_chunks_per_task), threads,
                       [&](std::size_t b, std::size_t e) { body(static_cast<Index>(b), static_cast<Index>(e)); });
}

inline Index n_chunks_of(Index n) { return (n + kmeans_chunk - 1) / kmeans_chunk; }

inline std::string column_name(const std::vector<std::string>& names, Index j) {
    if (static_cast<std::size_t>(j) < names.size()) return names[static_cast<std::size_t>(j)];
    return std::to_string(j);
}

// Throws for the first non-finite value (lowest row; lowest column within that row).
template <class = void>  // a template so that only callers pay for compiling it (Eigen code)
void check_finite(const ConstRef& X, const std::vector<std::string>& names) {
    Index bad_row = X.rows(), bad_col = -1;
    for (Index j = 0; j < X.cols(); ++j) {
        if (X.col(j).allFinite()) continue;
        for (Index i = 0; i < std::min(bad_row, X.rows()); ++i)
            if (!std::isfinite(X(i, j))) {
                if (i < bad_row) bad_row = i, bad_col = j;
                break;
            }
    }
    if (bad_col >= 0) {
        const double v = X(bad_row, bad_col);
        throw invalid_input(column_name(names, bad_col), bad_row,
                            std::string("value is ") + (std::isnan(v) ? "NaN" : (v > 0 ? "inf" : "-inf")) +
                                "; k-means features must be finite");
    }
}

// Squared distances of rows [s, s+L) of X (column-major, leading dimension ld, d columns) to the point c[0..d),
// added column by column: out[i] = sum_f (X(s+i, f) - c[f])^2. Blocks of B rows keep their sums in registers
// (a vector loop the compiler unrolls) instead of a load and store of the partial sums per column.
#define CXKIT_KMEANS_SQ_DIST_BODY(B)                                          \
    Index i = 0;                                                              \
    for (; i + (B) <= L; i += (B)) {                                          \
        double acc[B] = {};                                                   \
        for (Index f = 0; f < d; ++f) {                                       \
            const double* col = X + f * ld + s + i;                           \
            const double cf = c[f];                                           \
            for (Index t = 0; t < (B); ++t) {                                 \
                const double v = col[t] - cf;                                 \
                acc[t] += v * v;                                              \
            }                                                                 \
        }                                                                     \
        for (Index t = 0; t < (B); ++t) out[i + t] = acc[t];                  \
    }                                                                         \
    for (; i < L; ++i) {                                                      \
        double acc = 0;                                                       \
        for (Index f = 0; f < d; ++f) {                                       \
            const double v = X[f * ld + s + i] - c[f];                        \
            acc += v * v;                                                     \
        }                                                                     \
        out[i] = acc;                                                         \
    }

// Lloyd's assignment of rows [s, s+L): lab[i] = index of the closest of the k centres (CT: d x k, centre j
// contiguous), lowest index on ties. Per block of B rows the distances go straight into a branch-free running
// minimum in registers (no distance matrix stored and reloaded); each distance is summed exactly as in
// sq_dist_block (column order, no fused multiply-add), so Lloyd, Elkan and k-means++ see the same numbers.
// Written with GCC vector extensions: GCC's vectoriser vectorises the wrong loop of this nest (the columns, two at a
// time), and Eigen fixes its packet width from the global build flags (SSE2 at the baseline), so it cannot give the
// AVX2/AVX-512 code of the target clones below.
#define CXKIT_KMEANS_ASSIGN_BODY(W, U)                                                \
    typedef double vd __attribute__((vector_size((W) * sizeof(double))));             \
    constexpr Index B = (W) * (U);                                                    \
    Index i = 0;                                                                      \
    for (; i + B <= L; i += B) {                                                      \
        vd best[U] = {}, lb[U] = {};                                                  \
        for (Index j = 0; j < k; ++j) {                                               \
            const double* c = CT + j * d;                                             \
            vd acc[U];                                                                \
            for (int u = 0; u < (U); ++u) acc[u] = vd{};                              \
            for (Index f = 0; f < d; ++f) {                                           \
                const double* col = X + f * ld + s + i;                               \
                const double cf = c[f];                                               \
                for (int u = 0; u < (U); ++u) {                                       \
                    vd x;                                                             \
                    std::memcpy(&x, col + u * (W), sizeof(vd));                       \
                    const vd v = x - cf;                                              \
                    acc[u] += v * v;                                                  \
                }                                                                     \
            }                                                                         \
            const vd jv = vd{} + static_cast<double>(j);                              \
            for (int u = 0; u < (U); ++u) {                                           \
                if (j == 0) {                                                         \
                    best[u] = acc[u], lb[u] = jv;                                     \
                } else {                                                              \
                    const auto closer = acc[u] < best[u];                             \
                    best[u] = closer ? acc[u] : best[u];                              \
                    lb[u] = closer ? jv : lb[u];                                      \
                }                                                                     \
            }                                                                         \
        }                                                                             \
        for (int u = 0; u < (U); ++u)                                                 \
            for (int t = 0; t < (W); ++t) lab[i + u * (W) + t] = static_cast<int>(lb[u][t]); \
    }                                                                                 \
    for (; i < L; ++i) {                                                              \
        double best = 0;                                                              \
        int bl = 0;                                                                   \
        for (Index j = 0; j < k; ++j) {                                               \
            double acc = 0;                                                           \
            for (Index f = 0; f < d; ++f) {                                           \
                const double v = X[f * ld + s + i] - CT[j * d + f];                   \
                acc += v * v;                                                         \
            }                                                                         \
            if (j == 0 || acc < best) best = acc, bl = static_cast<int>(j);           \
        }                                                                             \
        lab[i] = bl;                                                                  \
    }

inline void assign_block_generic(const double* X, Index ld, Index d, Index s, Index L, const double* CT, Index k,
                                 int* lab) {
    CXKIT_KMEANS_ASSIGN_BODY(2, 4)
}

inline void sq_dist_block_generic(const double* X, Index ld, Index d, Index s, Index L, const double* c,
                                  double* out) {
    CXKIT_KMEANS_SQ_DIST_BODY(16)
}

// Where CXKIT_CPU_DISPATCH is on (core/cpu_dispatch.hpp: GCC on x86-64) and the build targets an older baseline, the same kernel is also compiled for AVX2 and
// AVX-512 and picked once at run time (the vector width is what makes the assignment pass fast). fp-contract=off:
// no fused multiply-add, so every variant computes the very same bits (Lloyd, Elkan and k-means++ agree exactly,
// and results do not depend on the machine).
#if CXKIT_CPU_DISPATCH && !defined(__AVX2__)
__attribute__((target("avx2"), optimize("fp-contract=off"))) inline void sq_dist_block_avx2(
    const double* X, Index ld, Index d, Index s, Index L, const double* c, double* out) {
    CXKIT_KMEANS_SQ_DIST_BODY(32)
}
__attribute__((target("avx512f"), optimize("fp-contract=off"))) inline void sq_dist_block_avx512(
    const double* X, Index ld, Index d, Index s, Index L, const double* c, double* out) {
    CXKIT_KMEANS_SQ_DIST_BODY(32)
}
__attribute__((target("avx2"), optimize("fp-contract=off"))) inline void assign_block_avx2(
    const double* X, Index ld, Index d, Index s, Index L, const double* CT, Index k, int* lab) {
    CXKIT_KMEANS_ASSIGN_BODY(4, 4)
}
__attribute__((target("avx512f"), optimize("fp-contract=off"))) inline void assign_block_avx512(
    const double* X, Index ld, Index d, Index s, Index L, const double* CT, Index k, int* lab) {
    CXKIT_KMEANS_ASSIGN_BODY(8, 2)
}
#endif
#undef CXKIT_KMEANS_SQ_DIST_BODY
#undef CXKIT_KMEANS_ASSIGN_BODY

using SqDistFn = void (*)(const double*, Index, Index, Index, Index, const double*, double*);

inline SqDistFn pick_sq_dist() {
#if CXKIT_CPU_DISPATCH && !defined(__AVX2__)
    if (core::cpu().avx512f) return sq_dist_block_avx512;
    if (core::cpu().avx2) return sq_dist_block_avx2;
#endif
    return sq_dist_block_generic;
}

inline void sq_dist_block(const double* X, Index ld, Index d, Index s, Index L, const double* c, double* out) {
    static const SqDistFn kernel = pick_sq_dist();
    kernel(X, ld, d, s, L, c, out);
}

using AssignFn = void (*)(const double*, Index, Index, Index, Index, const double*, Index, int*);

inline AssignFn pick_assign() {
#if CXKIT_CPU_DISPATCH && !defined(__AVX2__)
    if (core::cpu().avx512f) return assign_block_avx512;
    if (core::cpu().avx2) return assign_block_avx2;
#endif
    return assign_block_generic;
}

inline void assign_block(const double* X, Index ld, Index d, Index s, Index L, const double* CT, Index k, int* lab) {
    static const AssignFn kernel = pick_assign();
    kernel(X, ld, d, s, L, CT, k, lab);
}

// The same for an Eigen centre (row vector of length d) into a contiguous Eigen output of length L.
template <class Centre, class Out>
void sq_dist_to(const ConstRef& X, Index s, Index L, const Centre& centre, Out&& out) {
    const Eigen::RowVectorXd c = centre;
    sq_dist_block(X.data(), X.outerStride(), X.cols(), s, L, c.data(), out.data());
}

// Direct Euclidean distance between row i of X and column j of CT (centres transposed, d x k), columns in order
// (the same summation order as sq_dist_to, so Lloyd and Elkan see the same numbers).
template <class = void>  // a template so that only callers pay for compiling it (Eigen code)
double row_dist(const double* x, const Eigen::MatrixXd& CT, Index j) {
    const double* c = CT.col(j).data();
    double acc = 0;
    for (Index f = 0; f < CT.rows(); ++f) {
        const double t = x[f] - c[f];
        acc += t * t;
    }
    return std::sqrt(acc);
}

// Per-chunk partial sums: k*d centre sums (column-major k x d) then k weights (counts).
struct Partials {
    Index k = 0, d = 0;
    std::vector<double> data;
    void reset(Index n_chunks, Index k_, Index d_) {
        k = k_, d = d_;
        data.assign(static_cast<std::size_t>(n_chunks * k * (d + 1)), 0.0);
    }
    double* chunk(Index c) { return data.data() + c * k * (d + 1); }
};

// The chunk's centre sums (k x d, column-major) and counts. The rows are grouped by cluster first (a stable
// counting sort), then each sum is a register accumulator over its group in row order, four columns at a time (four
// independent addition chains): a load and an add per value instead of a load, add and store into the sums
// (whose bits are the same: every sum adds its rows in row order, from 0).
template <class = void>  // a template so that only callers pay for compiling it (Eigen code)
void accumulate_chunk(const ConstRef& X, Index s, Index L, const int* labels, double* part, Index k) {
    const Index d = X.cols(), ld = X.outerStride();
    const double* x0 = X.data() + s;
    const int* lab = labels + s;
    std::vector<Index> start(static_cast<std::size_t>(k + 1), 0);
    std::vector<std::uint16_t> order(static_cast<std::size_t>(L));  // L <= kmeans_chunk
    for (Index i = 0; i < L; ++i) ++start[static_cast<std::size_t>(lab[i]) + 1];
    for (Index l = 0; l < k; ++l) {
        part[k * d + l] = static_cast<double>(start[static_cast<std::size_t>(l) + 1]);
        start[static_cast<std::size_t>(l) + 1] += start[static_cast<std::size_t>(l)];
    }
    {
        std::vector<Index> next(start.begin(), start.end() - 1);
        for (Index i = 0; i < L; ++i) order[static_cast<std::size_t>(next[static_cast<std::size_t>(lab[i])]++)] = static_cast<std::uint16_t>(i);
    }
    for (Index f = 0; f < d; f += 4) {
        const Index w = std::min<Index>(4, d - f);
        const double* c0 = x0 + f * ld;
        const double* c1 = w > 1 ? c0 + ld : c0;
        const double* c2 = w > 2 ? c0 + 2 * ld : c0;
        const double* c3 = w > 3 ? c0 + 3 * ld : c0;
        for (Index l = 0; l < k; ++l) {
            double a0 = 0, a1 = 0, a2 = 0, a3 = 0;
            for (Index p = start[static_cast<std::size_t>(l)]; p < start[static_cast<std::size_t>(l) + 1]; ++p) {
                const Index r = order[static_cast<std::size_t>(p)];
                a0 += c0[r], a1 += c1[r], a2 += c2[r], a3 += c3[r];
            }
            double* out = part + f * k + l;
            out[0] = a0;
            if (w > 1) out[k] = a1;
            if (w > 2) out[2 * k] = a2;
            if (w > 3) out[3 * k] = a3;
        }
    }
}

struct KMeansState {
    const ConstRef& X;
    Index n, d, k, n_chunks;
    unsigned threads;
    Partials partials;
    Eigen::MatrixXd sums;     // k x d
    Eigen::VectorXd weights;  // k

    KMeansState(const ConstRef& X_, Index k_, unsigned threads_)
        : X(X_), n(X_.rows()), d(X_.cols()), k(k_), n_chunks(n_chunks_of(X_.rows())), threads(threads_) {}

    // Lloyd assignment (and partial sums when update): labels = index of the closest centre (lowest on ties).
    void lloyd_assign(const Eigen::MatrixXd& C, std::vector<int>& labels, bool update) {
        if (update) partials.reset(n_chunks, k, d);
        const Eigen::MatrixXd CT = C.transpose();  // d x k: centre j contiguous
        for_chunk_ranges(n_chunks, threads, [&](Index c0, Index c1) {
            for (Index c = c0; c < c1; ++c) {
                const Index s = c * kmeans_chunk, L = std::min(kmeans_chunk, n - s);
                assign_block(X.data(), X.outerStride(), d, s, L, CT.data(), k, labels.data() + s);
                if (update) accumulate_chunk(X, s, L, labels.data(), partials.chunk(c), k);
            }
        });
    }

    // The centre update shared by Lloyd and Elkan: reduce partials in chunk order, relocate empty clusters,
    // average. Returns the sum of squared centre shifts; `shift` gets each centre's shift (Euclidean).
    double update_centres(const Eigen::MatrixXd& C_old, Eigen::MatrixXd& C_new, const std::vector<int>& labels,
                          Eigen::VectorXd& shift) {
        sums.setZero(k, d);
        weights.setZero(k);
        for (Index c = 0; c < n_chunks; ++c) {
            const double* p = partials.chunk(c);
            sums += Eigen::Map<const Eigen::MatrixXd>(p, k, d);
            weights += Eigen::Map<const Eigen::VectorXd>(p + k * d, k);
        }
        relocate_empty(C_old, labels);
        C_new = sums;
        for (Index j = 0; j < k; ++j)
            if (weights(j) > 0) C_new.row(j) /= weights(j);
        shift = (C_new - C_old).rowwise().norm();
        return shift.squaredNorm();
    }

    void relocate_empty(const Eigen::MatrixXd& C_old, const std::vector<int>& labels) {
        std::vector<Index> empty;
        for (Index j = 0; j < k; ++j)
            if (weights(j) == 0) empty.push_back(j);
        if (empty.empty()) return;
        Eigen::VectorXd dist(n);
        for (Index i = 0; i < n; ++i)
            dist(i) = (X.row(i) - C_old.row(labels[static_cast<std::size_t>(i)])).squaredNorm();
        std::vector<Index> order(static_cast<std::size_t>(n));
        std::iota(order.begin(), order.end(), Index{0});
        const auto m = static_cast<std::ptrdiff_t>(std::min<std::size_t>(empty.size(), order.size()));
        std::partial_sort(order.begin(), order.begin() + m, order.end(), [&](Index a, Index b) {
            return dist(a) > dist(b) || (dist(a) == dist(b) && a < b);
        });
        for (std::ptrdiff_t e = 0; e < m; ++e) {
            const Index far = order[static_cast<std::size_t>(e)], to = empty[static_cast<std::size_t>(e)];
            const int from = labels[static_cast<std::size_t>(far)];
            sums.row(from) -= X.row(far);
            sums.row(to) = X.row(far);
            weights(to) = 1.0;
            weights(from) -= 1.0;
        }
    }

    double inertia(const Eigen::MatrixXd& C, const std::vector<int>& labels) {
        std::vector<double> part(static_cast<std::size_t>(n_chunks), 0.0);
        for_chunk_ranges(n_chunks, threads, [&](Index c0, Index c1) {
            for (Index c = c0; c < c1; ++c) {
                const Index s = c * kmeans_chunk, L = std::min(kmeans_chunk, n - s);
                double acc = 0;
                for (Index i = s; i < s + L; ++i)
                    acc += (X.row(i) - C.row(labels[static_cast<std::size_t>(i)])).squaredNorm();
                part[static_cast<std::size_t>(c)] = acc;
            }
        });
        double total = 0;
        for (double p : part) total += p;
        return total;
    }
};

// Greedy k-means++ (sklearn's _kmeans_plusplus with unit sample weights).
// The draws are numpy's, in sklearn's order: choice(n, p) for the first centre, then per centre uniform(size=trials).
// `rows` (optional) gets the chosen row indices.
template <class = void>  // a template so that only callers pay for compiling it (Eigen code)
Eigen::MatrixXd kmeans_plusplus(const ConstRef& X, Index k, LegacyRandomState& rng, unsigned threads,
                                       std::vector<Index>* rows = nullptr) {
    const Index n = X.rows(), d = X.cols(), n_chunks = n_chunks_of(n), ld = X.outerStride();
    const Index trials = 2 + static_cast<Index>(std::floor(std::log(static_cast<double>(k))));
    Eigen::MatrixXd C(k, d);
    Eigen::VectorXd closest(n);
    std::vector<double> part(static_cast<std::size_t>(n_chunks * trials));
    Eigen::MatrixXd cand(d, trials);  // candidate rows, each contiguous for the distance kernel

    // closest = squared distances to the first centre; the potential is their sum in chunk order
    const Index first = rng.choice_uniform_p(n);
    if (rows) rows->assign(1, first);
    C.row(0) = X.row(first);
    cand.col(0) = X.row(first).transpose();
    for_chunk_ranges(n_chunks, threads, [&](Index c0, Index c1) {
        for (Index c = c0; c < c1; ++c) {
            const Index s = c * kmeans_chunk, L = std::min(kmeans_chunk, n - s);
            sq_dist_block(X.data(), ld, d, s, L, cand.col(0).data(), closest.data() + s);
            part[static_cast<std::size_t>(c)] = closest.segment(s, L).sum();
        }
    });
    double pot = 0;
    for (Index c = 0; c < n_chunks; ++c) pot += part[static_cast<std::size_t>(c)];

    std::vector<double> cum(static_cast<std::size_t>(n));
    std::vector<Index> ids(static_cast<std::size_t>(trials));
    std::vector<double> cand_pot(static_cast<std::size_t>(trials));
    for (Index c = 1; c < k; ++c) {
        core::check_interrupt();
        double run = 0;
        for (Index i = 0; i < n; ++i) cum[static_cast<std::size_t>(i)] = (run += closest(i));
        for (Index t = 0; t < trials; ++t) {
            const double r = rng.random_sample() * pot;
            auto it = std::lower_bound(cum.begin(), cum.end(), r);
            const Index id = std::min<Index>(static_cast<Index>(it - cum.begin()), n - 1);
            ids[static_cast<std::size_t>(t)] = id;
            cand.col(t) = X.row(id).transpose();
        }
        // each candidate's potential (sum of min(closest, distance to it)), chunk partials; nothing stored per row:
        // the winner's distances are recomputed below (a second read of X costs less than writing and reading
        // back `trials` columns of n values)
        for_chunk_ranges(n_chunks, threads, [&](Index c0, Index c1) {
            Eigen::ArrayXd dist(kmeans_chunk);
            for (Index ch = c0; ch < c1; ++ch) {
                const Index s = ch * kmeans_chunk, L = std::min(kmeans_chunk, n - s);
                for (Index t = 0; t < trials; ++t) {
                    sq_dist_block(X.data(), ld, d, s, L, cand.col(t).data(), dist.data());
                    part[static_cast<std::size_t>(ch * trials + t)] =
                        closest.segment(s, L).array().min(dist.head(L)).sum();
                }
            }
        });
        Index best = 0;
        for (Index t = 0; t < trials; ++t) {
            double p = 0;
            for (Index ch = 0; ch < n_chunks; ++ch) p += part[static_cast<std::size_t>(ch * trials + t)];
            cand_pot[static_cast<std::size_t>(t)] = p;
            if (p < cand_pot[static_cast<std::size_t>(best)]) best = t;
        }
        C.row(c) = cand.col(best).transpose();
        if (rows) rows->push_back(ids[static_cast<std::size_t>(best)]);
        pot = cand_pot[static_cast<std::size_t>(best)];  // the same chunk-ordered sum
        for_chunk_ranges(n_chunks, threads, [&](Index c0, Index c1) {
            Eigen::ArrayXd dist(kmeans_chunk);
            for (Index ch = c0; ch < c1; ++ch) {
                const Index s = ch * kmeans_chunk, L = std::min(kmeans_chunk, n - s);
                sq_dist_block(X.data(), ld, d, s, L, cand.col(best).data(), dist.data());
                closest.segment(s, L) = closest.segment(s, L).array().min(dist.head(L)).matrix();
            }
        });
    }
    return C;
}

struct SingleRun {
    Eigen::MatrixXd centers;
    std::vector<int> labels;
    double inertia = 0;
    int n_iter = 0;
};

template <class = void>  // a template so that only callers pay for compiling it (Eigen code)
SingleRun lloyd_run(const ConstRef& X, Eigen::MatrixXd C, int max_iter, double tol, unsigned threads) {
    KMeansState st(X, C.rows(), threads);
    std::vector<int> labels(static_cast<std::size_t>(X.rows()), -1), old(labels);
    Eigen::MatrixXd C_new;
    Eigen::VectorXd shift;
    bool strict = false;
    int it = 0;
    for (; it < max_iter; ++it) {
        core::check_interrupt();  // Ctrl-C between iterations, also when a pass is one task
        st.lloyd_assign(C, labels, true);
        const double total_shift = st.update_centres(C, C_new, labels, shift);
        std::swap(C, C_new);
        if (labels == old) {
            strict = true;
            break;
        }
        if (total_shift <= tol) break;
        old = labels;
    }
    if (!strict) st.lloyd_assign(C, labels, false);
    const double inertia = st.inertia(C, labels);
    return {std::move(C), std::move(labels), inertia, std::min(it + 1, max_iter)};
}

template <class = void>  // a template so that only callers pay for compiling it (Eigen code)
void centre_geometry(const Eigen::MatrixXd& C, Eigen::MatrixXd& half, Eigen::VectorXd& next) {
    const Index k = C.rows();
    half.resize(k, k);
    for (Index a = 0; a < k; ++a)
        for (Index b = 0; b < k; ++b) half(a, b) = (C.row(a) - C.row(b)).norm() / 2;
    next.setConstant(k, std::numeric_limits<double>::infinity());
    for (Index a = 0; a < k; ++a)
        for (Index b = 0; b < k; ++b)
            if (a != b) next(a) = std::min(next(a), half(a, b));
}

template <class = void>  // a template so that only callers pay for compiling it (Eigen code)
SingleRun elkan_run(const ConstRef& X, Eigen::MatrixXd C, int max_iter, double tol, unsigned threads) {
    const Index n = X.rows(), d = X.cols(), k = C.rows();
    KMeansState st(X, k, threads);
    std::vector<int> labels(static_cast<std::size_t>(n), 0), old(static_cast<std::size_t>(n), -1);
    std::vector<double> upper(static_cast<std::size_t>(n)), lower(static_cast<std::size_t>(n * k), 0.0);
    Eigen::MatrixXd half, C_new, CT = C.transpose();
    Eigen::VectorXd next, shift;
    centre_geometry(C, half, next);

    // init_bounds (sklearn's): the distances come from the vectorised kernel for the whole chunk (the same bits as
    // row_dist), the triangle-inequality skips decide which of them become lower bounds, as before
    for_chunk_ranges(st.n_chunks, threads, [&](Index c0, Index c1) {
        Eigen::ArrayXXd dist(kmeans_chunk, k);
        for (Index c = c0; c < c1; ++c) {
            const Index s = c * kmeans_chunk, L = std::min(kmeans_chunk, n - s);
            for (Index j = 0; j < k; ++j)
                sq_dist_block(X.data(), X.outerStride(), d, s, L, CT.col(j).data(), dist.col(j).data());
            for (Index r = 0; r < L; ++r) {
                const Index i = s + r;
                double* lb = &lower[static_cast<std::size_t>(i * k)];
                int best = 0;
                double m = std::sqrt(dist(r, 0));
                lb[0] = m;
                for (Index j = 1; j < k; ++j)
                    if (m > half(best, j)) {
                        const double dj = std::sqrt(dist(r, j));
                        lb[j] = dj;
                        if (dj < m) m = dj, best = static_cast<int>(j);
                    }
                labels[static_cast<std::size_t>(i)] = best;
                upper[static_cast<std::size_t>(i)] = m;
            }
        }
    });

    // One Elkan pass. `moved`: the centre shifts of the previous update, applied to the row's bounds as the row is
    // visited (upper += shift of its centre, lower -= shift, floored at 0): one pass over the n x k bounds per
    // iteration instead of two.
    auto elkan_iter = [&](bool update, const Eigen::VectorXd* moved) {
        if (update) st.partials.reset(st.n_chunks, k, d);
        for_chunk_ranges(st.n_chunks, threads, [&](Index c0, Index c1) {
            std::vector<double> x(static_cast<std::size_t>(d));
            for (Index c = c0; c < c1; ++c) {
                const Index s = c * kmeans_chunk, L = std::min(kmeans_chunk, n - s);
                for (Index i = s; i < s + L; ++i) {
                    double* lb = &lower[static_cast<std::size_t>(i * k)];
                    int label = labels[static_cast<std::size_t>(i)];
                    if (moved) {
                        upper[static_cast<std::size_t>(i)] += (*moved)(label);
                        for (Index j = 0; j < k; ++j) lb[j] = std::max(0.0, lb[j] - (*moved)(j));
                    }
                    double ub = upper[static_cast<std::size_t>(i)];
                    if (next(label) >= ub) continue;
                    bool tight = false, loaded = false;
                    for (Index j = 0; j < k; ++j) {
                        if (j == label || !(ub > lb[j]) || !(ub > half(label, j))) continue;
                        if (!loaded) {
                            for (Index f = 0; f < d; ++f) x[static_cast<std::size_t>(f)] = X(i, f);
                            loaded = true;
                        }
                        if (!tight) {
                            ub = row_dist(x.data(), CT, label);
                            lb[label] = ub;
                            tight = true;
                        }
                        if (ub > lb[j] || ub > half(label, j)) {
                            const double dj = row_dist(x.data(), CT, j);
                            lb[j] = dj;
                            if (dj < ub) label = static_cast<int>(j), ub = dj;
                        }
                    }
                    labels[static_cast<std::size_t>(i)] = label;
                    upper[static_cast<std::size_t>(i)] = ub;
                }
                if (update) accumulate_chunk(X, s, L, labels.data(), st.partials.chunk(c), k);
            }
        });
    };

    bool strict = false;
    int it = 0;
    for (; it < max_iter; ++it) {
        core::check_interrupt();
        elkan_iter(true, it > 0 ? &shift : nullptr);
        const double total_shift = st.update_centres(C, C_new, labels, shift);
        // the bounds follow the centres in the next pass
        centre_geometry(C_new, half, next);
        std::swap(C, C_new);
        CT = C.transpose();
        if (labels == old) {
            strict = true;
            break;
        }
        if (total_shift <= tol) break;
        old = labels;
    }
    if (!strict) elkan_iter(false, &shift);
    const double inertia = st.inertia(C, labels);
    return {std::move(C), std::move(labels), inertia, std::min(it + 1, max_iter)};
}

inline bool same_clustering(const std::vector<int>& a, const std::vector<int>& b, int k) {
    std::vector<int> map(static_cast<std::size_t>(k), -1);
    for (std::size_t i = 0; i < a.size(); ++i) {
        int& m = map[static_cast<std::size_t>(a[i])];
        if (m == -1)
            m = b[i];
        else if (m != b[i])
            return false;
    }
    return true;
}

template <class = void>  // a template so that only callers pay for compiling it (Eigen code)
std::vector<int> assign_labels(const ConstRef& X, const Eigen::MatrixXd& C, unsigned threads) {
    KMeansState st(X, C.rows(), threads);
    std::vector<int> labels(static_cast<std::size_t>(X.rows()));
    st.lloyd_assign(C, labels, false);
    return labels;
}

}  // namespace detail

// A row-major (C-order) n x d array as the column-major matrix kmeans works on, rows split over `threads` (0 =
// every core): the copy a C-order numpy array needs anyway, without numpy's single-threaded asfortranarray.
template <class = void>  // a template so that only callers pay for compiling it (Eigen code)
Eigen::MatrixXd from_row_major(const double* a, Eigen::Index n, Eigen::Index d, unsigned threads = 0) {
    using detail::Index;
    Eigen::MatrixXd M(n, d);
    detail::for_chunk_ranges(detail::n_chunks_of(n), detail::resolve_threads(threads), [&](Index c0, Index c1) {
        const Index r0 = c0 * detail::kmeans_chunk, r1 = std::min(n, c1 * detail::kmeans_chunk);
        for (Index i = r0; i < r1; ++i)
            for (Index f = 0; f < d; ++f) M(i, f) = a[i * d + f];
    });
    return M;
}

template <class = void>  // a template so that only callers pay for compiling it (Eigen code)
KMeansResult kmeans(const Eigen::Ref<const Eigen::MatrixXd>& X, const KMeansOptions& opt) {
    using detail::Index;
    const Index n = X.rows(), d = X.cols();
    if (opt.n_clusters < 1)
        throw invalid_input("n_clusters", invalid_input::no_row,
                            "must be >= 1 (got " + std::to_string(opt.n_clusters) + ")");
    if (opt.max_iter < 1)
        throw invalid_input("max_iter", invalid_input::no_row, "must be >= 1 (got " + std::to_string(opt.max_iter) + ")");
    if (!(opt.tol >= 0)) throw invalid_input("tol", invalid_input::no_row, "must be >= 0");
    if (opt.n_init < 0) throw invalid_input("n_init", invalid_input::no_row, "must be >= 1 (or 0 for auto)");
    if (opt.seed > 0xFFFFFFFFu)
        throw invalid_input("seed", invalid_input::no_row,
                            "must be < 2**32 (numpy's RandomState seeds; got " + std::to_string(opt.seed) + ")");
    if (d == 0) throw invalid_input("X", invalid_input::no_row, "has no columns");
    if (n < opt.n_clusters)
        throw invalid_input("X", invalid_input::no_row,
                            "has " + std::to_string(n) + " rows, fewer than n_clusters = " +
                                std::to_string(opt.n_clusters));
    detail::check_finite(X, opt.column_names);

    const unsigned threads = detail::resolve_threads(opt.threads);
    const Index k = opt.n_clusters;
    KMeansResult res;

    // Working data: X itself, or a standardised copy without the constant columns.
    Eigen::MatrixXd Z;
    std::vector<Index> kept;
    if (opt.standardize) {
        res.scale_mean.resize(d);
        res.scale_std.resize(d);
        for (Index j = 0; j < d; ++j) {
            const double mean = X.col(j).mean();
            res.scale_mean(j) = mean;
            if (X.col(j).maxCoeff() == X.col(j).minCoeff()) {
                res.scale_std(j) = 0;
                res.dropped_columns.push_back(static_cast<int>(j));
            } else {
                res.scale_std(j) = std::sqrt((X.col(j).array() - mean).square().sum() / static_cast<double>(n));
                kept.push_back(j);
            }
        }
        Z.resize(n, static_cast<Index>(kept.size()));
        for (std::size_t c = 0; c < kept.size(); ++c) {
            const Index j = kept[c];
            Z.col(static_cast<Index>(c)) = (X.col(j).array() - res.scale_mean(j)) / res.scale_std(j);
        }
    }
    const detail::ConstRef W = opt.standardize ? detail::ConstRef(Z) : X;

    // absolute tolerance: tol * mean column variance (ddof = 0)
    double tol = 0;
    if (W.cols() > 0) {
        double var_sum = 0;
        for (Index j = 0; j < W.cols(); ++j) {
            const double mean = W.col(j).mean();
            var_sum += (W.col(j).array() - mean).square().sum() / static_cast<double>(n);
        }
        tol = opt.tol * var_sum / static_cast<double>(W.cols());
    }

    const int n_init = opt.n_init == 0 ? 1 : opt.n_init;
    detail::SingleRun best;
    bool have = false;
    // one generator for all runs, drawn from in sequence (as sklearn's KMeans.fit shares its RandomState)
    detail::LegacyRandomState rng(static_cast<std::uint32_t>(opt.seed));
    res.init_indices.assign(static_cast<std::size_t>(n_init), {});
    for (int r = 0; r < n_init; ++r) {
        Eigen::MatrixXd C0 = detail::kmeans_plusplus(W, k, rng, threads, &res.init_indices[static_cast<std::size_t>(r)]);
        auto run = opt.algorithm == KMeansOptions::elkan ? detail::elkan_run(W, std::move(C0), opt.max_iter, tol, threads)
                                                         : detail::lloyd_run(W, std::move(C0), opt.max_iter, tol, threads);
        if (!have || (run.inertia < best.inertia && !detail::same_clustering(run.labels, best.labels, opt.n_clusters))) {
            best = std::move(run);
            res.best_init = r;
            have = true;
        }
    }

    res.labels = std::move(best.labels);
    res.inertia = best.inertia;
    res.n_iter = best.n_iter;
    {
        // int flags, not char: GCC 12 at -O2 mis-warns (-Wfree-nonheap-object) on freeing the char vector here
        std::vector<int> seen(static_cast<std::size_t>(k), 0);
        for (int l : res.labels) seen[static_cast<std::size_t>(l)] = 1;
        res.n_distinct = std::accumulate(seen.begin(), seen.end(), 0);
    }
    if (opt.standardize) {
        res.centers.resize(k, d);
        for (Index j = 0; j < d; ++j) res.centers.col(j).setConstant(res.scale_mean(j));
        for (std::size_t c = 0; c < kept.size(); ++c) {
            const Index j = kept[c];
            res.centers.col(j) = best.centers.col(static_cast<Index>(c)).array() * res.scale_std(j) + res.scale_mean(j);
        }
    } else {
        res.centers = std::move(best.centers);
    }
    return res;
}

// Index of the closest centre for each row of X (lowest index on ties), in the units of X.
template <class = void>  // a template so that only callers pay for compiling it (Eigen code)
std::vector<int> predict(const Eigen::Ref<const Eigen::MatrixXd>& centers,
                                const Eigen::Ref<const Eigen::MatrixXd>& X, unsigned threads = 0) {
    if (centers.rows() < 1) throw invalid_input("centers", invalid_input::no_row, "has no rows");
    if (centers.cols() != X.cols())
        throw invalid_input("X", invalid_input::no_row,
                            "has " + std::to_string(X.cols()) + " columns, the centres have " +
                                std::to_string(centers.cols()));
    detail::check_finite(X, {});
    const Eigen::MatrixXd C = centers;
    return detail::assign_labels(X, C, detail::resolve_threads(threads));
}

// predict with a fitted result: applies the fit's standardisation (and column drops) first.
template <class = void>  // a template so that only callers pay for compiling it (Eigen code)
std::vector<int> predict(const KMeansResult& fit, const Eigen::Ref<const Eigen::MatrixXd>& X,
                                unsigned threads = 0) {
    if (fit.scale_std.size() == 0) return predict(fit.centers, X, threads);
    if (X.cols() != fit.centers.cols())
        throw invalid_input("X", invalid_input::no_row,
                            "has " + std::to_string(X.cols()) + " columns, the centres have " +
                                std::to_string(fit.centers.cols()));
    detail::check_finite(X, {});
    std::vector<Eigen::Index> kept;
    for (Eigen::Index j = 0; j < X.cols(); ++j)
        if (fit.scale_std(j) > 0) kept.push_back(j);
    Eigen::MatrixXd Z(X.rows(), static_cast<Eigen::Index>(kept.size()));
    Eigen::MatrixXd C(fit.centers.rows(), static_cast<Eigen::Index>(kept.size()));
    for (std::size_t c = 0; c < kept.size(); ++c) {
        const auto j = kept[c], cc = static_cast<Eigen::Index>(c);
        Z.col(cc) = (X.col(j).array() - fit.scale_mean(j)) / fit.scale_std(j);
        C.col(cc) = (fit.centers.col(j).array() - fit.scale_mean(j)) / fit.scale_std(j);
    }
    if (kept.empty()) return std::vector<int>(static_cast<std::size_t>(X.rows()), 0);
    return detail::assign_labels(Z, C, detail::resolve_threads(threads));
}

}  // namespace cxkit::segment

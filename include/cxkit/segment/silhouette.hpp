#pragma once
// Silhouette score, exactly as sklearn.metrics.silhouette_score (metric="euclidean"):
//   a(i) = mean distance from i to the other members of its cluster (sum over the cluster / (size - 1)),
//   b(i) = min over the other clusters of the mean distance from i to their members,
//   s(i) = (b - a) / max(a, b), 0 for a member of a singleton cluster (and 0 when a = b = 0, as sklearn's
//   nan_to_num); the score is the mean of s(i) over the samples.
// Labels are any integers (encoded as sklearn's LabelEncoder does); 2 <= number of labels <= n - 1 or
// cxkit::invalid_input. Distances are computed directly (not with sklearn's |x|^2 - 2xy + |y|^2), which agrees
// with sklearn far below 1e-9 on ordinary data.
// O(n^2) time, O(n) memory per thread: rows are grouped by cluster, each sample's distances to all rows are
// computed in blocks of 64 samples, in parallel; per-sample sums are in a fixed order, so the result is the same
// for any thread count.
// Sampling (sample_size > 0 and < n): the rows are the first sample_size of a seeded permutation (partial
// Fisher-Yates on std::mt19937_64) -- silhouette_sample_indices gives them, so another tool can score the very
// same sample. (numpy's RandomState permutation is not reproduced: same quality, other rows.)
//
// choose_k: k-means for each k in [k_min, k_max] (the given KMeansOptions, n_clusters replaced), its inertia and
// the silhouette of its labels on one seeded sample shared by every k; suggested_k = argmax silhouette (the
// smallest such k on ties).
#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "cxkit/core/error.hpp"
#include "cxkit/segment/kmeans.hpp"

namespace cxkit::segment {

struct SilhouetteOptions {
    Eigen::Index sample_size = 0;  // 0 (or >= n): every row
    std::uint64_t seed = 0;        // for the sample
    unsigned threads = 0;          // 0 = hardware concurrency
};

// The rows a seeded sample of sample_size takes (in draw order); every row when sample_size is 0 or >= n.
inline std::vector<Eigen::Index> silhouette_sample_indices(Eigen::Index n, Eigen::Index sample_size,
                                                           std::uint64_t seed) {
    std::vector<Eigen::Index> idx(static_cast<std::size_t>(n));
    for (Eigen::Index i = 0; i < n; ++i) idx[static_cast<std::size_t>(i)] = i;
    if (sample_size <= 0 || sample_size >= n) return idx;
    std::mt19937_64 g(detail::splitmix64(seed));
    for (Eigen::Index i = 0; i < sample_size; ++i) {
        const auto j = i + static_cast<Eigen::Index>(detail::uniform_below(g, static_cast<std::uint64_t>(n - i)));
        std::swap(idx[static_cast<std::size_t>(i)], idx[static_cast<std::size_t>(j)]);
    }
    idx.resize(static_cast<std::size_t>(sample_size));
    return idx;
}

// Per-sample silhouette values (sklearn.metrics.silhouette_samples), for every row of X.
template <class = void>  // a template so that only callers pay for compiling it (Eigen code)
Eigen::VectorXd silhouette_samples(const Eigen::Ref<const Eigen::MatrixXd>& X, const std::vector<int>& labels,
                                          unsigned threads = 0) {
    using Index = Eigen::Index;
    const Index n = X.rows(), d = X.cols();
    if (static_cast<Index>(labels.size()) != n)
        throw invalid_input("labels", invalid_input::no_row,
                            "has " + std::to_string(labels.size()) + " labels for " + std::to_string(n) + " rows");
    detail::check_finite(X, {});
    // encode labels 0..L-1 in sorted order
    std::map<int, int> code;
    for (int l : labels) code.emplace(l, 0);
    int L = 0;
    for (auto& [l, c] : code) c = L++;
    if (L < 2 || L > n - 1)
        throw invalid_input("labels", invalid_input::no_row,
                            "has " + std::to_string(L) + " distinct labels; the silhouette needs 2 to n_samples - 1 = " +
                                std::to_string(n - 1));
    std::vector<int> lab(static_cast<std::size_t>(n));
    std::vector<Index> start(static_cast<std::size_t>(L) + 1, 0);
    for (Index i = 0; i < n; ++i) {
        lab[static_cast<std::size_t>(i)] = code[labels[static_cast<std::size_t>(i)]];
        ++start[static_cast<std::size_t>(lab[static_cast<std::size_t>(i)]) + 1];
    }
    for (int c = 0; c < L; ++c) start[static_cast<std::size_t>(c) + 1] += start[static_cast<std::size_t>(c)];
    // rows grouped by cluster (stable), column-major copy
    Eigen::MatrixXd G(n, d);
    {
        std::vector<Index> pos(start.begin(), start.end() - 1);
        for (Index i = 0; i < n; ++i) G.row(pos[static_cast<std::size_t>(lab[static_cast<std::size_t>(i)])]++) = X.row(i);
    }
    Eigen::VectorXd s(n);
    constexpr Index block = 64;
    const Index n_blocks = (n + block - 1) / block;
    detail::for_chunk_ranges(n_blocks, detail::resolve_threads(threads), [&](Index b0, Index b1) {
        Eigen::ArrayXd dist(n);
        std::vector<double> mean_to(static_cast<std::size_t>(L));
        for (Index i = b0 * block; i < std::min(n, b1 * block); ++i) {
            dist.setZero();
            for (Index f = 0; f < d; ++f) dist += (G.col(f).array() - X(i, f)).square();
            dist = dist.sqrt();
            const int own = lab[static_cast<std::size_t>(i)];
            double a = 0, b = std::numeric_limits<double>::infinity();
            for (int c = 0; c < L; ++c) {
                const Index lo = start[static_cast<std::size_t>(c)], sz = start[static_cast<std::size_t>(c) + 1] - lo;
                const double sum = dist.segment(lo, sz).sum();
                if (c == own)
                    a = sz > 1 ? sum / static_cast<double>(sz - 1) : std::numeric_limits<double>::quiet_NaN();
                else
                    b = std::min(b, sum / static_cast<double>(sz));
            }
            double v = (b - a) / std::max(a, b);
            s(i) = std::isnan(v) ? 0.0 : v;
        }
    });
    return s;
}

// Mean silhouette, optionally on a seeded sample of rows.
template <class = void>  // a template so that only callers pay for compiling it (Eigen code)
double silhouette_score(const Eigen::Ref<const Eigen::MatrixXd>& X, const std::vector<int>& labels,
                               const SilhouetteOptions& opt = {}) {
    if (static_cast<Eigen::Index>(labels.size()) != X.rows())
        throw invalid_input("labels", invalid_input::no_row,
                            "has " + std::to_string(labels.size()) + " labels for " + std::to_string(X.rows()) +
                                " rows");
    Eigen::VectorXd s;
    if (opt.sample_size > 0 && opt.sample_size < X.rows()) {
        const auto idx = silhouette_sample_indices(X.rows(), opt.sample_size, opt.seed);
        Eigen::MatrixXd Xs(static_cast<Eigen::Index>(idx.size()), X.cols());
        std::vector<int> ls(idx.size());
        for (std::size_t r = 0; r < idx.size(); ++r) {
            Xs.row(static_cast<Eigen::Index>(r)) = X.row(idx[r]);
            ls[r] = labels[static_cast<std::size_t>(idx[r])];
        }
        s = silhouette_samples(Xs, ls, opt.threads);
    } else {
        s = silhouette_samples(X, labels, opt.threads);
    }
    double total = 0;
    for (Eigen::Index i = 0; i < s.size(); ++i) total += s(i);
    return total / static_cast<double>(s.size());
}

struct ChooseKOptions {
    int k_min = 2, k_max = 8;
    KMeansOptions kmeans;          // n_clusters is replaced by each k
    Eigen::Index sample_size = 0;  // silhouette sample (0: every row)
    std::uint64_t sample_seed = 0;
};

struct ChooseKResult {
    std::vector<int> k;
    std::vector<double> inertia, silhouette;
    int suggested_k = 0;
};

template <class = void>  // a template so that only callers pay for compiling it (Eigen code)
ChooseKResult choose_k(const Eigen::Ref<const Eigen::MatrixXd>& X, const ChooseKOptions& opt) {
    if (opt.k_min < 2)
        throw invalid_input("k_min", invalid_input::no_row, "must be >= 2 (the silhouette needs two clusters)");
    if (opt.k_max < opt.k_min) throw invalid_input("k_max", invalid_input::no_row, "must be >= k_min");
    ChooseKResult out;
    SilhouetteOptions so{opt.sample_size, opt.sample_seed, opt.kmeans.threads};
    double best = -std::numeric_limits<double>::infinity();
    for (int k = opt.k_min; k <= opt.k_max; ++k) {
        KMeansOptions ko = opt.kmeans;
        ko.n_clusters = k;
        const auto fit = kmeans(X, ko);
        // the silhouette is measured in the space that was clustered
        Eigen::MatrixXd Z;
        if (ko.standardize) {
            std::vector<Eigen::Index> kept;
            for (Eigen::Index j = 0; j < X.cols(); ++j)
                if (fit.scale_std(j) > 0) kept.push_back(j);
            Z.resize(X.rows(), static_cast<Eigen::Index>(kept.size()));
            for (std::size_t c = 0; c < kept.size(); ++c)
                Z.col(static_cast<Eigen::Index>(c)) =
                    (X.col(kept[c]).array() - fit.scale_mean(kept[c])) / fit.scale_std(kept[c]);
        }
        const double sil = ko.standardize ? silhouette_score(Z, fit.labels, so) : silhouette_score(X, fit.labels, so);
        out.k.push_back(k);
        out.inertia.push_back(fit.inertia);
        out.silhouette.push_back(sil);
        if (sil > best) best = sil, out.suggested_k = k;
    }
    return out;
}

}  // namespace cxkit::segment

// Bindings of segmentation (include/cxkit/segment): k-means, silhouette and RFM scores over numpy arrays. Everything
// lives in the submodule cxkit._core.segment; the estimator (keyword arguments, pandas in/out, warnings) belongs to
// the Python layer (python/cxkit/segment).
//
// One register_<concept> function per bound concept. Every long call runs in bind::released_interruptible (GIL
// released, Ctrl-C stops it between chunks and iterations: src/interruptible.hpp) over OWNED copies of its inputs,
// made with the GIL held (a numpy array can be changed by another Python thread meanwhile).
//
// Thread safety (documented in the Python docstrings): RecommenderState's methods never release the GIL while they
// touch the object (+=, serialize, ... are short); a Recommender holds its fit as an immutable snapshot
// (shared_ptr<const>): fit computes a new one without the GIL and swaps it in with the GIL held, and recommend
// works on the snapshot it took, so a fit on one thread never changes what a recommend on another reads.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <pybind11/typing.h>

#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <tuple>
#include <vector>

#include "cxkit/core/error.hpp"
#include "interruptible.hpp"
#include "cxkit/segment/kmeans.hpp"
#include "cxkit/segment/recommender.hpp"
#include "cxkit/segment/rfm.hpp"
#include "cxkit/segment/silhouette.hpp"
#include "state_binding.hpp"

namespace py = pybind11;
using cxkit::invalid_input;
namespace seg = cxkit::segment;

namespace {

using FMatrix = py::array_t<double, py::array::f_style | py::array::forcecast>;
using Doubles = py::array_t<double, py::array::c_style | py::array::forcecast>;
using Ints = py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>;
using Codes = py::array_t<std::int32_t, py::array::c_style | py::array::forcecast>;
using Flags = py::array_t<std::uint8_t, py::array::c_style | py::array::forcecast>;
using MatMap = Eigen::Map<const Eigen::MatrixXd>;

// An owned copy of a 2-d array (call with the GIL held).
Eigen::MatrixXd matrix_of(const FMatrix& a, const char* name) {
    if (a.ndim() != 2) throw invalid_input(name, invalid_input::no_row, "must be two-dimensional");
    return MatMap(a.data(), static_cast<Eigen::Index>(a.shape(0)), static_cast<Eigen::Index>(a.shape(1)));
}

// An owned copy of a 1-d array (call with the GIL held).
std::vector<double> vector_of(const Doubles& a, const char* name) {
    if (a.ndim() != 1) throw invalid_input(name, invalid_input::no_row, "must be one-dimensional");
    return {a.data(), a.data() + a.shape(0)};
}

std::vector<int> labels_of(const Ints& a, Eigen::Index n) {
    if (a.ndim() != 1) throw invalid_input("labels", invalid_input::no_row, "must be one-dimensional");
    if (static_cast<Eigen::Index>(a.shape(0)) != n)
        throw invalid_input("labels", invalid_input::no_row,
                            "has " + std::to_string(a.shape(0)) + " labels for " + std::to_string(n) + " rows");
    std::vector<int> out(static_cast<std::size_t>(a.shape(0)));
    const std::int64_t* p = a.data();
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<int>(p[i]);
    return out;
}

template <class T, class V>
py::array_t<T> to_array(const V& v) {
    py::array_t<T> out(static_cast<py::ssize_t>(v.size()));
    T* o = out.mutable_data();
    for (std::size_t i = 0; i < static_cast<std::size_t>(v.size()); ++i) o[i] = static_cast<T>(v[i]);
    return out;
}

py::array_t<double> matrix_to_array(const Eigen::MatrixXd& M) {
    py::array_t<double, py::array::f_style> out({static_cast<py::ssize_t>(M.rows()), static_cast<py::ssize_t>(M.cols())});
    if (M.size() > 0) std::memcpy(out.mutable_data(), M.data(), sizeof(double) * static_cast<std::size_t>(M.size()));
    return out;
}

Eigen::RowVectorXd row_of(const Doubles& a) {
    Eigen::RowVectorXd r(a.shape(0));
    for (py::ssize_t i = 0; i < a.shape(0); ++i) r(i) = a.data()[i];
    return r;
}

seg::KMeansOptions::Algorithm algorithm_of(const std::string& s) {
    if (s == "lloyd") return seg::KMeansOptions::lloyd;
    if (s == "elkan") return seg::KMeansOptions::elkan;
    throw invalid_input("algorithm", invalid_input::no_row, "must be 'lloyd' or 'elkan' (got '" + s + "')");
}

seg::RfmTies ties_of(const std::string& s) {
    if (s == "first") return seg::RfmTies::first;
    if (s == "equal") return seg::RfmTies::equal;
    throw invalid_input("ties", invalid_input::no_row, "must be 'first' or 'equal' (got '" + s + "')");
}

// An owned copy of a 1-d code array (call with the GIL held).
template <class T, class A>
std::vector<T> codes_of(const A& a, const char* name) {
    if (a.ndim() != 1) throw invalid_input(name, invalid_input::no_row, "must be one-dimensional");
    return {a.data(), a.data() + a.shape(0)};
}

seg::Similarity similarity_of(const std::string& s) {
    if (s == "cosine") return seg::Similarity::cosine;
    if (s == "lift") return seg::Similarity::lift;
    throw invalid_input("similarity", invalid_input::no_row, "must be 'cosine' or 'lift' (got '" + s + "')");
}

// Typed tuple (not py::tuple) so the stubs name the arrays.
py::typing::Tuple<py::array_t<std::int32_t>, py::array_t<double>> pairs_to_arrays(
    const std::vector<std::pair<double, std::int32_t>>& v) {
    py::array_t<std::int32_t> items(static_cast<py::ssize_t>(v.size()));
    py::array_t<double> scores(static_cast<py::ssize_t>(v.size()));
    for (std::size_t k = 0; k < v.size(); ++k) {
        items.mutable_data()[k] = v[k].second;
        scores.mutable_data()[k] = v[k].first;
    }
    return py::make_tuple(items, scores);
}

using RuleTuple = std::tuple<std::string, int, int, int, int, int, int>;


// ------------------------------------------------------------------------------------------------------ k-means
py::dict kmeans_result_to_dict(const seg::KMeansResult& r) {
    py::dict d;
    d["centers"] = matrix_to_array(r.centers);
    d["labels"] = to_array<std::int32_t>(r.labels);
    d["inertia"] = r.inertia;
    d["n_iter"] = r.n_iter;
    d["best_init"] = r.best_init;
    d["n_distinct"] = r.n_distinct;
    d["dropped_columns"] = r.dropped_columns;
    d["scale_mean"] = to_array<double>(r.scale_mean);
    d["scale_std"] = to_array<double>(r.scale_std);
    d["init_indices"] = r.init_indices;
    return d;
}

// X as an owned column-major matrix: C order (numpy's default) is transposed on every core, Fortran order copied.
Eigen::MatrixXd features_of(const py::array_t<double, py::array::forcecast>& X, unsigned threads) {
    if (X.ndim() != 2) throw invalid_input("X", invalid_input::no_row, "must be two-dimensional");
    const auto rows = static_cast<Eigen::Index>(X.shape(0)), cols = static_cast<Eigen::Index>(X.shape(1));
    const bool c_order = (X.flags() & py::array::c_style) && !(X.flags() & py::array::f_style);
    if (c_order) return seg::from_row_major(X.data(), rows, cols, threads);
    return matrix_of(FMatrix::ensure(X), "X");
}

void register_kmeans(py::module_& m) {
    m.def(
        "kmeans",
        [](const py::array_t<double, py::array::forcecast>& X, int n_clusters, int n_init, int max_iter, double tol,
           const std::string& algorithm, std::uint64_t seed, bool standardize, unsigned threads,
           const std::vector<std::string>& column_names) {
            seg::KMeansOptions o;
            o.n_clusters = n_clusters;
            o.n_init = n_init;
            o.max_iter = max_iter;
            o.tol = tol;
            o.algorithm = algorithm_of(algorithm);
            o.seed = seed;
            o.standardize = standardize;
            o.threads = threads;
            o.column_names = column_names;
            const Eigen::MatrixXd x = features_of(X, threads);
            seg::KMeansResult r;
            {
                cxkit::bind::released_interruptible scope;
                r = seg::kmeans(x, o);
            }
            return kmeans_result_to_dict(r);
        },
        py::arg("X"), py::arg("n_clusters") = 8, py::arg("n_init") = 0, py::arg("max_iter") = 300,
        py::arg("tol") = 1e-4, py::arg("algorithm") = "lloyd", py::arg("seed") = 0, py::arg("standardize") = false,
        py::arg("threads") = 0, py::arg("column_names") = std::vector<std::string>{},
        "k-means with scikit-learn's conventions; returns a dict (centers in original units, labels, inertia, ...). "
        "Ctrl-C stops it between iterations (KeyboardInterrupt, no result).");

    m.def(
        "predict",
        [](const FMatrix& X, const FMatrix& centers, const std::optional<Doubles>& scale_mean,
           const std::optional<Doubles>& scale_std, unsigned threads) {
            const Eigen::MatrixXd x = matrix_of(X, "X");
            seg::KMeansResult fit;
            fit.centers = matrix_of(centers, "centers");
            if (scale_mean && scale_std && scale_mean->size() > 0) {
                if (scale_mean->size() != centers.shape(1) || scale_std->size() != centers.shape(1))
                    throw invalid_input("scale", invalid_input::no_row, "must have one value per column");
                fit.scale_mean = row_of(*scale_mean);
                fit.scale_std = row_of(*scale_std);
            }
            std::vector<int> labels;
            {
                cxkit::bind::released_interruptible scope;
                labels = seg::predict(fit, x, threads);
            }
            return to_array<std::int32_t>(labels);
        },
        py::arg("X"), py::arg("centers"), py::arg("scale_mean") = py::none(), py::arg("scale_std") = py::none(),
        py::arg("threads") = 0, "Index of the closest centre per row (standardising first when scale_* are given).");
}

// --------------------------------------------------------------------------------------------------- silhouette
void register_silhouette(py::module_& m) {
    m.def(
        "silhouette_samples",
        [](const FMatrix& X, const Ints& labels, unsigned threads) {
            const Eigen::MatrixXd x = matrix_of(X, "X");
            const auto l = labels_of(labels, x.rows());
            Eigen::VectorXd out;
            {
                cxkit::bind::released_interruptible scope;
                out = seg::silhouette_samples(x, l, threads);
            }
            return to_array<double>(out);
        },
        py::arg("X"), py::arg("labels"), py::arg("threads") = 0);

    m.def(
        "silhouette_score",
        [](const FMatrix& X, const Ints& labels, Eigen::Index sample_size, std::uint64_t seed, unsigned threads) {
            const Eigen::MatrixXd x = matrix_of(X, "X");
            const auto l = labels_of(labels, x.rows());
            if (sample_size < 0) throw invalid_input("sample_size", invalid_input::no_row, "must be >= 0");
            double out;
            {
                cxkit::bind::released_interruptible scope;
                out = seg::silhouette_score(x, l, seg::SilhouetteOptions{sample_size, seed, threads});
            }
            return out;
        },
        py::arg("X"), py::arg("labels"), py::arg("sample_size") = 0, py::arg("seed") = 0, py::arg("threads") = 0);

    m.def(
        "silhouette_sample_indices",
        [](Eigen::Index n, Eigen::Index sample_size, std::uint64_t seed) {
            if (n < 0 || sample_size < 0) throw invalid_input("sample_size", invalid_input::no_row, "must be >= 0");
            return to_array<std::int64_t>(seg::silhouette_sample_indices(n, sample_size, seed));
        },
        py::arg("n"), py::arg("sample_size"), py::arg("seed") = 0,
        "The rows silhouette_score(sample_size, seed) scores, so other tools can score the same sample.");
}

// ---------------------------------------------------------------------------------------------------------- RFM
void register_rfm(py::module_& m) {
    m.def(
        "quantile_scores",
        [](const Doubles& x, int bins, const std::string& ties, bool reverse, const std::string& name) {
            const auto xs = vector_of(x, name.c_str());
            const auto t = ties_of(ties);
            std::vector<int> out;
            {
                cxkit::bind::released_interruptible scope;
                out = seg::quantile_scores(xs, bins, t, reverse, name);
            }
            return to_array<std::int8_t>(out);
        },
        py::arg("x"), py::arg("bins") = 5, py::arg("ties") = "first", py::arg("reverse") = false,
        py::arg("name") = "x");

    m.def(
        "rfm_scores",
        [](const Doubles& recency, const Doubles& frequency, const Doubles& monetary, int bins, const std::string& ties,
           const std::optional<std::vector<RuleTuple>>& segments, const std::string& others) {
            seg::RfmOptions o;
            o.bins = bins;
            o.ties = ties_of(ties);
            o.others = others;
            if (segments) {
                o.segments.clear();
                for (const auto& [name, rl, rh, fl, fh, ml, mh] : *segments)
                    o.segments.push_back(seg::RfmSegmentRule{name, rl, rh, fl, fh, ml, mh});
            }
            const auto r = vector_of(recency, "recency"), f = vector_of(frequency, "frequency"),
                       mo = vector_of(monetary, "monetary");
            seg::RfmScores res;
            {
                cxkit::bind::released_interruptible scope;
                res = seg::rfm_scores(r, f, mo, o);
            }
            py::dict d;
            d["r"] = to_array<std::int8_t>(res.r);
            d["f"] = to_array<std::int8_t>(res.f);
            d["m"] = to_array<std::int8_t>(res.m);
            d["segment"] = to_array<std::int32_t>(res.segment);
            d["segment_names"] = res.segment_names;
            return d;
        },
        py::arg("recency"), py::arg("frequency"), py::arg("monetary"), py::arg("bins") = 5, py::arg("ties") = "first",
        py::arg("segments") = py::none(), py::arg("others") = "Others");

    m.def("default_rfm_segments", [] {
        std::vector<RuleTuple> out;
        for (const auto& r : seg::default_rfm_segments())
            out.emplace_back(r.name, r.r_lo, r.r_hi, r.f_lo, r.f_hi, r.m_lo, r.m_hi);
        return out;
    });
}

// ------------------------------------------------------------------------------------------- RecommenderState
using Keys = py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>;

void register_recommender_state(py::module_& m) {
    cxkit::bind::bind_state<seg::RecommenderState>(
        m, "RecommenderState",
        "Who bought what: (customer, item) key pairs, mergeable (see recommender.hpp). Shareable between threads: "
        "no method releases the GIL while it touches the state.")
        .def(py::init([](const Keys& customer, const Keys& item) {
                 seg::RecommenderState st;
                 st.customer = codes_of<std::int64_t>(customer, "customer");
                 st.item = codes_of<std::int64_t>(item, "item");
                 if (st.customer.size() != st.item.size())
                     throw invalid_input("item", invalid_input::no_row,
                                         "has " + std::to_string(st.item.size()) + " values for " +
                                             std::to_string(st.customer.size()) + " customers");
                 {
                     cxkit::bind::released_interruptible scope;  // a local, not yet visible to Python
                     st.normalize();
                 }
                 return st;
             }),
             py::arg("customer"), py::arg("item"), "A state from key pairs (duplicates and any order allowed).")
        .def("__len__", &seg::RecommenderState::size)
        .def("erase", [](seg::RecommenderState& st, const Keys& customers) {
                 st.erase(std::span<const std::int64_t>(customers.data(), static_cast<std::size_t>(customers.size())));
             },
             py::arg("customers"), "Forgets the pairs of these customer keys (GIL held).")
        .def("__repr__", [](const seg::RecommenderState& st) {
            return "RecommenderState(" + std::to_string(st.size()) + " pairs)";
        })
        .def_property_readonly("customer", [](const seg::RecommenderState& st) { return to_array<std::int64_t>(st.customer); })
        .def_property_readonly("item", [](const seg::RecommenderState& st) { return to_array<std::int64_t>(st.item); });
}

// -------------------------------------------------------------------------------------------------- Recommender
// The bound Recommender: options and the current fit, an immutable snapshot (see the comment at the top).
struct RecommenderHandle {
    seg::RecommenderOptions options;
    std::shared_ptr<const seg::Recommender> fit = std::make_shared<const seg::Recommender>();

    // The current fit, taken with the GIL held; safe to use without the GIL after.
    std::shared_ptr<const seg::Recommender> snapshot() const { return fit; }
};

py::dict table_to_dict(const seg::RecommendationTable& t) {
    py::dict d;
    d["request"] = to_array<std::int64_t>(t.request);
    d["rank"] = to_array<std::int32_t>(t.rank);
    d["item"] = to_array<std::int32_t>(t.item);
    d["score"] = to_array<double>(t.score);
    std::vector<std::int8_t> src(t.source.size());
    for (std::size_t k = 0; k < src.size(); ++k) src[k] = static_cast<std::int8_t>(t.source[k]);
    d["source"] = to_array<std::int8_t>(src);
    return d;
}

void register_recommender(py::module_& m) {
    py::class_<RecommenderHandle>(m, "Recommender",
                                  "Item-item recommender over purchase codes (see recommender.hpp). fit builds a new "
                                  "fit without the GIL and swaps it in (all or nothing, also on Ctrl-C); recommend "
                                  "reads the fit it started with.")
        .def(py::init([](const std::string& similarity, unsigned threads) {
                 return RecommenderHandle{seg::RecommenderOptions{similarity_of(similarity), threads}};
             }),
             py::arg("similarity") = "cosine", py::arg("threads") = 0)
        .def(
            "fit",
            [](RecommenderHandle& h, const Codes& customer, const Codes& item, std::int32_t n_customers,
               std::int32_t n_items, const std::optional<Codes>& segment) {
                const auto c = codes_of<std::int32_t>(customer, "customer");
                const auto i = codes_of<std::int32_t>(item, "item");
                std::vector<std::int32_t> sg;
                if (segment) sg = codes_of<std::int32_t>(*segment, "segment");
                auto next = std::make_shared<seg::Recommender>(h.options);
                {
                    cxkit::bind::released_interruptible scope;
                    next->fit(c, i, n_customers, n_items, sg);
                }
                h.fit = std::move(next);
            },
            py::arg("customer"), py::arg("item"), py::arg("n_customers"), py::arg("n_items"),
            py::arg("segment") = py::none())
        .def(
            "fit_state",
            [](RecommenderHandle& h, const seg::RecommenderState& state, std::int32_t n_customers, std::int32_t n_items,
               const std::optional<Codes>& segment) {
                const seg::RecommenderState pairs = state;  // the state is mutable from Python: fit a copy
                std::vector<std::int32_t> sg;
                if (segment) sg = codes_of<std::int32_t>(*segment, "segment");
                auto next = std::make_shared<seg::Recommender>(h.options);
                {
                    cxkit::bind::released_interruptible scope;
                    next->fit(pairs, n_customers, n_items, sg);
                }
                h.fit = std::move(next);
            },
            py::arg("state"), py::arg("n_customers"), py::arg("n_items"), py::arg("segment") = py::none())
        .def("state", [](const RecommenderHandle& h) { return h.fit->state(); },
             "The fitted (customer code, item code) pairs as a RecommenderState.")
        .def(
            "recommend",
            [](const RecommenderHandle& h, const Codes& customers, int n, bool exclude_purchased,
               const std::optional<Flags>& consent) {
                const auto fit = h.snapshot();
                const auto c = codes_of<std::int32_t>(customers, "customers");
                std::vector<std::uint8_t> f;
                if (consent) f = codes_of<std::uint8_t>(*consent, "consent");
                seg::RecommendationTable t;
                {
                    cxkit::bind::released_interruptible scope;
                    t = fit->recommend(c, n, exclude_purchased, f);
                }
                return table_to_dict(t);
            },
            py::arg("customers"), py::arg("n") = 5, py::arg("exclude_purchased") = true,
            py::arg("consent") = py::none())
        .def("similar_items", [](const RecommenderHandle& h, std::int32_t item, int n) {
            return pairs_to_arrays(h.fit->similar_items(item, n));
        }, py::arg("item"), py::arg("n"))
        .def("popular", [](const RecommenderHandle& h, std::int32_t segment, int n) {
            return pairs_to_arrays(h.fit->popular(segment, n));
        }, py::arg("segment"), py::arg("n"))
        .def("similarity_csc",
             [](const RecommenderHandle& h) {
                 const auto& S = h.fit->similarity();
                 const auto nnz = static_cast<std::size_t>(S.nonZeros());
                 return py::make_tuple(
                     to_array<std::int32_t>(std::span<const std::int32_t>(S.outerIndexPtr(),
                                                                          static_cast<std::size_t>(S.cols()) + 1)),
                     to_array<std::int32_t>(std::span<const std::int32_t>(S.innerIndexPtr(), nnz)),
                     to_array<double>(std::span<const double>(S.valuePtr(), nnz)));
             },
             "(indptr, indices, data) of the item x item similarity, column-compressed (a copy).")
        .def_property_readonly("item_counts",
                               [](const RecommenderHandle& h) { return to_array<std::int64_t>(h.fit->item_counts()); })
        .def_property_readonly("n_nonzero", [](const RecommenderHandle& h) { return h.fit->similarity().nonZeros(); })
        .def_property_readonly("n_buyers", [](const RecommenderHandle& h) { return h.fit->n_buyers(); })
        .def_property_readonly("fitted", [](const RecommenderHandle& h) { return h.fit->fitted(); });
}

}  // namespace

// cxkit._core.segment (m is that submodule, made by module.cpp).
void bind_segment(py::module_& m) {
    m.doc() = "k-means, silhouette, choosing k, RFM scores and the recommender.";
    register_kmeans(m);
    register_silhouette(m);
    register_rfm(m);
    register_recommender_state(m);
    register_recommender(m);
}

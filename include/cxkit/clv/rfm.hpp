#pragma once
// RfmData: the sufficient statistics of the buy-till-you-die models, as unique (x, t_x, T) rows with weights.
//
// x = number of repeat purchases (frequency), t_x = time of the last purchase (recency), T = age of the customer
// (time since the first purchase), all in the same time unit. Many customers share a row (every one-time buyer of
// a cohort has (0, 0, T)), so the models evaluate their likelihood once per unique row, times its weight.
// Rows are sorted by (x, t_x, T): summation order does not depend on the input order, and rows with the same x
// are contiguous, so the models compute the x-only terms (lgamma(r + x), ...) once per distinct x.
//
// Input is validated once, here: a cxkit::invalid_input names the field, the first offending row and the rule.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "cxkit/core/error.hpp"
#include "cxkit/core/parallel.hpp"
#include "cxkit/core/rules.hpp"

namespace cxkit::clv {

// The names used in error messages (the Python layer passes its own column names).
struct RfmFieldNames {
    std::string frequency = "frequency";
    std::string recency = "recency";
    std::string T = "T";
    std::string weights = "weights";
};

// Per-customer (x, t_x, T) columns, e.g. the output of a simulation.
struct CustomerSummary {
    std::vector<double> x, t_x, T;
    std::size_t size() const noexcept { return x.size(); }
};

struct RfmData {
    std::vector<double> x, t_x, T, weight;  // unique rows, sorted by (x, t_x, T); every weight > 0
    double total_weight = 0;                 // sum of the weights (the number of customers when unweighted)
    std::size_t n_customers_in = 0;          // rows given on input

    std::size_t size() const noexcept { return x.size(); }
    bool empty() const noexcept { return x.empty(); }

    // One customer, unvalidated: for evaluating a model's per-customer log-likelihood.
    static RfmData one(double x, double t_x, double T) {
        RfmData d;
        d.x = {x};
        d.t_x = {t_x};
        d.T = {T};
        d.weight = {1.0};
        d.total_weight = 1;
        return d;
    }

    // True when some row has x > 0 (otherwise no model is identified).
    bool any_repeat() const noexcept { return !x.empty() && x.back() > 0; }

    // BG/BB horizons: its likelihood and predictions sum one term per period.
    static constexpr double max_periods = 1e7;

    // The rules every customer's (x, t_x, T) follows, in a fit and in a prediction alike; `row` is named in the
    // error (invalid_input::no_row for none). `discrete`: the BG/BB (whole periods, at most one purchase each).
    static void check_customer(double xi, double ti, double Ti, std::int64_t row, const RfmFieldNames& names = {},
                               bool discrete = false) {
        if (!std::isfinite(xi) || xi < 0 || xi != std::floor(xi))
            throw invalid_input(names.frequency, row,
                                "must be a whole number of repeat purchases >= 0, got " + describe_value(xi));
        if (!std::isfinite(ti) || ti < 0)
            throw invalid_input(names.recency, row, "must be a finite number >= 0, got " + describe_value(ti));
        if (!std::isfinite(Ti) || Ti < 0)
            throw invalid_input(names.T, row, "must be a finite number >= 0, got " + describe_value(Ti));
        if (discrete && ti != std::floor(ti))
            throw invalid_input(names.recency, row, "must be a whole number of periods, got " + describe_value(ti));
        if (discrete && Ti != std::floor(Ti))
            throw invalid_input(names.T, row, "must be a whole number of periods, got " + describe_value(Ti));
        if (discrete && Ti > max_periods)
            throw invalid_input(names.T, row, "must be at most 10^7 periods, got " + describe_value(Ti));
        if (discrete && xi > ti)
            throw invalid_input(names.frequency, row,
                                "must be <= " + names.recency + " (" + describe_value(ti) +
                                    ": one transaction per period at most), got " + describe_value(xi));
        if (ti > Ti)
            throw invalid_input(names.recency, row,
                                "must be <= " + names.T + " (" + describe_value(Ti) + "), got " + describe_value(ti));
        if (xi == 0 && ti > 0)
            throw invalid_input(names.recency, row,
                                "must be 0 when " + names.frequency + " is 0, got " + describe_value(ti));
    }

    // Builds from per-customer arrays; weights empty = 1 per customer. `discrete`: the BG/BB model, where t_x and
    // T count transaction opportunities (whole numbers) and at most one transaction fits in each (x <= t_x).
    static RfmData from_customers(std::span<const double> x, std::span<const double> t_x, std::span<const double> T,
                                  std::span<const double> weights = {}, const RfmFieldNames& names = {},
                                  bool discrete = false) {
        const std::size_t n = x.size();
        if (t_x.size() != n)
            throw invalid_input(names.recency, invalid_input::no_row,
                                "has " + std::to_string(t_x.size()) + " values but " + names.frequency + " has " +
                                    std::to_string(n));
        if (T.size() != n)
            throw invalid_input(names.T, invalid_input::no_row,
                                "has " + std::to_string(T.size()) + " values but " + names.frequency + " has " +
                                    std::to_string(n));
        if (!weights.empty() && weights.size() != n)
            throw invalid_input(names.weights, invalid_input::no_row,
                                "has " + std::to_string(weights.size()) + " values but " + names.frequency + " has " +
                                    std::to_string(n));
        for (std::size_t i = 0; i < n; ++i) {
            const auto row = static_cast<std::int64_t>(i);
            check_customer(x[i], t_x[i], T[i], row, names, discrete);
            if (!weights.empty() && (!std::isfinite(weights[i]) || weights[i] < 0))
                throw invalid_input(names.weights, row,
                                    "must be a finite number >= 0, got " + describe_value(weights[i]));
        }

        struct Row {
            double x, t, T, w;
        };
        std::vector<Row> rows;
        rows.reserve(n);
        for (std::size_t i = 0; i < n; ++i) {
            const double w = weights.empty() ? 1.0 : weights[i];
            if (w > 0) rows.push_back({x[i], t_x[i], T[i], w});
        }
        auto less = [](const Row& a, const Row& b) {
            if (a.x != b.x) return a.x < b.x;
            if (a.t != b.t) return a.t < b.t;
            return a.T < b.T;
        };
        // Sorting dominates for tens of millions of customers: two halves on two threads, then one merge. The
        // result is the same as one sort (weights of equal rows are summed below, in input order within a half).
        if (rows.size() > (1u << 20)) {
            auto mid = rows.begin() + static_cast<std::ptrdiff_t>(rows.size() / 2);
            core::parallel_invoke(0, [&] { std::stable_sort(rows.begin(), mid, less); },
                                  [&] { std::stable_sort(mid, rows.end(), less); });
            std::inplace_merge(rows.begin(), mid, rows.end(), less);
        } else {
            std::stable_sort(rows.begin(), rows.end(), less);
        }

        RfmData d;
        d.n_customers_in = n;
        for (std::size_t i = 0; i < rows.size();) {
            std::size_t j = i;
            double w = 0;
            while (j < rows.size() && rows[j].x == rows[i].x && rows[j].t == rows[i].t && rows[j].T == rows[i].T)
                w += rows[j++].w;
            d.x.push_back(rows[i].x);
            d.t_x.push_back(rows[i].t);
            d.T.push_back(rows[i].T);
            d.weight.push_back(w);
            d.total_weight += w;
            i = j;
        }
        return d;
    }

    static RfmData from_customers(const CustomerSummary& c) { return from_customers(c.x, c.t_x, c.T); }

    // Refuses data from which no model can be fitted (empty, all weights zero, or nobody bought twice).
    void require_fittable(const RfmFieldNames& names = {}) const {
        if (empty() || !(total_weight > 0))
            throw invalid_input(names.frequency, invalid_input::no_row,
                                "no customers to fit (the data set is empty or every weight is 0)");
        if (!any_repeat())
            throw invalid_input(names.frequency, invalid_input::no_row,
                                "every customer has 0 repeat purchases: the model cannot be fitted");
    }

    // A deterministic subsample for warm starts: rows of weight >= `heavy` are kept as they are, every k-th of the
    // other rows is kept with its weight times k, so that about `target_rows` rows remain.
    RfmData stride_subsample(std::size_t target_rows, double heavy = 16) const {
        if (size() <= target_rows) return *this;
        std::size_t light = 0;
        for (double w : weight) light += w < heavy;
        const std::size_t k = std::max<std::size_t>(1, (light + target_rows - 1) / target_rows);
        RfmData s;
        std::size_t seen = 0;
        for (std::size_t i = 0; i < size(); ++i) {
            double w = weight[i];
            if (w < heavy) {
                if (seen++ % k != 0) continue;
                w *= static_cast<double>(k);
            }
            s.x.push_back(x[i]);
            s.t_x.push_back(t_x[i]);
            s.T.push_back(T[i]);
            s.weight.push_back(w);
            s.total_weight += w;
        }
        s.n_customers_in = n_customers_in;
        return s;
    }
};

}  // namespace cxkit::clv

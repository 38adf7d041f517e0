#pragma once
// Gamma-Gamma spend model (Fader & Hardie 2013, "The Gamma-Gamma model of monetary value"; Colombo & Jiang 1999).
//
// A customer's transaction values are Gamma(p, nu), nu ~ Gamma(q, gamma) across customers; fitted on customers
// with x > 0 repeat transactions and mean repeat spend mbar:
//     ln L = lgamma(px + q) - lgamma(px) - lgamma(q) + q ln(gamma) + (px - 1) ln(mbar) + px ln(x)
//            - (px + q) ln(gamma + x mbar)
// with its analytic gradient. E[M | x, mbar] = (gamma + x mbar) p / (px + q - 1) needs q > 1 for the population
// mean gamma p / (q - 1); with q <= 1 it is refused (invalid_input) rather than returned negative or infinite.
#include <boost/math/special_functions/digamma.hpp>
#include <boost/math/special_functions/gamma.hpp>

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "cxkit/clv/fit.hpp"
#include "cxkit/clv/model.hpp"
#include "cxkit/core/error.hpp"
#include "cxkit/core/rules.hpp"

namespace cxkit::clv {

struct GammaGammaParams {
    double p = 1, q = 2, gamma = 1;
    static std::vector<std::string> names() { return {"p", "q", "gamma"}; }
    Eigen::VectorXd vector() const { return Eigen::Vector3d(p, q, gamma); }
    static GammaGammaParams from(const Eigen::VectorXd& v) { return {v[0], v[1], v[2]}; }
};

// Unique (x, mbar) rows of the customers with x > 0, with weights, sorted by (x, mbar).
struct SpendData {
    std::vector<double> x, mbar, weight;
    double total_weight = 0;
    std::size_t size() const noexcept { return x.size(); }

    // Customers with frequency 0 are left out (they carry no spend information); frequency > 0 needs a
    // monetary value > 0.
    static SpendData from_customers(std::span<const double> frequency, std::span<const double> monetary_value,
                                    std::span<const double> weights = {}, const std::string& frequency_name = "frequency",
                                    const std::string& value_name = "monetary_value",
                                    const std::string& weights_name = "weights") {
        const std::size_t n = frequency.size();
        if (monetary_value.size() != n)
            throw invalid_input(value_name, invalid_input::no_row,
                                "has " + std::to_string(monetary_value.size()) + " values but " + frequency_name +
                                    " has " + std::to_string(n));
        if (!weights.empty() && weights.size() != n)
            throw invalid_input(weights_name, invalid_input::no_row,
                                "has " + std::to_string(weights.size()) + " values but " + frequency_name + " has " +
                                    std::to_string(n));
        struct Row {
            double x, m, w;
        };
        std::vector<Row> rows;
        for (std::size_t i = 0; i < n; ++i) {
            const auto row = static_cast<std::int64_t>(i);
            const double x = frequency[i], m = monetary_value[i];
            if (!std::isfinite(x) || x < 0 || x != std::floor(x))
                throw invalid_input(frequency_name, row,
                                    "must be a whole number of repeat purchases >= 0, got " + describe_value(x));
            if (!weights.empty() && (!std::isfinite(weights[i]) || weights[i] < 0))
                throw invalid_input(weights_name, row, "must be a finite number >= 0, got " + describe_value(weights[i]));
            if (x == 0) continue;
            if (!std::isfinite(m) || m <= 0)
                throw invalid_input(value_name, row,
                                    "must be a finite number > 0 for a repeat customer, got " + describe_value(m));
            const double w = weights.empty() ? 1.0 : weights[i];
            if (w > 0) rows.push_back({x, m, w});
        }
        std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.x != b.x ? a.x < b.x : a.m < b.m; });
        SpendData d;
        for (std::size_t i = 0; i < rows.size();) {
            std::size_t j = i;
            double w = 0;
            while (j < rows.size() && rows[j].x == rows[i].x && rows[j].m == rows[i].m) w += rows[j++].w;
            d.x.push_back(rows[i].x);
            d.mbar.push_back(rows[i].m);
            d.weight.push_back(w);
            d.total_weight += w;
            i = j;
        }
        return d;
    }
};

namespace detail {

struct GammaGammaLL {
    const SpendData& d;
    unsigned threads = 0;
    double total_weight() const { return d.total_weight; }

    template <int = 0>  // instantiated (Boost.Math, Eigen, the parallel loop) only where used: issue 11
    double operator()(const Eigen::VectorXd& th, Eigen::VectorXd* grad) const {
        using boost::math::digamma;
        using boost::math::lgamma;
        const double p = th[0], q = th[1], g = th[2];
        const bool want = grad != nullptr;
        const double lgq = lgamma(q), lg = std::log(g), psq = want ? digamma(q) : 0;
        auto body = [&](std::size_t beg, std::size_t end, double& val, double* gr) {
            double cur_x = -1, cx = 0, dpx = 0, dqx = 0, lx = 0;
            double v = 0, gp = 0, gq = 0, gg = 0;
            for (std::size_t i = beg; i < end; ++i) {
                const double x = d.x[i], m = d.mbar[i], w = d.weight[i];
                const double px = p * x;
                if (x != cur_x) {
                    cur_x = x;
                    lx = std::log(x);
                    cx = lgamma(px + q) - lgamma(px) - lgq + q * lg + px * lx;
                    if (want) {
                        const double ps = digamma(px + q);
                        dpx = x * (ps - digamma(px) + lx);
                        dqx = ps - psq + lg;
                    }
                }
                const double lm = std::log(m), lgxm = std::log(g + x * m);
                v += w * (cx + (px - 1) * lm - (px + q) * lgxm);
                if (want) {
                    gp += w * (dpx + x * (lm - lgxm));
                    gq += w * (dqx - lgxm);
                    gg += w * (q / g - (px + q) / (g + x * m));
                }
            }
            val += v;
            if (gr) {
                gr[0] += gp;
                gr[1] += gq;
                gr[2] += gg;
            }
        };
        double gbuf[3];
        const double v = reduce_rows(d.size(), 3, want ? gbuf : nullptr, d.size() > 50000 ? threads : 1u, body);
        if (want) *grad = Eigen::Map<Eigen::Vector3d>(gbuf);
        return v;
    }
};

}  // namespace detail

class GammaGammaModel : public FittedModel<GammaGammaModel, GammaGammaParams, SpendData> {
public:
    using FittedModel::FittedModel;
    using FittedModel::log_likelihood;

    static detail::GammaGammaLL log_likelihood_function(const SpendData& d, unsigned threads = 0) {
        return detail::GammaGammaLL{d, threads};
    }
    static void check_fittable(const SpendData& data) {
        if (data.size() == 0 || !(data.total_weight > 0))
            throw invalid_input("frequency", invalid_input::no_row,
                                "no customer with a repeat purchase (frequency > 0) to fit the spend model on");
    }
    // Mean spend m0: start at p = 1, q = 2, gamma = m0 (then E[M] = gamma p / (q - 1) = m0).
    static Eigen::VectorXd start(const SpendData& data) {
        double sw = 0, sm = 0;
        for (std::size_t i = 0; i < data.size(); ++i) {
            sw += data.weight[i];
            sm += data.weight[i] * data.mbar[i];
        }
        return Eigen::Vector3d(1.0, 2.0, sm / sw);
    }

    static double log_likelihood(const Params& p, double x, double mbar) {
        SpendData d;
        d.x = {x};
        d.mbar = {mbar};
        d.weight = {1.0};
        d.total_weight = 1;
        return detail::GammaGammaLL{d, 1}(p.vector(), nullptr);
    }

    // E[M | x, mbar]: the weighted mean of the population mean gamma p / (q - 1) and the customer's mbar, with
    // weight p x / (p x + q - 1) on mbar. x = 0 gives the population mean.
    double conditional_expected_average_value(double x, double mbar) const {
        const auto& p = p_;
        if (!(p.q > 1))
            throw invalid_input("q", invalid_input::no_row,
                                "the Gamma-Gamma mean spend needs q > 1, got q = " + describe_value(p.q) +
                                    " (the fitted spend distribution has no finite mean)");
        if (!std::isfinite(x) || x < 0)
            throw invalid_input("frequency", invalid_input::no_row, "must be a finite number >= 0, got " + describe_value(x));
        const double pop = p.gamma * p.p / (p.q - 1);
        if (x == 0) return pop;
        if (!std::isfinite(mbar) || mbar <= 0)
            throw invalid_input("monetary_value", invalid_input::no_row,
                                "must be a finite number > 0 for a repeat customer, got " + describe_value(mbar));
        const double w = p.p * x / (p.p * x + p.q - 1);
        return (1 - w) * pop + w * mbar;
    }

    // Mean repeat spend of customers with the given frequencies (0 where frequency is 0).
    static std::vector<double> simulate(const Params& p, std::span<const double> frequency, std::uint64_t seed) {
        detail::require_positive_params(p.vector(), Params::names());
        std::mt19937_64 g(seed);
        std::vector<double> out(frequency.size(), 0.0);
        for (std::size_t i = 0; i < frequency.size(); ++i) {
            const double nu = std::gamma_distribution<double>(p.q, 1.0 / p.gamma)(g);
            const auto x = static_cast<std::int64_t>(frequency[i]);
            if (x <= 0) continue;
            std::gamma_distribution<double> z(p.p, 1.0 / nu);
            double s = 0;
            for (std::int64_t k = 0; k < x; ++k) s += z(g);
            out[i] = s / static_cast<double>(x);
        }
        return out;
    }

};

}  // namespace cxkit::clv

#pragma once
// CSV readers for the CLV doctests: the CDNOW summaries and the donations data shipped in the Python package.
// The directory is CXKIT_TEST_DATA_DIR when the build defines it, else found from this file's path.
#include <cstdint>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "cxkit/clv/rfm.hpp"

namespace clv_test {

inline std::string data_dir() {
#ifdef CXKIT_TEST_DATA_DIR
    return CXKIT_TEST_DATA_DIR;
#else
    std::string f = __FILE__;
    const auto slash = f.find_last_of('/');
    return (slash == std::string::npos ? std::string(".") : f.substr(0, slash)) + "/../../python/cxkit/datasets/data";
#endif
}

// Columns of a numeric CSV with a header line; CRLF and a missing final newline are fine.
inline std::vector<std::vector<double>> read_csv(const std::string& name) {
    std::ifstream in(data_dir() + "/" + name, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open " + data_dir() + "/" + name);
    std::vector<std::vector<double>> cols;
    std::string line;
    bool header = true;
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty()) continue;
        if (header) {
            header = false;
            continue;
        }
        std::stringstream ss(line);
        std::string cell;
        std::size_t c = 0;
        while (std::getline(ss, cell, ',')) {
            if (cols.size() <= c) cols.emplace_back();
            cols[c++].push_back(std::stod(cell));
        }
    }
    return cols;
}

// CDNOW calibration summary: x, t_x, T (weeks), 2,357 customers.
inline cxkit::clv::RfmData cdnow() {
    static const auto c = read_csv("cdnow_customers_summary.csv");
    return cxkit::clv::RfmData::from_customers(c[1], c[2], c[3]);
}

// Customers who never drop out, born uniformly over [0, T_end) (so their T is spread over (0, T_end]): purchase
// rates lambda ~ Gamma(r, 1/alpha), repeat purchases a Poisson process over each customer's whole T. Data with no
// drop-out signal: the Pareto/NBD fit runs to s -> 0 with alpha and beta far apart, where the 2F1 argument z is
// near 1 for the young customers (issue 12, "Pathological cost": 20,000 such customers took more than 100 s).
inline cxkit::clv::CustomerSummary no_dropout_customers(std::size_t n, double T_end, std::uint64_t seed,
                                                        double r = 0.8, double alpha = 4.0) {
    std::mt19937_64 g(seed);
    std::gamma_distribution<double> rate(r, 1.0 / alpha);
    std::uniform_real_distribution<double> birth(0.0, T_end);
    cxkit::clv::CustomerSummary s;
    for (std::size_t i = 0; i < n; ++i) {
        const double T = T_end - birth(g), lambda = rate(g);
        double t = 0, x = 0, t_x = 0;
        if (lambda > 0) {
            std::exponential_distribution<double> gap(lambda);
            while ((t += gap(g)) <= T) {
                x += 1;
                t_x = t;
            }
        }
        s.x.push_back(x);
        s.t_x.push_back(t_x);
        s.T.push_back(T);
    }
    return s;
}

}  // namespace clv_test

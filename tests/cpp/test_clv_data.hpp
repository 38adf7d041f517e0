#pragma once
// CSV readers for the CLV doctests: the CDNOW summaries and the donations data shipped in the Python package.
// The directory is CXKIT_TEST_DATA_DIR when the build defines it, else found from this file's path.
#include <fstream>
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

}  // namespace clv_test

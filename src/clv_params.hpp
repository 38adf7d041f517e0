// Model parameters from the Python side's list of values, validated (count and positivity) with the names of the
// model's parameters: shared by the CLV model bindings and the next-purchase timing bindings.
#pragma once

#include <Eigen/Core>

#include <string>
#include <vector>

#include "cxkit/clv/fit.hpp"
#include "cxkit/core/error.hpp"

template <class Params>
Params params_from(const std::vector<double>& v) {
    const auto names = Params::names();
    if (v.size() != names.size())
        throw cxkit::invalid_input("params", cxkit::invalid_input::no_row,
                                   "needs " + std::to_string(names.size()) + " values");
    Eigen::VectorXd e = Eigen::Map<const Eigen::VectorXd>(v.data(), static_cast<Eigen::Index>(v.size()));
    cxkit::clv::detail::require_positive_params(e, names);
    return Params::from(e);
}

#pragma once
// One copy of a result vector into a new numpy array (results are owned by C++ temporaries, so they are copied
// once on the way out rather than viewed).
#include <pybind11/numpy.h>

#include <vector>

namespace cxkit::bind {

template <class T>
pybind11::array_t<T> to_array(const std::vector<T>& v) {
    return pybind11::array_t<T>(static_cast<pybind11::ssize_t>(v.size()), v.data());
}

}  // namespace cxkit::bind

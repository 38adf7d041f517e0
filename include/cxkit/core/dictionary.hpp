#pragma once
// Dictionary encoding for categorical columns: each distinct string gets an int32 code in order of first
// appearance; code -1 means missing.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "cxkit/core/error.hpp"

namespace cxkit::core {

inline constexpr std::int32_t missing_code = -1;

class Dictionary {
public:
    Dictionary() = default;
    explicit Dictionary(std::vector<std::string> values) {
        for (auto& v : values) {
            if (!index_.emplace(v, static_cast<std::int32_t>(values_.size())).second)
                throw invalid_input("dictionary", invalid_input::no_row, "duplicate category '" + v + "'");
            values_.push_back(std::move(v));
        }
    }

    // Code of `value`, adding it when new.
    std::int32_t encode(std::string_view value) {
        auto it = index_.find(std::string(value));
        if (it != index_.end()) return it->second;
        const auto code = static_cast<std::int32_t>(values_.size());
        values_.emplace_back(value);
        index_.emplace(values_.back(), code);
        return code;
    }
    std::optional<std::int32_t> find(std::string_view value) const {
        auto it = index_.find(std::string(value));
        if (it == index_.end()) return std::nullopt;
        return it->second;
    }
    const std::string& operator[](std::int32_t code) const { return values_.at(static_cast<std::size_t>(code)); }
    std::size_t size() const noexcept { return values_.size(); }
    const std::vector<std::string>& values() const noexcept { return values_; }

private:
    std::vector<std::string> values_;
    std::unordered_map<std::string, std::int32_t> index_;
};

}  // namespace cxkit::core

namespace cxkit {
using core::Dictionary;  // transitional: core types are also reachable as cxkit::Name
using core::missing_code;
}  // namespace cxkit

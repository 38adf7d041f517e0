#pragma once
// cxkit::invalid_input: the one exception for bad input. It names the column, the row (0-based, or the CSV
// line) and the rule broken, so a user can find and fix the offending value. Mapped to Python ValueError.
#include <cstdint>
#include <stdexcept>
#include <string>

namespace cxkit::core {

class invalid_input : public std::invalid_argument {
public:
    static constexpr std::int64_t no_row = -1;

    invalid_input(std::string column, std::int64_t row, std::string rule)
        : std::invalid_argument(format(column, row, rule)),
          column_(std::move(column)), row_(row), rule_(std::move(rule)) {}

    explicit invalid_input(const std::string& message)
        : std::invalid_argument(message), row_(no_row), rule_(message) {}

    const std::string& column() const noexcept { return column_; }
    std::int64_t row() const noexcept { return row_; }
    const std::string& rule() const noexcept { return rule_; }

private:
    static std::string format(const std::string& column, std::int64_t row, const std::string& rule) {
        std::string s;
        if (!column.empty()) s += "column '" + column + "'";
        if (row != no_row) s += (s.empty() ? "row " : ", row ") + std::to_string(row);
        if (!s.empty()) s += ": ";
        return s + rule;
    }
    std::string column_;
    std::int64_t row_;
    std::string rule_;
};

}  // namespace cxkit::core

namespace cxkit {
// Used by every area: reachable as cxkit::invalid_input too.
using core::invalid_input;
}  // namespace cxkit

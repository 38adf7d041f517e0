#pragma once
// Small-cell suppression for published tables: a cell describing fewer than k distinct customers is hidden
// (primary suppression), and more cells are hidden (complementary suppression) until no hidden cell can be
// recovered from its row or column total and the cells still shown.
//
// The grid is rows x cols of distinct-customer counts (row-major); 0 is an empty cell (nothing to hide, and it
// is not a cell anyone is described by). The rule: in every row and every column, the hidden non-empty cells
// are either none or at least two; when a line has exactly one, its smallest shown non-empty cell is hidden too,
// and this repeats until no line has exactly one (each round hides at least one cell, so it ends). A line whose
// only non-empty cell is hidden cannot be protected by its cells: its total must be hidden (row_total_hidden /
// col_total_hidden say which). This is the usual heuristic of statistical offices for one-dimensional
// margins (not the optimal, least-information-loss pattern, which is an integer programme); no library of ours
// does it, hence hand-written.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#include "cxkit/core/error.hpp"

namespace cxkit::privacy {

struct SmallCellSuppression {
    std::vector<std::uint8_t> hidden;            // rows x cols, row-major: 1 = do not show this cell
    std::vector<std::uint8_t> row_total_hidden;  // 1 = this row's total would reveal a hidden cell
    std::vector<std::uint8_t> col_total_hidden;
    std::size_t primary = 0;        // cells under k
    std::size_t complementary = 0;  // cells hidden to protect them
};

inline SmallCellSuppression suppress_small_cells(std::span<const std::uint64_t> customers, std::size_t rows,
                                                 std::size_t cols, std::uint64_t k) {
    if (rows != 0 && cols > std::numeric_limits<std::size_t>::max() / rows)
        throw core::invalid_input("customers", core::invalid_input::no_row, "rows x cols overflows");
    if (customers.size() != rows * cols)
        throw core::invalid_input("customers", core::invalid_input::no_row, "must hold rows x cols counts");
    SmallCellSuppression s;
    s.hidden.assign(customers.size(), 0);
    s.row_total_hidden.assign(rows, 0);
    s.col_total_hidden.assign(cols, 0);
    for (std::size_t i = 0; i < customers.size(); ++i)
        if (customers[i] > 0 && customers[i] < k) {
            s.hidden[i] = 1;
            ++s.primary;
        }
    if (s.primary == 0) return s;
    // One line (a row or a column): its cells are at first + j * stride, j < n.
    auto protect_line = [&](std::size_t first, std::size_t stride, std::size_t n, std::uint8_t& total_hidden) {
        std::size_t hidden = 0, smallest = n;
        for (std::size_t j = 0; j < n; ++j) {
            const std::size_t i = first + j * stride;
            if (customers[i] == 0) continue;
            if (s.hidden[i]) ++hidden;
            else if (smallest == n || customers[i] < customers[first + smallest * stride]) smallest = j;
        }
        if (hidden != 1) return false;
        if (smallest == n) {  // nothing left to hide beside it: the total must go
            total_hidden = 1;
            return false;
        }
        s.hidden[first + smallest * stride] = 1;
        ++s.complementary;
        return true;
    };
    for (bool changed = true; changed;) {
        changed = false;
        for (std::size_t r = 0; r < rows; ++r) changed |= protect_line(r * cols, 1, cols, s.row_total_hidden[r]);
        for (std::size_t c = 0; c < cols; ++c) changed |= protect_line(c, cols, rows, s.col_total_hidden[c]);
    }
    return s;
}

}  // namespace cxkit::privacy

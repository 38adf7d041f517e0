// Small-cell suppression: every cell under k is hidden, and no row or column is left with exactly one hidden
// cell (which its total would reveal) unless that line's total is marked hidden.
#include <doctest/doctest.h>

#include <cstdint>
#include <random>
#include <vector>

#include "cxkit/privacy/small_cells.hpp"

using namespace cxkit::privacy;

TEST_CASE("a small cell and its complement") {
    // rows: channels; cols: months. The 3 in row 0 is under k = 5; its row and column each need a second cell.
    const std::vector<std::uint64_t> c{3, 40, 12,
                                       30, 50, 60,
                                       25, 0, 9};
    const SmallCellSuppression s = suppress_small_cells(c, 3, 3, 5);
    CHECK(s.primary == 1);
    CHECK(s.hidden == std::vector<std::uint8_t>{1, 0, 1,
                                                0, 0, 0,
                                                1, 0, 1});
    CHECK(s.complementary == 3);
    CHECK(s.row_total_hidden == std::vector<std::uint8_t>{0, 0, 0});
    CHECK(s.col_total_hidden == std::vector<std::uint8_t>{0, 0, 0});
}

TEST_CASE("nothing under k: nothing hidden; a lone cell hides its total") {
    const std::vector<std::uint64_t> c{10, 20, 0, 30};
    const SmallCellSuppression none = suppress_small_cells(c, 2, 2, 10);
    CHECK(none.primary + none.complementary == 0);
    const std::vector<std::uint64_t> one{2};
    const SmallCellSuppression lone = suppress_small_cells(one, 1, 1, 5);
    CHECK(lone.hidden == std::vector<std::uint8_t>{1});
    CHECK(lone.row_total_hidden[0] == 1);
    CHECK(lone.col_total_hidden[0] == 1);
    CHECK_THROWS_AS(suppress_small_cells(one, 2, 2, 5), cxkit::invalid_input);
}

TEST_CASE("on random grids every line is protected") {
    std::mt19937_64 g(7);
    for (int trial = 0; trial < 300; ++trial) {
        const std::size_t rows = 1 + g() % 9, cols = 1 + g() % 9;
        std::vector<std::uint64_t> c(rows * cols);
        for (auto& x : c) x = g() % 4 == 0 ? 0 : g() % 30;
        const std::uint64_t k = 1 + g() % 10;
        const SmallCellSuppression s = suppress_small_cells(c, rows, cols, k);
        std::size_t hidden = 0;
        for (std::size_t i = 0; i < c.size(); ++i) {
            if (c[i] > 0 && c[i] < k) CHECK(s.hidden[i] == 1);
            if (c[i] == 0) CHECK(s.hidden[i] == 0);
            hidden += s.hidden[i];
        }
        CHECK(hidden == s.primary + s.complementary);
        for (std::size_t r = 0; r < rows; ++r) {
            std::size_t h = 0;
            for (std::size_t j = 0; j < cols; ++j) h += s.hidden[r * cols + j];
            CHECK((h != 1 || s.row_total_hidden[r] == 1));
        }
        for (std::size_t j = 0; j < cols; ++j) {
            std::size_t h = 0;
            for (std::size_t r = 0; r < rows; ++r) h += s.hidden[r * cols + j];
            CHECK((h != 1 || s.col_total_hidden[j] == 1));
        }
    }
}

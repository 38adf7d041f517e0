#pragma once
// The pieces a scorecard KPI descriptor is made of (kpi_registry.hpp says what a descriptor declares and assembles
// the registered ones): the scorecard options, table columns, the cell core every KPI may read, the fill readers
// over the log's columns and the checks a fill applies to every value it uses.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "cxkit/core/error.hpp"
#include "cxkit/core/event_log.hpp"
#include "cxkit/core/rules.hpp"
#include "cxkit/core/segmentation.hpp"
#include "cxkit/core/serialize.hpp"
#include "cxkit/core/time.hpp"
#include "cxkit/metrics/customer_set.hpp"

namespace cxkit::metrics {

struct ScorecardOptions {
    std::vector<std::string> by;              // categorical event columns to group by
    const Segmentation* segment = nullptr;    // group by customer segment too (after the columns)
    Period period = Period::none;             // one row per period when set
    // Retention and churn need periods; with period == none they are pooled over these periods.
    Period retention_period = Period::month;
    std::string complaint_kind = "complaint";  // the `kind` value that marks a complaint
    unsigned threads = 0;                      // 0: all hardware threads
};

// A scorecard table column. `count` columns hold whole numbers (shown as integers); `periods_only` ones are
// meaningful only when the table has periods.
struct ScorecardColumn {
    const char* name;
    bool count;
    bool periods_only;
};

// What every scorecard cell has whatever its KPIs, and what a KPI may read besides its own state: the cell's
// events, its revenue (the `value` measure) and its distinct customers.
struct CellCore {
    std::uint64_t events = 0;
    double revenue = 0;
    CustomerSet customers;
};

// The table options a KPI's cells depend on.
struct KpiReadOptions {
    double confidence = 0.95;
    std::uint64_t min_change_n = 30;  // see ScorecardTableOptions::min_change_n
};

namespace detail {

inline constexpr double inf = std::numeric_limits<double>::infinity();

inline bool whole_in(double v, double lo, double hi) noexcept {
    return std::isnan(v) || (v >= lo && v <= hi && std::floor(v) == v);
}

[[noreturn]] inline void measure_changed(double v, const char* column, const char* rule, std::size_t row) {
    throw invalid_input(column, static_cast<std::int64_t>(row),
                        std::string(rule) + ", got " + describe_value(v) +
                            " (row of the log sorted by customer and time; the column changed after the log "
                            "validated it)");
}

// v itself when finite (or infinite bounds allow it) within [lo, hi] and, for scores, whole; as the table slot
// static_cast<size_t>(v) for scores. Throws invalid_input (naming the column's rule) otherwise. The range test
// comes first, so the cast only ever sees a value that fits. The log validated every value on the way in, but a
// log built on a view of caller memory may see it change afterwards (issue 12).
inline std::size_t checked_measure(double v, double lo, double hi, bool whole, const char* column, const char* rule,
                                   std::size_t row) {
    if (!(v >= lo && v <= hi) || !std::isfinite(v)) [[unlikely]]
        measure_changed(v, column, rule, row);
    if (!whole) return 0;
    const auto slot = static_cast<std::size_t>(v);
    if (static_cast<double>(slot) != v) [[unlikely]]
        measure_changed(v, column, rule, row);
    return slot;
}

// Positions j < n where x[j] is present (not NaN), written to idx without a branch; returns how many. Measures
// are sparse (each event carries one or two of them), so the per-cell updates then touch only those events.
inline std::size_t present_positions(const double* __restrict x, std::size_t n, std::uint32_t* __restrict idx) noexcept {
    std::size_t k = 0;
    for (std::size_t j = 0; j < n; ++j) {
        idx[k] = static_cast<std::uint32_t>(j);
        k += x[j] == x[j];
    }
    return k;
}

// One measure column of the log read chunk by chunk (rows ascending from first_row): calls f(cell id, value, row)
// for each row of the chunk that carries a value, found from the log's sparse index when it has one.
class MeasureReader {
public:
    MeasureReader(const EventLog& log, const char* name, std::size_t first_row) {
        if (auto* m = log.measure(name)) col_ = m->data();
        if (auto* rows = log.present_rows(name)) {
            next_ = std::lower_bound(rows->data(), rows->data() + rows->size(), static_cast<std::uint32_t>(first_row));
            end_ = rows->data() + rows->size();
        }
    }
    // cell: the chunk's cell ids (relative to b0); at: scratch of b1 - b0 positions.
    template <class F>
    void each(const std::uint32_t* cell, std::size_t b0, std::size_t b1, std::uint32_t* at, F&& f) {
        if (!col_) return;
        std::size_t k = 0;
        if (!next_) {
            k = present_positions(col_ + b0, b1 - b0, at);
        } else {
            while (next_ != end_ && *next_ < b1) at[k++] = *next_++ - static_cast<std::uint32_t>(b0);
        }
        const double* x = col_ + b0;
        for (std::size_t t = 0; t < k; ++t) f(cell[at[t]], x[at[t]], b0 + at[t]);
    }

private:
    const double* col_ = nullptr;
    const std::uint32_t* next_ = nullptr;  // cursor into the sparse index (nullptr: the column is dense)
    const std::uint32_t* end_ = nullptr;
};

// The byte format of a state made of plain numbers (and arrays of them): header(tag, 1), then each field.
template <class T>
void put_field(ByteWriter& w, const T& v) {
    if constexpr (requires { v.size(); }) {
        for (const auto& x : v) w.put(x);
    } else {
        w.put(v);
    }
}
template <class T>
void get_field(ByteReader& r, T& v) {
    if constexpr (requires { v.size(); }) {
        for (auto& x : v) x = r.get<std::remove_cvref_t<decltype(x)>>();
    } else {
        v = r.get<T>();
    }
}
template <class... T>
std::string serialize_fields(const char* tag, const T&... fields) {
    ByteWriter w;
    w.header(tag, 1);
    (put_field(w, fields), ...);
    return std::move(w).bytes();
}
// Reads what serialize_fields wrote, to the last byte; the caller then checks the state's invariants.
template <class... T>
void deserialize_fields(std::string_view bytes, const char* tag, T&... fields) {
    ByteReader r(bytes);
    r.header(tag, 1);
    (get_field(r, fields), ...);
    r.expect_done();
}

// Writes a KPI's table cells: out[0] = v0, out[1] = v1, ... (counts converted to double).
template <class... V>
void put_cells(double* out, V... v) noexcept {
    std::size_t i = 0;
    ((out[i++] = static_cast<double>(v)), ...);
}

// A KPI state loaded from bytes keeps "every answer is one event of the cell".
inline void check_at_most(std::uint64_t n, std::uint64_t events, const char* what) {
    if (n > events) ByteReader::fail(std::string("KpiState has more ") + what + " than events");
}

}  // namespace detail

// Base of a KPI filled from one measure column K::measure: the fill calls K::add(acc, value, row) for every event
// of the cell that carries a value (NaN is missing and never passed).
template <class K>
struct measure_kpi {
    struct reader {
        detail::MeasureReader in;
        reader(const EventLog& log, const ScorecardOptions&, std::size_t first_row) : in(log, K::measure, first_row) {}
        template <class Acc>
        void chunk(Acc* acc, const std::uint32_t* cell, std::size_t b0, std::size_t b1, std::uint32_t* scratch) {
            in.each(cell, b0, b1, scratch, [acc](std::uint32_t id, double v, std::size_t row) { K::add(acc[id], v, row); });
        }
    };
};

}  // namespace cxkit::metrics

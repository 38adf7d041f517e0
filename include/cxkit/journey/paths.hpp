#pragma once
// Paths: customer journeys as sequences of states (channels, touchpoints or stages), stored compactly as
// offsets + int32 codes, one row per distinct path with its conversions, non-conversions ("nulls") and value,
// the shape ChannelAttribution and most attribution tools take ("a > b > c", conversions, nulls, value).
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <limits>
#include <unordered_map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cxkit/core/dictionary.hpp"
#include "cxkit/core/error.hpp"
#include "cxkit/core/event_log.hpp"
#include "cxkit/core/parallel.hpp"

namespace cxkit::journey {

// Names the absorbing and start states use; a channel may not be called any of these.
inline bool is_reserved_state(std::string_view s) {
    return s == "(start)" || s == "(conversion)" || s == "(null)";
}

namespace detail {
// FNV-1a over the codes of a path, for merging identical paths in a hash map.
struct CodesHash {
    std::size_t operator()(const std::vector<std::int32_t>& v) const noexcept {
        std::uint64_t h = 14695981039346656037ull;
        for (auto c : v) {
            h ^= static_cast<std::uint32_t>(c);
            h *= 1099511628211ull;
        }
        return static_cast<std::size_t>(h);
    }
};
}  // namespace detail

struct Paths {
    std::vector<std::string> states;       // code -> name
    std::vector<std::uint64_t> offsets{0};  // path i is codes[offsets[i] .. offsets[i+1])
    std::vector<std::int32_t> codes;
    std::vector<double> conversions, nulls, value;

    // Journeys: kept when the paths come from a log (empty otherwise). One per customer (or per session) with a
    // path: its customer code in the log, the row of its path, the time of each step (journey j's steps are
    // step_time[journey_offsets[j] .. journey_offsets[j+1]), aligned with its row's codes), when it converted
    // (no_time: it did not) and its value. They let time-aware measures (time decay, times between steps) and
    // splits by customer segment work next to the merged rows.
    static constexpr std::int64_t no_time = std::numeric_limits<std::int64_t>::min();
    std::vector<std::int32_t> journey_customer;
    std::vector<std::uint32_t> journey_row;
    std::vector<std::uint64_t> journey_offsets{0};
    std::vector<std::int64_t> step_time, conversion_time;
    std::vector<double> journey_value;

    std::size_t size() const noexcept { return conversions.size(); }
    std::size_t n_journeys() const noexcept { return journey_row.size(); }
    bool has_times() const noexcept { return !journey_row.empty(); }
    std::size_t length(std::size_t i) const noexcept { return offsets[i + 1] - offsets[i]; }
    const std::int32_t* begin(std::size_t i) const noexcept { return codes.data() + offsets[i]; }
    const std::int32_t* end(std::size_t i) const noexcept { return codes.data() + offsets[i + 1]; }
    double total_conversions() const {
        double s = 0;
        for (double c : conversions) s += c;
        return s;
    }
    double total_value() const {
        double s = 0;
        for (double v : value) s += v;
        return s;
    }

    // Refuses counts or values whose totals overflow a double (each row finite, the sum not): every credit and
    // transition count is at most such a total times a path's length, so the attribution stays finite.
    void check_totals() const {
        double counts = 0, magnitude = 0;
        for (std::size_t i = 0; i < size(); ++i) {
            counts += conversions[i] + nulls[i];
            magnitude += std::fabs(value[i]);
        }
        double longest = 1;
        for (std::size_t i = 0; i < size(); ++i) longest = std::max(longest, static_cast<double>(length(i)));
        if (!std::isfinite(counts * longest))
            throw invalid_input("conversions", invalid_input::no_row,
                                "conversions and nulls add up to more than a double holds (times the longest path)");
        if (!std::isfinite(magnitude * longest))
            throw invalid_input("value", invalid_input::no_row, "values add up to more than a double holds");
    }

    // Adds one path row, validating it.
    void add(const std::vector<std::int32_t>& path, double conv, double null, double val = 0.0) {
        const auto row = static_cast<std::int64_t>(size());
        if (path.empty()) throw invalid_input("path", row, "a path needs at least one state");
        if (!(conv >= 0) || !(null >= 0) || !std::isfinite(conv) || !std::isfinite(null))
            throw invalid_input(conv >= 0 && std::isfinite(conv) ? "nulls" : "conversions", row,
                                "counts must be finite and >= 0");
        if (!std::isfinite(val)) throw invalid_input("value", row, "must be finite");
        for (auto c : path)
            if (c < 0 || static_cast<std::size_t>(c) >= states.size())
                throw invalid_input("path", row, "state code out of range");
        codes.insert(codes.end(), path.begin(), path.end());
        offsets.push_back(codes.size());
        conversions.push_back(conv);
        nulls.push_back(null);
        value.push_back(val);
    }

    // Paths from strings "a > b > c" (ChannelAttribution's format), splitting on `sep` and trimming spaces.
    static Paths from_strings(const std::vector<std::string>& paths, const std::vector<double>& conversions,
                              const std::vector<double>& nulls, const std::vector<double>& value = {},
                              std::string_view sep = ">") {
        const std::vector<std::string_view> views(paths.begin(), paths.end());
        return from_string_views(views, conversions, nulls, value, sep);
    }
    // The same from views (e.g. into the UTF-8 buffers of Python strings, without copying them). Large inputs
    // are parsed in two halves on two threads, each with its own dictionary; the second half's codes are then
    // renumbered into the first's, which gives exactly the codes (order of first appearance) of one pass.
    static Paths from_string_views(const std::vector<std::string_view>& paths, const std::vector<double>& conversions,
                                   const std::vector<double>& nulls, const std::vector<double>& value = {},
                                   std::string_view sep = ">") {
        if (sep.empty()) throw invalid_input("sep", invalid_input::no_row, "separator must not be empty");
        if (conversions.size() != paths.size() || nulls.size() != paths.size() ||
            (!value.empty() && value.size() != paths.size()))
            throw invalid_input("conversions", invalid_input::no_row, "paths, conversions, nulls and value differ in length");
        for (std::size_t i = 0; i < paths.size(); ++i) {
            const double c = conversions[i], n = nulls[i];
            if (!(c >= 0) || !(n >= 0) || !std::isfinite(c) || !std::isfinite(n))
                throw invalid_input(c >= 0 && std::isfinite(c) ? "nulls" : "conversions", static_cast<std::int64_t>(i),
                                    "counts must be finite and >= 0");
            if (!value.empty() && !std::isfinite(value[i]))
                throw invalid_input("value", static_cast<std::int64_t>(i), "must be finite");
        }
        struct Part {
            std::deque<std::string> names;  // stable storage for the dictionary's keys
            std::unordered_map<std::string_view, std::int32_t> code_of;
            std::vector<std::int32_t> codes;
            std::vector<std::uint64_t> ends;  // end of each path in `codes`
            std::exception_ptr error;
            // A direct-mapped cache in front of code_of: paths repeat a few names millions of times, and a
            // cheap hash of (length, first, middle, last byte) plus one compare beats std::hash and the table's
            // prime modulo (the parse's largest cost). A miss or a collision just asks code_of.
            struct Slot {
                std::string_view name;
                std::int32_t code = -1;
            };
            std::array<Slot, 256> cache{};
        };
        auto parse = [&](std::size_t i0, std::size_t i1, Part& part) {
            try {
                part.codes.reserve((i1 - i0) * 3);
                part.ends.reserve(i1 - i0);
                for (std::size_t i = i0; i < i1; ++i) {
                    if ((i & 4095) == 0) core::check_interrupt();  // a no-op off the calling thread
                    const std::string_view s = paths[i];
                    std::size_t start = 0;
                    while (start <= s.size()) {
                        std::size_t pos = sep.size() == 1 ? s.find(sep[0], start) : s.find(sep, start);
                        if (pos == std::string_view::npos) pos = s.size();
                        std::string_view tok = s.substr(start, pos - start);
                        while (!tok.empty() && (tok.front() == ' ' || tok.front() == '\t')) tok.remove_prefix(1);
                        while (!tok.empty() && (tok.back() == ' ' || tok.back() == '\t')) tok.remove_suffix(1);
                        if (tok.empty())
                            throw invalid_input("path", static_cast<std::int64_t>(i),
                                                "empty state in '" + std::string(s) + "' (separator is '" + std::string(sep) + "')");
                        const auto u = [&](std::size_t at) { return static_cast<std::size_t>(static_cast<unsigned char>(tok[at])); };
                        auto& slot = part.cache[(tok.size() * 31 + u(0) * 7 + u(tok.size() / 2) * 17 + u(tok.size() - 1) * 131) & 255];
                        if (slot.code >= 0 && slot.name == tok) {
                            part.codes.push_back(slot.code);
                            start = pos + sep.size();
                            continue;
                        }
                        auto it = part.code_of.find(tok);
                        std::int32_t code;
                        if (it != part.code_of.end()) {
                            code = it->second;
                            slot = {it->first, code};
                        } else {
                            if (is_reserved_state(tok))  // checked once per distinct name, not per token
                                throw invalid_input("path", static_cast<std::int64_t>(i),
                                                    "'" + std::string(tok) + "' is a reserved state name");
                            part.names.emplace_back(tok);
                            code = static_cast<std::int32_t>(part.names.size() - 1);
                            part.code_of.emplace(part.names.back(), code);
                            slot = {part.names.back(), code};
                        }
                        part.codes.push_back(code);
                        start = pos + sep.size();
                    }
                    part.ends.push_back(part.codes.size());
                }
            } catch (...) {
                part.error = std::current_exception();
            }
        };
        const std::size_t n = paths.size(), half = n >= 200'000 ? n / 2 : n;  // the split never depends on threads
        Part a, b;
        if (half < n)
            core::parallel_invoke(0, [&] { parse(0, half, a); }, [&] { parse(half, n, b); });
        else
            parse(0, n, a);
        if (a.error) std::rethrow_exception(a.error);  // the earlier row's error first, as one pass would
        if (b.error) std::rethrow_exception(b.error);
        Paths p;
        for (auto& name : a.names) p.states.push_back(name);
        std::vector<std::int32_t> remap(b.names.size());
        for (std::size_t j = 0; j < b.names.size(); ++j) {
            auto it = a.code_of.find(b.names[j]);
            if (it != a.code_of.end()) {
                remap[j] = it->second;
            } else {
                remap[j] = static_cast<std::int32_t>(p.states.size());
                p.states.push_back(b.names[j]);
            }
        }
        p.codes = std::move(a.codes);
        const std::size_t base = p.codes.size();
        p.codes.reserve(base + b.codes.size());
        for (auto c : b.codes) p.codes.push_back(remap[static_cast<std::size_t>(c)]);
        p.offsets.reserve(n + 1);
        for (auto e : a.ends) p.offsets.push_back(e);
        for (auto e : b.ends) p.offsets.push_back(base + e);
        p.conversions = conversions;
        p.nulls = nulls;
        p.value = value.empty() ? std::vector<double>(n, 0.0) : value;
        p.check_totals();
        return p;
    }

    // One path per customer of a log: the states (a categorical column) of the customer's events in time order,
    // up to and including the first conversion event (an event whose `kind` is `conversion_kind`, not itself a
    // state of the path); customers who never convert give a null path of all their events. Rows with a missing
    // state are skipped. Identical paths are merged into one row with summed counts and value.
    //
    // With a `session_gap` (ns, > 0), one path per session instead: a customer's events (every row, with a state
    // or not, conversions included) are cut wherever the time from one event to the next is MORE than the gap (a
    // gap exactly equal to it stays in the session, as in the usual pandas `diff() > gap` sessionisation). Each
    // session is then a journey as above: up to its first conversion (the rest of that session is dropped), a
    // null path otherwise; the next session starts fresh and may convert again. Sessions without a state (e.g. a
    // lone purchase) give no path. no_session_gap (the default) never cuts: one journey per customer.
    static constexpr std::int64_t no_session_gap = std::numeric_limits<std::int64_t>::max();
    static Paths from_log(const EventLog& log, const std::string& column, const std::string& conversion_kind = "purchase",
                          bool collapse_repeats = false, std::int64_t session_gap = no_session_gap) {
        if (session_gap <= 0)
            throw invalid_input("session_gap", invalid_input::no_row,
                                "must be a positive duration (ns), got " + std::to_string(session_gap));
        const Categorical* cat = log.categorical(column);
        if (!cat) throw invalid_input(column, invalid_input::no_row, "no such categorical column for paths");
        for (auto& s : cat->categories)
            if (is_reserved_state(s)) throw invalid_input(column, invalid_input::no_row, "'" + s + "' is a reserved state name");
        std::int32_t conv_code = -2;
        const Categorical* kind = log.categorical("kind");
        if (kind)
            for (std::size_t i = 0; i < kind->categories.size(); ++i)
                if (kind->categories[i] == conversion_kind) conv_code = static_cast<std::int32_t>(i);
        const double* value = log.measure("value") ? log.measure("value")->data() : nullptr;
        const std::int64_t* time = log.time().data();
        const bool sessions = session_gap != no_session_gap;
        // Times are sorted within a customer, so the unsigned difference is exact even across the whole int64 range.
        const auto gap = static_cast<std::uint64_t>(session_gap);
        std::unordered_map<std::vector<std::int32_t>, std::size_t, detail::CodesHash> index;
        Paths p;
        p.states = cat->categories;
        const auto& off = log.customer_offsets();
        std::vector<std::int32_t> path;
        std::vector<std::int64_t> times;
        bool converted = false;
        std::int64_t when = no_time;
        double val = 0;
        auto finish = [&](std::size_t c) {  // the journey gathered so far, if it has a step; then a fresh one
            if (!path.empty()) {  // empty: converted before any touch, or no touches
                auto [it, added] = index.try_emplace(path, p.size());
                if (added) p.add(path, 0, 0, 0);
                const std::size_t r = it->second;
                (converted ? p.conversions[r] : p.nulls[r]) += 1;
                p.value[r] += val;
                p.journey_customer.push_back(static_cast<std::int32_t>(c));
                p.journey_row.push_back(static_cast<std::uint32_t>(r));
                p.step_time.insert(p.step_time.end(), times.begin(), times.end());
                p.journey_offsets.push_back(p.step_time.size());
                p.conversion_time.push_back(when);
                p.journey_value.push_back(val);
            }
            path.clear();
            times.clear();
            converted = false;
            when = no_time;
            val = 0;
        };
        for (std::size_t c = 0; c + 1 < off.size(); ++c) {
            if ((c & 1023) == 0) core::check_interrupt();  // Ctrl-C from Python (see core/parallel.hpp)
            const auto first = static_cast<std::size_t>(off[c]), last = static_cast<std::size_t>(off[c + 1]);
            for (std::size_t i = first; i < last; ++i) {
                if (sessions && i > first &&
                    static_cast<std::uint64_t>(time[i]) - static_cast<std::uint64_t>(time[i - 1]) > gap)
                    finish(c);
                if (converted) {
                    if (!sessions) break;  // one journey per customer: nothing after its first conversion counts
                    continue;              // skip to the next session
                }
                if (kind && kind->codes[i] == conv_code) {
                    converted = true;
                    when = time[i];
                    if (value && !std::isnan(value[i])) val = value[i];
                    continue;
                }
                const std::int32_t s = cat->codes[i];
                if (s < 0) continue;
                if (collapse_repeats && !path.empty() && path.back() == s) continue;  // a run keeps its first time
                path.push_back(s);
                times.push_back(time[i]);
            }
            finish(c);
        }
        p.check_totals();
        return p;
    }

    // The paths of the journeys with keep[j] (or, for paths without journeys, of the rows with keep[i]): rows
    // re-merged and re-counted, journeys carried along. Splits by customer segment use it.
    Paths select(const std::vector<char>& keep) const {
        Paths out;
        out.states = states;
        if (!has_times()) {
            if (keep.size() != size()) throw invalid_input("by", invalid_input::no_row, "needs one label per path row");
            for (std::size_t i = 0; i < size(); ++i)
                if (keep[i]) out.add(std::vector<std::int32_t>(begin(i), end(i)), conversions[i], nulls[i], value[i]);
            return out;
        }
        if (keep.size() != n_journeys()) throw invalid_input("by", invalid_input::no_row, "needs one label per journey");
        std::vector<std::int64_t> new_row(size(), -1);
        for (std::size_t j = 0; j < n_journeys(); ++j) {
            if (!keep[j]) continue;
            const std::size_t r = journey_row[j];
            if (new_row[r] < 0) {
                new_row[r] = static_cast<std::int64_t>(out.size());
                out.add(std::vector<std::int32_t>(begin(r), end(r)), 0, 0, 0);
            }
            const auto nr = static_cast<std::size_t>(new_row[r]);
            (conversion_time[j] != no_time ? out.conversions[nr] : out.nulls[nr]) += 1;
            out.value[nr] += journey_value[j];
            out.journey_customer.push_back(journey_customer[j]);
            out.journey_row.push_back(static_cast<std::uint32_t>(nr));
            out.step_time.insert(out.step_time.end(), step_time.begin() + static_cast<std::ptrdiff_t>(journey_offsets[j]),
                                 step_time.begin() + static_cast<std::ptrdiff_t>(journey_offsets[j + 1]));
            out.journey_offsets.push_back(out.step_time.size());
            out.conversion_time.push_back(conversion_time[j]);
            out.journey_value.push_back(journey_value[j]);
        }
        return out;
    }

    // The same paths with consecutive repeats of a state collapsed (a > a > b -> a > b), rows merged.
    Paths collapsed() const {
        Paths out;
        out.states = states;
        std::unordered_map<std::vector<std::int32_t>, std::size_t, detail::CodesHash> index;
        std::vector<std::uint32_t> row_of(size());
        std::vector<std::int32_t> buf;
        for (std::size_t i = 0; i < size(); ++i) {
            buf.clear();
            for (auto* s = begin(i); s != end(i); ++s)
                if (buf.empty() || buf.back() != *s) buf.push_back(*s);
            auto [it, added] = index.try_emplace(buf, out.size());
            if (added) out.add(buf, 0, 0, 0);
            row_of[i] = static_cast<std::uint32_t>(it->second);
            out.conversions[it->second] += conversions[i];
            out.nulls[it->second] += nulls[i];
            out.value[it->second] += value[i];
        }
        // Journeys follow their rows; a run of repeats keeps the time of its first step.
        for (std::size_t j = 0; j < n_journeys(); ++j) {
            const std::size_t r = journey_row[j];
            const std::int32_t* s = begin(r);
            for (std::size_t q = 0; q < length(r); ++q)
                if (q == 0 || s[q] != s[q - 1]) out.step_time.push_back(step_time[journey_offsets[j] + q]);
            out.journey_offsets.push_back(out.step_time.size());
            out.journey_row.push_back(row_of[r]);
        }
        out.journey_customer = journey_customer;
        out.conversion_time = conversion_time;
        out.journey_value = journey_value;
        return out;
    }

    std::string to_string(std::size_t i, std::string_view sep = " > ") const {
        std::string s;
        for (auto* c = begin(i); c != end(i); ++c) {
            if (c != begin(i)) s += sep;
            s += states[static_cast<std::size_t>(*c)];
        }
        return s;
    }
};

}  // namespace cxkit::journey

#pragma once
// Redaction of personal data from free text before it is stored, scored or shown: e-mail addresses, phone
// numbers, payment-card numbers (Luhn-checked) and, when given, the customer's own names. Each is replaced by a
// marker ("[email]", "[phone]", "[card]", "[name]") and counted.
// Hand-written scanners, not a regex engine: no library among ours finds these (a card needs its Luhn check, a
// name needs whole-word, case-insensitive matching against the row's own names), and one pass over the bytes is
// what makes redacting a million tickets cheap. The rules are ASCII; bytes of other scripts count as letters, so
// a match never ends inside a multi-byte UTF-8 character.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cxkit::privacy {

struct RedactionCounts {
    std::uint64_t emails = 0;
    std::uint64_t phones = 0;
    std::uint64_t cards = 0;
    std::uint64_t names = 0;

    std::uint64_t total() const noexcept { return emails + phones + cards + names; }
    RedactionCounts& operator+=(const RedactionCounts& o) noexcept {
        emails += o.emails;
        phones += o.phones;
        cards += o.cards;
        names += o.names;
        return *this;
    }
    friend bool operator==(const RedactionCounts&, const RedactionCounts&) = default;
};

namespace detail {

inline bool is_digit(unsigned char c) noexcept { return c >= '0' && c <= '9'; }
inline bool is_alpha(unsigned char c) noexcept { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }
// Part of a word for boundary purposes: ASCII letters and digits, and every non-ASCII byte.
inline bool is_word(unsigned char c) noexcept { return is_digit(c) || is_alpha(c) || c >= 0x80 || c == '_'; }
inline bool is_email_local(unsigned char c) noexcept {
    return is_digit(c) || is_alpha(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}
inline bool is_email_domain(unsigned char c) noexcept { return is_digit(c) || is_alpha(c) || c == '.' || c == '-'; }
inline unsigned char lower(unsigned char c) noexcept { return c >= 'A' && c <= 'Z' ? c | 0x20 : c; }

// The end of an e-mail address whose '@' is at `at`, or 0 when there is none; `begin` receives its start.
inline std::size_t email_at(std::string_view s, std::size_t at, std::size_t& begin) noexcept {
    std::size_t b = at;
    while (b > 0 && is_email_local(static_cast<unsigned char>(s[b - 1]))) --b;
    while (b < at && s[b] == '.') ++b;  // a local part does not start with a dot
    if (b == at) return 0;
    std::size_t e = at + 1;
    while (e < s.size() && is_email_domain(static_cast<unsigned char>(s[e]))) ++e;
    while (e > at + 1 && (s[e - 1] == '.' || s[e - 1] == '-')) --e;  // a sentence's full stop is not the domain's
    const std::string_view domain = s.substr(at + 1, e - at - 1);
    const auto dot = domain.rfind('.');
    if (dot == std::string_view::npos || dot == 0) return 0;
    std::size_t tld = 0;
    for (std::size_t i = dot + 1; i < domain.size(); ++i) {
        if (!is_alpha(static_cast<unsigned char>(domain[i]))) return 0;
        ++tld;
    }
    if (tld < 2) return 0;
    begin = b;
    return e;
}

inline bool luhn_ok(const unsigned char* d, std::size_t n) noexcept {
    unsigned sum = 0;
    for (std::size_t i = 0; i < n; ++i) {
        unsigned v = d[n - 1 - i];
        if (i % 2 == 1) {
            v *= 2;
            if (v > 9) v -= 9;
        }
        sum += v;
    }
    return sum % 10 == 0;
}

// A run of digits from `b` that may hold single separators (space, '-', '.', '/' or parentheses) and a leading
// '+': its end, its digits, and whether it had a separator or a '+'.
struct NumberRun {
    std::size_t end = 0;
    std::size_t digits = 0;
    bool formatted = false;
    bool plus = false;
    bool date_like = false;  // 2024-01-31, 31.01.2024, 01/31/2024: dates, not phone numbers
    std::array<unsigned char, 24> d{};
};

inline NumberRun number_run(std::string_view s, std::size_t b) noexcept {
    NumberRun r;
    std::size_t i = b;
    if (s[i] == '+') {
        r.plus = r.formatted = true;
        ++i;
    }
    int groups = 0;
    std::array<int, 4> glen{};
    char first_sep = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (is_digit(c)) {
            std::size_t j = i;
            while (j < s.size() && is_digit(static_cast<unsigned char>(s[j]))) {
                if (r.digits < r.d.size()) r.d[r.digits] = static_cast<unsigned char>(s[j] - '0');
                ++r.digits;
                ++j;
            }
            if (groups < 4) glen[groups] = static_cast<int>(j - i);
            ++groups;
            i = j;
            r.end = i;
            continue;
        }
        // One separator between digit groups (or a parenthesised area code); anything else ends the run.
        const bool sep = c == ' ' || c == '-' || c == '.' || c == '/' || c == '(' || c == ')';
        if (!sep || (r.digits == 0 && c != '(')) break;
        std::size_t j = i + 1;
        if (c == ')' && j < s.size() && s[j] == ' ') ++j;  // "(021) 555"
        if (c == ' ' && j < s.size() && s[j] == '(') ++j;  // "+1 (555)"
        if (j >= s.size() || !is_digit(static_cast<unsigned char>(s[j]))) break;
        if (!first_sep && c != '(' && c != ')') first_sep = static_cast<char>(c);
        r.formatted = true;
        i = j;
    }
    if (groups == 3 && (first_sep == '-' || first_sep == '.' || first_sep == '/') &&
        ((glen[0] == 4 && glen[1] <= 2 && glen[2] <= 2) || (glen[0] <= 2 && glen[1] <= 2 && glen[2] == 4)))
        r.date_like = true;
    return r;
}

}  // namespace detail

class Redactor {
public:
    Redactor() = default;

    // Redacts text, appending the result to out and adding what was found to counts. names: the row's customer
    // names (full names and their words of 2+ letters are matched as whole words, case-insensitively).
    void redact_into(std::string_view s, std::string& out, RedactionCounts& counts,
                     std::span<const std::string_view> names = {}) const {
        out.reserve(out.size() + s.size());
        std::vector<std::string_view> words;
        if (!names.empty()) words = name_words(names);
        std::size_t i = 0, copied = 0;
        auto emit = [&](std::size_t b, std::size_t e, std::string_view marker) {
            out.append(s.data() + copied, b - copied);
            out.append(marker);
            copied = i = e;
        };
        while (i < s.size()) {
            const auto c = static_cast<unsigned char>(s[i]);
            // An e-mail address is found from the start of its local part, before its digits can pass for a phone.
            if (detail::is_email_local(c) && (i == 0 || !detail::is_email_local(static_cast<unsigned char>(s[i - 1])))) {
                std::size_t j = i;
                while (j < s.size() && detail::is_email_local(static_cast<unsigned char>(s[j]))) ++j;
                std::size_t b = 0;
                if (j < s.size() && s[j] == '@') {
                    if (const std::size_t e = detail::email_at(s, j, b)) {
                        ++counts.emails;
                        emit(b, e, "[email]");
                        continue;
                    }
                }
            }
            const bool starts_number = (detail::is_digit(c) || ((c == '+' || c == '(') && i + 1 < s.size() &&
                                                                     detail::is_digit(static_cast<unsigned char>(s[i + 1])))) &&
                                       (i == 0 || !detail::is_word(static_cast<unsigned char>(s[i - 1])));
            if (starts_number) {
                const detail::NumberRun r = detail::number_run(s, i);
                const bool ends_clean = r.end >= s.size() || !detail::is_word(static_cast<unsigned char>(s[r.end]));
                if (ends_clean && !r.plus && r.digits >= 13 && r.digits <= 19 && detail::luhn_ok(r.d.data(), r.digits)) {
                    ++counts.cards;
                    emit(i, r.end, "[card]");
                    continue;
                }
                if (ends_clean && !r.date_like &&
                    ((r.formatted && r.digits >= 7 && r.digits <= 15) || (r.digits >= 10 && r.digits <= 15))) {
                    ++counts.phones;
                    emit(i, r.end, "[phone]");
                    continue;
                }
                i = std::max(r.end, i + 1);
                continue;
            }
            if (!words.empty() && detail::is_word(c) && (i == 0 || !detail::is_word(static_cast<unsigned char>(s[i - 1])))) {
                if (const std::size_t n = match_name(s, i, words)) {
                    ++counts.names;
                    emit(i, i + n, "[name]");
                    continue;
                }
            }
            ++i;
        }
        out.append(s.data() + copied, s.size() - copied);
    }

    std::string redact(std::string_view s, RedactionCounts& counts, std::span<const std::string_view> names = {}) const {
        std::string out;
        redact_into(s, out, counts, names);
        return out;
    }

private:
    // The full names first (longest match wins), then each word of 2+ characters.
    static std::vector<std::string_view> name_words(std::span<const std::string_view> names) {
        std::vector<std::string_view> w;
        for (auto n : names) {
            while (!n.empty() && n.front() == ' ') n.remove_prefix(1);
            while (!n.empty() && n.back() == ' ') n.remove_suffix(1);
            if (n.size() >= 2) w.push_back(n);
            std::size_t i = 0;
            while (i < n.size()) {
                while (i < n.size() && !detail::is_word(static_cast<unsigned char>(n[i]))) ++i;
                std::size_t j = i;
                while (j < n.size() && detail::is_word(static_cast<unsigned char>(n[j]))) ++j;
                if (j - i >= 2 && j - i < n.size()) w.push_back(n.substr(i, j - i));
                i = j;
            }
        }
        std::sort(w.begin(), w.end(), [](auto a, auto b) { return a.size() > b.size(); });
        return w;
    }
    static std::size_t match_name(std::string_view s, std::size_t i, const std::vector<std::string_view>& words) {
        for (auto w : words) {
            if (i + w.size() > s.size()) continue;
            bool eq = true;
            for (std::size_t k = 0; k < w.size() && eq; ++k)
                eq = detail::lower(static_cast<unsigned char>(s[i + k])) == detail::lower(static_cast<unsigned char>(w[k]));
            if (eq && (i + w.size() == s.size() || !detail::is_word(static_cast<unsigned char>(s[i + w.size()]))))
                return w.size();
        }
        return 0;
    }
};

}  // namespace cxkit::privacy

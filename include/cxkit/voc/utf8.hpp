#pragma once
// UTF-8 decoding and the small part of Python's str semantics that VADER depends on: whitespace (str.split,
// str.strip), lower() and isupper(). Whitespace is Python's exact set. Case covers the scripts customer text is
// written in: ASCII, Latin-1, Latin Extended-A, the alternating pairs of Latin Extended-B, Latin Extended
// Additional, IPA and phonetic extensions, Greek, Cyrillic, Armenian, Georgian, Cherokee, Deseret, fullwidth Latin,
// Roman numerals, circled letters and the Kelvin/Angstrom/Ohm signs. Other cased letters (Greek Extended, the
// mixed part of Latin Extended-B, titlecase digraphs, Glagolitic, Adlam, ...) count as uncased here, where Python
// knows their case: that only changes the ALL-CAPS rule of a text written in them, and the lexicon lookup of a
// user lexicon whose keys are in them.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace cxkit::voc::utf8 {

// Length in bytes of the valid UTF-8 sequence starting at s[i], or 0 if it is invalid (overlong forms,
// surrogates, code points above U+10FFFF and truncated sequences are invalid).
inline std::size_t sequence_length(std::string_view s, std::size_t i) noexcept {
    const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char c = b(i);
    const std::size_t n = s.size() - i;
    if (c < 0x80) return 1;
    if (c < 0xC2) return 0;
    auto cont = [&](std::size_t k) { return (b(k) & 0xC0) == 0x80; };
    if (c < 0xE0) return (n >= 2 && cont(i + 1)) ? 2 : 0;
    if (c < 0xF0) {
        if (n < 3 || !cont(i + 1) || !cont(i + 2)) return 0;
        if (c == 0xE0 && b(i + 1) < 0xA0) return 0;   // overlong
        if (c == 0xED && b(i + 1) >= 0xA0) return 0;  // surrogates
        return 3;
    }
    if (c < 0xF5) {
        if (n < 4 || !cont(i + 1) || !cont(i + 2) || !cont(i + 3)) return 0;
        if (c == 0xF0 && b(i + 1) < 0x90) return 0;  // overlong
        if (c == 0xF4 && b(i + 1) >= 0x90) return 0;  // > U+10FFFF
        return 4;
    }
    return 0;
}

// Byte offset of the first invalid sequence, or npos when s is valid UTF-8.
inline std::size_t find_invalid(std::string_view s) noexcept {
    std::size_t i = 0;
    const std::size_t n = s.size();
    while (i < n) {
        // ASCII fast path, 8 bytes at a time.
        while (i + 8 <= n) {
            std::uint64_t w;
            std::memcpy(&w, s.data() + i, 8);
            if (w & 0x8080808080808080ull) break;
            i += 8;
        }
        if (i >= n) break;
        const std::size_t len = sequence_length(s, i);
        if (len == 0) return i;
        i += len;
    }
    return std::string_view::npos;
}

// Decodes the (valid) sequence at s[i]; returns the code point and advances i.
inline char32_t decode(std::string_view s, std::size_t& i) noexcept {
    const auto b = [&](std::size_t k) { return static_cast<char32_t>(static_cast<unsigned char>(s[k])); };
    const char32_t c = b(i);
    if (c < 0x80) { i += 1; return c; }
    if (c < 0xE0) { const char32_t r = ((c & 0x1F) << 6) | (b(i + 1) & 0x3F); i += 2; return r; }
    if (c < 0xF0) {
        const char32_t r = ((c & 0x0F) << 12) | ((b(i + 1) & 0x3F) << 6) | (b(i + 2) & 0x3F);
        i += 3;
        return r;
    }
    const char32_t r = ((c & 0x07) << 18) | ((b(i + 1) & 0x3F) << 12) | ((b(i + 2) & 0x3F) << 6) | (b(i + 3) & 0x3F);
    i += 4;
    return r;
}

inline void append(std::string& out, char32_t cp) {
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
}

// Python's str.isspace(), which str.split() and str.strip() use.
constexpr bool is_space(char32_t c) noexcept {
    if (c < 0x80) return c == ' ' || (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x1F);
    return c == 0x85 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 ||
           c == 0x202F || c == 0x205F || c == 0x3000;
}

// Python's string.punctuation: the ASCII punctuation characters.
constexpr bool is_ascii_punct(char c) noexcept {
    return (c >= '!' && c <= '/') || (c >= ':' && c <= '@') || (c >= '[' && c <= '`') || (c >= '{' && c <= '~');
}

// Simple lowercase mapping of an uppercase letter, or 0 if cp is not an uppercase letter of the covered scripts.
// U+0130 (capital I with dot) is handled by append_lower.
constexpr char32_t to_lower(char32_t c) noexcept {
    if (c < 0x80) return (c >= 'A' && c <= 'Z') ? c + 32 : 0;
    if (c < 0x100) return (c >= 0xC0 && c <= 0xDE && c != 0xD7) ? c + 32 : 0;
    if (c < 0x180) {
        if (c == 0x130 || c == 0x138 || c == 0x149 || c == 0x17F) return 0;
        if (c == 0x178) return 0xFF;
        if ((c >= 0x100 && c <= 0x137) || (c >= 0x14A && c <= 0x177)) return (c % 2 == 0) ? c + 1 : 0;
        if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E)) return (c % 2 == 1) ? c + 1 : 0;
        return 0;
    }
    if (c >= 0x1CD && c <= 0x1DC) return (c % 2 == 1) ? c + 1 : 0;
    if ((c >= 0x1DE && c <= 0x1EF) || (c >= 0x1F8 && c <= 0x21F) || (c >= 0x222 && c <= 0x233))
        return (c % 2 == 0) ? c + 1 : 0;
    if (c >= 0x370 && c < 0x400) {
        if (c == 0x386) return 0x3AC;
        if (c >= 0x388 && c <= 0x38A) return c + 37;
        if (c == 0x38C) return 0x3CC;
        if (c == 0x38E || c == 0x38F) return c + 63;
        if ((c >= 0x391 && c <= 0x3A1) || (c >= 0x3A3 && c <= 0x3AB)) return c + 32;
        return 0;
    }
    if (c >= 0x400 && c < 0x530) {
        if (c <= 0x40F) return c + 80;
        if (c <= 0x42F) return c + 32;
        if (c <= 0x45F) return 0;
        if ((c >= 0x460 && c <= 0x481) || (c >= 0x48A && c <= 0x4BF) || (c >= 0x4D0 && c <= 0x52F))
            return (c % 2 == 0) ? c + 1 : 0;
        if (c == 0x4C0) return 0x4CF;
        if (c >= 0x4C1 && c <= 0x4CE) return (c % 2 == 1) ? c + 1 : 0;
        return 0;
    }
    if (c >= 0x531 && c <= 0x556) return c + 48;
    if ((c >= 0x1E00 && c <= 0x1E95) || (c >= 0x1EA0 && c <= 0x1EFF)) return (c % 2 == 0) ? c + 1 : 0;
    if (c == 0x1E9E) return 0xDF;
    if (c >= 0x10A0 && c <= 0x10C5) return c - 0x10A0 + 0x2D00;  // Georgian Asomtavruli
    if (c == 0x10C7 || c == 0x10CD) return c - 0x10A0 + 0x2D00;
    if (c >= 0x13A0 && c <= 0x13EF) return c - 0x13A0 + 0xAB70;  // Cherokee
    if (c >= 0x13F0 && c <= 0x13F5) return c + 8;
    if (c >= 0x2160 && c <= 0x216F) return c + 16;  // Roman numerals
    if (c >= 0x24B6 && c <= 0x24CF) return c + 26;  // circled letters
    if (c >= 0x10400 && c <= 0x10427) return c + 40;  // Deseret
    if (c == 0x2126) return 0x3C9;
    if (c == 0x212A) return 'k';
    if (c == 0x212B) return 0xE5;
    if (c >= 0xFF21 && c <= 0xFF3A) return c + 32;
    return 0;
}

constexpr bool is_upper(char32_t c) noexcept { return c == 0x130 || to_lower(c) != 0; }

// Lowercase letters of the covered scripts (Python's Lowercase property there).
constexpr bool is_lower(char32_t c) noexcept {
    if (c < 0x80) return c >= 'a' && c <= 'z';
    if (c < 0x100) return c == 0xAA || c == 0xB5 || c == 0xBA || (c >= 0xDF && c <= 0xFF && c != 0xF7);
    if (c == 0x138 || c == 0x149 || c == 0x17F) return true;
    if (c == 0xFF) return true;
    if (c == 0x390 || (c >= 0x3AC && c <= 0x3CE)) return true;
    if (c >= 0x430 && c <= 0x45F) return true;
    if (c == 0x4CF) return true;
    if (c >= 0x561 && c <= 0x587) return true;
    if (c >= 0xFF41 && c <= 0xFF5A) return true;
    if (c >= 0x1E96 && c <= 0x1E9D) return true;
    if (c == 0x1E9F) return true;
    if ((c >= 0x250 && c <= 0x2B8) || c == 0x2C0 || c == 0x2C1 || (c >= 0x2E0 && c <= 0x2E4)) return true;  // IPA
    if (c >= 0x1D00 && c <= 0x1DBF) return true;  // phonetic extensions
    if ((c >= 0x2D00 && c <= 0x2D25) || c == 0x2D27 || c == 0x2D2D) return true;
    if ((c >= 0xAB70 && c <= 0xABBF) || (c >= 0x13F8 && c <= 0x13FD)) return true;
    if ((c >= 0x2170 && c <= 0x217F) || (c >= 0x24D0 && c <= 0x24E9)) return true;
    if (c >= 0x10428 && c <= 0x1044F) return true;
    if (c > 0 && to_lower(c - 1) == c) return true;  // the lower half of an alternating pair
    if (c == 0x3C9 || c == 0xE5) return true;
    return false;
}

// Appends Python's str.lower() of cp (covered scripts).
inline void append_lower(std::string& out, char32_t cp) {
    if (cp == 0x130) {  // 'İ'.lower() == 'i' + U+0307 COMBINING DOT ABOVE
        out.push_back('i');
        append(out, 0x307);
        return;
    }
    const char32_t l = to_lower(cp);
    append(out, l ? l : cp);
}

}  // namespace cxkit::voc::utf8

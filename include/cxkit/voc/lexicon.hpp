#pragma once
// The data of VADER sentiment: a lexicon of tokens with a mean valence (-4..4) and an emoji table (emoji ->
// textual description). Both are loaded from files in vaderSentiment's formats, so the MIT-licensed files of that
// package (shipped in python/cxkit/voc/data with their licence) and a user lexicon for another language load the
// same way:
//   lexicon:  token<TAB>mean valence[<TAB>anything...]   e.g. "good\t1.9\t0.9434\t[2, 1, ...]"
//   emoji:    emoji<TAB>description[<TAB>anything...]    e.g. "😁\tbeaming face with smiling eyes"
// One entry per line, UTF-8, LF or CRLF line ends, surrounding whitespace ignored, empty lines skipped, a later
// entry for the same token replaces an earlier one (so a user lexicon loaded after the default one overrides it).
// A malformed line (no tab, empty token, a valence that is not a finite number, invalid UTF-8) throws
// cxkit::invalid_input naming the source and the 1-based line number.
//
// Tokens are looked up after Python's str.lower(), as vaderSentiment does: a lexicon key with upper-case letters
// never matches (the package's own ":Þ" entries are such keys). Only emoji keys that are one code point can
// match, since the package compares the text one code point at a time; longer emoji sequences are ignored.
#include <cmath>
#include <cstdlib>
#include <cstddef>
#include <cstdint>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "cxkit/core/error.hpp"
#include "cxkit/voc/utf8.hpp"

namespace cxkit::voc {

namespace detail {

struct string_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

// Strips Python-whitespace from both ends of a valid UTF-8 string.
inline std::string_view strip_space(std::string_view s) {
    std::size_t b = 0, e = s.size();
    while (b < e) {
        std::size_t i = b;
        if (!utf8::is_space(utf8::decode(s, i))) break;
        b = i;
    }
    while (e > b) {
        std::size_t k = e - 1;
        while (k > b && (static_cast<unsigned char>(s[k]) & 0xC0) == 0x80) --k;
        std::size_t i = k;
        if (!utf8::is_space(utf8::decode(s, i))) break;
        e = k;
    }
    return s.substr(b, e - b);
}

// Calls f(line_number, stripped_line) for every non-empty line of text.
template <class F>
void for_each_line(std::string_view text, const std::string& source, F&& f) {
    std::size_t pos = 0;
    std::int64_t line_no = 0;
    while (pos < text.size()) {
        std::size_t end = text.find('\n', pos);
        if (end == std::string_view::npos) end = text.size();
        ++line_no;
        const std::string_view raw = text.substr(pos, end - pos);
        pos = end + 1;
        if (utf8::find_invalid(raw) != std::string_view::npos)
            throw invalid_input(source + " line " + std::to_string(line_no) + ": invalid UTF-8");
        const std::string_view line = strip_space(raw);
        if (line.empty()) continue;
        f(line_no, line);
    }
}

inline std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw invalid_input("cannot open file '" + path.string() + "'");
    std::ostringstream ss;
    ss << in.rdbuf();
    return std::move(ss).str();
}

}  // namespace detail

class Lexicon {
public:
    Lexicon() = default;

    // The usual pair: a valence lexicon and an emoji file (the emoji path may be empty: no emoji).
    static Lexicon from_files(const std::filesystem::path& lexicon_file, const std::filesystem::path& emoji_file = {}) {
        Lexicon lex;
        lex.add_words_file(lexicon_file);
        if (!emoji_file.empty()) lex.add_emoji_file(emoji_file);
        return lex;
    }

    // Adds (or replaces) the entries of a lexicon in vaderSentiment's format. `source` names it in errors.
    // Strong guarantee: a malformed line leaves this lexicon unchanged.
    void add_words(std::string_view text, const std::string& source = "lexicon") {
        std::vector<std::pair<std::string, double>> parsed;
        detail::for_each_line(text, source, [&](std::int64_t line_no, std::string_view line) {
            const std::size_t tab = line.find('\t');
            auto fail = [&](const std::string& why) {
                throw invalid_input(source + " line " + std::to_string(line_no) + ": " + why +
                                    " (expected token<TAB>mean valence[<TAB>...]), got '" +
                                    std::string(line.substr(0, 80)) + "'");
            };
            if (tab == std::string_view::npos) fail("no tab");
            const std::string_view token = line.substr(0, tab);
            if (token.empty()) fail("empty token");
            std::string_view field = line.substr(tab + 1);
            field = field.substr(0, field.find('\t'));
            field = detail::strip_space(field);
            if (!field.empty() && field.front() == '+') field.remove_prefix(1);
            double v = 0;
            const auto [p, ec] = std::from_chars(field.data(), field.data() + field.size(), v);
            if (field.empty() || ec != std::errc() || p != field.data() + field.size() || !std::isfinite(v))
                fail("valence '" + std::string(field) + "' is not a number");
            parsed.emplace_back(std::string(token), v);
        });
        for (auto& [t, v] : parsed) words_.insert_or_assign(std::move(t), v);
    }
    void add_words_file(const std::filesystem::path& path) {
        add_words(detail::read_file(path), path.filename().string());
    }

    // Adds (or replaces) emoji descriptions, in the format of vaderSentiment's emoji_utf8_lexicon.txt.
    void add_emoji(std::string_view text, const std::string& source = "emoji lexicon") {
        std::vector<std::pair<char32_t, std::string>> parsed;
        detail::for_each_line(text, source, [&](std::int64_t line_no, std::string_view line) {
            const std::size_t tab = line.find('\t');
            if (tab == std::string_view::npos || tab == 0)
                throw invalid_input(source + " line " + std::to_string(line_no) +
                                    ": expected emoji<TAB>description, got '" + std::string(line.substr(0, 80)) + "'");
            const std::string_view key = line.substr(0, tab);
            std::string_view desc = line.substr(tab + 1);
            desc = desc.substr(0, desc.find('\t'));
            std::size_t i = 0;
            const char32_t cp = utf8::decode(key, i);
            if (i == key.size()) parsed.emplace_back(cp, std::string(desc));  // multi-code-point keys never match
        });
        for (auto& [cp, d] : parsed) {
            if (cp < min_emoji_) min_emoji_ = cp;
            emoji_.insert_or_assign(cp, std::move(d));
        }
    }
    void add_emoji_file(const std::filesystem::path& path) {
        add_emoji(detail::read_file(path), path.filename().string());
    }

    void set(std::string token, double valence) {
        if (!std::isfinite(valence)) throw invalid_input("lexicon valence for '" + token + "' is not finite");
        words_.insert_or_assign(std::move(token), valence);
    }

    // Valence of a (lower-cased) token, or nullptr.
    const double* find(std::string_view token) const {
        const auto it = words_.find(token);
        return it == words_.end() ? nullptr : &it->second;
    }
    const std::string* emoji(char32_t cp) const {
        if (cp < min_emoji_) return nullptr;
        const auto it = emoji_.find(cp);
        return it == emoji_.end() ? nullptr : &it->second;
    }

    std::size_t size() const noexcept { return words_.size(); }
    // Calls f(token, valence) for every word entry (in no particular order).
    template <class F>
    void for_each_word(F&& f) const {
        for (const auto& [t, v] : words_) f(std::string_view(t), v);
    }
    // The smallest emoji code point (0x110000 when there are none).
    char32_t min_emoji() const noexcept { return min_emoji_; }
    std::size_t emoji_count() const noexcept { return emoji_.size(); }

private:
    std::unordered_map<std::string, double, detail::string_hash, std::equal_to<>> words_;
    std::unordered_map<char32_t, std::string> emoji_;
    char32_t min_emoji_ = 0x110000;  // no lookup for code points below the smallest emoji
};

// The folder of the data files cxkit ships (the VADER lexicons vader_lexicon.txt and emoji_utf8_lexicon.txt), so a
// C++ program finds them without Python: the environment variable CXKIT_DATA_DIR when set and not empty, else the
// CXKIT_DATA_DIR compile definition that the cxkit::cxkit CMake target carries (the installed
// ${CMAKE_INSTALL_DATADIR}/cxkit, or python/cxkit/voc/data in a build tree). Throws invalid_input when neither is
// set.
inline std::filesystem::path data_dir() {
    if (const char* env = std::getenv("CXKIT_DATA_DIR"); env && *env) return std::filesystem::path(env);
#ifdef CXKIT_DATA_DIR
    return std::filesystem::path(CXKIT_DATA_DIR);
#else
    throw invalid_input(
        "cxkit data folder unknown: set the environment variable CXKIT_DATA_DIR to the folder holding "
        "vader_lexicon.txt (installed as share/cxkit; python/cxkit/voc/data in the sources), or build against the "
        "cxkit::cxkit CMake target, which defines CXKIT_DATA_DIR");
#endif
}

// The default VADER lexicon (vaderSentiment 3.3.2's words and emoji) from data_dir(). Throws invalid_input naming
// the folder when a file is missing there.
inline Lexicon default_lexicon() {
    const std::filesystem::path dir = data_dir();
    const char* env = std::getenv("CXKIT_DATA_DIR");
    const char* from = env && *env ? "the environment variable CXKIT_DATA_DIR" : "the CXKIT_DATA_DIR compile definition";
    const std::filesystem::path words = dir / "vader_lexicon.txt", emoji = dir / "emoji_utf8_lexicon.txt";
    for (const auto& f : {words, emoji}) {
        std::error_code ec;
        if (!std::filesystem::is_regular_file(f, ec))
            throw invalid_input("the VADER lexicon file " + f.string() +
                                " does not exist (cxkit data folder " + dir.string() + ", from " + from +
                                "); point CXKIT_DATA_DIR at the folder holding it");
    }
    return Lexicon::from_files(words, emoji);
}

}  // namespace cxkit::voc

#pragma once
// VADER sentiment (Hutto & Gilbert 2014): a port of SentimentIntensityAnalyzer.polarity_scores of the
// vaderSentiment package 3.3.2 (MIT licence), rule for rule, including its quirks, so the scores equal the
// package's (to the last printed decimal on every sentence tested; the known exceptions are the case of letters
// outside the scripts listed in utf8.hpp). The lexicon is data (lexicon.hpp).
//
// The algorithm, as the package implements it:
//  1. Every code point that is an emoji key is replaced by its description (a space is put before it unless the
//     previous character was a space).
//  2. Words: split on whitespace; strip leading/trailing ASCII punctuation from each word unless that leaves
//     two or fewer characters (so ":)" and "a." stay as they are).
//  3. Each word that is in the lexicon (after lower()) gets its valence, then:
//     - "no" followed by a lexicon word counts 0; a lexicon word 1 or 2 words after "no" (or 3, with "or"/"nor"
//       in between) gets lexicon valence x -0.74;
//     - ALL-CAPS word while the text mixes case: +-0.733;
//     - each of the 3 preceding words that is not itself in the lexicon: a booster/dampener adds +-0.293 (with
//       +-0.733 more if it is ALL-CAPS in a mixed-case text), scaled 1, 0.95, 0.9 by distance; a negation word
//       (or any word containing "n't") multiplies by -0.74, except "never so/this" (x1.25) and "without doubt";
//       at distance 3 also special-case idioms ("the shit", "kiss of death", ...) and "kind of"/"sort of"/"just
//       enough" as dampeners;
//     - "least" right before (not "at least"/"very least") negates;
//     words that are boosters, and "kind" in "kind of", count 0; other words count 0.
//  4. "but": words before the first "but" x0.5, after it x1.5 (with the package's value-lookup quirk kept).
//  5. Sum; "!" adds 0.292 each (at most 4), "?" 0.18 each for 2-3 or 0.96 for 4+, away from zero;
//     compound = s / sqrt(s^2 + 15). pos/neg/neu are the shares of (valence+1) of positive words, (valence-1) of
//     negative words and the count of zero words, the punctuation emphasis added to the larger side.
//  6. neg, neu, pos rounded to 3 decimals and compound to 4, as Python's round() does (half-even on the exact
//     binary value).
// Input must be valid UTF-8 (else cxkit::invalid_input; score_many names the row).
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "cxkit/core/error.hpp"
#include "cxkit/voc/lexicon.hpp"
#include "cxkit/voc/utf8.hpp"

namespace cxkit::voc {

struct SentimentScores {
    double neg = 0, neu = 0, pos = 0, compound = 0;
    bool operator==(const SentimentScores&) const = default;
};

namespace detail {

inline constexpr double B_INCR = 0.293;
inline constexpr double B_DECR = -0.293;
inline constexpr double C_INCR = 0.733;
inline constexpr double N_SCALAR = -0.74;

inline const std::unordered_set<std::string_view>& negate_words() {
    static const std::unordered_set<std::string_view> s = {
        "aint", "arent", "cannot", "cant", "couldnt", "darent", "didnt", "doesnt", "ain't", "aren't", "can't",
        "couldn't", "daren't", "didn't", "doesn't", "dont", "hadnt", "hasnt", "havent", "isnt", "mightnt", "mustnt",
        "neither", "don't", "hadn't", "hasn't", "haven't", "isn't", "mightn't", "mustn't", "neednt", "needn't",
        "never", "none", "nope", "nor", "not", "nothing", "nowhere", "oughtnt", "shant", "shouldnt", "uhuh",
        "wasnt", "werent", "oughtn't", "shan't", "shouldn't", "uh-uh", "wasn't", "weren't", "without", "wont",
        "wouldnt", "won't", "wouldn't", "rarely", "seldom", "despite"};
    return s;
}

inline const std::unordered_map<std::string_view, double>& booster_words() {
    static const std::unordered_map<std::string_view, double> m = {
        {"absolutely", B_INCR}, {"amazingly", B_INCR}, {"awfully", B_INCR}, {"completely", B_INCR},
        {"considerable", B_INCR}, {"considerably", B_INCR}, {"decidedly", B_INCR}, {"deeply", B_INCR},
        {"effing", B_INCR}, {"enormous", B_INCR}, {"enormously", B_INCR}, {"entirely", B_INCR},
        {"especially", B_INCR}, {"exceptional", B_INCR}, {"exceptionally", B_INCR}, {"extreme", B_INCR},
        {"extremely", B_INCR}, {"fabulously", B_INCR}, {"flipping", B_INCR}, {"flippin", B_INCR},
        {"frackin", B_INCR}, {"fracking", B_INCR}, {"fricking", B_INCR}, {"frickin", B_INCR},
        {"frigging", B_INCR}, {"friggin", B_INCR}, {"fully", B_INCR}, {"fuckin", B_INCR}, {"fucking", B_INCR},
        {"fuggin", B_INCR}, {"fugging", B_INCR}, {"greatly", B_INCR}, {"hella", B_INCR}, {"highly", B_INCR},
        {"hugely", B_INCR}, {"incredible", B_INCR}, {"incredibly", B_INCR}, {"intensely", B_INCR},
        {"major", B_INCR}, {"majorly", B_INCR}, {"more", B_INCR}, {"most", B_INCR}, {"particularly", B_INCR},
        {"purely", B_INCR}, {"quite", B_INCR}, {"really", B_INCR}, {"remarkably", B_INCR}, {"so", B_INCR},
        {"substantially", B_INCR}, {"thoroughly", B_INCR}, {"total", B_INCR}, {"totally", B_INCR},
        {"tremendous", B_INCR}, {"tremendously", B_INCR}, {"uber", B_INCR}, {"unbelievably", B_INCR},
        {"unusually", B_INCR}, {"utter", B_INCR}, {"utterly", B_INCR}, {"very", B_INCR},
        {"almost", B_DECR}, {"barely", B_DECR}, {"hardly", B_DECR}, {"just enough", B_DECR},
        {"kind of", B_DECR}, {"kinda", B_DECR}, {"kindof", B_DECR}, {"kind-of", B_DECR}, {"less", B_DECR},
        {"little", B_DECR}, {"marginal", B_DECR}, {"marginally", B_DECR}, {"occasional", B_DECR},
        {"occasionally", B_DECR}, {"partly", B_DECR}, {"scarce", B_DECR}, {"scarcely", B_DECR},
        {"slight", B_DECR}, {"slightly", B_DECR}, {"somewhat", B_DECR}, {"sort of", B_DECR}, {"sorta", B_DECR},
        {"sortof", B_DECR}, {"sort-of", B_DECR}};
    return m;
}

// SPECIAL_CASES of the package. One-word keys ("badass") are listed for fidelity: the package only looks up
// two- and three-word sequences, so they never apply.
struct SpecialCase {
    std::string_view key;
    double valence;
};
inline constexpr SpecialCase special_cases[] = {
    {"the shit", 3}, {"the bomb", 3}, {"bad ass", 1.5}, {"badass", 1.5}, {"bus stop", 0.0},
    {"yeah right", -2}, {"kiss of death", -1.5}, {"to die for", 3}, {"beating heart", 3.5}};

struct Token {
    std::string lower;
    bool upper = false;       // Python's str.isupper() of the word
    const double* lex = nullptr;
    bool is_booster = false;
    double booster = 0;
    bool negation = false;    // in NEGATE, or contains "n't"
};

// Python's round(x, digits) for digits 3 or 4: correctly rounded, ties to even on the exact binary value.
inline double python_round(double x, int digits) {
    const double scale = digits == 3 ? 1e3 : 1e4;
    const double y = x * scale;
    const double frac = std::fabs(y - std::trunc(y));
    if (std::fabs(frac - 0.5) > 1e-6) return std::round(y) / scale;
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", digits, x);  // glibc: exact value, ties to even
    return std::strtod(buf, nullptr);
}

struct Scratch {
    std::string text;
    std::vector<Token> tokens;
    std::vector<double> sentiments;
};

}  // namespace detail

class Vader {
public:
    explicit Vader(Lexicon lexicon) : lex_(std::move(lexicon)) {}

    const Lexicon& lexicon() const noexcept { return lex_; }

    // Scores one text. Throws invalid_input if it is not valid UTF-8.
    SentimentScores score(std::string_view text) const {
        const std::size_t bad = utf8::find_invalid(text);
        if (bad != std::string_view::npos)
            throw invalid_input("text", invalid_input::no_row,
                                "invalid UTF-8 at byte " + std::to_string(bad));
        return score_valid(text);
    }

    // Scores texts[i] into out[i], splitting the rows into `threads` contiguous blocks (0: one per core); the
    // result does not depend on the thread count. All texts are validated first: invalid UTF-8 throws
    // invalid_input naming the first bad row, and nothing is written to out.
    void score_many(const std::vector<std::string>& texts, SentimentScores* out, unsigned threads = 0) const {
        const std::size_t n = texts.size();
        if (n == 0) return;
        if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
        const std::size_t nt = std::min<std::size_t>(threads, (n + 255) / 256);  // >= 256 rows per thread
        std::vector<std::size_t> first_bad(nt, n), bad_byte(nt, 0);
        auto block = [&](std::size_t t) { return std::pair{n * t / nt, n * (t + 1) / nt}; };
        run(nt, [&](std::size_t t) {
            auto [b, e] = block(t);
            for (std::size_t i = b; i < e; ++i) {
                const std::size_t pos = utf8::find_invalid(texts[i]);
                if (pos != std::string_view::npos) {
                    first_bad[t] = i;
                    bad_byte[t] = pos;
                    return;
                }
            }
        });
        for (std::size_t t = 0; t < nt; ++t)
            if (first_bad[t] < n)
                throw invalid_input("text", static_cast<std::int64_t>(first_bad[t]),
                                    "invalid UTF-8 at byte " + std::to_string(bad_byte[t]));
        run(nt, [&](std::size_t t) {
            auto [b, e] = block(t);
            for (std::size_t i = b; i < e; ++i) out[i] = score_valid(texts[i]);
        });
    }

private:
    template <class F>
    static void run(std::size_t nt, F&& f) {
        if (nt <= 1) {
            f(std::size_t{0});
            return;
        }
        std::vector<std::exception_ptr> errors(nt);
        {
            std::vector<std::jthread> pool;
            pool.reserve(nt - 1);
            for (std::size_t t = 1; t < nt; ++t)
                pool.emplace_back([&, t] {
                    try { f(t); } catch (...) { errors[t] = std::current_exception(); }
                });
            try { f(std::size_t{0}); } catch (...) { errors[0] = std::current_exception(); }
        }
        for (auto& e : errors)
            if (e) std::rethrow_exception(e);
    }

    SentimentScores score_valid(std::string_view input) const {
        thread_local detail::Scratch scratch;
        std::string& text = scratch.text;
        std::vector<detail::Token>& toks = scratch.tokens;

        // 1. emoji -> descriptions
        text.clear();
        bool prev_space = true;
        for (std::size_t i = 0; i < input.size();) {
            const std::size_t start = i;
            const char32_t cp = utf8::decode(input, i);
            if (const std::string* d = lex_.emoji(cp)) {
                if (!prev_space) text.push_back(' ');
                text += *d;
                prev_space = false;
            } else {
                text.append(input.substr(start, i - start));
                prev_space = cp == U' ';
            }
        }

        // 2. words
        std::size_t n = 0;
        const std::string_view t = text;
        std::size_t i = 0;
        while (i < t.size()) {
            std::size_t j = i;
            if (utf8::is_space(utf8::decode(t, j))) {
                i = j;
                continue;
            }
            const std::size_t wb = i;
            std::size_t we = j;
            while (we < t.size()) {
                std::size_t k = we;
                if (utf8::is_space(utf8::decode(t, k))) break;
                we = k;
            }
            i = we;
            std::string_view word = t.substr(wb, we - wb);
            std::size_t sb = 0, se = word.size();
            while (sb < se && utf8::is_ascii_punct(word[sb])) ++sb;
            while (se > sb && utf8::is_ascii_punct(word[se - 1])) --se;
            std::size_t chars = 0;
            for (std::size_t k = sb; k < se && chars <= 2; ++k)
                chars += (static_cast<unsigned char>(word[k]) & 0xC0) != 0x80;
            if (chars > 2) word = word.substr(sb, se - sb);
            if (toks.size() <= n) toks.emplace_back();
            fill_token(toks[n], word);
            ++n;
        }

        // allcap_differential: some but not all words are ALL CAPS
        std::size_t n_upper = 0;
        for (std::size_t k = 0; k < n; ++k) n_upper += toks[k].upper;
        const bool cap_diff = n_upper > 0 && n_upper < n;

        // 3. valence per word
        std::vector<double>& s = scratch.sentiments;
        s.assign(n, 0.0);
        for (std::size_t k = 0; k < n; ++k) {
            if (toks[k].is_booster) continue;
            if (k + 1 < n && toks[k].lower == "kind" && toks[k + 1].lower == "of") continue;
            s[k] = valence(toks.data(), n, k, cap_diff);
        }

        // 4. "but"
        for (std::size_t bi = 0; bi < n; ++bi) {
            if (toks[bi].lower != "but") continue;
            // The package's loop: for each value v (by position), the *first* element equal to v is rescaled.
            for (std::size_t k = 0; k < n; ++k) {
                const double v = s[k];
                std::size_t si = 0;
                while (s[si] != v) ++si;
                if (si < bi) s[si] = v * 0.5;
                else if (si > bi) s[si] = v * 1.5;
            }
            break;
        }

        // 5. scores
        SentimentScores r;
        if (n == 0) return r;
        double sum_s = 0.0;
        for (std::size_t k = 0; k < n; ++k) sum_s += s[k];
        std::size_t ep = 0, qm = 0;
        for (char c : t) {
            ep += c == '!';
            qm += c == '?';
        }
        const double ep_amp = static_cast<double>(std::min<std::size_t>(ep, 4)) * 0.292;
        double qm_amp = 0;
        if (qm > 1) qm_amp = qm <= 3 ? static_cast<double>(qm) * 0.18 : 0.96;
        const double punct = ep_amp + qm_amp;
        if (sum_s > 0) sum_s += punct;
        else if (sum_s < 0) sum_s -= punct;
        double compound = sum_s / std::sqrt(sum_s * sum_s + 15.0);
        compound = std::clamp(compound, -1.0, 1.0);

        double pos_sum = 0, neg_sum = 0;
        std::size_t neu_count = 0;
        for (std::size_t k = 0; k < n; ++k) {
            if (s[k] > 0) pos_sum += s[k] + 1;
            if (s[k] < 0) neg_sum += s[k] - 1;
            if (s[k] == 0) ++neu_count;
        }
        if (pos_sum > std::fabs(neg_sum)) pos_sum += punct;
        else if (pos_sum < std::fabs(neg_sum)) neg_sum -= punct;
        const double total = pos_sum + std::fabs(neg_sum) + static_cast<double>(neu_count);
        r.pos = detail::python_round(std::fabs(pos_sum / total), 3);
        r.neg = detail::python_round(std::fabs(neg_sum / total), 3);
        r.neu = detail::python_round(std::fabs(static_cast<double>(neu_count) / total), 3);
        r.compound = detail::python_round(compound, 4);
        return r;
    }

    void fill_token(detail::Token& tok, std::string_view word) const {
        tok.lower.clear();
        bool cased = false, has_lower = false;
        for (std::size_t k = 0; k < word.size();) {
            const char32_t cp = utf8::decode(word, k);
            if (utf8::is_lower(cp)) has_lower = true;
            else if (utf8::is_upper(cp)) cased = true;
            utf8::append_lower(tok.lower, cp);
        }
        tok.upper = cased && !has_lower;
        tok.lex = lex_.find(tok.lower);
        const auto& boosters = detail::booster_words();
        const auto b = boosters.find(tok.lower);
        tok.is_booster = b != boosters.end();
        tok.booster = tok.is_booster ? b->second : 0.0;
        tok.negation = detail::negate_words().count(tok.lower) > 0 ||
                       tok.lower.find("n't") != std::string::npos;
    }

    static double scalar_inc_dec(const detail::Token& w, double valence, bool cap_diff) {
        double scalar = 0.0;
        if (w.is_booster) {
            scalar = w.booster;
            if (valence < 0) scalar *= -1;
            if (w.upper && cap_diff) {
                if (valence > 0) scalar += detail::C_INCR;
                else scalar -= detail::C_INCR;
            }
        }
        return scalar;
    }

    double valence(const detail::Token* w, std::size_t n, std::size_t i, bool cap_diff) const {
        using detail::N_SCALAR;
        const detail::Token& item = w[i];
        if (!item.lex) return 0.0;
        const double lexv = *item.lex;
        double v = lexv;
        if (item.lower == "no" && i != n - 1 && w[i + 1].lex) v = 0.0;
        if ((i > 0 && w[i - 1].lower == "no") || (i > 1 && w[i - 2].lower == "no") ||
            (i > 2 && w[i - 3].lower == "no" && (w[i - 1].lower == "or" || w[i - 1].lower == "nor")))
            v = lexv * N_SCALAR;
        if (item.upper && cap_diff) {
            if (v > 0) v += detail::C_INCR;
            else v -= detail::C_INCR;
        }
        for (std::size_t start = 0; start < 3; ++start) {
            if (i > start && !w[i - (start + 1)].lex) {
                double sc = scalar_inc_dec(w[i - (start + 1)], v, cap_diff);
                if (start == 1 && sc != 0) sc = sc * 0.95;
                if (start == 2 && sc != 0) sc = sc * 0.9;
                v = v + sc;
                v = negation_check(v, w, start, i);
                if (start == 2) v = special_idioms_check(v, w, n, i);
            }
        }
        // _least_check
        if (i > 1 && !w[i - 1].lex && w[i - 1].lower == "least") {
            if (w[i - 2].lower != "at" && w[i - 2].lower != "very") v = v * N_SCALAR;
        } else if (i > 0 && !w[i - 1].lex && w[i - 1].lower == "least") {
            v = v * N_SCALAR;
        }
        return v;
    }

    static double negation_check(double v, const detail::Token* w, std::size_t start, std::size_t i) {
        auto is = [&](std::size_t k, std::string_view s) { return w[k].lower == s; };
        if (start == 0) {
            if (w[i - 1].negation) v = v * detail::N_SCALAR;
        } else if (start == 1) {
            if (is(i - 2, "never") && (is(i - 1, "so") || is(i - 1, "this"))) v = v * 1.25;
            else if (is(i - 2, "without") && is(i - 1, "doubt")) {}
            else if (w[i - 2].negation) v = v * detail::N_SCALAR;
        } else {
            // Python precedence: (never and (so or this)) or (so or this)
            if ((is(i - 3, "never") && (is(i - 2, "so") || is(i - 2, "this"))) || (is(i - 1, "so") || is(i - 1, "this")))
                v = v * 1.25;
            else if (is(i - 3, "without") && (is(i - 2, "doubt") || is(i - 1, "doubt"))) {}
            else if (w[i - 3].negation) v = v * detail::N_SCALAR;
        }
        return v;
    }

    // A sequence of 2 or 3 word positions, joined by spaces in the package.
    struct Seq {
        std::size_t idx[3];
        std::size_t len;
    };

    // Does the space-joined sequence of words equal key?
    static bool joined_equals(const detail::Token* w, const Seq& seq, std::string_view key) {
        std::size_t pos = 0;
        for (std::size_t k = 0; k < seq.len; ++k) {
            if (k > 0) {
                if (pos >= key.size() || key[pos] != ' ') return false;
                ++pos;
            }
            const std::string& s = w[seq.idx[k]].lower;
            if (key.size() - pos < s.size() || key.compare(pos, s.size(), s) != 0) return false;
            pos += s.size();
        }
        return pos == key.size();
    }

    static const detail::SpecialCase* find_special(const detail::Token* w, const Seq& seq) {
        for (const auto& sc : detail::special_cases)
            if (joined_equals(w, seq, sc.key)) return &sc;
        return nullptr;
    }

    static double special_idioms_check(double v, const detail::Token* w, std::size_t n, std::size_t i) {
        // onezero, twoonezero, twoone, threetwoone, threetwo: the first that is a special case wins
        const Seq seqs[] = {{{i - 1, i, 0}, 2}, {{i - 2, i - 1, i}, 3}, {{i - 2, i - 1, 0}, 2},
                            {{i - 3, i - 2, i - 1}, 3}, {{i - 3, i - 2, 0}, 2}};
        for (const auto& seq : seqs)
            if (const auto* sc = find_special(w, seq)) {
                v = sc->valence;
                break;
            }
        if (n - 1 > i)  // zeroone
            if (const auto* sc = find_special(w, {{i, i + 1, 0}, 2})) v = sc->valence;
        if (n - 1 > i + 1)  // zeroonetwo
            if (const auto* sc = find_special(w, {{i, i + 1, i + 2}, 3})) v = sc->valence;
        // booster/dampener n-grams (threetwoone, threetwo, twoone) found in BOOSTER_DICT: its multi-word keys
        static constexpr std::pair<std::string_view, double> ngrams[] = {
            {"just enough", detail::B_DECR}, {"kind of", detail::B_DECR}, {"sort of", detail::B_DECR}};
        const Seq bseqs[] = {{{i - 3, i - 2, i - 1}, 3}, {{i - 3, i - 2, 0}, 2}, {{i - 2, i - 1, 0}, 2}};
        for (const auto& seq : bseqs)
            for (const auto& [key, b] : ngrams)
                if (joined_equals(w, seq, key)) v = v + b;
        return v;
    }

    Lexicon lex_;
};

}  // namespace cxkit::voc

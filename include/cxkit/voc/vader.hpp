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
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <iterator>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

// The old area switch, kept for one release: CXKIT_VOC_NO_SIMD is CXKIT_NO_SIMD.
#if defined(CXKIT_VOC_NO_SIMD) && !defined(CXKIT_NO_SIMD)
#define CXKIT_NO_SIMD
#endif
#include "cxkit/core/cpu_dispatch.hpp"
#include "cxkit/core/error.hpp"
#include "cxkit/core/parallel.hpp"
#include "cxkit/voc/lexicon.hpp"
#include "cxkit/voc/utf8.hpp"

// CPU dispatch (core/cpu_dispatch.hpp). The ASCII path's byte classification runs 16 bytes at a time on SSE2
// (CXKIT_SSE2: every x86-64 CPU; off with CXKIT_NO_SIMD, then every text takes the general path, same scores).
// Where CXKIT_CPU_DISPATCH is on and the build targets an older baseline (the default: SSE2 only), the scorer is
// also compiled for AVX2 with BMI1/BMI2, POPCNT and LZCNT and picked once at run time from core::cpu(): the byte
// classes take 32 bytes at a time and the bit scans and variable shifts of the tokeniser are single instructions
// (2,080 -> 1,758 instructions per bench text). No FMA in that target, so both variants compute the very same bits.
#if CXKIT_SSE2
#include <emmintrin.h>
#endif
#if CXKIT_SSE2 && CXKIT_CPU_DISPATCH && !defined(__AVX2__)
#include <immintrin.h>
#endif

namespace cxkit::voc {

// Thrown when a scoring loop was stopped (the name before core/parallel.hpp; kept for one release).
using cancelled = core::cancelled;

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

// Word ids of the words the rules compare against (0: any other word).
enum WordId : std::uint8_t {
    W_OTHER = 0, W_NO, W_OR, W_NOR, W_KIND, W_OF, W_BUT, W_LEAST, W_AT, W_VERY, W_NEVER, W_SO, W_THIS, W_WITHOUT,
    W_DOUBT, W_THE, W_SHIT, W_BOMB, W_BAD, W_ASS, W_BUS, W_STOP, W_YEAH, W_RIGHT, W_KISS, W_DEATH, W_TO, W_DIE,
    W_FOR, W_BEATING, W_HEART, W_JUST, W_ENOUGH, W_SORT
};
inline constexpr std::pair<std::string_view, WordId> word_ids[] = {
    {"no", W_NO}, {"or", W_OR}, {"nor", W_NOR}, {"kind", W_KIND}, {"of", W_OF}, {"but", W_BUT},
    {"least", W_LEAST}, {"at", W_AT}, {"very", W_VERY}, {"never", W_NEVER}, {"so", W_SO}, {"this", W_THIS},
    {"without", W_WITHOUT}, {"doubt", W_DOUBT}, {"the", W_THE}, {"shit", W_SHIT}, {"bomb", W_BOMB}, {"bad", W_BAD},
    {"ass", W_ASS}, {"bus", W_BUS}, {"stop", W_STOP}, {"yeah", W_YEAH}, {"right", W_RIGHT}, {"kiss", W_KISS},
    {"death", W_DEATH}, {"to", W_TO}, {"die", W_DIE}, {"for", W_FOR}, {"beating", W_BEATING}, {"heart", W_HEART},
    {"just", W_JUST}, {"enough", W_ENOUGH}, {"sort", W_SORT}};

// What the rules need to know of one lower-cased word, precomputed once per vocabulary entry.
struct WordInfo {
    double lex = 0;           // lexicon valence (when has_lex)
    double booster = 0;       // BOOSTER_DICT value (when is_booster)
    bool has_lex = false;
    bool is_booster = false;
    bool negation = false;    // in NEGATE (words containing "n't" are flagged per token)
    WordId id = W_OTHER;
};

// Words are hashed from their bytes 8 at a time (native 64-bit loads, the last chunk zero-padded), so the
// tokeniser hashes an ASCII word from the very loads that lower-case it, with no per-byte hash chain.
inline constexpr std::uint64_t ONES = 0x0101010101010101ull;

inline std::uint64_t load8(const void* p) noexcept {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    return w;
}
inline void store8(void* p, std::uint64_t w) noexcept { std::memcpy(p, &w, 8); }
// The first m (1..8, or more: all) bytes of a chunk, in memory order; the others zero. No branch.
inline std::uint64_t keep_first(std::uint64_t w, std::size_t m) noexcept {
    const std::size_t drop = 64 - 8 * std::min<std::size_t>(m, 8);
    if constexpr (std::endian::native == std::endian::little) return w & (~0ull >> drop);
    else return w & (~0ull << drop);
}
// Bytes [p, p + m) as a chunk (m <= 8), the rest of it `fill` bytes; reads nothing past p + m.
inline std::uint64_t load_partial(const unsigned char* p, std::size_t m, unsigned char fill = 0) noexcept {
    unsigned char b[8] = {fill, fill, fill, fill, fill, fill, fill, fill};
    for (std::size_t k = 0; k < m; ++k) b[k] = p[k];
    return load8(b);
}
// The chunk of text[pos, pos + 8): bytes past the end of the text read as `fill`. Near the end of a text of 8
// bytes or more, one load of its last 8 bytes, shifted: no byte loop, nothing read outside the text.
inline std::uint64_t load_at(const unsigned char* text, std::size_t size, std::size_t pos,
                             unsigned char fill = 0) noexcept {
    if (pos + 8 <= size) return load8(text + pos);
    if (size < 8) return load_partial(text + pos, size - pos, fill);
    const std::size_t m = size - pos;  // 0..7 bytes left
    const std::uint64_t fills = ONES * fill;
    if (m == 0) return fills;
    const std::uint64_t last = load8(text + size - 8);
    const std::size_t shift = 8 * (8 - m);
    if constexpr (std::endian::native == std::endian::little)
        return (last >> shift) | (fills << (8 * m));
    else
        return (last << shift) | (fills >> (8 * m));
}
// Offset of the first byte whose high bit is set in mask (mask != 0).
inline std::size_t first_flagged_byte(std::uint64_t mask) noexcept {
    if constexpr (std::endian::native == std::endian::little) return static_cast<std::size_t>(std::countr_zero(mask)) >> 3;
    else return static_cast<std::size_t>(std::countl_zero(mask)) >> 3;
}
// The number of '!' and of '?' in t (8 bytes at a time: most chunks have neither).
inline void count_emphasis(std::string_view t, std::size_t& ep, std::size_t& qm) noexcept {
    constexpr std::uint64_t HIGH = ONES * 0x80, LOW7 = ONES * 0x7F;
    const auto* p = reinterpret_cast<const unsigned char*>(t.data());
    const std::size_t n = t.size();
    std::size_t k = 0;
    auto bytewise = [&](std::size_t b, std::size_t e) {
        for (; b < e; ++b) {
            ep += p[b] == '!';
            qm += p[b] == '?';
        }
    };
    for (; k + 8 <= n; k += 8) {
        const std::uint64_t w = load8(p + k);
        const std::uint64_t x = w ^ (ONES * '!'), y = w ^ (ONES * '?');
        // a byte of x or y is zero where w has '!' or '?' (exact test, no false positives)
        const std::uint64_t zx = ~(((x & LOW7) + LOW7) | x), zy = ~(((y & LOW7) + LOW7) | y);
        if ((zx | zy) & HIGH) bytewise(k, k + 8);
    }
    bytewise(k, n);
}
// Multiplicative hashing: the table takes a slot and a tag from the high bits of the product, which depend on
// every bit of the chunks. The length is not hashed (the table compares it), so the seed is 0. At least two
// chunks are mixed (the second zero for words of up to 8 bytes), so the tokeniser need not branch on the length.
inline constexpr std::uint64_t hash_seed(std::size_t) noexcept { return 0; }
inline constexpr std::uint64_t hash_mix(std::uint64_t h, std::uint64_t chunk) noexcept {
    return (h ^ chunk) * 0x9E3779B97F4A7C15ull;
}
// Hash and first two chunks of the bytes [p, p + len); p must be readable up to the next multiple of 8 bytes.
inline std::uint64_t hash_padded(const char* p, std::size_t len, std::uint64_t& c0, std::uint64_t& c1) noexcept {
    std::uint64_t h = hash_seed(len);
    c0 = c1 = 0;
    for (std::size_t k = 0; k < len; k += 8) {
        const std::uint64_t w = keep_first(load8(p + k), len - k);
        if (k == 0) c0 = w;
        if (k == 8) c1 = w;
        h = hash_mix(h, w);
    }
    return len <= 8 ? hash_mix(h, 0) : h;
}

// The high bit of each byte of x that is zero (exact: no false positives).
inline constexpr std::uint64_t zero_bytes(std::uint64_t x) noexcept {
    return ~(((x & (ONES * 0x7F)) + ONES * 0x7F) | x) & (ONES * 0x80);
}
// 8 bytes loaded so that the byte at the lowest address is the least significant, on any byte order.
inline std::uint64_t load8_le(const void* p) noexcept {
    std::uint64_t w = load8(p);
    if constexpr (std::endian::native == std::endian::big) {
        std::uint64_t r = 0;
        for (int k = 0; k < 8; ++k) r |= ((w >> (8 * k)) & 0xFF) << (56 - 8 * k);
        w = r;
    }
    return w;
}

// An open-addressing hash table from lower-cased words to WordInfo, kept at most half full (SwissTable's idea):
// a one-byte tag per slot (7 bits of the hash, 0: empty) in a small array that 16-byte SSE2 loads (8-byte loads
// without SSE2) scan a group of slots at a time, so most lookups of a word not in the table read only the tags; a
// slot keeps the word's first 16 bytes, so comparing a word of up to 16 bytes (nearly all words) compares
// integers.
class WordTable {
public:
    WordTable() : infos_(1) { grow(); }  // infos_[0]: the entry of every word that is not in the table

    WordInfo& insert(std::string_view key) {
        if (key.size() >= empty) throw invalid_input("lexicon token too long (65,535 bytes or more)");
        if ((count_ + 1) * 2 > slots_.size()) grow();
        std::string padded(key);
        padded.append(8, '\0');
        std::uint64_t c0 = 0, c1 = 0;
        const std::uint64_t h = hash_padded(padded.data(), key.size(), c0, c1);
        const std::size_t i = probe(padded.data(), key.size(), h, c0, c1);
        Slot& s = slots_[i];
        if (s.len == empty) {
            s.c0 = c0;
            s.c1 = c1;
            s.len = static_cast<std::uint16_t>(key.size());
            s.off = static_cast<std::uint32_t>(arena_.size());
            slot_info_[i] = static_cast<std::uint32_t>(infos_.size());
            set_tag(i, tag_of(h));
            filter_[h >> 54] |= std::uint64_t{1} << ((h >> 48) & 63);
            arena_.append(key);
            infos_.emplace_back();
            ++count_;
        }
        return infos_[slot_info_[i]];
    }
    // Copies the entries into the slots (after the last insert): a word found reads one 32-byte slot.
    void seal() {
        for (std::size_t i = 0; i < slots_.size(); ++i) {
            Slot& sl = slots_[i];
            if (sl.len == empty) continue;
            const WordInfo& w = infos_[slot_info_[i]];
            if (w.is_booster && w.booster != B_INCR && w.booster != B_DECR)
                throw std::logic_error("booster values are B_INCR or B_DECR");
            sl.lex = w.lex;
            sl.flags = static_cast<std::uint8_t>((w.has_lex ? F_LEX : 0) | (w.is_booster ? F_BOOSTER : 0) |
                                                 (w.booster == B_DECR ? F_DECR : 0) | (w.negation ? F_NEG : 0));
            sl.id = w.id;
        }
    }
    // The entry of the word [key, key + len) with hash h and first chunks c0, c1 (hash_padded); the empty entry
    // (nothing set) when the word is not in the table. After seal().
    WordInfo find(const char* key, std::size_t len, std::uint64_t h, std::uint64_t c0,
                  std::uint64_t c1) const noexcept {
        if (const Slot* s = find_slot(key, len, h, c0, c1)) {
            WordInfo w;
            w.lex = s->lex;
            w.booster = s->flags & F_DECR ? B_DECR : B_INCR;
            w.has_lex = s->flags & F_LEX;
            w.is_booster = s->flags & F_BOOSTER;
            w.negation = s->flags & F_NEG;
            w.id = static_cast<WordId>(s->id);
            return w;
        }
        return WordInfo{};
    }

private:
    static constexpr std::uint32_t empty = 0xFFFFu;
    enum : std::uint8_t { F_LEX = 1, F_BOOSTER = 2, F_DECR = 4, F_NEG = 8 };
    struct Slot {
        std::uint64_t c0 = 0, c1 = 0;  // first 16 bytes of the word, zero-padded
        double lex = 0;                // the entry, packed (seal())
        std::uint32_t off = 0;         // the word in arena_
        std::uint16_t len = empty;
        std::uint8_t flags = 0, id = 0;
    };
    static_assert(sizeof(Slot) == 32);
    const Slot* find_slot(const char* key, std::size_t len, std::uint64_t h, std::uint64_t c0,
                          std::uint64_t c1) const noexcept {
        // most words of a text are in no table (3 in 4 of the bench's): one bit of an 8 kB filter, set for the
        // ~7,600 words in it, rules out 88% of them
        if (!((filter_[h >> 54] >> ((h >> 48) & 63)) & 1)) return nullptr;
        std::size_t i = h >> shift_;
#if CXKIT_SSE2
        const __m128i want = _mm_set1_epi64x(static_cast<long long>(ONES * tag_of(h)));
        while (true) {
            // tags of slots i .. i+15 (mirrored at the end)
            const __m128i group = _mm_loadu_si128(reinterpret_cast<const __m128i*>(tags_.data() + i));
            const unsigned empties =
                static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(group, _mm_setzero_si128())));
            unsigned match = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(group, want)));
            if (empties) match &= (empties & (~empties + 1)) - 1;  // only the slots before the first empty one
            while (match) {
                const Slot& s = slots_[(i + static_cast<std::size_t>(std::countr_zero(match))) & mask_];
                if (s.c0 == c0 && s.c1 == c1 && s.len == len &&
                    (len <= 16 || std::memcmp(arena_.data() + s.off + 16, key + 16, len - 16) == 0))
                    return &s;
                match &= match - 1;
            }
            if (empties) return nullptr;
            i = (i + 16) & mask_;
        }
#else
        const std::uint64_t want = ONES * tag_of(h);
        while (true) {
            const std::uint64_t group = load8_le(tags_.data() + i);  // tags of slots i .. i+7 (mirrored at the end)
            const std::uint64_t empties = zero_bytes(group);
            std::uint64_t match = zero_bytes(group ^ want);
            if (empties) match &= (empties & (~empties + 1)) - 1;  // only the slots before the first empty one
            while (match) {
                const Slot& s = slots_[(i + (static_cast<std::size_t>(std::countr_zero(match)) >> 3)) & mask_];
                if (s.c0 == c0 && s.c1 == c1 && s.len == len &&
                    (len <= 16 || std::memcmp(arena_.data() + s.off + 16, key + 16, len - 16) == 0))
                    return &s;
                match &= match - 1;
            }
            if (empties) return nullptr;
            i = (i + 8) & mask_;
        }
#endif
    }


    static constexpr std::size_t group_size = CXKIT_SSE2 ? 16 : 8;
    // the slot from the top bits of the hash, the tag from the 7 bits below them
    std::uint8_t tag_of(std::uint64_t h) const noexcept {
        return static_cast<std::uint8_t>(0x80 | ((h >> (shift_ - 7)) & 0x7F));
    }
    void set_tag(std::size_t i, std::uint8_t t) {
        tags_[i] = t;
        if (i < group_size) tags_[slots_.size() + i] = t;  // the mirror, so a group read never wraps
    }
    std::size_t probe(const char* key, std::size_t len, std::uint64_t h, std::uint64_t c0, std::uint64_t c1) const {
        std::size_t i = h >> shift_;
        while (true) {
            const Slot& s = slots_[i];
            if (s.len == empty || (s.c0 == c0 && s.c1 == c1 && s.len == len &&
                                   std::memcmp(arena_.data() + s.off, key, len) == 0))
                return i;
            i = (i + 1) & mask_;
        }
    }
    void grow() {
        std::vector<Slot> old = std::move(slots_);
        std::vector<std::uint32_t> old_info = std::move(slot_info_);
        slots_.assign(std::max<std::size_t>(64, old.size() * 2), Slot{});
        slot_info_.assign(slots_.size(), 0);
        tags_.assign(slots_.size() + group_size, 0);
        mask_ = slots_.size() - 1;
        shift_ = static_cast<unsigned>(64 - std::countr_zero(slots_.size()));
        std::string padded;
        for (std::size_t k = 0; k < old.size(); ++k) {
            const Slot& o = old[k];
            if (o.len == empty) continue;
            padded.assign(arena_, o.off, o.len);
            padded.append(8, '\0');
            std::uint64_t c0 = 0, c1 = 0;
            const std::uint64_t h = hash_padded(padded.data(), o.len, c0, c1);
            const std::size_t i = probe(padded.data(), o.len, h, c0, c1);
            slots_[i] = o;
            slot_info_[i] = old_info[k];
            set_tag(i, tag_of(h));
        }
    }
    std::vector<Slot> slots_;
    std::vector<std::uint8_t> tags_;
    std::vector<WordInfo> infos_;        // the entries while building (seal() packs them into the slots)
    std::vector<std::uint32_t> slot_info_;  // each slot's entry in infos_
    std::size_t mask_ = 0, count_ = 0;
    unsigned shift_ = 64;
    std::vector<std::uint64_t> filter_ = std::vector<std::uint64_t>(1024);  // bit h >> 48: some word has it
    std::string arena_;
};

// A word of the text as the rules see it: its table entry (copied) and what depends on the occurrence.
struct Token : WordInfo {
    std::uint32_t off = 0, len = 0;  // the lower-cased word in Scratch::lower
    bool upper = false;              // Python's str.isupper() of the word
    bool apostrophe = false;         // the word has a '\'' (ASCII path only)
};

// Python's round(x, digits) for digits 3 or 4 and |x| <= 1: correctly rounded, ties to even on the exact binary
// value. Away from a tie any rounding of x * 10^digits is right (integer conversions, no libm calls).
inline double python_round(double x, int digits) {
    const double scale = digits == 3 ? 1e3 : 1e4;
    const double y = x * scale;
    const double frac = std::fabs(y - static_cast<double>(static_cast<std::int64_t>(y)));
    if (std::fabs(frac - 0.5) > 1e-6)
        return static_cast<double>(static_cast<std::int64_t>(y + (y >= 0 ? 0.5 : -0.5))) / scale;
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", digits, x);  // glibc: exact value, ties to even
    return std::strtod(buf, nullptr);
}

struct Scratch {
    std::string text;        // the text with emoji replaced by their descriptions
    std::string lower;       // the lower-cased words, back to back (with slack for 8-byte stores)
    std::string word;        // one lower-cased non-ASCII word
    std::vector<Token> tokens;
    std::vector<double> sentiments;
    std::vector<std::uint64_t> masks;  // the ASCII path's bit masks, one bit per byte of the text
    std::vector<std::uint32_t> candidates;  // the tokens that may get a valence: lexicon words, not boosters
};

// Where the tokenising step leaves what the scoring steps need.
struct Tokenised {
    std::size_t n = 0, n_candidates = 0, n_upper = 0;
    std::size_t first_but = static_cast<std::size_t>(-1);  // the first word "but" (when < n)
    std::size_t ep = 0, qm = 0;                             // the number of '!' and '?' in the text
};

// Byte classes of the tokenising pass: one table lookup tells whether an ASCII byte splits or is stripped.
enum ByteClass : std::uint8_t {
    C_SPACE = 1,  // Python whitespace (ASCII)
    C_PUNCT = 2   // string.punctuation
};
struct ByteClasses {
    std::uint8_t c[256] = {};
    constexpr ByteClasses() {
        for (int b = 0; b < 0x80; ++b)
            c[b] = static_cast<std::uint8_t>((utf8::is_space(static_cast<char32_t>(b)) ? C_SPACE : 0) |
                                             (utf8::is_ascii_punct(static_cast<char>(b)) ? C_PUNCT : 0));
    }
};
inline constexpr ByteClasses byte_classes{};

}  // namespace detail

class Vader {
public:
    explicit Vader(Lexicon lexicon) : lex_(std::move(lexicon)) {
        // One table of every word a rule looks at: lexicon words, boosters, negations and the words compared by
        // the rules (ids), so scoring a token is one lower-casing pass, one hash and one lookup.
        lex_.for_each_word([&](std::string_view w, double v) {
            auto& info = words_.insert(w);
            info.has_lex = true;
            info.lex = v;
        });
        for (const auto& [w, b] : detail::booster_words()) {
            auto& info = words_.insert(w);
            info.is_booster = true;
            info.booster = b;
        }
        for (std::string_view w : detail::negate_words()) words_.insert(w).negation = true;
        for (const auto& [w, id] : detail::word_ids) words_.insert(w).id = id;
        words_.seal();
        ascii_emoji_ = lex_.min_emoji() < 0x80;
    }

    // A scorer over default_lexicon() (lexicon.hpp): the VADER lexicon cxkit installs, found without Python.
    static Vader from_default_lexicon() { return Vader(default_lexicon()); }

    const Lexicon& lexicon() const noexcept { return lex_; }

    // Scores one text. Throws invalid_input if it is not valid UTF-8.
    SentimentScores score(std::string_view text) const {
        const std::size_t bad = utf8::find_invalid(text);
        if (bad != std::string_view::npos)
            throw invalid_input("text", invalid_input::no_row,
                                "invalid UTF-8 at byte " + std::to_string(bad));
        return score_valid(text);
    }

    // Scores texts[i] into out[i] on `threads` threads (0: one per core), in chunks of rows (core::parallel_for);
    // the result does not depend on the thread count. All texts are validated first: invalid UTF-8 throws
    // invalid_input naming the first bad row, and nothing is written to out. The loop stops between chunks when
    // the calling thread's interrupt check asks (core::interrupt_scope; the Python bindings install one for
    // Ctrl-C): then core::cancelled is thrown and out is partly written.
    // Texts: any random-access range whose elements convert to std::string_view (std::vector<std::string>,
    // std::vector<std::string_view>, ...).
    template <class Texts>
    void score_many(const Texts& texts, SentimentScores* out, unsigned threads = 0) const {
        const std::size_t n = std::size(texts);
        const std::size_t chunk = chunk_rows(texts);
        // the first bad row: each chunk reports its first, the lowest wins (the same row on any thread count)
        struct Bad {
            std::size_t row, byte;
        };
        const Bad none{n, 0};
        const Bad bad = core::parallel_reduce(
            n, chunk, threads, none,
            [&](Bad& acc, std::size_t b, std::size_t e) {
                for (std::size_t i = b; i < e; ++i) {
                    const std::size_t pos = utf8::find_invalid(std::string_view(texts[i]));
                    if (pos != std::string_view::npos) {
                        acc = {i, pos};
                        return;
                    }
                }
            },
            [](Bad& into, const Bad& from) {
                if (from.row < into.row) into = from;
            });
        if (bad.row < n)
            throw invalid_input("text", static_cast<std::int64_t>(bad.row),
                                "invalid UTF-8 at byte " + std::to_string(bad.byte));
        score_many_valid(texts, out, threads, chunk);
    }
    // score_many for texts already known to be valid UTF-8 (Python str objects always are): no validation pass.
    // Invalid UTF-8 here is a precondition violation. chunk: rows per chunk (0: about 256 kB of text).
    template <class Texts>
    void score_many_valid(const Texts& texts, SentimentScores* out, unsigned threads = 0,
                          std::size_t chunk = 0) const {
        const std::size_t n = std::size(texts);
        if (chunk == 0) chunk = chunk_rows(texts);
        core::parallel_for(n, chunk, threads, [&](std::size_t b, std::size_t e) {
            for (std::size_t i = b; i < e; ++i) {
                // the texts are scattered (Python str objects): ask for one a few rows ahead
#if defined(__GNUC__)
                if (i + 6 < e) __builtin_prefetch(std::string_view(texts[i + 6]).data());
#endif
                out[i] = score_valid(std::string_view(texts[i]));
            }
        });
    }
    // The same with a stop callback (the API before core/parallel.hpp): keep_going() is asked between chunks, at
    // most every 20 ms; when it says false, core::cancelled is thrown.
    template <class Texts, class KeepGoing>
        requires std::is_invocable_r_v<bool, KeepGoing&>
    void score_many(const Texts& texts, SentimentScores* out, unsigned threads, KeepGoing&& keep_going) const {
        core::interrupt_scope scope(
            [](void* c) { return static_cast<bool>((*static_cast<std::remove_reference_t<KeepGoing>*>(c))()); },
            const_cast<void*>(static_cast<const void*>(std::addressof(keep_going))));
        score_many(texts, out, threads);
    }

private:
    // Rows per chunk: about 256 kB of text (at most 4096 rows), short enough to answer Ctrl-C within milliseconds.
    template <class Texts>
    static std::size_t chunk_rows(const Texts& texts) {
        const std::size_t n = std::size(texts);
        std::size_t bytes = 0;
        for (std::size_t i = 0; i < n; ++i) bytes += std::string_view(texts[i]).size();
        return std::clamp<std::size_t>(n * (std::size_t{1} << 18) / std::max<std::size_t>(bytes, 1), 1, 4096);
    }

    SentimentScores score_valid(std::string_view input) const {
#if CXKIT_SSE2 && CXKIT_CPU_DISPATCH && !defined(__AVX2__)
        static const bool v3 = [] {
            const auto& f = core::cpu();
            return f.avx2 && f.bmi1 && f.bmi2 && f.popcnt && f.lzcnt;
        }();
        if (v3) return score_valid_v3(input);
#endif
        return score_valid_any(input);
    }
#if CXKIT_SSE2 && CXKIT_CPU_DISPATCH && !defined(__AVX2__)
    __attribute__((target("avx2,bmi,bmi2,popcnt,lzcnt"), flatten)) SentimentScores score_valid_v3(
        std::string_view input) const {
        return score_valid_any<true>(input);
    }
#endif

    template <bool Wide = false>  // Wide: called from score_valid_v3 only
    SentimentScores score_valid_any(std::string_view input) const {
        thread_local detail::Scratch scratch;
        detail::Tokenised r;
#if CXKIT_SSE2
        if (!ascii_emoji_ && tokenise_ascii<Wide>(input, scratch, r)) return finish(scratch, r);
#endif
        tokenise(input, scratch, r);
        return finish(scratch, r);
    }

#if CXKIT_SSE2
    // The byte-class masks of the padded text lo[0, nbytes), which is lower-cased in place; returns nonzero when
    // a byte is >= 0x80 (then the masks are not used).
    static unsigned class_masks_sse2(char* lo, std::size_t nbytes, std::size_t nwords, std::uint64_t* space,
                                     std::uint64_t* punct, std::uint64_t* upper, std::uint64_t* lowers,
                                     std::uint64_t* apos, std::size_t& ep, std::size_t& qm) noexcept {
        const auto set1 = [](char c) { return _mm_set1_epi8(c); };
        const __m128i c_a = set1('a' - 1), c_z = set1('z' + 1), c_A = set1('A' - 1), c_Z = set1('Z' + 1),
                      c_0 = set1('0' - 1), c_9 = set1('9' + 1), c_sp = set1(' '), c_del = set1(0x7F),
                      c_tab = set1(0x08), c_cr = set1(0x0E), c_fs = set1(0x1B), c_ap = set1('\''),
                      c_ex = set1('!'), c_qm = set1('?'), c_20 = set1(0x20);
        unsigned high = 0;
        for (std::size_t g = 0; g < nwords; ++g) {
            // bytes past nbytes (in the last word) count as spaces
            std::uint64_t sp = 64 * g + 64 > nbytes ? ~0ull << (nbytes & 63) : 0;
            std::uint64_t pu = 0, up = 0, lw = 0, ap = 0, ex = 0, qu = 0;
            for (std::size_t j = 0; j < 4 && 64 * g + 16 * j < nbytes; ++j) {
                char* const at = lo + 64 * g + 16 * j;
                const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(at));
                high |= static_cast<unsigned>(_mm_movemask_epi8(b));
                // signed byte compares: right for bytes < 0x80 (a text with others is left to the general path)
                const __m128i is_up = _mm_and_si128(_mm_cmpgt_epi8(b, c_A), _mm_cmplt_epi8(b, c_Z));
                const __m128i is_lo = _mm_and_si128(_mm_cmpgt_epi8(b, c_a), _mm_cmplt_epi8(b, c_z));
                const __m128i is_dg = _mm_and_si128(_mm_cmpgt_epi8(b, c_0), _mm_cmplt_epi8(b, c_9));
                const __m128i ctl = _mm_cmplt_epi8(b, c_sp);  // < 0x20: whitespace 0x09-0x0D and 0x1C-0x1F
                const __m128i ws = _mm_or_si128(
                    _mm_cmpeq_epi8(b, c_sp),
                    _mm_and_si128(ctl, _mm_or_si128(_mm_and_si128(_mm_cmpgt_epi8(b, c_tab), _mm_cmplt_epi8(b, c_cr)),
                                                    _mm_cmpgt_epi8(b, c_fs))));
                // string.punctuation: 0x21..0x7E except letters and digits
                const __m128i printable = _mm_and_si128(_mm_cmpgt_epi8(b, c_sp), _mm_cmplt_epi8(b, c_del));
                const __m128i pn = _mm_andnot_si128(_mm_or_si128(_mm_or_si128(is_up, is_lo), is_dg), printable);
                _mm_storeu_si128(reinterpret_cast<__m128i*>(at), _mm_or_si128(b, _mm_and_si128(is_up, c_20)));
                const unsigned sh = 16 * static_cast<unsigned>(j);
                const auto bits = [&](__m128i m) {
                    return static_cast<std::uint64_t>(static_cast<unsigned>(_mm_movemask_epi8(m))) << sh;
                };
                sp |= bits(ws);
                pu |= bits(pn);
                up |= bits(is_up);
                lw |= bits(is_lo);
                ap |= bits(_mm_cmpeq_epi8(b, c_ap));
                ex |= bits(_mm_cmpeq_epi8(b, c_ex));
                qu |= bits(_mm_cmpeq_epi8(b, c_qm));
            }
            space[g] = sp;
            punct[g] = pu;
            upper[g] = up;
            lowers[g] = lw;
            apos[g] = ap;
            // popcount is a library call without the POPCNT instruction: only for the (few) groups with marks
            if (ex) ep += static_cast<std::size_t>(std::popcount(ex));
            if (qu) qm += static_cast<std::size_t>(std::popcount(qu));
        }
        return high;
    }

#if CXKIT_SSE2 && CXKIT_CPU_DISPATCH && !defined(__AVX2__)
    // The same, 32 bytes at a time (lo is padded with spaces to a multiple of 32 bytes past nbytes).
    __attribute__((target("avx2,bmi,bmi2,popcnt,lzcnt"))) static unsigned class_masks_avx2(
        char* lo, std::size_t nbytes, std::size_t nwords, std::uint64_t* space, std::uint64_t* punct,
        std::uint64_t* upper, std::uint64_t* lowers, std::uint64_t* apos, std::size_t& ep, std::size_t& qm) noexcept {
        const __m256i c_a = _mm256_set1_epi8('a' - 1), c_z = _mm256_set1_epi8('z' + 1),
                      c_A = _mm256_set1_epi8('A' - 1), c_Z = _mm256_set1_epi8('Z' + 1),
                      c_0 = _mm256_set1_epi8('0' - 1), c_9 = _mm256_set1_epi8('9' + 1),
                      c_sp = _mm256_set1_epi8(' '), c_del = _mm256_set1_epi8(0x7F), c_tab = _mm256_set1_epi8(0x08),
                      c_cr = _mm256_set1_epi8(0x0E), c_fs = _mm256_set1_epi8(0x1B), c_ap = _mm256_set1_epi8('\''),
                      c_ex = _mm256_set1_epi8('!'), c_qm = _mm256_set1_epi8('?'), c_20 = _mm256_set1_epi8(0x20);
        unsigned high = 0;
        for (std::size_t g = 0; g < nwords; ++g) {
            std::uint64_t sp = 64 * g + 64 > nbytes ? ~0ull << (nbytes & 63) : 0;
            std::uint64_t pu = 0, up = 0, lw = 0, ap = 0, ex = 0, qu = 0;
            for (std::size_t j = 0; j < 2 && 64 * g + 32 * j < nbytes; ++j) {
                char* const at = lo + 64 * g + 32 * j;
                const __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(at));
                high |= static_cast<unsigned>(_mm256_movemask_epi8(b));
                const __m256i is_up = _mm256_and_si256(_mm256_cmpgt_epi8(b, c_A), _mm256_cmpgt_epi8(c_Z, b));
                const __m256i is_lo = _mm256_and_si256(_mm256_cmpgt_epi8(b, c_a), _mm256_cmpgt_epi8(c_z, b));
                const __m256i is_dg = _mm256_and_si256(_mm256_cmpgt_epi8(b, c_0), _mm256_cmpgt_epi8(c_9, b));
                const __m256i ctl = _mm256_cmpgt_epi8(c_sp, b);
                const __m256i ws = _mm256_or_si256(
                    _mm256_cmpeq_epi8(b, c_sp),
                    _mm256_and_si256(ctl, _mm256_or_si256(_mm256_and_si256(_mm256_cmpgt_epi8(b, c_tab),
                                                                           _mm256_cmpgt_epi8(c_cr, b)),
                                                          _mm256_cmpgt_epi8(b, c_fs))));
                const __m256i printable = _mm256_and_si256(_mm256_cmpgt_epi8(b, c_sp), _mm256_cmpgt_epi8(c_del, b));
                const __m256i pn =
                    _mm256_andnot_si256(_mm256_or_si256(_mm256_or_si256(is_up, is_lo), is_dg), printable);
                _mm256_storeu_si256(reinterpret_cast<__m256i*>(at), _mm256_or_si256(b, _mm256_and_si256(is_up, c_20)));
                const unsigned sh = 32 * static_cast<unsigned>(j);
#define CXKIT_VOC_BITS(m) (static_cast<std::uint64_t>(static_cast<unsigned>(_mm256_movemask_epi8(m))) << sh)
                sp |= CXKIT_VOC_BITS(ws);
                pu |= CXKIT_VOC_BITS(pn);
                up |= CXKIT_VOC_BITS(is_up);
                lw |= CXKIT_VOC_BITS(is_lo);
                ap |= CXKIT_VOC_BITS(_mm256_cmpeq_epi8(b, c_ap));
                ex |= CXKIT_VOC_BITS(_mm256_cmpeq_epi8(b, c_ex));
                qu |= CXKIT_VOC_BITS(_mm256_cmpeq_epi8(b, c_qm));
#undef CXKIT_VOC_BITS
            }
            space[g] = sp;
            punct[g] = pu;
            upper[g] = up;
            lowers[g] = lw;
            apos[g] = ap;
            ep += static_cast<std::size_t>(std::popcount(ex));
            qm += static_cast<std::size_t>(std::popcount(qu));
        }
        return high;
    }
#endif

    // Steps 1 and 2 for an ASCII text (no emoji unless the emoji table has ASCII keys, checked by the caller), or
    // false (nothing done) when the text has a byte >= 0x80. One SSE2 pass over the text, 16 bytes at a time,
    // stores it lower-cased (padded with spaces) and sets one bit per byte in masks of whitespace, punctuation,
    // upper and lower case letters and apostrophes, and counts '!' and '?'; the words are then found and
    // classified with bit operations on those masks, with no per-byte loop.
    template <bool Wide>
    bool tokenise_ascii(std::string_view input, detail::Scratch& scratch, detail::Tokenised& res) const {
        const std::size_t size = input.size();
        const std::size_t nbytes = (size / 16 + 1) * 16;  // at least one padding space: every word ends
        const std::size_t nwords = (nbytes + 63) / 64;
        std::string& lower = scratch.lower;
        if (lower.size() < nbytes + 32) lower.resize(2 * nbytes + 32);
        char* const lo = lower.data();
        std::memcpy(lo, input.data(), size);
        std::memset(lo + size, ' ', 32);  // spaces to a multiple of 32 bytes past nbytes
        std::vector<std::uint64_t>& mv = scratch.masks;
        if (mv.size() < 5 * nwords + 1) mv.resize(10 * nwords + 1);
        std::uint64_t* const space = mv.data();  // nwords + 1 words: the last is all spaces
        std::uint64_t* const punct = space + nwords + 1;
        std::uint64_t* const upper = punct + nwords;
        std::uint64_t* const lowers = upper + nwords;
        std::uint64_t* const apos = lowers + nwords;
        std::size_t ep = 0, qm = 0;
        unsigned high;
#if CXKIT_SSE2 && CXKIT_CPU_DISPATCH && !defined(__AVX2__)
        if constexpr (Wide)
            high = class_masks_avx2(lo, nbytes, nwords, space, punct, upper, lowers, apos, ep, qm);
        else
#endif
            high = class_masks_sse2(lo, nbytes, nwords, space, punct, upper, lowers, apos, ep, qm);
        if (high) return false;
        space[nwords] = ~0ull;
        res.ep = ep;
        res.qm = qm;

        std::vector<detail::Token>& toks = scratch.tokens;
        if (toks.size() < size / 2 + 2) toks.resize(size + 16);  // a word and a space per token, at most
        std::vector<std::uint32_t>& cands = scratch.candidates;
        if (cands.size() < size / 2 + 2) cands.resize(size + 16);
        detail::Token* const tk0 = toks.data();
        std::uint32_t* const cand0 = cands.data();
        std::size_t n = 0, nc = 0, n_upper = 0, first_but = static_cast<std::size_t>(-1);
        std::uint64_t prev_space = 1;  // the byte before the text counts as a space
        std::size_t done = 0;  // the end of the last word taken
        // Two passes (fewer live values per loop): the words' bounds and case, then their table entries.
        for (std::size_t g = 0; g < nwords; ++g) {
            const std::uint64_t sp = space[g];
            // first and last bytes of words (a word's last byte may be in a later group)
            std::uint64_t starts = ~sp & ((sp << 1) | prev_space);
            std::uint64_t lasts = ~sp & ((sp >> 1) | (space[g + 1] << 63));
            prev_space = sp >> 63;
            if (done > 64 * g) lasts = done - 64 * g >= 64 ? 0 : lasts & (~0ull << (done - 64 * g));
            while (starts) {
                const std::size_t ws = 64 * g + static_cast<std::size_t>(std::countr_zero(starts));
                starts &= starts - 1;
                std::size_t wl;  // the word's last byte
                if (lasts) {
                    wl = 64 * g + static_cast<std::size_t>(std::countr_zero(lasts));
                    lasts &= lasts - 1;
                } else {  // a word running into the next group(s): its last byte is their first last byte
                    std::size_t h = g + 1;
                    std::uint64_t l2;
                    while (!(l2 = ~space[h] & ((space[h] >> 1) | (space[h + 1] << 63)))) ++h;
                    wl = 64 * h + static_cast<std::size_t>(std::countr_zero(l2));
                }
                done = wl + 1;
                std::size_t sb = ws, se = wl + 1;
                if (((punct[sb >> 6] >> (sb & 63)) | (punct[wl >> 6] >> (wl & 63))) & 1) {
                    while (sb < se && ((punct[sb >> 6] >> (sb & 63)) & 1)) ++sb;
                    while (se > sb && ((punct[(se - 1) >> 6] >> ((se - 1) & 63)) & 1)) --se;
                    // the package keeps the word as it was when stripping leaves 2 characters or fewer
                    if (se - sb <= 2) sb = ws, se = wl + 1;
                }
                const std::size_t len = se - sb;
                bool up_any, low_any, apos_any;
                if ((sb >> 6) == ((se - 1) >> 6)) {  // the word's bits in one mask word
                    const std::size_t w = sb >> 6;
                    const std::uint64_t m = (~0ull >> (64 - len)) << (sb & 63);
                    up_any = upper[w] & m;
                    low_any = lowers[w] & m;
                    apos_any = apos[w] & m;
                } else {
                    up_any = low_any = apos_any = false;
                    for (std::size_t k = sb; k < se; ++k) {
                        up_any |= (upper[k >> 6] >> (k & 63)) & 1;
                        low_any |= (lowers[k >> 6] >> (k & 63)) & 1;
                        apos_any |= (apos[k >> 6] >> (k & 63)) & 1;
                    }
                }
                detail::Token& tk = tk0[n++];
                tk.off = static_cast<std::uint32_t>(sb);
                tk.len = static_cast<std::uint32_t>(len);
                tk.upper = up_any && !low_any;
                tk.apostrophe = apos_any;
                n_upper += tk.upper;
            }
        }
        for (std::size_t k = 0; k < n; ++k) {
            detail::Token& tk = tk0[k];
            const char* const w = lo + tk.off;
            const std::size_t len = tk.len;
            const std::uint64_t c0 = detail::keep_first(detail::load8(w), len);
            std::uint64_t h = detail::hash_mix(detail::hash_seed(len), c0), c1 = 0;
            if (len > 8) {
                c1 = detail::keep_first(detail::load8(w + 8), len - 8);
                h = detail::hash_mix(h, c1);
                for (std::size_t j = 16; j < len; j += 8)
                    h = detail::hash_mix(h, detail::keep_first(detail::load8(w + j), len - j));
            } else {
                h = detail::hash_mix(h, 0);
            }
            static_cast<detail::WordInfo&>(tk) = words_.find(w, len, h, c0, c1);
            if (tk.id == detail::W_BUT && first_but > k) first_but = k;
            if (tk.apostrophe && !tk.negation && len >= 3)
                tk.negation = std::string_view(w, len).find("n't") != std::string_view::npos;
            if (tk.has_lex && !tk.is_booster) cand0[nc++] = static_cast<std::uint32_t>(k);
        }
        res.n = n;
        res.n_candidates = nc;
        res.n_upper = n_upper;
        res.first_but = first_but;
        return true;
    }
#endif

    // Steps 1 and 2 for any text: emoji, then the words into scratch.tokens.
    void tokenise(std::string_view input, detail::Scratch& scratch, detail::Tokenised& res) const {
        std::vector<detail::Token>& toks = scratch.tokens;

        // 1. emoji -> descriptions (an ASCII text has no emoji unless the emoji table has ASCII keys); the same
        // 8-byte loads tell whether the text has any "!" or "?" to count
        bool ascii = true, emphasis = false;
        {
            using detail::ONES;
            constexpr std::uint64_t HIGH = ONES * 0x80, LOW7 = ONES * 0x7F;
            std::size_t k = 0;
            std::uint64_t any = 0, marks = 0;
            for (; k + 8 <= input.size(); k += 8) {
                const std::uint64_t w = detail::load8(input.data() + k);
                any |= w;
                const std::uint64_t x = w ^ (ONES * '!'), y = w ^ (ONES * '?');
                marks |= ~(((x & LOW7) + LOW7) | x) | ~(((y & LOW7) + LOW7) | y);  // high bit: a zero byte of x or y
            }
            if (k < input.size()) {  // the last bytes: one more load, overlapping (ORing a byte twice is harmless)
                const std::uint64_t w = detail::load_at(reinterpret_cast<const unsigned char*>(input.data()),
                                                        input.size(), input.size() >= 8 ? input.size() - 8 : 0);
                any |= w;
                const std::uint64_t x = w ^ (ONES * '!'), y = w ^ (ONES * '?');
                marks |= ~(((x & LOW7) + LOW7) | x) | ~(((y & LOW7) + LOW7) | y);
            }
            ascii = (any & HIGH) == 0;
            emphasis = (marks & HIGH) != 0;
        }
        std::string_view t = input;
        if (!ascii || ascii_emoji_) {
            std::string& text = scratch.text;
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
            t = text;
        }

        // 2. words, in one pass over the bytes: split on Python whitespace (8 bytes at a time through runs of
        // printable ASCII), strip punctuation, lower-case ASCII words 8 bytes at a time into one reused buffer,
        // hash each word from those same 8-byte chunks and look it up once. No allocation once warm.
        using detail::ONES;
        constexpr std::uint64_t HIGH = ONES * 0x80, LOW7 = ONES * 0x7F;
        const auto* const bytes = reinterpret_cast<const unsigned char*>(t.data());
        const std::uint8_t* const cls = detail::byte_classes.c;
        const std::size_t size = t.size();
        std::string& lower = scratch.lower;
        // lower-casing grows a word by at most 3/2 ('İ' -> "i" U+0307), plus slack for whole 8-byte stores
        if (lower.size() < 2 * size + 16) lower.resize(2 * size + 16);
        char* const lo = lower.data();
        std::size_t used = 0, n = 0, nc = 0, n_upper = 0;
        std::size_t first_but = static_cast<std::size_t>(-1);  // the first word "but" (when < n)
        std::size_t i = 0;
        while (i < size) {
            if (cls[bytes[i]] & detail::C_SPACE) {
                ++i;
                continue;
            }
            const std::size_t wb = i;
            bool high = false;
            while (true) {
                // bytes > 0x20 and < 0x80 never end a word: skip them 8 at a time (past the end: spaces)
                std::uint64_t stop;
                while (true) {
                    const std::uint64_t w = detail::load_at(bytes, size, i, ' ');
                    stop = (w | ~((w & LOW7) + ONES * (0x80 - 0x21))) & HIGH;
                    if (stop) break;
                    i += 8;
                }
                i += detail::first_flagged_byte(stop);
                if (i >= size) break;
                const unsigned char b = bytes[i];
                if (b < 0x80) {
                    if (cls[b] & detail::C_SPACE) break;
                    ++i;  // a control character
                } else {
                    std::size_t j = i;
                    if (utf8::is_space(utf8::decode(t, j))) break;
                    high = true;
                    i = j;
                }
            }
            if (i == wb) {  // a non-ASCII space
                utf8::decode(t, i);
                continue;
            }
            std::size_t sb = wb, se = i;
            if ((cls[bytes[sb]] | cls[bytes[se - 1]]) & detail::C_PUNCT) {
                while (sb < se && (cls[bytes[sb]] & detail::C_PUNCT)) ++sb;
                while (se > sb && (cls[bytes[se - 1]] & detail::C_PUNCT)) --se;
                // the package keeps the word as it was when stripping leaves 2 characters or fewer
                std::size_t chars = 0;
                for (std::size_t k = sb; k < se && chars <= 2; ++k) chars += (bytes[k] & 0xC0) != 0x80;
                if (chars <= 2) sb = wb, se = i;
            }
            if (toks.size() <= n) toks.resize(n + 16);
            detail::Token& tk = toks[n++];
            tk.off = static_cast<std::uint32_t>(used);
            detail::WordInfo info;
            bool apostrophe = false;
            if (!high) {
                const std::size_t len = se - sb;
                std::uint64_t h = detail::hash_seed(len), c0 = 0, c1 = 0, up_any = 0, low_any = 0, apos = 0;
                for (std::size_t k = 0; k < len; k += 8) {
                    std::uint64_t w = detail::load_at(bytes, size, sb + k);
                    w = detail::keep_first(w, len - k);
                    // bytes 'A'..'Z' and 'a'..'z' (all bytes are < 0x80: no carries between bytes)
                    const std::uint64_t up = (w + ONES * (0x80 - 'A')) & ~(w + ONES * (0x80 - 'Z' - 1)) & HIGH;
                    low_any |= (w + ONES * (0x80 - 'a')) & ~(w + ONES * (0x80 - 'z' - 1)) & HIGH;
                    up_any |= up;
                    w |= up >> 2;
                    const std::uint64_t x = w ^ (ONES * '\'');
                    apos |= ~(((x & LOW7) + LOW7) | x) & HIGH;  // bytes equal to '\''
                    detail::store8(lo + used + k, w);
                    if (k == 0) c0 = w;
                    if (k == 8) c1 = w;
                    h = detail::hash_mix(h, w);
                }
                if (len <= 8) h = detail::hash_mix(h, 0);
                tk.len = static_cast<std::uint32_t>(len);
                tk.upper = up_any != 0 && low_any == 0;
                apostrophe = apos != 0;
                info = words_.find(lo + used, len, h, c0, c1);
            } else {
                info = lower_word(tk, t.substr(sb, se - sb), scratch.word, lo + used);
                apostrophe = true;
            }
            static_cast<detail::WordInfo&>(tk) = info;
            if (tk.id == detail::W_BUT && first_but > n) first_but = n - 1;
            if (apostrophe && !tk.negation && tk.len >= 3)
                tk.negation = std::string_view(lo + used, tk.len).find("n't") != std::string_view::npos;
            if (tk.has_lex && !tk.is_booster) {
                if (scratch.candidates.size() <= nc) scratch.candidates.resize(nc + 16);
                scratch.candidates[nc++] = static_cast<std::uint32_t>(n - 1);
            }
            n_upper += tk.upper;
            used += tk.len;
        }

        res.n = n;
        res.n_candidates = nc;
        res.n_upper = n_upper;
        res.first_but = first_but;
        if (emphasis || t.data() != input.data()) detail::count_emphasis(t, res.ep, res.qm);
    }

    // Steps 3 to 6: valences, "but", the sums and the scores. Only the candidates (lexicon words that are not
    // boosters) can have a valence other than 0, so only they are scored and summed: adding the others' 0.0 would
    // leave every sum as it is, and they count as neutral.
    static SentimentScores finish(detail::Scratch& scratch, const detail::Tokenised& res) {
        SentimentScores r;
        const std::size_t n = res.n, nc = res.n_candidates, first_but = res.first_but;
        if (n == 0) return r;
        const detail::Token* const toks = scratch.tokens.data();
        const std::uint32_t* const cand = scratch.candidates.data();
        // allcap_differential: some but not all words are ALL CAPS
        const bool cap_diff = res.n_upper > 0 && res.n_upper < n;

        // 3. valence per candidate ("kind" in "kind of" counts 0)
        std::vector<double>& sv = scratch.sentiments;
        if (sv.size() < nc) sv.resize(nc + 16);
        double* const s = sv.data();
        for (std::size_t j = 0; j < nc; ++j) {
            const std::size_t k = cand[j];
            double v = 0.0;
            if (!(k + 1 < n && toks[k].id == detail::W_KIND && toks[k + 1].id == detail::W_OF))
                v = valence(toks, n, k, cap_diff);
            s[j] = v;
        }

        // 4. "but". The package's loop: for each value v (by position), the *first* element equal to v is
        // rescaled. A zero stays zero, and only candidates hold other values, so the loop runs over them.
        if (first_but < n) {
            for (std::size_t j = 0; j < nc; ++j) {
                const double v = s[j];
                if (v == 0) continue;
                std::size_t si = 0;
                while (s[si] != v) ++si;
                if (cand[si] < first_but) s[si] = v * 0.5;
                else if (cand[si] > first_but) s[si] = v * 1.5;
            }
        }

        // 5. scores (the sums in the package's order; adding 0.0 leaves a sum as it is, so no branches)
        double sum_s = 0.0, pos_sum = 0, neg_sum = 0;
        std::size_t nonzero = 0;
        for (std::size_t j = 0; j < nc; ++j) {
            const double v = s[j];
            sum_s += v;
            pos_sum += v > 0 ? v + 1 : 0.0;
            neg_sum += v < 0 ? v - 1 : 0.0;
            nonzero += v != 0;
        }
        const std::size_t neu_count = n - nonzero;
        const std::size_t ep = res.ep, qm = res.qm;
        const double ep_amp = static_cast<double>(std::min<std::size_t>(ep, 4)) * 0.292;
        double qm_amp = 0;
        if (qm > 1) qm_amp = qm <= 3 ? static_cast<double>(qm) * 0.18 : 0.96;
        const double punct = ep_amp + qm_amp;
        if (sum_s > 0) sum_s += punct;
        else if (sum_s < 0) sum_s -= punct;
        double compound = sum_s / std::sqrt(sum_s * sum_s + 15.0);
        compound = std::clamp(compound, -1.0, 1.0);

        if (pos_sum > std::fabs(neg_sum)) pos_sum += punct;
        else if (pos_sum < std::fabs(neg_sum)) neg_sum -= punct;
        const double total = pos_sum + std::fabs(neg_sum) + static_cast<double>(neu_count);
        r.pos = detail::python_round(std::fabs(pos_sum / total), 3);
        r.neg = detail::python_round(std::fabs(neg_sum / total), 3);
        r.neu = detail::python_round(std::fabs(static_cast<double>(neu_count) / total), 3);
        r.compound = detail::python_round(compound, 4);
        return r;
    }

    // A word with non-ASCII characters: lower-cases it (Python's str.lower() of the covered scripts) into dst,
    // which has 8 bytes of slack, sets the token's length and case flag, and returns its table entry.
    detail::WordInfo lower_word(detail::Token& tok, std::string_view word, std::string& buf, char* dst) const {
        buf.clear();
        bool cased = false, has_lower = false;
        for (std::size_t k = 0; k < word.size();) {
            const char32_t cp = utf8::decode(word, k);
            if (utf8::is_lower(cp)) has_lower = true;
            else if (utf8::is_upper(cp)) cased = true;
            utf8::append_lower(buf, cp);
        }
        std::memcpy(dst, buf.data(), buf.size());
        tok.len = static_cast<std::uint32_t>(buf.size());
        tok.upper = cased && !has_lower;
        std::uint64_t c0 = 0, c1 = 0;
        const std::uint64_t h = detail::hash_padded(dst, buf.size(), c0, c1);
        return words_.find(dst, buf.size(), h, c0, c1);
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

    // Valence of word i, which is in the lexicon.
    static double valence(const detail::Token* w, std::size_t n, std::size_t i, bool cap_diff) {
        using detail::N_SCALAR;
        const detail::Token& item = w[i];
        const double lexv = item.lex;
        double v = lexv;
        if (item.id == detail::W_NO && i != n - 1 && w[i + 1].has_lex) v = 0.0;
        if ((i > 0 && w[i - 1].id == detail::W_NO) || (i > 1 && w[i - 2].id == detail::W_NO) ||
            (i > 2 && w[i - 3].id == detail::W_NO && (w[i - 1].id == detail::W_OR || w[i - 1].id == detail::W_NOR)))
            v = lexv * N_SCALAR;
        if (item.upper && cap_diff) {
            if (v > 0) v += detail::C_INCR;
            else v -= detail::C_INCR;
        }
        for (std::size_t start = 0; start < 3; ++start) {
            if (i > start && !w[i - (start + 1)].has_lex) {
                double sc = scalar_inc_dec(w[i - (start + 1)], v, cap_diff);
                if (start == 1 && sc != 0) sc = sc * 0.95;
                if (start == 2 && sc != 0) sc = sc * 0.9;
                v = v + sc;
                v = negation_check(v, w, start, i);
                if (start == 2) v = special_idioms_check(v, w, n, i);
            }
        }
        // _least_check
        if (i > 1 && !w[i - 1].has_lex && w[i - 1].id == detail::W_LEAST) {
            if (w[i - 2].id != detail::W_AT && w[i - 2].id != detail::W_VERY) v = v * N_SCALAR;
        } else if (i > 0 && !w[i - 1].has_lex && w[i - 1].id == detail::W_LEAST) {
            v = v * N_SCALAR;
        }
        return v;
    }

    static double negation_check(double v, const detail::Token* w, std::size_t start, std::size_t i) {
        using namespace detail;
        auto is = [&](std::size_t k, WordId id) { return w[k].id == id; };
        if (start == 0) {
            if (w[i - 1].negation) v = v * N_SCALAR;
        } else if (start == 1) {
            if (is(i - 2, W_NEVER) && (is(i - 1, W_SO) || is(i - 1, W_THIS))) v = v * 1.25;
            else if (is(i - 2, W_WITHOUT) && is(i - 1, W_DOUBT)) {}
            else if (w[i - 2].negation) v = v * N_SCALAR;
        } else {
            // Python precedence: (never and (so or this)) or (so or this)
            if ((is(i - 3, W_NEVER) && (is(i - 2, W_SO) || is(i - 2, W_THIS))) || (is(i - 1, W_SO) || is(i - 1, W_THIS)))
                v = v * 1.25;
            else if (is(i - 3, W_WITHOUT) && (is(i - 2, W_DOUBT) || is(i - 1, W_DOUBT))) {}
            else if (w[i - 3].negation) v = v * N_SCALAR;
        }
        return v;
    }

    // SPECIAL_CASES: the valence of a two- or three-word sequence of word ids, or nullptr. Words never contain
    // whitespace, so a space-joined sequence equals a key exactly when its words equal the key's words.
    static const double* special2(detail::WordId a, detail::WordId b) {
        using namespace detail;
        static constexpr double the_shit = 3, the_bomb = 3, bad_ass = 1.5, bus_stop = 0.0, yeah_right = -2,
                                beating_heart = 3.5;
        if (a == W_THE && b == W_SHIT) return &the_shit;
        if (a == W_THE && b == W_BOMB) return &the_bomb;
        if (a == W_BAD && b == W_ASS) return &bad_ass;
        if (a == W_BUS && b == W_STOP) return &bus_stop;
        if (a == W_YEAH && b == W_RIGHT) return &yeah_right;
        if (a == W_BEATING && b == W_HEART) return &beating_heart;
        return nullptr;
    }
    static const double* special3(detail::WordId a, detail::WordId b, detail::WordId c) {
        using namespace detail;
        static constexpr double kiss_of_death = -1.5, to_die_for = 3;
        if (a == W_KISS && b == W_OF && c == W_DEATH) return &kiss_of_death;
        if (a == W_TO && b == W_DIE && c == W_FOR) return &to_die_for;
        return nullptr;
    }
    // "just enough", "kind of", "sort of": the multi-word keys of BOOSTER_DICT.
    static bool booster_ngram(detail::WordId a, detail::WordId b) {
        using namespace detail;
        return (a == W_JUST && b == W_ENOUGH) || (a == W_KIND && b == W_OF) || (a == W_SORT && b == W_OF);
    }

    static double special_idioms_check(double v, const detail::Token* w, std::size_t n, std::size_t i) {
        const auto id = [&](std::size_t k) { return w[k].id; };
        // onezero, twoonezero, twoone, threetwoone, threetwo: the first that is a special case wins
        const double* sc = special2(id(i - 1), id(i));
        if (!sc) sc = special3(id(i - 2), id(i - 1), id(i));
        if (!sc) sc = special2(id(i - 2), id(i - 1));
        if (!sc) sc = special3(id(i - 3), id(i - 2), id(i - 1));
        if (!sc) sc = special2(id(i - 3), id(i - 2));
        if (sc) v = *sc;
        if (n - 1 > i)  // zeroone
            if (const double* z = special2(id(i), id(i + 1))) v = *z;
        if (n - 1 > i + 1)  // zeroonetwo
            if (const double* z = special3(id(i), id(i + 1), id(i + 2))) v = *z;
        // booster n-grams in threetwoone (three words: never a two-word key), threetwo and twoone
        if (booster_ngram(id(i - 3), id(i - 2))) v = v + detail::B_DECR;
        if (booster_ngram(id(i - 2), id(i - 1))) v = v + detail::B_DECR;
        return v;
    }

    Lexicon lex_;
    detail::WordTable words_;
    bool ascii_emoji_ = false;
};

}  // namespace cxkit::voc

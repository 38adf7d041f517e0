// VADER sentiment against the vaderSentiment package 3.3.2: every expected number below was printed by the
// package (SentimentIntensityAnalyzer().polarity_scores) for the sentence next to it. The sentences are the
// package's own README/demo examples, then one per rule. The corpus-wide comparison (26,375 sentences: ticket
// texts and generated edge cases) is a separate script; see the report of issue 6.
#include <doctest/doctest.h>

#include <cxkit/voc/vader.hpp>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

namespace {

using cxkit::voc::Lexicon;
using cxkit::voc::SentimentScores;
using cxkit::voc::Vader;

// The shipped lexicons: CXKIT_DATA_DIR (defined by the cxkit::cxkit CMake target) is absolute; __FILE__ may be
// relative to the build folder (ccache's base dir), so it is only the fallback.
#ifdef CXKIT_DATA_DIR
const std::filesystem::path data_dir = CXKIT_DATA_DIR;
#else
const std::filesystem::path data_dir =
    std::filesystem::path(__FILE__).parent_path() / ".." / ".." / "python" / "cxkit" / "voc" / "data";
#endif

const Vader& vader() {
    static const Vader v(Lexicon::from_files(data_dir / "vader_lexicon.txt", data_dir / "emoji_utf8_lexicon.txt"));
    return v;
}

struct Expected {
    const char8_t* text;
    double neg, neu, pos, compound;
};

std::string_view sv(const char8_t* s) { return reinterpret_cast<const char*>(s); }

void check(const Vader& v, const Expected& e) {
    CAPTURE(std::string(sv(e.text)));
    const SentimentScores s = v.score(sv(e.text));
    // The package rounds (3 decimals, compound 4); the port rounds the same way, so the values are identical.
    CHECK(s.neg == e.neg);
    CHECK(s.neu == e.neu);
    CHECK(s.pos == e.pos);
    CHECK(s.compound == e.compound);
}

}  // namespace

TEST_CASE("vader: the package's README examples, exact numbers") {
    const Expected cases[] = {
        {u8"VADER is smart, handsome, and funny.", 0.0, 0.254, 0.746, 0.8316},
        {u8"VADER is smart, handsome, and funny!", 0.0, 0.248, 0.752, 0.8439},
        {u8"VADER is very smart, handsome, and funny.", 0.0, 0.299, 0.701, 0.8545},
        {u8"VADER is VERY SMART, handsome, and FUNNY.", 0.0, 0.246, 0.754, 0.9227},
        {u8"VADER is VERY SMART, handsome, and FUNNY!!!", 0.0, 0.233, 0.767, 0.9342},
        {u8"VADER is VERY SMART, uber handsome, and FRIGGIN FUNNY!!!", 0.0, 0.294, 0.706, 0.9469},
        {u8"VADER is not smart, handsome, nor funny.", 0.646, 0.354, 0.0, -0.7424},
        {u8"The book was good.", 0.0, 0.508, 0.492, 0.4404},
        {u8"At least it isn't a horrible book.", 0.0, 0.678, 0.322, 0.431},
        {u8"The book was only kind of good.", 0.0, 0.697, 0.303, 0.3832},
        {u8"The plot was good, but the characters are uncompelling and the dialog is not great.", 0.327, 0.579, 0.094, -0.7042},
        {u8"Today SUX!", 0.779, 0.221, 0.0, -0.5461},
        {u8"Today only kinda sux! But I'll get by, lol", 0.127, 0.556, 0.317, 0.5249},
        {u8"Make sure you :) or :D today!", 0.0, 0.294, 0.706, 0.8633},
        {u8"Catch utf-8 emoji such as 💘 and 💋 and 😁", 0.0, 0.583, 0.417, 0.875},
        {u8"Not bad at all", 0.0, 0.513, 0.487, 0.431},
        {u8"Sentiment analysis has never been good.", 0.325, 0.675, 0.0, -0.3412},
        {u8"Sentiment analysis has never been this good!", 0.0, 0.621, 0.379, 0.5672},
        {u8"Most automated sentiment analysis tools are shit.", 0.375, 0.625, 0.0, -0.5574},
        {u8"With VADER, sentiment analysis is the shit!", 0.0, 0.583, 0.417, 0.6476},
        {u8"Other sentiment analysis tools can be quite bad.", 0.351, 0.649, 0.0, -0.5849},
        {u8"On the other hand, VADER is quite bad ass", 0.0, 0.423, 0.577, 0.802},
        {u8"VADER is such a badass!", 0.0, 0.598, 0.402, 0.4003},
        {u8"Without a doubt, excellent idea.", 0.0, 0.341, 0.659, 0.7013},
        {u8"Roger Dodger is one of the most compelling variations on this theme.", 0.0, 0.834, 0.166, 0.2944},
        {u8"Roger Dodger is at least compelling as a variation on the theme.", 0.0, 0.853, 0.147, 0.2263},
        {u8"Roger Dodger is one of the least compelling variations on this theme.", 0.132, 0.868, 0.0, -0.1695},
        {u8"Not such a badass after all.", 0.289, 0.711, 0.0, -0.2584},
        {u8"Without a doubt, an excellent idea.", 0.0, 0.408, 0.592, 0.7013},
    };
    for (const auto& e : cases) check(vader(), e);
}

TEST_CASE("vader: one sentence per rule, exact numbers of the package") {
    SUBCASE("negation") {
        check(vader(), {u8"The service was good", 0.0, 0.508, 0.492, 0.4404});
        check(vader(), {u8"The service was not good", 0.376, 0.624, 0.0, -0.3412});
        check(vader(), {u8"no problem", 0.0, 0.307, 0.693, 0.3089});
        check(vader(), {u8"no good", 0.706, 0.294, 0.0, -0.3412});
        check(vader(), {u8"It is never so bad", 0.573, 0.427, 0.0, -0.7479});
        check(vader(), {u8"not bad at least", 0.0, 0.513, 0.487, 0.431});
        check(vader(), {u8"at least bad", 0.636, 0.364, 0.0, -0.5423});
    }
    SUBCASE("boosters and dampeners") {
        check(vader(), {u8"The service was very good", 0.0, 0.556, 0.444, 0.4927});
        check(vader(), {u8"It is kind of bad", 0.487, 0.513, 0.0, -0.5849});
    }
    SUBCASE("ALL CAPS only counts when the text mixes case") {
        check(vader(), {u8"The service was GOOD", 0.0, 0.452, 0.548, 0.5622});
        check(vader(), {u8"THE SERVICE WAS GOOD", 0.0, 0.508, 0.492, 0.4404});
    }
    SUBCASE("but") {
        check(vader(), {u8"It was good but slow and terrible", 0.374, 0.45, 0.176, -0.4939});
    }
    SUBCASE("special cases") {
        check(vader(), {u8"The food is the bomb", 0.0, 0.5, 0.5, 0.6124});
        check(vader(), {u8"yeah right great", 0.0, 0.137, 0.863, 0.743});
    }
    SUBCASE("punctuation") {
        check(vader(), {u8"The service was good!", 0.0, 0.484, 0.516, 0.4926});
        check(vader(), {u8"The service was good!!!!!!", 0.0, 0.424, 0.576, 0.6209});  // at most 4 count
        check(vader(), {u8"The service was good??", 0.0, 0.479, 0.521, 0.504});
        check(vader(), {u8"The service was good????", 0.0, 0.437, 0.563, 0.594});
    }
    SUBCASE("emoji") {
        check(vader(), {u8"I hate it 😠", 0.7, 0.3, 0.0, -0.7906});
        check(vader(), {u8"😁", 0.0, 0.571, 0.429, 0.4588});
    }
    SUBCASE("single word, empty and blank texts") {
        check(vader(), {u8"good", 0.0, 0.0, 1.0, 0.4404});
        check(vader(), {u8"", 0.0, 0.0, 0.0, 0.0});
        check(vader(), {u8"   ", 0.0, 0.0, 0.0, 0.0});
    }
}

TEST_CASE("vader: a 1 MB text gives finite scores in range") {
    std::string big;
    big.reserve(1 << 20);
    const std::string_view pieces[] = {"The product is great! ", "Support was not helpful, ", "but I LOVE it 😁 ",
                                       "kind of slow?? ", "never so bad. "};
    for (std::size_t k = 0; big.size() < (1u << 20); ++k) big += pieces[k % 5];
    const SentimentScores s = vader().score(big);
    CHECK(std::isfinite(s.compound));
    CHECK(s.compound >= -1.0);
    CHECK(s.compound <= 1.0);
    CHECK(std::isfinite(s.pos));
    CHECK(std::fabs(s.pos + s.neg + s.neu - 1.0) < 0.01);
}

TEST_CASE("vader: score_many equals score, on any thread count; invalid UTF-8 names the row") {
    std::vector<std::string> texts;
    for (int k = 0; k < 2000; ++k)
        texts.push_back(std::string(k % 3 ? "very good " : "NOT bad but awful ") + std::to_string(k) +
                        std::string(static_cast<std::size_t>(k % 6), '!'));
    std::vector<SentimentScores> one(texts.size()), two(texts.size()), three(texts.size());
    vader().score_many(texts, one.data(), 1);
    vader().score_many(texts, two.data(), 2);
    vader().score_many(texts, three.data(), 3);
    CHECK(one == two);
    CHECK(one == three);
    for (std::size_t k = 0; k < texts.size(); k += 97) CHECK(one[k] == vader().score(texts[k]));

    texts[1234] = "caf\xC3";  // truncated sequence
    texts[1500] = "\xFF";
    std::vector<SentimentScores> out(texts.size());
    try {
        vader().score_many(texts, out.data(), 2);
        FAIL("expected invalid_input");
    } catch (const cxkit::invalid_input& e) {
        CHECK(e.row() == 1234);
        CHECK(e.column() == "text");
        CHECK(std::string(e.what()).find("row 1234") != std::string::npos);
        CHECK(std::string(e.what()).find("UTF-8") != std::string::npos);
    }
    CHECK(out[0] == SentimentScores{});  // nothing written
    CHECK_THROWS_AS(vader().score("\xED\xA0\x80"), cxkit::invalid_input);  // a surrogate
    CHECK_THROWS_AS(vader().score("\xC0\xAF"), cxkit::invalid_input);      // overlong
}

TEST_CASE("vader: malformed lexicon lines are errors naming the line") {
    Lexicon lex;
    auto message = [&](std::string_view text) -> std::string {
        try {
            lex.add_words(text, "user.txt");
        } catch (const cxkit::invalid_input& e) {
            return e.what();
        }
        return "";
    };
    CHECK(message("good\t2.0\nbad -2.0\n").find("user.txt line 2") != std::string::npos);
    CHECK(message("good\t2.0\n\nbad\tminus two\n").find("line 3") != std::string::npos);
    CHECK(message("good\t2.0\r\n\t-1\r\n").find("line 2") != std::string::npos);  // only a valence: empty token
    CHECK(message("good\tnan\n").find("line 1") != std::string::npos);
    CHECK(message("ok\t1\nbad\t\xFF\n").find("line 2: invalid UTF-8") != std::string::npos);
    CHECK(lex.size() == 0);  // failed loads leave the lexicon unchanged

    lex.add_words("good\t2.0\t0.5\t[2, 2]\r\nfine\t+0.8\n\n");
    CHECK(lex.size() == 2);
    CHECK(*lex.find("fine") == 0.8);
    CHECK_THROWS_AS(Lexicon::from_files(data_dir / "no_such_file.txt"), cxkit::invalid_input);
    std::string emsg;
    try {
        lex.add_emoji("😁\tbeaming face\nno description here\n", "emoji.txt");
    } catch (const cxkit::invalid_input& e) {
        emsg = e.what();
    }
    CHECK(emsg.find("emoji.txt line 2") != std::string::npos);
}

TEST_CASE("vader: a user lexicon for Persian") {
    // Three Persian words with valences; expected numbers from the package loaded with the same lexicon file
    // (SentimentIntensityAnalyzer(lexicon_file="fa.txt")).
    Lexicon fa;
    fa.add_words(sv(u8"عالی\t3.0\t0.5\t[3]\nخوب\t1.9\t0.5\t[2]\nبد\t-2.5\t0.5\t[-2]\n"), "fa.txt");
    CHECK(fa.size() == 3);
    const Vader v(std::move(fa));
    check(v, {u8"این محصول عالی است!", 0.0, 0.411, 0.589, 0.6476});        // "this product is excellent!"
    check(v, {u8"پشتیبانی خوب بود ولی تحویل بد بود", 0.307, 0.439, 0.254, -0.1531});  // "support good, delivery bad"
    check(v, {u8"very خوب", 0.0, 0.238, 0.762, 0.4927});  // the rules (English boosters, negations) still apply
    check(v, {u8"not عالی", 0.763, 0.237, 0.0, -0.4973});

    // A user lexicon loaded after the default one overrides and extends it.
    Lexicon both = Lexicon::from_files(data_dir / "vader_lexicon.txt", data_dir / "emoji_utf8_lexicon.txt");
    const std::size_t before = both.size();
    both.add_words(sv(u8"عالی\t3.0\ngood\t-1.0\n"));
    CHECK(both.size() == before + 1);
    CHECK(*both.find("good") == -1.0);
    CHECK(Vader(std::move(both)).score("good").compound < 0);
}

TEST_CASE("vader: shipped data files load with the package's sizes") {
    const Lexicon& lex = vader().lexicon();
    CHECK(lex.size() == 7506);
    CHECK(*lex.find("good") == 1.9);
    CHECK(lex.emoji(U'😁') != nullptr);
    CHECK(lex.emoji(U'a') == nullptr);
}

TEST_CASE("vader: the ASCII fast path equals the general tokeniser on random texts") {
    // An emoji key that is ASCII sends every text through the general (byte-at-a-time) tokeniser; texts without
    // that byte must score the very same bits as on the default scorer, which takes the ASCII path for them.
    Lexicon lex = Lexicon::from_files(data_dir / "vader_lexicon.txt", data_dir / "emoji_utf8_lexicon.txt");
    lex.add_emoji("\x01\tcontrol one");
    const Vader general(lex);
    const char* words[] = {"good", "bad", "GOOD", "Bad", "great", "not", "isn't", "ISN'T", "don't", "no", "NO",
                           "but", "BUT", "kind", "of", "sort", "very", "VERY", "least", "at", "the", "shit", "never",
                           "so", "this", "without", "doubt", "kiss", "death", "to", "die", "for", "a", ":)", ":(",
                           ":D", "<3", "(good)", "'bad'", "--no--", "...", "?", "!", "!!", "????", "g00d", "n't",
                           "a.", "ab.", "abc.", "!!good", "good!!!", "love", "kinda", "uh-uh", "x", "\x02z",
                           "supercalifragilisticexpialidocious",
                           "a-word-of-more-than-sixty-four-bytes-that-spans-two-mask-words-of-the-tokeniser!!",
                           "HORRIBLE"};
    const char* gaps[] = {" ", " ", " ", " ", "  ", "\t", "\n", "\x0b", "\x0c", "\r", "\x1c", "\x1f", ",", "."};
    std::mt19937 rng(20261122);
    for (int t = 0; t < 20000; ++t) {
        std::string s;
        const int n = static_cast<int>(rng() % 40);
        for (int w = 0; w < n; ++w) {
            s += words[rng() % std::size(words)];
            s += gaps[rng() % std::size(gaps)];
        }
        if (!s.empty() && rng() % 2) s.pop_back();
        CAPTURE(s);
        const SentimentScores a = vader().score(s), b = general.score(s);
        REQUIRE(a == b);
    }
}

TEST_CASE("vader: score_many over many chunks is the same on 1, 2 and 3 threads") {
    // 20,000 short texts: five chunks of 4,096 rows, so the threads really share the work
    std::vector<std::string> texts;
    std::mt19937 g(7);
    const char* words[] = {"good", "bad", "NOT", "very", "awful", "great", "but", "meh", "!", "love", ":)"};
    for (int k = 0; k < 20000; ++k) {
        std::string t;
        for (int w = 0; w < 6; ++w) t += std::string(words[g() % 11]) + " ";
        texts.push_back(t);
    }
    std::vector<SentimentScores> one(texts.size()), two(texts.size()), three(texts.size());
    vader().score_many(texts, one.data(), 1);
    vader().score_many(texts, two.data(), 2);
    vader().score_many(texts, three.data(), 3);
    CHECK(one == two);
    CHECK(one == three);
    CHECK(one[19999] == vader().score(texts[19999]));
}

TEST_CASE("vader: score_many stops between chunks when asked (keep_going or the thread's interrupt check)") {
    // the check is asked at most every 20 ms, by the calling thread between its chunks: enough texts (~0.3 s of
    // work) that the loop is still running then. One thread: with two, a loaded machine can starve the calling
    // thread until the other has done every chunk (CI saw that), and nothing is asked at all.
    std::vector<std::string> texts(300000, "good service but a slow reply");
    std::vector<SentimentScores> out(texts.size());
    int asked = 0;
    CHECK_THROWS_AS(vader().score_many(texts, out.data(), 1, [&] { return ++asked < 1; }), cxkit::core::cancelled);
    CHECK(asked >= 1);
    // the old name still catches it
    cxkit::core::interrupt_scope stop([](void*) { return false; }, nullptr);
    CHECK_THROWS_AS(vader().score_many(texts, out.data(), 1), cxkit::voc::cancelled);
}

TEST_CASE("vader: default_lexicon() finds the shipped lexicon through CXKIT_DATA_DIR, with a clear error if absent") {
    // the environment variable overrides the compile definition (the lead's CMake sets that one)
    ::setenv("CXKIT_DATA_DIR", data_dir.string().c_str(), 1);
    const Vader v = Vader::from_default_lexicon();
    CHECK(v.lexicon().size() == vader().lexicon().size());
    CHECK(v.score("The service was great :)") == vader().score("The service was great :)"));

    const auto missing = std::filesystem::temp_directory_path() / "cxkit-no-such-data-dir";
    ::setenv("CXKIT_DATA_DIR", missing.string().c_str(), 1);
    try {
        (void)cxkit::voc::default_lexicon();
        FAIL("expected invalid_input");
    } catch (const cxkit::invalid_input& e) {
        const std::string what = e.what();
        CHECK(what.find("vader_lexicon.txt") != std::string::npos);
        CHECK(what.find("CXKIT_DATA_DIR") != std::string::npos);
        CHECK(what.find(missing.string()) != std::string::npos);
    }
    ::unsetenv("CXKIT_DATA_DIR");
#ifdef CXKIT_DATA_DIR
    CHECK(Vader::from_default_lexicon().lexicon().size() == vader().lexicon().size());
#else
    CHECK_THROWS_WITH_AS((void)cxkit::voc::data_dir(), doctest::Contains("CXKIT_DATA_DIR"), cxkit::invalid_input);
#endif
}

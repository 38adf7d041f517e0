// Redaction: what is personal is replaced and counted; what only looks like it (dates, order numbers, a number
// failing its Luhn check, a name inside another word) is left alone.
#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

#include "cxkit/privacy/redactor.hpp"

using namespace cxkit::privacy;

namespace {
std::string red(std::string_view s, RedactionCounts& c, std::vector<std::string_view> names = {}) {
    return Redactor().redact(s, c, names);
}
}  // namespace

TEST_CASE("e-mail addresses") {
    RedactionCounts c;
    CHECK(red("Write to john.smith+cx@mail.example.com.", c) == "Write to [email].");
    CHECK(red("ids: a1234567890@corp.io, x@y", c) == "ids: [email], x@y");
    CHECK(red("meet @ 5", c) == "meet @ 5");
    CHECK(c.emails == 2);
    CHECK(c.total() == 2);
}

TEST_CASE("payment cards pass their Luhn check") {
    RedactionCounts c;
    CHECK(red("card 4111 1111 1111 1111 declined", c) == "card [card] declined");
    CHECK(red("card 4111-1111-1111-1111", c) == "card [card]");
    CHECK(red("5500005555555559", c) == "[card]");
    CHECK(c.cards == 3);
    RedactionCounts d;
    CHECK(red("ref 4111 1111 1111 1112", d) == "ref 4111 1111 1111 1112");  // fails Luhn; too long for a phone
    CHECK(d.total() == 0);
}

TEST_CASE("phone numbers, not dates or short numbers") {
    RedactionCounts c;
    CHECK(red("call +1 (555) 123-4567 today", c) == "call [phone] today");
    CHECK(red("or 021-8888 7766", c) == "or [phone]");
    CHECK(red("mobile 09121234567", c) == "mobile [phone]");
    CHECK(c.phones == 3);
    RedactionCounts d;
    CHECK(red("on 2024-01-31 order 1234567 for 12.50 at 10:30, 31.01.2024", d) ==
          "on 2024-01-31 order 1234567 for 12.50 at 10:30, 31.01.2024");
    CHECK(red("room42 and abc1234567890", d) == "room42 and abc1234567890");
    CHECK(d.total() == 0);
}

TEST_CASE("the customer's own names, whole words, any case") {
    RedactionCounts c;
    const std::vector<std::string_view> names{"Marisa Obrien"};
    CHECK(red("Hi Marisa, this is for MARISA OBRIEN. Obrien's account; Marisabel stays.", c, names) ==
          "Hi [name], this is for [name]. [name]'s account; Marisabel stays.");
    CHECK(c.names == 3);
    RedactionCounts d;
    CHECK(red("Hi Marisa", d) == "Hi Marisa");
}

TEST_CASE("text around the matches and non-ASCII text are kept byte for byte") {
    RedactionCounts c;
    const std::string s = "سلام ali@x.ir — خیلی ممنون 😀";
    CHECK(red(s, c) == "سلام [email] — خیلی ممنون 😀");
    RedactionCounts d;
    CHECK(red("", d).empty());
    CHECK(red("@@@...+++---", d) == "@@@...+++---");
    CHECK(d.total() == 0);
}

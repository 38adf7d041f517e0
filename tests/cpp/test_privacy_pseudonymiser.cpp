// Keyed pseudonyms: the values of an independent BLAKE2b (Python's hashlib.blake2b(id, key=bytes(range(32)),
// digest_size=16)), deterministic for one key, different for another, and the same in bulk and one by one.
#include <doctest/doctest.h>

#include <array>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "cxkit/privacy/pseudonymiser.hpp"

using namespace cxkit::privacy;

namespace {
SecretKey counting_key(unsigned char first = 0) {
    std::array<unsigned char, 32> k{};
    for (std::size_t i = 0; i < k.size(); ++i) k[i] = static_cast<unsigned char>(first + i);
    return SecretKey(k);
}
}  // namespace

TEST_CASE("pseudonyms equal an independent keyed BLAKE2b-128") {
    const Pseudonymiser p(counting_key());
    CHECK(p.pseudonym("C001") == "701e678dc38f3d5917f61005d5508906");
    CHECK(p.pseudonym("7") == "63c47b3459dceea0f2b1069197899362");
    CHECK(p.pseudonym(std::int64_t{7}) == p.pseudonym("7"));
    CHECK(p.pseudonym("") == "3daf97bce7888fd59773c66bf647459c");
    CHECK(p.pseudonym(" caf\xc3\xa9") == "ea3f05176bc70d1b6c90731d34cb8e9d");
    CHECK(p.pseudonym("007") != p.pseudonym("7"));
}

TEST_CASE("one key gives one pseudonym per id; another key gives others") {
    const Pseudonymiser a(counting_key()), a2(counting_key()), b(counting_key(1));
    std::vector<std::string> ids;
    for (int i = 0; i < 5000; ++i) ids.push_back("customer-" + std::to_string(i));
    std::vector<std::string_view> views(ids.begin(), ids.end());
    const std::string bulk = a.pseudonyms(views, 2);
    CHECK(bulk == a2.pseudonyms(views, 1));
    std::set<std::string> seen;
    for (std::size_t i = 0; i < ids.size(); ++i) {
        const std::string one = a.pseudonym(ids[i]);
        CHECK(bulk.substr(i * Pseudonymiser::pseudonym_size, Pseudonymiser::pseudonym_size) == one);
        CHECK(one != b.pseudonym(ids[i]));
        seen.insert(one);
    }
    CHECK(seen.size() == ids.size());
}

TEST_CASE("keys of the wrong length are refused") {
    const std::array<unsigned char, 8> short_key{};
    CHECK_THROWS_AS(SecretKey{short_key}, cxkit::invalid_input);
    const std::vector<unsigned char> long_key(65, 1);
    CHECK_THROWS_AS(SecretKey{long_key}, cxkit::invalid_input);
    CHECK_THROWS_AS(Pseudonymiser{SecretKey{}}, cxkit::invalid_input);
    const SecretKey g1 = SecretKey::generate(), g2 = SecretKey::generate();
    CHECK(g1.size() == 32);
    CHECK(std::string_view(reinterpret_cast<const char*>(g1.data()), 32) !=
          std::string_view(reinterpret_cast<const char*>(g2.data()), 32));
}

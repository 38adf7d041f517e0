// Sealed state bytes: a round trip gives the bytes back; a changed byte, a cut, another key or plain bytes are
// refused with cxkit::invalid_input before anything is parsed.
#include <doctest/doctest.h>

#include <string>

#include "cxkit/metrics/nps.hpp"
#include "cxkit/privacy/sealed_bytes.hpp"

using namespace cxkit::privacy;

TEST_CASE("sealed state bytes round-trip and refuse every change") {
    cxkit::metrics::NpsState s;
    for (double x : {10., 9., 3., 7., 0., 10.}) s.add(x);
    const std::string plain = s.serialize();
    const SecretKey key = SecretKey::generate(), other = SecretKey::generate();
    const std::string sealed = seal(plain, key);
    CHECK(is_sealed(sealed));
    CHECK(sealed.find(plain) == std::string::npos);
    CHECK(seal(plain, key) != sealed);  // a fresh nonce each time
    CHECK(cxkit::metrics::NpsState::deserialize(open_sealed(sealed, key)) == s);
    CHECK_THROWS_AS(open_sealed(sealed, other), cxkit::invalid_input);
    for (std::size_t i = 0; i < sealed.size(); ++i) {
        std::string bad = sealed;
        bad[i] = static_cast<char>(bad[i] ^ 0x01);
        CHECK_THROWS_AS(open_sealed(bad, key), cxkit::invalid_input);
    }
    for (std::size_t n = 0; n < sealed.size(); ++n) CHECK_THROWS_AS(open_sealed(sealed.substr(0, n), key), cxkit::invalid_input);
    CHECK_THROWS_AS(open_sealed(plain, key), cxkit::invalid_input);
    CHECK(open_sealed(seal("", key), key).empty());
    const std::array<unsigned char, 16> short_key{1};
    CHECK_THROWS_AS(seal(plain, SecretKey(short_key)), cxkit::invalid_input);
}

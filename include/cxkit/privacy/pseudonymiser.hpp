#pragma once
// Keyed pseudonymisation of customer ids: pseudonym = hex(BLAKE2b-128(id, key)), libsodium's crypto_generichash
// (the same function as Python's hashlib.blake2b(id, key=key, digest_size=16)). One key gives the same pseudonym
// for an id in every log, partition, state and day, so pseudonymised data still joins and merges; another key
// gives unrelated pseudonyms; without the key an id cannot be recovered or tested (a keyed hash, unlike a plain
// hash of a small id space). Integer ids are hashed as their decimal text, so 7 and "7" meet; "007" stays "007".
// Rotating the key: pseudonymise again from the raw ids with the new key (pseudonyms cannot be mapped across
// keys without the raw ids, by design).
#include <sodium.h>

#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cxkit/core/parallel.hpp"
#include "cxkit/privacy/secret_key.hpp"

namespace cxkit::privacy {

class Pseudonymiser {
public:
    static constexpr std::size_t digest_bytes = 16;           // 128 bits: no collision in any realistic customer base
    static constexpr std::size_t pseudonym_size = 2 * digest_bytes;  // lowercase hex

    explicit Pseudonymiser(SecretKey key) : key_(std::move(key)) {
        if (key_.empty()) throw core::invalid_input("key", core::invalid_input::no_row, "must not be empty");
        ensure_sodium();
    }

    // Writes the pseudonym's pseudonym_size hex characters and a terminating NUL (sodium_bin2hex writes one) to
    // out, which must hold pseudonym_size + 1 characters.
    void pseudonym_into(std::string_view id, char* out) const noexcept {
        unsigned char h[digest_bytes];
        crypto_generichash(h, sizeof h, reinterpret_cast<const unsigned char*>(id.data()), id.size(), key_.data(),
                           key_.size());
        sodium_bin2hex(out, pseudonym_size + 1, h, sizeof h);
    }
    std::string pseudonym(std::string_view id) const {
        char buf[pseudonym_size + 1];
        pseudonym_into(id, buf);
        return std::string(buf, pseudonym_size);
    }
    std::string pseudonym(std::int64_t id) const { return pseudonym(std::to_string(id)); }

    // Many ids at once, in parallel (deterministic: each id is hashed on its own). Returns the pseudonyms packed
    // back to back, pseudonym_size characters each.
    std::string pseudonyms(std::span<const std::string_view> ids, unsigned threads = 0) const {
        std::string out(ids.size() * pseudonym_size, '\0');
        core::parallel_for(ids.size(), 1u << 14, threads, [&](std::size_t b, std::size_t e) {
            char buf[pseudonym_size + 1];
            for (std::size_t i = b; i < e; ++i) {
                pseudonym_into(ids[i], buf);
                std::memcpy(out.data() + i * pseudonym_size, buf, pseudonym_size);
            }
        });
        return out;
    }

private:
    SecretKey key_;
};

}  // namespace cxkit::privacy

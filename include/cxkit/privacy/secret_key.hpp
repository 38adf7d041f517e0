#pragma once
// A secret key for pseudonymisation or for sealing states: bytes held in memory that libsodium wipes on release
// (sodium_memzero), never printed, never serialized. libsodium is the project's vetted cryptography library
// (DESIGN principle 7): nothing cryptographic in cxkit is hand-written.
#include <sodium.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cxkit/core/error.hpp"

namespace cxkit::privacy {

// sodium_init() is idempotent and thread-safe; every entry point calls it before using libsodium.
inline void ensure_sodium() {
    if (sodium_init() < 0) throw std::runtime_error("cxkit::privacy: libsodium could not be initialised");
}

class SecretKey {
public:
    static constexpr std::size_t min_size = 16;  // BLAKE2b's shortest key; sealing needs exactly 32 bytes
    static constexpr std::size_t max_size = 64;

    SecretKey() = default;
    explicit SecretKey(std::span<const unsigned char> bytes) : bytes_(bytes.begin(), bytes.end()) {
        if (bytes_.size() < min_size || bytes_.size() > max_size) {
            wipe();
            throw core::invalid_input("key", core::invalid_input::no_row,
                                      "must be " + std::to_string(min_size) + " to " + std::to_string(max_size) +
                                          " bytes long (generate one with cxkit::privacy::SecretKey::generate())");
        }
    }
    explicit SecretKey(std::string_view bytes)
        : SecretKey(std::span<const unsigned char>(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size())) {}

    // 32 random bytes from the operating system's generator.
    static SecretKey generate() {
        ensure_sodium();
        std::vector<unsigned char> b(32);
        randombytes_buf(b.data(), b.size());
        SecretKey k(b);
        sodium_memzero(b.data(), b.size());
        return k;
    }

    SecretKey(const SecretKey&) = default;
    SecretKey& operator=(const SecretKey& o) {
        if (this != &o) {
            wipe();
            bytes_ = o.bytes_;
        }
        return *this;
    }
    SecretKey(SecretKey&& o) noexcept : bytes_(std::move(o.bytes_)) { o.bytes_.clear(); }
    SecretKey& operator=(SecretKey&& o) noexcept {
        if (this != &o) {
            wipe();
            bytes_ = std::move(o.bytes_);
            o.bytes_.clear();
        }
        return *this;
    }
    ~SecretKey() { wipe(); }

    bool empty() const noexcept { return bytes_.empty(); }
    std::size_t size() const noexcept { return bytes_.size(); }
    const unsigned char* data() const noexcept { return bytes_.data(); }

private:
    void wipe() noexcept {
        if (!bytes_.empty()) sodium_memzero(bytes_.data(), bytes_.size());
    }
    std::vector<unsigned char> bytes_;
};

}  // namespace cxkit::privacy

#pragma once
// Encrypted, authenticated bytes for serialized states: XChaCha20-Poly1305 (libsodium's IETF AEAD) with a random
// 24-byte nonce per message. Layout: "cxkit-sealed-1\n" | nonce | ciphertext | 16-byte tag; the header is the
// associated data, so a change anywhere is refused before a byte of the state is parsed. Tampered, truncated or
// wrongly keyed bytes all give the same error (which of them it was is not revealed).
#include <sodium.h>

#include <string>
#include <string_view>

#include "cxkit/core/error.hpp"
#include "cxkit/privacy/secret_key.hpp"

namespace cxkit::privacy {

inline constexpr std::string_view sealed_header = "cxkit-sealed-1\n";

inline bool is_sealed(std::string_view bytes) noexcept { return bytes.substr(0, sealed_header.size()) == sealed_header; }

namespace detail {
inline void require_sealing_key(const SecretKey& key) {
    if (key.size() != crypto_aead_xchacha20poly1305_ietf_KEYBYTES)
        throw core::invalid_input("key", core::invalid_input::no_row,
                                  "must be 32 bytes long to seal or open states (SecretKey::generate() makes one)");
}
}  // namespace detail

inline std::string seal(std::string_view plain, const SecretKey& key) {
    ensure_sodium();
    detail::require_sealing_key(key);
    constexpr std::size_t nb = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
    constexpr std::size_t tag = crypto_aead_xchacha20poly1305_ietf_ABYTES;
    std::string out(sealed_header.size() + nb + plain.size() + tag, '\0');
    auto* o = reinterpret_cast<unsigned char*>(out.data());
    std::copy(sealed_header.begin(), sealed_header.end(), out.begin());
    unsigned char* nonce = o + sealed_header.size();
    randombytes_buf(nonce, nb);
    unsigned long long clen = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(nonce + nb, &clen, reinterpret_cast<const unsigned char*>(plain.data()),
                                               plain.size(), reinterpret_cast<const unsigned char*>(sealed_header.data()),
                                               sealed_header.size(), nullptr, nonce, key.data());
    out.resize(sealed_header.size() + nb + clen);
    return out;
}

inline std::string open_sealed(std::string_view sealed, const SecretKey& key) {
    ensure_sodium();
    detail::require_sealing_key(key);
    constexpr std::size_t nb = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
    constexpr std::size_t tag = crypto_aead_xchacha20poly1305_ietf_ABYTES;
    const auto refuse = [] {
        return core::invalid_input("sealed bytes are refused: they were changed, cut short, or sealed with another "
                                   "key (authentication failed; nothing was read)");
    };
    if (!is_sealed(sealed)) throw core::invalid_input("these bytes are not sealed (no cxkit-sealed header)");
    if (sealed.size() < sealed_header.size() + nb + tag) throw refuse();
    const auto* s = reinterpret_cast<const unsigned char*>(sealed.data());
    const unsigned char* nonce = s + sealed_header.size();
    const std::size_t clen = sealed.size() - sealed_header.size() - nb;
    std::string plain(clen - tag, '\0');
    unsigned long long plen = 0;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(reinterpret_cast<unsigned char*>(plain.data()), &plen, nullptr,
                                                   nonce + nb, clen, reinterpret_cast<const unsigned char*>(sealed_header.data()),
                                                   sealed_header.size(), nonce, key.data()) != 0) {
        sodium_memzero(plain.data(), plain.size());
        throw refuse();
    }
    plain.resize(plen);
    return plain;
}

}  // namespace cxkit::privacy

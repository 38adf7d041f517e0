#pragma once
// A small, versioned, little-endian binary format for mergeable states. Every state writes a tag and a version
// first, so a pickle from an older cxkit is either read correctly or refused with a clear error.
// Hand-written because neither the standard library nor our chosen dependencies offer a portable byte format
// for plain structs (Boost.Serialization is a compiled library we do not want to require).
#include <cstdint>
#include <bit>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "cxkit/core/error.hpp"

namespace cxkit::core {

class ByteWriter {
public:
    template <class T>
        requires std::is_arithmetic_v<T>
    void put(T v) {
        static_assert(std::endian::native == std::endian::little, "cxkit serialization assumes little-endian");
        const auto* p = reinterpret_cast<const char*>(&v);
        bytes_.append(p, sizeof(T));
    }
    template <class T>
        requires std::is_arithmetic_v<T>
    void put_vector(const std::vector<T>& v) {
        put<std::uint64_t>(v.size());
        bytes_.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
    }
    void put_string(std::string_view s) {
        put<std::uint64_t>(s.size());
        bytes_.append(s.data(), s.size());
    }
    void header(std::string_view tag, std::uint32_t version) {
        put_string(tag);
        put<std::uint32_t>(version);
    }
    const std::string& bytes() const& noexcept { return bytes_; }
    std::string bytes() && noexcept { return std::move(bytes_); }

private:
    std::string bytes_;
};

class ByteReader {
public:
    explicit ByteReader(std::string_view bytes) : bytes_(bytes) {}

    template <class T>
        requires std::is_arithmetic_v<T>
    T get() {
        need(sizeof(T));
        T v;
        std::memcpy(&v, bytes_.data() + pos_, sizeof(T));
        pos_ += sizeof(T);
        return v;
    }
    template <class T>
        requires std::is_arithmetic_v<T>
    std::vector<T> get_vector() {
        const auto n = get<std::uint64_t>();
        if (n > (bytes_.size() - pos_) / sizeof(T)) fail("vector length exceeds the data");
        std::vector<T> v(n);
        if (n) std::memcpy(v.data(), bytes_.data() + pos_, n * sizeof(T));
        pos_ += n * sizeof(T);
        return v;
    }
    std::string get_string() {
        const auto n = get<std::uint64_t>();
        need(n);
        std::string s(bytes_.substr(pos_, n));
        pos_ += n;
        return s;
    }
    // A string that becomes text (a label, a column name): must be valid UTF-8, so it reaches Python as str.
    std::string get_text(std::string_view what) {
        auto s = get_string();
        if (!valid_utf8(s)) fail(std::string(what) + " is not valid UTF-8");
        return s;
    }
    // Reads and checks the tag; returns the version (refusing 0, never written, and versions newer than this
    // build knows).
    std::uint32_t header(std::string_view tag, std::uint32_t max_version) {
        const auto t = get_string();
        // The found tag is quoted escaped: it is untrusted bytes and the message must stay valid text.
        if (t != tag) fail("expected a serialized " + std::string(tag) + ", found '" + printable(t) + "'");
        const auto v = get<std::uint32_t>();
        if (v == 0) fail(std::string(tag) + " version 0 is invalid (versions start at 1)");
        if (v > max_version)
            fail(std::string(tag) + " version " + std::to_string(v) + " is newer than this cxkit understands");
        return v;
    }
    // The number of bytes not read yet (to bound element counts by what the data can hold).
    std::size_t remaining() const noexcept { return bytes_.size() - pos_; }
    bool done() const noexcept { return pos_ == bytes_.size(); }
    void expect_done() const {
        if (!done()) fail("trailing bytes after the serialized state");
    }

private:
    void need(std::size_t n) const {
        if (n > bytes_.size() - pos_) fail("truncated data");
    }
public:
    [[noreturn]] static void fail(const std::string& why) { throw invalid_input("serialized state: " + why); }

    static bool valid_utf8(std::string_view s) noexcept {
        std::size_t i = 0;
        while (i < s.size()) {
            const auto c = static_cast<unsigned char>(s[i]);
            std::size_t len;
            std::uint32_t cp;
            if (c < 0x80) { ++i; continue; }
            if ((c & 0xE0) == 0xC0) { len = 2; cp = c & 0x1F; }
            else if ((c & 0xF0) == 0xE0) { len = 3; cp = c & 0x0F; }
            else if ((c & 0xF8) == 0xF0) { len = 4; cp = c & 0x07; }
            else return false;
            if (len > s.size() - i) return false;
            for (std::size_t k = 1; k < len; ++k) {
                const auto cc = static_cast<unsigned char>(s[i + k]);
                if ((cc & 0xC0) != 0x80) return false;
                cp = (cp << 6) | (cc & 0x3F);
            }
            // Overlong forms, surrogates and code points beyond U+10FFFF are not UTF-8.
            if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
                (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
                return false;
            i += len;
        }
        return true;
    }
    // Printable ASCII as is, every other byte as \xHH (at most 64 bytes shown).
    static std::string printable(std::string_view s) {
        static constexpr char hex[] = "0123456789abcdef";
        std::string out;
        for (std::size_t i = 0; i < s.size() && i < 64; ++i) {
            const auto c = static_cast<unsigned char>(s[i]);
            if (c >= 0x20 && c < 0x7F && c != '\\') {
                out += static_cast<char>(c);
            } else {
                out += "\\x";
                out += hex[c >> 4];
                out += hex[c & 15];
            }
        }
        if (s.size() > 64) out += "...";
        return out;
    }

private:
    std::string_view bytes_;
    std::size_t pos_ = 0;
};

}  // namespace cxkit::core

// Transitional: the names under their pre-core spelling, for one release.
namespace cxkit {
using core::ByteWriter;
using core::ByteReader;
}  // namespace cxkit

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

namespace cxkit {

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
    // Reads and checks the tag; returns the version (refusing versions newer than this build knows).
    std::uint32_t header(std::string_view tag, std::uint32_t max_version) {
        const auto t = get_string();
        if (t != tag) fail("expected a serialized " + std::string(tag) + ", found '" + t + "'");
        const auto v = get<std::uint32_t>();
        if (v == 0 || v > max_version)
            fail(std::string(tag) + " version " + std::to_string(v) + " is newer than this cxkit understands");
        return v;
    }
    bool done() const noexcept { return pos_ == bytes_.size(); }
    void expect_done() const {
        if (!done()) fail("trailing bytes after the serialized state");
    }

private:
    void need(std::size_t n) const {
        if (n > bytes_.size() - pos_) fail("truncated data");
    }
    [[noreturn]] static void fail(const std::string& why) { throw invalid_input("serialized state: " + why); }
    std::string_view bytes_;
    std::size_t pos_ = 0;
};

}  // namespace cxkit

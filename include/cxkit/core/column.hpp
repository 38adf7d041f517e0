#pragma once
// Column<T>: a read-only contiguous column that either owns its values or views memory owned by someone else,
// kept alive through a shared owner handle. A view says whether that memory can still change under it: an
// immutable buffer (Arrow) may be kept by an EventLog as is; a mutable one (a numpy array the caller still holds)
// is only read while the log is built, and the log keeps its own copy (validated data must stay valid).
#include <cstddef>
#include <memory>
#include <span>
#include <vector>

namespace cxkit::core {

template <class T>
class Column {
public:
    Column() = default;

    static Column owned(std::vector<T> values) {
        auto holder = std::make_shared<const std::vector<T>>(std::move(values));
        Column c;
        c.data_ = holder->data();
        c.size_ = holder->size();
        c.owner_ = holder;
        c.owns_ = true;
        c.immutable_ = true;
        return c;
    }
    // A view of memory kept alive by `owner` (may be null when the caller guarantees the lifetime) that its owner
    // may still change: an EventLog copies it.
    static Column view(const T* data, std::size_t n, std::shared_ptr<const void> owner) {
        Column c;
        c.data_ = data;
        c.size_ = n;
        c.owner_ = std::move(owner);
        return c;
    }
    // A view of memory nobody can change while `owner` lives (an Arrow buffer): an EventLog may keep it.
    static Column immutable_view(const T* data, std::size_t n, std::shared_ptr<const void> owner) {
        Column c = view(data, n, std::move(owner));
        c.immutable_ = true;
        return c;
    }

    const T* data() const noexcept { return data_; }
    std::size_t size() const noexcept { return size_; }
    bool empty() const noexcept { return size_ == 0; }
    const T& operator[](std::size_t i) const noexcept { return data_[i]; }
    std::span<const T> span() const noexcept { return {data_, size_}; }
    const T* begin() const noexcept { return data_; }
    const T* end() const noexcept { return data_ + size_; }
    bool owns_memory() const noexcept { return owns_; }
    // True when the values cannot change while this column lives (owned, or an immutable view).
    bool immutable() const noexcept { return immutable_; }
    std::size_t bytes() const noexcept { return size_ * sizeof(T); }
    const std::shared_ptr<const void>& owner() const noexcept { return owner_; }

private:
    const T* data_ = nullptr;
    std::size_t size_ = 0;
    std::shared_ptr<const void> owner_;
    bool owns_ = false;
    bool immutable_ = false;
};

}  // namespace cxkit::core

namespace cxkit {
using core::Column;  // transitional: core types are also reachable as cxkit::Name
}  // namespace cxkit

#pragma once
// Column<T>: a read-only contiguous column that either owns its values or views memory owned by someone else
// (a numpy array, an Arrow buffer), kept alive through a shared owner handle. This is how cxkit takes numpy
// columns without copying them.
#include <cstddef>
#include <memory>
#include <span>
#include <vector>

namespace cxkit {

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
        return c;
    }
    // A view of memory kept alive by `owner` (may be null when the caller guarantees the lifetime).
    static Column view(const T* data, std::size_t n, std::shared_ptr<const void> owner) {
        Column c;
        c.data_ = data;
        c.size_ = n;
        c.owner_ = std::move(owner);
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
    std::size_t bytes() const noexcept { return size_ * sizeof(T); }
    const std::shared_ptr<const void>& owner() const noexcept { return owner_; }

private:
    const T* data_ = nullptr;
    std::size_t size_ = 0;
    std::shared_ptr<const void> owner_;
    bool owns_ = false;
};

}  // namespace cxkit

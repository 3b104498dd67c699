// A std::vector allocator with 64-byte alignment. Vectorised reductions
// (softmax sums, norms) split their work by the address of the data; buffers
// at a fixed alignment make every run of the same input sum in the same order,
// so a run is bit-for-bit reproducible.
#pragma once

#include <cstddef>
#include <new>
#include <vector>

namespace attnviz::core {

template <class T>
struct AlignedAllocator {
    using value_type = T;
    static constexpr std::size_t kAlignment = 64;

    AlignedAllocator() = default;
    template <class U>
    AlignedAllocator(const AlignedAllocator<U>&) {}

    T* allocate(std::size_t n) {
        return static_cast<T*>(::operator new(n * sizeof(T), std::align_val_t{kAlignment}));
    }
    void deallocate(T* p, std::size_t) { ::operator delete(p, std::align_val_t{kAlignment}); }

    template <class U>
    bool operator==(const AlignedAllocator<U>&) const { return true; }
};

template <class T>
using AlignedVector = std::vector<T, AlignedAllocator<T>>;

}  // namespace attnviz::core

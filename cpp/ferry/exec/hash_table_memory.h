#pragma once

#include <cstddef>
#include <memory>

namespace ferry {

/// Memory for large hash tables, kept for the next query once a table is
/// done with it.
///
/// A table sized for a million keys, fresh from the operating system, is
/// first touched on every run: TPC-H Q18's page faults were 72% hash table
/// growth, and the kernel's page clearing 16% of its CPU. A freed block of
/// at least kMinCachedBytes is kept (up to kMaxCachedBytes in all) and
/// handed to the next request of the same size, which then only refills
/// it. Thread-safe.
class HashTableMemory {
 public:
  static constexpr size_t kMinCachedBytes = size_t{1} << 20;
  static constexpr size_t kMaxCachedBytes = size_t{256} << 20;

  struct Free {
    size_t bytes;
    void operator()(void* data) const;
  };
  using Block = std::unique_ptr<void, Free>;

  /// A block of `bytes` (uninitialized), from the cache when one of that
  /// size is there. Throws std::bad_alloc, as operator new does.
  static Block Acquire(size_t bytes);

  /// Bytes held in the cache now (for tests).
  static size_t cached_bytes();
};

}  // namespace ferry

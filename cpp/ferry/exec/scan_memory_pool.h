#pragma once

#include <cstdint>
#include <memory>

#include <arrow/memory_pool.h>

namespace ferry {

/// A memory pool that keeps freed large blocks for reuse instead of handing
/// them back, so their pages stay mapped.
///
/// Why: Parquet decoding allocates the same few large buffers for every
/// batch (a 64 Ki-row decimal column is 1 MiB of decimal128), and they are
/// freed a moment later, once the filter above has copied the survivors.
/// Arrow's mimalloc returns freed pages to the kernel within 10 ms, so the
/// next batch faults them in again and the kernel zeroes them: 5-18% of
/// TPC-H Q6's CPU in a profile. Reusing the blocks costs a mutex per
/// allocation of at least kMinCachedBytes.
///
/// Blocks of at least kMinCachedBytes are rounded up to a multiple of
/// kCachedBytesStep and, once freed, kept per rounded size, up to
/// `max_cached_bytes` in all; smaller blocks, blocks with an unusual
/// alignment and frees beyond that cap go straight to `base`. Thread-safe.
/// pyarrow's own pool is untouched: only buffers allocated through this
/// pool are ever cached.
class RecyclingMemoryPool final : public arrow::MemoryPool {
 public:
  static constexpr int64_t kMinCachedBytes = 256 << 10;
  static constexpr int64_t kCachedBytesStep = 64 << 10;

  RecyclingMemoryPool(arrow::MemoryPool* base, int64_t max_cached_bytes);
  ~RecyclingMemoryPool() override;

  using arrow::MemoryPool::Allocate;
  using arrow::MemoryPool::Free;
  using arrow::MemoryPool::Reallocate;
  arrow::Status Allocate(int64_t size, int64_t alignment, uint8_t** out) override;
  arrow::Status Reallocate(int64_t old_size, int64_t new_size, int64_t alignment,
                           uint8_t** ptr) override;
  void Free(uint8_t* buffer, int64_t size, int64_t alignment) override;
  /// Hands every cached block back to `base`.
  void ReleaseUnused() override;

  /// Bytes handed out and not yet freed (cached blocks not included).
  int64_t bytes_allocated() const override;
  int64_t max_memory() const override;
  int64_t total_bytes_allocated() const override;
  int64_t num_allocations() const override;
  std::string backend_name() const override;

  /// Bytes of freed blocks held for reuse.
  int64_t cached_bytes() const;

 private:
  struct State;
  arrow::MemoryPool* base_;
  int64_t max_cached_bytes_;
  std::unique_ptr<State> state_;
};

/// The pool ferry's Parquet scans decode into: a RecyclingMemoryPool over
/// Arrow's default pool caching at most 64 MiB (nothing in ASan builds,
/// so a use after free stays visible), built on first use and
/// never destroyed (buffers it allocated may outlive every ferry object,
/// e.g. in a pyarrow table the user keeps).
arrow::MemoryPool* ScanMemoryPool();

}  // namespace ferry

#include "ferry/exec/scan_memory_pool.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace ferry {
namespace {

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FERRY_ADDRESS_SANITIZER 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define FERRY_ADDRESS_SANITIZER 1
#endif

#ifdef FERRY_ADDRESS_SANITIZER
// A reused block hides a use after free from ASan: sanitized builds cache
// nothing.
constexpr int64_t kScanPoolCachedBytes = 0;
#else
constexpr int64_t kScanPoolCachedBytes = 64 << 20;
#endif

bool Cacheable(int64_t size, int64_t alignment) {
  return size >= RecyclingMemoryPool::kMinCachedBytes &&
         alignment == arrow::kDefaultBufferAlignment;
}

// What a cacheable block of `size` bytes really holds: blocks of one
// capacity serve any request that rounds to it.
int64_t Capacity(int64_t size) {
  constexpr int64_t step = RecyclingMemoryPool::kCachedBytesStep;
  return (size + step - 1) / step * step;
}

}  // namespace

struct RecyclingMemoryPool::State {
  std::mutex mutex;
  std::unordered_map<int64_t, std::vector<uint8_t*>> free_blocks;  // by capacity
  int64_t cached_bytes = 0;
  std::atomic<int64_t> bytes_allocated{0};
  std::atomic<int64_t> max_memory{0};
  std::atomic<int64_t> total_bytes_allocated{0};
  std::atomic<int64_t> num_allocations{0};

  // `size` more bytes handed out, by a new allocation or a grown one.
  void Count(int64_t size, bool new_allocation = true) {
    const int64_t now = bytes_allocated.fetch_add(size) + size;
    int64_t peak = max_memory.load();
    while (now > peak && !max_memory.compare_exchange_weak(peak, now)) {
    }
    if (size > 0) total_bytes_allocated.fetch_add(size);
    if (new_allocation) num_allocations.fetch_add(1);
  }
};

RecyclingMemoryPool::RecyclingMemoryPool(arrow::MemoryPool* base, int64_t max_cached_bytes)
    : base_(base), max_cached_bytes_(max_cached_bytes), state_(std::make_unique<State>()) {}

RecyclingMemoryPool::~RecyclingMemoryPool() { ReleaseUnused(); }

arrow::Status RecyclingMemoryPool::Allocate(int64_t size, int64_t alignment, uint8_t** out) {
  if (size < 0) return arrow::Status::Invalid("negative allocation size ", size);
  if (!Cacheable(size, alignment)) {
    ARROW_RETURN_NOT_OK(base_->Allocate(size, alignment, out));
    state_->Count(size);
    return arrow::Status::OK();
  }
  const int64_t capacity = Capacity(size);
  {
    std::lock_guard<std::mutex> lock(state_->mutex);
    auto found = state_->free_blocks.find(capacity);
    if (found != state_->free_blocks.end() && !found->second.empty()) {
      *out = found->second.back();
      found->second.pop_back();
      state_->cached_bytes -= capacity;
      state_->Count(size);
      return arrow::Status::OK();
    }
  }
  ARROW_RETURN_NOT_OK(base_->Allocate(capacity, alignment, out));
  state_->Count(size);
  return arrow::Status::OK();
}

arrow::Status RecyclingMemoryPool::Reallocate(int64_t old_size, int64_t new_size,
                                              int64_t alignment, uint8_t** ptr) {
  if (new_size < 0) return arrow::Status::Invalid("negative allocation size ", new_size);
  const bool old_cacheable = Cacheable(old_size, alignment);
  const bool new_cacheable = Cacheable(new_size, alignment);
  if (!old_cacheable && !new_cacheable) {
    ARROW_RETURN_NOT_OK(base_->Reallocate(old_size, new_size, alignment, ptr));
  } else if (old_cacheable && new_cacheable && Capacity(old_size) == Capacity(new_size)) {
    // The block already holds new_size bytes.
  } else {
    uint8_t* moved = nullptr;
    ARROW_RETURN_NOT_OK(Allocate(new_size, alignment, &moved));
    std::memcpy(moved, *ptr, static_cast<size_t>(std::min(old_size, new_size)));
    Free(*ptr, old_size, alignment);
    *ptr = moved;
    return arrow::Status::OK();  // Allocate and Free kept the counts
  }
  state_->Count(new_size - old_size, /*new_allocation=*/false);
  return arrow::Status::OK();
}

void RecyclingMemoryPool::Free(uint8_t* buffer, int64_t size, int64_t alignment) {
  state_->bytes_allocated.fetch_sub(size);
  if (!Cacheable(size, alignment)) {
    base_->Free(buffer, size, alignment);
    return;
  }
  const int64_t capacity = Capacity(size);
  {
    std::lock_guard<std::mutex> lock(state_->mutex);
    if (state_->cached_bytes + capacity <= max_cached_bytes_) {
      state_->free_blocks[capacity].push_back(buffer);
      state_->cached_bytes += capacity;
      return;
    }
  }
  base_->Free(buffer, capacity, alignment);
}

void RecyclingMemoryPool::ReleaseUnused() {
  std::unordered_map<int64_t, std::vector<uint8_t*>> blocks;
  {
    std::lock_guard<std::mutex> lock(state_->mutex);
    blocks.swap(state_->free_blocks);
    state_->cached_bytes = 0;
  }
  for (const auto& [capacity, pointers] : blocks) {
    for (uint8_t* pointer : pointers) base_->Free(pointer, capacity, arrow::kDefaultBufferAlignment);
  }
  base_->ReleaseUnused();
}

int64_t RecyclingMemoryPool::bytes_allocated() const { return state_->bytes_allocated.load(); }
int64_t RecyclingMemoryPool::max_memory() const { return state_->max_memory.load(); }
int64_t RecyclingMemoryPool::total_bytes_allocated() const {
  return state_->total_bytes_allocated.load();
}
int64_t RecyclingMemoryPool::num_allocations() const { return state_->num_allocations.load(); }
std::string RecyclingMemoryPool::backend_name() const {
  return "recycling(" + base_->backend_name() + ")";
}

int64_t RecyclingMemoryPool::cached_bytes() const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->cached_bytes;
}

arrow::MemoryPool* ScanMemoryPool() {
  // Never destroyed: buffers it handed out may be freed after static
  // destructors ran (a table still held at interpreter exit).
  static auto* pool = new RecyclingMemoryPool(arrow::default_memory_pool(), kScanPoolCachedBytes);
  return pool;
}

}  // namespace ferry

#include "ferry/exec/hash_table_memory.h"

#include <cstdlib>
#include <mutex>
#include <new>
#include <vector>

namespace ferry {
namespace {

struct Cache {
  std::mutex mutex;
  std::vector<std::pair<void*, size_t>> blocks;
  size_t bytes = 0;
};

// Leaked on purpose: tables released during static destruction still find it.
Cache& TheCache() {
  static Cache* cache = new Cache();
  return *cache;
}

// 64-byte alignment: a slot never straddles two cache lines.
constexpr size_t kAlignment = 64;

}  // namespace

void HashTableMemory::Free::operator()(void* data) const {
  if (data == nullptr) return;
  if (bytes >= kMinCachedBytes) {
    Cache& cache = TheCache();
    std::lock_guard<std::mutex> lock(cache.mutex);
    if (cache.bytes + bytes <= kMaxCachedBytes) {
      cache.blocks.emplace_back(data, bytes);
      cache.bytes += bytes;
      return;
    }
  }
  std::free(data);
}

HashTableMemory::Block HashTableMemory::Acquire(size_t bytes) {
  if (bytes >= kMinCachedBytes) {
    Cache& cache = TheCache();
    std::lock_guard<std::mutex> lock(cache.mutex);
    for (auto it = cache.blocks.begin(); it != cache.blocks.end(); ++it) {
      if (it->second != bytes) continue;
      void* data = it->first;
      cache.blocks.erase(it);
      cache.bytes -= bytes;
      return Block(data, Free{bytes});
    }
  }
  const size_t rounded = (bytes + kAlignment - 1) / kAlignment * kAlignment;
  void* data = std::aligned_alloc(kAlignment, rounded == 0 ? kAlignment : rounded);
  if (data == nullptr) throw std::bad_alloc();
  return Block(data, Free{bytes});
}

size_t HashTableMemory::cached_bytes() {
  Cache& cache = TheCache();
  std::lock_guard<std::mutex> lock(cache.mutex);
  return cache.bytes;
}

}  // namespace ferry

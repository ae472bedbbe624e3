#include "ferry/serde/decoded_schema_cache_internal.h"

namespace ferry::internal {
namespace {

constexpr size_t kCapacity = 1024;
// Larger schemas are read each time: keeping their bytes would cost more
// memory than reading them costs time.
constexpr size_t kMaxKeyBytes = 8 << 10;  // at most 8 MiB kept in all

}  // namespace

DecodedSchemaCache& DecodedSchemaCache::Instance() {
  // Never destroyed: decodes may run while statics are torn down.
  static auto* cache = new DecodedSchemaCache();
  return *cache;
}

std::shared_ptr<arrow::Schema> DecodedSchemaCache::Find(std::string_view ipc) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(ipc);
  return it == entries_.end() ? nullptr : it->second;
}

void DecodedSchemaCache::Insert(std::string_view ipc, std::shared_ptr<arrow::Schema> schema) {
  if (ipc.size() > kMaxKeyBytes) return;
  std::lock_guard lock(mutex_);
  if (entries_.size() >= kCapacity) entries_.clear();
  entries_.emplace(std::string(ipc), std::move(schema));
}

}  // namespace ferry::internal

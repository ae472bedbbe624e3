#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include <arrow/type.h>

namespace ferry::internal {

/// Schemas already read from Arrow IPC bytes, by those exact bytes, so a
/// plan decoded again (a stage's plan, once per task) or a schema repeated
/// within one plan is read once. Schemas are immutable, so sharing one is
/// safe. Process-wide, thread-safe, bounded (cleared when full); only
/// schemas that read without error are kept.
class DecodedSchemaCache {
 public:
  static DecodedSchemaCache& Instance();
  /// The schema `ipc` was read as, or nullptr.
  std::shared_ptr<arrow::Schema> Find(std::string_view ipc);
  void Insert(std::string_view ipc, std::shared_ptr<arrow::Schema> schema);

 private:
  struct BytesHash {
    using is_transparent = void;
    size_t operator()(std::string_view bytes) const { return std::hash<std::string_view>{}(bytes); }
  };
  DecodedSchemaCache() = default;

  std::mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<arrow::Schema>, BytesHash, std::equal_to<>> entries_;
};

}  // namespace ferry::internal

#pragma once

#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "ferry/common/status.h"
#include "ferry/plan/table_provider.h"

namespace ferry {

/// The Parquet and CSV tables a session's decoded plans opened, reused
/// while their file is unchanged: a worker decoding one task plan after
/// another over the same files reads each footer (or infers each CSV's
/// types) once, not once per plan. A file counts as unchanged while its
/// device, inode, size and modification time (nanoseconds) are.
///
/// Thread-safe. Holds at most `capacity` tables, dropping the least
/// recently used.
class FileTableCache {
 public:
  explicit FileTableCache(size_t capacity = 256) : capacity_(capacity) {}

  /// The table `source` describes: from the cache, or opened (and kept)
  /// when its file is new or changed. In-memory sources are never cached.
  Result<std::shared_ptr<const TableProvider>> Open(const TableSource& source);

 private:
  struct Entry {
    std::string key;
    std::string version;  // device, inode, size, mtime when opened
    std::shared_ptr<const TableProvider> table;
  };

  size_t capacity_;
  std::mutex mutex_;
  std::list<Entry> entries_;  // most recently used first
  std::map<std::string, std::list<Entry>::iterator> index_;
};

}  // namespace ferry

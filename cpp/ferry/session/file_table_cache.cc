#include "ferry/session/file_table_cache.h"

#include <sys/stat.h>

#include "ferry/common/overloaded.h"
#include "ferry/exec/tables.h"

namespace ferry {
namespace {

// What identifies a file's contents without reading them; empty when the
// file cannot be stat'ed (opening it then reports the real error).
std::string FileVersion(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return "";
  return std::to_string(info.st_dev) + ":" + std::to_string(info.st_ino) + ":" +
         std::to_string(info.st_size) + ":" + std::to_string(info.st_mtim.tv_sec) + "." +
         std::to_string(info.st_mtim.tv_nsec);
}

Result<std::shared_ptr<const TableProvider>> OpenFile(const TableSource& source) {
  return std::visit(
      Overloaded{
          [](const ParquetFileSource& s) { return MakeParquetTable(s.path); },
          [](const CsvFileSource& s) { return MakeCsvTable(s.path, CsvOptions{s.has_header, s.delimiter}); },
          [](const InMemorySource& s) { return MakeMemoryTable(s.schema, s.partitions); },
      },
      source);
}

}  // namespace

Result<std::shared_ptr<const TableProvider>> FileTableCache::Open(const TableSource& source) {
  std::string key, path;
  if (const auto* parquet = std::get_if<ParquetFileSource>(&source)) {
    path = parquet->path;
    key = "parquet\n" + path;
  } else if (const auto* csv = std::get_if<CsvFileSource>(&source)) {
    path = csv->path;
    key = std::string("csv\n") + (csv->has_header ? "h" : "-") + csv->delimiter + "\n" + path;
  } else {
    return OpenFile(source);
  }
  const std::string version = FileVersion(path);
  if (version.empty()) return OpenFile(source);
  {
    std::lock_guard lock(mutex_);
    auto found = index_.find(key);
    if (found != index_.end() && found->second->version == version) {
      entries_.splice(entries_.begin(), entries_, found->second);
      return found->second->table;
    }
  }
  FERRY_ASSIGN_OR_RAISE(auto table, OpenFile(source));
  std::lock_guard lock(mutex_);
  if (auto stale = index_.find(key); stale != index_.end()) {
    entries_.erase(stale->second);
    index_.erase(stale);
  }
  entries_.push_front(Entry{key, version, table});
  index_[key] = entries_.begin();
  while (entries_.size() > capacity_) {
    index_.erase(entries_.back().key);
    entries_.pop_back();
  }
  return table;
}

}  // namespace ferry

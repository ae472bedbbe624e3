#include "ferry/serde/filtered_table_cache.h"

namespace ferry {
namespace {

bool SameFilters(const std::vector<Expr>& a, const std::vector<Expr>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (!a[i].Equals(b[i])) return false;
  }
  return true;
}

bool SameTable(const std::weak_ptr<const TableProvider>& kept,
               const std::shared_ptr<const TableProvider>& table) {
  return !kept.expired() && !kept.owner_before(table) && !table.owner_before(kept);
}

}  // namespace

std::shared_ptr<const TableProvider> FilteredTableCache::Find(
    const std::shared_ptr<const TableProvider>& table, const std::vector<Expr>& filters) {
  std::lock_guard lock(mutex_);
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    if (SameTable(it->table, table) && SameFilters(it->filters, filters)) {
      entries_.splice(entries_.begin(), entries_, it);
      return it->filtered;
    }
  }
  return nullptr;
}

Result<std::shared_ptr<const TableProvider>> FilteredTableCache::WithFilters(
    const std::shared_ptr<const TableProvider>& table, const std::vector<Expr>& filters) {
  if (auto kept = Find(table, filters)) return kept;
  // Outside the lock: pruning reads the file.
  FERRY_ASSIGN_OR_RAISE(auto filtered, table->WithFilters(filters));
  std::lock_guard lock(mutex_);
  entries_.push_front(Entry{table, filters, filtered});
  if (entries_.size() > capacity_) entries_.pop_back();
  return filtered;
}

FilteredTableCache& ProcessFilteredTables() {
  static FilteredTableCache cache;
  return cache;
}

}  // namespace ferry

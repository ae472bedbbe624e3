#pragma once

#include <list>
#include <memory>
#include <mutex>
#include <vector>

#include "ferry/common/status.h"
#include "ferry/expr/expr.h"
#include "ferry/plan/table_provider.h"

namespace ferry {

/// Tables as scanned under pushed filters (TableProvider::WithFilters),
/// kept per table and filters. A decoded file scan hands its reopened
/// table the sender's filters only so that they describe and re-encode
/// (its splits already fix what it reads), and for Parquet WithFilters
/// reads the file's footer and prunes row groups again: more than all the
/// rest of decoding a plan costs. Tables come from the session's file
/// cache, which returns the same table while its file is unchanged.
///
/// Thread-safe; at most `capacity` entries, the least recently used
/// dropped; an entry whose table is gone matches nothing.
class FilteredTableCache {
 public:
  explicit FilteredTableCache(size_t capacity = 64) : capacity_(capacity) {}

  /// table->WithFilters(filters), or the table it gave before for an
  /// equal list of filters (Expr::Equals). An error is returned, never kept.
  Result<std::shared_ptr<const TableProvider>> WithFilters(
      const std::shared_ptr<const TableProvider>& table, const std::vector<Expr>& filters);
  /// The table WithFilters gave for this table and an equal list of
  /// filters, or nullptr. A hit means these filters already bound over this
  /// very table's schema (the decoder checks them before WithFilters), so
  /// a decoder need not bind them again.
  std::shared_ptr<const TableProvider> Find(const std::shared_ptr<const TableProvider>& table,
                                            const std::vector<Expr>& filters);

 private:
  struct Entry {
    std::weak_ptr<const TableProvider> table;
    std::vector<Expr> filters;
    std::shared_ptr<const TableProvider> filtered;
  };
  size_t capacity_;
  std::mutex mutex_;
  std::list<Entry> entries_;  // most recently used first
};

/// The cache every physical decode of this process shares.
FilteredTableCache& ProcessFilteredTables();

}  // namespace ferry

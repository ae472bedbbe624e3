#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include <arrow/compute/row/grouper.h>
#include <arrow/record_batch.h>

#include "ferry/common/status.h"
#include "ferry/exec/int_key_grouper.h"

namespace ferry {

/// The build side of a hash join: its rows in one batch, indexed by key.
/// Keys match by SQL equality: NULL matches nothing, -0.0 matches 0.0.
/// Lookups mutate the underlying grouper's scratch space, so a table is
/// used by one thread (each join partition builds its own).
class JoinHashTable {
 public:
  /// Indexes `rows` (all build batches) by the columns `keys`; with no keys
  /// every probe row matches every build row (one group of all rows).
  static Result<std::unique_ptr<JoinHashTable>> Make(std::shared_ptr<arrow::Schema> schema,
                                                     const std::vector<std::shared_ptr<arrow::RecordBatch>>& rows,
                                                     std::vector<int> keys);

  const std::shared_ptr<arrow::RecordBatch>& rows() const { return rows_; }
  int64_t num_rows() const { return rows_->num_rows(); }

  /// Sets (*groups)[i] to probe row i's match group, or -1 when no build
  /// row has its key (or a probe key is NULL). `probe_keys` are cast to the
  /// build keys' types when they differ. `groups` is reused across calls.
  Status Lookup(const arrow::ArrayVector& probe_keys, int64_t num_rows,
                std::vector<int32_t>* groups);

  /// Whether every build row has its own key (and none is NULL): then group
  /// g holds the one build row unique_row(g).
  bool unique_keys() const { return unique_keys_; }
  int64_t unique_row(int32_t group) const {
    return row_by_group_.empty() ? group : row_by_group_[group];
  }
  /// The build rows of match group `group`, as [begin, end) into
  /// row_by_group().
  int64_t group_begin(int32_t group) const { return group_offsets_[group]; }
  int64_t group_end(int32_t group) const { return group_offsets_[group + 1]; }
  const std::vector<int64_t>& row_by_group() const { return row_by_group_; }

 private:
  JoinHashTable() = default;

  std::shared_ptr<arrow::RecordBatch> rows_;
  std::vector<int> keys_;
  std::vector<std::shared_ptr<arrow::DataType>> key_types_;  // dictionaries decoded
  std::unique_ptr<arrow::compute::Grouper> grouper_;
  std::unique_ptr<IntKeyGrouper> int_grouper_;  // a single integer-like key
  std::vector<int64_t> group_offsets_;
  std::vector<int64_t> row_by_group_;
  bool unique_keys_ = false;
  bool cross_ = false;
};

/// Whether any of `keys` is NULL, per row (nullptr when none ever is).
std::unique_ptr<std::vector<bool>> NullKeyRows(const arrow::ArrayVector& keys, int64_t num_rows);

}  // namespace ferry

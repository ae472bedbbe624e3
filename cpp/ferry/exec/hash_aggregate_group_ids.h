#pragma once

#include <memory>
#include <vector>

#include <arrow/array.h>
#include <arrow/compute/row/grouper.h>

#include "ferry/common/status.h"
#include "ferry/exec/int_key_grouper.h"
#include "ferry/function/aggregate_function.h"

namespace ferry {

/// Dense group ids for rows by their key columns (hash aggregation's
/// grouper). Without keys every row falls into the single group 0, which
/// exists even for empty input. Ids follow first appearance.
///
/// Arrow's vectorized grouper does the work, with two specialisations that
/// keep the same ids:
/// - past kIntKeyGroups groups of one integer-like key, the groups move to
///   an IntKeyGrouper, whose prefetched probes win there (TPC-H Q18's 6M
///   rows into 1.5M order keys, where Arrow's hash table was 35% of the
///   query's CPU: 0.75 -> 0.58 s); Arrow's is faster for few groups (10M
///   rows into 1,000: 115 ms against 147);
/// - string and binary keys whose values all have one short length (flags,
///   codes: TPC-H Q1's l_returnflag and l_linestatus) are grouped as
///   fixed-size binary, which Arrow's grouper compares and hashes as fixed
///   width instead of as variable-length rows (6M rows by two 1-character
///   keys: 0.29 -> 0.12 s). The first value of another length moves the
///   groups to a grouper of the keys' own types.
class GroupIds {
 public:
  static constexpr uint32_t kIntKeyGroups = 1 << 16;
  /// The longest string key grouped as fixed-size binary.
  static constexpr int32_t kMaxFixedWidth = 16;

  /// `expected_groups` (an estimate; 0 for none) sizes the integer key
  /// table once grouping moves there, so it need not double its way up.
  static Result<GroupIds> Make(const TypeVector& key_types, int64_t expected_groups = 0);

  /// Ids for `keys` (num_rows long); valid until the next call.
  Result<const uint32_t*> Consume(const arrow::ArrayVector& keys, int64_t num_rows);

  uint32_t num_groups() const;

  /// The key of every group, in id order, of the keys' own types.
  Result<arrow::ArrayVector> Keys();

 private:
  Status MoveToIntKeyGrouper();
  /// Creates grouper_ on the first batch: fixed-size binary for the string
  /// keys whose values there share one length.
  Status Start(const arrow::ArrayVector& keys);
  /// The groups so far into a grouper of the keys' own types.
  Status StopFixedWidth();
  Result<arrow::ArrayVector> ArrowKeys() const;

  TypeVector key_types_;
  std::unique_ptr<arrow::compute::Grouper> grouper_;
  std::vector<int32_t> fixed_width_;  // per key: the width grouped as, or 0
  bool started_ = false;
  int64_t expected_groups_ = 0;
  std::shared_ptr<arrow::DataType> int_key_type_;  // the one key's, until moved or not
  std::unique_ptr<IntKeyGrouper> int_grouper_;
  std::vector<uint32_t> ids_;  // int_grouper_'s, reused across batches
  std::vector<uint32_t> zeros_;
  arrow::Datum current_;
};

}  // namespace ferry

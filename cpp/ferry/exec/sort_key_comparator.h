#pragma once

#include <functional>
#include <vector>

#include <arrow/array.h>

#include "ferry/common/status.h"

namespace ferry {

/// One sort key's direction, as SortExec orders rows.
struct SortOrder {
  bool ascending = true;
  bool nulls_first = false;
};

/// Compares rows across arrays of sort key columns in exactly the order
/// Arrow's sort_indices gives them: values by direction; NULLs at the
/// requested end; NaNs beside the NULLs, nearer the values.
class SortKeyComparator {
 public:
  /// NotImplemented for key types that have no comparison here.
  static Result<SortKeyComparator> Make(const std::vector<std::shared_ptr<arrow::DataType>>& types,
                                        std::vector<SortOrder> orders);

  /// <0, 0, >0 as row i of `a` sorts before, with, or after row j of `b`.
  int Compare(const arrow::ArrayVector& a, int64_t i, const arrow::ArrayVector& b, int64_t j) const;

 private:
  using ColumnCompare = std::function<int(const arrow::Array&, int64_t, const arrow::Array&, int64_t)>;
  std::vector<ColumnCompare> columns_;
  std::vector<SortOrder> orders_;
};

}  // namespace ferry

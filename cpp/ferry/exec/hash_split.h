#pragma once

#include <vector>

#include "ferry/exec/execution_plan.h"
#include "ferry/function/physical_expr.h"

namespace ferry {

/// Splits `batch` into `n` parts by the stable row hash of `keys`
/// (row_hash.h): part p holds the rows with hash(keys) mapped to p, in
/// their input order, or is null when it has none. One Take for the whole
/// batch, zero-copy slices after it. Every hash exchange, in one process
/// or between stages, splits with this function, so rows with equal keys
/// meet in the same partition everywhere.
Result<std::vector<BatchPtr>> SplitByHash(const BatchPtr& batch,
                                          const std::vector<PhysicalExprPtr>& keys, int n);

}  // namespace ferry

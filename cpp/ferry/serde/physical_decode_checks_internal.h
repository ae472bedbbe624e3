#pragma once

// The physical decoder's checks of a node against its inputs
// (physical_decode_checks.cc).

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include <arrow/type.h>

#include "ferry/common/status.h"
#include "ferry/exec/execution_plan.h"
#include "ferry/function/physical_expr.h"

namespace ferry::internal {

using Types = std::vector<std::shared_ptr<arrow::DataType>>;

/// `declared` has exactly the `actual` types, in order; `what` names the
/// operator in the error.
Status CheckTypes(const arrow::Schema& declared, const Types& actual, const char* what);
Types TypesOf(const arrow::FieldVector& fields);
Types TypesOf(const std::vector<PhysicalExprPtr>& exprs);
/// A node's fetch: absent, or a count that is not negative.
Result<std::optional<int64_t>> Fetch(bool present, int64_t fetch, const char* what);
/// Whether `left` and `right` are hash-partitioned over their partitions on
/// key columns at the same positions of the join's key pairs.
bool PartitionedAlike(const ExecutionPlan& left, const std::vector<int>& left_keys,
                      const ExecutionPlan& right, const std::vector<int>& right_keys);
/// Every partition of `plan` holds all of its rows.
bool ReadsWhole(const ExecutionPlan& plan);

}  // namespace ferry::internal

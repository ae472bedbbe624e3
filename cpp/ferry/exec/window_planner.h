#pragma once

#include <memory>
#include <vector>

#include "ferry/common/status.h"
#include "ferry/exec/operators.h"

namespace ferry {

/// The operators computing `specs` (bound to `input`'s schema) over
/// `input`, with output `schema` (the input's fields, then one per spec).
///
/// Window expressions sharing PARTITION BY keys run per partition of an
/// input hash-partitioned on their common keys (`target_partitions` of
/// them, or the input's own partitions when it is already partitioned on
/// some of those keys); expressions without PARTITION BY run over one
/// gathered partition, before the partitioned ones. Groups of expressions
/// with no key in common are computed one after another, each exchanging
/// only if the partitioning it needs is not already there.
Result<ExecPtr> PlanWindows(ExecPtr input, std::vector<WindowExprSpec> specs,
                            std::shared_ptr<arrow::Schema> schema, int target_partitions);

}  // namespace ferry

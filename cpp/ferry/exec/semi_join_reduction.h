#pragma once

#include "ferry/exec/execution_plan.h"
#include "ferry/plan/logical_plan.h"

namespace ferry {

/// The inputs of a semi or anti join `left ⋉ right` whose kept side
/// `left` is small and `right` large, with `right` reduced to the rows
/// whose keys `left` holds: the only ones that can match. `right` streams
/// past a broadcast copy of `left` (no exchange of its full size), then
/// only the survivors are exchanged for the join itself. `left` is
/// computed once for both readers, so the returned pair reads it through
/// a shared subplan. Partitions stay independent of each other (unlike a
/// broadcast build side whose matches would have to be merged across
/// partitions at the end).
Result<std::pair<ExecPtr, ExecPtr>> ReduceToBuildKeys(ExecPtr left, ExecPtr right,
                                                      const JoinNode& join);

}  // namespace ferry

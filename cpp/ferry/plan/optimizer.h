#pragma once

#include "ferry/common/status.h"
#include "ferry/plan/logical_plan.h"

namespace ferry {

/// Rewrites `plan` so every scan reads only the columns something above it
/// uses (Parquet and CSV then decode nothing else). The result computes
/// the same rows as `plan`.
Result<PlanPtr> PushDownProjections(const PlanPtr& plan);

}  // namespace ferry

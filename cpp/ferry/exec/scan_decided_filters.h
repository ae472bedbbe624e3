#pragma once

#include <optional>
#include <vector>

#include "ferry/exec/execution_plan.h"
#include "ferry/expr/expr.h"

namespace ferry {

/// The filters `plan` applies exactly to every row it returns: a Parquet
/// scan's dictionary filters (decided per dictionary entry, NULL rows
/// included). Empty for every other operator. Defined beside the scan
/// (parquet_table.cc).
std::vector<Expr> FiltersDecidedByScan(const ExecutionPlan& plan);

/// What of `predicate` a filter right above `input` still has to evaluate:
/// its conjuncts minus those `input` already decided exactly. nullopt when
/// nothing is left, so the filter can go.
std::optional<Expr> PredicateLeftAbove(const Expr& predicate, const ExecutionPlan& input);

}  // namespace ferry

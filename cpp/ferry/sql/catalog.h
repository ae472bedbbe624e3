#pragma once

#include <memory>
#include <string>
#include <vector>

#include "ferry/common/status.h"
#include "ferry/exec/recursive_query_exec.h"
#include "ferry/function/registry.h"
#include "ferry/plan/logical_plan.h"

namespace ferry::sql {

/// What SQL names resolve against: tables (and views, as the plans they
/// stand for) and functions. The session implements it; the binder only
/// reads. Implementations must be thread-safe.
class Catalog {
 public:
  virtual ~Catalog() = default;
  /// The plan scanning table `name` (a view: its defining plan); KeyError
  /// when there is no such table.
  virtual Result<PlanPtr> TablePlan(const std::string& name) const = 0;
  virtual std::vector<std::string> TableNames() const = 0;
  virtual const FunctionRegistry& functions() const = 0;
  /// Partitions an in-memory VALUES list is split into.
  virtual int target_partitions() const { return 1; }
  /// Bounds every WITH RECURSIVE query bound against this catalog runs within.
  virtual RecursiveQueryLimits recursive_query_limits() const { return {}; }
};

/// "; did you mean: a, b?" naming the candidates closest to `name` (by
/// edit distance, case-insensitive), or "" when none is close.
std::string SuggestNames(const std::string& name, const std::vector<std::string>& candidates);

}  // namespace ferry::sql

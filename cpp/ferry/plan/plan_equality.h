#pragma once

#include "ferry/plan/logical_plan.h"

namespace ferry {

/// Whether two plans are the same tree: node kinds, their expressions,
/// options and output schemas, recursively. Scans compare by table name,
/// projection and filters, not by the table object, so a plan equals its
/// decoded copy (whose tables were reopened or rebuilt).
bool PlanEquals(const LogicalPlan& a, const LogicalPlan& b);

}  // namespace ferry

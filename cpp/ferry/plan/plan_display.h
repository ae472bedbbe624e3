#pragma once

#include <string>

#include "ferry/plan/logical_plan.h"

namespace ferry {

/// The indented tree of LogicalPlan::ToString, each node followed by its
/// output schema, e.g. "Filter: a > Int64(1) [a:Int64;N]" (";N": nullable).
std::string DisplayIndentSchema(const LogicalPlan& plan);

/// The plan as a Graphviz DOT digraph, one box per node, edges from each
/// node to its inputs.
std::string DisplayGraphviz(const LogicalPlan& plan);

}  // namespace ferry

// Whether a plan column can hold NULL, traced to the table it comes from:
// projections make every column nullable in the schema, but NOT IN's NULL
// rules cost a count and a filter the binder can drop when neither side
// can be NULL (TPC-H Q16 over non-nullable keys).

#include "ferry/common/overloaded.h"
#include "ferry/sql/binder_internal.h"

namespace ferry::sql {

bool NeverNull(const LogicalPlan& plan, int index) {
  if (index < 0 || index >= plan.schema->num_fields()) return false;
  if (!plan.schema->field(index)->nullable()) return true;
  auto same_index = [&](const PlanPtr& input) { return NeverNull(*input, index); };
  return std::visit(
      Overloaded{
          [&](const ScanNode&) { return false; },
          [&](const ProjectionNode& n) {
            const auto* column = Unaliased(n.exprs[index]).As<ColumnNode>();
            if (column == nullptr || column->relation) return false;
            return NeverNull(*n.input, n.input->schema->GetFieldIndex(column->name));
          },
          [&](const FilterNode& n) { return same_index(n.input); },
          [&](const SortPlanNode& n) { return same_index(n.input); },
          [&](const LimitNode& n) { return same_index(n.input); },
          [&](const DistinctNode& n) { return same_index(n.input); },
          [&](const WindowPlanNode& n) { return same_index(n.input); },
          [&](const AggregateNode& n) {
            if (index >= static_cast<int>(n.group_by.size())) return false;
            const auto* column = Unaliased(n.group_by[index]).As<ColumnNode>();
            return column != nullptr && !column->relation &&
                   NeverNull(*n.input, n.input->schema->GetFieldIndex(column->name));
          },
          [&](const JoinNode& n) {
            const auto& from = n.output_columns[index];
            const bool left_padded = n.type == JoinType::kRight || n.type == JoinType::kFull;
            const bool right_padded = n.type == JoinType::kLeft || n.type == JoinType::kFull;
            if (from.left >= 0 && from.right >= 0) return false;
            if (from.left >= 0) return !left_padded && NeverNull(*n.left, from.left);
            return !right_padded && NeverNull(*n.right, from.right);
          },
          [&](const UnionNode&) { return false; },
      },
      plan.node);
}

bool NeverNull(const LogicalPlan& plan, const Expr& expr) {
  const auto* column = expr.As<ColumnNode>();
  return column != nullptr && !column->relation && NeverNull(plan, plan.schema->GetFieldIndex(column->name));
}

}  // namespace ferry::sql

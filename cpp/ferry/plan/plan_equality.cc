#include "ferry/plan/plan_equality.h"

#include "ferry/common/overloaded.h"

namespace ferry {
namespace {

bool ExprsEqual(const std::vector<Expr>& a, const std::vector<Expr>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (!a[i].Equals(b[i])) return false;
  }
  return true;
}

bool OptionalExprsEqual(const std::optional<Expr>& a, const std::optional<Expr>& b) {
  if (a.has_value() != b.has_value()) return false;
  return !a || a->Equals(*b);
}

// The node's own fields; inputs are compared by the caller.
bool SameNode(const LogicalPlan& a, const LogicalPlan& b) {
  return std::visit(
      Overloaded{
          [&](const ScanNode& x) {
            const auto& y = std::get<ScanNode>(b.node);
            return x.table_name == y.table_name && x.projection == y.projection &&
                   ExprsEqual(x.filters, y.filters);
          },
          [&](const ProjectionNode& x) { return ExprsEqual(x.exprs, std::get<ProjectionNode>(b.node).exprs); },
          [&](const FilterNode& x) { return x.predicate.Equals(std::get<FilterNode>(b.node).predicate); },
          [&](const AggregateNode& x) {
            const auto& y = std::get<AggregateNode>(b.node);
            return ExprsEqual(x.group_by, y.group_by) && ExprsEqual(x.aggregates, y.aggregates);
          },
          [&](const SortPlanNode& x) { return ExprsEqual(x.sort_exprs, std::get<SortPlanNode>(b.node).sort_exprs); },
          [&](const LimitNode& x) {
            const auto& y = std::get<LimitNode>(b.node);
            return x.skip == y.skip && x.fetch == y.fetch;
          },
          [&](const DistinctNode&) { return true; },
          [&](const JoinNode& x) {
            const auto& y = std::get<JoinNode>(b.node);
            if (x.type != y.type || x.left_keys != y.left_keys || x.right_keys != y.right_keys ||
                x.output_columns.size() != y.output_columns.size()) {
              return false;
            }
            for (size_t i = 0; i < x.output_columns.size(); ++i) {
              if (x.output_columns[i].left != y.output_columns[i].left ||
                  x.output_columns[i].right != y.output_columns[i].right) {
                return false;
              }
            }
            return OptionalExprsEqual(x.filter, y.filter);
          },
          [&](const UnionNode&) { return true; },
          [&](const WindowPlanNode& x) {
            return ExprsEqual(x.window_exprs, std::get<WindowPlanNode>(b.node).window_exprs);
          },
      },
      a.node);
}

}  // namespace

bool PlanEquals(const LogicalPlan& a, const LogicalPlan& b) {
  if (&a == &b) return true;
  if (a.node.index() != b.node.index() || !a.schema->Equals(*b.schema, /*check_metadata=*/false)) {
    return false;
  }
  if (!SameNode(a, b)) return false;
  const auto a_inputs = a.inputs();
  const auto b_inputs = b.inputs();
  if (a_inputs.size() != b_inputs.size()) return false;
  for (size_t i = 0; i < a_inputs.size(); ++i) {
    if (!PlanEquals(*a_inputs[i], *b_inputs[i])) return false;
  }
  return true;
}

}  // namespace ferry

// Joins on arbitrary conditions (datafusion-python's DataFrame.join_on):
// equalities between a left and a right column become hash keys, the rest
// a filter on matching pairs; no condition at all is a cross join.

#include <set>

#include "ferry/function/bind.h"
#include "ferry/plan/builder.h"

namespace ferry {
namespace plan {
namespace {

void SplitConjunction(const Expr& expr, std::vector<Expr>* out) {
  if (const auto* binary = expr.As<BinaryNode>(); binary && binary->op == Operator::kAnd) {
    SplitConjunction(binary->left, out);
    SplitConjunction(binary->right, out);
    return;
  }
  out->push_back(expr);
}

// The filter-schema index of a plain column reference, or -1.
int ColumnIndex(const Expr& expr, const arrow::Schema& schema) {
  const auto* column = expr.As<ColumnNode>();
  if (column == nullptr) return -1;
  return schema.GetFieldIndex(column->name);
}

}  // namespace

Result<PlanPtr> JoinOn(PlanPtr left, PlanPtr right, JoinType type, const std::vector<Expr>& on) {
  const auto& ls = *left->schema;
  const auto& rs = *right->schema;
  auto filter_schema = JoinFilterSchema(ls, rs);
  const int num_left = ls.num_fields();
  JoinNode node{left, right, type, {}, {}, {}};
  std::vector<Expr> conjuncts, rest;
  for (const auto& expr : on) SplitConjunction(expr, &conjuncts);
  for (const auto& conjunct : conjuncts) {
    // left_col = right_col (either way round), same type: a hash key.
    if (const auto* eq = conjunct.As<BinaryNode>(); eq && eq->op == Operator::kEq) {
      int a = ColumnIndex(eq->left, *filter_schema), b = ColumnIndex(eq->right, *filter_schema);
      if (a >= 0 && b >= 0 && (a < num_left) != (b < num_left)) {
        if (a > b) std::swap(a, b);
        if (filter_schema->field(a)->type()->Equals(*filter_schema->field(b)->type())) {
          node.left_keys.push_back(a);
          node.right_keys.push_back(b - num_left);
          continue;
        }
      }
    }
    rest.push_back(conjunct);
  }
  if (!rest.empty()) {
    Expr filter = rest.front();
    for (size_t i = 1; i < rest.size(); ++i) filter = Binary(filter, Operator::kAnd, rest[i]);
    auto bound = BindScalar(filter, *filter_schema);
    if (!bound.ok()) {
      return bound.status().WithMessage("in the join condition: ", bound.status().message(),
                                        " (the condition sees the left columns and the right ones, "
                                        "a right name the left already has suffixed _right)");
    }
    if ((*bound)->type()->id() != arrow::Type::BOOL) {
      return Status::TypeError("join condition ", filter.ToString(), " is ",
                               (*bound)->type()->ToString(), ", not boolean");
    }
    node.filter = std::move(filter);
  }
  const bool semi = type == JoinType::kLeftSemi || type == JoinType::kLeftAnti;
  const bool left_nullable = type == JoinType::kRight || type == JoinType::kFull;
  const bool right_nullable = type == JoinType::kLeft || type == JoinType::kFull;
  arrow::FieldVector fields;
  for (int i = 0; i < filter_schema->num_fields(); ++i) {
    const bool from_left = i < num_left;
    if (semi && !from_left) break;
    auto field = filter_schema->field(i);
    if (from_left ? left_nullable : right_nullable) field = field->WithNullable(true);
    node.output_columns.push_back(from_left ? JoinNode::OutputColumn{i, -1}
                                            : JoinNode::OutputColumn{-1, i - num_left});
    fields.push_back(std::move(field));
  }
  return std::make_shared<const LogicalPlan>(
      LogicalPlan{std::move(node), arrow::schema(std::move(fields))});
}

}  // namespace plan
}  // namespace ferry

#include "ferry/plan/rewrite.h"

#include "ferry/common/overloaded.h"
#include "ferry/function/bind.h"
#include "ferry/function/scalar_function.h"

namespace ferry {
namespace {

void Split(const Expr& expr, std::vector<Expr>* out) {
  const auto* binary = expr.As<BinaryNode>();
  if (binary != nullptr && binary->op == Operator::kAnd) {
    Split(binary->left, out);
    Split(binary->right, out);
    return;
  }
  out->push_back(expr);
}

}  // namespace

std::vector<Expr> SplitConjunction(const Expr& expr) {
  std::vector<Expr> out;
  Split(expr, &out);
  return out;
}

std::optional<Expr> Conjoin(const std::vector<Expr>& conjuncts) {
  if (conjuncts.empty()) return std::nullopt;
  Expr out = conjuncts.front();
  for (size_t i = 1; i < conjuncts.size(); ++i) out = Binary(out, Operator::kAnd, conjuncts[i]);
  return out;
}

bool IsVolatile(const Expr& expr) {
  if (const auto* call = expr.As<ScalarCallNode>()) {
    // A call whose implementation is unknown is treated as volatile.
    if (call->func == nullptr || call->func->volatility() == Volatility::kVolatile) return true;
  }
  for (const auto& child : Children(expr)) {
    if (IsVolatile(child)) return true;
  }
  return false;
}

std::optional<Expr> ReplaceColumns(const Expr& expr, const arrow::Schema& schema,
                                   const std::function<std::optional<Expr>(int)>& replace) {
  if (const auto* column = expr.As<ColumnNode>()) {
    auto index = ResolveColumn(*column, schema);
    if (!index.ok()) return std::nullopt;
    return replace(*index);
  }
  auto children = Children(expr);
  if (children.empty()) return expr;
  for (auto& child : children) {
    auto replaced = ReplaceColumns(child, schema, replace);
    if (!replaced) return std::nullopt;
    child = std::move(*replaced);
  }
  return WithNewChildren(expr, std::move(children));
}

std::optional<std::set<int>> ReferencedColumns(const Expr& expr, const arrow::Schema& schema) {
  std::set<int> out;
  auto walked = ReplaceColumns(expr, schema, [&](int index) -> std::optional<Expr> {
    out.insert(index);
    return expr;  // any value: only the walk matters
  });
  if (!walked) return std::nullopt;
  return out;
}

Expr BoolLit(bool value) { return Lit(std::make_shared<arrow::BooleanScalar>(value)); }

std::optional<bool> AsBoolLiteral(const Expr& expr) {
  const auto* literal = expr.As<LiteralNode>();
  if (literal == nullptr || literal->value == nullptr || !literal->value->is_valid ||
      literal->value->type->id() != arrow::Type::BOOL) {
    return std::nullopt;
  }
  return static_cast<const arrow::BooleanScalar&>(*literal->value).value;
}

bool IsNullLiteral(const Expr& expr) {
  const auto* literal = expr.As<LiteralNode>();
  return literal != nullptr && (literal->value == nullptr || !literal->value->is_valid);
}

PlanPtr WithNewInputs(const PlanPtr& plan, std::vector<PlanPtr> inputs) {
  auto node = std::visit(
      Overloaded{
          [&](const ScanNode& n) -> decltype(LogicalPlan::node) { return n; },
          [&](const JoinNode& n) -> decltype(LogicalPlan::node) {
            JoinNode copy = n;
            copy.left = inputs.at(0);
            copy.right = inputs.at(1);
            return copy;
          },
          [&](const UnionNode&) -> decltype(LogicalPlan::node) { return UnionNode{inputs}; },
          [&](const auto& n) -> decltype(LogicalPlan::node) {
            auto copy = n;
            copy.input = inputs.at(0);
            return copy;
          },
      },
      plan->node);
  return std::make_shared<const LogicalPlan>(LogicalPlan{std::move(node), plan->schema});
}

}  // namespace ferry

// Common subexpression elimination: an expression computed more than once
// by one aggregation or projection (TPC-H Q1 computes
// l_extendedprice * (1 - l_discount) for two sums) is computed once, as a
// column of a projection inserted below, and read from there.

#include <map>
#include <set>

#include "ferry/common/overloaded.h"
#include "ferry/plan/builder.h"
#include "ferry/plan/optimizer.h"
#include "ferry/plan/rewrite.h"

namespace ferry {
namespace {

constexpr const char* kCommonPrefix = "__common_expr_";

bool IsLeaf(const Expr& expr) {
  return expr.As<ColumnNode>() || expr.As<LiteralNode>() || expr.As<WildcardNode>();
}

bool HasWindow(const Expr& expr) {
  if (expr.As<WindowNode>()) return true;
  for (const auto& child : Children(expr)) {
    if (HasWindow(child)) return true;
  }
  return false;
}

// Occurrences of every computed scalar subexpression, by its display.
void Count(const Expr& expr, std::map<std::string, int>* counts, std::map<std::string, Expr>* seen) {
  const bool candidate = !IsLeaf(expr) && !expr.As<AliasNode>() && !expr.As<AggregateCallNode>() &&
                         !expr.As<SortNode>() && !IsVolatile(expr);
  if (candidate) {
    const auto key = expr.ToString();
    ++(*counts)[key];
    seen->emplace(key, expr);
  }
  for (const auto& child : Children(expr)) Count(child, counts, seen);
}

// `expr` with each common subexpression (outermost first) read from its column.
Expr Replace(const Expr& expr, const std::map<std::string, std::string>& columns) {
  if (!IsLeaf(expr) && !expr.As<AliasNode>()) {
    if (auto it = columns.find(expr.ToString()); it != columns.end()) return Col(it->second);
  }
  auto children = Children(expr);
  if (children.empty()) return expr;
  for (auto& child : children) child = Replace(child, columns);
  return WithNewChildren(expr, std::move(children));
}

// The repeated subexpressions of `exprs`, named, or empty when none repeats.
std::map<std::string, std::string> CommonColumns(const std::vector<Expr>& exprs,
                                                 std::map<std::string, Expr>* seen) {
  std::map<std::string, int> counts;
  for (const auto& expr : exprs) Count(expr, &counts, seen);
  std::map<std::string, std::string> columns;
  for (const auto& [key, count] : counts) {
    if (count >= 2) columns.emplace(key, kCommonPrefix + std::to_string(columns.size()));
  }
  return columns;
}

// `input` plus one column per common subexpression still read after
// `rewritten` replaced them (an inner one may now occur only inside an
// outer one, which computes it itself).
Result<PlanPtr> WithCommonColumns(const PlanPtr& input, const std::vector<Expr>& rewritten,
                                  const std::map<std::string, std::string>& columns,
                                  const std::map<std::string, Expr>& seen) {
  std::set<std::string> read;
  for (const auto& expr : rewritten) CollectColumnNames(expr, &read);
  std::vector<Expr> exprs;
  for (const auto& field : input->schema->fields()) exprs.push_back(Col(field->name()));
  for (const auto& [key, name] : columns) {
    if (read.count(name)) exprs.push_back(Alias(seen.at(key), name));
  }
  return plan::Project(input, std::move(exprs));
}

bool CollidesWithPrefix(const arrow::Schema& schema) {
  for (const auto& field : schema.fields()) {
    if (field->name().rfind(kCommonPrefix, 0) == 0) return true;
  }
  return false;
}

Result<PlanPtr> Rewrite(const PlanPtr& plan);

Result<PlanPtr> RewriteInputs(const PlanPtr& plan) {
  std::vector<PlanPtr> inputs;
  bool changed = false;
  for (const auto& input : plan->inputs()) {
    FERRY_ASSIGN_OR_RAISE(auto rewritten, Rewrite(input));
    changed = changed || rewritten != input;
    inputs.push_back(std::move(rewritten));
  }
  return changed ? WithNewInputs(plan, std::move(inputs)) : plan;
}

Result<PlanPtr> Rewrite(const PlanPtr& plan) {
  FERRY_ASSIGN_OR_RAISE(auto current, RewriteInputs(plan));
  if (const auto* aggregate = current->As<AggregateNode>()) {
    if (CollidesWithPrefix(*aggregate->input->schema)) return current;
    std::map<std::string, Expr> seen;
    auto columns = CommonColumns(aggregate->aggregates, &seen);
    if (columns.empty()) return current;
    std::vector<Expr> rewritten;
    for (const auto& expr : aggregate->aggregates) {
      rewritten.push_back(Alias(Replace(Unaliased(expr), columns), expr.SchemaName()));
    }
    FERRY_ASSIGN_OR_RAISE(auto input, WithCommonColumns(aggregate->input, rewritten, columns, seen));
    return plan::Aggregate(input, aggregate->group_by, std::move(rewritten));
  }
  if (const auto* projection = current->As<ProjectionNode>()) {
    if (CollidesWithPrefix(*projection->input->schema)) return current;
    for (const auto& expr : projection->exprs) {
      if (HasWindow(expr)) return current;
    }
    std::map<std::string, Expr> seen;
    auto columns = CommonColumns(projection->exprs, &seen);
    if (columns.empty()) return current;
    std::vector<Expr> rewritten;
    for (const auto& expr : projection->exprs) {
      auto replaced = Replace(expr, columns);
      rewritten.push_back(replaced.SchemaName() == expr.SchemaName()
                              ? replaced
                              : Alias(Replace(Unaliased(expr), columns), expr.SchemaName()));
    }
    FERRY_ASSIGN_OR_RAISE(auto input, WithCommonColumns(projection->input, rewritten, columns, seen));
    return plan::Project(input, std::move(rewritten));
  }
  return current;
}

}  // namespace

Result<PlanPtr> EliminateCommonSubexpressions(const PlanPtr& plan) { return Rewrite(plan); }

}  // namespace ferry

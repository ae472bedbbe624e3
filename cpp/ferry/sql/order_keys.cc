// ORDER BY and DISTINCT ON items: a select item (by position, output name
// or equal expression) or a hidden expression over the input; and DISTINCT
// ON itself, the first row of each group in the query's order.

#include "ferry/sql/binder_internal.h"

namespace ferry::sql {

Result<OrderKey> BindOrderKey(ExprBinder& binder, const pg_query::Node& node,
                              const std::vector<SelectItem>& select, const char* clause) {
  OrderKey key;
  if (node.has_a_const() && node.a_const().has_ival()) {
    const int64_t position = node.a_const().ival().ival();
    if (position < 1 || position > static_cast<int64_t>(select.size())) {
      return Status::Invalid(clause, " position ", position, " is not in the select list (1 to ",
                             select.size(), ")");
    }
    key.output = static_cast<int>(position - 1);
    return key;
  }
  if (node.has_column_ref() && node.column_ref().fields_size() == 1) {
    const std::string name = StringValue(node.column_ref().fields(0));
    for (size_t i = 0; i < select.size(); ++i) {
      if (select[i].name == name) key.output = static_cast<int>(i);
    }
    if (key.output >= 0) return key;
  }
  FERRY_ASSIGN_OR_RAISE(auto value, binder.Bind(node));
  for (size_t i = 0; i < select.size() && key.output < 0; ++i) {
    if (select[i].expr.Equals(value)) key.output = static_cast<int>(i);
  }
  if (key.output < 0) key.hidden = std::move(value);
  return key;
}

Result<PlanPtr> KeepFirstPerGroup(const FunctionRegistry& functions, PlanPtr plan, std::vector<Expr> group,
                                  std::vector<Expr> order) {
  return LimitPerGroup(functions, std::move(plan), std::move(group), std::move(order), 0, 1);
}

Result<PlanPtr> LimitPerGroup(const FunctionRegistry& functions, PlanPtr plan, std::vector<Expr> group,
                              std::vector<Expr> order, int64_t skip, std::optional<int64_t> fetch) {
  // row_number() over each group in that order, kept from skip + 1 to
  // skip + fetch: a window the engine computes per partition, as DuckDB and
  // DataFusion plan DISTINCT ON.
  FERRY_ASSIGN_OR_RAISE(auto row_number, functions.GetWindow("row_number"));
  const std::string rank = "__per_group_rank";
  std::vector<Expr> columns;
  for (const auto& field : plan->schema->fields()) columns.push_back(Col(field->name()));
  auto all = columns;
  columns.push_back(Alias(Window(WindowCall(row_number, "row_number", {}), std::move(group), std::move(order)), rank));
  FERRY_ASSIGN_OR_RAISE(plan, plan::Project(plan, columns));
  auto bound = [](int64_t n) { return Lit(std::make_shared<arrow::UInt64Scalar>(static_cast<uint64_t>(n))); };
  std::optional<Expr> keep;
  if (skip > 0) keep = Binary(Col(rank), Operator::kGt, bound(skip));
  if (fetch) {
    Expr upper = Binary(Col(rank), Operator::kLtEq, bound(skip + *fetch));
    keep = keep ? Binary(*keep, Operator::kAnd, upper) : upper;
  }
  if (keep) {
    FERRY_ASSIGN_OR_RAISE(plan, plan::Filter(plan, *keep));
  }
  return plan::Project(plan, all);
}

Result<std::vector<Expr>> CorrelationPartition(const std::vector<Expr>& correlation) {
  std::vector<Expr> out;
  for (const auto& condition : correlation) {
    const auto* eq = condition.As<BinaryNode>();
    if (eq == nullptr || eq->op != Operator::kEq || HasOuterReference(eq->left) == HasOuterReference(eq->right)) {
      const std::string op = eq ? std::string(" (`") + OperatorSymbol(eq->op) + "`)" : "";
      return Status::NotImplemented("LIMIT/OFFSET in a subquery correlated by a condition other than ",
                                    "`inner = outer`", op, " is not supported");
    }
    out.push_back(HasOuterReference(eq->left) ? eq->right : eq->left);
  }
  return out;
}

}  // namespace ferry::sql

#include "ferry/exec/operator_binders.h"

#include <set>

#include "ferry/function/bind.h"
#include "ferry/function/registry.h"

namespace ferry {
namespace {

// first_value/last_value over a window read their frame's row directly
// rather than running the aggregate's accumulator over every frame.
std::shared_ptr<const WindowFunction> WindowVersionOf(const AggregateFunction& func) {
  const auto& name = func.name();
  if (name != "first_value" && name != "last_value") return nullptr;
  auto builtin = BuiltinFunctions().GetAggregate(name);
  if (!builtin.ok() || builtin->get() != &func) return nullptr;
  auto window = BuiltinFunctions().GetWindow(name);
  return window.ok() ? *window : nullptr;
}

}  // namespace

Result<std::vector<PhysicalExprPtr>> BindAll(const std::vector<Expr>& exprs,
                                             const arrow::Schema& schema) {
  std::vector<PhysicalExprPtr> bound;
  bound.reserve(exprs.size());
  for (const auto& expr : exprs) {
    FERRY_ASSIGN_OR_RAISE(auto b, BindScalar(expr, schema));
    bound.push_back(std::move(b));
  }
  return bound;
}

Result<AggregateSpec> BindAggregateTypes(const Expr& expr, TypeVector arg_types) {
  const auto* call = Unaliased(expr).As<AggregateCallNode>();
  if (call == nullptr) return Status::Invalid(expr.ToString(), " is not an aggregate");
  AggregateSpec spec;
  spec.func = call->func;
  spec.distinct = call->distinct;
  spec.name = expr.SchemaName();
  spec.arg_types = std::move(arg_types);
  FERRY_ASSIGN_OR_RAISE(spec.state_fields, call->func->StateFields(spec.arg_types, spec.distinct));
  FERRY_ASSIGN_OR_RAISE(spec.return_type, call->func->ReturnType(spec.arg_types));
  return spec;
}

Result<AggregateSpec> BindAggregate(const Expr& expr, const arrow::Schema& schema) {
  const auto* call = Unaliased(expr).As<AggregateCallNode>();
  if (call == nullptr) return Status::Invalid(expr.ToString(), " is not an aggregate");
  FERRY_ASSIGN_OR_RAISE(auto args, BindAll(call->args, schema));
  TypeVector arg_types;
  for (const auto& arg : args) arg_types.push_back(arg->type());
  FERRY_ASSIGN_OR_RAISE(auto spec, BindAggregateTypes(expr, std::move(arg_types)));
  spec.args = std::move(args);
  return spec;
}

Result<std::vector<SortKeySpec>> BindSortKeys(const std::vector<Expr>& sort_exprs,
                                              const arrow::Schema& schema) {
  std::vector<SortKeySpec> keys;
  keys.reserve(sort_exprs.size());
  for (const auto& expr : sort_exprs) {
    const auto* sort = expr.As<SortNode>();
    if (sort == nullptr) return Status::Invalid(expr.ToString(), " is not a sort expression");
    FERRY_ASSIGN_OR_RAISE(auto key, BindScalar(sort->expr, schema));
    keys.push_back({std::move(key), sort->ascending, sort->nulls_first});
  }
  return keys;
}

Result<WindowExprSpec> BindWindow(const Expr& expr, const arrow::Schema& schema) {
  const auto* window = expr.As<WindowNode>();
  if (window == nullptr) return Status::Invalid(expr.ToString(), " is not a window expression");
  WindowExprSpec spec;
  spec.name = expr.ToString();
  spec.frame = window->frame;
  if (const auto* call = window->function.As<WindowCallNode>()) {
    spec.window_func = call->func;
    spec.arg_exprs = call->args;
  } else if (const auto* call = window->function.As<AggregateCallNode>()) {
    spec.window_func = WindowVersionOf(*call->func);
    if (!spec.window_func) spec.aggregate_func = call->func;
    spec.arg_exprs = call->args;
  } else {
    return Status::Invalid(window->function.ToString(), " cannot be computed over a window");
  }
  FERRY_ASSIGN_OR_RAISE(spec.args, BindAll(spec.arg_exprs, schema));
  for (const auto& arg : spec.args) spec.arg_types.push_back(arg->type());
  FERRY_ASSIGN_OR_RAISE(spec.partition_by, BindAll(window->partition_by, schema));
  FERRY_ASSIGN_OR_RAISE(spec.order_by, BindSortKeys(window->order_by, schema));
  if (spec.window_func) {
    FERRY_ASSIGN_OR_RAISE(spec.type, spec.window_func->ReturnType(spec.arg_types));
  } else {
    FERRY_ASSIGN_OR_RAISE(spec.type, spec.aggregate_func->ReturnType(spec.arg_types));
  }
  return spec;
}

Result<std::shared_ptr<const JoinFilter>> BindJoinFilter(const JoinNode& join,
                                                         const arrow::Schema& left,
                                                         const arrow::Schema& right) {
  if (!join.filter) return nullptr;
  auto full = JoinFilterSchema(left, right);
  std::set<std::string> used;
  CollectColumnNames(*join.filter, &used);
  auto filter = std::make_shared<JoinFilter>();
  arrow::FieldVector fields;
  for (int i = 0; i < full->num_fields(); ++i) {
    if (!used.count(full->field(i)->name())) continue;
    fields.push_back(full->field(i));
    const bool from_left = i < left.num_fields();
    filter->columns.emplace_back(from_left, from_left ? i : i - left.num_fields());
  }
  filter->schema = arrow::schema(std::move(fields));
  FERRY_ASSIGN_OR_RAISE(filter->predicate, BindScalar(*join.filter, *filter->schema));
  return filter;
}

}  // namespace ferry

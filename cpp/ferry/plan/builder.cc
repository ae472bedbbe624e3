#include "ferry/plan/builder.h"

#include <map>
#include <set>

#include "ferry/function/aggregate_function.h"
#include "ferry/function/bind.h"
#include "ferry/function/window_function.h"

namespace ferry::plan {
namespace {

template <typename Node>
PlanPtr MakePlan(Node node, std::shared_ptr<arrow::Schema> schema) {
  return std::make_shared<const LogicalPlan>(LogicalPlan{std::move(node), std::move(schema)});
}

Status CheckUniqueNames(const arrow::FieldVector& fields, const char* what) {
  std::set<std::string> seen;
  for (const auto& field : fields) {
    if (!seen.insert(field->name()).second) {
      return Status::Invalid(what, " produces the column name '", field->name(),
                             "' twice; give one of them an alias");
    }
  }
  return Status::OK();
}

Result<int> KeyIndex(const std::string& name, const arrow::Schema& schema, const char* side) {
  auto index = ResolveColumn(ColumnNode{std::nullopt, name}, schema);
  if (!index.ok()) {
    return index.status().WithMessage("join key of the ", side, " side: ", index.status().message());
  }
  return index;
}

}  // namespace

Result<PlanPtr> Scan(std::string table_name, std::shared_ptr<const TableProvider> source,
                     std::optional<std::vector<int>> projection, std::vector<Expr> filters) {
  auto schema = source->schema();
  for (const auto& filter : filters) FERRY_RETURN_NOT_OK(BindScalar(filter, *schema).status());
  if (projection) {
    arrow::FieldVector fields;
    for (int index : *projection) {
      if (index < 0 || index >= schema->num_fields()) {
        return Status::IndexError("projection index ", index, " out of range for table '",
                                  table_name, "' with ", schema->num_fields(), " columns");
      }
      fields.push_back(schema->field(index));
    }
    schema = arrow::schema(std::move(fields), schema->metadata());
  }
  return MakePlan(ScanNode{std::move(table_name), std::move(source), std::move(projection),
                           std::move(filters)},
                  std::move(schema));
}

// Replaces every window expression in `expr` by a reference to the column
// a Window node computes for it, collecting the distinct ones in `found`.
Expr ExtractWindows(const Expr& expr, std::vector<Expr>* found) {
  if (expr.As<WindowNode>()) {
    bool seen = false;
    for (const auto& w : *found) seen = seen || w.Equals(expr);
    if (!seen) found->push_back(expr);
    return Col(expr.ToString());
  }
  auto children = Children(expr);
  if (children.empty()) return expr;
  bool changed = false;
  for (auto& child : children) {
    if (!ContainsWindow(child)) continue;
    child = ExtractWindows(child, found);
    changed = true;
  }
  return changed ? WithNewChildren(expr, std::move(children)) : expr;
}

// SQL's rules for frames, checked when the DataFrame is built.
Status CheckFrame(const WindowNode& window, const std::string& display) {
  using Kind = WindowFrame::Bound::Kind;
  const auto& frame = window.frame;
  if (frame.start.kind == Kind::kUnboundedFollowing) {
    return Status::Invalid("a window frame cannot start at UNBOUNDED FOLLOWING: ", display);
  }
  if (frame.end.kind == Kind::kUnboundedPreceding) {
    return Status::Invalid("a window frame cannot end at UNBOUNDED PRECEDING: ", display);
  }
  for (const auto* bound : {&frame.start, &frame.end}) {
    bool needs_offset = bound->kind == Kind::kPreceding || bound->kind == Kind::kFollowing;
    if (needs_offset && (!bound->offset || !bound->offset->is_valid)) {
      return Status::Invalid("a PRECEDING/FOLLOWING frame bound needs a non-null offset: ", display);
    }
  }
  if (frame.units == WindowFrame::Units::kGroups && window.order_by.empty()) {
    return Status::Invalid("GROUPS frames need an ORDER BY: ", display);
  }
  bool range_offsets = frame.units == WindowFrame::Units::kRange &&
                       (frame.start.offset != nullptr || frame.end.offset != nullptr);
  if (range_offsets && window.order_by.size() != 1) {
    return Status::Invalid("RANGE frames with offsets need exactly one ORDER BY key, got ",
                           window.order_by.size(), ": ", display);
  }
  return Status::OK();
}

Result<std::shared_ptr<arrow::DataType>> WindowType(const WindowNode& window,
                                                     const arrow::Schema& schema) {
  for (const auto& key : window.partition_by) FERRY_RETURN_NOT_OK(BindScalar(key, schema).status());
  for (const auto& key : window.order_by) {
    FERRY_RETURN_NOT_OK(BindScalar(key.As<SortNode>()->expr, schema).status());
  }
  const auto& function = window.function;
  std::vector<Expr> args;
  if (const auto* call = function.As<WindowCallNode>()) args = call->args;
  if (const auto* call = function.As<AggregateCallNode>()) args = call->args;
  TypeVector arg_types;
  for (const auto& arg : args) {
    FERRY_ASSIGN_OR_RAISE(auto bound, BindScalar(arg, schema));
    arg_types.push_back(bound->type());
  }
  if (const auto* call = function.As<WindowCallNode>()) return call->func->ReturnType(arg_types);
  if (const auto* call = function.As<AggregateCallNode>()) {
    if (call->distinct) {
      return Status::NotImplemented("DISTINCT aggregates over a window are not supported: ",
                                    function.ToString());
    }
    return call->func->ReturnType(arg_types);
  }
  return Status::Invalid(function.ToString(), " cannot be computed over a window; use a window "
                         "function (row_number, lag, ...) or an aggregate");
}

Result<PlanPtr> Project(PlanPtr input, std::vector<Expr> exprs) {
  std::vector<Expr> windows;
  for (auto& expr : exprs) {
    if (ContainsWindow(expr)) {
      auto name = expr.SchemaName();
      expr = Alias(ExtractWindows(expr, &windows), name);
    }
  }
  if (!windows.empty()) {
    FERRY_ASSIGN_OR_RAISE(input, Window(std::move(input), std::move(windows)));
  }
  arrow::FieldVector fields;
  for (const auto& expr : exprs) {
    FERRY_ASSIGN_OR_RAISE(auto field, OutputField(expr, *input->schema));
    fields.push_back(std::move(field));
  }
  FERRY_RETURN_NOT_OK(CheckUniqueNames(fields, "select"));
  auto schema = arrow::schema(std::move(fields));
  return MakePlan(ProjectionNode{std::move(input), std::move(exprs)}, std::move(schema));
}

Result<PlanPtr> Filter(PlanPtr input, Expr predicate) {
  FERRY_ASSIGN_OR_RAISE(auto bound, BindScalar(predicate, *input->schema));
  if (bound->type()->id() != arrow::Type::BOOL) {
    return Status::TypeError("filter predicate ", predicate.ToString(), " is ",
                             DisplayTypeName(*bound->type()), ", not Boolean");
  }
  auto schema = input->schema;
  return MakePlan(FilterNode{std::move(input), std::move(predicate)}, std::move(schema));
}

Result<PlanPtr> Aggregate(PlanPtr input, std::vector<Expr> group_by, std::vector<Expr> aggregates) {
  arrow::FieldVector fields;
  for (const auto& expr : group_by) {
    FERRY_ASSIGN_OR_RAISE(auto field, OutputField(expr, *input->schema));
    fields.push_back(std::move(field));
  }
  for (const auto& expr : aggregates) {
    const auto* call = Unaliased(expr).As<AggregateCallNode>();
    if (call == nullptr) {
      return Status::Invalid(expr.ToString(), " is not an aggregate; aggregate() takes "
                             "aggregate calls such as f.sum(col(\"x\"))");
    }
    TypeVector arg_types;
    for (const auto& arg : call->args) {
      FERRY_ASSIGN_OR_RAISE(auto bound, BindScalar(arg, *input->schema));
      arg_types.push_back(bound->type());
    }
    FERRY_ASSIGN_OR_RAISE(auto type, call->func->ReturnType(arg_types));
    // Fail now, not at run time, on DISTINCT a function cannot do.
    FERRY_RETURN_NOT_OK(call->func->StateFields(arg_types, call->distinct).status());
    fields.push_back(arrow::field(expr.SchemaName(), std::move(type)));
  }
  FERRY_RETURN_NOT_OK(CheckUniqueNames(fields, "aggregate"));
  auto schema = arrow::schema(std::move(fields));
  return MakePlan(AggregateNode{std::move(input), std::move(group_by), std::move(aggregates)},
                  std::move(schema));
}

Result<PlanPtr> Sort(PlanPtr input, std::vector<Expr> sort_exprs) {
  if (sort_exprs.empty()) return Status::Invalid("sort needs at least one expression");
  for (auto& expr : sort_exprs) {
    if (!expr.As<SortNode>()) expr = ferry::Sort(expr, /*ascending=*/true, /*nulls_first=*/false);
    FERRY_RETURN_NOT_OK(BindScalar(expr.As<SortNode>()->expr, *input->schema).status());
  }
  auto schema = input->schema;
  return MakePlan(SortPlanNode{std::move(input), std::move(sort_exprs)}, std::move(schema));
}

Result<PlanPtr> Limit(PlanPtr input, int64_t skip, std::optional<int64_t> fetch) {
  if (skip < 0) return Status::Invalid("limit offset must be >= 0, got ", skip);
  if (fetch && *fetch < 0) return Status::Invalid("limit count must be >= 0, got ", *fetch);
  auto schema = input->schema;
  return MakePlan(LimitNode{std::move(input), skip, fetch}, std::move(schema));
}

Result<PlanPtr> Distinct(PlanPtr input) {
  auto schema = input->schema;
  return MakePlan(DistinctNode{std::move(input)}, std::move(schema));
}

// The type numeric keys of two types are compared in, as `=` would.
std::shared_ptr<arrow::DataType> CommonKeyType(const arrow::DataType& a, const arrow::DataType& b) {
  if (!arrow::is_numeric(a.id()) || !arrow::is_numeric(b.id())) return nullptr;
  if (arrow::is_floating(a.id()) || arrow::is_floating(b.id())) return arrow::float64();
  if (arrow::is_unsigned_integer(a.id()) && arrow::is_unsigned_integer(b.id())) return arrow::uint64();
  return arrow::int64();
}

// `side` with its key columns cast to `types` where they differ.
Result<PlanPtr> CastKeys(PlanPtr side, const std::map<std::string, std::shared_ptr<arrow::DataType>>& casts) {
  if (casts.empty()) return side;
  std::vector<Expr> exprs;
  for (const auto& field : side->schema->fields()) {
    auto it = casts.find(field->name());
    exprs.push_back(it == casts.end() ? Col(field->name())
                                      : Alias(Cast(Col(field->name()), it->second), field->name()));
  }
  return Project(std::move(side), std::move(exprs));
}

Result<PlanPtr> Join(PlanPtr left, PlanPtr right, JoinType type,
                     const std::vector<std::string>& left_keys,
                     const std::vector<std::string>& right_keys) {
  if (left_keys.empty() || left_keys.size() != right_keys.size()) {
    return Status::Invalid("join needs the same number (at least one) of left and right keys; got ",
                           left_keys.size(), " and ", right_keys.size());
  }
  // Numeric keys of different types join in their common type (Int32 = Int64).
  std::map<std::string, std::shared_ptr<arrow::DataType>> left_casts, right_casts;
  for (size_t i = 0; i < left_keys.size(); ++i) {
    FERRY_ASSIGN_OR_RAISE(int l, KeyIndex(left_keys[i], *left->schema, "left"));
    FERRY_ASSIGN_OR_RAISE(int r, KeyIndex(right_keys[i], *right->schema, "right"));
    const auto& lt = left->schema->field(l)->type();
    const auto& rt = right->schema->field(r)->type();
    if (lt->Equals(*rt)) continue;
    if (auto common = CommonKeyType(*lt, *rt)) {
      if (!lt->Equals(*common)) left_casts[left->schema->field(l)->name()] = common;
      if (!rt->Equals(*common)) right_casts[right->schema->field(r)->name()] = common;
    }
  }
  FERRY_ASSIGN_OR_RAISE(left, CastKeys(std::move(left), left_casts));
  FERRY_ASSIGN_OR_RAISE(right, CastKeys(std::move(right), right_casts));
  const auto& ls = *left->schema;
  const auto& rs = *right->schema;
  JoinNode node{left, right, type, {}, {}, {}};
  std::set<int> shared_right_keys;
  std::vector<int> shared_key_of_left(ls.num_fields(), -1);
  for (size_t i = 0; i < left_keys.size(); ++i) {
    FERRY_ASSIGN_OR_RAISE(int l, KeyIndex(left_keys[i], ls, "left"));
    FERRY_ASSIGN_OR_RAISE(int r, KeyIndex(right_keys[i], rs, "right"));
    const auto& lt = ls.field(l)->type();
    const auto& rt = rs.field(r)->type();
    if (!lt->Equals(*rt)) {
      return Status::TypeError("join keys ", left_keys[i], " (", DisplayTypeName(*lt), ") and ",
                               right_keys[i], " (", DisplayTypeName(*rt),
                               ") have different types; cast one of them");
    }
    node.left_keys.push_back(l);
    node.right_keys.push_back(r);
    if (ls.field(l)->name() == rs.field(r)->name()) {
      shared_right_keys.insert(r);
      shared_key_of_left[l] = r;
    }
  }
  arrow::FieldVector fields;
  bool semi = type == JoinType::kLeftSemi || type == JoinType::kLeftAnti;
  bool coalesce_keys = type == JoinType::kRight || type == JoinType::kFull;
  std::set<std::string> names;
  for (int i = 0; i < ls.num_fields(); ++i) {
    auto field = ls.field(i);
    JoinNode::OutputColumn column{i, -1};
    if (!semi && coalesce_keys && shared_key_of_left[i] >= 0) {
      column.right = shared_key_of_left[i];
      field = field->WithNullable(true);
    } else if (!semi && type != JoinType::kInner && type != JoinType::kLeft) {
      field = field->WithNullable(true);
    }
    node.output_columns.push_back(column);
    names.insert(field->name());
    fields.push_back(std::move(field));
  }
  if (!semi) {
    for (int i = 0; i < rs.num_fields(); ++i) {
      if (shared_right_keys.count(i)) continue;
      auto field = rs.field(i);
      if (type != JoinType::kInner && type != JoinType::kRight) field = field->WithNullable(true);
      std::string name = field->name();
      while (names.count(name)) name += "_right";
      names.insert(name);
      node.output_columns.push_back({-1, i});
      fields.push_back(field->WithName(name));
    }
  }
  return MakePlan(std::move(node), arrow::schema(std::move(fields)));
}

Result<arrow::FieldVector> JoinFieldsFromParts(const arrow::Schema& ls, const arrow::Schema& rs,
                                               JoinType type, const std::vector<int>& left_keys,
                                               const std::vector<int>& right_keys,
                                               const std::vector<JoinNode::OutputColumn>& output_columns,
                                               const std::vector<std::string>& names,
                                               const std::optional<Expr>& filter) {
  auto in_range = [](int index, const arrow::Schema& schema) {
    return index >= 0 && index < schema.num_fields();
  };
  if (left_keys.size() != right_keys.size()) {
    return Status::Invalid("join has ", left_keys.size(), " left keys but ", right_keys.size(),
                           " right keys");
  }
  for (size_t i = 0; i < left_keys.size(); ++i) {
    if (!in_range(left_keys[i], ls) || !in_range(right_keys[i], rs)) {
      return Status::IndexError("join key ", i, " refers to a column the join's inputs lack");
    }
    const auto& lt = ls.field(left_keys[i])->type();
    const auto& rt = rs.field(right_keys[i])->type();
    if (!lt->Equals(*rt)) {
      return Status::TypeError("join keys ", ls.field(left_keys[i])->name(), " (", DisplayTypeName(*lt),
                               ") and ", rs.field(right_keys[i])->name(), " (", DisplayTypeName(*rt),
                               ") have different types");
    }
  }
  if (names.size() != output_columns.size()) {
    return Status::Invalid("join has ", output_columns.size(), " output columns but ", names.size(),
                           " names");
  }
  const bool semi = type == JoinType::kLeftSemi || type == JoinType::kLeftAnti;
  const bool outer_left = type == JoinType::kRight || type == JoinType::kFull;
  const bool outer_right = type == JoinType::kLeft || type == JoinType::kFull;
  arrow::FieldVector fields;
  for (size_t i = 0; i < output_columns.size(); ++i) {
    const auto& column = output_columns[i];
    const bool from_left = column.left != -1, from_right = column.right != -1;
    if ((from_left && !in_range(column.left, ls)) || (from_right && !in_range(column.right, rs)) ||
        (!from_left && !from_right)) {
      return Status::IndexError("join output column ", i, " refers to no column of the join's inputs");
    }
    if (from_right && semi) {
      return Status::Invalid("a ", JoinTypeName(type), " join outputs only left columns");
    }
    if (from_left && from_right) {
      bool is_key = false;
      for (size_t k = 0; k < left_keys.size(); ++k) {
        is_key = is_key || (left_keys[k] == column.left && right_keys[k] == column.right);
      }
      if (!outer_left || !is_key) {
        return Status::Invalid("join output column ", i, " takes both sides, which only a shared "
                               "key of a right or full join does");
      }
    }
    auto field = from_left ? ls.field(column.left) : rs.field(column.right);
    bool nullable = field->nullable() || (from_left ? outer_left : outer_right);
    fields.push_back(field->WithName(names[i])->WithNullable(nullable));
  }
  FERRY_RETURN_NOT_OK(CheckUniqueNames(fields, "join"));
  if (filter) {
    FERRY_ASSIGN_OR_RAISE(auto bound, BindScalar(*filter, *JoinFilterSchema(ls, rs)));
    if (bound->type()->id() != arrow::Type::BOOL) {
      return Status::TypeError("join filter ", filter->ToString(), " is ",
                               DisplayTypeName(*bound->type()), ", not Boolean");
    }
  }
  return fields;
}

Result<PlanPtr> JoinFromParts(PlanPtr left, PlanPtr right, JoinType type, std::vector<int> left_keys,
                              std::vector<int> right_keys,
                              std::vector<JoinNode::OutputColumn> output_columns,
                              const std::vector<std::string>& names, std::optional<Expr> filter) {
  FERRY_ASSIGN_OR_RAISE(auto fields, JoinFieldsFromParts(*left->schema, *right->schema, type, left_keys,
                                                         right_keys, output_columns, names, filter));
  JoinNode node{std::move(left), std::move(right), type, std::move(left_keys), std::move(right_keys),
                std::move(output_columns), std::move(filter)};
  return MakePlan(std::move(node), arrow::schema(std::move(fields)));
}

Result<std::shared_ptr<arrow::Field>> WindowField(const Expr& expr, const arrow::Schema& input) {
  const auto* window = expr.As<WindowNode>();
  if (window == nullptr) return Status::Invalid(expr.ToString(), " is not a window expression");
  FERRY_RETURN_NOT_OK(CheckFrame(*window, expr.ToString()));
  FERRY_ASSIGN_OR_RAISE(auto type, WindowType(*window, input));
  return arrow::field(expr.ToString(), std::move(type));
}

Result<PlanPtr> Window(PlanPtr input, std::vector<Expr> window_exprs) {
  auto fields = input->schema->fields();
  for (const auto& expr : window_exprs) {
    FERRY_ASSIGN_OR_RAISE(auto field, WindowField(expr, *input->schema));
    fields.push_back(std::move(field));
  }
  FERRY_RETURN_NOT_OK(CheckUniqueNames(fields, "window"));
  return MakePlan(WindowPlanNode{std::move(input), std::move(window_exprs)},
                  arrow::schema(std::move(fields)));
}

Result<PlanPtr> Union(std::vector<PlanPtr> inputs) {
  if (inputs.empty()) return Status::Invalid("union needs at least one input");
  const auto& first = *inputs[0]->schema;
  for (size_t i = 1; i < inputs.size(); ++i) {
    const auto& other = *inputs[i]->schema;
    if (other.num_fields() != first.num_fields()) {
      return Status::Invalid("union inputs have ", first.num_fields(), " and ",
                             other.num_fields(), " columns");
    }
    for (int c = 0; c < first.num_fields(); ++c) {
      if (!first.field(c)->type()->Equals(*other.field(c)->type())) {
        return Status::TypeError("union column ", c + 1, " ('", first.field(c)->name(), "') is ",
                                 DisplayTypeName(*first.field(c)->type()), " in one input and ",
                                 DisplayTypeName(*other.field(c)->type()), " in another");
      }
    }
  }
  arrow::FieldVector fields;
  for (int c = 0; c < first.num_fields(); ++c) {
    bool nullable = false;
    for (const auto& input : inputs) nullable = nullable || input->schema->field(c)->nullable();
    fields.push_back(first.field(c)->WithNullable(nullable));
  }
  return MakePlan(UnionNode{std::move(inputs)}, arrow::schema(std::move(fields)));
}

}  // namespace ferry::plan

// Projection pushdown: every node computes and carries only the columns
// something above it reads, so scans decode, and joins and aggregates
// move, nothing else. Columns are tracked by name (plans give them unique
// names); joins, which address their inputs by position, are re-indexed.
//
// A subplan the plan computes twice (shared_subplans.h) would leave
// pushdown as two copies that differ only in the columns each reader
// needs (TPC-H Q11 reads ps_partkey from one of its two partsupp joins),
// and unequal copies are not shared. So a first pass records what every
// copy needs, and the second gives each copy the union of them and
// projects each reader down to its own columns.

#include <algorithm>
#include <set>

#include "ferry/common/overloaded.h"
#include "ferry/plan/builder.h"
#include "ferry/plan/optimizer.h"
#include "ferry/plan/rewrite.h"
#include "ferry/plan/shared_subplans.h"

namespace ferry {
namespace {

using Columns = std::optional<std::set<std::string>>;  // nullopt: all of them

Columns Needed(const std::vector<Expr>& exprs, Columns also = std::set<std::string>{}) {
  if (!also) return std::nullopt;
  for (const auto& expr : exprs) CollectColumnNames(expr, &*also);
  return also;
}

// The columns every copy of a repeated subplan needs, by group.
struct SharedColumns {
  explicit SharedColumns(const LogicalPlan& root)
      : shared(FindSharedSubplans(root)), wanted(shared.num_groups, std::set<std::string>{}) {}
  SharedSubplans shared;
  std::vector<Columns> wanted;
  bool recording = true;  // the first pass records, the second widens
};

Columns Union(const Columns& a, const Columns& b) {
  if (!a || !b) return std::nullopt;
  auto both = *a;
  both.insert(b->begin(), b->end());
  return both;
}

bool Required(const Columns& required, const std::string& name) {
  return !required || required->count(name) > 0;
}

// Whether every name in `names` names exactly one column of `schema`, so
// pruning by name cannot confuse two columns.
bool Unique(const arrow::Schema& schema, const std::set<std::string>& names) {
  return std::all_of(names.begin(), names.end(), [&](const std::string& name) {
    return schema.GetAllFieldIndices(name).size() == 1;
  });
}

Result<PlanPtr> Push(const PlanPtr& plan, Columns required, SharedColumns& sharing);

Result<PlanPtr> PushScan(const ScanNode& n, const Columns& required) {
  if (!required) return plan::Scan(n.table_name, n.source, n.projection, n.filters);
  const auto& source_schema = *n.source->schema();
  std::vector<int> projection;
  for (int i = 0; i < source_schema.num_fields(); ++i) {
    bool visible = !n.projection ||
                   std::find(n.projection->begin(), n.projection->end(), i) != n.projection->end();
    if (visible && required->count(source_schema.field(i)->name())) projection.push_back(i);
  }
  // Row counts need at least one column to travel with the batches.
  if (projection.empty() && source_schema.num_fields() > 0) {
    projection.push_back(n.projection && !n.projection->empty() ? n.projection->front() : 0);
  }
  return plan::Scan(n.table_name, n.source, std::move(projection), n.filters);
}

// A join keeps the output columns required above; its inputs keep those
// and the key columns. Indices are then mapped into the pruned inputs.
Result<PlanPtr> PushJoin(const PlanPtr& plan, const JoinNode& n, const Columns& required,
                         SharedColumns& sharing) {
  const auto filter_schema = JoinFilterSchema(*n.left->schema, *n.right->schema);
  std::set<std::string> filter_names;
  if (n.filter) CollectColumnNames(*n.filter, &filter_names);
  if (n.left_keys.empty() && !n.filter) {
    // A cross join: nothing to find a key column by; inputs stay whole.
    JoinNode copy = n;
    FERRY_ASSIGN_OR_RAISE(copy.left, Push(n.left, std::nullopt, sharing));
    FERRY_ASSIGN_OR_RAISE(copy.right, Push(n.right, std::nullopt, sharing));
    return std::make_shared<const LogicalPlan>(LogicalPlan{std::move(copy), plan->schema});
  }
  if (!Unique(*filter_schema, filter_names)) {
    return Status::UnknownError("join filter names are ambiguous in ", plan->Describe());
  }
  std::vector<int> keep;
  for (int i = 0; i < plan->schema->num_fields(); ++i) {
    if (Required(required, plan->schema->field(i)->name())) keep.push_back(i);
  }
  // Row counts need at least one column to travel with the batches: the
  // first key, which the join reads anyway (or any column of a keyless one).
  if (keep.empty()) {
    int key = 0;
    for (int i = 0; i < static_cast<int>(n.output_columns.size()); ++i) {
      if (!n.left_keys.empty() && n.output_columns[i].left == n.left_keys.front()) key = i;
    }
    keep.push_back(key);
  }
  std::set<std::string> left_names, right_names;
  for (int i : keep) {
    const auto& column = n.output_columns[i];
    if (column.left >= 0) left_names.insert(n.left->schema->field(column.left)->name());
    if (column.right >= 0) right_names.insert(n.right->schema->field(column.right)->name());
  }
  for (int k : n.left_keys) left_names.insert(n.left->schema->field(k)->name());
  for (int k : n.right_keys) right_names.insert(n.right->schema->field(k)->name());
  // The filter reads columns by their JoinFilterSchema names: the left
  // input's first, then the right's (maybe suffixed).
  const int num_left = n.left->schema->num_fields();
  for (const auto& name : filter_names) {
    const int index = filter_schema->GetFieldIndex(name);
    if (index < num_left) {
      left_names.insert(n.left->schema->field(index)->name());
    } else {
      right_names.insert(n.right->schema->field(index - num_left)->name());
    }
  }
  // An input with ambiguous names keeps all its columns and positions.
  Columns left_required = left_names, right_required = right_names;
  if (!Unique(*n.left->schema, left_names)) left_required = std::nullopt;
  if (!Unique(*n.right->schema, right_names)) right_required = std::nullopt;

  JoinNode copy = n;
  FERRY_ASSIGN_OR_RAISE(copy.left, Push(n.left, left_required, sharing));
  FERRY_ASSIGN_OR_RAISE(copy.right, Push(n.right, right_required, sharing));
  auto remap = [](const PlanPtr& before, const PlanPtr& after, int index) {
    if (index < 0) return index;
    return after->schema->GetFieldIndex(before->schema->field(index)->name());
  };
  for (auto& k : copy.left_keys) k = remap(n.left, copy.left, k);
  for (auto& k : copy.right_keys) k = remap(n.right, copy.right, k);
  copy.output_columns.clear();
  arrow::FieldVector fields;
  for (int i : keep) {
    const auto& column = n.output_columns[i];
    copy.output_columns.push_back(
        {remap(n.left, copy.left, column.left), remap(n.right, copy.right, column.right)});
    fields.push_back(plan->schema->field(i));
  }
  if (n.filter) {
    // Re-spell the filter's columns for the pruned inputs' filter schema.
    const auto pruned_schema = JoinFilterSchema(*copy.left->schema, *copy.right->schema);
    const int pruned_left = copy.left->schema->num_fields();
    auto filter = ReplaceColumns(*n.filter, *filter_schema, [&](int index) -> std::optional<Expr> {
      const int at = index < num_left ? remap(n.left, copy.left, index)
                                      : pruned_left + remap(n.right, copy.right, index - num_left);
      if (at < 0 || (index >= num_left && at < pruned_left)) return std::nullopt;
      return Col(pruned_schema->field(at)->name());
    });
    if (!filter) return Status::UnknownError("projection pushdown lost a join filter column of ", plan->Describe());
    copy.filter = std::move(*filter);
  }
  auto bad = [](int k) { return k < 0; };
  if (std::any_of(copy.left_keys.begin(), copy.left_keys.end(), bad) ||
      std::any_of(copy.right_keys.begin(), copy.right_keys.end(), bad)) {
    return Status::UnknownError("projection pushdown lost a join key of ", plan->Describe());
  }
  return std::make_shared<const LogicalPlan>(
      LogicalPlan{std::move(copy), arrow::schema(std::move(fields))});
}

// An aggregate drops the aggregate outputs nobody reads (it keeps every
// group key: they define the groups).
Result<PlanPtr> PushAggregate(const AggregateNode& n, const Columns& required, SharedColumns& sharing) {
  std::vector<Expr> aggregates;
  for (const auto& expr : n.aggregates) {
    if (Required(required, expr.SchemaName())) aggregates.push_back(expr);
  }
  if (aggregates.empty() && !n.aggregates.empty()) aggregates.push_back(n.aggregates.front());
  std::vector<Expr> all = n.group_by;
  all.insert(all.end(), aggregates.begin(), aggregates.end());
  FERRY_ASSIGN_OR_RAISE(auto input, Push(n.input, Needed(all), sharing));
  return plan::Aggregate(input, n.group_by, std::move(aggregates));
}

// Each union input keeps the required positions; an input that still
// carries more gets a projection so every input has the same columns.
Result<PlanPtr> PushUnion(const PlanPtr& plan, const UnionNode& n, const Columns& required,
                          SharedColumns& sharing) {
  std::vector<int> keep;
  for (int i = 0; i < plan->schema->num_fields(); ++i) {
    if (Required(required, plan->schema->field(i)->name())) keep.push_back(i);
  }
  if (keep.empty()) keep.push_back(0);
  bool prune = required.has_value();
  std::vector<std::vector<std::string>> names(n.inputs.size());
  for (size_t i = 0; i < n.inputs.size(); ++i) {
    for (int c : keep) names[i].push_back(n.inputs[i]->schema->field(c)->name());
    prune = prune && Unique(*n.inputs[i]->schema, {names[i].begin(), names[i].end()});
  }
  std::vector<PlanPtr> inputs;
  for (size_t i = 0; i < n.inputs.size(); ++i) {
    if (!prune) {
      FERRY_ASSIGN_OR_RAISE(auto pushed, Push(n.inputs[i], std::nullopt, sharing));
      inputs.push_back(std::move(pushed));
      continue;
    }
    FERRY_ASSIGN_OR_RAISE(auto pushed,
                          Push(n.inputs[i], std::set<std::string>(names[i].begin(), names[i].end()), sharing));
    if (pushed->schema->field_names() != names[i]) {
      std::vector<Expr> exprs;
      for (const auto& name : names[i]) exprs.push_back(Col(name));
      FERRY_ASSIGN_OR_RAISE(pushed, plan::Project(std::move(pushed), std::move(exprs)));
    }
    inputs.push_back(std::move(pushed));
  }
  return plan::Union(std::move(inputs));
}

Result<PlanPtr> PushNode(const PlanPtr& plan, Columns required, SharedColumns& sharing) {
  return std::visit(
      Overloaded{
          [&](const ScanNode& n) { return PushScan(n, required); },
          [&](const ProjectionNode& n) -> Result<PlanPtr> {
            // Outputs nobody above reads need not be computed at all.
            std::vector<Expr> exprs;
            for (const auto& expr : n.exprs) {
              if (Required(required, expr.SchemaName())) exprs.push_back(expr);
            }
            if (exprs.empty() && !n.exprs.empty()) exprs.push_back(n.exprs.front());
            FERRY_ASSIGN_OR_RAISE(auto input, Push(n.input, Needed(exprs), sharing));
            return plan::Project(input, std::move(exprs));
          },
          [&](const FilterNode& n) -> Result<PlanPtr> {
            FERRY_ASSIGN_OR_RAISE(auto input, Push(n.input, Needed({n.predicate}, required), sharing));
            return plan::Filter(input, n.predicate);
          },
          [&](const AggregateNode& n) { return PushAggregate(n, required, sharing); },
          [&](const SortPlanNode& n) -> Result<PlanPtr> {
            FERRY_ASSIGN_OR_RAISE(auto input, Push(n.input, Needed(n.sort_exprs, required), sharing));
            return plan::Sort(input, n.sort_exprs);
          },
          [&](const LimitNode& n) -> Result<PlanPtr> {
            FERRY_ASSIGN_OR_RAISE(auto input, Push(n.input, required, sharing));
            return plan::Limit(input, n.skip, n.fetch);
          },
          [&](const DistinctNode& n) -> Result<PlanPtr> {
            // Every column is part of what makes a row distinct.
            FERRY_ASSIGN_OR_RAISE(auto input, Push(n.input, std::nullopt, sharing));
            return plan::Distinct(input);
          },
          [&](const JoinNode& n) { return PushJoin(plan, n, required, sharing); },
          [&](const WindowPlanNode& n) -> Result<PlanPtr> {
            // Window columns are computed here; above needs only input columns.
            Columns needed = std::nullopt;
            if (required) {
              needed = std::set<std::string>{};
              for (const auto& field : n.input->schema->fields()) {
                if (required->count(field->name())) needed->insert(field->name());
              }
              needed = Needed(n.window_exprs, needed);
            }
            FERRY_ASSIGN_OR_RAISE(auto input, Push(n.input, needed, sharing));
            return plan::Window(input, n.window_exprs);
          },
          [&](const UnionNode& n) { return PushUnion(plan, n, required, sharing); },
      },
      plan->node);
}

// Keeps the columns of `plan` a reader of a widened shared copy needs.
Result<PlanPtr> Narrow(PlanPtr plan, const std::set<std::string>& required) {
  std::vector<Expr> exprs;
  for (const auto& field : plan->schema->fields()) {
    if (required.count(field->name())) exprs.push_back(Col(field->name()));
  }
  if (exprs.size() == static_cast<size_t>(plan->schema->num_fields())) return plan;
  const auto names = plan->schema->field_names();
  if (!Unique(*plan->schema, {names.begin(), names.end()})) return plan;  // not pruned below either
  if (exprs.empty()) exprs.push_back(Col(names.front()));
  return plan::Project(std::move(plan), std::move(exprs));
}

Result<PlanPtr> Push(const PlanPtr& plan, Columns required, SharedColumns& sharing) {
  auto group = sharing.shared.group_of.find(plan.get());
  if (group == sharing.shared.group_of.end()) return PushNode(plan, std::move(required), sharing);
  auto& wanted = sharing.wanted[group->second];
  if (sharing.recording) {
    wanted = Union(wanted, required);
    return PushNode(plan, std::move(required), sharing);
  }
  // What this copy needs may have grown since recording (an enclosing
  // repeat widened too); the union still covers it.
  FERRY_ASSIGN_OR_RAISE(auto pushed, PushNode(plan, Union(wanted, required), sharing));
  if (!required) return pushed;
  return Narrow(std::move(pushed), *required);
}

}  // namespace

Result<PlanPtr> PushDownProjections(const PlanPtr& plan) {
  SharedColumns sharing(*plan);
  if (sharing.shared.num_groups > 0) {
    FERRY_RETURN_NOT_OK(Push(plan, std::nullopt, sharing).status());
    sharing.recording = false;
  }
  return Push(plan, std::nullopt, sharing);
}

}  // namespace ferry

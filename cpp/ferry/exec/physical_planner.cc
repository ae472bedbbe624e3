#include "ferry/exec/physical_planner.h"

#include <algorithm>
#include <set>
#include <tuple>

#include "ferry/exec/operator_binders.h"
#include "ferry/exec/operators.h"
#include "ferry/exec/row_hash.h"
#include "ferry/exec/scan_decided_filters.h"
#include "ferry/exec/semi_join_reduction.h"
#include "ferry/exec/window_planner.h"
#include "ferry/plan/shared_subplans.h"
#include "ferry/plan/statistics.h"
#include "ferry/function/bind.h"
#include "ferry/function/registry.h"
#include "ferry/common/overloaded.h"

namespace ferry {
namespace {

// Column references to `columns` of `plan`'s output, as hash keys.
std::vector<PhysicalExprPtr> ColumnKeys(const ExecutionPlan& plan, const std::vector<int>& columns) {
  std::vector<PhysicalExprPtr> keys;
  for (int c : columns) {
    const auto& field = plan.schema()->field(c);
    keys.push_back(MakeColumnRef(c, field->name(), field->type()));
  }
  return keys;
}

bool AllHashable(const ExecutionPlan& plan, const std::vector<int>& columns) {
  for (int c : columns) {
    if (!CanHashRows(*plan.schema()->field(c)->type())) return false;
  }
  return true;
}

// Whether `plan` is hash-partitioned on exactly `columns` into `n` partitions.
bool PartitionedOn(const ExecutionPlan& plan, const std::vector<int>& columns, int n) {
  auto partitioning = plan.output_partitioning();
  return partitioning && partitioning->num_partitions == n && partitioning->columns == columns;
}

// When `side` is hash-partitioned on some of its join keys, the other
// side's keys at the same positions (partitioning the other side on them
// puts matching rows in matching partitions).
std::optional<std::vector<int>> MatchingKeys(const ExecutionPlan& side, const std::vector<int>& keys,
                                             const std::vector<int>& other_keys) {
  auto partitioning = side.output_partitioning();
  if (!partitioning || partitioning->num_partitions < 2 || partitioning->columns.empty()) {
    return std::nullopt;
  }
  std::vector<int> other;
  for (int column : partitioning->columns) {
    auto it = std::find(keys.begin(), keys.end(), column);
    if (it == keys.end()) return std::nullopt;
    other.push_back(other_keys[it - keys.begin()]);
  }
  return other;
}

// Spreads `plan` over `n` partitions by the hash of `columns`; one
// partition needs no exchange at all beyond a gather.
ExecPtr HashPartitioned(ExecPtr plan, const std::vector<int>& columns, int n) {
  if (n <= 1) return MakeCoalescePartitionsExec(std::move(plan));
  auto keys = ColumnKeys(*plan, columns);
  return MakeHashRepartitionExec(std::move(plan), std::move(keys), n);
}

// Aggregates whose result depends on row order (first/last value and
// array_agg without ORDER BY): their partial states must merge in
// partition order, as the rows arrived.
bool IsOrderSensitive(const AggregateSpec& spec) {
  const auto& name = spec.func->name();
  return name == "first_value" || name == "last_value" || name == "array_agg";
}

// `exchange_keys`, when given, are the leading group keys the final phase
// is partitioned on (all of them otherwise).
Result<ExecPtr> PlanAggregate(ExecPtr input, const std::vector<Expr>& group_by,
                              const std::vector<Expr>& aggregates,
                              std::shared_ptr<arrow::Schema> schema, int partitions,
                              std::optional<size_t> exchange_keys = std::nullopt,
                              std::optional<double> estimated_groups = std::nullopt) {
  const auto& input_schema = *input->schema();
  FERRY_ASSIGN_OR_RAISE(auto keys, BindAll(group_by, input_schema));
  // Input already partitioned on columns that are all group keys: every
  // group lives in one partition, so the final phase needs no exchange.
  bool groups_colocated = false;
  if (auto partitioning = input->output_partitioning();
      partitioning && partitioning->num_partitions > 1 && !partitioning->columns.empty()) {
    groups_colocated = true;
    for (int column : partitioning->columns) {
      bool is_key = false;
      for (const auto& key : keys) is_key = is_key || ColumnIndexOf(*key) == column;
      groups_colocated = groups_colocated && is_key;
    }
  }
  std::vector<std::string> key_names;
  for (const auto& expr : group_by) key_names.push_back(expr.SchemaName());
  std::vector<AggregateSpec> specs;
  for (const auto& expr : aggregates) {
    FERRY_ASSIGN_OR_RAISE(auto spec, BindAggregate(expr, input_schema));
    specs.push_back(std::move(spec));
  }
  FERRY_ASSIGN_OR_RAISE(auto partial, MakePartialAggregateExec(std::move(input), std::move(keys),
                                                               std::move(key_names), specs));
  // The final phase runs partitioned by group key: every group's partial
  // states meet in one partition, and each partition merges its own.
  std::vector<int> key_columns;
  for (size_t k = 0; k < exchange_keys.value_or(group_by.size()); ++k) {
    key_columns.push_back(static_cast<int>(k));
  }
  ExecPtr exchanged;
  if (std::any_of(specs.begin(), specs.end(), IsOrderSensitive)) {
    exchanged = MakeOrderedCoalesceExec(std::move(partial));
  } else if (groups_colocated) {
    exchanged = std::move(partial);
  } else if (!key_columns.empty() && AllHashable(*partial, key_columns)) {
    exchanged = HashPartitioned(std::move(partial), key_columns, partitions);
  } else {
    exchanged = MakeCoalescePartitionsExec(std::move(partial));
  }
  // The estimated groups, spread over the final phase's partitions, size
  // its hash table.
  const double groups = estimated_groups.value_or(0) / std::max(1, exchanged->num_partitions());
  const int64_t expected_groups = groups > 0 ? static_cast<int64_t>(std::min(groups, 1e12)) : 0;
  return MakeFinalAggregateExec(std::move(exchanged), group_by.size(), std::move(specs),
                                std::move(schema), expected_groups);
}

// count/sum/min/max/avg(DISTINCT x), all over the same x, beside plain
// aggregates that re-aggregate (sum, count, min, max): two levels, first
// grouping by (keys, x) so each distinct value survives once (plain
// aggregates computed per (keys, x) on the way), then the outer aggregate
// over those rows. Both levels are ordinary partitioned hash aggregations,
// which scale where a per-group set of values does not.
constexpr const char* kDistinctColumn = "__ferry_distinct_arg";

bool IsNumeric(const arrow::DataType& type) {
  return arrow::is_integer(type.id()) || arrow::is_floating(type.id());
}

// The aggregate that combines per-(keys, x) results of a plain `name`.
const char* Reaggregate(const std::string& name) {
  if (name == "sum" || name == "count") return "sum";
  if (name == "min") return "min";
  if (name == "max") return "max";
  return nullptr;
}

bool IsSingleDistinct(const std::vector<Expr>& group_by, const std::vector<Expr>& aggregates,
                      const arrow::Schema& input) {
  std::string arg;
  for (const auto& expr : aggregates) {
    const auto* call = Unaliased(expr).As<AggregateCallNode>();
    if (call == nullptr) return false;
    const auto& name = call->func->name();
    if (!call->distinct) {
      // count's outer sum would give NULL instead of 0 for an empty input
      // without groups; sums re-summed stay exact only for numbers.
      if (Reaggregate(name) == nullptr) return false;
      if (call->args.size() != (name == "count" && call->args.empty() ? 0u : 1u)) return false;
      if (name == "count" && group_by.empty()) return false;
      if (name == "sum") {
        auto bound = BindScalar(call->args[0], input);
        if (!bound.ok() || (name == "sum" && !IsNumeric(*(*bound)->type()))) return false;
      }
      continue;
    }
    if (call->args.size() != 1) return false;
    if (name != "count" && name != "sum" && name != "min" && name != "max" && name != "avg" &&
        name != "mean") {
      return false;
    }
    const std::string this_arg = call->args[0].ToString();
    if (!arg.empty() && this_arg != arg) return false;
    arg = this_arg;
  }
  return !arg.empty();
}

Result<ExecPtr> PlanSingleDistinct(ExecPtr input, const std::vector<Expr>& group_by,
                                   const std::vector<Expr>& aggregates,
                                   std::shared_ptr<arrow::Schema> schema, int partitions) {
  const auto& input_schema = *input->schema();
  const Expr* arg = nullptr;
  for (const auto& expr : aggregates) {
    const auto& call = *Unaliased(expr).As<AggregateCallNode>();
    if (call.distinct) arg = &call.args[0];
  }
  std::vector<Expr> inner_keys = group_by;
  inner_keys.push_back(Alias(*arg, kDistinctColumn));
  arrow::FieldVector inner_fields;
  std::vector<Expr> outer_keys;
  for (const auto& key : inner_keys) {
    FERRY_ASSIGN_OR_RAISE(auto bound, BindScalar(key, input_schema));
    inner_fields.push_back(arrow::field(key.SchemaName(), bound->type()));
    if (outer_keys.size() < group_by.size()) outer_keys.push_back(Col(key.SchemaName()));
  }
  std::vector<Expr> inner_aggregates, outer_aggregates;
  for (size_t i = 0; i < aggregates.size(); ++i) {
    const auto& expr = aggregates[i];
    const auto& call = *Unaliased(expr).As<AggregateCallNode>();
    if (call.distinct) {
      outer_aggregates.push_back(Alias(AggregateCall(call.func, call.name, {Col(kDistinctColumn)}),
                                       expr.SchemaName()));
      continue;
    }
    const std::string inner_name = "__ferry_inner_" + std::to_string(i);
    auto inner = Alias(AggregateCall(call.func, call.name, call.args), inner_name);
    FERRY_ASSIGN_OR_RAISE(auto spec, BindAggregate(inner, input_schema));
    inner_fields.push_back(arrow::field(inner_name, spec.return_type));
    inner_aggregates.push_back(std::move(inner));
    FERRY_ASSIGN_OR_RAISE(auto outer_func,
                          BuiltinFunctions().GetAggregate(Reaggregate(call.func->name())));
    outer_aggregates.push_back(Alias(
        AggregateCall(outer_func, outer_func->name(), {Col(inner_name)}), expr.SchemaName()));
  }
  // The inner level is partitioned on the outer group keys alone (when
  // there are any), so the outer level finds each group in one partition
  // and needs no second exchange.
  std::optional<size_t> exchange_keys;
  if (!group_by.empty()) exchange_keys = group_by.size();
  FERRY_ASSIGN_OR_RAISE(auto deduplicated,
                        PlanAggregate(std::move(input), inner_keys, inner_aggregates,
                                      arrow::schema(std::move(inner_fields)), partitions,
                                      exchange_keys));
  return PlanAggregate(std::move(deduplicated), outer_keys, outer_aggregates, std::move(schema),
                       partitions);
}

// Build sides estimated at most this many rows are broadcast (DataFusion's
// collect-left threshold is of the same order).
constexpr double kBroadcastRows = 128 * 1024;
// A semi/anti join's big side is reduced to its small kept side's keys
// when it is at least this many times larger (see semi_join_reduction.h).
constexpr double kReduction = 8;

class Planner {
 public:
  Planner(const LogicalPlan& root, const PlannerOptions& options) : options_(options) {
    if (options.share_subplans) shared_ = FindSharedSubplans(root);
    shared_plans_.resize(shared_.num_groups);
  }

  // A subplan that occurs more than once is planned at its first
  // occurrence; every occurrence reads that one computation.
  Result<ExecPtr> Plan(const LogicalPlan& plan) {
    auto group = shared_.group_of.find(&plan);
    if (group == shared_.group_of.end()) return PlanNode(plan);
    auto& shared = shared_plans_[group->second];
    if (shared == nullptr) {
      FERRY_ASSIGN_OR_RAISE(auto input, PlanNode(plan));
      shared = MakeSharedSubplan(std::move(input));
    }
    return MakeSharedSubplanExec(shared);
  }

 private:
  bool IsShared(const LogicalPlan& plan) const { return shared_.group_of.count(&plan) > 0; }

  Result<ExecPtr> PlanNode(const LogicalPlan& plan) {
    return std::visit(
        Overloaded{
            [&](const ScanNode& n) -> Result<ExecPtr> {
              FERRY_ASSIGN_OR_RAISE(auto scan, n.source->Scan(n.projection, options_.target_partitions));
              return ExecPtr(std::move(scan));
            },
            [&](const ProjectionNode& n) -> Result<ExecPtr> {
              if (const auto* filter = n.input->As<FilterNode>(); filter && !IsShared(*n.input)) {
                return PlanProjectedFilter(n, *filter, plan.schema);
              }
              FERRY_ASSIGN_OR_RAISE(auto input, Plan(*n.input));
              FERRY_ASSIGN_OR_RAISE(auto exprs, BindAll(n.exprs, *input->schema()));
              return MakeProjectionExec(std::move(input), std::move(exprs), plan.schema);
            },
            [&](const FilterNode& n) -> Result<ExecPtr> {
              FERRY_ASSIGN_OR_RAISE(auto input, Plan(*n.input));
              auto left = PredicateLeftAbove(n.predicate, *input);
              if (!left) return input;
              FERRY_ASSIGN_OR_RAISE(auto predicate, BindScalar(*left, *input->schema()));
              return MakeFilterExec(std::move(input), std::move(predicate));
            },
            [&](const AggregateNode& n) -> Result<ExecPtr> {
              FERRY_ASSIGN_OR_RAISE(auto input, Plan(*n.input));
              if (IsSingleDistinct(n.group_by, n.aggregates, *input->schema())) {
                return PlanSingleDistinct(std::move(input), n.group_by, n.aggregates, plan.schema,
                                          partitions());
              }
              return PlanAggregate(std::move(input), n.group_by, n.aggregates, plan.schema,
                                   partitions(), std::nullopt, EstimateRows(plan));
            },
            [&](const SortPlanNode& n) -> Result<ExecPtr> {
              FERRY_ASSIGN_OR_RAISE(auto input, Plan(*n.input));
              FERRY_ASSIGN_OR_RAISE(auto keys, BindSortKeys(n.sort_exprs, *input->schema()));
              return PlanSort(std::move(input), std::move(keys), std::nullopt);
            },
            [&](const LimitNode& n) -> Result<ExecPtr> {
              // A limit straight over a sort only needs the sort's top rows.
              if (const auto* sort = n.input->As<SortPlanNode>();
                  sort && n.fetch && !IsShared(*n.input)) {
                FERRY_ASSIGN_OR_RAISE(auto input, Plan(*sort->input));
                FERRY_ASSIGN_OR_RAISE(auto keys, BindSortKeys(sort->sort_exprs, *input->schema()));
                auto sorted = PlanSort(std::move(input), std::move(keys), n.skip + *n.fetch);
                return MakeLimitExec(std::move(sorted), n.skip, n.fetch);
              }
              FERRY_ASSIGN_OR_RAISE(auto input, Plan(*n.input));
              return MakeLimitExec(std::move(input), n.skip, n.fetch);
            },
            [&](const DistinctNode& n) -> Result<ExecPtr> {
              FERRY_ASSIGN_OR_RAISE(auto input, Plan(*n.input));
              std::vector<Expr> columns;
              for (const auto& field : input->schema()->fields()) columns.push_back(Col(field->name()));
              return PlanAggregate(std::move(input), columns, {}, plan.schema, partitions());
            },
            [&](const JoinNode& n) -> Result<ExecPtr> {
              FERRY_ASSIGN_OR_RAISE(auto left, Plan(*n.left));
              FERRY_ASSIGN_OR_RAISE(auto right, Plan(*n.right));
              FERRY_ASSIGN_OR_RAISE(auto filter, BindJoinFilter(n, *left->schema(), *right->schema()));
              return PlanJoin(std::move(left), std::move(right), n, plan.schema,
                              EstimateRows(*n.left), EstimateRows(*n.right), std::move(filter));
            },
            [&](const WindowPlanNode& n) -> Result<ExecPtr> {
              FERRY_ASSIGN_OR_RAISE(auto input, Plan(*n.input));
              std::vector<WindowExprSpec> specs;
              for (const auto& expr : n.window_exprs) {
                FERRY_ASSIGN_OR_RAISE(auto spec, BindWindow(expr, *input->schema()));
                specs.push_back(std::move(spec));
              }
              return PlanWindows(std::move(input), std::move(specs), plan.schema, partitions());
            },
            [&](const UnionNode& n) -> Result<ExecPtr> {
              std::vector<ExecPtr> inputs;
              for (const auto& input : n.inputs) {
                FERRY_ASSIGN_OR_RAISE(auto exec, Plan(*input));
                inputs.push_back(std::move(exec));
              }
              return MakeUnionExec(std::move(inputs), plan.schema);
            },
        },
        plan.node);
  }

  // A projection over a filter: the filter emits only the columns the
  // projection reads, so the rest are never copied by the filter.
  Result<ExecPtr> PlanProjectedFilter(const ProjectionNode& projection, const FilterNode& filter,
                                      const std::shared_ptr<arrow::Schema>& schema) {
    FERRY_ASSIGN_OR_RAISE(auto input, Plan(*filter.input));
    auto left = PredicateLeftAbove(filter.predicate, *input);
    if (!left) {
      FERRY_ASSIGN_OR_RAISE(auto exprs, BindAll(projection.exprs, *input->schema()));
      return MakeProjectionExec(std::move(input), std::move(exprs), schema);
    }
    FERRY_ASSIGN_OR_RAISE(auto predicate, BindScalar(*left, *input->schema()));
    std::set<std::string> used;
    for (const auto& expr : projection.exprs) CollectColumnNames(expr, &used);
    std::vector<int> keep;
    const auto& fields = input->schema()->fields();
    for (int i = 0; i < static_cast<int>(fields.size()); ++i) {
      if (used.count(fields[i]->name())) keep.push_back(i);
    }
    std::optional<std::vector<int>> narrowed;
    if (!keep.empty() && keep.size() < fields.size()) narrowed = std::move(keep);
    auto filtered = MakeFilterExec(std::move(input), std::move(predicate), std::move(narrowed));
    FERRY_ASSIGN_OR_RAISE(auto exprs, BindAll(projection.exprs, *filtered->schema()));
    return MakeProjectionExec(std::move(filtered), std::move(exprs), schema);
  }

  int partitions() const { return std::max(1, options_.target_partitions); }

  // Each partition sorts (and cuts to `fetch`) on its own, in parallel;
  // a merge of the sorted runs gathers them.
  static ExecPtr PlanSort(ExecPtr input, std::vector<SortKeySpec> keys, std::optional<int64_t> fetch) {
    if (input->num_partitions() <= 1 || !CanMergeSortKeys(keys)) {
      return MakeSortExec(std::move(input), std::move(keys), fetch);
    }
    auto sorted = MakeSortExec(std::move(input), keys, fetch, /*per_partition=*/true);
    return MakeSortMergeExec(std::move(sorted), std::move(keys), fetch);
  }

  // Partitioned when the keys hash (both sides exchanged on the keys);
  // otherwise the build side is broadcast where the join type allows, or
  // both sides gathered into one partition.
  Result<ExecPtr> PlanJoin(ExecPtr left, ExecPtr right, const JoinNode& join,
                           const std::shared_ptr<arrow::Schema>& schema,
                           std::optional<double> left_rows, std::optional<double> right_rows,
                           std::shared_ptr<const JoinFilter> filter) {
    // The hash table goes on the side estimated smaller (right when unknown).
    bool build_left = left_rows && right_rows && *left_rows < *right_rows;
    if (join.left_keys.empty()) {
      // A cross join cannot be partitioned by key: its build side is
      // broadcast (or both gathered), so build where that is allowed.
      if (BuildSideEmitsAtEnd(join.type, build_left)) build_left = !build_left;
      const int n = partitions();
      ExecPtr& build = build_left ? left : right;
      ExecPtr& probe = build_left ? right : left;
      if (n > 1 && probe->num_partitions() > 1 && !BuildSideEmitsAtEnd(join.type, build_left)) {
        build = MakeBroadcastExec(std::move(build), probe->num_partitions());
        return MakeHashJoinExec(std::move(left), std::move(right), join,
                                HashJoinMode::kCollectBuild, build_left, schema, std::move(filter));
      }
      left = MakeCoalescePartitionsExec(std::move(left));
      right = MakeCoalescePartitionsExec(std::move(right));
      return MakeHashJoinExec(std::move(left), std::move(right), join, HashJoinMode::kPartitioned,
                              build_left, schema, std::move(filter));
    }
    const std::optional<double>& build_rows = build_left ? left_rows : right_rows;
    const int n = partitions();
    const bool hashable = AllHashable(*left, join.left_keys) && AllHashable(*right, join.right_keys);
    // A small build side is copied to every probe partition rather than
    // both sides being exchanged: the probe side keeps its partitions.
    ExecPtr& probe_side = build_left ? right : left;
    // Both sides already partitioned alike on the keys: nothing to move.
    if (auto right_columns = MatchingKeys(*left, join.left_keys, join.right_keys);
        hashable && right_columns &&
        PartitionedOn(*right, *right_columns, left->output_partitioning()->num_partitions)) {
      return MakeHashJoinExec(std::move(left), std::move(right), join, HashJoinMode::kPartitioned,
                              build_left, schema, filter);
    }
    if (n > 1 && build_rows && *build_rows <= kBroadcastRows && probe_side->num_partitions() > 1 &&
        !BuildSideEmitsAtEnd(join.type, build_left)) {
      ExecPtr& build = build_left ? left : right;
      build = MakeBroadcastExec(std::move(build), probe_side->num_partitions());
      return MakeHashJoinExec(std::move(left), std::move(right), join, HashJoinMode::kCollectBuild,
                              build_left, schema, filter);
    }
    // A small kept side of a semi or anti join is not broadcast (its rows
    // come out at the end, after every partition's matches): the big side
    // is cut down to that side's keys in place, then both are exchanged.
    // Its two readers share it, so not in a distributed job's stages.
    if (n > 1 && hashable && options_.share_subplans && build_left &&
        (join.type == JoinType::kLeftSemi || join.type == JoinType::kLeftAnti) && build_rows &&
        *build_rows <= kBroadcastRows && right_rows && *right_rows >= kReduction * *build_rows &&
        right->num_partitions() > 1) {
      FERRY_ASSIGN_OR_RAISE(std::tie(left, right),
                            ReduceToBuildKeys(std::move(left), std::move(right), join));
    }
    if (n > 1 && hashable) {
      // A side already hash-partitioned on some of its keys keeps its
      // partitions; the other side is exchanged on the matching keys.
      if (auto right_columns = MatchingKeys(*left, join.left_keys, join.right_keys)) {
        const int m = left->output_partitioning()->num_partitions;
        if (!PartitionedOn(*right, *right_columns, m)) {
          right = HashPartitioned(std::move(right), *right_columns, m);
        }
      } else if (auto left_columns = MatchingKeys(*right, join.right_keys, join.left_keys)) {
        const int m = right->output_partitioning()->num_partitions;
        left = HashPartitioned(std::move(left), *left_columns, m);
      } else {
        left = HashPartitioned(std::move(left), join.left_keys, n);
        right = HashPartitioned(std::move(right), join.right_keys, n);
      }
      return MakeHashJoinExec(std::move(left), std::move(right), join, HashJoinMode::kPartitioned,
                              build_left, schema, filter);
    }
    if (n > 1 && !BuildSideEmitsAtEnd(join.type, build_left)) {
      ExecPtr& build = build_left ? left : right;
      ExecPtr& probe = build_left ? right : left;
      build = MakeBroadcastExec(std::move(build), probe->num_partitions());
      return MakeHashJoinExec(std::move(left), std::move(right), join, HashJoinMode::kCollectBuild,
                              build_left, schema, filter);
    }
    left = MakeCoalescePartitionsExec(std::move(left));
    right = MakeCoalescePartitionsExec(std::move(right));
    return MakeHashJoinExec(std::move(left), std::move(right), join, HashJoinMode::kPartitioned,
                            build_left, schema, filter);
  }

  const PlannerOptions& options_;
  SharedSubplans shared_;
  std::vector<std::shared_ptr<SharedSubplan>> shared_plans_;
};

}  // namespace

Result<ExecPtr> CreatePhysicalPlan(const LogicalPlan& plan, const PlannerOptions& options) {
  EnsureArrowCompute();
  return Planner(plan, options).Plan(plan);
}

}  // namespace ferry

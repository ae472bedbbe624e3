// Window planning: which exchange each window operator sits on. A window
// partition must be whole in one operator partition, so rows are
// hash-partitioned on PARTITION BY keys (any subset of them will do: equal
// keys then meet in one partition) and each partition runs on its own
// thread, as DataFusion plans them. Windows over the whole input (no
// PARTITION BY) see one gathered partition.

#include "ferry/exec/window_planner.h"

#include <algorithm>
#include <string>

#include "ferry/exec/row_hash.h"

namespace ferry {
namespace {

// Window expressions computed by one operator, and the keys its input is
// partitioned on (none: gathered into one partition).
struct WindowGroup {
  std::vector<PhysicalExprPtr> keys;
  std::vector<size_t> members;
};

// Keys bound to the same schema are the same key when they print alike.
bool SameKey(const PhysicalExpr& a, const PhysicalExpr& b) { return a.ToString() == b.ToString(); }

// `keys` that are also in `others`, in `keys`' order.
std::vector<PhysicalExprPtr> CommonKeys(const std::vector<PhysicalExprPtr>& keys,
                                        const std::vector<PhysicalExprPtr>& others) {
  std::vector<PhysicalExprPtr> common;
  for (const auto& key : keys) {
    for (const auto& other : others) {
      if (SameKey(*key, *other)) {
        common.push_back(key);
        break;
      }
    }
  }
  return common;
}

// The PARTITION BY keys rows can be hashed on (the others still split
// window partitions inside the operator, just not across partitions).
std::vector<PhysicalExprPtr> HashableKeys(const WindowExprSpec& spec) {
  std::vector<PhysicalExprPtr> keys;
  for (const auto& key : spec.partition_by) {
    if (CanHashRows(*key->type()) && CommonKeys({key}, keys).empty()) keys.push_back(key);
  }
  return keys;
}

// The gathered group (possibly empty) first, then one group per set of
// expressions with keys in common, in the order they first appear.
std::vector<WindowGroup> GroupByKeys(const std::vector<WindowExprSpec>& specs) {
  std::vector<WindowGroup> groups(1);
  for (size_t i = 0; i < specs.size(); ++i) {
    auto keys = HashableKeys(specs[i]);
    if (keys.empty()) {
      groups[0].members.push_back(i);
      continue;
    }
    auto joined = std::find_if(groups.begin() + 1, groups.end(), [&](const WindowGroup& group) {
      return !CommonKeys(group.keys, keys).empty();
    });
    if (joined == groups.end()) {
      groups.push_back(WindowGroup{std::move(keys), {i}});
    } else {
      joined->keys = CommonKeys(joined->keys, keys);
      joined->members.push_back(i);
    }
  }
  return groups;
}

// Whether `plan` spreads rows over several partitions by columns that are
// all among `keys`: then no window partition spans two of them.
bool PartitionedOnSome(const ExecutionPlan& plan, const std::vector<PhysicalExprPtr>& keys) {
  auto partitioning = plan.output_partitioning();
  if (!partitioning || partitioning->num_partitions < 2 || partitioning->columns.empty()) {
    return false;
  }
  return std::all_of(partitioning->columns.begin(), partitioning->columns.end(), [&](int column) {
    return std::any_of(keys.begin(), keys.end(),
                       [&](const PhysicalExprPtr& key) { return ColumnIndexOf(*key) == column; });
  });
}

}  // namespace

Result<ExecPtr> PlanWindows(ExecPtr input, std::vector<WindowExprSpec> specs,
                            std::shared_ptr<arrow::Schema> schema, int target_partitions) {
  const int num_input_fields = input->schema()->num_fields();
  if (schema->num_fields() != num_input_fields + static_cast<int>(specs.size())) {
    return Status::Invalid("window output schema has ", schema->num_fields(), " fields for ",
                           num_input_fields, " input fields and ", specs.size(), " window expressions");
  }
  auto groups = GroupByKeys(specs);
  // A group the input is already partitioned for goes first: it needs no exchange.
  std::stable_partition(groups.begin() + 1, groups.end(), [&](const WindowGroup& group) {
    return PartitionedOnSome(*input, group.keys);
  });

  // Each operator appends its expressions' columns; the input's columns
  // keep their positions, so every spec stays bound along the chain.
  ExecPtr current = std::move(input);
  arrow::FieldVector fields = current->schema()->fields();
  std::vector<int> output_column(specs.size());
  for (const auto& group : groups) {
    if (group.members.empty()) continue;
    if (group.keys.empty()) {
      // In partition order: the gathered rows arrive in the input's order.
      current = MakeOrderedCoalesceExec(std::move(current));
    } else if (!PartitionedOnSome(*current, group.keys)) {
      current = target_partitions > 1
                    ? MakeHashRepartitionExec(std::move(current), group.keys, target_partitions)
                    : MakeOrderedCoalesceExec(std::move(current));
    }
    std::vector<WindowExprSpec> members;
    for (size_t i : group.members) {
      output_column[i] = static_cast<int>(fields.size());
      fields.push_back(schema->field(num_input_fields + static_cast<int>(i)));
      members.push_back(specs[i]);
    }
    current = MakeWindowExec(std::move(current), std::move(members), arrow::schema(fields),
                             /*per_partition=*/true);
  }

  bool in_order = true;
  for (size_t i = 0; i < specs.size(); ++i) {
    in_order = in_order && output_column[i] == num_input_fields + static_cast<int>(i);
  }
  if (in_order) return current;
  // Groups ran out of the expressions' order: put the columns back.
  std::vector<PhysicalExprPtr> columns;
  for (int c = 0; c < schema->num_fields(); ++c) {
    const int from = c < num_input_fields ? c : output_column[c - num_input_fields];
    columns.push_back(MakeColumnRef(from, fields[from]->name(), fields[from]->type()));
  }
  return MakeProjectionExec(std::move(current), std::move(columns), std::move(schema));
}

}  // namespace ferry

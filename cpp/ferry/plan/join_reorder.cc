// Join reordering: a chain of inner equi-joins is flattened into its inputs
// and the join conditions between them, then rebuilt left-deep, greedily:
// start from the input estimated smallest and keep joining the smallest
// input that shares a condition with what is joined so far. Intermediate
// results stay small, and no cross product appears where a condition
// exists. A projection on top restores the original column order.

#include <algorithm>
#include <map>
#include <set>

#include "ferry/plan/builder.h"
#include "ferry/plan/optimizer.h"
#include "ferry/plan/rewrite.h"
#include "ferry/plan/statistics.h"

namespace ferry {
namespace {

struct ColumnRef {
  int input;   // which flattened input
  int column;  // position in its schema
  bool operator<(const ColumnRef& o) const { return std::tie(input, column) < std::tie(o.input, o.column); }
  bool operator==(const ColumnRef& o) const { return input == o.input && column == o.column; }
};

struct Condition {
  ColumnRef a, b;
};

bool IsInnerJoin(const PlanPtr& plan) {
  const auto* join = plan->As<JoinNode>();
  // Only plain equi-joins reorder: a join filter names columns as its two
  // inputs spell them, and a cross join has no condition to order by.
  return join != nullptr && join->type == JoinType::kInner && !join->filter &&
         !join->left_keys.empty();
}

// Flattens the inner-join tree under `plan`: appends its non-join inputs to
// `inputs` (in tree order) and its key pairs to `conditions`; returns where
// each of `plan`'s output columns comes from. Inner joins never coalesce
// columns, so each comes from exactly one input.
std::vector<ColumnRef> Flatten(const PlanPtr& plan, std::vector<PlanPtr>* inputs,
                               std::vector<Condition>* conditions) {
  if (!IsInnerJoin(plan)) {
    int index = static_cast<int>(inputs->size());
    inputs->push_back(plan);
    std::vector<ColumnRef> out;
    for (int c = 0; c < plan->schema->num_fields(); ++c) out.push_back({index, c});
    return out;
  }
  const auto& n = *plan->As<JoinNode>();
  auto left = Flatten(n.left, inputs, conditions);
  auto right = Flatten(n.right, inputs, conditions);
  for (size_t k = 0; k < n.left_keys.size(); ++k) {
    conditions->push_back({left[n.left_keys[k]], right[n.right_keys[k]]});
  }
  std::vector<ColumnRef> out;
  for (const auto& column : n.output_columns) {
    out.push_back(column.left >= 0 ? left[column.left] : right[column.right]);
  }
  return out;
}

// The inner-join tree under `plan` with its non-join inputs replaced, in
// tree order, by `inputs` (whose schemas are unchanged).
PlanPtr Substitute(const PlanPtr& plan, const std::vector<PlanPtr>& inputs, size_t* next) {
  if (!IsInnerJoin(plan)) return inputs[(*next)++];
  JoinNode copy = *plan->As<JoinNode>();
  copy.left = Substitute(copy.left, inputs, next);
  copy.right = Substitute(copy.right, inputs, next);
  return std::make_shared<const LogicalPlan>(LogicalPlan{std::move(copy), plan->schema});
}

// Equal columns: a union-find over the columns the join conditions name.
class EqualColumns {
 public:
  ColumnRef Find(ColumnRef ref) {
    auto it = parent_.find(ref);
    if (it == parent_.end() || it->second == ref) return ref;
    return it->second = Find(it->second);
  }
  // False when `a` and `b` were equal already.
  bool Unite(ColumnRef a, ColumnRef b) {
    a = Find(a);
    b = Find(b);
    if (a == b) return false;
    parent_[a] = b;
    return true;
  }

 private:
  std::map<ColumnRef, ColumnRef> parent_;
};

// `conditions` and the ones they imply between inputs: a = b and b = c
// give a = c. SQL writes Q5's `c_nationkey = s_nationkey and s_nationkey =
// n_nationkey`, whose customer-nation condition is implied only; without
// it customer cannot follow nation. Only columns of one type, and no
// floating ones (the join matches -0.0 with 0.0), pair up.
std::vector<Condition> WithImplied(const std::vector<Condition>& conditions,
                                   const std::vector<PlanPtr>& inputs) {
  EqualColumns equal;
  std::set<ColumnRef> named;
  for (const auto& c : conditions) {
    equal.Unite(c.a, c.b);
    named.insert(c.a);
    named.insert(c.b);
  }
  auto type = [&](const ColumnRef& ref) { return inputs[ref.input]->schema->field(ref.column)->type(); };
  auto stated = [&](const ColumnRef& a, const ColumnRef& b) {
    return std::any_of(conditions.begin(), conditions.end(), [&](const Condition& c) {
      return (c.a == a && c.b == b) || (c.a == b && c.b == a);
    });
  };
  std::vector<Condition> out = conditions;
  for (auto a = named.begin(); a != named.end(); ++a) {
    for (auto b = std::next(a); b != named.end(); ++b) {
      if (a->input == b->input || equal.Find(*a) != equal.Find(*b) || stated(*a, *b)) continue;
      if (!type(*a)->Equals(*type(*b)) || arrow::is_floating(type(*a)->id())) continue;
      out.push_back({*a, *b});
    }
  }
  return out;
}

struct Ordered {
  std::vector<int> order;
  double cost = 0;  // rows read and produced: inputs plus intermediate results
};

// The greedy order of `inputs` from input `start`, or nullopt when they
// are not connected: each time the connected input whose join with what
// is joined so far is estimated smallest. A join on a = b is
// estimated |A| |B| / max(distinct a, distinct b) (a column of unknown
// distinct values counts as a key: as many as its side has rows; each
// side's count is bounded by the other key's domain, as a foreign key's
// values lie among its primary key's), so a join on a column of few
// values, which multiplies rows, comes late.
std::optional<Ordered> GreedyFrom(int start, const std::vector<PlanPtr>& inputs,
                                  const std::vector<double>& rows,
                                  const std::vector<Condition>& conditions) {
  auto distinct = [&](const ColumnRef& ref, double side_rows, const ColumnRef& other) {
    auto estimate = EstimateDistinct(*inputs[ref.input], ref.column);
    auto domain = EstimateDomain(*inputs[other.input], other.column);
    double out = std::min(side_rows, estimate ? *estimate : side_rows);
    return domain ? std::min(out, *domain) : out;
  };
  const int n = static_cast<int>(inputs.size());
  std::vector<bool> used(n, false);
  std::vector<int> order;
  double joined_rows = 0, cost = 0;
  for (int step = 0; step < n; ++step) {
    int best = -1;
    double best_rows = 0;
    for (int i = 0; i < n; ++i) {
      if (used[i]) continue;
      if (order.empty() && i != start) continue;
      double estimate = rows[i];
      if (!order.empty()) {
        bool connected = false;
        double divisor = 0;
        for (const auto& c : conditions) {
          for (auto [here, there] : {std::pair{c.a, c.b}, std::pair{c.b, c.a}}) {
            if (there.input != i || !used[here.input]) continue;
            connected = true;
            divisor = std::max(divisor, std::max(distinct(here, joined_rows, there),
                                                 distinct(there, rows[i], here)));
          }
        }
        if (!connected) continue;
        estimate = joined_rows * rows[i] / std::max(1.0, divisor);
      }
      if (best < 0 || estimate < best_rows || (estimate == best_rows && rows[i] < rows[best])) {
        best = i;
        best_rows = estimate;
      }
    }
    if (best < 0) return std::nullopt;  // disconnected: keep the user's order
    used[best] = true;
    order.push_back(best);
    joined_rows = std::max(1.0, best_rows);
    cost += rows[best] + (step > 0 ? joined_rows : 0);
  }
  return Ordered{std::move(order), cost};
}

// The cheapest of the greedy orders from every start: starting from the
// smallest input alone joins an unfiltered dimension first (nation to
// supplier in TPC-H Q9) and meets the selective one (part) too late.
std::optional<std::vector<int>> GreedyOrder(const std::vector<PlanPtr>& inputs,
                                            const std::vector<Condition>& conditions) {
  std::vector<double> rows;
  for (const auto& input : inputs) {
    auto estimate = EstimateRows(*input);
    if (!estimate) return std::nullopt;
    rows.push_back(std::max(1.0, *estimate));
  }
  // Smaller starts first: on equal costs the smaller one is kept.
  std::vector<int> starts(inputs.size());
  for (size_t i = 0; i < starts.size(); ++i) starts[i] = static_cast<int>(i);
  std::stable_sort(starts.begin(), starts.end(), [&](int a, int b) { return rows[a] < rows[b]; });
  std::optional<Ordered> best;
  for (int start : starts) {
    auto ordered = GreedyFrom(start, inputs, rows, conditions);
    if (ordered && (!best || ordered->cost < best->cost)) best = std::move(ordered);
  }
  if (!best) return std::nullopt;
  return best->order;
}

// Builds the left-deep join of `inputs` in `order`. Columns are named by
// `names` (unique), so the projection on top can find them.
Result<PlanPtr> BuildLeftDeep(const std::vector<PlanPtr>& inputs, const std::vector<int>& order,
                              const std::vector<Condition>& conditions,
                              const std::map<ColumnRef, std::string>& names) {
  auto renamed = [&](int input, int column) {
    return inputs[input]->schema->field(column)->WithName(names.at({input, column}));
  };
  PlanPtr current = inputs[order[0]];
  std::vector<ColumnRef> columns;
  arrow::FieldVector fields;
  for (int c = 0; c < current->schema->num_fields(); ++c) {
    columns.push_back({order[0], c});
    fields.push_back(renamed(order[0], c));
  }
  std::set<int> joined = {order[0]};
  // A key pair the keys used so far already imply is left out (the
  // conditions come stated first, then implied).
  EqualColumns equal;
  for (size_t step = 1; step < order.size(); ++step) {
    const int next = order[step];
    JoinNode node{current, inputs[next], JoinType::kInner, {}, {}, {}};
    for (const auto& c : conditions) {
      for (auto [here, there] : {std::pair{c.a, c.b}, std::pair{c.b, c.a}}) {
        if (there.input != next || !joined.count(here.input)) continue;
        if (!equal.Unite(here, there)) continue;
        int position = static_cast<int>(std::find(columns.begin(), columns.end(), here) - columns.begin());
        node.left_keys.push_back(position);
        node.right_keys.push_back(there.column);
      }
    }
    for (size_t i = 0; i < columns.size(); ++i) node.output_columns.push_back({static_cast<int>(i), -1});
    for (int c = 0; c < inputs[next]->schema->num_fields(); ++c) {
      node.output_columns.push_back({-1, c});
      columns.push_back({next, c});
      fields.push_back(renamed(next, c));
    }
    joined.insert(next);
    current = std::make_shared<const LogicalPlan>(LogicalPlan{std::move(node), arrow::schema(fields)});
  }
  return current;
}

Result<PlanPtr> Reorder(const PlanPtr& plan);

Result<PlanPtr> ReorderChain(const PlanPtr& plan) {
  std::vector<PlanPtr> inputs;
  std::vector<Condition> conditions;
  auto outputs = Flatten(plan, &inputs, &conditions);
  for (auto& input : inputs) {
    FERRY_ASSIGN_OR_RAISE(input, Reorder(input));
  }
  size_t next = 0;
  auto unchanged = Substitute(plan, inputs, &next);
  // Two inputs have one order; which to build on is the physical planner's call.
  if (inputs.size() < 3) return unchanged;
  conditions = WithImplied(conditions, inputs);
  auto order = GreedyOrder(inputs, conditions);
  if (!order) return unchanged;
  std::vector<int> written(inputs.size());
  for (size_t i = 0; i < written.size(); ++i) written[i] = static_cast<int>(i);
  std::swap((*order)[0], (*order)[1]);  // the first pair commutes
  bool same = *order == written;
  std::swap((*order)[0], (*order)[1]);
  if (same || *order == written) return unchanged;

  // Output columns keep their names; the rest (right keys the inner joins
  // dropped) get a name no output column has.
  std::map<ColumnRef, std::string> names;
  std::set<std::string> taken;
  for (size_t i = 0; i < outputs.size(); ++i) {
    names[outputs[i]] = plan->schema->field(static_cast<int>(i))->name();
    taken.insert(names[outputs[i]]);
  }
  for (int i = 0; i < static_cast<int>(inputs.size()); ++i) {
    for (int c = 0; c < inputs[i]->schema->num_fields(); ++c) {
      if (names.count({i, c})) continue;
      std::string name = inputs[i]->schema->field(c)->name() + "#" + std::to_string(i);
      while (taken.count(name)) name += "_";
      taken.insert(name);
      names[{i, c}] = name;
    }
  }
  FERRY_ASSIGN_OR_RAISE(auto joined, BuildLeftDeep(inputs, *order, conditions, names));
  std::vector<Expr> exprs;
  for (const auto& field : plan->schema->fields()) exprs.push_back(Col(field->name()));
  return plan::Project(std::move(joined), std::move(exprs));
}

Result<PlanPtr> Reorder(const PlanPtr& plan) {
  if (IsInnerJoin(plan)) return ReorderChain(plan);
  // Elsewhere only the inputs change, never a schema.
  std::vector<PlanPtr> inputs;
  for (const auto& input : plan->inputs()) {
    FERRY_ASSIGN_OR_RAISE(auto reordered, Reorder(input));
    inputs.push_back(std::move(reordered));
  }
  return WithNewInputs(plan, std::move(inputs));
}

}  // namespace

Result<PlanPtr> ReorderJoins(const PlanPtr& plan) { return Reorder(plan); }

}  // namespace ferry

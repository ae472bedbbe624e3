// Semi-join pushdown: a semi or anti join whose keys all come from one
// input of an inner join below it filters that input instead, when that
// input so filtered is estimated smaller than the inner join's result
// (TPC-H Q2 keeps the 1% of partsupp whose parts qualify before joining
// the suppliers, instead of joining all of it). TPC-H Q18 keeps
// the 57 orders with over 300 units before joining them to 6M lineitem
// rows, instead of joining everything and dropping all but 399 rows.
// A semi/anti join only drops rows by its left columns, and an inner join
// keeps or drops each pair by both rows: the two commute.

#include "ferry/function/bind.h"
#include "ferry/plan/optimizer.h"
#include "ferry/plan/rewrite.h"
#include "ferry/plan/statistics.h"

namespace ferry {
namespace {

PlanPtr Make(JoinNode node, std::shared_ptr<arrow::Schema> schema) {
  return std::make_shared<const LogicalPlan>(LogicalPlan{std::move(node), std::move(schema)});
}

bool IsPushable(const JoinNode& n) {
  // A join filter names the left columns as JoinFilterSchema spells them
  // beside the right ones: moved onto another input it would need
  // re-spelling, which is left undone.
  return (n.type == JoinType::kLeftSemi || n.type == JoinType::kLeftAnti) && !n.filter &&
         !n.left_keys.empty();
}

bool Smaller(const LogicalPlan& input, const LogicalPlan& joined) {
  auto a = EstimateRows(input), b = EstimateRows(joined);
  return a && b && *a < *b;
}

// `semi` (keys over `below`'s columns) moved into an input of the inner
// join or projection `below`, or nullopt when it stays.
std::optional<PlanPtr> PushInto(const JoinNode& semi, const PlanPtr& below);

std::optional<PlanPtr> IntoInnerJoin(const JoinNode& semi, const PlanPtr& below, const JoinNode& inner) {
  for (bool left_side : {true, false}) {
    const PlanPtr& side = left_side ? inner.left : inner.right;
    std::vector<int> keys;
    for (int k : semi.left_keys) {
      const auto& out = inner.output_columns[k];
      // A key both sides share (`on=`) equals either side's in an inner join.
      const int from = left_side ? out.left : out.right;
      if (from < 0) break;
      keys.push_back(from);
    }
    if (keys.size() != semi.left_keys.size()) continue;
    JoinNode moved = semi;
    moved.left = side;
    moved.left_keys = keys;
    moved.output_columns.clear();
    for (int c = 0; c < side->schema->num_fields(); ++c) moved.output_columns.push_back({c, -1});
    PlanPtr filtered = Make(moved, side->schema);
    if (!Smaller(*filtered, *below)) continue;
    if (auto deeper = PushInto(moved, side)) filtered = *deeper;
    JoinNode copy = inner;
    (left_side ? copy.left : copy.right) = std::move(filtered);
    return Make(std::move(copy), below->schema);
  }
  return std::nullopt;
}

std::optional<PlanPtr> PushInto(const JoinNode& semi, const PlanPtr& below) {
  if (const auto* inner = below->As<JoinNode>()) {
    if (inner->type != JoinType::kInner) return std::nullopt;
    return IntoInnerJoin(semi, below, *inner);
  }
  // Through a projection of plain columns (join reordering puts one on top).
  if (const auto* projection = below->As<ProjectionNode>()) {
    std::vector<int> keys;
    for (int k : semi.left_keys) {
      const auto* column = Unaliased(projection->exprs[k]).As<ColumnNode>();
      if (column == nullptr) return std::nullopt;
      auto index = ResolveColumn(*column, *projection->input->schema);
      if (!index.ok()) return std::nullopt;
      keys.push_back(*index);
    }
    JoinNode moved = semi;
    moved.left = projection->input;
    moved.left_keys = keys;
    moved.output_columns.clear();
    for (int c = 0; c < projection->input->schema->num_fields(); ++c) {
      moved.output_columns.push_back({c, -1});
    }
    auto pushed = PushInto(moved, projection->input);
    if (!pushed) return std::nullopt;
    ProjectionNode copy = *projection;
    copy.input = *pushed;
    return std::make_shared<const LogicalPlan>(LogicalPlan{std::move(copy), below->schema});
  }
  return std::nullopt;
}

Result<PlanPtr> Push(const PlanPtr& plan) {
  std::vector<PlanPtr> inputs;
  for (const auto& input : plan->inputs()) {
    FERRY_ASSIGN_OR_RAISE(auto pushed, Push(input));
    inputs.push_back(std::move(pushed));
  }
  auto rebuilt = WithNewInputs(plan, std::move(inputs));
  const auto* semi = rebuilt->As<JoinNode>();
  if (semi == nullptr || !IsPushable(*semi)) return rebuilt;
  if (auto pushed = PushInto(*semi, semi->left)) return *pushed;
  return rebuilt;
}

}  // namespace

Result<PlanPtr> PushDownSemiJoins(const PlanPtr& plan) { return Push(plan); }

}  // namespace ferry

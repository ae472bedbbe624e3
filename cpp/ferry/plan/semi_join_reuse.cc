// Semi join reuse: where the plan already semi-joins a subplan B with S
// (B ⋉ S, put there by aggregate input reduction or semi-join pushdown),
// an inner join of the same B with an input A whose key values all come
// from S reads B ⋉ S instead of B: a row of B whose key S lacks meets no
// row of A. Both readers of B ⋉ S then hold the same subtree, which the
// physical planner computes once (shared_subplans.h; both B and S must
// read the same tables and be free of volatile expressions, or "the same
// rows" would not hold). TPC-H Q2 joins
// part ⋈ min(ps_supplycost) back to partsupp: it now reads the ~3K
// partsupp rows of its parts that the min() subquery computed, instead of
// scanning and probing all 800K a second time (DuckDB shares the same
// part ⋈ partsupp core through its CTE).

#include "ferry/plan/optimizer.h"
#include "ferry/plan/rewrite.h"
#include "ferry/plan/shared_subplans.h"
#include "ferry/plan/value_sources.h"

namespace ferry {
namespace {

// A semi join without a filter found in the plan: left ⋉ right on one key.
struct SemiJoin {
  PlanPtr plan;
  int left_key;
  int right_key;
};

void CollectSemiJoins(const PlanPtr& plan, std::vector<SemiJoin>* out) {
  for (const auto& input : plan->inputs()) CollectSemiJoins(input, out);
  const auto* j = plan->As<JoinNode>();
  if (j && j->type == JoinType::kLeftSemi && !j->filter && j->left_keys.size() == 1) {
    out->push_back({plan, j->left_keys[0], j->right_keys[0]});
  }
}

// The semi join of `semis` that `side` can read instead of itself, joined
// to `other` on (side_key = other_key).
std::optional<PlanPtr> Reusable(const PlanPtr& side, int side_key, const PlanPtr& other,
                                int other_key, const std::vector<SemiJoin>& semis) {
  std::optional<std::vector<PlanColumn>> sources;
  for (const auto& semi : semis) {
    const auto& node = *semi.plan->As<JoinNode>();
    if (semi.left_key != side_key || !SameRows(*node.left, *side)) continue;
    if (!sources) sources = ValueSources(other, other_key);
    for (const auto& source : *sources) {
      if (source.column == semi.right_key && SameRows(*source.plan, *node.right)) return semi.plan;
    }
  }
  return std::nullopt;
}

PlanPtr Rewrite(const PlanPtr& plan, const std::vector<SemiJoin>& semis) {
  std::vector<PlanPtr> inputs;
  for (const auto& input : plan->inputs()) inputs.push_back(Rewrite(input, semis));
  auto rebuilt = WithNewInputs(plan, std::move(inputs));
  const auto* join = rebuilt->As<JoinNode>();
  if (join == nullptr || join->type != JoinType::kInner || join->filter) return rebuilt;
  for (bool right_side : {true, false}) {
    const auto& side = right_side ? join->right : join->left;
    const auto& other = right_side ? join->left : join->right;
    const auto& side_keys = right_side ? join->right_keys : join->left_keys;
    const auto& other_keys = right_side ? join->left_keys : join->right_keys;
    for (size_t k = 0; k < side_keys.size(); ++k) {
      auto reused = Reusable(side, side_keys[k], other, other_keys[k], semis);
      if (!reused) continue;
      JoinNode copy = *join;
      (right_side ? copy.right : copy.left) = *reused;
      return std::make_shared<const LogicalPlan>(LogicalPlan{std::move(copy), rebuilt->schema});
    }
  }
  return rebuilt;
}

}  // namespace

Result<PlanPtr> ReuseSemiJoins(const PlanPtr& plan) {
  std::vector<SemiJoin> semis;
  CollectSemiJoins(plan, &semis);
  if (semis.empty()) return plan;
  return Rewrite(plan, semis);
}

}  // namespace ferry

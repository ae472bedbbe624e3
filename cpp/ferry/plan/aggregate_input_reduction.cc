// Aggregate input reduction: an inner join of X with an aggregate grouped
// by the join key keeps only the groups whose key X holds, so the
// aggregate need only see input rows with such a key. When the key's
// values in X come from a small filtered input S (traced through
// projections and join keys), a semi join with S goes below the
// aggregate: TPC-H Q17 averages l_quantity over 6K lineitem rows of its
// 200 parts instead of over all 6M rows and 200K groups (DuckDB's
// decorrelation gets there with its delim join). S is computed twice.

#include "ferry/function/bind.h"
#include "ferry/plan/optimizer.h"
#include "ferry/plan/rewrite.h"
#include "ferry/plan/statistics.h"
#include "ferry/plan/value_sources.h"

namespace ferry {
namespace {

// A reducer must be this many times smaller than the aggregate's input.
constexpr double kReduction = 10.0;
// ... and hold at most this share of the key's values in that input.
constexpr double kMostKeys = 0.5;

using Source = PlanColumn;

double Rows(const LogicalPlan& plan) {
  auto rows = EstimateRows(plan);
  return rows ? *rows : std::numeric_limits<double>::infinity();
}

// The smallest plan holding every value column `column` of `plan` holds
// (value_sources.h), the first found on ties.
Source Trace(const PlanPtr& plan, int column) {
  const auto sources = ValueSources(plan, column);
  Source best = sources.front();
  for (const auto& source : sources) {
    if (Rows(*source.plan) < Rows(*best.plan)) best = source;
  }
  return best;
}

// `side` (an aggregate, maybe under a projection of plain columns) with its
// input semi-joined to `reducer` on the group key behind `column`.
std::optional<PlanPtr> Reduce(const PlanPtr& side, int column, const Source& reducer) {
  if (const auto* p = side->As<ProjectionNode>()) {
    const int index = PlainColumn(p->exprs[column], *p->input->schema);
    if (index < 0) return std::nullopt;
    auto reduced = Reduce(p->input, index, reducer);
    if (!reduced) return std::nullopt;
    ProjectionNode copy = *p;
    copy.input = *reduced;
    return std::make_shared<const LogicalPlan>(LogicalPlan{std::move(copy), side->schema});
  }
  const auto* agg = side->As<AggregateNode>();
  if (agg == nullptr || column >= static_cast<int>(agg->group_by.size())) return std::nullopt;
  const int key = PlainColumn(agg->group_by[column], *agg->input->schema);
  if (key < 0 || Rows(*reducer.plan) * kReduction > Rows(*agg->input)) return std::nullopt;
  // A reducer holding most of the key's values keeps most rows: its semi
  // join costs a probe per row and buys little (TPC-H Q15's unfiltered
  // supplier would reduce its revenue view, making the view's two
  // occurrences differ, so they could no longer be computed once).
  auto reducer_keys = EstimateDistinct(*reducer.plan, reducer.column);
  auto input_keys = EstimateDistinct(*agg->input, key);
  if (reducer_keys && input_keys && *reducer_keys > kMostKeys * *input_keys) return std::nullopt;
  const auto& key_type = agg->input->schema->field(key)->type();
  if (!key_type->Equals(*reducer.plan->schema->field(reducer.column)->type())) return std::nullopt;
  JoinNode semi{agg->input, reducer.plan, JoinType::kLeftSemi, {key}, {reducer.column}, {}};
  for (int c = 0; c < agg->input->schema->num_fields(); ++c) semi.output_columns.push_back({c, -1});
  AggregateNode copy = *agg;
  copy.input = std::make_shared<const LogicalPlan>(LogicalPlan{std::move(semi), agg->input->schema});
  return std::make_shared<const LogicalPlan>(LogicalPlan{std::move(copy), side->schema});
}

Result<PlanPtr> Rewrite(const PlanPtr& plan) {
  std::vector<PlanPtr> inputs;
  for (const auto& input : plan->inputs()) {
    FERRY_ASSIGN_OR_RAISE(auto rewritten, Rewrite(input));
    inputs.push_back(std::move(rewritten));
  }
  auto rebuilt = WithNewInputs(plan, std::move(inputs));
  const auto* join = rebuilt->As<JoinNode>();
  if (join == nullptr || join->type != JoinType::kInner || join->filter) return rebuilt;
  for (bool agg_right : {true, false}) {
    const auto& agg_side = agg_right ? join->right : join->left;
    const auto& other = agg_right ? join->left : join->right;
    const auto& agg_keys = agg_right ? join->right_keys : join->left_keys;
    const auto& other_keys = agg_right ? join->left_keys : join->right_keys;
    for (size_t k = 0; k < agg_keys.size(); ++k) {
      auto reducer = Trace(other, other_keys[k]);
      auto reduced = Reduce(agg_side, agg_keys[k], reducer);
      if (!reduced) continue;
      JoinNode copy = *join;
      (agg_right ? copy.right : copy.left) = *reduced;
      return std::make_shared<const LogicalPlan>(LogicalPlan{std::move(copy), rebuilt->schema});
    }
  }
  return rebuilt;
}

}  // namespace

Result<PlanPtr> ReduceAggregateInputs(const PlanPtr& plan) { return Rewrite(plan); }

}  // namespace ferry

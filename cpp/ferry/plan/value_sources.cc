#include "ferry/plan/value_sources.h"

#include "ferry/function/bind.h"
#include "ferry/plan/rewrite.h"

namespace ferry {

int PlainColumn(const Expr& expr, const arrow::Schema& schema) {
  const auto* ref = Unaliased(expr).As<ColumnNode>();
  if (ref == nullptr) return -1;
  auto index = ResolveColumn(*ref, schema);
  return index.ok() ? *index : -1;
}

namespace {

void Collect(const PlanPtr& plan, int column, std::vector<PlanColumn>* out) {
  if (const auto* p = plan->As<ProjectionNode>()) {
    const int index = PlainColumn(p->exprs[column], *p->input->schema);
    if (index < 0) {
      out->push_back({plan, column});
    } else {
      Collect(p->input, index, out);
    }
    return;
  }
  out->push_back({plan, column});
  const auto* j = plan->As<JoinNode>();
  if (j == nullptr || j->filter) return;
  std::vector<PlanColumn> candidates;
  if (j->type == JoinType::kInner) {
    const auto& from = j->output_columns[column];
    if (from.left >= 0) candidates.push_back({j->left, from.left});
    if (from.right >= 0) candidates.push_back({j->right, from.right});
  } else if (j->type == JoinType::kLeftSemi) {
    candidates.push_back({j->left, j->output_columns[column].left});
  } else {
    return;
  }
  const size_t direct = candidates.size();
  for (size_t c = 0; c < direct; ++c) {
    const bool from_left = candidates[c].plan == j->left;
    const auto& keys = from_left ? j->left_keys : j->right_keys;
    const auto& other = from_left ? j->right_keys : j->left_keys;
    for (size_t k = 0; k < keys.size(); ++k) {
      if (keys[k] == candidates[c].column) candidates.push_back({from_left ? j->right : j->left, other[k]});
    }
  }
  for (const auto& candidate : candidates) {
    if (candidate.column >= 0) Collect(candidate.plan, candidate.column, out);
  }
}

}  // namespace

std::vector<PlanColumn> ValueSources(const PlanPtr& plan, int column) {
  std::vector<PlanColumn> out;
  Collect(plan, column, &out);
  return out;
}

}  // namespace ferry

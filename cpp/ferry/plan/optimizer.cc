#include "ferry/plan/optimizer.h"

#include <algorithm>
#include <set>

#include "ferry/plan/builder.h"
#include "ferry/common/overloaded.h"

namespace ferry {
namespace {

using Columns = std::optional<std::set<std::string>>;  // nullopt: all of them

Columns Needed(const std::vector<Expr>& exprs, Columns also = std::set<std::string>{}) {
  if (!also) return std::nullopt;
  for (const auto& expr : exprs) CollectColumnNames(expr, &*also);
  return also;
}

Result<PlanPtr> Push(const PlanPtr& plan, Columns required) {
  return std::visit(
      Overloaded{
          [&](const ScanNode& n) -> Result<PlanPtr> {
            if (!required) return plan;
            const auto& source_schema = *n.source->schema();
            std::vector<int> projection;
            for (int i = 0; i < source_schema.num_fields(); ++i) {
              bool visible = !n.projection ||
                             std::find(n.projection->begin(), n.projection->end(), i) !=
                                 n.projection->end();
              if (visible && required->count(source_schema.field(i)->name())) projection.push_back(i);
            }
            // Row counts need at least one column to travel with the batches.
            if (projection.empty() && source_schema.num_fields() > 0) {
              projection.push_back(n.projection && !n.projection->empty() ? n.projection->front() : 0);
            }
            return plan::Scan(n.table_name, n.source, std::move(projection));
          },
          [&](const ProjectionNode& n) -> Result<PlanPtr> {
            // Outputs nobody above reads need not be computed at all.
            std::vector<Expr> exprs;
            for (const auto& expr : n.exprs) {
              if (!required || required->count(expr.SchemaName())) exprs.push_back(expr);
            }
            if (exprs.empty() && !n.exprs.empty()) exprs.push_back(n.exprs.front());
            FERRY_ASSIGN_OR_RAISE(auto input, Push(n.input, Needed(exprs)));
            return plan::Project(input, std::move(exprs));
          },
          [&](const FilterNode& n) -> Result<PlanPtr> {
            FERRY_ASSIGN_OR_RAISE(auto input, Push(n.input, Needed({n.predicate}, required)));
            return plan::Filter(input, n.predicate);
          },
          [&](const AggregateNode& n) -> Result<PlanPtr> {
            std::vector<Expr> all = n.group_by;
            all.insert(all.end(), n.aggregates.begin(), n.aggregates.end());
            FERRY_ASSIGN_OR_RAISE(auto input, Push(n.input, Needed(all)));
            return plan::Aggregate(input, n.group_by, n.aggregates);
          },
          [&](const SortPlanNode& n) -> Result<PlanPtr> {
            FERRY_ASSIGN_OR_RAISE(auto input, Push(n.input, Needed(n.sort_exprs, required)));
            return plan::Sort(input, n.sort_exprs);
          },
          [&](const LimitNode& n) -> Result<PlanPtr> {
            FERRY_ASSIGN_OR_RAISE(auto input, Push(n.input, required));
            return plan::Limit(input, n.skip, n.fetch);
          },
          [&](const DistinctNode& n) -> Result<PlanPtr> {
            FERRY_ASSIGN_OR_RAISE(auto input, Push(n.input, std::nullopt));
            return plan::Distinct(input);
          },
          [&](const JoinNode& n) -> Result<PlanPtr> {
            // Joins address columns by position: their inputs keep every column.
            JoinNode copy = n;
            FERRY_ASSIGN_OR_RAISE(copy.left, Push(n.left, std::nullopt));
            FERRY_ASSIGN_OR_RAISE(copy.right, Push(n.right, std::nullopt));
            return std::make_shared<const LogicalPlan>(LogicalPlan{std::move(copy), plan->schema});
          },
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
            FERRY_ASSIGN_OR_RAISE(auto input, Push(n.input, needed));
            return plan::Window(input, n.window_exprs);
          },
          [&](const UnionNode& n) -> Result<PlanPtr> {
            std::vector<PlanPtr> inputs;
            for (const auto& input : n.inputs) {
              FERRY_ASSIGN_OR_RAISE(auto pushed, Push(input, std::nullopt));
              inputs.push_back(std::move(pushed));
            }
            return plan::Union(std::move(inputs));
          },
      },
      plan->node);
}

}  // namespace

Result<PlanPtr> PushDownProjections(const PlanPtr& plan) { return Push(plan, std::nullopt); }

}  // namespace ferry

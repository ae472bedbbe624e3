#include "ferry/plan/logical_plan.h"

#include <set>
#include "ferry/common/overloaded.h"

namespace ferry {
namespace {

std::string JoinExprs(const std::vector<Expr>& exprs) {
  std::string out;
  for (const auto& expr : exprs) out += (out.empty() ? "" : ", ") + expr.ToString();
  return out;
}

void AppendTree(const LogicalPlan& plan, int depth, std::string* out) {
  out->append(static_cast<size_t>(depth) * 2, ' ');
  out->append(plan.Describe());
  out->push_back('\n');
  for (const auto& input : plan.inputs()) AppendTree(*input, depth + 1, out);
}

constexpr std::pair<JoinType, const char*> kJoinNames[] = {
    {JoinType::kInner, "inner"}, {JoinType::kLeft, "left"},     {JoinType::kRight, "right"},
    {JoinType::kFull, "full"},   {JoinType::kLeftSemi, "semi"}, {JoinType::kLeftAnti, "anti"},
};

}  // namespace

const char* JoinTypeName(JoinType type) {
  for (const auto& [value, name] : kJoinNames) {
    if (value == type) return name;
  }
  return "?";
}

Result<JoinType> JoinTypeFromName(const std::string& name) {
  for (const auto& [value, known] : kJoinNames) {
    if (name == known) return value;
  }
  if (name == "outer") return JoinType::kFull;
  return Status::Invalid("unknown join type '", name,
                         "'; expected inner, left, right, full, semi or anti");
}

std::shared_ptr<arrow::Schema> JoinFilterSchema(const arrow::Schema& left, const arrow::Schema& right) {
  arrow::FieldVector fields = left.fields();
  std::set<std::string> names;
  for (const auto& field : fields) names.insert(field->name());
  for (const auto& field : right.fields()) {
    std::string name = field->name();
    while (names.count(name)) name += "_right";
    names.insert(name);
    fields.push_back(field->WithName(name));
  }
  return arrow::schema(std::move(fields));
}

std::vector<PlanPtr> LogicalPlan::inputs() const {
  return std::visit(Overloaded{
                        [](const ScanNode&) { return std::vector<PlanPtr>{}; },
                        [](const JoinNode& n) { return std::vector<PlanPtr>{n.left, n.right}; },
                        [](const UnionNode& n) { return n.inputs; },
                        [](const auto& n) { return std::vector<PlanPtr>{n.input}; },
                    },
                    node);
}

std::string LogicalPlan::Describe() const {
  return std::visit(
      Overloaded{
          [&](const ScanNode& n) {
            std::string out = "TableScan: " + n.table_name;
            if (n.projection) {
              out += " projection=[";
              for (int i = 0; i < schema->num_fields(); ++i) {
                out += (i ? ", " : "") + schema->field(i)->name();
              }
              out += "]";
            }
            if (!n.filters.empty()) out += " filters=[" + JoinExprs(n.filters) + "]";
            return out;
          },
          [](const ProjectionNode& n) { return "Projection: " + JoinExprs(n.exprs); },
          [](const FilterNode& n) { return "Filter: " + n.predicate.ToString(); },
          [](const AggregateNode& n) {
            return "Aggregate: groupBy=[" + JoinExprs(n.group_by) + "], aggr=[" +
                   JoinExprs(n.aggregates) + "]";
          },
          [](const SortPlanNode& n) { return "Sort: " + JoinExprs(n.sort_exprs); },
          [](const LimitNode& n) {
            return "Limit: skip=" + std::to_string(n.skip) +
                   ", fetch=" + (n.fetch ? std::to_string(*n.fetch) : std::string("None"));
          },
          [](const DistinctNode&) { return std::string("Distinct:"); },
          [](const JoinNode& n) {
            std::string out = std::string("Join: type=") + JoinTypeName(n.type) + " on=[";
            for (size_t i = 0; i < n.left_keys.size(); ++i) {
              out += (i ? ", " : "") + n.left->schema->field(n.left_keys[i])->name() + " = " +
                     n.right->schema->field(n.right_keys[i])->name();
            }
            out += "]";
            if (n.filter) out += " filter=" + n.filter->ToString();
            return out;
          },
          [](const UnionNode&) { return std::string("Union:"); },
          [](const WindowPlanNode& n) { return "WindowAggr: windowExpr=[" + JoinExprs(n.window_exprs) + "]"; },
      },
      node);
}

std::string LogicalPlan::ToString() const {
  std::string out;
  AppendTree(*this, 0, &out);
  return out;
}

}  // namespace ferry

// UNION [ALL], INTERSECT [ALL], EXCEPT [ALL]: columns matched by position,
// named by the left input, each right column cast to the left one's type.
// INTERSECT and EXCEPT are semi and anti joins of the distinct left rows,
// NULLs equal (as the SQL standard treats rows in set operations); with ALL
// the copies of each row are numbered and matched copy by copy.

#include "ferry/function/bind.h"
#include "ferry/sql/binder_internal.h"

namespace ferry::sql {
namespace {

// `right` cast column by column to `left`'s types and given `names`.
Result<PlanPtr> Conform(const PlanPtr& right, const arrow::Schema& left,
                        const std::vector<std::string>& names) {
  std::vector<Expr> exprs;
  for (int i = 0; i < left.num_fields(); ++i) {
    const auto& field = right->schema->field(i);
    Expr e = Col(field->name());
    const auto& want = left.field(i)->type();
    if (!field->type()->Equals(*want) && want->id() != arrow::Type::NA) e = Cast(e, want);
    exprs.push_back(Alias(e, names[i]));
  }
  return plan::Project(right, exprs);
}

}  // namespace

Result<Relation> QueryBinder::BindSetOperation(const pg_query::SelectStmt& stmt, const OuterScope* outer) {
  FERRY_ASSIGN_OR_RAISE(auto left_result, BindSelect(stmt.larg(), outer, NextPrefix()));
  FERRY_ASSIGN_OR_RAISE(auto right_result, BindSelect(stmt.rarg(), outer, NextPrefix()));
  if (!left_result.correlation.empty() || !right_result.correlation.empty()) {
    return Status::NotImplemented("correlated set operations are not supported");
  }
  PlanPtr left = left_result.relation.plan, right = right_result.relation.plan;
  const auto& ls = *left->schema;
  if (ls.num_fields() != right->schema->num_fields()) {
    return Status::Invalid("each side of a set operation must have the same number of columns: ",
                           ls.num_fields(), " and ", right->schema->num_fields());
  }
  for (int i = 0; i < ls.num_fields(); ++i) {
    // Text never silently becomes a number, date or boolean (nor the other
    // way round): PostgreSQL refuses to match such types.
    const auto& l = ls.field(i)->type();
    const auto& r = right->schema->field(i)->type();
    const bool l_text = arrow::is_string(l->id()), r_text = arrow::is_string(r->id());
    if (l_text != r_text && l->id() != arrow::Type::NA && r->id() != arrow::Type::NA) {
      return Status::TypeError("set operation column ", i + 1, " (", ls.field(i)->name(), ") has types ",
                               l->ToString(), " and ", r->ToString(), " that cannot be matched; cast one side");
    }
  }
  std::vector<std::string> left_names;
  for (const auto& field : ls.fields()) left_names.push_back(field->name());
  PlanPtr plan;
  switch (stmt.op()) {
    case pg_query::SETOP_UNION: {
      FERRY_ASSIGN_OR_RAISE(auto conformed, Conform(right, ls, left_names));
      FERRY_ASSIGN_OR_RAISE(plan, plan::Union({left, conformed}));
      if (!stmt.all()) {
        FERRY_ASSIGN_OR_RAISE(plan, plan::Distinct(plan));
      }
      break;
    }
    case pg_query::SETOP_INTERSECT:
    case pg_query::SETOP_EXCEPT: {
      std::vector<std::string> right_names;
      const std::string prefix = NextPrefix();
      for (int i = 0; i < ls.num_fields(); ++i) right_names.push_back(prefix + std::to_string(i));
      FERRY_ASSIGN_OR_RAISE(auto conformed, Conform(right, ls, right_names));
      std::vector<Expr> on;
      for (int i = 0; i < ls.num_fields(); ++i) {
        Expr l = Col(left_names[i]), r = Col(right_names[i]);
        const bool nullable = ls.field(i)->nullable() || conformed->schema->field(i)->nullable();
        on.push_back(nullable ? Binary(Binary(l, Operator::kEq, r), Operator::kOr,
                                       Binary(IsNull(l), Operator::kAnd, IsNull(r)))
                              : Binary(l, Operator::kEq, r));
      }
      const JoinType type = stmt.op() == pg_query::SETOP_INTERSECT ? JoinType::kLeftSemi : JoinType::kLeftAnti;
      if (!stmt.all()) {
        FERRY_ASSIGN_OR_RAISE(plan, plan::Distinct(left));
        FERRY_ASSIGN_OR_RAISE(plan, plan::JoinOn(plan, conformed, type, on));
        break;
      }
      // ALL: the n-th copy of a row on the left matches the n-th copy on
      // the right, so each side numbers the copies of its rows.
      FERRY_ASSIGN_OR_RAISE(auto row_number, catalog_.functions().GetWindow("row_number"));
      auto numbered = [&](const PlanPtr& side, const std::string& name) -> Result<PlanPtr> {
        std::vector<Expr> columns, partition;
        for (const auto& field : side->schema->fields()) {
          columns.push_back(Col(field->name()));
          partition.push_back(Col(field->name()));
        }
        columns.push_back(Alias(Window(WindowCall(row_number, "row_number", {}), partition, {}), name));
        return plan::Project(side, columns);
      };
      FERRY_ASSIGN_OR_RAISE(auto left_numbered, numbered(left, prefix + "ln"));
      FERRY_ASSIGN_OR_RAISE(auto right_numbered, numbered(conformed, prefix + "rn"));
      on.push_back(Binary(Col(prefix + "ln"), Operator::kEq, Col(prefix + "rn")));
      FERRY_ASSIGN_OR_RAISE(plan, plan::JoinOn(left_numbered, right_numbered, type, on));
      std::vector<Expr> keep;
      for (const auto& name : left_names) keep.push_back(Col(name));
      FERRY_ASSIGN_OR_RAISE(plan, plan::Project(plan, keep));
      break;
    }
    default:
      return Status::NotImplemented("unknown set operation");
  }
  Relation relation{plan, {}};
  for (int i = 0; i < ls.num_fields(); ++i) relation.scope.columns.push_back({"", left_names[i], i});
  return BindOutputOrderAndLimit(stmt, std::move(relation));
}

}  // namespace ferry::sql

// WITH RECURSIVE r AS (anchor UNION [ALL] recursive term): the recursive
// term is bound with `r` standing for a WorkTable (the rows the previous
// iteration added), and the CTE becomes a scan of a RecursiveQueryTable
// that iterates to a fixpoint (exec/recursive_query_exec.h). As in
// PostgreSQL: UNION ALL keeps every row; UNION drops rows seen before, in
// the anchor and in each iteration, so a cycle ends.

#include <google/protobuf/reflection.h>

#include "ferry/exec/recursive_query_exec.h"
#include "ferry/sql/binder_internal.h"

namespace ferry::sql {
namespace {

// Whether the parse tree under `message` names table `name` (unqualified).
bool NamesTable(const google::protobuf::Message& message, const std::string& name) {
  if (const auto* range = dynamic_cast<const pg_query::RangeVar*>(&message)) {
    return range->schemaname().empty() && range->relname() == name;
  }
  const auto* reflection = message.GetReflection();
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);
  for (const auto* field : fields) {
    if (field->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) continue;
    if (field->is_repeated()) {
      for (int i = 0; i < reflection->FieldSize(message, field); ++i) {
        if (NamesTable(reflection->GetRepeatedMessage(message, field, i), name)) return true;
      }
    } else if (NamesTable(reflection->GetMessage(message, field), name)) {
      return true;
    }
  }
  return false;
}

// How many scans of `work` `plan` holds.
int CountScans(const LogicalPlan& plan, const TableProvider* work) {
  if (const auto* scan = plan.As<ScanNode>()) return scan->source.get() == work ? 1 : 0;
  int count = 0;
  for (const auto& input : plan.inputs()) count += CountScans(*input, work);
  return count;
}

// `plan`'s columns given `schema`'s names, and its types where they are
// integers of another width (a checked cast). Other differences are an
// error, as in PostgreSQL: a cast to the anchor's type could truncate.
Result<PlanPtr> Conform(const PlanPtr& plan, const arrow::Schema& schema, const std::string& name) {
  std::vector<Expr> exprs;
  for (int i = 0; i < schema.num_fields(); ++i) {
    Expr e = Col(plan->schema->field(i)->name());
    const auto& want = schema.field(i)->type();
    const auto& have = plan->schema->field(i)->type();
    if (!have->Equals(*want)) {
      if (!arrow::is_integer(have->id()) || !arrow::is_integer(want->id())) {
        return Status::TypeError("recursive query '", name, "': column ", schema.field(i)->name(), " has type ",
                                 want->ToString(), " in the non-recursive term but ", have->ToString(),
                                 " in the recursive term; cast the non-recursive term's column to the type "
                                 "both should have");
      }
      e = Cast(e, want);
    }
    exprs.push_back(Alias(e, schema.field(i)->name()));
  }
  return plan::Project(plan, std::move(exprs));
}

}  // namespace

Result<std::optional<Relation>> QueryBinder::BindRecursiveCte(const pg_query::CommonTableExpr& cte) {
  const std::string& name = cte.ctename();
  if (!cte.ctequery().has_select_stmt() || !NamesTable(cte.ctequery(), name)) return std::nullopt;
  const auto& stmt = cte.ctequery().select_stmt();
  if (stmt.op() != pg_query::SETOP_UNION) {
    return Status::Invalid("recursive query '", name, "' does not have the form ",
                           "non-recursive-term UNION [ALL] recursive-term", At(cte.location()));
  }
  if (stmt.sort_clause_size() > 0 || stmt.has_limit_count() || stmt.has_limit_offset() || stmt.has_with_clause()) {
    return Status::NotImplemented("ORDER BY, LIMIT, OFFSET and WITH around the UNION of recursive query '", name,
                                  "' are not supported", At(cte.location()));
  }
  if (NamesTable(stmt.larg(), name)) {
    return Status::Invalid("recursive reference to query '", name, "' must not appear within its ",
                           "non-recursive term", At(cte.location()));
  }
  const bool distinct = !stmt.all();
  FERRY_ASSIGN_OR_RAISE(auto anchor_result, BindSelect(stmt.larg(), nullptr, NextPrefix()));
  PlanPtr anchor = anchor_result.relation.plan;
  if (cte.aliascolnames_size() > 0) {
    if (cte.aliascolnames_size() != anchor->schema->num_fields()) {
      return Status::Invalid("WITH ", name, " names ", cte.aliascolnames_size(), " columns but its query returns ",
                             anchor->schema->num_fields());
    }
    std::vector<std::string> names;
    for (const auto& column : cte.aliascolnames()) names.push_back(StringValue(column));
    FERRY_ASSIGN_OR_RAISE(anchor, RenameColumns(anchor, names));
  }
  if (distinct) {
    FERRY_ASSIGN_OR_RAISE(anchor, plan::Distinct(anchor));
  }
  const auto schema = NullableSchema(*anchor->schema);
  for (int i = 0; i < schema->num_fields(); ++i) {
    if (schema->field(i)->type()->id() == arrow::Type::NA) {
      return Status::TypeError("recursive query '", name, "': column ", schema->field(i)->name(),
                               " has no type in the non-recursive term (a bare NULL); cast it");
    }
  }

  auto last = std::make_shared<const WorkTable>(name, schema, false);
  FERRY_ASSIGN_OR_RAISE(auto last_scan, plan::Scan(name, last));
  ctes_.push_back({{name, Relation{last_scan, Scope{}}}});
  auto recursive_result = BindSelect(stmt.rarg(), nullptr, NextPrefix());
  ctes_.pop_back();
  FERRY_RETURN_NOT_OK(recursive_result.status());
  PlanPtr recursive = recursive_result->relation.plan;
  if (recursive->schema->num_fields() != schema->num_fields()) {
    return Status::Invalid("each side of recursive query '", name, "' must have the same number of columns: ",
                           schema->num_fields(), " and ", recursive->schema->num_fields());
  }
  const int references = CountScans(*recursive, last.get());
  if (references == 0) return std::nullopt;  // the name meant something else there
  if (references > 1) {
    return Status::Invalid("recursive reference to query '", name, "' must not appear more than once",
                           At(cte.location()));
  }
  FERRY_ASSIGN_OR_RAISE(recursive, Conform(recursive, *schema, name));
  if (distinct) {
    // The iteration's distinct rows that no earlier one produced: each
    // row tagged new (1) or seen (0), grouped (NULLs equal), kept where
    // every copy is new.
    auto all = std::make_shared<const WorkTable>(name, schema, true);
    FERRY_ASSIGN_OR_RAISE(auto all_scan, plan::Scan(name, all));
    const std::string tag = NextPrefix() + "new";
    std::vector<Expr> columns;
    for (const auto& field : schema->fields()) columns.push_back(Col(field->name()));
    auto tagged = [&](const PlanPtr& plan, int64_t value) {
      std::vector<Expr> exprs = columns;
      exprs.push_back(Alias(Lit(std::make_shared<arrow::Int64Scalar>(value)), tag));
      return plan::Project(plan, std::move(exprs));
    };
    FERRY_ASSIGN_OR_RAISE(auto fresh, tagged(recursive, 1));
    FERRY_ASSIGN_OR_RAISE(auto seen, tagged(all_scan, 0));
    FERRY_ASSIGN_OR_RAISE(auto both, plan::Union({fresh, seen}));
    FERRY_ASSIGN_OR_RAISE(auto min, catalog_.functions().GetAggregate("min"));
    FERRY_ASSIGN_OR_RAISE(auto grouped,
                          plan::Aggregate(both, columns, {Alias(AggregateCall(min, "min", {Col(tag)}), tag)}));
    FERRY_ASSIGN_OR_RAISE(auto kept, plan::Filter(grouped, Binary(Col(tag), Operator::kEq,
                                                                  Lit(std::make_shared<arrow::Int64Scalar>(1)))));
    FERRY_ASSIGN_OR_RAISE(recursive, plan::Project(kept, columns));
  }
  FERRY_ASSIGN_OR_RAISE(auto table, RecursiveQueryTable::Make(name, anchor, recursive, distinct,
                                                              catalog_.recursive_query_limits()));
  FERRY_ASSIGN_OR_RAISE(auto plan, plan::Scan(name, table));
  return Relation{plan, Scope{}};
}

}  // namespace ferry::sql

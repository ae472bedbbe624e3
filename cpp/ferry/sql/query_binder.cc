// A query: WITH frames around a set operation, a VALUES list or a SELECT.

#include "ferry/sql/binder_internal.h"
#include "ferry/sql/parser.h"

namespace ferry::sql {
namespace {

// SQL nests queries through subqueries, CTEs and set operations; each
// level recurses in the binder, so the depth is bounded.
constexpr int kMaxQueryDepth = 64;

}  // namespace

std::string QueryBinder::At(int location) const {
  std::string where = DescribePosition(text_, location);
  if (where.empty() || location < 0) return "";
  return " at " + where.substr(0, where.find('\n'));
}

void QueryBinder::NoteColumnRef(const std::string& column, const std::string& clause, const std::string& shown,
                                int location, bool outer) {
  column_refs_.emplace(std::make_pair(column, clause), std::make_pair(shown, location));
  // An outer column may share its plan name with an inner one (t.id, u.id).
  column_shown_.emplace(outer ? kOuterRelation + column : column, shown);
  if (!outer) column_last_shown_[column] = shown;
}

void QueryBinder::NoteExposedColumn(const std::string& exposed, const std::string& column) {
  // The latest reference is the subquery's own (its WHERE was bound last).
  auto shown = column_last_shown_.find(column);
  column_shown_.emplace(exposed, shown == column_last_shown_.end() ? column : shown->second);
}

std::string QueryBinder::ShowAsWritten(const Expr& expr) const {
  return Transform(expr, [&](const Expr& e) -> std::optional<Expr> {
           const auto* column = e.As<ColumnNode>();
           if (column == nullptr) return std::nullopt;
           const bool outer = column->relation && *column->relation == kOuterRelation;
           auto shown = column_shown_.find(outer ? kOuterRelation + column->name : column->name);
           if (shown == column_shown_.end()) return outer ? std::optional<Expr>(Col(column->name)) : std::nullopt;
           return Col(shown->second);
         })
      .ToString();
}

std::string QueryBinder::DescribeColumnRef(const std::string& column, const std::string& clause) const {
  auto found = column_refs_.find({column, clause});
  if (found == column_refs_.end()) return "'" + column + "'";
  return "'" + found->second.first + "'" + At(found->second.second);
}

Result<Relation> QueryBinder::BindQuery(const pg_query::Node& node, const OuterScope* outer) {
  if (!node.has_select_stmt()) {
    return Status::NotImplemented("expected a query, got ", NodeKind(node));
  }
  FERRY_ASSIGN_OR_RAISE(auto result, BindSelect(node.select_stmt(), outer, NextPrefix()));
  if (!result.correlation.empty()) {
    return Status::NotImplemented("correlated subqueries in FROM (LATERAL) are not supported");
  }
  return result.relation;
}

Result<SelectResult> QueryBinder::BindSelect(const pg_query::SelectStmt& stmt, const OuterScope* outer,
                                             const std::string& prefix) {
  if (++depth_ > kMaxQueryDepth) {
    --depth_;
    return Status::Invalid("query nested too deeply (more than ", kMaxQueryDepth, " levels)");
  }
  struct Leave {
    QueryBinder* self;
    size_t frames;
    ~Leave() {
      --self->depth_;
      self->ctes_.resize(frames);
    }
  } leave{this, ctes_.size()};
  if (stmt.has_with_clause()) {
    ctes_.emplace_back();
    for (const auto& node : stmt.with_clause().ctes()) {
      const auto& cte = node.common_table_expr();
      if (stmt.with_clause().recursive()) {
        FERRY_ASSIGN_OR_RAISE(auto recursive, BindRecursiveCte(cte));
        if (recursive) {
          ctes_.back()[cte.ctename()] = std::move(*recursive);
          continue;
        }
      }
      FERRY_ASSIGN_OR_RAISE(auto relation, BindQuery(cte.ctequery(), nullptr));
      if (cte.aliascolnames_size() > 0) {
        if (cte.aliascolnames_size() != relation.plan->schema->num_fields()) {
          return Status::Invalid("WITH ", cte.ctename(), " names ", cte.aliascolnames_size(),
                                 " columns but its query returns ", relation.plan->schema->num_fields());
        }
        std::vector<std::string> names;
        for (const auto& name : cte.aliascolnames()) names.push_back(StringValue(name));
        FERRY_ASSIGN_OR_RAISE(relation.plan, RenameColumns(relation.plan, names));
      }
      ctes_.back()[cte.ctename()] = relation;
    }
  }
  if (stmt.op() != pg_query::SETOP_NONE && stmt.op() != pg_query::SET_OPERATION_UNDEFINED) {
    FERRY_ASSIGN_OR_RAISE(auto relation, BindSetOperation(stmt, outer));
    SelectResult result;
    result.visible = relation.plan->schema->num_fields();
    result.relation = std::move(relation);
    return result;
  }
  if (stmt.values_lists_size() > 0) {
    FERRY_ASSIGN_OR_RAISE(auto relation, BindValues(stmt));
    FERRY_ASSIGN_OR_RAISE(relation, BindOutputOrderAndLimit(stmt, std::move(relation)));
    SelectResult result;
    result.visible = relation.plan->schema->num_fields();
    result.relation = std::move(relation);
    return result;
  }
  return BindSelectCore(stmt, outer, prefix);
}

Result<Relation> QueryBinder::BindOutputOrderAndLimit(const pg_query::SelectStmt& stmt, Relation relation) {
  if (stmt.sort_clause_size() > 0) {
    std::vector<Expr> keys;
    for (const auto& node : stmt.sort_clause()) {
      const auto& sort = node.sort_by();
      if (sort.node().has_a_const() && sort.node().a_const().has_ival()) {
        const int64_t position = sort.node().a_const().ival().ival();
        if (position < 1 || position > relation.plan->schema->num_fields()) {
          return Status::Invalid("ORDER BY position ", position, " is not in the select list");
        }
        auto [ascending, nulls_first] = SortDirection(sort);
        keys.push_back(Sort(Col(relation.plan->schema->field(position - 1)->name()), ascending, nulls_first));
        continue;
      }
      ExprBinder binder(*this, ExprContext{&relation, nullptr, nullptr, false, false, "ORDER BY"});
      FERRY_ASSIGN_OR_RAISE(auto key, binder.BindSortBy(sort));
      keys.push_back(std::move(key));
    }
    FERRY_ASSIGN_OR_RAISE(relation.plan, plan::Sort(relation.plan, keys));
  }
  FERRY_ASSIGN_OR_RAISE(auto limit, BindLimit(*this, stmt));
  if (limit.first > 0 || limit.second) {
    FERRY_ASSIGN_OR_RAISE(relation.plan, plan::Limit(relation.plan, limit.first, limit.second));
  }
  return relation;
}

}  // namespace ferry::sql

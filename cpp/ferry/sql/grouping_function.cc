// GROUPING(a, b, ...): which of its arguments the grouping set of a row
// leaves out, as bits. It binds to a column the aggregate computes (a
// constant per grouping set, grouping_sets.cc), so it is read like a key
// in SELECT, HAVING and ORDER BY.

#include <algorithm>

#include "ferry/sql/aggregate_rewrite.h"
#include "ferry/sql/binder_internal.h"

namespace ferry::sql {

std::string QueryBinder::NoteGroupingCall(std::vector<Expr> args, int location) {
  std::string column = kGroupingColumnPrefix + std::to_string(next_id_++);
  grouping_calls_.emplace(column, std::make_pair(std::move(args), location));
  return column;
}

Result<std::vector<GroupingCall>> QueryBinder::GroupingCallsIn(const std::vector<Expr>& exprs,
                                                               const std::vector<Expr>& keys) const {
  std::vector<GroupingCall> calls;
  std::function<Status(const Expr&)> visit = [&](const Expr& e) -> Status {
    if (const auto* column = e.As<ColumnNode>()) {
      auto it = grouping_calls_.find(column->name);
      if (it == grouping_calls_.end()) return Status::OK();
      if (std::any_of(calls.begin(), calls.end(), [&](const auto& c) { return c.column == column->name; })) {
        return Status::OK();
      }
      GroupingCall call{column->name, {}};
      for (const auto& arg : it->second.first) {
        auto key = std::find_if(keys.begin(), keys.end(), [&](const Expr& k) { return k.Equals(arg); });
        if (key == keys.end()) {
          return Status::Invalid("arguments to GROUPING must be grouping expressions of the query: ",
                                 ShowAsWritten(arg), " is not in GROUP BY", At(it->second.second));
        }
        call.keys.push_back(static_cast<int>(key - keys.begin()));
      }
      calls.push_back(std::move(call));
      return Status::OK();
    }
    for (const auto& child : Children(e)) FERRY_RETURN_NOT_OK(visit(child));
    return Status::OK();
  };
  for (const auto& e : exprs) FERRY_RETURN_NOT_OK(visit(e));
  return calls;
}

Result<Expr> ExprBinder::BindGroupingFunc(const pg_query::GroupingFunc& call) {
  if (!ctx_.allow_aggregates) {
    return Status::Invalid("GROUPING() is not allowed in ", ctx_.clause, query_.At(call.location()));
  }
  if (call.args_size() == 0 || call.args_size() > 31) {
    return Status::Invalid("GROUPING() takes 1 to 31 arguments, got ", call.args_size(),
                           query_.At(call.location()));
  }
  FERRY_ASSIGN_OR_RAISE(auto args, BindList(call.args()));
  for (const auto& arg : args) {
    if (ContainsAggregate(arg) || HasOuterReference(arg)) {
      return Status::Invalid("arguments to GROUPING must be grouping expressions of the query: ",
                             query_.ShowAsWritten(arg), query_.At(call.location()));
    }
  }
  return Col(query_.NoteGroupingCall(std::move(args), call.location()));
}

}  // namespace ferry::sql

#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <arrow/type.h>

#include "ferry/common/status.h"
#include "ferry/expr/expr.h"
#include "ferry/plan/table_provider.h"

namespace ferry {

struct LogicalPlan;
using PlanPtr = std::shared_ptr<const LogicalPlan>;

enum class JoinType { kInner, kLeft, kRight, kFull, kLeftSemi, kLeftAnti };

/// "inner", "left", "right", "full", "semi", "anti".
const char* JoinTypeName(JoinType type);
Result<JoinType> JoinTypeFromName(const std::string& name);

struct ScanNode {
  std::string table_name;
  std::shared_ptr<const TableProvider> source;
  std::optional<std::vector<int>> projection;
  /// Filters over the source's columns already handed to `source` (see
  /// TableProvider::WithFilters), shown by explain(). Inexact: the plan
  /// still filters the scan's rows above it.
  std::vector<Expr> filters = {};
};
struct ProjectionNode {
  PlanPtr input;
  std::vector<Expr> exprs;
};
struct FilterNode {
  PlanPtr input;
  Expr predicate;
};
struct AggregateNode {
  PlanPtr input;
  std::vector<Expr> group_by;
  std::vector<Expr> aggregates;  // AggregateCallNode, possibly aliased
};
struct SortPlanNode {
  PlanPtr input;
  std::vector<Expr> sort_exprs;  // SortNode each
};
struct LimitNode {
  PlanPtr input;
  int64_t skip;
  std::optional<int64_t> fetch;
};
struct DistinctNode {
  PlanPtr input;
};
struct JoinNode {
  PlanPtr left;
  PlanPtr right;
  JoinType type;
  std::vector<int> left_keys;   // column indices in left's schema
  std::vector<int> right_keys;  // column indices in right's schema
  // Where each output column comes from: a left column, a right column, or
  // both (a shared key of a right/full join: the first non-null of the two).
  struct OutputColumn {
    int left = -1;
    int right = -1;
  };
  std::vector<OutputColumn> output_columns;
  /// The rest of the join condition beyond the equi keys, over the columns
  /// of JoinFilterSchema(left, right): a pair of rows matches when its keys
  /// are equal and this is true. No keys and no filter: a cross join.
  std::optional<Expr> filter = std::nullopt;
};
/// The columns a join filter reads: the left input's, then the right's; a
/// right name that a left column already has gets a "_right" suffix.
std::shared_ptr<arrow::Schema> JoinFilterSchema(const arrow::Schema& left, const arrow::Schema& right);
struct UnionNode {
  std::vector<PlanPtr> inputs;
};
/// Appends one column per window expression to its input's columns, named
/// by the expression's display.
struct WindowPlanNode {
  PlanPtr input;
  std::vector<Expr> window_exprs;  // WindowNode each
};

/// An immutable logical plan node with its resolved output schema. Build
/// with plan/builder.h, which validates as it goes.
struct LogicalPlan {
  std::variant<ScanNode, ProjectionNode, FilterNode, AggregateNode, SortPlanNode, LimitNode,
               DistinctNode, JoinNode, UnionNode, WindowPlanNode>
      node;
  std::shared_ptr<arrow::Schema> schema;

  template <typename T>
  const T* As() const {
    return std::get_if<T>(&node);
  }
  std::vector<PlanPtr> inputs() const;
  /// One line describing this node (no children).
  std::string Describe() const;
  /// The indented tree, as explain() shows it.
  std::string ToString() const;
};

}  // namespace ferry

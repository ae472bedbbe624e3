#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ferry/common/status.h"
#include "ferry/plan/logical_plan.h"

namespace ferry {

/// Plan constructors. Each validates its expressions against the input
/// schema and computes the output schema, so mistakes surface when the
/// DataFrame is built, not when it runs.
namespace plan {

/// `filters` are those already handed to `source` (TableProvider::WithFilters).
Result<PlanPtr> Scan(std::string table_name, std::shared_ptr<const TableProvider> source,
                     std::optional<std::vector<int>> projection = std::nullopt,
                     std::vector<Expr> filters = {});
/// Window expressions anywhere in `exprs` are computed by a Window node
/// inserted below the projection, which then reads their columns.
Result<PlanPtr> Project(PlanPtr input, std::vector<Expr> exprs);
Result<PlanPtr> Filter(PlanPtr input, Expr predicate);
Result<PlanPtr> Aggregate(PlanPtr input, std::vector<Expr> group_by, std::vector<Expr> aggregates);
/// Plain expressions sort ascending with nulls last.
Result<PlanPtr> Sort(PlanPtr input, std::vector<Expr> sort_exprs);
Result<PlanPtr> Limit(PlanPtr input, int64_t skip, std::optional<int64_t> fetch);
Result<PlanPtr> Distinct(PlanPtr input);
/// Equi-join on key columns. Right key columns named like their left key
/// are dropped for inner/left joins (kept once, coalesced, for right/full);
/// other right columns whose names clash get a "_right" suffix.
Result<PlanPtr> Join(PlanPtr left, PlanPtr right, JoinType type,
                     const std::vector<std::string>& left_keys,
                     const std::vector<std::string>& right_keys);
/// A join on `on` (conditions ANDed): `left_col == right_col` of one type
/// become hash keys, anything else a filter on matching pairs (over
/// JoinFilterSchema: right names the left already has end in "_right");
/// nothing at all is a cross join. Output: every left column, then every
/// right one (named as in the filter schema); semi/anti: the left only.
Result<PlanPtr> JoinOn(PlanPtr left, PlanPtr right, JoinType type, const std::vector<Expr>& on);
/// A join given as its parts (how a plan on the wire carries it): key
/// column indices, where each output column comes from and its name, and
/// the filter over JoinFilterSchema. Checks all of it as Join and JoinOn
/// would (indices in range, key types equal, a column from both sides only
/// for a key of a right/full join, none from the right for semi/anti,
/// unique names, a boolean filter); nullability follows the join type.
Result<PlanPtr> JoinFromParts(PlanPtr left, PlanPtr right, JoinType type, std::vector<int> left_keys,
                              std::vector<int> right_keys,
                              std::vector<JoinNode::OutputColumn> output_columns,
                              const std::vector<std::string>& names, std::optional<Expr> filter);
/// JoinFromParts' checks and output fields on the inputs' schemas alone
/// (a physical join on the wire is checked with them too).
Result<arrow::FieldVector> JoinFieldsFromParts(const arrow::Schema& left, const arrow::Schema& right,
                                               JoinType type, const std::vector<int>& left_keys,
                                               const std::vector<int>& right_keys,
                                               const std::vector<JoinNode::OutputColumn>& output_columns,
                                               const std::vector<std::string>& names,
                                               const std::optional<Expr>& filter);
/// Appends a column per window expression (WindowNode), named by its display.
Result<PlanPtr> Window(PlanPtr input, std::vector<Expr> window_exprs);
/// The column Window appends for `expr` over `input`, after its checks (a
/// WindowNode, SQL's frame rules, argument and key types).
Result<std::shared_ptr<arrow::Field>> WindowField(const Expr& expr, const arrow::Schema& input);
/// UNION ALL: inputs must have the same column types (names from the first).
Result<PlanPtr> Union(std::vector<PlanPtr> inputs);

}  // namespace plan
}  // namespace ferry

#pragma once

// The binder's moving parts, shared by the files that implement them:
// QueryBinder (queries, FROM, set operations, VALUES) and ExprBinder
// (expressions, function calls, subqueries).

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ferry/common/status.h"
#include "ferry/plan/builder.h"
#include "ferry/sql/catalog.h"
#include "ferry/sql/grouping_sets.h"
#include "ferry/sql/placeholders.h"
#include "ferry/sql/scope.h"
#include "pg_query/pg_query.pb.h"

namespace ferry::sql {

/// Relation of a column reference that points into the enclosing query (a
/// correlated subquery); such columns never reach a plan: decorrelation
/// turns them into plain references to the outer plan's columns.
inline constexpr const char* kOuterRelation = "\x01outer";

/// The FROM relation of the query enclosing a subquery.
struct OuterScope {
  const Relation* relation;
};

/// A join a subquery adds to the plan of the query using it, attached just
/// before the expression that reads it is applied. Columns it adds are named
/// "__sq<N>_..." so they never clash with the plan's own.
struct PendingJoin {
  PlanPtr right;
  JoinType type;
  std::vector<Expr> on;
  /// A filter applied right after the join (NOT IN's NULL rules), or none.
  std::optional<Expr> then_filter;
};

/// A bound SELECT: its relation (first `visible` columns are the query's;
/// the rest are inner columns a correlated subquery exposes) and, for a
/// correlated subquery, its join conditions against the outer plan.
struct SelectResult {
  Relation relation;
  int visible = 0;
  std::vector<Expr> correlation;
  /// A LATERAL subquery's select items that read the outer items, per
  /// visible column: computed after the join (LateralPadding::computed).
  std::vector<std::optional<Expr>> deferred;
  /// Correlated and aggregating without GROUP BY/HAVING: per visible column,
  /// its value where no inner row matches (count() is 0 there, not NULL),
  /// read when "<prefix>m" is NULL; nullopt where that is NULL anyway.
  std::vector<std::optional<Expr>> empty_values;
  /// Correlated and aggregating without GROUP BY: one row for every outer
  /// row, even where no inner row matches (what decorrelation by grouping
  /// on the correlation keys does not give EXISTS and IN).
  bool correlated_global_aggregate = false;
  /// At most one row (per correlation key, when correlated), known from the
  /// query's shape; a scalar subquery without it checks its row count.
  bool at_most_one_row = false;
};

/// Where an expression is being bound and what it may contain.
struct ExprContext {
  Relation* input;            // subqueries in WHERE join onto input->plan
  const OuterScope* outer;    // for correlated references, or nullptr
  std::vector<PendingJoin>* pending;  // scalar subqueries' joins
  bool allow_aggregates = false;
  bool allow_windows = false;
  const char* clause = "expression";  // for messages: "WHERE", "GROUP BY", ...
  /// The query's WINDOW clause, for OVER w.
  const google::protobuf::RepeatedPtrField<pg_query::Node>* windows = nullptr;
  /// The clause column references here count in for errors found after
  /// binding ("SELECT" inside a scalar function's arguments, "aggregate
  /// arguments" inside an aggregate's); nullptr: `clause`.
  const char* reference_clause = nullptr;
};

/// A select list item and its output name.
struct SelectItem {
  Expr expr;
  std::string name;
};

/// An ORDER BY (or DISTINCT ON) key: select item `output`, or when -1 the
/// `hidden` expression over the input, computed beside the select list.
struct OrderKey {
  int output = -1;
  std::optional<Expr> hidden;
  bool ascending = true;
  bool nulls_first = false;
};

/// A LATERAL subquery aggregating without GROUP BY has a row for every
/// outer row (count() 0 where no inner row matches): it is left-joined, and
/// where its plan's `marker` column is NULL (no inner row) each visible
/// column j with a `fills[j]` takes that constant (the rest stay NULL).
struct LateralPadding {
  std::vector<std::optional<Expr>> fills;
  std::string marker;  // "" when every fill is NULL
  /// One row per outer row (aggregating without GROUP BY): left-joined.
  bool every_outer_row = false;
  /// Per visible column, its value computed after the join: select items
  /// reading the outer items (over their names and the subquery's exposed
  /// "<prefix>s<i>" columns).
  std::vector<std::optional<Expr>> computed;
};
/// A LATERAL item of a FROM list that is joined on its own conditions
/// (`on`, over the list's cross join), then padded / computed.
struct PaddedLateral {
  std::vector<Expr> on;
  LateralPadding padding;
};
/// `joined` with the padded and computed columns (`names`, the lateral's
/// visible columns as `joined` names them) replaced in place. (from_binder.cc)
Result<PlanPtr> PadLateral(const PlanPtr& joined, const LateralPadding& padding,
                           const std::vector<std::string>& names);

class QueryBinder {
 public:
  QueryBinder(const Catalog& catalog, std::string text, const std::map<int, Placeholder>* placeholders = nullptr)
      : catalog_(catalog), text_(std::move(text)), placeholders_(placeholders) {}

  /// A SELECT/VALUES/set operation node as a relation (visible columns only).
  Result<Relation> BindQuery(const pg_query::Node& node, const OuterScope* outer);
  /// The same, keeping correlation for the subquery binder; `prefix` names
  /// the columns it exposes.
  Result<SelectResult> BindSelect(const pg_query::SelectStmt& stmt, const OuterScope* outer,
                                  const std::string& prefix);

  const Catalog& catalog() const { return catalog_; }
  /// The value placeholder `$number` stands for, or nullptr.
  const Placeholder* FindPlaceholder(int number) const;
  /// A fresh "__sq<N>_" prefix for a subquery's columns.
  std::string NextPrefix() { return "__sq" + std::to_string(next_id_++) + "_"; }
  /// A GROUPING(args) call: the column it reads once the query aggregates
  /// (grouping_sets.h), its arguments kept for GroupingCallsIn.
  std::string NoteGroupingCall(std::vector<Expr> args, int location);
  /// The GROUPING() calls `exprs` read, their arguments as indices into
  /// `keys`; Invalid naming an argument that is not a GROUP BY key.
  Result<std::vector<GroupingCall>> GroupingCallsIn(const std::vector<Expr>& exprs,
                                                    const std::vector<Expr>& keys) const;
  /// " at line L, column C" for a parse-tree location, or "".
  std::string At(int location) const;
  /// Remembers that `shown` (as the user wrote it) at `location` in `clause`
  /// bound to input column `column`, so errors found after binding (a
  /// column neither grouped nor aggregated) can point at it.
  /// `outer`: a column of the enclosing query.
  void NoteColumnRef(const std::string& column, const std::string& clause, const std::string& shown, int location,
                     bool outer = false);
  /// `exposed` (a correlated subquery's column "__sq<N>_c<i>") shows as
  /// `column` does.
  void NoteExposedColumn(const std::string& exposed, const std::string& column);
  /// "'shown' at line L, column C" for the first reference to `column` in
  /// `clause`, or "'column'" when none was noted.
  std::string DescribeColumnRef(const std::string& column, const std::string& clause) const;
  /// `expr` as the user wrote its columns (not as internal names such as
  /// "__sq1_c0"), for messages; columns of the enclosing query (not yet
  /// StripOuter'ed) as written there.
  std::string ShowAsWritten(const Expr& expr) const;

  // from_binder.cc
  /// One relation per FROM item (a table, a subquery, a JOIN tree).
  Result<Relation> BindTableRef(const pg_query::Node& node, const OuterScope* outer);
  /// A relation with no columns and one row (SELECT without FROM).
  Result<Relation> OneRow();

 private:
  Result<Relation> BindRangeVar(const pg_query::RangeVar& range);
  Result<Relation> BindJoin(const pg_query::JoinExpr& join, const OuterScope* outer);
 public:
  /// A LATERAL subquery after `prior` (the FROM items before it): its
  /// relation, and its correlation on `prior`'s columns (by their names in
  /// `prior`) appended to `conditions` as join conditions. One aggregating
  /// without GROUP BY sets `padding`: it must be left-joined on them, then
  /// padded (PadLateral).
  Result<Relation> BindLateral(const pg_query::Node& node, const Relation& prior, std::vector<Expr>* conditions,
                               std::optional<LateralPadding>* padding);
  /// A FROM list's items (comma_join.cc); LATERAL items' conditions go to
  /// `lateral`, or with their padding to `padded` (by item) for those
  /// aggregating without GROUP BY.
  Result<std::vector<Relation>> BindFromItems(const google::protobuf::RepeatedPtrField<pg_query::Node>& from,
                                              const OuterScope* outer, std::vector<Expr>* lateral,
                                              std::map<int, PaddedLateral>* padded);

 private:
  // recursive_cte.cc
  /// A WITH RECURSIVE item that refers to itself, as a scan of its fixpoint;
  /// nullopt when it does not (bound as a plain CTE then).
  Result<std::optional<Relation>> BindRecursiveCte(const pg_query::CommonTableExpr& cte);
  // lateral_select.cc
  /// In a LATERAL subquery's SELECT (not aggregating, no DISTINCT, ORDER BY
  /// or LIMIT), items reading the outer items become NULL placeholders,
  /// their expressions `deferred` and the inner columns they read
  /// `exposed` ("<prefix>s<i>").
  Status DeferOuterItems(const pg_query::SelectStmt& stmt, std::vector<SelectItem>* select,
                         std::vector<std::optional<Expr>>* deferred, std::vector<Expr>* exposed,
                         const std::string& prefix);
  /// The SELECT whose items may read the outer items (the LATERAL one bound now).
  const pg_query::SelectStmt* lateral_stmt_ = nullptr;
  // select_binder.cc
  Result<SelectResult> BindSelectCore(const pg_query::SelectStmt& stmt, const OuterScope* outer,
                                      const std::string& prefix);
  // set_operation_binder.cc
  Result<Relation> BindSetOperation(const pg_query::SelectStmt& stmt, const OuterScope* outer);
  // values_binder.cc
  Result<Relation> BindValues(const pg_query::SelectStmt& stmt);
  /// ORDER BY / LIMIT / OFFSET over a relation's output columns only (set
  /// operations and VALUES).
  Result<Relation> BindOutputOrderAndLimit(const pg_query::SelectStmt& stmt, Relation relation);

  const Catalog& catalog_;
  std::string text_;
  const std::map<int, Placeholder>* placeholders_;
  /// WITH frames, innermost last: name -> its relation.
  std::vector<std::map<std::string, Relation>> ctes_;
  int next_id_ = 0;
  int depth_ = 0;
  /// (column, clause) -> (shown, location) of its first reference there.
  std::map<std::pair<std::string, std::string>, std::pair<std::string, int>> column_refs_;
  /// column -> how the user first wrote a reference to it.
  std::map<std::string, std::string> column_shown_;
  /// column -> how the user last wrote a reference to it.
  std::map<std::string, std::string> column_last_shown_;
  /// GROUPING() column -> (its arguments, where the call is).
  std::map<std::string, std::pair<std::vector<Expr>, int>> grouping_calls_;
};

class ExprBinder {
 public:
  ExprBinder(QueryBinder& query, ExprContext context) : query_(query), ctx_(context) {}

  Result<Expr> Bind(const pg_query::Node& node);
  /// An ORDER BY item as a SortNode (PostgreSQL's NULLs order by default).
  Result<Expr> BindSortBy(const pg_query::SortBy& sort);
  /// A WHERE conjunct: EXISTS / IN subqueries (negated or not) become semi
  /// or anti joins on the input plan and yield nullopt; anything else binds
  /// as an expression.
  Result<std::optional<Expr>> BindConjunct(const pg_query::Node& node);
  Result<std::vector<Expr>> BindList(const google::protobuf::RepeatedPtrField<pg_query::Node>& list);

 private:
  Result<Expr> BindColumnRef(const pg_query::ColumnRef& ref);
  Result<Expr> BindAExpr(const pg_query::A_Expr& expr);
  Result<Expr> BindBoolExpr(const pg_query::BoolExpr& expr);
  Result<Expr> BindCase(const pg_query::CaseExpr& expr);
  /// `expr` when its types work over the input; else a TypeError naming
  /// the operator and its operand types at `location` (PostgreSQL's
  /// "operator does not exist"), rather than one without a position when
  /// the plan is built.
  Result<Expr> CheckTypes(Expr expr, int location);
  Result<Expr> BindTypeCast(const pg_query::TypeCast& cast);
  // grouping_function.cc
  Result<Expr> BindGroupingFunc(const pg_query::GroupingFunc& call);
  // placeholder_binder.cc
  Result<Expr> BindParamRef(const pg_query::ParamRef& ref);
  /// `bound` (from `node`) with the type of `other` when `node` is a value
  /// placeholder whose value casts to that type exactly: a placeholder
  /// compared with a column takes the column's type.
  Expr AdoptType(const pg_query::Node& node, Expr bound, const Expr& other);
  // function_binder.cc
  Result<Expr> BindFuncCall(const pg_query::FuncCall& call);
  Result<Expr> BindWindow(Expr function, const pg_query::WindowDef& over);
  // subquery_binder.cc
  Result<Expr> BindSubLink(const pg_query::SubLink& link);
  Result<SelectResult> BindSubquery(const pg_query::Node& subselect, std::string* prefix);
  Status AddSemiJoin(const pg_query::SubLink& link, bool negated);
  /// A WHERE conjunct comparing with a scalar subquery, joined on instead
  /// of filtered (true), when the join the subquery added allows it.
  Result<bool> JoinOnComparison(const Expr& conjunct, size_t pending_before);
  // scalar_subquery.cc
  Result<Expr> BindScalarSubquery(const pg_query::SubLink& link);
  /// scalar_subquery_value(<prefix>v, <prefix>n, where the subquery is).
  Result<Expr> ScalarSubqueryValue(const std::string& prefix, const pg_query::SubLink& link);
  /// The subquery's rows counted per distinct outer value its correlation
  /// reads, joined back (pending); false when its conditions do not allow.
  Result<bool> CountPerOuterRow(const SelectResult& sub, const std::string& prefix, const Expr& value);
  // quantified_subquery.cc
  Result<Expr> BindQuantified(const pg_query::SubLink& link);

  QueryBinder& query_;
  ExprContext ctx_;
};

/// Whether a FROM item is a LATERAL subquery.
bool IsLateral(const pg_query::Node& node);
/// The text of a String node, or "" for any other node.
std::string StringValue(const pg_query::Node& node);
/// The protobuf name of a node's kind ("select_stmt", "a_expr"), for
/// "unsupported" messages.
std::string NodeKind(const pg_query::Node& node);
/// `expr` with columns of relation kOuterRelation made plain references.
Expr StripOuter(const Expr& expr);
/// Whether `expr` reads a column of the enclosing query.
bool HasOuterReference(const Expr& expr);
/// `a AND b AND ...`; nullopt for none.
std::optional<Expr> Conjunction(const std::vector<Expr>& parts);
/// Every sub-expression of `expr` replaced by `rewrite` where it returns a
/// value (top-down; the replacement is not visited again).
Expr Transform(const Expr& expr, const std::function<std::optional<Expr>(const Expr&)>& rewrite);
// comma_join.cc
/// The FROM items side by side (a cross join), as WHERE binds against.
/// Names a later item's column shares with an earlier one get "_right".
Result<Relation> CrossJoin(const std::vector<Relation>& items);
/// The items joined on the conjuncts (bound against `CrossJoin(items)`):
/// each item joins, in order, the first one a conjunct connects to what is
/// joined so far; conjuncts spanning two or more items become its join
/// condition (equalities hash keys). Used conjuncts leave `conjuncts`; the
/// result has the cross join's column names, its scope remapped.
/// `padded` items join last of what they read, left, on their own
/// conditions only, and are padded after.
Result<Relation> JoinItems(const std::vector<Relation>& items, const Relation& cross,
                           std::vector<Expr>* conjuncts, const std::map<int, PaddedLateral>& padded = {});
/// Equalities between a left and a right column of different numeric
/// types compare casts to a common type (Int64 or Float64), appended to
/// the sides as columns, so they stay hash keys.
Result<std::vector<Expr>> AlignKeyTypes(PlanPtr* left, PlanPtr* right, std::vector<Expr> on);
/// A correlated subquery's conditions, each `inner = outer`, as grouping
/// keys: its inner sides as columns "<prefix>g<i>", those columns, and the
/// join conditions `outer = <prefix>g<i>`. NotImplemented naming `what` for
/// any other condition. (scalar_subquery.cc)
struct CorrelationKeys {
  std::vector<Expr> inner_columns;
  std::vector<Expr> keys;
  std::vector<Expr> on;
};
Result<CorrelationKeys> GroupableCorrelation(const QueryBinder& query, const SelectResult& sub,
                                             const std::string& prefix, const std::string& what);
/// Whether `expr` is NULL whenever a column it reads is: columns,
/// literals, arithmetic, casts and negation only. (scalar_subquery.cc)
bool NullPropagating(const Expr& expr);
/// Appends the columns of the enclosing query `expr` reads, each once.
void OuterColumns(const Expr& expr, std::vector<std::string>* out);
/// Whether every condition is `inner = outer` (either way round).
/// (outer_values.cc)
bool OnlyInnerOuterEqualities(const std::vector<Expr>& correlated);
/// An aggregating subquery correlated by other conditions (`u.x < t.a`):
/// `input` joined on them with the distinct values of the outer columns
/// they read (columns "<prefix>d<i>", appended), and `correlated` replaced
/// by `<prefix>d<i> = outer column` equalities that group it like equality
/// keys. NotImplemented, naming it, for a condition that could hold for a
/// NULL outer value.
Status CorrelateByOuterValues(const Relation& outer, PlanPtr* input, std::vector<Expr>* correlated,
                              const std::string& prefix);
/// A correlated subquery's rows matched to the distinct values of the outer
/// columns its conditions read, as DuckDB's delim join does: `matched`
/// has those values ("<prefix>o<i>", the `group` to aggregate by), `value`
/// as "<prefix>x" and the exposed columns; `back_on` joins a result per
/// value back to the outer rows. nullopt when a condition is no comparison
/// of NULL-propagating sides (one that could hold for a NULL outer value,
/// which joining back by equality would lose). (outer_values.cc)
struct OuterValueMatch {
  PlanPtr matched;
  std::vector<Expr> group;
  std::vector<Expr> back_on;
};
Result<std::optional<OuterValueMatch>> MatchOuterValues(const PlanPtr& outer_plan, const SelectResult& sub,
                                                        const std::string& prefix, const Expr& value);
/// Whether column `index` of `plan` (or `expr`, a plain column of it) can
/// never be NULL: traced through projections, filters and joins to a
/// non-nullable table column. False when unsure. (never_null.cc)
bool NeverNull(const LogicalPlan& plan, int index);
bool NeverNull(const LogicalPlan& plan, const Expr& expr);
/// `relation` with its columns renamed to `names` (same count) in a projection.
Result<PlanPtr> RenameColumns(const PlanPtr& plan, const std::vector<std::string>& names);

/// `left` joined with `right` on no condition (a cross join, or a semi/anti
/// join deciding on whether `right` has rows), hashed on a constant key.
Result<PlanPtr> JoinWithoutKeys(PlanPtr left, PlanPtr right, JoinType type);
/// The input with every pending join attached, in order.
Result<PlanPtr> AttachPending(PlanPtr plan, std::vector<PendingJoin>* pending);

// order_keys.cc
class ExprBinder;
/// An ORDER BY / DISTINCT ON expression as a key (direction left default):
/// a position or output name of `select`, an expression equal to an item,
/// or else a hidden expression bound by `binder`.
Result<OrderKey> BindOrderKey(ExprBinder& binder, const pg_query::Node& node,
                              const std::vector<SelectItem>& select, const char* clause);
/// The first row of `plan` (in `order`, SortNodes) of each group of equal
/// `group` values (DISTINCT ON), with `plan`'s columns.
Result<PlanPtr> KeepFirstPerGroup(const FunctionRegistry& functions, PlanPtr plan, std::vector<Expr> group,
                                  std::vector<Expr> order);
/// Rows skip + 1 to skip + fetch of each group of equal `group` values, in
/// `order`: a correlated subquery's LIMIT/OFFSET, per outer row.
Result<PlanPtr> LimitPerGroup(const FunctionRegistry& functions, PlanPtr plan, std::vector<Expr> group,
                              std::vector<Expr> order, int64_t skip, std::optional<int64_t> fetch);
/// The inner sides of a correlated subquery's `inner = outer` conditions
/// (what its rows are grouped by per outer row); NotImplemented naming any
/// other condition.
Result<std::vector<Expr>> CorrelationPartition(const std::vector<Expr>& correlation);

/// (ascending, nulls_first) of an ORDER BY item.
std::pair<bool, bool> SortDirection(const pg_query::SortBy& sort);
/// LIMIT and OFFSET constants: (skip, fetch).
Result<std::pair<int64_t, std::optional<int64_t>>> BindLimit(QueryBinder& query,
                                                             const pg_query::SelectStmt& stmt);

// insert_binder.cc
struct InsertStatement;
Result<InsertStatement> BindInsert(const pg_query::InsertStmt& insert, const std::string& text,
                                   const Catalog& catalog, const std::map<int, Placeholder>* placeholders);

// literal_binder.cc
Result<Expr> BindConstant(const pg_query::A_Const& constant);
/// The Arrow type a SQL type name stands for; NotImplemented naming it.
Result<std::shared_ptr<arrow::DataType>> BindTypeName(const pg_query::TypeName& type);
/// `'literal'::type` folded at bind time where the type needs parsing
/// (dates, timestamps, intervals); nullopt to leave it to a cast.
Result<std::optional<Expr>> FoldTypedLiteral(const std::string& text, const pg_query::TypeName& type);

}  // namespace ferry::sql

// Function calls by their SQL names: scalar functions, aggregates (with
// DISTINCT and FILTER), window functions and aggregates over windows (OVER,
// named WINDOWs, frames); Python UDFs registered in the session the same
// way. The SQL-standard spellings the parser rewrites (EXTRACT, SUBSTRING
// ... FROM ... FOR, TRIM) map to ferry's functions.

#include <algorithm>
#include <set>

#include "ferry/sql/binder_internal.h"

namespace ferry::sql {
namespace {

// PostgreSQL's FRAMEOPTION_* bits (nodes/parsenodes.h) in WindowDef.
// RANGE (0x2) is what remains when neither ROWS nor GROUPS is set.
constexpr int kFrameNonDefault = 0x1, kFrameRows = 0x4, kFrameGroups = 0x8,
              kStartUnboundedPreceding = 0x20, kEndUnboundedPreceding = 0x40,
              kStartUnboundedFollowing = 0x80, kEndUnboundedFollowing = 0x100,
              kStartCurrentRow = 0x200, kEndCurrentRow = 0x400, kStartOffsetPreceding = 0x800,
              kEndOffsetPreceding = 0x1000, kStartOffsetFollowing = 0x2000,
              kEndOffsetFollowing = 0x4000, kExclude = 0x8000 | 0x10000 | 0x20000;

// The parser's pg_catalog names for SQL-standard syntax, as ferry calls them.
std::string FerryName(std::string name) {
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  if (name == "extract") return "date_part";
  if (name == "substring") return "substr";
  return name;
}

std::vector<std::string> AllFunctionNames(const FunctionRegistry& registry) {
  auto names = registry.ScalarNames();
  for (auto& n : registry.AggregateNames()) names.push_back(n);
  for (auto& n : registry.WindowNames()) names.push_back(n);
  return names;
}

}  // namespace

Result<Expr> ExprBinder::BindFuncCall(const pg_query::FuncCall& call) {
  if (call.funcname_size() == 0) return Status::Invalid("function call without a name");
  const std::string name = FerryName(StringValue(call.funcname(call.funcname_size() - 1)));
  const auto& registry = query_.catalog().functions();
  if (call.agg_within_group()) {
    return Status::NotImplemented("WITHIN GROUP is not supported", query_.At(call.location()));
  }
  if (call.agg_order_size() > 0) {
    return Status::NotImplemented("ORDER BY inside ", name, "() is not supported",
                                  query_.At(call.location()));
  }
  if (call.func_variadic()) return Status::NotImplemented("VARIADIC arguments are not supported");
  // Arguments: no aggregates or windows inside them.
  ExprContext inner = ctx_;
  inner.allow_aggregates = false;
  inner.allow_windows = false;
  inner.clause = "function arguments";
  inner.reference_clause = registry.GetAggregate(name).ok() && !call.has_over() ? "aggregate arguments"
                           : ctx_.reference_clause != nullptr                  ? ctx_.reference_clause
                                                                                : ctx_.clause;
  ExprBinder args_binder(query_, inner);
  FERRY_ASSIGN_OR_RAISE(auto args, args_binder.BindList(call.args()));
  if (name == "date_part" && !args.empty()) {
    // EXTRACT(YEAR FROM d) passes the field as 'year'; ferry's units are lower case.
    if (const auto* literal = args[0].As<LiteralNode>();
        literal && literal->value->type->id() == arrow::Type::STRING) {
      std::string field = literal->value->ToString();
      std::transform(field.begin(), field.end(), field.begin(), [](unsigned char c) { return std::tolower(c); });
      args[0] = Lit(std::make_shared<arrow::StringScalar>(field));
    }
  }
  const bool has_over = call.has_over();
  auto aggregate = registry.GetAggregate(name);
  if (aggregate.ok()) {
    if (!has_over && !ctx_.allow_aggregates) {
      return Status::Invalid("aggregate function ", name, "() is not allowed in ", ctx_.clause,
                             query_.At(call.location()));
    }
    if (call.agg_star()) args.clear();
    if (call.has_agg_filter()) {
      // agg(x) FILTER (WHERE c) is agg over CASE WHEN c THEN x END: these
      // aggregates skip NULLs, so rows failing c count for nothing. Others
      // (array_agg, first_value, Python UDAFs) may keep NULLs.
      static const std::set<std::string> kSkipNulls = {
          "count", "sum", "avg", "mean", "min", "max", "stddev", "stddev_samp", "stddev_pop",
          "var", "var_samp", "var_pop"};
      if (!kSkipNulls.count(name)) {
        return Status::NotImplemented("FILTER (WHERE ...) on ", name, "() is not supported",
                                      query_.At(call.location()));
      }
      FERRY_ASSIGN_OR_RAISE(auto condition, args_binder.Bind(call.agg_filter()));
      if (args.empty()) args.push_back(Lit(std::make_shared<arrow::Int64Scalar>(1)));
      for (auto& arg : args) arg = Case(std::nullopt, {{condition, arg}}, std::nullopt);
    }
    Expr expr = AggregateCall(*aggregate, name, std::move(args), call.agg_distinct());
    if (has_over) return BindWindow(expr, call.over());
    return expr;
  }
  if (call.agg_star() || call.agg_distinct() || call.has_agg_filter()) {
    return Status::Invalid(name, "() is not an aggregate function: '*', DISTINCT and FILTER ",
                           "apply to aggregates only", query_.At(call.location()));
  }
  if (auto window = registry.GetWindow(name); window.ok()) {
    if (!has_over) {
      return Status::Invalid("window function ", name, "() needs an OVER clause",
                             query_.At(call.location()));
    }
    return BindWindow(WindowCall(*window, name, std::move(args)), call.over());
  }
  auto scalar = registry.GetScalar(name);
  if (!scalar.ok()) {
    return Status::KeyError("unknown function '", name, "'", query_.At(call.location()),
                            SuggestNames(name, AllFunctionNames(registry)));
  }
  if (has_over) {
    return Status::Invalid(name, "() is not a window or aggregate function: OVER does not apply",
                           query_.At(call.location()));
  }
  return ScalarCall(*scalar, name, std::move(args));
}

Result<Expr> ExprBinder::BindWindow(Expr function, const pg_query::WindowDef& over_in) {
  if (!ctx_.allow_windows) {
    return Status::Invalid("window functions are not allowed in ", ctx_.clause,
                           query_.At(over_in.location()));
  }
  // OVER w, or OVER (w ...): start from the named window of the WINDOW clause.
  pg_query::WindowDef over = over_in;
  const std::string& reference = !over_in.refname().empty() ? over_in.refname() : over_in.name();
  if (!reference.empty()) {
    const pg_query::WindowDef* named = nullptr;
    if (ctx_.windows != nullptr) {
      for (const auto& node : *ctx_.windows) {
        if (node.has_window_def() && node.window_def().name() == reference) named = &node.window_def();
      }
    }
    if (named == nullptr) {
      return Status::KeyError("window '", reference, "' is not defined in the WINDOW clause",
                              query_.At(over_in.location()));
    }
    over = *named;
    if (over_in.order_clause_size() > 0) *over.mutable_order_clause() = over_in.order_clause();
    if (over_in.frame_options() & kFrameNonDefault) {
      over.set_frame_options(over_in.frame_options());
      *over.mutable_start_offset() = over_in.start_offset();
      *over.mutable_end_offset() = over_in.end_offset();
    }
  }
  ExprContext inner = ctx_;
  inner.allow_windows = false;
  inner.clause = "window definitions";
  ExprBinder binder(query_, inner);
  FERRY_ASSIGN_OR_RAISE(auto partition_by, binder.BindList(over.partition_clause()));
  std::vector<Expr> order_by;
  for (const auto& node : over.order_clause()) {
    if (!node.has_sort_by()) return Status::Invalid("ORDER BY item is not a sort key");
    FERRY_ASSIGN_OR_RAISE(auto key, binder.BindSortBy(node.sort_by()));
    order_by.push_back(std::move(key));
  }
  const int options = over.frame_options();
  if (!(options & kFrameNonDefault)) return Window(function, partition_by, order_by);
  if (options & kExclude) return Status::NotImplemented("window frame EXCLUDE is not supported");
  WindowFrame frame = WindowFrame::Default(!order_by.empty());
  frame.units = (options & kFrameRows)     ? WindowFrame::Units::kRows
                : (options & kFrameGroups) ? WindowFrame::Units::kGroups
                                           : WindowFrame::Units::kRange;
  using Kind = WindowFrame::Bound::Kind;
  auto bound = [&](bool start, const pg_query::Node& offset) -> Result<WindowFrame::Bound> {
    const int unbounded_preceding = start ? kStartUnboundedPreceding : kEndUnboundedPreceding;
    const int unbounded_following = start ? kStartUnboundedFollowing : kEndUnboundedFollowing;
    const int current = start ? kStartCurrentRow : kEndCurrentRow;
    const int preceding = start ? kStartOffsetPreceding : kEndOffsetPreceding;
    const int following = start ? kStartOffsetFollowing : kEndOffsetFollowing;
    if (options & unbounded_preceding) return WindowFrame::Bound{Kind::kUnboundedPreceding, nullptr};
    if (options & unbounded_following) return WindowFrame::Bound{Kind::kUnboundedFollowing, nullptr};
    if (options & current) return WindowFrame::Bound{Kind::kCurrentRow, nullptr};
    if (options & (preceding | following)) {
      FERRY_ASSIGN_OR_RAISE(auto value, binder.Bind(offset));
      const auto* literal = value.As<LiteralNode>();
      if (literal == nullptr) return Status::NotImplemented("window frame offsets must be constants");
      return WindowFrame::Bound{(options & preceding) ? Kind::kPreceding : Kind::kFollowing,
                                literal->value};
    }
    return WindowFrame::Bound{start ? Kind::kUnboundedPreceding : Kind::kCurrentRow, nullptr};
  };
  FERRY_ASSIGN_OR_RAISE(frame.start, bound(true, over.start_offset()));
  FERRY_ASSIGN_OR_RAISE(frame.end, bound(false, over.end_offset()));
  return Window(function, partition_by, order_by, frame);
}

Result<Expr> ExprBinder::BindSortBy(const pg_query::SortBy& sort) {
  if (sort.sortby_dir() == pg_query::SORTBY_USING) {
    return Status::NotImplemented("ORDER BY ... USING is not supported");
  }
  FERRY_ASSIGN_OR_RAISE(auto key, Bind(sort.node()));
  auto [ascending, nulls_first] = SortDirection(sort);
  return Sort(key, ascending, nulls_first);
}

std::pair<bool, bool> SortDirection(const pg_query::SortBy& sort) {
  const bool ascending = sort.sortby_dir() != pg_query::SORTBY_DESC;
  // PostgreSQL's default: NULLs sort as if larger than any value.
  bool nulls_first = !ascending;
  if (sort.sortby_nulls() == pg_query::SORTBY_NULLS_FIRST) nulls_first = true;
  if (sort.sortby_nulls() == pg_query::SORTBY_NULLS_LAST) nulls_first = false;
  return {ascending, nulls_first};
}

}  // namespace ferry::sql

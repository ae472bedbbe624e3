// Cardinality estimates: textbook selectivity guesses (as in System R and
// DataFusion's defaults), refined where tables know a column's distinct
// values or range of values (Parquet min/max statistics).

#include "ferry/plan/statistics.h"

#include <algorithm>
#include <functional>
#include <limits>
#include <map>

#include "ferry/common/overloaded.h"
#include "ferry/function/bind.h"
#include "ferry/plan/rewrite.h"

namespace ferry {
namespace {

constexpr double kEqualitySelectivity = 0.1;
constexpr double kRangeSelectivity = 1.0 / 3.0;
constexpr double kDefaultSelectivity = 0.5;
constexpr double kGroupsPerRow = 0.1;
constexpr double kDistinctPerRow = 0.5;
constexpr double kSemiJoinSelectivity = 0.5;
// Key containment says how many left keys the right side may cover, not
// that every left row finds a match: an anti join is estimated to keep at
// least this share. At 0 rows a plan's choices turned on nothing (TPC-H
// Q22's customers without orders, a third of them, were estimated at none,
// so its scalar subquery's one row was exchanged instead of broadcast).
constexpr double kAntiJoinMinKept = 0.1;

}  // namespace

double EstimateSelectivity(const Expr& predicate) {
  if (auto value = AsBoolLiteral(predicate)) return *value ? 1.0 : 0.0;
  if (IsNullLiteral(predicate)) return 0.0;
  if (const auto* binary = predicate.As<BinaryNode>()) {
    switch (binary->op) {
      case Operator::kAnd:
        return EstimateSelectivity(binary->left) * EstimateSelectivity(binary->right);
      case Operator::kOr: {
        double a = EstimateSelectivity(binary->left), b = EstimateSelectivity(binary->right);
        return a + b - a * b;
      }
      case Operator::kEq:
        return kEqualitySelectivity;
      case Operator::kNotEq:
        return 1.0 - kEqualitySelectivity;
      case Operator::kLt:
      case Operator::kLtEq:
      case Operator::kGt:
      case Operator::kGtEq:
        return kRangeSelectivity;
      default:
        return kDefaultSelectivity;
    }
  }
  if (const auto* negated = predicate.As<NotNode>()) return 1.0 - EstimateSelectivity(negated->expr);
  if (const auto* is_null = predicate.As<IsNullNode>()) {
    return is_null->negated ? 1.0 - kEqualitySelectivity : kEqualitySelectivity;
  }
  if (const auto* in = predicate.As<InListNode>()) {
    double s = std::min(kDefaultSelectivity, kEqualitySelectivity * in->list.size());
    return in->negated ? 1.0 - s : s;
  }
  // A pattern keeps few rows ('forest%', '%green%' in TPC-H: 1-5%).
  if (const auto* like = predicate.As<LikeNode>()) {
    return like->negated ? 1.0 - kEqualitySelectivity : kEqualitySelectivity;
  }
  if (const auto* between = predicate.As<BetweenNode>()) {
    return between->negated ? 1.0 - kEqualitySelectivity * 2 : kEqualitySelectivity * 2;
  }
  return kDefaultSelectivity;
}

namespace {
double FilterSelectivity(const Expr& predicate, const LogicalPlan& input);
}  // namespace

std::optional<double> EstimateRows(const LogicalPlan& plan) {
  auto input = [](const PlanPtr& p) { return EstimateRows(*p); };
  return std::visit(
      Overloaded{
          [&](const ScanNode& n) { return n.source->EstimatedRows(); },
          [&](const FilterNode& n) -> std::optional<double> {
            auto rows = input(n.input);
            if (!rows) return std::nullopt;
            return *rows * FilterSelectivity(n.predicate, *n.input);
          },
          [&](const AggregateNode& n) -> std::optional<double> {
            if (n.group_by.empty()) return 1.0;
            auto rows = input(n.input);
            if (!rows) return std::nullopt;
            return std::min(*rows, std::max(1.0, *rows * kGroupsPerRow));
          },
          [&](const DistinctNode& n) -> std::optional<double> {
            auto rows = input(n.input);
            if (!rows) return std::nullopt;
            return std::min(*rows, std::max(1.0, *rows * kDistinctPerRow));
          },
          [&](const LimitNode& n) -> std::optional<double> {
            auto rows = input(n.input);
            if (!rows) {
              if (n.fetch) return static_cast<double>(*n.fetch);
              return std::nullopt;
            }
            double left = std::max(0.0, *rows - static_cast<double>(n.skip));
            return n.fetch ? std::min(left, static_cast<double>(*n.fetch)) : left;
          },
          [&](const JoinNode& n) -> std::optional<double> {
            // Key joins mostly match each row of the larger side (a foreign
            // key into the smaller one) about once.
            auto left = input(n.left), right = input(n.right);
            if (n.type == JoinType::kLeftSemi || n.type == JoinType::kLeftAnti) {
              if (!left) return std::nullopt;
              // A left row finds a match about as often as the right side's
              // distinct keys cover the left's (TPC-H Q2: the parts of one
              // size and type keep 1 partsupp row in 100).
              double matched = kSemiJoinSelectivity;
              if (n.left_keys.size() == 1 && !n.filter) {
                auto l = EstimateDistinct(*n.left, n.left_keys[0]);
                auto r = EstimateDistinct(*n.right, n.right_keys[0]);
                if (l && r && *l > 0) matched = std::min(1.0, *r / *l);
              }
              return *left * (n.type == JoinType::kLeftSemi ? matched
                                                           : std::max(kAntiJoinMinKept, 1.0 - matched));
            }
            if (!left || !right) return std::nullopt;
            if (n.left_keys.empty()) {  // cross join, thinned by its filter
              return *left * *right * (n.filter ? EstimateSelectivity(*n.filter) : 1.0);
            }
            // With distinct-value bounds on the keys: |L| |R| / max(distinct
            // l, distinct r), each bounded by the other key's domain (the
            // estimate join reordering uses); outer joins keep their side.
            double divisor = 0;
            for (size_t k = 0; k < n.left_keys.size(); ++k) {
              auto l = EstimateDistinct(*n.left, n.left_keys[k]);
              auto r = EstimateDistinct(*n.right, n.right_keys[k]);
              if (!l || !r) continue;
              auto l_domain = EstimateDomain(*n.left, n.left_keys[k]);
              auto r_domain = EstimateDomain(*n.right, n.right_keys[k]);
              const double a = r_domain ? std::min(*l, *r_domain) : *l;
              const double b = l_domain ? std::min(*r, *l_domain) : *r;
              divisor = std::max(divisor, std::max(a, b));
            }
            if (divisor <= 0) return std::max(*left, *right);
            double rows = *left * *right / divisor;
            if (n.type == JoinType::kLeft || n.type == JoinType::kFull) rows = std::max(rows, *left);
            if (n.type == JoinType::kRight || n.type == JoinType::kFull) rows = std::max(rows, *right);
            return rows;
          },
          [&](const UnionNode& n) -> std::optional<double> {
            double total = 0;
            for (const auto& in : n.inputs) {
              auto rows = input(in);
              if (!rows) return std::nullopt;
              total += *rows;
            }
            return total;
          },
          // Projections, sorts and windows keep every row.
          [&](const auto& n) { return input(n.input); },
      },
      plan.node);
}

namespace {

std::optional<double> Distinct(const LogicalPlan& plan, int column, bool cap_by_rows) {
  auto through = [&](const PlanPtr& input, int index) -> std::optional<double> {
    if (index < 0) return std::nullopt;
    return Distinct(*input, index, cap_by_rows);
  };
  auto column_index = [](const Expr& expr, const arrow::Schema& schema) -> int {
    const auto* ref = Unaliased(expr).As<ColumnNode>();
    if (ref == nullptr) return -1;
    auto index = ResolveColumn(*ref, schema);
    return index.ok() ? *index : -1;
  };
  std::optional<double> distinct = std::visit(
      Overloaded{
          [&](const ScanNode& n) -> std::optional<double> {
            auto bound = n.source->EstimatedDistinct(n.projection ? (*n.projection)[column] : column);
            auto rows = n.source->EstimatedRows();
            if (!bound || !rows) return bound;
            return std::max(1.0, std::min(*bound, *rows));
          },
          [&](const ProjectionNode& n) {
            return through(n.input, column_index(n.exprs[column], *n.input->schema));
          },
          [&](const AggregateNode& n) -> std::optional<double> {
            if (column >= static_cast<int>(n.group_by.size())) return std::nullopt;
            return through(n.input, column_index(n.group_by[column], *n.input->schema));
          },
          [&](const JoinNode& n) -> std::optional<double> {
            const auto& out = n.output_columns[column];
            if (out.left >= 0 && out.right >= 0) return std::nullopt;
            return out.left >= 0 ? through(n.left, out.left) : through(n.right, out.right);
          },
          [&](const UnionNode&) -> std::optional<double> { return std::nullopt; },
          [&](const WindowPlanNode& n) -> std::optional<double> {
            if (column >= n.input->schema->num_fields()) return std::nullopt;
            return through(n.input, column);
          },
          // Filters, sorts, limits, distincts: the same columns, fewer rows.
          [&](const auto& n) { return through(n.input, column); },
      },
      plan.node);
  if (!distinct || !cap_by_rows) return distinct;
  auto rows = EstimateRows(plan);
  return rows ? std::max(1.0, std::min(*distinct, *rows)) : distinct;
}

}  // namespace

std::optional<double> EstimateDistinct(const LogicalPlan& plan, int column) {
  return Distinct(plan, column, /*cap_by_rows=*/true);
}

std::optional<double> EstimateDomain(const LogicalPlan& plan, int column) {
  return Distinct(plan, column, /*cap_by_rows=*/false);
}

namespace {

// The range of values output column `column` of `plan` holds, as the
// table it comes from states it (TableProvider::EstimatedRange), traced
// through nodes that pass the column on unchanged.
std::optional<std::pair<double, double>> Range(const LogicalPlan& plan, int column) {
  if (column < 0) return std::nullopt;
  auto column_index = [](const Expr& expr, const arrow::Schema& schema) -> int {
    const auto* ref = Unaliased(expr).As<ColumnNode>();
    if (ref == nullptr) return -1;
    auto index = ResolveColumn(*ref, schema);
    return index.ok() ? *index : -1;
  };
  using MaybeRange = std::optional<std::pair<double, double>>;
  return std::visit(
      Overloaded{
          [&](const ScanNode& n) -> MaybeRange {
            return n.source->EstimatedRange(n.projection ? (*n.projection)[column] : column);
          },
          [&](const ProjectionNode& n) -> MaybeRange {
            return Range(*n.input, column_index(n.exprs[column], *n.input->schema));
          },
          [&](const AggregateNode& n) -> MaybeRange {
            if (column >= static_cast<int>(n.group_by.size())) return std::nullopt;
            return Range(*n.input, column_index(n.group_by[column], *n.input->schema));
          },
          [&](const JoinNode& n) -> MaybeRange {
            const auto& out = n.output_columns[column];
            if (out.left >= 0 && out.right >= 0) return std::nullopt;
            return out.left >= 0 ? Range(*n.left, out.left) : Range(*n.right, out.right);
          },
          [&](const UnionNode&) -> MaybeRange { return std::nullopt; },
          [&](const WindowPlanNode& n) -> MaybeRange {
            if (column >= n.input->schema->num_fields()) return std::nullopt;
            return Range(*n.input, column);
          },
          // Filters, sorts, limits, distincts: the same columns, fewer rows.
          [&](const auto& n) -> MaybeRange { return Range(*n.input, column); },
      },
      plan.node);
}

// A literal's value as EstimatedRange measures it.
std::optional<double> NumericValue(const Expr& expr) {
  const auto* literal = Unaliased(expr).As<LiteralNode>();
  if (literal == nullptr || !literal->value || !literal->value->is_valid) return std::nullopt;
  const auto& scalar = *literal->value;
  switch (scalar.type->id()) {
    case arrow::Type::DATE32:
      return static_cast<const arrow::Date32Scalar&>(scalar).value;
    case arrow::Type::DECIMAL128: {
      const auto& decimal = static_cast<const arrow::Decimal128Scalar&>(scalar);
      return decimal.value.ToDouble(static_cast<const arrow::Decimal128Type&>(*scalar.type).scale());
    }
    default:
      break;
  }
  if (!arrow::is_integer(scalar.type->id()) && !arrow::is_floating(scalar.type->id())) return std::nullopt;
  auto cast = scalar.CastTo(arrow::float64());
  if (!cast.ok()) return std::nullopt;
  return static_cast<const arrow::DoubleScalar&>(**cast).value;
}

// What a conjunct allows of one column: low <= column <= high.
struct Bound {
  int column;
  double low = -std::numeric_limits<double>::infinity();
  double high = std::numeric_limits<double>::infinity();
};

// Integers and dates count values; the one-past of a strict bound is the
// next value. Decimals and floats are treated as continuous.
bool Discrete(const arrow::DataType& type) {
  return arrow::is_integer(type.id()) || type.id() == arrow::Type::DATE32;
}

std::optional<Bound> BoundOf(const Expr& conjunct, const LogicalPlan& input) {
  auto column_of = [&](const Expr& expr) -> int {
    const auto* ref = Unaliased(expr).As<ColumnNode>();
    if (ref == nullptr) return -1;
    auto index = ResolveColumn(*ref, *input.schema);
    return index.ok() ? *index : -1;
  };
  if (const auto* between = conjunct.As<BetweenNode>(); between && !between->negated) {
    const int column = column_of(between->expr);
    auto low = NumericValue(between->low), high = NumericValue(between->high);
    if (column < 0 || !low || !high) return std::nullopt;
    return Bound{column, *low, *high};
  }
  const auto* binary = conjunct.As<BinaryNode>();
  if (binary == nullptr) return std::nullopt;
  auto op = binary->op;
  int column = column_of(binary->left);
  auto value = NumericValue(binary->right);
  if (column < 0) {  // literal op column: flip it
    column = column_of(binary->right);
    value = NumericValue(binary->left);
    if (op == Operator::kLt) op = Operator::kGt;
    else if (op == Operator::kGt) op = Operator::kLt;
    else if (op == Operator::kLtEq) op = Operator::kGtEq;
    else if (op == Operator::kGtEq) op = Operator::kLtEq;
  }
  if (column < 0 || !value) return std::nullopt;
  const double step = Discrete(*input.schema->field(column)->type()) ? 1 : 0;
  switch (op) {
    case Operator::kEq:
      if (step == 0) return std::nullopt;  // a point of a continuous range: no estimate
      return Bound{column, *value, *value};
    case Operator::kLt:
      return Bound{column, -std::numeric_limits<double>::infinity(), *value - step};
    case Operator::kLtEq:
      return Bound{column, -std::numeric_limits<double>::infinity(), *value};
    case Operator::kGt:
      return Bound{column, *value + step, std::numeric_limits<double>::infinity()};
    case Operator::kGtEq:
      return Bound{column, *value, std::numeric_limits<double>::infinity()};
    default:
      return std::nullopt;
  }
}

// The share of rows an equality, inequality or IN list of one column and
// literals keeps when the column's distinct values are known (a Parquet
// dictionary's entries): 1 / distinct per value, values equally frequent,
// but never more than the guess without them. The cap is a compromise:
// raising TPC-H Q3's c_mktsegment and Q10's l_returnflag from the 10%
// guess to their true 20-33% made the broadcast threshold and the
// width-blind join order (both tuned with the guess) pick plans 5-8%
// slower, while lowering p_type's to 1/150 fixed Q8's join order.
std::optional<double> DistinctSelectivity(const Expr& conjunct, const LogicalPlan& input) {
  auto column_of = [&](const Expr& expr) -> int {
    const auto* ref = Unaliased(expr).As<ColumnNode>();
    if (ref == nullptr) return -1;
    auto index = ResolveColumn(*ref, *input.schema);
    return index.ok() ? *index : -1;
  };
  auto is_literal = [](const Expr& expr) {
    const auto* literal = Unaliased(expr).As<LiteralNode>();
    return literal != nullptr && literal->value && literal->value->is_valid;
  };
  int column = -1;
  double values = 0;
  bool negated = false;
  // `c = 'a' OR c = 'b'` keeps what `c IN ('a', 'b')` keeps (TPC-H Q7's
  // two nations: 2 of 25, where the OR of two guesses said 19%).
  std::function<bool(const Expr&)> equalities = [&](const Expr& expr) {
    const auto* binary = expr.As<BinaryNode>();
    if (binary == nullptr) return false;
    if (binary->op == Operator::kOr) return equalities(binary->left) && equalities(binary->right);
    if (binary->op != Operator::kEq) return false;
    int at = -1;
    if (is_literal(binary->right)) at = column_of(binary->left);
    else if (is_literal(binary->left)) at = column_of(binary->right);
    if (at < 0 || (column >= 0 && at != column)) return false;
    column = at;
    values += 1;
    return true;
  };
  if (const auto* binary = conjunct.As<BinaryNode>(); binary && binary->op == Operator::kOr) {
    if (!equalities(conjunct)) return std::nullopt;
  } else if (const auto* binary = conjunct.As<BinaryNode>()) {
    if (binary->op != Operator::kEq && binary->op != Operator::kNotEq) return std::nullopt;
    if (is_literal(binary->right)) column = column_of(binary->left);
    else if (is_literal(binary->left)) column = column_of(binary->right);
    values = 1;
    negated = binary->op == Operator::kNotEq;
  } else if (const auto* in = conjunct.As<InListNode>()) {
    if (!std::all_of(in->list.begin(), in->list.end(), is_literal)) return std::nullopt;
    column = column_of(in->expr);
    values = static_cast<double>(in->list.size());
    negated = in->negated;
  }
  if (column < 0) return std::nullopt;
  auto distinct = EstimateDistinct(input, column);
  if (!distinct || *distinct < 1) return std::nullopt;
  // EstimateSelectivity's guess for an equality (values = 1) or IN list.
  const double guess = std::min({kDefaultSelectivity, kEqualitySelectivity * values,
                                 EstimateSelectivity(conjunct)});
  const double kept = std::min(guess, values / *distinct);
  return negated ? 1.0 - kept : kept;
}

// Never quite zero: an estimate is a guess, and a join of zero rows looks
// free whatever it reads.
constexpr double kMinRangeSelectivity = 1e-4;

// The conjuncts bounding one column with a known range of values keep the
// share of that range their bounds leave (values spread evenly: TPC-H's
// three months of seven years of orders keep 4%, where a guess per
// comparison gave 11%); the other conjuncts keep their guesses.
double FilterSelectivity(const Expr& predicate, const LogicalPlan& input) {
  double selectivity = 1.0;
  std::map<int, Bound> bounds;
  for (const auto& conjunct : SplitConjunction(predicate)) {
    auto bound = BoundOf(conjunct, input);
    auto range = bound ? Range(input, bound->column) : std::nullopt;
    if (!range) {
      auto by_distinct = DistinctSelectivity(conjunct, input);
      selectivity *= by_distinct ? *by_distinct : EstimateSelectivity(conjunct);
      continue;
    }
    auto [it, fresh] = bounds.emplace(bound->column, *bound);
    if (!fresh) {
      it->second.low = std::max(it->second.low, bound->low);
      it->second.high = std::min(it->second.high, bound->high);
    }
  }
  for (const auto& [column, bound] : bounds) {
    const auto [low, high] = *Range(input, column);
    const double step = Discrete(*input.schema->field(column)->type()) ? 1 : 0;
    const double width = high - low + step;
    const double kept = std::min(high, bound.high) - std::max(low, bound.low) + step;
    const double share = width > 0 ? kept / width : (bound.low <= low && low <= bound.high ? 1.0 : 0.0);
    selectivity *= std::clamp(share, kMinRangeSelectivity, 1.0);
  }
  return selectivity;
}

}  // namespace

}  // namespace ferry

// Cardinality estimates: textbook selectivity guesses (as in System R and
// DataFusion's defaults) with no column statistics behind them.

#include "ferry/plan/statistics.h"

#include <algorithm>

#include "ferry/common/overloaded.h"
#include "ferry/plan/rewrite.h"

namespace ferry {
namespace {

constexpr double kEqualitySelectivity = 0.1;
constexpr double kRangeSelectivity = 1.0 / 3.0;
constexpr double kDefaultSelectivity = 0.5;
constexpr double kGroupsPerRow = 0.1;
constexpr double kDistinctPerRow = 0.5;
constexpr double kSemiJoinSelectivity = 0.5;

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
  if (const auto* between = predicate.As<BetweenNode>()) {
    return between->negated ? 1.0 - kEqualitySelectivity * 2 : kEqualitySelectivity * 2;
  }
  return kDefaultSelectivity;
}

std::optional<double> EstimateRows(const LogicalPlan& plan) {
  auto input = [](const PlanPtr& p) { return EstimateRows(*p); };
  return std::visit(
      Overloaded{
          [&](const ScanNode& n) { return n.source->EstimatedRows(); },
          [&](const FilterNode& n) -> std::optional<double> {
            auto rows = input(n.input);
            if (!rows) return std::nullopt;
            return *rows * EstimateSelectivity(n.predicate);
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
              return *left * kSemiJoinSelectivity;
            }
            if (!left || !right) return std::nullopt;
            if (n.left_keys.empty()) {  // cross join, thinned by its filter
              return *left * *right * (n.filter ? EstimateSelectivity(*n.filter) : 1.0);
            }
            return std::max(*left, *right);
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

}  // namespace ferry

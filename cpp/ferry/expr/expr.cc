#include "ferry/expr/expr.h"
#include "ferry/common/overloaded.h"

#include <optional>
#include <sstream>
#include <string>

#include <arrow/scalar.h>
#include <arrow/type.h>

namespace ferry {
namespace {

template <typename T>
Expr Make(T node) {
  return Expr(std::make_shared<const ExprNode>(ExprNode{std::move(node)}));
}

bool OptionalEquals(const std::optional<Expr>& a, const std::optional<Expr>& b) {
  if (a.has_value() != b.has_value()) return false;
  return !a || a->Equals(*b);
}

bool AllEqual(const std::vector<Expr>& a, const std::vector<Expr>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (!a[i].Equals(b[i])) return false;
  }
  return true;
}

}  // namespace

bool Expr::Equals(const Expr& other) const {
  if (node_ == other.node_) return true;
  if (node_->value.index() != other.node_->value.index()) return false;
  return std::visit(
      Overloaded{
          [&](const ColumnNode& a) {
            const auto& b = *other.As<ColumnNode>();
            return a.relation == b.relation && a.name == b.name;
          },
          [&](const LiteralNode& a) { return a.value->Equals(*other.As<LiteralNode>()->value); },
          [&](const AliasNode& a) {
            const auto& b = *other.As<AliasNode>();
            return a.name == b.name && a.expr.Equals(b.expr);
          },
          [&](const BinaryNode& a) {
            const auto& b = *other.As<BinaryNode>();
            return a.op == b.op && a.left.Equals(b.left) && a.right.Equals(b.right);
          },
          [&](const NotNode& a) { return a.expr.Equals(other.As<NotNode>()->expr); },
          [&](const NegativeNode& a) { return a.expr.Equals(other.As<NegativeNode>()->expr); },
          [&](const IsNullNode& a) {
            const auto& b = *other.As<IsNullNode>();
            return a.negated == b.negated && a.expr.Equals(b.expr);
          },
          [&](const CastNode& a) {
            const auto& b = *other.As<CastNode>();
            return a.type->Equals(*b.type) && a.expr.Equals(b.expr);
          },
          [&](const CaseNode& a) {
            const auto& b = *other.As<CaseNode>();
            if (!OptionalEquals(a.base, b.base) || !OptionalEquals(a.otherwise, b.otherwise) ||
                a.when_then.size() != b.when_then.size()) {
              return false;
            }
            for (size_t i = 0; i < a.when_then.size(); ++i) {
              if (!a.when_then[i].first.Equals(b.when_then[i].first) ||
                  !a.when_then[i].second.Equals(b.when_then[i].second)) {
                return false;
              }
            }
            return true;
          },
          [&](const InListNode& a) {
            const auto& b = *other.As<InListNode>();
            return a.negated == b.negated && a.expr.Equals(b.expr) && AllEqual(a.list, b.list);
          },
          [&](const BetweenNode& a) {
            const auto& b = *other.As<BetweenNode>();
            return a.negated == b.negated && a.expr.Equals(b.expr) && a.low.Equals(b.low) &&
                   a.high.Equals(b.high);
          },
          [&](const LikeNode& a) {
            const auto& b = *other.As<LikeNode>();
            return a.negated == b.negated && a.case_insensitive == b.case_insensitive &&
                   a.expr.Equals(b.expr) && a.pattern.Equals(b.pattern);
          },
          [&](const ScalarCallNode& a) {
            const auto& b = *other.As<ScalarCallNode>();
            return a.func == b.func && a.name == b.name && AllEqual(a.args, b.args);
          },
          [&](const AggregateCallNode& a) {
            const auto& b = *other.As<AggregateCallNode>();
            return a.func == b.func && a.name == b.name && a.distinct == b.distinct &&
                   AllEqual(a.args, b.args);
          },
          [&](const SortNode& a) {
            const auto& b = *other.As<SortNode>();
            return a.ascending == b.ascending && a.nulls_first == b.nulls_first &&
                   a.expr.Equals(b.expr);
          },
          [](const WildcardNode&) { return true; },
          [&](const WindowCallNode& a) {
            const auto& b = *other.As<WindowCallNode>();
            return a.func == b.func && a.name == b.name && AllEqual(a.args, b.args);
          },
          [&](const WindowNode& a) {
            const auto& b = *other.As<WindowNode>();
            return a.function.Equals(b.function) && AllEqual(a.partition_by, b.partition_by) &&
                   AllEqual(a.order_by, b.order_by) && a.frame.Equals(b.frame);
          },
      },
      node_->value);
}

std::vector<Expr> Children(const Expr& expr) {
  return std::visit(
      Overloaded{
          [](const ColumnNode&) { return std::vector<Expr>{}; },
          [](const LiteralNode&) { return std::vector<Expr>{}; },
          [](const WildcardNode&) { return std::vector<Expr>{}; },
          [](const BinaryNode& n) { return std::vector<Expr>{n.left, n.right}; },
          [](const CaseNode& n) {
            std::vector<Expr> out;
            if (n.base) out.push_back(*n.base);
            for (const auto& [when, then] : n.when_then) {
              out.push_back(when);
              out.push_back(then);
            }
            if (n.otherwise) out.push_back(*n.otherwise);
            return out;
          },
          [](const InListNode& n) {
            std::vector<Expr> out{n.expr};
            out.insert(out.end(), n.list.begin(), n.list.end());
            return out;
          },
          [](const BetweenNode& n) { return std::vector<Expr>{n.expr, n.low, n.high}; },
          [](const LikeNode& n) { return std::vector<Expr>{n.expr, n.pattern}; },
          [](const ScalarCallNode& n) { return n.args; },
          [](const AggregateCallNode& n) { return n.args; },
          [](const WindowCallNode& n) { return n.args; },
          [](const WindowNode& n) {
            std::vector<Expr> out{n.function};
            out.insert(out.end(), n.partition_by.begin(), n.partition_by.end());
            out.insert(out.end(), n.order_by.begin(), n.order_by.end());
            return out;
          },
          [](const auto& n) { return std::vector<Expr>{n.expr}; },
      },
      expr.node().value);
}

Expr WithNewChildren(const Expr& expr, std::vector<Expr> c) {
  size_t next = 0;
  auto take = [&]() { return c.at(next++); };
  auto rest = [&]() { return std::vector<Expr>(c.begin() + next, c.end()); };
  return std::visit(
      Overloaded{
          [&](const ColumnNode&) { return expr; },
          [&](const LiteralNode&) { return expr; },
          [&](const WildcardNode&) { return expr; },
          [&](const AliasNode& n) { return Alias(take(), n.name); },
          [&](const BinaryNode& n) {
            auto left = take();
            return Binary(left, n.op, take());
          },
          [&](const NotNode&) { return Not(take()); },
          [&](const NegativeNode&) { return Negative(take()); },
          [&](const IsNullNode& n) { return IsNull(take(), n.negated); },
          [&](const CastNode& n) { return Cast(take(), n.type); },
          [&](const CaseNode& n) {
            std::optional<Expr> base;
            if (n.base) base = take();
            std::vector<std::pair<Expr, Expr>> branches;
            for (size_t i = 0; i < n.when_then.size(); ++i) {
              auto when = take();
              branches.emplace_back(when, take());
            }
            std::optional<Expr> otherwise;
            if (n.otherwise) otherwise = take();
            return Case(base, branches, otherwise);
          },
          [&](const InListNode& n) {
            auto value = take();
            return InList(value, rest(), n.negated);
          },
          [&](const BetweenNode& n) {
            auto value = take();
            auto low = take();
            return Between(value, low, take(), n.negated);
          },
          [&](const LikeNode& n) {
            auto value = take();
            return Like(value, take(), n.negated, n.case_insensitive);
          },
          [&](const ScalarCallNode& n) { return ScalarCall(n.func, n.name, c); },
          [&](const AggregateCallNode& n) { return AggregateCall(n.func, n.name, c, n.distinct); },
          [&](const WindowCallNode& n) { return WindowCall(n.func, n.name, c); },
          [&](const WindowNode& n) {
            auto function = take();
            std::vector<Expr> partition(c.begin() + 1, c.begin() + 1 + n.partition_by.size());
            std::vector<Expr> order(c.begin() + 1 + n.partition_by.size(), c.end());
            return Window(function, partition, order, n.frame);
          },
          [&](const SortNode& n) { return Sort(take(), n.ascending, n.nulls_first); },
      },
      expr.node().value);
}

void CollectColumnNames(const Expr& expr, std::set<std::string>* out) {
  if (const auto* column = expr.As<ColumnNode>()) {
    out->insert(column->name);
    if (column->relation) out->insert(*column->relation + "." + column->name);
  }
  for (const auto& child : Children(expr)) CollectColumnNames(child, out);
}

const Expr& Unaliased(const Expr& expr) {
  if (const auto* alias = expr.As<AliasNode>()) return Unaliased(alias->expr);
  return expr;
}

Expr Col(std::string name, std::optional<std::string> relation) {
  return Make(ColumnNode{std::move(relation), std::move(name)});
}
Expr Lit(std::shared_ptr<arrow::Scalar> value) { return Make(LiteralNode{std::move(value)}); }
Expr Alias(Expr expr, std::string name) {
  // Re-aliasing replaces the name rather than stacking aliases.
  if (const auto* alias = expr.As<AliasNode>()) return Alias(alias->expr, std::move(name));
  return Make(AliasNode{std::move(expr), std::move(name)});
}
Expr Binary(Expr left, Operator op, Expr right) {
  return Make(BinaryNode{op, std::move(left), std::move(right)});
}
Expr Not(Expr expr) { return Make(NotNode{std::move(expr)}); }
Expr Negative(Expr expr) { return Make(NegativeNode{std::move(expr)}); }
Expr IsNull(Expr expr, bool negated) { return Make(IsNullNode{std::move(expr), negated}); }
Expr Cast(Expr expr, std::shared_ptr<arrow::DataType> type) {
  return Make(CastNode{std::move(expr), std::move(type)});
}
Expr Case(std::optional<Expr> base, std::vector<std::pair<Expr, Expr>> when_then,
          std::optional<Expr> otherwise) {
  return Make(CaseNode{std::move(base), std::move(when_then), std::move(otherwise)});
}
Expr InList(Expr expr, std::vector<Expr> list, bool negated) {
  return Make(InListNode{std::move(expr), std::move(list), negated});
}
Expr Between(Expr expr, Expr low, Expr high, bool negated) {
  return Make(BetweenNode{std::move(expr), std::move(low), std::move(high), negated});
}
Expr Like(Expr expr, Expr pattern, bool negated, bool case_insensitive) {
  return Make(LikeNode{std::move(expr), std::move(pattern), negated, case_insensitive});
}
Expr ScalarCall(std::shared_ptr<const ScalarFunction> func, std::string name,
                std::vector<Expr> args) {
  return Make(ScalarCallNode{std::move(func), std::move(name), std::move(args)});
}
Expr AggregateCall(std::shared_ptr<const AggregateFunction> func, std::string name,
                   std::vector<Expr> args, bool distinct) {
  return Make(AggregateCallNode{std::move(func), std::move(name), std::move(args), distinct});
}
Expr Sort(Expr expr, bool ascending, bool nulls_first) {
  return Make(SortNode{std::move(expr), ascending, nulls_first});
}
Expr Wildcard() { return Make(WildcardNode{}); }

Expr WindowCall(std::shared_ptr<const WindowFunction> func, std::string name, std::vector<Expr> args) {
  return Make(WindowCallNode{std::move(func), std::move(name), std::move(args)});
}

Expr Window(Expr function, std::vector<Expr> partition_by, std::vector<Expr> order_by,
            std::optional<WindowFrame> frame) {
  for (auto& key : order_by) {
    if (!key.As<SortNode>()) key = Sort(key, /*ascending=*/true, /*nulls_first=*/false);
  }
  auto resolved = frame ? *frame : WindowFrame::Default(!order_by.empty());
  return Make(WindowNode{std::move(function), std::move(partition_by), std::move(order_by),
                         std::move(resolved)});
}

bool ContainsWindow(const Expr& expr) {
  if (expr.As<WindowNode>()) return true;
  for (const auto& child : Children(expr)) {
    if (ContainsWindow(child)) return true;
  }
  return false;
}

WindowFrame WindowFrame::Default(bool has_order_by) {
  using Kind = Bound::Kind;
  if (has_order_by) {
    return {Units::kRange, {Kind::kUnboundedPreceding, nullptr}, {Kind::kCurrentRow, nullptr}};
  }
  return {Units::kRows, {Kind::kUnboundedPreceding, nullptr}, {Kind::kUnboundedFollowing, nullptr}};
}

namespace {
bool BoundEquals(const WindowFrame::Bound& a, const WindowFrame::Bound& b) {
  if (a.kind != b.kind || (a.offset == nullptr) != (b.offset == nullptr)) return false;
  return a.offset == nullptr || a.offset->Equals(*b.offset);
}
}  // namespace

bool WindowFrame::Equals(const WindowFrame& other) const {
  return units == other.units && BoundEquals(start, other.start) && BoundEquals(end, other.end);
}

}  // namespace ferry

#pragma once

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <arrow/scalar.h>
#include <arrow/type_fwd.h>

namespace ferry {

class ScalarFunction;
class AggregateFunction;
class WindowFunction;
struct ExprNode;

/// Binary operators, in the order of their wire and display tables.
enum class Operator {
  kAdd,
  kSubtract,
  kMultiply,
  kDivide,
  kModulo,
  kEq,
  kNotEq,
  kLt,
  kLtEq,
  kGt,
  kGtEq,
  kAnd,
  kOr,
};

/// SQL spelling of an operator ("+", "<=", "AND").
const char* OperatorSymbol(Operator op);

/// An immutable expression: a cheap value sharing its node with every copy.
///
/// Thread-safe to share and read. Build with the free factories below; an
/// Expr says nothing about types until it is bound to a schema (see
/// function/bind.h).
class Expr {
 public:
  explicit Expr(std::shared_ptr<const ExprNode> node) : node_(std::move(node)) {}

  const ExprNode& node() const { return *node_; }
  const std::shared_ptr<const ExprNode>& shared_node() const { return node_; }

  /// The node as alternative T, or nullptr when it is another kind.
  template <typename T>
  const T* As() const;

  /// Unambiguous display, as in plans and error messages: `a + Int64(1)`.
  std::string ToString() const;
  /// Name of the output column this expression produces: alias or display.
  std::string SchemaName() const;
  /// Structural equality (functions compare by identity and name).
  bool Equals(const Expr& other) const;

 private:
  std::shared_ptr<const ExprNode> node_;
};

struct ColumnNode {
  std::optional<std::string> relation;
  std::string name;
};
struct LiteralNode {
  std::shared_ptr<arrow::Scalar> value;
};
struct AliasNode {
  Expr expr;
  std::string name;
};
struct BinaryNode {
  Operator op;
  Expr left;
  Expr right;
};
struct NotNode {
  Expr expr;
};
struct NegativeNode {
  Expr expr;
};
struct IsNullNode {
  Expr expr;
  bool negated;  // IS NOT NULL
};
struct CastNode {
  Expr expr;
  std::shared_ptr<arrow::DataType> type;
};
struct CaseNode {
  std::optional<Expr> base;  // CASE base WHEN v THEN r ... when present
  std::vector<std::pair<Expr, Expr>> when_then;
  std::optional<Expr> otherwise;
};
struct InListNode {
  Expr expr;
  std::vector<Expr> list;
  bool negated;
};
struct BetweenNode {
  Expr expr;
  Expr low;
  Expr high;
  bool negated;
};
struct LikeNode {
  Expr expr;
  Expr pattern;
  bool negated;
  bool case_insensitive;
};
struct ScalarCallNode {
  std::shared_ptr<const ScalarFunction> func;
  std::string name;  // kept beside func so expr/ never needs function/
  std::vector<Expr> args;
};
struct AggregateCallNode {
  std::shared_ptr<const AggregateFunction> func;
  std::string name;
  std::vector<Expr> args;  // empty for count(*)
  bool distinct = false;
};
struct SortNode {
  Expr expr;
  bool ascending;
  bool nulls_first;
};
/// `*` inside count(*).
struct WildcardNode {};

/// A call of a window-only function (row_number, lag, a Python UDWF, ...);
/// meaningful only inside a WindowNode.
struct WindowCallNode {
  std::shared_ptr<const WindowFunction> func;
  std::string name;
  std::vector<Expr> args;
};

/// Which rows around the current one a window function sees.
struct WindowFrame {
  enum class Units { kRows, kRange, kGroups };
  struct Bound {
    enum class Kind { kUnboundedPreceding, kPreceding, kCurrentRow, kFollowing, kUnboundedFollowing };
    Kind kind;
    /// For kPreceding/kFollowing: rows or groups (integer), or a distance
    /// in the ORDER BY key's domain for kRange.
    std::shared_ptr<arrow::Scalar> offset;
  };
  Units units;
  Bound start;
  Bound end;

  /// SQL's default: RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW with
  /// an ORDER BY, the whole partition without.
  static WindowFrame Default(bool has_order_by);
  std::string ToString() const;
  bool Equals(const WindowFrame& other) const;
};

/// `function OVER (PARTITION BY ... ORDER BY ... frame)`. `function` is a
/// WindowCallNode or an AggregateCallNode (an aggregate over a frame).
struct WindowNode {
  Expr function;
  std::vector<Expr> partition_by;
  std::vector<Expr> order_by;  // SortNode each
  WindowFrame frame;
};

struct ExprNode {
  std::variant<ColumnNode, LiteralNode, AliasNode, BinaryNode, NotNode, NegativeNode,
               IsNullNode, CastNode, CaseNode, InListNode, BetweenNode, LikeNode,
               ScalarCallNode, AggregateCallNode, SortNode, WildcardNode, WindowCallNode,
               WindowNode>
      value;
};

template <typename T>
const T* Expr::As() const {
  return std::get_if<T>(&node_->value);
}

// ---- factories -------------------------------------------------------------

Expr Col(std::string name, std::optional<std::string> relation = std::nullopt);
Expr Lit(std::shared_ptr<arrow::Scalar> value);
Expr Alias(Expr expr, std::string name);
Expr Binary(Expr left, Operator op, Expr right);
Expr Not(Expr expr);
Expr Negative(Expr expr);
Expr IsNull(Expr expr, bool negated = false);
Expr Cast(Expr expr, std::shared_ptr<arrow::DataType> type);
Expr Case(std::optional<Expr> base, std::vector<std::pair<Expr, Expr>> when_then,
          std::optional<Expr> otherwise);
Expr InList(Expr expr, std::vector<Expr> list, bool negated = false);
Expr Between(Expr expr, Expr low, Expr high, bool negated = false);
Expr Like(Expr expr, Expr pattern, bool negated = false, bool case_insensitive = false);
Expr ScalarCall(std::shared_ptr<const ScalarFunction> func, std::string name,
                std::vector<Expr> args);
Expr AggregateCall(std::shared_ptr<const AggregateFunction> func, std::string name,
                   std::vector<Expr> args, bool distinct = false);
Expr Sort(Expr expr, bool ascending = true, bool nulls_first = false);
Expr Wildcard();
Expr WindowCall(std::shared_ptr<const WindowFunction> func, std::string name, std::vector<Expr> args);
/// Plain ORDER BY expressions sort ascending, nulls last; `frame` defaults
/// to WindowFrame::Default.
Expr Window(Expr function, std::vector<Expr> partition_by, std::vector<Expr> order_by,
            std::optional<WindowFrame> frame = std::nullopt);
/// Whether `expr` contains a window expression anywhere.
bool ContainsWindow(const Expr& expr);

/// DataFusion-style type name used in displays: Int64, Utf8, Float64, ...
std::string DisplayTypeName(const arrow::DataType& type);

/// The direct sub-expressions of `expr`, in display order.
std::vector<Expr> Children(const Expr& expr);

/// `expr` with its direct sub-expressions replaced by `children` (in the
/// order Children returns them).
Expr WithNewChildren(const Expr& expr, std::vector<Expr> children);

/// Adds the names of every column `expr` references to `out` (also as
/// "relation.name" when qualified).
void CollectColumnNames(const Expr& expr, std::set<std::string>* out);

/// Strips a top-level alias (and sort wrapper) to the expression beneath.
const Expr& Unaliased(const Expr& expr);

}  // namespace ferry

// How expressions read: Expr::ToString (EXPLAIN, error messages), the
// schema names derived from it, and the type names both print.
#include "ferry/expr/expr.h"
#include "ferry/common/overloaded.h"

#include <optional>
#include <string>
#include <string_view>

#include <arrow/scalar.h>
#include <arrow/type.h>

namespace ferry {
namespace {

// Lower binds looser; used to parenthesize nested binary expressions.
int Precedence(Operator op) {
  switch (op) {
    case Operator::kOr:
      return 1;
    case Operator::kAnd:
      return 2;
    case Operator::kEq:
    case Operator::kNotEq:
    case Operator::kLt:
    case Operator::kLtEq:
    case Operator::kGt:
    case Operator::kGtEq:
      return 3;
    case Operator::kAdd:
    case Operator::kSubtract:
      return 4;
    default:
      return 5;
  }
}

// Binary values may hold any bytes; displays stay valid UTF-8.
std::string EscapeBytes(std::string_view bytes) {
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      out += "\\x";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

// A valid integer's decimal digits, as Scalar::ToString writes them; it
// gets there through a cast to a string scalar, which made naming
// literals a tenth of binding a decoded plan.
std::optional<std::string> IntegerDigits(const arrow::Scalar& scalar) {
  switch (scalar.type->id()) {
    case arrow::Type::INT8:
      return std::to_string(static_cast<const arrow::Int8Scalar&>(scalar).value);
    case arrow::Type::INT16:
      return std::to_string(static_cast<const arrow::Int16Scalar&>(scalar).value);
    case arrow::Type::INT32:
      return std::to_string(static_cast<const arrow::Int32Scalar&>(scalar).value);
    case arrow::Type::INT64:
      return std::to_string(static_cast<const arrow::Int64Scalar&>(scalar).value);
    case arrow::Type::UINT8:
      return std::to_string(static_cast<const arrow::UInt8Scalar&>(scalar).value);
    case arrow::Type::UINT16:
      return std::to_string(static_cast<const arrow::UInt16Scalar&>(scalar).value);
    case arrow::Type::UINT32:
      return std::to_string(static_cast<const arrow::UInt32Scalar&>(scalar).value);
    case arrow::Type::UINT64:
      return std::to_string(static_cast<const arrow::UInt64Scalar&>(scalar).value);
    default:
      return std::nullopt;
  }
}

std::string LiteralToString(const arrow::Scalar& scalar) {
  if (!scalar.is_valid) return "NULL";
  if (arrow::is_binary_like(scalar.type->id()) || arrow::is_large_binary_like(scalar.type->id()) ||
      scalar.type->id() == arrow::Type::BINARY_VIEW) {
    if (!arrow::is_string(scalar.type->id())) {
      const auto& binary = static_cast<const arrow::BaseBinaryScalar&>(scalar);
      return DisplayTypeName(*scalar.type) + "(\"" + EscapeBytes(binary.view()) + "\")";
    }
  }
  std::string value = IntegerDigits(scalar).value_or(std::string());
  if (value.empty()) value = scalar.ToString();
  if (scalar.type->id() == arrow::Type::STRING || scalar.type->id() == arrow::Type::LARGE_STRING ||
      scalar.type->id() == arrow::Type::STRING_VIEW) {
    value = "\"" + value + "\"";
  }
  return DisplayTypeName(*scalar.type) + "(" + value + ")";
}

std::string JoinExprs(const std::vector<Expr>& exprs, const char* sep = ", ") {
  std::string out;
  for (size_t i = 0; i < exprs.size(); ++i) {
    if (i) out += sep;
    out += exprs[i].ToString();
  }
  return out;
}

std::string OperandString(const Expr& child, Operator parent) {
  if (const auto* binary = child.As<BinaryNode>()) {
    if (Precedence(binary->op) < Precedence(parent)) return "(" + child.ToString() + ")";
  }
  return child.ToString();
}

std::string BoundToString(const WindowFrame::Bound& bound) {
  using Kind = WindowFrame::Bound::Kind;
  switch (bound.kind) {
    case Kind::kUnboundedPreceding:
      return "UNBOUNDED PRECEDING";
    case Kind::kPreceding:
      return bound.offset->ToString() + " PRECEDING";
    case Kind::kCurrentRow:
      return "CURRENT ROW";
    case Kind::kFollowing:
      return bound.offset->ToString() + " FOLLOWING";
    case Kind::kUnboundedFollowing:
      return "UNBOUNDED FOLLOWING";
  }
  return "?";
}

}  // namespace

const char* OperatorSymbol(Operator op) {
  switch (op) {
    case Operator::kAdd:
      return "+";
    case Operator::kSubtract:
      return "-";
    case Operator::kMultiply:
      return "*";
    case Operator::kDivide:
      return "/";
    case Operator::kModulo:
      return "%";
    case Operator::kEq:
      return "=";
    case Operator::kNotEq:
      return "!=";
    case Operator::kLt:
      return "<";
    case Operator::kLtEq:
      return "<=";
    case Operator::kGt:
      return ">";
    case Operator::kGtEq:
      return ">=";
    case Operator::kAnd:
      return "AND";
    case Operator::kOr:
      return "OR";
  }
  return "?";
}

std::string DisplayTypeName(const arrow::DataType& type) {
  using arrow::Type;
  switch (type.id()) {
    case Type::NA:
      return "Null";
    case Type::BOOL:
      return "Boolean";
    case Type::INT8:
      return "Int8";
    case Type::INT16:
      return "Int16";
    case Type::INT32:
      return "Int32";
    case Type::INT64:
      return "Int64";
    case Type::UINT8:
      return "UInt8";
    case Type::UINT16:
      return "UInt16";
    case Type::UINT32:
      return "UInt32";
    case Type::UINT64:
      return "UInt64";
    case Type::HALF_FLOAT:
      return "Float16";
    case Type::FLOAT:
      return "Float32";
    case Type::DOUBLE:
      return "Float64";
    case Type::STRING:
      return "Utf8";
    case Type::LARGE_STRING:
      return "LargeUtf8";
    case Type::STRING_VIEW:
      return "Utf8View";
    case Type::BINARY:
      return "Binary";
    case Type::LARGE_BINARY:
      return "LargeBinary";
    case Type::DATE32:
      return "Date32";
    case Type::DATE64:
      return "Date64";
    default:
      return type.ToString();
  }
}

std::string Expr::ToString() const {
  return std::visit(
      Overloaded{
          [](const ColumnNode& n) { return n.relation ? *n.relation + "." + n.name : n.name; },
          [](const LiteralNode& n) { return LiteralToString(*n.value); },
          [](const AliasNode& n) { return n.expr.ToString() + " AS " + n.name; },
          [](const BinaryNode& n) {
            return OperandString(n.left, n.op) + " " + OperatorSymbol(n.op) + " " +
                   OperandString(n.right, n.op);
          },
          [](const NotNode& n) { return "NOT " + n.expr.ToString(); },
          [](const NegativeNode& n) { return "(- " + n.expr.ToString() + ")"; },
          [](const IsNullNode& n) {
            return n.expr.ToString() + (n.negated ? " IS NOT NULL" : " IS NULL");
          },
          [](const CastNode& n) {
            return "CAST(" + n.expr.ToString() + " AS " + DisplayTypeName(*n.type) + ")";
          },
          [](const CaseNode& n) {
            std::string out = "CASE ";
            if (n.base) out += n.base->ToString() + " ";
            for (const auto& [when, then] : n.when_then) {
              out += "WHEN " + when.ToString() + " THEN " + then.ToString() + " ";
            }
            if (n.otherwise) out += "ELSE " + n.otherwise->ToString() + " ";
            return out + "END";
          },
          [](const InListNode& n) {
            return n.expr.ToString() + (n.negated ? " NOT IN ([" : " IN ([") +
                   JoinExprs(n.list) + "])";
          },
          [](const BetweenNode& n) {
            return n.expr.ToString() + (n.negated ? " NOT BETWEEN " : " BETWEEN ") +
                   n.low.ToString() + " AND " + n.high.ToString();
          },
          [](const LikeNode& n) {
            std::string op = n.case_insensitive ? "ILIKE" : "LIKE";
            return n.expr.ToString() + (n.negated ? " NOT " : " ") + op + " " +
                   n.pattern.ToString();
          },
          [](const ScalarCallNode& n) { return n.name + "(" + JoinExprs(n.args) + ")"; },
          [](const AggregateCallNode& n) {
            std::string args = n.args.empty() ? "*" : JoinExprs(n.args);
            return n.name + "(" + (n.distinct ? "DISTINCT " : "") + args + ")";
          },
          [](const SortNode& n) {
            return n.expr.ToString() + (n.ascending ? " ASC" : " DESC") +
                   (n.nulls_first ? " NULLS FIRST" : " NULLS LAST");
          },
          [](const WildcardNode&) { return std::string("*"); },
          [](const WindowCallNode& n) { return n.name + "(" + JoinExprs(n.args) + ")"; },
          [](const WindowNode& n) {
            std::string out = n.function.ToString();
            if (!n.partition_by.empty()) out += " PARTITION BY [" + JoinExprs(n.partition_by) + "]";
            if (!n.order_by.empty()) out += " ORDER BY [" + JoinExprs(n.order_by) + "]";
            return out + " " + n.frame.ToString();
          },
      },
      node_->value);
}

std::string Expr::SchemaName() const {
  if (const auto* alias = As<AliasNode>()) return alias->name;
  if (const auto* column = As<ColumnNode>()) return column->name;
  return ToString();
}

std::string WindowFrame::ToString() const {
  const char* units_text = units == Units::kRows    ? "ROWS"
                           : units == Units::kRange ? "RANGE"
                                                    : "GROUPS";
  return std::string(units_text) + " BETWEEN " + BoundToString(start) + " AND " + BoundToString(end);
}

}  // namespace ferry

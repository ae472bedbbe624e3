#include <tuple>
#include "ferry/function/bind.h"

#include <arrow/array/builder_base.h>
#include <arrow/compute/api.h>

#include "ferry/common/overloaded.h"
#include "ferry/function/arithmetic_internal.h"
#include "ferry/function/like_kernel.h"
#include "ferry/function/physical_expr_display.h"
#include "ferry/function/scalar_function.h"

namespace ferry {

const char* ComparisonFunction(Operator op) {
  switch (op) {
    case Operator::kEq:
      return "equal";
    case Operator::kNotEq:
      return "not_equal";
    case Operator::kLt:
      return "less";
    case Operator::kLtEq:
      return "less_equal";
    case Operator::kGt:
      return "greater";
    case Operator::kGtEq:
      return "greater_equal";
    default:
      return nullptr;
  }
}

namespace {

namespace cp = arrow::compute;

const char* ArrowFunctionFor(Operator op) {
  if (const char* comparison = ComparisonFunction(op)) return comparison;
  switch (op) {
    case Operator::kAnd:
      return "and_kleene";
    case Operator::kOr:
      return "or_kleene";
    default:
      return "";  // arithmetic: bound by arithmetic.cc, never through a plain kernel name
  }
}

bool IsStringLike(const arrow::DataType& type) {
  return arrow::is_string(type.id()) || type.id() == arrow::Type::STRING_VIEW;
}

bool IsTemporal(const arrow::DataType& type) { return arrow::is_temporal(type.id()); }

class Binder {
 public:
  explicit Binder(const arrow::Schema& schema) : schema_(schema) {}

  Result<PhysicalExprPtr> Bind(const Expr& expr) {
    return std::visit(
        Overloaded{
            [&](const ColumnNode& n) -> Result<PhysicalExprPtr> {
              FERRY_ASSIGN_OR_RAISE(int index, ResolveColumn(n, schema_));
              return MakeColumnRef(index, n.name, schema_.field(index)->type());
            },
            [&](const LiteralNode& n) { return BindLiteral(n.value); },
            [&](const AliasNode& n) { return Bind(n.expr); },
            [&](const BinaryNode& n) { return BindBinary(expr, n); },
            [&](const NotNode& n) -> Result<PhysicalExprPtr> {
              FERRY_ASSIGN_OR_RAISE(auto arg, Bind(n.expr));
              return MakeArrowCall("invert", {arg}, nullptr, ExprDisplay(expr));
            },
            [&](const NegativeNode& n) -> Result<PhysicalExprPtr> {
              FERRY_ASSIGN_OR_RAISE(auto arg, Bind(n.expr));
              return arithmetic_internal::BindNegate(std::move(arg), expr.ToString());
            },
            [&](const IsNullNode& n) -> Result<PhysicalExprPtr> {
              FERRY_ASSIGN_OR_RAISE(auto arg, Bind(n.expr));
              return MakeArrowCall(n.negated ? "is_valid" : "is_null", {arg}, nullptr,
                                   ExprDisplay(expr));
            },
            [&](const CastNode& n) -> Result<PhysicalExprPtr> {
              FERRY_ASSIGN_OR_RAISE(auto arg, Bind(n.expr));
              return MakeCast(arg, n.type, ExprDisplay(expr));
            },
            [&](const CaseNode& n) { return BindCase(expr, n); },
            [&](const InListNode& n) { return BindInList(expr, n); },
            [&](const BetweenNode& n) -> Result<PhysicalExprPtr> {
              FERRY_ASSIGN_OR_RAISE(auto value, Bind(n.expr));
              FERRY_ASSIGN_OR_RAISE(auto low, Bind(n.low));
              FERRY_ASSIGN_OR_RAISE(auto high, Bind(n.high));
              const ExprDisplay display(expr);
              FERRY_ASSIGN_OR_RAISE(auto ge, Compare("greater_equal", value, low, display));
              FERRY_ASSIGN_OR_RAISE(auto le, Compare("less_equal", value, high, display));
              FERRY_ASSIGN_OR_RAISE(auto both, MakeArrowCall("and_kleene", {ge, le}, nullptr, display));
              return n.negated ? MakeArrowCall("invert", {both}, nullptr, display) : both;
            },
            [&](const LikeNode& n) { return BindLike(expr, n); },
            [&](const ScalarCallNode& n) -> Result<PhysicalExprPtr> {
              std::vector<PhysicalExprPtr> bound;
              for (const auto& arg : n.args) {
                FERRY_ASSIGN_OR_RAISE(auto b, Bind(arg));
                bound.push_back(std::move(b));
              }
              return n.func->Bind(n.args, std::move(bound));
            },
            [&](const AggregateCallNode&) -> Result<PhysicalExprPtr> {
              return Status::Invalid("aggregate ", expr.ToString(),
                                     " is not allowed here; use DataFrame.aggregate");
            },
            [&](const SortNode&) -> Result<PhysicalExprPtr> {
              return Status::Invalid("sort expression ", expr.ToString(),
                                     " is only allowed in DataFrame.sort");
            },
            [&](const WildcardNode&) -> Result<PhysicalExprPtr> {
              return Status::Invalid("'*' is only allowed inside count(*)");
            },
            [&](const WindowCallNode&) -> Result<PhysicalExprPtr> {
              return Status::Invalid("window function ", expr.ToString(),
                                     " needs a window: call .over(Window(...)) on it");
            },
            [&](const WindowNode&) -> Result<PhysicalExprPtr> {
              return Status::Invalid("window expression ", expr.ToString(),
                                     " is only allowed in select / with_column");
            },
        },
        expr.node().value);
  }

 private:
  // Columns arrive with views cast away (exec/view_types.h); view literals
  // follow, or they could not meet those columns in Arrow's kernels.
  Result<PhysicalExprPtr> BindLiteral(const std::shared_ptr<arrow::Scalar>& value) {
    const auto id = value->type->id();
    if (id != arrow::Type::STRING_VIEW && id != arrow::Type::BINARY_VIEW) return MakeLiteral(value);
    auto to = id == arrow::Type::STRING_VIEW ? arrow::utf8() : arrow::binary();
    FERRY_ASSIGN_OR_RAISE(auto plain, cp::Cast(arrow::Datum(value), to));
    return MakeLiteral(plain.scalar());
  }

  // Untyped NULL literals and string literals compared with temporal columns
  // take the other side's type, as SQL users expect.
  Result<PhysicalExprPtr> CoerceLiteralTo(const PhysicalExprPtr& literal,
                                          const PhysicalExprPtr& other,
                                          const ExprDisplay& display) {
    auto constant = literal->constant();
    if (!constant) return literal;
    const auto& from = *constant->type;
    const auto& to = other->type();
    if (from.id() == arrow::Type::NA && to->id() != arrow::Type::NA) {
      auto null = arrow::MakeNullScalar(to);
      return MakeLiteral(std::move(null));
    }
    if (IsStringLike(from) && IsTemporal(*to)) return MakeCast(literal, to, display);
    return literal;
  }

  // An integer literal compared with an integer column of another width
  // (Parquet's int32 p_size against Python's Int64(15)) takes the column's
  // type when its value fits: Arrow would otherwise cast the whole column
  // up for every comparison, and an IN list of mixed types cannot be one
  // hash lookup. A value out of the column's range keeps its type, so the
  // comparison stays exact.
  static PhysicalExprPtr NarrowIntegerLiteral(const PhysicalExprPtr& literal,
                                              const PhysicalExprPtr& other) {
    auto constant = literal->constant();
    const auto& to = other->type();
    if (!constant || !constant->is_valid || other->constant() ||
        !arrow::is_integer(constant->type->id()) || !arrow::is_integer(to->id()) ||
        constant->type->Equals(*to)) {
      return literal;
    }
    auto narrowed = cp::Cast(arrow::Datum(constant), to, cp::CastOptions::Safe());
    if (!narrowed.ok()) return literal;
    return MakeLiteral(narrowed->scalar());
  }

  Result<PhysicalExprPtr> Compare(const char* function, PhysicalExprPtr left,
                                  PhysicalExprPtr right, const ExprDisplay& display) {
    FERRY_ASSIGN_OR_RAISE(left, CoerceLiteralTo(left, right, display));
    FERRY_ASSIGN_OR_RAISE(right, CoerceLiteralTo(right, left, display));
    left = NarrowIntegerLiteral(left, right);
    right = NarrowIntegerLiteral(right, left);
    // Both decimal helpers hand any pair without a decimal128 back untouched;
    // only a decimal comparison needs the text they take.
    if (left->type()->id() == arrow::Type::DECIMAL128 ||
        right->type()->id() == arrow::Type::DECIMAL128) {
      const std::string text = display.str();
      FERRY_ASSIGN_OR_RAISE(std::tie(left, right), arithmetic_internal::WidenDecimalComparison(
                                                       std::move(left), std::move(right), text));
      FERRY_ASSIGN_OR_RAISE(auto decimal,
                            arithmetic_internal::BindDecimalComparison(function, left, right, text));
      if (decimal) return decimal;
    }
    return MakeArrowCall(function, {left, right}, nullptr, display);
  }

  Result<PhysicalExprPtr> BindBinary(const Expr& expr, const BinaryNode& n) {
    FERRY_ASSIGN_OR_RAISE(auto left, Bind(n.left));
    FERRY_ASSIGN_OR_RAISE(auto right, Bind(n.right));
    const ExprDisplay display(expr);
    if (arithmetic_internal::IsArithmetic(n.op)) {
      FERRY_ASSIGN_OR_RAISE(left, CoerceLiteralTo(left, right, display));
      FERRY_ASSIGN_OR_RAISE(right, CoerceLiteralTo(right, left, display));
      return arithmetic_internal::BindArithmetic(n.op, std::move(left), std::move(right),
                                                 display.str());
    }
    return Compare(ArrowFunctionFor(n.op), left, right, display);
  }

  // Arrow's case_when takes a struct of conditions, then the values.
  Result<PhysicalExprPtr> BindCase(const Expr& expr, const CaseNode& n) {
    const ExprDisplay display(expr);
    if (n.when_then.empty()) return Status::Invalid(display, " has no WHEN branch");
    std::optional<PhysicalExprPtr> base;
    if (n.base) {
      FERRY_ASSIGN_OR_RAISE(base, Bind(*n.base));
    }
    std::vector<PhysicalExprPtr> conditions, values;
    std::vector<std::string> names;
    for (const auto& [when, then] : n.when_then) {
      FERRY_ASSIGN_OR_RAISE(auto cond, Bind(when));
      if (base) {
        FERRY_ASSIGN_OR_RAISE(cond, Compare("equal", *base, cond, display));
      }
      if (cond->type()->id() != arrow::Type::BOOL) {
        return Status::TypeError("WHEN condition ", when.ToString(), " in ", display, " is ",
                                 DisplayTypeName(*cond->type()), ", not Boolean");
      }
      conditions.push_back(std::move(cond));
      names.push_back("c" + std::to_string(names.size()));
      FERRY_ASSIGN_OR_RAISE(auto value, Bind(then));
      values.push_back(std::move(value));
    }
    if (n.otherwise) {
      FERRY_ASSIGN_OR_RAISE(auto value, Bind(*n.otherwise));
      values.push_back(std::move(value));
    }
    // NULL branches take the type of the first typed branch.
    for (const auto& value : values) {
      if (value->type()->id() == arrow::Type::NA) continue;
      for (auto& other : values) {
        FERRY_ASSIGN_OR_RAISE(other, CoerceLiteralTo(other, value, display));
      }
      break;
    }
    FERRY_ASSIGN_OR_RAISE(
        auto condition_struct,
        MakeArrowCall("make_struct", conditions, std::make_shared<cp::MakeStructOptions>(names),
                      display));
    values.insert(values.begin(), condition_struct);
    return MakeArrowCall("case_when", values, nullptr, display);
  }

  Result<PhysicalExprPtr> BindInList(const Expr& expr, const InListNode& n) {
    const ExprDisplay display(expr);
    FERRY_ASSIGN_OR_RAISE(auto value, Bind(n.expr));
    std::vector<PhysicalExprPtr> items;
    // The hash lookup needs items of exactly the value's type; anything
    // else (4 IN (4.5)) compares through Arrow's usual coercion instead.
    bool all_constant = true;
    for (const auto& item : n.list) {
      FERRY_ASSIGN_OR_RAISE(auto bound, Bind(item));
      FERRY_ASSIGN_OR_RAISE(bound, CoerceLiteralTo(bound, value, display));
      bound = NarrowIntegerLiteral(bound, value);
      all_constant = all_constant && bound->constant() != nullptr &&
                     bound->type()->Equals(*value->type());
      items.push_back(std::move(bound));
    }
    if (items.empty()) return Status::Invalid(display, " has an empty list");
    PhysicalExprPtr result;
    if (all_constant) {
      // One hash lookup per row instead of a chain of comparisons.
      std::unique_ptr<arrow::ArrayBuilder> builder;
      FERRY_RETURN_NOT_OK(arrow::MakeBuilder(arrow::default_memory_pool(), value->type(), &builder));
      for (const auto& item : items) FERRY_RETURN_NOT_OK(builder->AppendScalar(*item->constant()));
      FERRY_ASSIGN_OR_RAISE(auto value_set, builder->Finish());
      auto options = std::make_shared<cp::SetLookupOptions>(
          value_set, cp::SetLookupOptions::INCONCLUSIVE);
      FERRY_ASSIGN_OR_RAISE(result, MakeArrowCall("is_in", {value}, options, display));
    } else {
      for (const auto& item : items) {
        FERRY_ASSIGN_OR_RAISE(auto eq, Compare("equal", value, item, display));
        if (result) {
          FERRY_ASSIGN_OR_RAISE(result, MakeArrowCall("or_kleene", {result, eq}, nullptr, display));
        } else {
          result = eq;
        }
      }
    }
    return n.negated ? MakeArrowCall("invert", {result}, nullptr, display) : result;
  }

  Result<PhysicalExprPtr> BindLike(const Expr& expr, const LikeNode& n) {
    const ExprDisplay display(expr);
    FERRY_ASSIGN_OR_RAISE(auto value, Bind(n.expr));
    FERRY_ASSIGN_OR_RAISE(auto pattern, Bind(n.pattern));
    auto constant = pattern->constant();
    if (!constant || !IsStringLike(*constant->type)) {
      return Status::TypeError("the pattern of ", display, " must be a string literal");
    }
    if (!constant->is_valid) {
      auto null = arrow::MakeNullScalar(arrow::boolean());
      return MakeLiteral(std::move(null));
    }
    const std::string text = constant->ToString();
    if (!n.case_insensitive) {
      if (auto like = MakeSegmentLike(value, text, n.negated)) return like;
    }
    auto options = std::make_shared<cp::MatchSubstringOptions>(text, n.case_insensitive);
    FERRY_ASSIGN_OR_RAISE(auto match, MakeArrowCall("match_like", {value}, options, display));
    return n.negated ? MakeArrowCall("invert", {match}, nullptr, display) : match;
  }

  const arrow::Schema& schema_;
};

std::string ColumnList(const arrow::Schema& schema) {
  std::string out;
  for (const auto& field : schema.fields()) {
    out += out.empty() ? field->name() : ", " + field->name();
  }
  return out.empty() ? "(none)" : out;
}

}  // namespace

void EnsureArrowCompute() {
  static const Status initialized = cp::Initialize();
  (void)initialized;
}

Result<int> ResolveColumn(const ColumnNode& column, const arrow::Schema& schema) {
  if (column.relation) {
    int qualified = schema.GetFieldIndex(*column.relation + "." + column.name);
    if (qualified >= 0) return qualified;
  }
  auto matches = schema.GetAllFieldIndices(column.name);
  if (matches.size() == 1) return matches[0];
  if (matches.size() > 1) {
    return Status::Invalid("column '", column.name, "' is ambiguous: ", matches.size(),
                           " columns have that name");
  }
  return Status::KeyError("column '", column.name, "' not found; available columns: ",
                          ColumnList(schema));
}

Result<PhysicalExprPtr> BindScalar(const Expr& expr, const arrow::Schema& schema) {
  EnsureArrowCompute();
  FERRY_ASSIGN_OR_RAISE(auto bound, Binder(schema).Bind(expr));
  return WithSource(std::move(bound), expr);
}

Result<std::shared_ptr<arrow::Field>> OutputField(const Expr& expr, const arrow::Schema& schema) {
  FERRY_ASSIGN_OR_RAISE(auto bound, BindScalar(expr, schema));
  return arrow::field(expr.SchemaName(), bound->type());
}

}  // namespace ferry

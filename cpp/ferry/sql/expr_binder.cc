// SQL expressions to ferry Expr: column references through the scope (and
// the enclosing query's, for correlated subqueries), operators, CASE, CAST,
// IN lists, BETWEEN, LIKE, IS [NOT] DISTINCT FROM, constants.

#include <set>

#include "ferry/function/bind.h"
#include "ferry/sql/binder_internal.h"

namespace ferry::sql {
namespace {

std::optional<Operator> BinaryOperator(const std::string& name) {
  static const std::map<std::string, Operator> kOperators = {
      {"+", Operator::kAdd}, {"-", Operator::kSubtract}, {"*", Operator::kMultiply},
      {"/", Operator::kDivide}, {"%", Operator::kModulo}, {"=", Operator::kEq},
      {"<>", Operator::kNotEq}, {"!=", Operator::kNotEq}, {"<", Operator::kLt},
      {"<=", Operator::kLtEq}, {">", Operator::kGt}, {">=", Operator::kGtEq},
  };
  auto it = kOperators.find(name);
  if (it == kOperators.end()) return std::nullopt;
  return it->second;
}

bool IsComparison(const std::string& op) {
  return op == "=" || op == "<>" || op == "!=" || op == "<" || op == "<=" || op == ">" || op == ">=";
}

// a IS NOT DISTINCT FROM b: equal, or both NULL; never NULL itself.
Expr NotDistinct(const Expr& a, const Expr& b) {
  auto boolean = [](bool v) { return Lit(std::make_shared<arrow::BooleanScalar>(v)); };
  return Case(std::nullopt,
              {{IsNull(a), IsNull(b)}, {IsNull(b), boolean(false)}},
              Binary(a, Operator::kEq, b));
}

}  // namespace

std::string NodeKind(const pg_query::Node& node) {
  const auto* field = node.GetDescriptor()->FindFieldByNumber(node.node_case());
  return field ? field->name() : "empty node";
}

bool HasOuterReference(const Expr& expr) {
  if (const auto* column = expr.As<ColumnNode>()) {
    return column->relation && *column->relation == kOuterRelation;
  }
  for (const auto& child : Children(expr)) {
    if (HasOuterReference(child)) return true;
  }
  return false;
}

Expr Transform(const Expr& expr, const std::function<std::optional<Expr>(const Expr&)>& rewrite) {
  if (auto replaced = rewrite(expr)) return *replaced;
  auto children = Children(expr);
  if (children.empty()) return expr;
  for (auto& child : children) child = Transform(child, rewrite);
  return WithNewChildren(expr, std::move(children));
}

Expr StripOuter(const Expr& expr) {
  return Transform(expr, [](const Expr& e) -> std::optional<Expr> {
    const auto* column = e.As<ColumnNode>();
    if (column && column->relation && *column->relation == kOuterRelation) return Col(column->name);
    return std::nullopt;
  });
}

std::optional<Expr> Conjunction(const std::vector<Expr>& parts) {
  if (parts.empty()) return std::nullopt;
  Expr out = parts[0];
  for (size_t i = 1; i < parts.size(); ++i) out = Binary(out, Operator::kAnd, parts[i]);
  return out;
}

Result<std::vector<Expr>> ExprBinder::BindList(
    const google::protobuf::RepeatedPtrField<pg_query::Node>& list) {
  std::vector<Expr> out;
  for (const auto& item : list) {
    FERRY_ASSIGN_OR_RAISE(auto expr, Bind(item));
    out.push_back(std::move(expr));
  }
  return out;
}

Result<Expr> ExprBinder::Bind(const pg_query::Node& node) {
  using N = pg_query::Node;
  switch (node.node_case()) {
    case N::kColumnRef:
      return BindColumnRef(node.column_ref());
    case N::kAConst:
      return BindConstant(node.a_const());
    case N::kAExpr:
      return BindAExpr(node.a_expr());
    case N::kBoolExpr:
      return BindBoolExpr(node.bool_expr());
    case N::kNullTest: {
      FERRY_ASSIGN_OR_RAISE(auto arg, Bind(node.null_test().arg()));
      return IsNull(arg, node.null_test().nulltesttype() == pg_query::IS_NOT_NULL);
    }
    case N::kBooleanTest: {
      FERRY_ASSIGN_OR_RAISE(auto arg, Bind(node.boolean_test().arg()));
      auto boolean = [](bool v) { return Lit(std::make_shared<arrow::BooleanScalar>(v)); };
      // IS TRUE: true, never NULL; the other tests derive from it.
      auto is = [&](bool value) {
        return Case(std::nullopt, {{IsNull(arg), boolean(false)}},
                    value ? arg : Not(arg));
      };
      switch (node.boolean_test().booltesttype()) {
        case pg_query::IS_TRUE: return is(true);
        case pg_query::IS_NOT_TRUE: return Not(is(true));
        case pg_query::IS_FALSE: return is(false);
        case pg_query::IS_NOT_FALSE: return Not(is(false));
        case pg_query::IS_UNKNOWN: return IsNull(arg);
        case pg_query::IS_NOT_UNKNOWN: return IsNull(arg, true);
        default: return Status::Invalid("unknown boolean test");
      }
    }
    case N::kCaseExpr:
      return BindCase(node.case_expr());
    case N::kTypeCast:
      return BindTypeCast(node.type_cast());
    case N::kFuncCall:
      return BindFuncCall(node.func_call());
    case N::kCoalesceExpr: {
      FERRY_ASSIGN_OR_RAISE(auto args, BindList(node.coalesce_expr().args()));
      FERRY_ASSIGN_OR_RAISE(auto func, query_.catalog().functions().GetScalar("coalesce"));
      return ScalarCall(func, "coalesce", std::move(args));
    }
    case N::kMinMaxExpr: {
      const std::string name = node.min_max_expr().op() == pg_query::IS_GREATEST ? "greatest" : "least";
      FERRY_ASSIGN_OR_RAISE(auto args, BindList(node.min_max_expr().args()));
      auto func = query_.catalog().functions().GetScalar(name);
      if (!func.ok()) return Status::NotImplemented(name, "() is not supported");
      return ScalarCall(*func, name, std::move(args));
    }
    case N::kSubLink:
      return BindSubLink(node.sub_link());
    case N::kGroupingFunc:
      return BindGroupingFunc(node.grouping_func());
    case N::kParamRef:
      return BindParamRef(node.param_ref());
    case N::kSqlvalueFunction:
      return Status::NotImplemented("SQL value functions (CURRENT_DATE, CURRENT_USER, ...) are not ",
                                    "supported");
    default:
      return Status::NotImplemented("unsupported SQL construct in an expression: ", NodeKind(node));
  }
}

Result<Expr> ExprBinder::BindColumnRef(const pg_query::ColumnRef& ref) {
  std::vector<std::string> parts;
  for (const auto& field : ref.fields()) {
    if (field.has_a_star()) {
      return Status::NotImplemented("'*' is allowed only as a select item or in count(*)",
                                    query_.At(ref.location()));
    }
    parts.push_back(StringValue(field));
  }
  if (parts.empty() || parts.size() > 3) {
    return Status::NotImplemented("column reference with ", parts.size(), " parts",
                                  query_.At(ref.location()));
  }
  const std::string& name = parts.back();
  std::optional<std::string> qualifier;
  if (parts.size() >= 2) qualifier = parts[parts.size() - 2];
  auto found = ctx_.input->scope.Find(qualifier, name);
  if (!found.ok()) return Status::Invalid(found.status().message(), query_.At(ref.location()));
  const std::string written = qualifier ? *qualifier + "." + name : name;
  const char* noted_in = ctx_.reference_clause != nullptr ? ctx_.reference_clause : ctx_.clause;
  const auto& index = *found;
  if (index) {
    const std::string& column = ctx_.input->plan->schema->field(*index)->name();
    query_.NoteColumnRef(column, noted_in, written, ref.location());
    return Col(column);
  }
  if (ctx_.outer != nullptr) {
    const Relation& outer = *ctx_.outer->relation;
    FERRY_ASSIGN_OR_RAISE(auto outer_index, outer.scope.Find(qualifier, name));
    if (outer_index) {
      const std::string& column = outer.plan->schema->field(*outer_index)->name();
      query_.NoteColumnRef(column, noted_in, written, ref.location(), /*outer=*/true);
      return Col(column, kOuterRelation);
    }
  }
  if (qualifier && !ctx_.input->scope.HasQualifier(*qualifier) &&
      !(ctx_.outer && ctx_.outer->relation->scope.HasQualifier(*qualifier))) {
    return Status::KeyError("column '", written, "' not found: no table or alias named '", *qualifier,
                            "' in FROM", query_.At(ref.location()));
  }
  auto candidates = ctx_.input->scope.Candidates();
  return Status::KeyError("column '", written, "' not found", query_.At(ref.location()),
                          SuggestNames(written, candidates));
}

Result<Expr> ExprBinder::CheckTypes(Expr expr, int location) {
  if (ctx_.input == nullptr || ctx_.input->plan == nullptr || HasOuterReference(expr)) return expr;
  const auto& schema = *ctx_.input->plan->schema;
  auto field = OutputField(expr, schema);
  if (field.ok() || !field.status().IsTypeError()) return expr;  // others surface where they belong
  const auto* binary = expr.As<BinaryNode>();
  if (binary != nullptr) {
    auto left = OutputField(binary->left, schema), right = OutputField(binary->right, schema);
    if (left.ok() && right.ok()) {
      return Status::TypeError("operator does not exist: ", (*left)->type()->ToString(), " ",
                               OperatorSymbol(binary->op), " ", (*right)->type()->ToString(), " in ",
                               expr.ToString(), query_.At(location), "; cast one side to the other's type");
    }
  }
  return Status::TypeError(field.status().message(), query_.At(location));
}

Result<Expr> ExprBinder::BindAExpr(const pg_query::A_Expr& expr) {
  const std::string op = expr.name_size() > 0 ? StringValue(expr.name(expr.name_size() - 1)) : "";
  auto bind_pair = [&]() -> Result<std::pair<Expr, Expr>> {
    FERRY_ASSIGN_OR_RAISE(auto left, Bind(expr.lexpr()));
    FERRY_ASSIGN_OR_RAISE(auto right, Bind(expr.rexpr()));
    return std::make_pair(left, right);
  };
  auto like = [&](bool negated, bool case_insensitive) -> Result<Expr> {
    if (expr.rexpr().has_func_call()) {
      return Status::NotImplemented("LIKE ... ESCAPE is not supported", query_.At(expr.location()));
    }
    FERRY_ASSIGN_OR_RAISE(auto pair, bind_pair());
    return Like(pair.first, pair.second, negated, case_insensitive);
  };
  switch (expr.kind()) {
    case pg_query::AEXPR_OP: {
      if (op == "~~" || op == "!~~") return like(op[0] == '!', false);
      if (op == "~~*" || op == "!~~*") return like(op[0] == '!', true);
      if (!expr.has_lexpr()) {
        FERRY_ASSIGN_OR_RAISE(auto operand, Bind(expr.rexpr()));
        if (op == "-") return Negative(operand);
        if (op == "+") return operand;
        return Status::NotImplemented("unsupported prefix operator '", op, "'", query_.At(expr.location()));
      }
      FERRY_ASSIGN_OR_RAISE(auto pair, bind_pair());
      if (IsComparison(op)) {
        Expr left = AdoptType(expr.lexpr(), pair.first, pair.second);
        pair.second = AdoptType(expr.rexpr(), pair.second, pair.first);
        pair.first = left;
      }
      if (op == "||") {
        // concat() skips NULLs; `||` is NULL when either side is.
        FERRY_ASSIGN_OR_RAISE(auto concat, query_.catalog().functions().GetScalar("concat"));
        auto null_text = Cast(Lit(std::make_shared<arrow::NullScalar>()), arrow::utf8());
        return Case(std::nullopt,
                    {{Binary(IsNull(pair.first), Operator::kOr, IsNull(pair.second)), null_text}},
                    ScalarCall(concat, "concat", {pair.first, pair.second}));
      }
      auto binary = BinaryOperator(op);
      if (!binary) {
        return Status::NotImplemented("unsupported operator '", op, "'", query_.At(expr.location()));
      }
      return CheckTypes(Binary(pair.first, *binary, pair.second), expr.location());
    }
    case pg_query::AEXPR_LIKE:
      return like(op == "!~~", false);
    case pg_query::AEXPR_ILIKE:
      return like(op == "!~~*", true);
    case pg_query::AEXPR_DISTINCT:
    case pg_query::AEXPR_NOT_DISTINCT: {
      FERRY_ASSIGN_OR_RAISE(auto pair, bind_pair());
      Expr same = NotDistinct(pair.first, pair.second);
      return expr.kind() == pg_query::AEXPR_NOT_DISTINCT ? same : Not(same);
    }
    case pg_query::AEXPR_NULLIF: {
      FERRY_ASSIGN_OR_RAISE(auto pair, bind_pair());
      FERRY_ASSIGN_OR_RAISE(auto nullif, query_.catalog().functions().GetScalar("nullif"));
      return ScalarCall(nullif, "nullif", {pair.first, pair.second});
    }
    case pg_query::AEXPR_IN: {
      FERRY_ASSIGN_OR_RAISE(auto value, Bind(expr.lexpr()));
      if (!expr.rexpr().has_list()) return Status::NotImplemented("IN needs a list of values");
      FERRY_ASSIGN_OR_RAISE(auto list, BindList(expr.rexpr().list().items()));
      for (int i = 0; i < static_cast<int>(list.size()); ++i) {
        list[i] = AdoptType(expr.rexpr().list().items(i), list[i], value);
      }
      return CheckTypes(InList(value, std::move(list), op == "<>"), expr.location());
    }
    case pg_query::AEXPR_BETWEEN:
    case pg_query::AEXPR_NOT_BETWEEN: {
      FERRY_ASSIGN_OR_RAISE(auto value, Bind(expr.lexpr()));
      if (!expr.rexpr().has_list() || expr.rexpr().list().items_size() != 2) {
        return Status::Invalid("BETWEEN needs two bounds");
      }
      FERRY_ASSIGN_OR_RAISE(auto bounds, BindList(expr.rexpr().list().items()));
      for (int i = 0; i < 2; ++i) bounds[i] = AdoptType(expr.rexpr().list().items(i), bounds[i], value);
      return Between(value, bounds[0], bounds[1], expr.kind() == pg_query::AEXPR_NOT_BETWEEN);
    }
    case pg_query::AEXPR_OP_ANY:
    case pg_query::AEXPR_OP_ALL:
      return Status::NotImplemented("ANY/ALL over arrays is not supported", query_.At(expr.location()));
    case pg_query::AEXPR_SIMILAR:
      return Status::NotImplemented("SIMILAR TO is not supported", query_.At(expr.location()));
    case pg_query::AEXPR_BETWEEN_SYM:
    case pg_query::AEXPR_NOT_BETWEEN_SYM:
      return Status::NotImplemented("BETWEEN SYMMETRIC is not supported", query_.At(expr.location()));
    default:
      return Status::NotImplemented("unsupported operator expression", query_.At(expr.location()));
  }
}

Result<Expr> ExprBinder::BindBoolExpr(const pg_query::BoolExpr& expr) {
  FERRY_ASSIGN_OR_RAISE(auto args, BindList(expr.args()));
  if (args.empty()) return Status::Invalid("boolean expression without operands");
  if (expr.boolop() == pg_query::NOT_EXPR) return Not(args[0]);
  const Operator op = expr.boolop() == pg_query::AND_EXPR ? Operator::kAnd : Operator::kOr;
  Expr out = args[0];
  for (size_t i = 1; i < args.size(); ++i) out = Binary(out, op, args[i]);
  return out;
}

Result<Expr> ExprBinder::BindCase(const pg_query::CaseExpr& expr) {
  std::optional<Expr> base, otherwise;
  if (expr.has_arg()) {
    FERRY_ASSIGN_OR_RAISE(auto arg, Bind(expr.arg()));
    base = arg;
  }
  std::vector<std::pair<Expr, Expr>> when_then;
  for (const auto& node : expr.args()) {
    if (!node.has_case_when()) return Status::Invalid("CASE holds a non-WHEN clause");
    FERRY_ASSIGN_OR_RAISE(auto when, Bind(node.case_when().expr()));
    FERRY_ASSIGN_OR_RAISE(auto then, Bind(node.case_when().result()));
    when_then.emplace_back(std::move(when), std::move(then));
  }
  if (expr.has_defresult()) {
    FERRY_ASSIGN_OR_RAISE(auto value, Bind(expr.defresult()));
    otherwise = value;
  }
  return Case(std::move(base), std::move(when_then), std::move(otherwise));
}

Result<Expr> ExprBinder::BindTypeCast(const pg_query::TypeCast& cast) {
  if (cast.arg().has_a_const() && cast.arg().a_const().has_sval()) {
    FERRY_ASSIGN_OR_RAISE(auto folded,
                          FoldTypedLiteral(cast.arg().a_const().sval().sval(), cast.type_name()));
    if (folded) return *folded;
  }
  FERRY_ASSIGN_OR_RAISE(auto arg, Bind(cast.arg()));
  FERRY_ASSIGN_OR_RAISE(auto type, BindTypeName(cast.type_name()));
  return Cast(arg, type);
}

}  // namespace ferry::sql

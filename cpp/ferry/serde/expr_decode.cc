// Wire format v1 bytes -> Expr, for any input: an Expr or an error value
// (docs/wire-format.md lists every check).

#include <google/protobuf/io/coded_stream.h>

#include "ferry/serde/envelope.h"
#include "ferry/serde/expr_serde.h"
#include "ferry/serde/expr_serde_internal.h"
#include "ferry/serde/literal_serde_internal.h"
#include "ferry/serde/opaque_function.h"
#include "ferry/serde/protobuf_logging_internal.h"
#include "ferry/serde/wire_budget_internal.h"
#include "ferry/v1/envelope.pb.h"
#include "ferry/v1/expr.pb.h"

namespace ferry {

namespace pb = ferry::v1;
using internal::FunctionTable;
using internal::TooDeep;

class internal::ExprReader::Impl {
 public:
  Impl(const FunctionTable& functions, const ExtensionCodec& codec,
       const FunctionRegistry& registry, UnknownFunctionPolicy unknown, const DecodeLimits& limits)
      : functions_(functions), codec_(codec), registry_(registry), unknown_(unknown),
        limits_(limits), scalars_(functions.size()), aggregates_(functions.size()),
        windows_(functions.size()) {}

  // `depth` is the level of `node`'s parent (0 for the root).
  Result<Expr> Decode(const pb::Expr& node, int depth) {
    if (depth >= limits_.max_depth) return TooDeep(limits_.max_depth);
    ++depth;
    switch (node.node_case()) {
      case pb::Expr::kColumn: {
        std::optional<std::string> relation;
        if (node.column().has_relation()) relation = node.column().relation();
        return Col(node.column().name(), relation);
      }
      case pb::Expr::kLiteral: {
        FERRY_ASSIGN_OR_RAISE(auto value, DecodeLiteral(node.literal()));
        return Lit(std::move(value));
      }
      case pb::Expr::kAlias: {
        FERRY_ASSIGN_OR_RAISE(auto inner, Child(node.alias().has_expr(), node.alias().expr(), "alias", depth));
        return Alias(std::move(inner), node.alias().name());
      }
      case pb::Expr::kBinary: {
        const auto& b = node.binary();
        if (b.op() <= pb::OPERATOR_UNSPECIFIED || b.op() > pb::OR) {
          return Status::Invalid("unknown binary operator ", static_cast<int>(b.op()));
        }
        FERRY_ASSIGN_OR_RAISE(auto left, Child(b.has_left(), b.left(), "binary expression", depth));
        FERRY_ASSIGN_OR_RAISE(auto right, Child(b.has_right(), b.right(), "binary expression", depth));
        return Binary(std::move(left), static_cast<Operator>(b.op() - 1), std::move(right));
      }
      case pb::Expr::kNot: {
        FERRY_ASSIGN_OR_RAISE(auto inner, Child(node.not_().has_expr(), node.not_().expr(), "NOT", depth));
        return Not(std::move(inner));
      }
      case pb::Expr::kNegative: {
        const auto& n = node.negative();
        FERRY_ASSIGN_OR_RAISE(auto inner, Child(n.has_expr(), n.expr(), "negation", depth));
        return Negative(std::move(inner));
      }
      case pb::Expr::kIsNull: {
        const auto& n = node.is_null();
        FERRY_ASSIGN_OR_RAISE(auto inner, Child(n.has_expr(), n.expr(), "IS NULL", depth));
        return IsNull(std::move(inner), n.negated());
      }
      case pb::Expr::kCast: {
        const auto& n = node.cast();
        FERRY_ASSIGN_OR_RAISE(auto inner, Child(n.has_expr(), n.expr(), "CAST", depth));
        FERRY_ASSIGN_OR_RAISE(auto type, DecodeType(n.arrow_type()));
        return Cast(std::move(inner), std::move(type));
      }
      case pb::Expr::kCase: {
        const auto& n = node.case_();
        std::optional<Expr> base, otherwise;
        if (n.has_base()) {
          FERRY_ASSIGN_OR_RAISE(base, Decode(n.base(), depth));
        }
        std::vector<std::pair<Expr, Expr>> branches;
        for (const auto& branch : n.when_then()) {
          FERRY_ASSIGN_OR_RAISE(auto when, Child(branch.has_when(), branch.when(), "WHEN", depth));
          FERRY_ASSIGN_OR_RAISE(auto then, Child(branch.has_then(), branch.then(), "THEN", depth));
          branches.emplace_back(std::move(when), std::move(then));
        }
        if (branches.empty()) return Status::Invalid("CASE without any WHEN branch");
        if (n.has_otherwise()) {
          FERRY_ASSIGN_OR_RAISE(otherwise, Decode(n.otherwise(), depth));
        }
        return Case(std::move(base), std::move(branches), std::move(otherwise));
      }
      case pb::Expr::kInList: {
        const auto& n = node.in_list();
        FERRY_ASSIGN_OR_RAISE(auto inner, Child(n.has_expr(), n.expr(), "IN", depth));
        FERRY_ASSIGN_OR_RAISE(auto list, DecodeAll(n.list(), depth));
        return InList(std::move(inner), std::move(list), n.negated());
      }
      case pb::Expr::kBetween: {
        const auto& n = node.between();
        FERRY_ASSIGN_OR_RAISE(auto inner, Child(n.has_expr(), n.expr(), "BETWEEN", depth));
        FERRY_ASSIGN_OR_RAISE(auto low, Child(n.has_low(), n.low(), "BETWEEN", depth));
        FERRY_ASSIGN_OR_RAISE(auto high, Child(n.has_high(), n.high(), "BETWEEN", depth));
        return Between(std::move(inner), std::move(low), std::move(high), n.negated());
      }
      case pb::Expr::kLike: {
        const auto& n = node.like();
        FERRY_ASSIGN_OR_RAISE(auto inner, Child(n.has_expr(), n.expr(), "LIKE", depth));
        FERRY_ASSIGN_OR_RAISE(auto pattern, Child(n.has_pattern(), n.pattern(), "LIKE", depth));
        return Like(std::move(inner), std::move(pattern), n.negated(), n.case_insensitive());
      }
      case pb::Expr::kScalarFunction: {
        const auto& n = node.scalar_function();
        FERRY_ASSIGN_OR_RAISE(auto func, ScalarAt(n.function()));
        FERRY_ASSIGN_OR_RAISE(auto args, DecodeAll(n.args(), depth));
        return ScalarCall(func, functions_.Get(n.function()).name(), std::move(args));
      }
      case pb::Expr::kAggregateFunction: {
        const auto& n = node.aggregate_function();
        FERRY_ASSIGN_OR_RAISE(auto func, AggregateAt(n.function()));
        FERRY_ASSIGN_OR_RAISE(auto args, DecodeAll(n.args(), depth));
        return AggregateCall(func, functions_.Get(n.function()).name(), std::move(args),
                             n.distinct());
      }
      case pb::Expr::kSort: {
        const auto& n = node.sort();
        FERRY_ASSIGN_OR_RAISE(auto inner, Child(n.has_expr(), n.expr(), "sort", depth));
        return Sort(std::move(inner), n.ascending(), n.nulls_first());
      }
      case pb::Expr::kWildcard:
        return Wildcard();
      case pb::Expr::kWindowFunction: {
        const auto& n = node.window_function();
        FERRY_ASSIGN_OR_RAISE(auto func, WindowAt(n.function()));
        FERRY_ASSIGN_OR_RAISE(auto args, DecodeAll(n.args(), depth));
        return WindowCall(func, functions_.Get(n.function()).name(), std::move(args));
      }
      case pb::Expr::kWindow:
        return DecodeWindowExpr(node.window(), depth);
      case pb::Expr::NODE_NOT_SET:
        break;
    }
    return Status::Invalid("expression node of unknown or missing kind");
  }

 private:
  Result<Expr> Child(bool present, const pb::Expr& child, const char* parent, int depth) {
    if (!present) return Status::Invalid(parent, " is missing an operand");
    return Decode(child, depth);
  }

  Result<std::vector<Expr>> DecodeAll(const google::protobuf::RepeatedPtrField<pb::Expr>& nodes,
                                      int depth) {
    std::vector<Expr> out;
    out.reserve(nodes.size());
    for (const auto& node : nodes) {
      FERRY_ASSIGN_OR_RAISE(auto expr, Decode(node, depth));
      out.push_back(std::move(expr));
    }
    return out;
  }

  Result<const pb::FunctionDefinition*> Definition(uint32_t index, pb::FunctionDefinition::Kind kind) {
    if (index >= static_cast<uint32_t>(functions_.size())) {
      return Status::Invalid("function reference ", index, " out of range: the expression defines ",
                             functions_.size(), " functions");
    }
    const auto& def = functions_.Get(index);
    if (def.kind() != kind) {
      return Status::Invalid("function '", def.name(), "' is referenced as a ",
                             pb::FunctionDefinition::Kind_Name(kind),
                             " function but defined as another kind");
    }
    return &def;
  }

  Status MissingFunction(const std::string& name, const char* kind) {
    return Status::KeyError(kind, " function '", name,
                            "' is not registered in the receiving session and its bytes carry no "
                            "definition this session can use; register '",
                            name, "' on the receiver, or enable Python UDF inlining on the sender");
  }

  Result<std::shared_ptr<const ScalarFunction>> ScalarAt(uint32_t index) {
    FERRY_ASSIGN_OR_RAISE(auto def, Definition(index, pb::FunctionDefinition::SCALAR));
    if (scalars_[index]) return scalars_[index];
    std::shared_ptr<const ScalarFunction> func;
    if (!def->definition().empty()) {
      FERRY_ASSIGN_OR_RAISE(func, codec_.DecodeScalar(def->name(), def->definition()));
    }
    if (!func) {
      auto registered = registry_.GetScalar(def->name());
      if (registered.ok()) {
        func = *registered;
      } else if (unknown_ == UnknownFunctionPolicy::kKeepOpaque) {
        func = std::make_shared<OpaqueScalarFunction>(def->name(), def->definition());
      } else {
        return MissingFunction(def->name(), "scalar");
      }
    }
    scalars_[index] = func;
    return func;
  }

  Result<Expr> DecodeWindowExpr(const pb::WindowExpr& n, int depth) {
    FERRY_ASSIGN_OR_RAISE(auto function, Child(n.has_function(), n.function(), "window", depth));
    if (!function.As<WindowCallNode>() && !function.As<AggregateCallNode>()) {
      return Status::Invalid("a window's function must be a window or aggregate function call");
    }
    FERRY_ASSIGN_OR_RAISE(auto partition_by, DecodeAll(n.partition_by(), depth));
    FERRY_ASSIGN_OR_RAISE(auto order_by, DecodeAll(n.order_by(), depth));
    for (const auto& key : order_by) {
      if (!key.As<SortNode>()) return Status::Invalid("a window's ORDER BY entries must be sort expressions");
    }
    if (!n.has_frame()) return Status::Invalid("window without a frame");
    const auto& f = n.frame();
    if (f.units() <= pb::WindowFrame::UNITS_UNSPECIFIED || f.units() > pb::WindowFrame::GROUPS) {
      return Status::Invalid("unknown window frame units ", static_cast<int>(f.units()));
    }
    WindowFrame frame;
    frame.units = static_cast<WindowFrame::Units>(f.units() - 1);
    FERRY_ASSIGN_OR_RAISE(frame.start, DecodeBound(f.start()));
    FERRY_ASSIGN_OR_RAISE(frame.end, DecodeBound(f.end()));
    return Window(std::move(function), std::move(partition_by), std::move(order_by), frame);
  }

  static Result<WindowFrame::Bound> DecodeBound(const pb::WindowBound& b) {
    using Kind = WindowFrame::Bound::Kind;
    if (b.kind() <= pb::WindowBound::KIND_UNSPECIFIED || b.kind() > pb::WindowBound::UNBOUNDED_FOLLOWING) {
      return Status::Invalid("unknown window frame bound ", static_cast<int>(b.kind()));
    }
    WindowFrame::Bound bound{static_cast<Kind>(b.kind() - 1), nullptr};
    bool needs_offset = bound.kind == Kind::kPreceding || bound.kind == Kind::kFollowing;
    if (needs_offset != b.has_offset()) {
      return Status::Invalid("window frame bound ", needs_offset ? "without" : "with", " an offset");
    }
    if (needs_offset) {
      FERRY_ASSIGN_OR_RAISE(bound.offset, DecodeLiteral(b.offset()));
    }
    return bound;
  }

  Result<std::shared_ptr<const WindowFunction>> WindowAt(uint32_t index) {
    FERRY_ASSIGN_OR_RAISE(auto def, Definition(index, pb::FunctionDefinition::WINDOW));
    if (windows_[index]) return windows_[index];
    std::shared_ptr<const WindowFunction> func;
    if (!def->definition().empty()) {
      FERRY_ASSIGN_OR_RAISE(func, codec_.DecodeWindow(def->name(), def->definition()));
    }
    if (!func) {
      auto registered = registry_.GetWindow(def->name());
      if (!registered.ok()) return MissingFunction(def->name(), "window");
      func = *registered;
    }
    windows_[index] = func;
    return func;
  }

  Result<std::shared_ptr<const AggregateFunction>> AggregateAt(uint32_t index) {
    FERRY_ASSIGN_OR_RAISE(auto def, Definition(index, pb::FunctionDefinition::AGGREGATE));
    if (aggregates_[index]) return aggregates_[index];
    std::shared_ptr<const AggregateFunction> func;
    if (!def->definition().empty()) {
      FERRY_ASSIGN_OR_RAISE(func, codec_.DecodeAggregate(def->name(), def->definition()));
    }
    if (!func) {
      auto registered = registry_.GetAggregate(def->name());
      if (!registered.ok()) return MissingFunction(def->name(), "aggregate");
      func = *registered;
    }
    aggregates_[index] = func;
    return func;
  }

  const FunctionTable& functions_;
  const ExtensionCodec& codec_;
  const FunctionRegistry& registry_;
  UnknownFunctionPolicy unknown_;
  const DecodeLimits& limits_;
  std::vector<std::shared_ptr<const ScalarFunction>> scalars_;
  std::vector<std::shared_ptr<const AggregateFunction>> aggregates_;
  std::vector<std::shared_ptr<const WindowFunction>> windows_;
};

namespace internal {

ExprReader::ExprReader(const FunctionTable& functions, const ExtensionCodec& codec,
                       const FunctionRegistry& registry, UnknownFunctionPolicy unknown,
                       const DecodeLimits& limits)
    : impl_(std::make_unique<Impl>(functions, codec, registry, unknown, limits)) {}
ExprReader::~ExprReader() = default;

Result<Expr> ExprReader::Read(const pb::Expr& node, int depth) { return impl_->Decode(node, depth); }

}  // namespace internal

namespace internal {

Result<pb::ExprMessage> ParseExprMessage(std::string_view bytes, const DecodeLimits& limits) {
  pb::ExprMessage message;
  FERRY_RETURN_NOT_OK(ReadPayload(bytes, kExprKind, "expression", &message, limits));
  return message;
}

}  // namespace internal

Result<Expr> DecodeExpr(std::string_view bytes, const ExtensionCodec& codec,
                        const FunctionRegistry& registry, UnknownFunctionPolicy unknown,
                        const DecodeLimits& limits) {
  FERRY_ASSIGN_OR_RAISE(auto message, internal::ParseExprMessage(bytes, limits));
  if (!message.has_root()) return Status::Invalid("not a ferry expression: no root expression");
  return internal::ExprReader(message.functions(), codec, registry, unknown, limits)
      .Read(message.root(), 0);
}

}  // namespace ferry

// Expr -> wire format v1 bytes (docs/wire-format.md).

#include <map>

#include "ferry/common/overloaded.h"
#include "ferry/serde/envelope.h"
#include "ferry/serde/expr_serde.h"
#include "ferry/serde/expr_serde_internal.h"
#include "ferry/serde/literal_serde_internal.h"
#include "ferry/serde/wire_budget_internal.h"
#include "ferry/v1/expr.pb.h"

namespace ferry {

namespace pb = ferry::v1;
using internal::TooDeep;

class internal::ExprWriter::Impl {
 public:
  Impl(const ExtensionCodec& codec, FunctionTable* functions, int max_depth)
      : codec_(codec), max_depth_(max_depth), functions_(functions) {}

  // Never writes what DecodeExpr would refuse to read back.
  Status Encode(const Expr& expr, pb::Expr* out) {
    if (depth_ >= max_depth_) return TooDeep(max_depth_);
    ++depth_;
    auto status = EncodeNode(expr, out);
    --depth_;
    return status;
  }

  Status EncodeNode(const Expr& expr, pb::Expr* out) {
    return std::visit(
        Overloaded{
            [&](const ColumnNode& n) -> Status {
              auto* column = out->mutable_column();
              column->set_name(n.name);
              if (n.relation) column->set_relation(*n.relation);
              return Status::OK();
            },
            [&](const LiteralNode& n) { return EncodeLiteral(*n.value, out->mutable_literal()); },
            [&](const AliasNode& n) -> Status {
              out->mutable_alias()->set_name(n.name);
              return Encode(n.expr, out->mutable_alias()->mutable_expr());
            },
            [&](const BinaryNode& n) -> Status {
              auto* binary = out->mutable_binary();
              binary->set_op(static_cast<pb::Operator>(static_cast<int>(n.op) + 1));
              FERRY_RETURN_NOT_OK(Encode(n.left, binary->mutable_left()));
              return Encode(n.right, binary->mutable_right());
            },
            [&](const NotNode& n) { return Encode(n.expr, out->mutable_not_()->mutable_expr()); },
            [&](const NegativeNode& n) {
              return Encode(n.expr, out->mutable_negative()->mutable_expr());
            },
            [&](const IsNullNode& n) -> Status {
              out->mutable_is_null()->set_negated(n.negated);
              return Encode(n.expr, out->mutable_is_null()->mutable_expr());
            },
            [&](const CastNode& n) -> Status {
              FERRY_ASSIGN_OR_RAISE(auto type, EncodeType(n.type));
              out->mutable_cast()->set_arrow_type(std::move(type));
              return Encode(n.expr, out->mutable_cast()->mutable_expr());
            },
            [&](const CaseNode& n) -> Status {
              auto* c = out->mutable_case_();
              if (n.base) FERRY_RETURN_NOT_OK(Encode(*n.base, c->mutable_base()));
              for (const auto& [when, then] : n.when_then) {
                auto* branch = c->add_when_then();
                FERRY_RETURN_NOT_OK(Encode(when, branch->mutable_when()));
                FERRY_RETURN_NOT_OK(Encode(then, branch->mutable_then()));
              }
              if (n.otherwise) FERRY_RETURN_NOT_OK(Encode(*n.otherwise, c->mutable_otherwise()));
              return Status::OK();
            },
            [&](const InListNode& n) -> Status {
              auto* in = out->mutable_in_list();
              in->set_negated(n.negated);
              FERRY_RETURN_NOT_OK(Encode(n.expr, in->mutable_expr()));
              for (const auto& item : n.list) FERRY_RETURN_NOT_OK(Encode(item, in->add_list()));
              return Status::OK();
            },
            [&](const BetweenNode& n) -> Status {
              auto* b = out->mutable_between();
              b->set_negated(n.negated);
              FERRY_RETURN_NOT_OK(Encode(n.expr, b->mutable_expr()));
              FERRY_RETURN_NOT_OK(Encode(n.low, b->mutable_low()));
              return Encode(n.high, b->mutable_high());
            },
            [&](const LikeNode& n) -> Status {
              auto* like = out->mutable_like();
              like->set_negated(n.negated);
              like->set_case_insensitive(n.case_insensitive);
              FERRY_RETURN_NOT_OK(Encode(n.expr, like->mutable_expr()));
              return Encode(n.pattern, like->mutable_pattern());
            },
            [&](const ScalarCallNode& n) -> Status {
              auto* call = out->mutable_scalar_function();
              FERRY_ASSIGN_OR_RAISE(auto index, ScalarIndex(n));
              call->set_function(index);
              for (const auto& arg : n.args) FERRY_RETURN_NOT_OK(Encode(arg, call->add_args()));
              return Status::OK();
            },
            [&](const AggregateCallNode& n) -> Status {
              auto* call = out->mutable_aggregate_function();
              FERRY_ASSIGN_OR_RAISE(auto index, AggregateIndex(n));
              call->set_function(index);
              call->set_distinct(n.distinct);
              for (const auto& arg : n.args) FERRY_RETURN_NOT_OK(Encode(arg, call->add_args()));
              return Status::OK();
            },
            [&](const SortNode& n) -> Status {
              auto* sort = out->mutable_sort();
              sort->set_ascending(n.ascending);
              sort->set_nulls_first(n.nulls_first);
              return Encode(n.expr, sort->mutable_expr());
            },
            [&](const WildcardNode&) -> Status {
              out->mutable_wildcard();
              return Status::OK();
            },
            [&](const WindowCallNode& n) -> Status {
              auto* call = out->mutable_window_function();
              FERRY_ASSIGN_OR_RAISE(auto index, WindowIndex(n));
              call->set_function(index);
              for (const auto& arg : n.args) FERRY_RETURN_NOT_OK(Encode(arg, call->add_args()));
              return Status::OK();
            },
            [&](const WindowNode& n) -> Status {
              auto* window = out->mutable_window();
              FERRY_RETURN_NOT_OK(Encode(n.function, window->mutable_function()));
              for (const auto& key : n.partition_by) FERRY_RETURN_NOT_OK(Encode(key, window->add_partition_by()));
              for (const auto& key : n.order_by) FERRY_RETURN_NOT_OK(Encode(key, window->add_order_by()));
              auto* frame = window->mutable_frame();
              frame->set_units(static_cast<pb::WindowFrame::Units>(static_cast<int>(n.frame.units) + 1));
              FERRY_RETURN_NOT_OK(EncodeBound(n.frame.start, frame->mutable_start()));
              return EncodeBound(n.frame.end, frame->mutable_end());
            },
        },
        expr.node().value);
  }

  Status EncodeAt(const Expr& expr, pb::Expr* out, int depth) {
    depth_ = depth;
    auto status = Encode(expr, out);
    depth_ = 0;
    return status;
  }

 private:
  // Each distinct function object is defined once and referred to by index.
  Result<uint32_t> ScalarIndex(const ScalarCallNode& n) {
    auto it = indices_.find(n.func.get());
    if (it != indices_.end()) return it->second;
    FERRY_ASSIGN_OR_RAISE(auto definition, codec_.EncodeScalar(*n.func));
    return AddFunction(n.func.get(), pb::FunctionDefinition::SCALAR, n.name, definition);
  }

  Result<uint32_t> AggregateIndex(const AggregateCallNode& n) {
    auto it = indices_.find(n.func.get());
    if (it != indices_.end()) return it->second;
    FERRY_ASSIGN_OR_RAISE(auto definition, codec_.EncodeAggregate(*n.func));
    return AddFunction(n.func.get(), pb::FunctionDefinition::AGGREGATE, n.name, definition);
  }

  Result<uint32_t> WindowIndex(const WindowCallNode& n) {
    auto it = indices_.find(n.func.get());
    if (it != indices_.end()) return it->second;
    FERRY_ASSIGN_OR_RAISE(auto definition, codec_.EncodeWindow(*n.func));
    return AddFunction(n.func.get(), pb::FunctionDefinition::WINDOW, n.name, definition);
  }

  static Status EncodeBound(const WindowFrame::Bound& bound, pb::WindowBound* out) {
    out->set_kind(static_cast<pb::WindowBound::Kind>(static_cast<int>(bound.kind) + 1));
    if (bound.offset) FERRY_RETURN_NOT_OK(EncodeLiteral(*bound.offset, out->mutable_offset()));
    return Status::OK();
  }

  uint32_t AddFunction(const void* key, pb::FunctionDefinition::Kind kind, const std::string& name,
                       const std::optional<std::string>& definition) {
    auto* entry = functions_->Add();
    entry->set_kind(kind);
    entry->set_name(name);
    if (definition) entry->set_definition(*definition);
    uint32_t index = static_cast<uint32_t>(functions_->size() - 1);
    indices_[key] = index;
    return index;
  }

  const ExtensionCodec& codec_;
  int max_depth_;
  int depth_ = 0;
  FunctionTable* functions_;
  std::map<const void*, uint32_t> indices_;
};

namespace internal {

ExprWriter::ExprWriter(const ExtensionCodec& codec, FunctionTable* functions, int max_depth)
    : impl_(std::make_unique<Impl>(codec, functions, max_depth)) {}
ExprWriter::~ExprWriter() = default;

Status ExprWriter::Write(const Expr& expr, pb::Expr* out, int depth) {
  return impl_->EncodeAt(expr, out, depth);
}

}  // namespace internal

Result<std::string> EncodeExpr(const Expr& expr, const ExtensionCodec& codec) {
  pb::ExprMessage message;
  internal::ExprWriter writer(codec, message.mutable_functions(), DecodeLimits{}.max_depth);
  FERRY_RETURN_NOT_OK(writer.Write(expr, message.mutable_root(), 0));
  return internal::WritePayload(message, internal::kExprKind, "expression");
}

}  // namespace ferry

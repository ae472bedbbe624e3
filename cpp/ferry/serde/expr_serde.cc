#include "ferry/serde/expr_serde.h"

#include <map>

#include <arrow/array/util.h>
#include <arrow/io/memory.h>
#include <arrow/ipc/reader.h>
#include <arrow/ipc/writer.h>
#include <google/protobuf/io/coded_stream.h>

#include "ferry/serde/envelope.h"
#include "ferry/serde/opaque_function.h"
#include "ferry/v1/expr.pb.h"
#include "ferry/common/overloaded.h"

namespace ferry {
namespace {

namespace pb = ferry::v1;

constexpr const char* kKind = "expr";

// ---- Arrow values as IPC ---------------------------------------------------

Result<std::string> WriteIpc(const std::shared_ptr<arrow::Schema>& schema,
                             const std::shared_ptr<arrow::RecordBatch>& batch) {
  FERRY_ASSIGN_OR_RAISE(auto sink, arrow::io::BufferOutputStream::Create());
  FERRY_ASSIGN_OR_RAISE(auto writer, arrow::ipc::MakeStreamWriter(sink, schema));
  if (batch) FERRY_RETURN_NOT_OK(writer->WriteRecordBatch(*batch));
  FERRY_RETURN_NOT_OK(writer->Close());
  FERRY_ASSIGN_OR_RAISE(auto buffer, sink->Finish());
  return buffer->ToString();
}

Result<std::string> EncodeScalarValue(const arrow::Scalar& scalar) {
  FERRY_ASSIGN_OR_RAISE(auto array, arrow::MakeArrayFromScalar(scalar, 1));
  auto schema = arrow::schema({arrow::field("value", scalar.type)});
  return WriteIpc(schema, arrow::RecordBatch::Make(schema, 1, {array}));
}

Result<std::string> EncodeType(const std::shared_ptr<arrow::DataType>& type) {
  return WriteIpc(arrow::schema({arrow::field("type", type)}), nullptr);
}

// Reads an IPC stream from untrusted bytes; the Arrow reader bounds every
// buffer by the input, and ValidateFull rejects inconsistent arrays.
Result<std::pair<std::shared_ptr<arrow::Schema>, std::shared_ptr<arrow::RecordBatch>>> ReadIpc(
    const std::string& bytes, const char* what) {
  // Owned copy: decoded values (list children, strings) borrow from it and
  // outlive the protobuf message the bytes came in.
  auto buffer = arrow::Buffer::FromString(bytes);
  auto input = std::make_shared<arrow::io::BufferReader>(buffer);
  auto reader = arrow::ipc::RecordBatchStreamReader::Open(input);
  if (!reader.ok()) return Status::Invalid("malformed ", what, ": ", reader.status().message());
  auto schema = (*reader)->schema();
  auto batch = (*reader)->Next();
  if (!batch.ok()) return Status::Invalid("malformed ", what, ": ", batch.status().message());
  if (*batch) {
    auto valid = (*batch)->ValidateFull();
    if (!valid.ok()) return Status::Invalid("malformed ", what, ": ", valid.message());
  }
  return std::make_pair(schema, *batch);
}

Result<std::shared_ptr<arrow::Scalar>> DecodeScalarValue(const std::string& bytes) {
  FERRY_ASSIGN_OR_RAISE(auto ipc, ReadIpc(bytes, "literal"));
  auto& [schema, batch] = ipc;
  if (schema->num_fields() != 1 || !batch || batch->num_rows() != 1) {
    return Status::Invalid("malformed literal: expected one column and one row");
  }
  return batch->column(0)->GetScalar(0);
}

Result<std::shared_ptr<arrow::DataType>> DecodeType(const std::string& bytes) {
  FERRY_ASSIGN_OR_RAISE(auto ipc, ReadIpc(bytes, "cast type"));
  if (ipc.first->num_fields() != 1) return Status::Invalid("malformed cast type: expected one field");
  return ipc.first->field(0)->type();
}

Status EncodeLiteral(const arrow::Scalar& scalar, pb::Literal* out) {
  if (scalar.type->id() == arrow::Type::NA) {
    out->mutable_null_value();
    return Status::OK();
  }
  if (scalar.is_valid) {
    switch (scalar.type->id()) {
      case arrow::Type::BOOL:
        out->set_bool_value(static_cast<const arrow::BooleanScalar&>(scalar).value);
        return Status::OK();
      case arrow::Type::INT64:
        out->set_int64_value(static_cast<const arrow::Int64Scalar&>(scalar).value);
        return Status::OK();
      case arrow::Type::DOUBLE:
        out->set_float64_value(static_cast<const arrow::DoubleScalar&>(scalar).value);
        return Status::OK();
      case arrow::Type::STRING:
        out->set_utf8_value(std::string(static_cast<const arrow::StringScalar&>(scalar).view()));
        return Status::OK();
      default:
        break;
    }
  }
  FERRY_ASSIGN_OR_RAISE(auto bytes, EncodeScalarValue(scalar));
  out->set_arrow_ipc(std::move(bytes));
  return Status::OK();
}

Result<std::shared_ptr<arrow::Scalar>> DecodeLiteral(const pb::Literal& literal) {
  switch (literal.value_case()) {
    case pb::Literal::kBoolValue:
      return std::make_shared<arrow::BooleanScalar>(literal.bool_value());
    case pb::Literal::kInt64Value:
      return std::make_shared<arrow::Int64Scalar>(literal.int64_value());
    case pb::Literal::kFloat64Value:
      return std::make_shared<arrow::DoubleScalar>(literal.float64_value());
    case pb::Literal::kUtf8Value:
      return std::make_shared<arrow::StringScalar>(literal.utf8_value());
    case pb::Literal::kNullValue:
      return std::make_shared<arrow::NullScalar>();
    case pb::Literal::kArrowIpc:
      return DecodeScalarValue(literal.arrow_ipc());
    case pb::Literal::VALUE_NOT_SET:
      break;
  }
  return Status::Invalid("literal without a value");
}

// ---- encoding --------------------------------------------------------------

class Encoder {
 public:
  explicit Encoder(const ExtensionCodec& codec, int max_depth) : codec_(codec), max_depth_(max_depth) {}

  // Never writes what DecodeExpr would refuse to read back.
  Status Encode(const Expr& expr, pb::Expr* out) {
    if (++depth_ > max_depth_) {
      return Status::Invalid("expression nests deeper than the wire format's limit of ",
                             max_depth_, " levels");
    }
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

  pb::ExprMessage& message() { return message_; }

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
    auto* entry = message_.add_functions();
    entry->set_kind(kind);
    entry->set_name(name);
    if (definition) entry->set_definition(*definition);
    uint32_t index = static_cast<uint32_t>(message_.functions_size() - 1);
    indices_[key] = index;
    return index;
  }

  const ExtensionCodec& codec_;
  int max_depth_;
  int depth_ = 0;
  pb::ExprMessage message_;
  std::map<const void*, uint32_t> indices_;
};

// ---- decoding --------------------------------------------------------------

class Decoder {
 public:
  Decoder(const pb::ExprMessage& message, const ExtensionCodec& codec,
          const FunctionRegistry& registry, UnknownFunctionPolicy unknown,
          const DecodeLimits& limits)
      : message_(message), codec_(codec), registry_(registry), unknown_(unknown),
        limits_(limits), scalars_(message.functions_size()), aggregates_(message.functions_size()),
        windows_(message.functions_size()) {}

  Result<Expr> Decode(const pb::Expr& node, int depth) {
    if (depth > limits_.max_depth) {
      return Status::Invalid("expression nests deeper than the limit of ", limits_.max_depth);
    }
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
        return ScalarCall(func, message_.functions(n.function()).name(), std::move(args));
      }
      case pb::Expr::kAggregateFunction: {
        const auto& n = node.aggregate_function();
        FERRY_ASSIGN_OR_RAISE(auto func, AggregateAt(n.function()));
        FERRY_ASSIGN_OR_RAISE(auto args, DecodeAll(n.args(), depth));
        return AggregateCall(func, message_.functions(n.function()).name(), std::move(args),
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
        return WindowCall(func, message_.functions(n.function()).name(), std::move(args));
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
    if (index >= static_cast<uint32_t>(message_.functions_size())) {
      return Status::Invalid("function reference ", index, " out of range: the expression defines ",
                             message_.functions_size(), " functions");
    }
    const auto& def = message_.functions(index);
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

  const pb::ExprMessage& message_;
  const ExtensionCodec& codec_;
  const FunctionRegistry& registry_;
  UnknownFunctionPolicy unknown_;
  const DecodeLimits& limits_;
  std::vector<std::shared_ptr<const ScalarFunction>> scalars_;
  std::vector<std::shared_ptr<const AggregateFunction>> aggregates_;
  std::vector<std::shared_ptr<const WindowFunction>> windows_;
};

}  // namespace

Result<std::string> EncodeExpr(const Expr& expr, const ExtensionCodec& codec) {
  Encoder encoder(codec, DecodeLimits{}.max_depth);
  FERRY_RETURN_NOT_OK(encoder.Encode(expr, encoder.message().mutable_root()));
  std::string payload;
  if (!encoder.message().SerializeToString(&payload)) {
    return Status::SerializationError("cannot serialize expression ", expr.ToString());
  }
  return WrapEnvelope(kKind, std::move(payload));
}

Result<Expr> DecodeExpr(std::string_view bytes, const ExtensionCodec& codec,
                        const FunctionRegistry& registry, UnknownFunctionPolicy unknown,
                        const DecodeLimits& limits) {
  if (static_cast<int64_t>(bytes.size()) > limits.max_bytes) {
    return Status::Invalid("encoded expression of ", bytes.size(), " bytes exceeds the limit of ",
                           limits.max_bytes);
  }
  FERRY_ASSIGN_OR_RAISE(auto envelope, UnwrapEnvelope(bytes, kKind));
  pb::ExprMessage message;
  google::protobuf::io::CodedInputStream input(
      reinterpret_cast<const uint8_t*>(envelope.payload.data()),
      static_cast<int>(envelope.payload.size()));
  // Protobuf's own nesting guard, set above ours so ours reports first: a
  // level of an expression is at most three messages deep (CASE branches).
  input.SetRecursionLimit(3 * limits.max_depth + 8);
  if (!message.ParseFromCodedStream(&input) || !input.ConsumedEntireMessage()) {
    return Status::Invalid("not a ferry expression: the payload is malformed or too deeply nested");
  }
  if (!message.has_root()) return Status::Invalid("not a ferry expression: no root expression");
  return Decoder(message, codec, registry, unknown, limits).Decode(message.root(), 0);
}

}  // namespace ferry

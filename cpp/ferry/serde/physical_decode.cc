// Wire format v1 bytes -> ExecutionPlan, for any input: every operator
// rebuilt through the factory the planner used, its expressions bound
// again to its decoded input, or an error value.

#include "ferry/exec/exchange_info.h"
#include "ferry/exec/operator_binders.h"
#include "ferry/exec/row_hash.h"
#include "ferry/function/bind.h"
#include "ferry/plan/builder.h"
#include "ferry/serde/expr_serde_internal.h"
#include "ferry/serde/literal_serde_internal.h"
#include "ferry/serde/physical_decode_checks_internal.h"
#include "ferry/serde/physical_serde.h"
#include "ferry/serde/physical_serde_internal.h"
#include "ferry/serde/physical_tree.h"
#include "ferry/serde/plan_serde_internal.h"

namespace ferry {

namespace {

namespace pb = ferry::v1;
using internal::CheckTypes;
using internal::Fetch;
using internal::PartitionedAlike;
using internal::PlanTooDeep;
using internal::ReadsWhole;
using internal::Types;
using internal::TypesOf;

class PhysicalDecoder {
 public:
  PhysicalDecoder(internal::ExprReader& exprs, const internal::ScanTables& tables,
                  const DecodeLimits& limits, const StageInputBinder& bind_stage_input)
      : exprs_(exprs), tables_(tables), limits_(limits), bind_stage_input_(bind_stage_input) {}

  // `depth` is the level of `node`'s parent (0 for the root).
  Result<ExecPtr> Decode(const pb::ExecNode& node, int depth) {
    if (depth >= limits_.max_depth) return PlanTooDeep(limits_.max_depth);
    FERRY_ASSIGN_OR_RAISE(auto plan, DecodeNode(node, depth + 1));
    // Described only when refused: describing costs more than decoding.
    if (plan->num_partitions() < 1 || plan->num_partitions() > limits_.max_partitions) {
      return CheckPartitions(plan->num_partitions(), plan->Describe().c_str());
    }
    return plan;
  }

 private:
  Result<ExecPtr> DecodeNode(const pb::ExecNode& node, int depth) {
    switch (node.node_case()) {
      case pb::ExecNode::kProjection:
        return DecodeProjection(node.projection(), depth);
      case pb::ExecNode::kFilter:
        return DecodeFilter(node.filter(), depth);
      case pb::ExecNode::kPartialAggregate:
        return DecodePartialAggregate(node.partial_aggregate(), depth);
      case pb::ExecNode::kFinalAggregate:
        return DecodeFinalAggregate(node.final_aggregate(), depth);
      case pb::ExecNode::kSort: {
        const auto& n = node.sort();
        FERRY_ASSIGN_OR_RAISE(auto input, Input(n.has_input(), n.input(), "sort", depth));
        FERRY_ASSIGN_OR_RAISE(auto keys, SortKeys(n.keys(), *input->schema(), "sort", depth));
        FERRY_ASSIGN_OR_RAISE(auto fetch, Fetch(n.has_fetch(), n.fetch(), "sort"));
        return MakeSortExec(std::move(input), std::move(keys), fetch, n.per_partition());
      }
      case pb::ExecNode::kSortMerge: {
        const auto& n = node.sort_merge();
        FERRY_ASSIGN_OR_RAISE(auto input, Input(n.has_input(), n.input(), "sort merge", depth));
        FERRY_ASSIGN_OR_RAISE(auto keys, SortKeys(n.keys(), *input->schema(), "sort merge", depth));
        if (!CanMergeSortKeys(keys)) {
          return Status::TypeError("a sort merge cannot compare keys of these types");
        }
        FERRY_ASSIGN_OR_RAISE(auto fetch, Fetch(n.has_fetch(), n.fetch(), "sort merge"));
        return MakeSortMergeExec(std::move(input), std::move(keys), fetch);
      }
      case pb::ExecNode::kLimit: {
        const auto& n = node.limit();
        FERRY_ASSIGN_OR_RAISE(auto input, Input(n.has_input(), n.input(), "limit", depth));
        if (n.skip() < 0) return Status::Invalid("limit skip ", n.skip(), " is negative");
        FERRY_ASSIGN_OR_RAISE(auto fetch, Fetch(n.has_fetch(), n.fetch(), "limit"));
        return MakeLimitExec(std::move(input), n.skip(), fetch);
      }
      case pb::ExecNode::kHashJoin:
        return DecodeHashJoin(node.hash_join(), depth);
      case pb::ExecNode::kExchange:
        return DecodeExchange(node.exchange(), depth);
      case pb::ExecNode::kWindow:
        return DecodeWindow(node.window(), depth);
      case pb::ExecNode::kUnion:
        return DecodeUnion(node.union_(), depth);
      case pb::ExecNode::kMemoryScan:
        return internal::DecodeMemoryScan(node.memory_scan(), tables_, limits_);
      case pb::ExecNode::kFileScan: {
        std::vector<Expr> filters;
        for (const auto& filter : node.file_scan().filters()) {
          FERRY_ASSIGN_OR_RAISE(auto expr, exprs_.Read(filter, depth));
          filters.push_back(std::move(expr));
        }
        return internal::DecodeFileScan(node.file_scan(), std::move(filters), tables_, limits_);
      }
      case pb::ExecNode::kStageInput:
        return internal::DecodeStageInput(node.stage_input(), bind_stage_input_, limits_);
      case pb::ExecNode::kSharedSubplan:
        return DecodeSharedSubplan(node.shared_subplan(), depth);
      case pb::ExecNode::NODE_NOT_SET:
        break;
    }
    return Status::Invalid("physical plan operator of unknown or missing kind");
  }

  Result<ExecPtr> Input(bool present, const pb::ExecNode& input, const char* parent, int depth) {
    if (!present) return Status::Invalid(parent, " is missing its input");
    return Decode(input, depth);
  }

  Status CheckPartitions(int64_t n, const char* what) const {
    return internal::CheckPartitions(n, limits_, what);
  }

  static Result<std::vector<int>> Indices(const google::protobuf::RepeatedField<uint32_t>& in,
                                          const arrow::Schema* schema, const char* what) {
    return internal::DecodeIndices(in, schema, what);
  }

  // An operator's expression, bound to its input's schema.
  Result<PhysicalExprPtr> Physical(const pb::PhysicalExpr& expr, const arrow::Schema& input,
                                   int depth) {
    switch (expr.expr_case()) {
      case pb::PhysicalExpr::kBound: {
        FERRY_ASSIGN_OR_RAISE(auto logical, exprs_.Read(expr.bound(), depth));
        return BindScalar(logical, input);
      }
      case pb::PhysicalExpr::kColumn: {
        if (expr.column() >= static_cast<uint32_t>(input.num_fields())) {
          return Status::IndexError("column index ", expr.column(), " out of range for an input of ",
                                    input.num_fields(), " columns");
        }
        const auto& field = input.field(static_cast<int>(expr.column()));
        return MakeColumnRef(static_cast<int>(expr.column()), field->name(), field->type());
      }
      case pb::PhysicalExpr::EXPR_NOT_SET:
        break;
    }
    return Status::Invalid("physical expression of unknown or missing kind");
  }

  Result<std::vector<PhysicalExprPtr>> Physicals(
      const google::protobuf::RepeatedPtrField<pb::PhysicalExpr>& exprs, const arrow::Schema& input,
      int depth) {
    std::vector<PhysicalExprPtr> out;
    out.reserve(exprs.size());
    for (const auto& expr : exprs) {
      FERRY_ASSIGN_OR_RAISE(auto bound, Physical(expr, input, depth));
      out.push_back(std::move(bound));
    }
    return out;
  }

  Result<std::vector<SortKeySpec>> SortKeys(const google::protobuf::RepeatedPtrField<pb::SortKey>& keys,
                                            const arrow::Schema& input, const char* what, int depth) {
    if (keys.empty()) return Status::Invalid(what, " without keys");
    std::vector<SortKeySpec> out;
    for (const auto& key : keys) {
      if (!key.has_expr()) return Status::Invalid(what, " key without an expression");
      FERRY_ASSIGN_OR_RAISE(auto expr, Physical(key.expr(), input, depth));
      out.push_back({std::move(expr), key.ascending(), key.nulls_first()});
    }
    return out;
  }

  Result<ExecPtr> DecodeProjection(const pb::ProjectionExecNode& n, int depth) {
    FERRY_ASSIGN_OR_RAISE(auto input, Input(n.has_input(), n.input(), "projection", depth));
    FERRY_ASSIGN_OR_RAISE(auto exprs, Physicals(n.exprs(), *input->schema(), depth));
    if (!n.has_schema()) {  // named and typed as the expressions say
      auto derived = internal::DerivedProjectionSchemaOfBound(exprs);
      if (!derived) return Status::Invalid("projection without a schema over a column by index");
      return MakeProjectionExec(std::move(input), std::move(exprs), *std::move(derived));
    }
    FERRY_ASSIGN_OR_RAISE(auto schema, internal::DecodeSchema(true, n.schema(), "projection"));
    FERRY_RETURN_NOT_OK(CheckTypes(*schema, TypesOf(exprs), "projection"));
    return MakeProjectionExec(std::move(input), std::move(exprs), std::move(schema));
  }

  Result<ExecPtr> DecodeFilter(const pb::FilterExecNode& n, int depth) {
    FERRY_ASSIGN_OR_RAISE(auto input, Input(n.has_input(), n.input(), "filter", depth));
    if (!n.has_predicate()) return Status::Invalid("filter without a predicate");
    FERRY_ASSIGN_OR_RAISE(auto predicate, Physical(n.predicate(), *input->schema(), depth));
    if (predicate->type()->id() != arrow::Type::BOOL) {
      return Status::TypeError("filter predicate ", predicate->ToString(), " is ",
                               DisplayTypeName(*predicate->type()), ", not Boolean");
    }
    std::optional<std::vector<int>> keep;
    if (n.has_keep()) {
      FERRY_ASSIGN_OR_RAISE(keep, Indices(n.keep().columns(), input->schema().get(), "filter"));
    }
    return MakeFilterExec(std::move(input), std::move(predicate), std::move(keep));
  }

  Result<Expr> AggregateCall(const pb::AggregateExpr& aggregate, const char* what, int depth) {
    if (!aggregate.has_call()) return Status::Invalid(what, " aggregate without its call");
    return exprs_.Read(aggregate.call(), depth);
  }

  Result<ExecPtr> DecodePartialAggregate(const pb::PartialAggregateExecNode& n, int depth) {
    FERRY_ASSIGN_OR_RAISE(auto input, Input(n.has_input(), n.input(), "partial aggregate", depth));
    const auto& schema = *input->schema();
    FERRY_ASSIGN_OR_RAISE(auto group_by, Physicals(n.group_by(), schema, depth));
    if (n.group_names_size() != static_cast<int>(group_by.size())) {
      return Status::Invalid("partial aggregate has ", group_by.size(), " group keys but ",
                             n.group_names_size(), " names");
    }
    std::vector<std::string> names(n.group_names().begin(), n.group_names().end());
    std::vector<AggregateSpec> aggregates;
    for (const auto& aggregate : n.aggregates()) {
      if (aggregate.has_arg_types()) {
        return Status::Invalid("a partial aggregate's arguments are bound to its input: it takes "
                               "no argument types");
      }
      FERRY_ASSIGN_OR_RAISE(auto call, AggregateCall(aggregate, "partial", depth));
      FERRY_ASSIGN_OR_RAISE(auto spec, BindAggregate(call, schema));
      aggregates.push_back(std::move(spec));
    }
    return MakePartialAggregateExec(std::move(input), std::move(group_by), std::move(names),
                                    std::move(aggregates));
  }

  Result<ExecPtr> DecodeFinalAggregate(const pb::FinalAggregateExecNode& n, int depth) {
    FERRY_ASSIGN_OR_RAISE(auto input, Input(n.has_input(), n.input(), "final aggregate", depth));
    const auto& fields = input->schema()->fields();
    if (n.num_group_keys() > fields.size()) {
      return Status::IndexError("final aggregate has ", n.num_group_keys(),
                                " group keys but its input only ", fields.size(), " columns");
    }
    const size_t num_keys = n.num_group_keys();
    const Types field_types = TypesOf(fields);
    Types expected(field_types.begin(), field_types.begin() + num_keys);
    Types states;
    std::vector<AggregateSpec> aggregates;
    for (const auto& aggregate : n.aggregates()) {
      FERRY_ASSIGN_OR_RAISE(auto call, AggregateCall(aggregate, "final", depth));
      const auto* node = Unaliased(call).As<AggregateCallNode>();
      if (node != nullptr && !node->args.empty()) {
        return Status::Invalid("a final aggregate merges states: its call ", call.ToString(),
                               " takes no arguments, only their types");
      }
      FERRY_ASSIGN_OR_RAISE(auto arg_schema,
                            internal::DecodeSchema(aggregate.has_arg_types(), aggregate.arg_types(),
                                                   "final aggregate argument"));
      FERRY_ASSIGN_OR_RAISE(auto spec, BindAggregateTypes(call, TypesOf(arg_schema->fields())));
      for (const auto& state : spec.state_fields) states.push_back(state->type());
      expected.push_back(spec.return_type);
      aggregates.push_back(std::move(spec));
    }
    // The input must be what a partial aggregate of these emits.
    Types input_types(field_types.begin(), field_types.begin() + num_keys);
    input_types.insert(input_types.end(), states.begin(), states.end());
    FERRY_RETURN_NOT_OK(CheckTypes(*input->schema(), input_types, "final aggregate input"));
    FERRY_ASSIGN_OR_RAISE(auto schema,
                          internal::DecodeSchema(n.has_schema(), n.schema(), "final aggregate"));
    FERRY_RETURN_NOT_OK(CheckTypes(*schema, expected, "final aggregate"));
    if (input->num_partitions() > 1 && num_keys > 0) {
      // Each group's partial states must all be in one partition.
      auto partitioning = input->output_partitioning();
      bool on_keys = partitioning && partitioning->num_partitions == input->num_partitions() &&
                     !partitioning->columns.empty();
      for (int column : on_keys ? partitioning->columns : std::vector<int>{}) {
        on_keys = on_keys && column < static_cast<int>(num_keys);
      }
      if (!on_keys) {
        return Status::Invalid("a final aggregate over ", input->num_partitions(),
                               " partitions needs its input hash-partitioned on group keys");
      }
    }
    return MakeFinalAggregateExec(std::move(input), num_keys, std::move(aggregates),
                                  std::move(schema));
  }

  Result<ExecPtr> DecodeHashJoin(const pb::HashJoinExecNode& n, int depth) {
    if (n.type() <= pb::JoinPlan::JOIN_TYPE_UNSPECIFIED || n.type() > pb::JoinPlan::LEFT_ANTI) {
      return Status::Invalid("unknown join type ", static_cast<int>(n.type()));
    }
    if (n.mode() != pb::HashJoinExecNode::PARTITIONED &&
        n.mode() != pb::HashJoinExecNode::COLLECT_BUILD) {
      return Status::Invalid("unknown hash join mode ", static_cast<int>(n.mode()));
    }
    FERRY_ASSIGN_OR_RAISE(auto left, Input(n.has_left(), n.left(), "hash join", depth));
    FERRY_ASSIGN_OR_RAISE(auto right, Input(n.has_right(), n.right(), "hash join", depth));
    JoinNode join;
    join.type = static_cast<JoinType>(n.type() - 1);
    FERRY_ASSIGN_OR_RAISE(join.left_keys, Indices(n.left_keys(), nullptr, "join key"));
    FERRY_ASSIGN_OR_RAISE(join.right_keys, Indices(n.right_keys(), nullptr, "join key"));
    for (const auto& column : n.output_columns()) {
      JoinNode::OutputColumn out;
      if (column.has_left()) {
        if (column.left() > static_cast<uint32_t>(INT32_MAX)) {
          return Status::IndexError("join output column index ", column.left(), " out of range");
        }
        out.left = static_cast<int>(column.left());
      }
      if (column.has_right()) {
        if (column.right() > static_cast<uint32_t>(INT32_MAX)) {
          return Status::IndexError("join output column index ", column.right(), " out of range");
        }
        out.right = static_cast<int>(column.right());
      }
      join.output_columns.push_back(out);
    }
    if (n.has_filter()) {
      FERRY_ASSIGN_OR_RAISE(join.filter, exprs_.Read(n.filter(), depth));
    }
    FERRY_ASSIGN_OR_RAISE(auto schema, internal::DecodeSchema(n.has_schema(), n.schema(), "hash join"));
    std::vector<std::string> names;
    for (const auto& field : schema->fields()) names.push_back(field->name());
    FERRY_ASSIGN_OR_RAISE(auto fields,
                          plan::JoinFieldsFromParts(*left->schema(), *right->schema(), join.type,
                                                    join.left_keys, join.right_keys,
                                                    join.output_columns, names, join.filter));
    FERRY_RETURN_NOT_OK(CheckTypes(*schema, TypesOf(fields), "hash join"));
    FERRY_ASSIGN_OR_RAISE(auto filter, BindJoinFilter(join, *left->schema(), *right->schema()));
    const bool build_left = n.build_left();
    const auto mode = n.mode() == pb::HashJoinExecNode::PARTITIONED ? HashJoinMode::kPartitioned
                                                                    : HashJoinMode::kCollectBuild;
    if (left->num_partitions() == right->num_partitions() && left->num_partitions() > 1) {
      if (mode == HashJoinMode::kPartitioned &&
          !PartitionedAlike(*left, join.left_keys, *right, join.right_keys)) {
        return Status::Invalid("a partitioned hash join over ", left->num_partitions(),
                               " partitions needs both inputs hash-partitioned alike on its keys");
      }
      if (mode == HashJoinMode::kCollectBuild && !ReadsWhole(build_left ? *left : *right)) {
        return Status::Invalid("a collect-build hash join over ", left->num_partitions(),
                               " partitions needs its build side broadcast to every partition");
      }
    }
    return MakeHashJoinExec(std::move(left), std::move(right), join, mode, build_left,
                            std::move(schema), std::move(filter));
  }

  Result<ExecPtr> DecodeExchange(const pb::ExchangeExecNode& n, int depth) {
    if (n.kind() <= pb::ExchangeExecNode::KIND_UNSPECIFIED ||
        n.kind() > pb::ExchangeExecNode::BROADCAST) {
      return Status::Invalid("unknown exchange kind ", static_cast<int>(n.kind()));
    }
    FERRY_ASSIGN_OR_RAISE(auto input, Input(n.has_input(), n.input(), "exchange", depth));
    FERRY_RETURN_NOT_OK(CheckPartitions(n.num_outputs(), "exchange"));
    const int outputs = static_cast<int>(n.num_outputs());
    if (n.kind() != pb::ExchangeExecNode::HASH && n.keys_size() > 0) {
      return Status::Invalid("only a hash exchange has keys");
    }
    switch (n.kind()) {
      case pb::ExchangeExecNode::HASH: {
        if (n.keys_size() == 0) return Status::Invalid("hash exchange without keys");
        FERRY_ASSIGN_OR_RAISE(auto keys, Physicals(n.keys(), *input->schema(), depth));
        for (const auto& key : keys) {
          if (!CanHashRows(*key->type())) {
            return Status::TypeError("hash exchange key ", key->ToString(), " of type ",
                                     DisplayTypeName(*key->type()), " cannot be hashed");
          }
        }
        return MakeHashRepartitionExec(std::move(input), std::move(keys), outputs);
      }
      case pb::ExchangeExecNode::ROUND_ROBIN:
        return MakeRoundRobinRepartitionExec(std::move(input), outputs);
      case pb::ExchangeExecNode::BROADCAST:
        return MakeBroadcastExec(std::move(input), outputs);
      default:
        break;
    }
    if (outputs != 1) return Status::Invalid("a gather has one output, not ", outputs);
    if (n.kind() == pb::ExchangeExecNode::ORDERED_GATHER) {
      return MakeOrderedCoalesceExec(std::move(input));
    }
    return MakeCoalescePartitionsExec(std::move(input));
  }

  Result<ExecPtr> DecodeWindow(const pb::WindowExecNode& n, int depth) {
    FERRY_ASSIGN_OR_RAISE(auto input, Input(n.has_input(), n.input(), "window", depth));
    const auto& input_schema = *input->schema();
    Types expected = TypesOf(input_schema.fields());
    std::vector<WindowExprSpec> specs;
    for (const auto& node : n.window_exprs()) {
      FERRY_ASSIGN_OR_RAISE(auto expr, exprs_.Read(node, depth));
      FERRY_ASSIGN_OR_RAISE(auto field, plan::WindowField(expr, input_schema));
      FERRY_ASSIGN_OR_RAISE(auto spec, BindWindow(expr, input_schema));
      expected.push_back(field->type());
      specs.push_back(std::move(spec));
    }
    FERRY_ASSIGN_OR_RAISE(auto schema, internal::DecodeSchema(n.has_schema(), n.schema(), "window"));
    FERRY_RETURN_NOT_OK(CheckTypes(*schema, expected, "window"));
    return MakeWindowExec(std::move(input), std::move(specs), std::move(schema), n.per_partition());
  }

  // The first reader of an id carries its subplan; later ones refer to it.
  Result<ExecPtr> DecodeSharedSubplan(const pb::SharedSubplanExecNode& n, int depth) {
    auto known = shared_.find(n.id());
    if (!n.has_input()) {
      if (known == shared_.end()) {
        return Status::Invalid("shared subplan ", n.id(), " is read before the reader that carries it");
      }
      return MakeSharedSubplanExec(known->second);
    }
    if (known != shared_.end()) return Status::Invalid("shared subplan ", n.id(), " is carried twice");
    FERRY_ASSIGN_OR_RAISE(auto input, Decode(n.input(), depth));
    if (shared_.count(n.id())) return Status::Invalid("shared subplan ", n.id(), " is carried twice");
    auto shared = MakeSharedSubplan(std::move(input));
    shared_.emplace(n.id(), shared);
    return MakeSharedSubplanExec(shared);
  }

  Result<ExecPtr> DecodeUnion(const pb::UnionExecNode& n, int depth) {
    if (n.inputs_size() == 0) return Status::Invalid("union needs at least one input");
    FERRY_ASSIGN_OR_RAISE(auto schema, internal::DecodeSchema(n.has_schema(), n.schema(), "union"));
    std::vector<ExecPtr> inputs;
    int64_t partitions = 0;
    for (const auto& node : n.inputs()) {
      FERRY_ASSIGN_OR_RAISE(auto input, Decode(node, depth));
      FERRY_RETURN_NOT_OK(CheckTypes(*schema, TypesOf(input->schema()->fields()), "union"));
      partitions += input->num_partitions();
      FERRY_RETURN_NOT_OK(CheckPartitions(partitions, "union"));
      inputs.push_back(std::move(input));
    }
    return MakeUnionExec(std::move(inputs), std::move(schema));
  }

  internal::ExprReader& exprs_;
  const internal::ScanTables& tables_;
  const DecodeLimits& limits_;
  const StageInputBinder& bind_stage_input_;
  std::unordered_map<uint32_t, std::shared_ptr<SharedSubplan>> shared_;
};

}  // namespace

class PhysicalTreeReader::Impl {
 public:
  Impl(const internal::FunctionTable& functions, const ExtensionCodec& codec,
       const FunctionRegistry& registry, internal::ScanTables tables, const DecodeLimits& limits)
      : exprs(functions, codec, registry, UnknownFunctionPolicy::kError, limits),
        tables(std::move(tables)), limits(limits) {}
  internal::ExprReader exprs;
  internal::ScanTables tables;
  const DecodeLimits& limits;
};

PhysicalTreeReader::PhysicalTreeReader(const internal::FunctionTable& functions,
                                       const ExtensionCodec& codec, const FunctionRegistry& registry,
                                       const TableOpener& open_table, const DecodeLimits& limits,
                                       const TableResolver& resolve_table)
    : impl_(std::make_unique<Impl>(functions, codec, registry,
                                   internal::ScanTables{open_table, resolve_table}, limits)) {
  EnsureArrowCompute();
}
PhysicalTreeReader::~PhysicalTreeReader() = default;

Result<ExecPtr> PhysicalTreeReader::Read(const pb::ExecNode& root,
                                         const StageInputBinder& bind_stage_input) {
  return PhysicalDecoder(impl_->exprs, impl_->tables, impl_->limits, bind_stage_input)
      .Decode(root, 0);
}

}  // namespace ferry

// ExecutionPlan -> wire format v1 bytes (docs/wire-format.md, "Physical
// plans"): each operator as its kind, parameters and the logical
// expressions it was bound from.

#include <arrow/ipc/writer.h>

#include "ferry/common/overloaded.h"
#include "ferry/exec/exchange_info.h"
#include "ferry/exec/operator_info.h"
#include "ferry/function/bind.h"
#include "ferry/serde/expr_serde_internal.h"
#include "ferry/serde/literal_serde_internal.h"
#include "ferry/serde/physical_serde.h"
#include "ferry/serde/physical_serde_internal.h"
#include "ferry/serde/physical_tree.h"
#include "ferry/serde/plan_serde_internal.h"

namespace ferry {

namespace internal {

Status EncodeSchema(const arrow::Schema& schema, ferry::v1::Schema* out) {
  // The bytes WriteIpcStream writes for a stream of no batches (the schema
  // message, then the end-of-stream marker) without copying the schema and
  // opening and closing a stream writer, which cost three times as much.
  FERRY_ASSIGN_OR_RAISE(auto message, arrow::ipc::SerializeSchema(schema));
  static constexpr char kEndOfStream[8] = {'\xff', '\xff', '\xff', '\xff', 0, 0, 0, 0};
  auto* ipc = out->mutable_arrow_ipc();
  ipc->reserve(static_cast<size_t>(message->size()) + sizeof(kEndOfStream));
  ipc->assign(reinterpret_cast<const char*>(message->data()), static_cast<size_t>(message->size()));
  ipc->append(kEndOfStream, sizeof(kEndOfStream));
  return Status::OK();
}

std::optional<std::shared_ptr<arrow::Schema>> DerivedProjectionSchema(
    const std::vector<PhysicalExprPtr>& exprs, const arrow::Schema& input) {
  arrow::FieldVector fields;
  for (const auto& expr : exprs) {
    const auto* source = SourceOf(*expr);
    if (source == nullptr) return std::nullopt;
    auto field = OutputField(*source, input);
    if (!field.ok()) return std::nullopt;
    fields.push_back(*std::move(field));
  }
  return arrow::schema(std::move(fields));
}

std::optional<std::shared_ptr<arrow::Schema>> DerivedProjectionSchemaOfBound(
    const std::vector<PhysicalExprPtr>& exprs) {
  arrow::FieldVector fields;
  fields.reserve(exprs.size());
  for (const auto& expr : exprs) {
    const auto* source = SourceOf(*expr);
    if (source == nullptr) return std::nullopt;
    fields.push_back(arrow::field(source->SchemaName(), expr->type()));
  }
  return arrow::schema(std::move(fields));
}

bool SameSchema(const arrow::Schema& a, const arrow::Schema& b, bool check_metadata) {
  if (&a == &b) return true;
  if (a.num_fields() != b.num_fields() || a.endianness() != b.endianness()) return false;
  for (int i = 0; i < a.num_fields(); ++i) {
    if (!a.field(i)->Equals(*b.field(i), check_metadata)) return false;
  }
  if (!check_metadata) return true;
  const bool a_has = a.HasMetadata(), b_has = b.HasMetadata();
  if (a_has && b_has) return a.metadata()->Equals(*b.metadata());
  return a_has == b_has;
}

}  // namespace internal

namespace {

namespace pb = ferry::v1;
using internal::PlanTooDeep;

Status CannotTravel(const PhysicalExpr& expr, const ExecutionPlan& plan) {
  return Status::NotImplemented("expression ", expr.ToString(), " of ", plan.Describe(),
                                " was not bound from a logical expression: it cannot travel in a "
                                "physical plan");
}

void SetProjection(const std::vector<int>& columns, pb::Projection* out) {
  for (int column : columns) out->add_columns(static_cast<uint32_t>(column));
}

class PhysicalEncoder {
 public:
  PhysicalEncoder(const ExtensionCodec& codec, internal::FunctionTable* functions,
                  const DecodeLimits& limits, PhysicalEncodeOptions options)
      : exprs_(codec, functions, limits.max_depth),
        options_(std::move(options)),
        max_depth_(limits.max_depth),
        max_partitions_(limits.max_partitions) {}

  // Shared subplans are numbered per tree: a tree carries each one it reads.
  void StartTree() { shared_ids_.clear(); }

  // `depth` is the level of `plan`'s parent (0 for the root).
  Status Encode(const ExecutionPlan& plan, pb::ExecNode* out, int depth) {
    if (depth >= max_depth_) return PlanTooDeep(max_depth_);
    ++depth;
    if (plan.num_partitions() > max_partitions_) {
      return Status::Invalid("cannot encode the physical plan: ", plan.Describe(), " has ",
                             plan.num_partitions(), " partitions, over the decoder's limit of ",
                             max_partitions_);
    }
    if (const auto* exchange = AsExchange(plan)) return EncodeExchange(*exchange, plan, out, depth);
    if (const auto* spec = AsStageInput(plan)) return EncodeStageInput(*spec, out->mutable_stage_input());
    auto info = plan.operator_info();
    if (info == nullptr) {
      return Status::NotImplemented("operator '", plan.Describe(),
                                    "' cannot travel in a physical plan: it does not describe itself");
    }
    const auto children = plan.children();
    auto input = [&](pb::ExecNode* node) { return Encode(*children.at(0), node, depth); };
    return std::visit(
        Overloaded{
            [&](const ProjectionInfo& info) -> Status {
              auto* node = out->mutable_projection();
              FERRY_RETURN_NOT_OK(input(node->mutable_input()));
              for (const auto& expr : info.exprs) {
                FERRY_RETURN_NOT_OK(Physical(*expr, plan, node->add_exprs(), depth));
              }
              // Most projections are named and typed as their expressions
              // say: those travel without a schema the decoder can derive.
              auto derived = internal::DerivedProjectionSchema(info.exprs, *children.at(0)->schema());
              if (derived && internal::SameSchema(**derived, *info.schema, /*check_metadata=*/true)) {
                return Status::OK();
              }
              return internal::EncodeSchema(*info.schema, node->mutable_schema());
            },
            [&](const FilterInfo& info) -> Status {
              auto* node = out->mutable_filter();
              FERRY_RETURN_NOT_OK(input(node->mutable_input()));
              if (info.keep) SetProjection(*info.keep, node->mutable_keep());
              return Physical(*info.predicate, plan, node->mutable_predicate(), depth);
            },
            [&](const PartialAggregateInfo& info) -> Status {
              auto* node = out->mutable_partial_aggregate();
              FERRY_RETURN_NOT_OK(input(node->mutable_input()));
              for (const auto& key : info.group_by) {
                FERRY_RETURN_NOT_OK(Physical(*key, plan, node->add_group_by(), depth));
              }
              for (const auto& name : info.group_names) node->add_group_names(name);
              const auto& input_schema = *children.at(0)->schema();
              for (const auto& aggregate : info.aggregates) {
                FERRY_RETURN_NOT_OK(
                    Aggregate(aggregate, &input_schema, plan, node->add_aggregates(), depth));
              }
              return Status::OK();
            },
            [&](const FinalAggregateInfo& info) -> Status {
              auto* node = out->mutable_final_aggregate();
              FERRY_RETURN_NOT_OK(input(node->mutable_input()));
              node->set_num_group_keys(static_cast<uint32_t>(info.num_group_keys));
              for (const auto& aggregate : info.aggregates) {
                FERRY_RETURN_NOT_OK(Aggregate(aggregate, nullptr, plan, node->add_aggregates(), depth));
              }
              return internal::EncodeSchema(*info.schema, node->mutable_schema());
            },
            [&](const SortInfo& info) -> Status {
              auto* node = out->mutable_sort();
              FERRY_RETURN_NOT_OK(input(node->mutable_input()));
              FERRY_RETURN_NOT_OK(SortKeys(info.keys, plan, node->mutable_keys(), depth));
              if (info.fetch) node->set_fetch(*info.fetch);
              node->set_per_partition(info.per_partition);
              return Status::OK();
            },
            [&](const SortMergeInfo& info) -> Status {
              auto* node = out->mutable_sort_merge();
              FERRY_RETURN_NOT_OK(input(node->mutable_input()));
              if (info.fetch) node->set_fetch(*info.fetch);
              return SortKeys(info.keys, plan, node->mutable_keys(), depth);
            },
            [&](const LimitInfo& info) -> Status {
              auto* node = out->mutable_limit();
              node->set_skip(info.skip);
              if (info.fetch) node->set_fetch(*info.fetch);
              return input(node->mutable_input());
            },
            [&](const HashJoinInfo& info) -> Status {
              return HashJoin(info, plan, children, out->mutable_hash_join(), depth);
            },
            [&](const WindowInfo& info) -> Status {
              auto* node = out->mutable_window();
              FERRY_RETURN_NOT_OK(input(node->mutable_input()));
              const auto& input_schema = *children.at(0)->schema();
              for (const auto& spec : info.specs) {
                FERRY_ASSIGN_OR_RAISE(auto expr, WindowSource(spec, input_schema, plan));
                FERRY_RETURN_NOT_OK(exprs_.Write(expr, node->add_window_exprs(), depth));
              }
              node->set_per_partition(info.per_partition);
              return internal::EncodeSchema(*info.schema, node->mutable_schema());
            },
            [&](const UnionInfo& info) -> Status {
              auto* node = out->mutable_union_();
              for (const auto& child : children) {
                FERRY_RETURN_NOT_OK(Encode(*child, node->add_inputs(), depth));
              }
              return internal::EncodeSchema(*info.schema, node->mutable_schema());
            },
            [&](const MemoryScanInfo& info) -> Status {
              auto* node = out->mutable_memory_scan();
              if (info.projection) SetProjection(*info.projection, node->mutable_projection());
              InMemorySource source{info.schema, info.partitions};
              if (auto named = ByName(source)) {
                node->set_num_partitions(static_cast<uint32_t>(plan.num_partitions()));
                return internal::EncodeCatalogTable(named->name, named->schema, node->mutable_source());
              }
              FERRY_RETURN_NOT_OK(internal::EncodeTableSource(source, node->mutable_source()));
              if (options_.observe_inline_table) {
                options_.observe_inline_table(info.partitions,
                                              static_cast<int64_t>(node->source().ByteSizeLong()));
              }
              return Status::OK();
            },
            [&](const SharedSubplanInfo& info) -> Status {
              auto* node = out->mutable_shared_subplan();
              auto [entry, first] =
                  shared_ids_.emplace(info.shared.get(), static_cast<uint32_t>(shared_ids_.size()));
              node->set_id(entry->second);
              return first ? input(node->mutable_input()) : Status::OK();
            },
            [&](const FileScanInfo& info) -> Status {
              auto* node = out->mutable_file_scan();
              if (auto named = ByName(info.source)) {
                FERRY_RETURN_NOT_OK(
                    internal::EncodeCatalogTable(named->name, named->schema, node->mutable_source()));
              } else {
                FERRY_RETURN_NOT_OK(internal::EncodeTableSource(info.source, node->mutable_source()));
              }
              if (info.projection) SetProjection(*info.projection, node->mutable_projection());
              for (const auto& filter : info.filters) {
                FERRY_RETURN_NOT_OK(exprs_.Write(filter, node->add_filters(), depth));
              }
              for (const auto& split : info.splits) {
                auto* row_groups = node->add_splits()->mutable_row_groups();
                for (int row_group : split) row_groups->Add(static_cast<uint32_t>(row_group));
              }
              return internal::EncodeSchema(*plan.schema(), node->mutable_schema());
            },
        },
        info->value);
  }

 private:
  std::optional<TableByName> ByName(const TableSource& source) const {
    if (!options_.table_by_name) return std::nullopt;
    return options_.table_by_name(source);
  }

  // `expr` of `plan`, over its input's columns: the logical expression it
  // was bound from, else the column it reads by index.
  Status Physical(const PhysicalExpr& expr, const ExecutionPlan& plan, pb::PhysicalExpr* out,
                  int depth) {
    if (const auto* source = SourceOf(expr)) return exprs_.Write(*source, out->mutable_bound(), depth);
    if (auto column = ColumnIndexOf(expr)) {
      out->set_column(static_cast<uint32_t>(*column));
      return Status::OK();
    }
    return CannotTravel(expr, plan);
  }

  // A logical form of `expr` over `schema`: its source, or a column by
  // name when that name is the column's alone.
  static Result<Expr> LogicalOf(const PhysicalExpr& expr, const arrow::Schema& schema,
                                const ExecutionPlan& plan) {
    if (const auto* source = SourceOf(expr)) return *source;
    if (auto column = ColumnIndexOf(expr); column && *column < schema.num_fields()) {
      const auto& name = schema.field(*column)->name();
      if (schema.GetAllFieldIndices(name).size() == 1) return Col(name);
    }
    return CannotTravel(expr, plan);
  }

  // The aggregate call aliased to its name; with its arguments over
  // `input` (a partial aggregate), else with their types (a final one).
  Status Aggregate(const AggregateSpec& spec, const arrow::Schema* input, const ExecutionPlan& plan,
                   pb::AggregateExpr* out, int depth) {
    std::vector<Expr> args;
    if (input != nullptr) {
      for (const auto& arg : spec.args) {
        FERRY_ASSIGN_OR_RAISE(auto logical, LogicalOf(*arg, *input, plan));
        args.push_back(std::move(logical));
      }
    } else {
      arrow::FieldVector fields;
      for (size_t i = 0; i < spec.arg_types.size(); ++i) {
        fields.push_back(arrow::field("arg" + std::to_string(i), spec.arg_types[i]));
      }
      FERRY_RETURN_NOT_OK(internal::EncodeSchema(arrow::Schema(fields), out->mutable_arg_types()));
    }
    auto call = Alias(AggregateCall(spec.func, spec.func->name(), std::move(args), spec.distinct),
                      spec.name);
    return exprs_.Write(call, out->mutable_call(), depth);
  }

  Status SortKeys(const std::vector<SortKeySpec>& keys, const ExecutionPlan& plan,
                  google::protobuf::RepeatedPtrField<pb::SortKey>* out, int depth) {
    for (const auto& key : keys) {
      auto* entry = out->Add();
      entry->set_ascending(key.ascending);
      entry->set_nulls_first(key.nulls_first);
      FERRY_RETURN_NOT_OK(Physical(*key.expr, plan, entry->mutable_expr(), depth));
    }
    return Status::OK();
  }

  // The window expression a spec was bound from (BindWindow's input).
  static Result<Expr> WindowSource(const WindowExprSpec& spec, const arrow::Schema& input,
                                   const ExecutionPlan& plan) {
    auto function = spec.aggregate_func
                        ? AggregateCall(spec.aggregate_func, spec.aggregate_func->name(), spec.arg_exprs)
                        : WindowCall(spec.window_func, spec.window_func->name(), spec.arg_exprs);
    std::vector<Expr> partition_by, order_by;
    for (const auto& key : spec.partition_by) {
      FERRY_ASSIGN_OR_RAISE(auto logical, LogicalOf(*key, input, plan));
      partition_by.push_back(std::move(logical));
    }
    for (const auto& key : spec.order_by) {
      FERRY_ASSIGN_OR_RAISE(auto logical, LogicalOf(*key.expr, input, plan));
      order_by.push_back(Sort(std::move(logical), key.ascending, key.nulls_first));
    }
    return Window(std::move(function), std::move(partition_by), std::move(order_by), spec.frame);
  }

  Status HashJoin(const HashJoinInfo& info, const ExecutionPlan& plan,
                  const std::vector<ExecPtr>& children, pb::HashJoinExecNode* node, int depth) {
    const auto& join = info.join;
    if (info.filter && !join.filter) {
      return Status::NotImplemented("the filter of ", plan.Describe(),
                                    " was not bound from a logical expression: it cannot travel");
    }
    node->set_type(static_cast<pb::JoinPlan::JoinType>(static_cast<int>(join.type) + 1));
    node->set_mode(info.mode == HashJoinMode::kPartitioned ? pb::HashJoinExecNode::PARTITIONED
                                                           : pb::HashJoinExecNode::COLLECT_BUILD);
    node->set_build_left(info.build_left);
    FERRY_RETURN_NOT_OK(Encode(*children.at(0), node->mutable_left(), depth));
    FERRY_RETURN_NOT_OK(Encode(*children.at(1), node->mutable_right(), depth));
    for (int key : join.left_keys) node->add_left_keys(static_cast<uint32_t>(key));
    for (int key : join.right_keys) node->add_right_keys(static_cast<uint32_t>(key));
    for (size_t i = 0; i < join.output_columns.size(); ++i) {
      const auto& column = join.output_columns[i];
      auto* entry = node->add_output_columns();
      if (column.left >= 0) entry->set_left(static_cast<uint32_t>(column.left));
      if (column.right >= 0) entry->set_right(static_cast<uint32_t>(column.right));
      if (static_cast<int>(i) < info.schema->num_fields()) {
        entry->set_name(info.schema->field(static_cast<int>(i))->name());
      }
    }
    if (join.filter) FERRY_RETURN_NOT_OK(exprs_.Write(*join.filter, node->mutable_filter(), depth));
    return internal::EncodeSchema(*info.schema, node->mutable_schema());
  }

  Status EncodeExchange(const ExchangeInfo& info, const ExecutionPlan& plan, pb::ExecNode* out,
                        int depth) {
    auto* node = out->mutable_exchange();
    switch (info.kind) {
      case ExchangeKind::kHash:
        node->set_kind(pb::ExchangeExecNode::HASH);
        break;
      case ExchangeKind::kRoundRobin:
        node->set_kind(pb::ExchangeExecNode::ROUND_ROBIN);
        break;
      case ExchangeKind::kGather:
        node->set_kind(pb::ExchangeExecNode::GATHER);
        break;
      case ExchangeKind::kOrderedGather:
        node->set_kind(pb::ExchangeExecNode::ORDERED_GATHER);
        break;
      case ExchangeKind::kBroadcast:
        node->set_kind(pb::ExchangeExecNode::BROADCAST);
        break;
    }
    node->set_num_outputs(static_cast<uint32_t>(info.num_outputs));
    for (const auto& key : info.keys) FERRY_RETURN_NOT_OK(Physical(*key, plan, node->add_keys(), depth));
    return Encode(*info.input, node->mutable_input(), depth);
  }

  static Status EncodeStageInput(const StageInputSpec& spec, pb::StageInputExecNode* node) {
    node->set_stage_id(spec.stage_id);
    switch (spec.mode) {
      case StageInputMode::kSlice:
        node->set_mode(pb::StageInputExecNode::SLICE);
        break;
      case StageInputMode::kWholeTask:
        node->set_mode(pb::StageInputExecNode::WHOLE_TASK);
        break;
      case StageInputMode::kAll:
        node->set_mode(pb::StageInputExecNode::ALL);
        break;
    }
    if (spec.num_partitions < 1) {
      return Status::Invalid("stage input of stage ", spec.stage_id, " has ", spec.num_partitions,
                             " partitions");
    }
    node->set_num_partitions(static_cast<uint32_t>(spec.num_partitions));
    if (spec.partitioning) {
      if (spec.partitioning->num_partitions != spec.num_partitions) {
        return Status::Invalid("stage input of stage ", spec.stage_id, " is hash-partitioned over ",
                               spec.partitioning->num_partitions, " partitions but has ",
                               spec.num_partitions);
      }
      auto* columns = node->mutable_partitioning()->mutable_columns();
      for (int column : spec.partitioning->columns) columns->Add(static_cast<uint32_t>(column));
    }
    if (spec.schema == nullptr) {
      return Status::Invalid("stage input of stage ", spec.stage_id, " has no schema");
    }
    return internal::EncodeSchema(*spec.schema, node->mutable_schema());
  }

  internal::ExprWriter exprs_;
  // The number each shared subplan written so far in this tree got.
  std::unordered_map<const SharedSubplan*, uint32_t> shared_ids_;
  PhysicalEncodeOptions options_;
  int max_depth_;
  int64_t max_partitions_;
};

}  // namespace

class PhysicalTreeWriter::Impl {
 public:
  Impl(const ExtensionCodec& codec, internal::FunctionTable* functions, PhysicalEncodeOptions options)
      : encoder(codec, functions, DecodeLimits{}, std::move(options)) {}
  PhysicalEncoder encoder;
};

PhysicalTreeWriter::PhysicalTreeWriter(const ExtensionCodec& codec, internal::FunctionTable* functions,
                                       PhysicalEncodeOptions options)
    : impl_(std::make_unique<Impl>(codec, functions, std::move(options))) {}
PhysicalTreeWriter::~PhysicalTreeWriter() = default;

Status PhysicalTreeWriter::Write(const ExecutionPlan& plan, pb::ExecNode* out) {
  impl_->encoder.StartTree();
  return impl_->encoder.Encode(plan, out, 0);
}

}  // namespace ferry

// LogicalPlan -> wire format v1 bytes (docs/wire-format.md, "Plans").

#include "ferry/common/overloaded.h"
#include "ferry/exec/recursive_query_exec.h"
#include "ferry/serde/expr_serde_internal.h"
#include "ferry/serde/literal_serde_internal.h"
#include "ferry/serde/plan_serde.h"
#include "ferry/serde/plan_serde_internal.h"

namespace ferry {
namespace {

namespace pb = ferry::v1;
using internal::PlanTooDeep;

using ExprList = google::protobuf::RepeatedPtrField<pb::Expr>;

class PlanEncoder {
 public:
  PlanEncoder(const ExtensionCodec& codec, pb::PlanMessage* message, int max_depth,
              const PlanEncodeOptions& options)
      : exprs_(codec, message->mutable_functions(), max_depth), max_depth_(max_depth),
        options_(options) {}

  /// Each in-memory table carried inline, with its bytes.
  const std::vector<internal::PlanPart>& inline_tables() const { return inline_tables_; }

  // `depth` is the level of `plan`'s parent (0 for the root).
  Status Encode(const LogicalPlan& plan, pb::PlanNode* out, int depth) {
    if (depth >= max_depth_) return PlanTooDeep(max_depth_);
    ++depth;
    return std::visit(
        Overloaded{
            [&](const ScanNode& n) -> Status {
              auto* scan = out->mutable_scan();
              scan->set_table_name(n.table_name);
              FERRY_RETURN_NOT_OK(EncodeSource(n, scan->mutable_source(), depth));
              if (n.projection) {
                auto* projection = scan->mutable_projection();
                for (int column : *n.projection) projection->add_columns(static_cast<uint32_t>(column));
              }
              return Exprs(n.filters, scan->mutable_filters(), depth);
            },
            [&](const ProjectionNode& n) -> Status {
              auto* node = out->mutable_projection();
              FERRY_RETURN_NOT_OK(Encode(*n.input, node->mutable_input(), depth));
              return Exprs(n.exprs, node->mutable_exprs(), depth);
            },
            [&](const FilterNode& n) -> Status {
              auto* node = out->mutable_filter();
              FERRY_RETURN_NOT_OK(Encode(*n.input, node->mutable_input(), depth));
              return exprs_.Write(n.predicate, node->mutable_predicate(), depth);
            },
            [&](const AggregateNode& n) -> Status {
              auto* node = out->mutable_aggregate();
              FERRY_RETURN_NOT_OK(Encode(*n.input, node->mutable_input(), depth));
              FERRY_RETURN_NOT_OK(Exprs(n.group_by, node->mutable_group_by(), depth));
              return Exprs(n.aggregates, node->mutable_aggregates(), depth);
            },
            [&](const SortPlanNode& n) -> Status {
              auto* node = out->mutable_sort();
              FERRY_RETURN_NOT_OK(Encode(*n.input, node->mutable_input(), depth));
              return Exprs(n.sort_exprs, node->mutable_sort_exprs(), depth);
            },
            [&](const LimitNode& n) -> Status {
              auto* node = out->mutable_limit();
              node->set_skip(n.skip);
              if (n.fetch) node->set_fetch(*n.fetch);
              return Encode(*n.input, node->mutable_input(), depth);
            },
            [&](const DistinctNode& n) -> Status {
              return Encode(*n.input, out->mutable_distinct()->mutable_input(), depth);
            },
            [&](const JoinNode& n) -> Status {
              auto* node = out->mutable_join();
              node->set_type(static_cast<pb::JoinPlan::JoinType>(static_cast<int>(n.type) + 1));
              FERRY_RETURN_NOT_OK(Encode(*n.left, node->mutable_left(), depth));
              FERRY_RETURN_NOT_OK(Encode(*n.right, node->mutable_right(), depth));
              for (int key : n.left_keys) node->add_left_keys(static_cast<uint32_t>(key));
              for (int key : n.right_keys) node->add_right_keys(static_cast<uint32_t>(key));
              for (size_t i = 0; i < n.output_columns.size(); ++i) {
                const auto& column = n.output_columns[i];
                auto* entry = node->add_output_columns();
                if (column.left >= 0) entry->set_left(static_cast<uint32_t>(column.left));
                if (column.right >= 0) entry->set_right(static_cast<uint32_t>(column.right));
                entry->set_name(plan.schema->field(static_cast<int>(i))->name());
              }
              if (n.filter) FERRY_RETURN_NOT_OK(exprs_.Write(*n.filter, node->mutable_filter(), depth));
              return Status::OK();
            },
            [&](const UnionNode& n) -> Status {
              auto* node = out->mutable_union_();
              for (const auto& input : n.inputs) {
                FERRY_RETURN_NOT_OK(Encode(*input, node->add_inputs(), depth));
              }
              return Status::OK();
            },
            [&](const WindowPlanNode& n) -> Status {
              auto* node = out->mutable_window();
              FERRY_RETURN_NOT_OK(Encode(*n.input, node->mutable_input(), depth));
              return Exprs(n.window_exprs, node->mutable_window_exprs(), depth);
            },
        },
        plan.node);
  }

 private:
  Status EncodeSource(const ScanNode& n, pb::TableSource* out, int depth) {
    if (const auto* query = dynamic_cast<const RecursiveQueryTable*>(n.source.get())) {
      auto* message = out->mutable_recursive_query();
      message->set_name(query->name());
      message->set_distinct(query->distinct());
      message->set_max_iterations(query->limits().max_iterations);
      message->set_max_rows(query->limits().max_rows);
      FERRY_RETURN_NOT_OK(Encode(*query->anchor(), message->mutable_anchor(), depth));
      return Encode(*query->recursive(), message->mutable_recursive(), depth);
    }
    if (const auto* work = dynamic_cast<const WorkTable*>(n.source.get())) {
      auto* message = out->mutable_work_table();
      message->set_name(work->name());
      message->set_all_rows(work->all_rows());
      FERRY_ASSIGN_OR_RAISE(auto schema, WriteIpcStream(work->schema(), {}));
      message->set_schema(std::move(schema));
      return Status::OK();
    }
    if (options_.table_by_name && options_.table_by_name(n)) {
      return internal::EncodeCatalogTable(n.table_name, n.source->schema(), out);
    }
    auto source = n.source->Source();
    if (!source) {
      return Status::NotImplemented("table '", n.table_name, "' (", n.source->Describe(),
                                    ") cannot travel in a plan: only Parquet, CSV and "
                                    "in-memory tables can, or any table by name");
    }
    FERRY_RETURN_NOT_OK(internal::EncodeTableSource(*source, out));
    if (out->has_memory()) {
      int64_t bytes = static_cast<int64_t>(out->memory().schema().size());
      for (const auto& stream : out->memory().partitions()) bytes += static_cast<int64_t>(stream.size());
      inline_tables_.push_back({"in-memory table '" + n.table_name + "'", bytes});
      if (options_.observe_inline_table) options_.observe_inline_table(n, bytes);
    }
    return Status::OK();
  }

  Status Exprs(const std::vector<Expr>& exprs, ExprList* out, int depth) {
    for (const auto& expr : exprs) FERRY_RETURN_NOT_OK(exprs_.Write(expr, out->Add(), depth));
    return Status::OK();
  }

  internal::ExprWriter exprs_;
  int max_depth_;
  const PlanEncodeOptions& options_;
  std::vector<internal::PlanPart> inline_tables_;
};

}  // namespace

Result<std::string> EncodePlan(const LogicalPlan& plan, const ExtensionCodec& codec,
                               const PlanEncodeOptions& options) {
  pb::PlanMessage message;
  PlanEncoder encoder(codec, &message, DecodeLimits{}.max_depth, options);
  FERRY_RETURN_NOT_OK(encoder.Encode(plan, message.mutable_root(), 0));
  FERRY_RETURN_NOT_OK(internal::CheckEncodedPlanSize(message, encoder.inline_tables(), options.max_bytes));
  return internal::WritePayload(message, internal::kPlanKind, "plan");
}

}  // namespace ferry

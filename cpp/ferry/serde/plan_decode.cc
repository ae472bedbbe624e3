// Wire format v1 bytes -> LogicalPlan, for any input: a plan built (and so
// validated) through plan/builder.h, or an error value.

#include "ferry/exec/recursive_query_exec.h"
#include "ferry/plan/builder.h"
#include "ferry/serde/expr_serde_internal.h"
#include "ferry/serde/literal_serde_internal.h"
#include "ferry/serde/plan_serde.h"
#include "ferry/serde/plan_serde_internal.h"

namespace ferry {
namespace {

namespace pb = ferry::v1;
using internal::PlanTooDeep;

using ExprList = google::protobuf::RepeatedPtrField<pb::Expr>;

class PlanDecoder {
 public:
  PlanDecoder(const pb::PlanMessage& message, const ExtensionCodec& codec,
              const FunctionRegistry& registry, const TableOpener& open_table,
              const DecodeLimits& limits, const TableResolver& resolve_table)
      : exprs_(message.functions(), codec, registry, UnknownFunctionPolicy::kError, limits),
        open_table_(open_table), resolve_table_(resolve_table), limits_(limits) {}

  // `depth` is the level of `node`'s parent (0 for the root).
  Result<PlanPtr> Decode(const pb::PlanNode& node, int depth) {
    if (depth >= limits_.max_depth) return PlanTooDeep(limits_.max_depth);
    ++depth;
    switch (node.node_case()) {
      case pb::PlanNode::kScan:
        return DecodeScan(node.scan(), depth);
      case pb::PlanNode::kProjection: {
        const auto& n = node.projection();
        FERRY_ASSIGN_OR_RAISE(auto input, Input(n.has_input(), n.input(), "projection", depth));
        FERRY_ASSIGN_OR_RAISE(auto exprs, Exprs(n.exprs(), depth));
        return plan::Project(std::move(input), std::move(exprs));
      }
      case pb::PlanNode::kFilter: {
        const auto& n = node.filter();
        FERRY_ASSIGN_OR_RAISE(auto input, Input(n.has_input(), n.input(), "filter", depth));
        if (!n.has_predicate()) return Status::Invalid("filter without a predicate");
        FERRY_ASSIGN_OR_RAISE(auto predicate, exprs_.Read(n.predicate(), depth));
        return plan::Filter(std::move(input), std::move(predicate));
      }
      case pb::PlanNode::kAggregate: {
        const auto& n = node.aggregate();
        FERRY_ASSIGN_OR_RAISE(auto input, Input(n.has_input(), n.input(), "aggregate", depth));
        FERRY_ASSIGN_OR_RAISE(auto group_by, Exprs(n.group_by(), depth));
        FERRY_ASSIGN_OR_RAISE(auto aggregates, Exprs(n.aggregates(), depth));
        return plan::Aggregate(std::move(input), std::move(group_by), std::move(aggregates));
      }
      case pb::PlanNode::kSort: {
        const auto& n = node.sort();
        FERRY_ASSIGN_OR_RAISE(auto input, Input(n.has_input(), n.input(), "sort", depth));
        FERRY_ASSIGN_OR_RAISE(auto sort_exprs, Exprs(n.sort_exprs(), depth));
        for (const auto& expr : sort_exprs) {
          if (!expr.As<SortNode>()) return Status::Invalid("a sort's keys must be sort expressions");
        }
        return plan::Sort(std::move(input), std::move(sort_exprs));
      }
      case pb::PlanNode::kLimit: {
        const auto& n = node.limit();
        FERRY_ASSIGN_OR_RAISE(auto input, Input(n.has_input(), n.input(), "limit", depth));
        std::optional<int64_t> fetch;
        if (n.has_fetch()) fetch = n.fetch();
        return plan::Limit(std::move(input), n.skip(), fetch);
      }
      case pb::PlanNode::kDistinct: {
        const auto& n = node.distinct();
        FERRY_ASSIGN_OR_RAISE(auto input, Input(n.has_input(), n.input(), "distinct", depth));
        return plan::Distinct(std::move(input));
      }
      case pb::PlanNode::kJoin:
        return DecodeJoin(node.join(), depth);
      case pb::PlanNode::kUnion: {
        std::vector<PlanPtr> inputs;
        for (const auto& input : node.union_().inputs()) {
          FERRY_ASSIGN_OR_RAISE(auto decoded, Decode(input, depth));
          inputs.push_back(std::move(decoded));
        }
        return plan::Union(std::move(inputs));
      }
      case pb::PlanNode::kWindow: {
        const auto& n = node.window();
        FERRY_ASSIGN_OR_RAISE(auto input, Input(n.has_input(), n.input(), "window", depth));
        FERRY_ASSIGN_OR_RAISE(auto window_exprs, Exprs(n.window_exprs(), depth));
        return plan::Window(std::move(input), std::move(window_exprs));
      }
      case pb::PlanNode::NODE_NOT_SET:
        break;
    }
    return Status::Invalid("plan node of unknown or missing kind");
  }

 private:
  Result<PlanPtr> Input(bool present, const pb::PlanNode& input, const char* parent, int depth) {
    if (!present) return Status::Invalid(parent, " is missing its input");
    return Decode(input, depth);
  }

  Result<std::vector<Expr>> Exprs(const ExprList& nodes, int depth) {
    std::vector<Expr> out;
    out.reserve(nodes.size());
    for (const auto& node : nodes) {
      FERRY_ASSIGN_OR_RAISE(auto expr, exprs_.Read(node, depth));
      out.push_back(std::move(expr));
    }
    return out;
  }

  static Result<std::vector<int>> Indices(const google::protobuf::RepeatedField<uint32_t>& in) {
    std::vector<int> out;
    out.reserve(in.size());
    for (uint32_t index : in) {
      if (index > static_cast<uint32_t>(INT32_MAX)) {
        return Status::IndexError("column index ", index, " out of range");
      }
      out.push_back(static_cast<int>(index));
    }
    return out;
  }

  Result<PlanPtr> DecodeScan(const pb::ScanPlan& n, int depth) {
    if (!n.has_source()) return Status::Invalid("scan of '", n.table_name(), "' without a table source");
    FERRY_ASSIGN_OR_RAISE(auto table, OpenTable(n.source(), depth));
    std::optional<std::vector<int>> projection;
    if (n.has_projection()) {
      FERRY_ASSIGN_OR_RAISE(projection, Indices(n.projection().columns()));
    }
    FERRY_ASSIGN_OR_RAISE(auto filters, Exprs(n.filters(), depth));
    FERRY_ASSIGN_OR_RAISE(auto scan, plan::Scan(n.table_name(), table, projection, filters));
    if (filters.empty()) return scan;
    // Validated above; handed again to the reopened table so that its scans
    // skip what the sender's skipped.
    FERRY_ASSIGN_OR_RAISE(table, table->WithFilters(filters));
    return plan::Scan(n.table_name(), std::move(table), std::move(projection), std::move(filters));
  }

  Result<std::shared_ptr<const TableProvider>> OpenTable(const pb::TableSource& source, int depth) {
    if (source.has_catalog()) return internal::ResolveCatalogTable(source.catalog(), resolve_table_);
    if (source.has_recursive_query()) return DecodeRecursiveQuery(source.recursive_query(), depth);
    if (source.has_work_table()) {
      const auto& work = source.work_table();
      FERRY_ASSIGN_OR_RAISE(auto schema, ReadIpcStream(work.schema(), "work table schema"));
      if (!schema.second.empty()) return Status::Invalid("malformed work table schema: it holds record batches");
      return std::make_shared<const WorkTable>(work.name(), schema.first, work.all_rows());
    }
    FERRY_ASSIGN_OR_RAISE(auto decoded, internal::DecodeTableSource(source));
    return open_table_(decoded);
  }

  Result<std::shared_ptr<const TableProvider>> DecodeRecursiveQuery(const pb::RecursiveQuerySource& n, int depth) {
    FERRY_ASSIGN_OR_RAISE(auto anchor, Input(n.has_anchor(), n.anchor(), "recursive query", depth));
    FERRY_ASSIGN_OR_RAISE(auto recursive, Input(n.has_recursive(), n.recursive(), "recursive query", depth));
    // Never more than this receiver would allow itself.
    const RecursiveQueryLimits most;
    if (n.max_iterations() < 0 || n.max_iterations() > most.max_iterations || n.max_rows() < 0 ||
        n.max_rows() > most.max_rows) {
      return Status::Invalid("recursive query '", n.name(), "' limits (", n.max_iterations(), " iterations, ",
                             n.max_rows(), " rows) outside 0..", most.max_iterations, " and 0..", most.max_rows);
    }
    return RecursiveQueryTable::Make(n.name(), std::move(anchor), std::move(recursive), n.distinct(),
                                     RecursiveQueryLimits{n.max_iterations(), n.max_rows()});
  }

  Result<PlanPtr> DecodeJoin(const pb::JoinPlan& n, int depth) {
    if (n.type() <= pb::JoinPlan::JOIN_TYPE_UNSPECIFIED || n.type() > pb::JoinPlan::LEFT_ANTI) {
      return Status::Invalid("unknown join type ", static_cast<int>(n.type()));
    }
    FERRY_ASSIGN_OR_RAISE(auto left, Input(n.has_left(), n.left(), "join", depth));
    FERRY_ASSIGN_OR_RAISE(auto right, Input(n.has_right(), n.right(), "join", depth));
    FERRY_ASSIGN_OR_RAISE(auto left_keys, Indices(n.left_keys()));
    FERRY_ASSIGN_OR_RAISE(auto right_keys, Indices(n.right_keys()));
    std::vector<JoinNode::OutputColumn> columns;
    std::vector<std::string> names;
    for (const auto& column : n.output_columns()) {
      JoinNode::OutputColumn out;
      for (auto [present, index, side] : {std::tuple{column.has_left(), column.left(), &out.left},
                                          std::tuple{column.has_right(), column.right(), &out.right}}) {
        if (!present) continue;
        if (index > static_cast<uint32_t>(INT32_MAX)) {
          return Status::IndexError("join output column index ", index, " out of range");
        }
        *side = static_cast<int>(index);
      }
      columns.push_back(out);
      names.push_back(column.name());
    }
    std::optional<Expr> filter;
    if (n.has_filter()) {
      FERRY_ASSIGN_OR_RAISE(filter, exprs_.Read(n.filter(), depth));
    }
    return plan::JoinFromParts(std::move(left), std::move(right),
                               static_cast<JoinType>(n.type() - 1), std::move(left_keys),
                               std::move(right_keys), std::move(columns), names, std::move(filter));
  }

  internal::ExprReader exprs_;
  const TableOpener& open_table_;
  const TableResolver& resolve_table_;
  const DecodeLimits& limits_;
};

}  // namespace

Result<PlanPtr> DecodePlan(std::string_view bytes, const ExtensionCodec& codec,
                           const FunctionRegistry& registry, const TableOpener& open_table,
                           const DecodeLimits& limits, const TableResolver& resolve_table) {
  pb::PlanMessage message;
  FERRY_RETURN_NOT_OK(internal::ReadPayload(bytes, internal::kPlanKind, "plan", &message, limits));
  if (!message.has_root()) return Status::Invalid("not a ferry plan: no root plan node");
  return PlanDecoder(message, codec, registry, open_table, limits, resolve_table).Decode(message.root(), 0);
}

}  // namespace ferry

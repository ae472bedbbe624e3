#include "ferry/serde/plan_inspection.h"

#include "ferry/serde/envelope.h"
#include "ferry/serde/expr_serde_internal.h"
#include "ferry/serde/inspection_text_internal.h"
#include "ferry/serde/plan_serde_internal.h"

namespace ferry {
namespace {

namespace pb = ferry::v1;
using internal::Count;
using internal::JoinTypeWord;

class PlanWalker {
 public:
  PlanWalker(PlanInspection* out, int max_depth) : out_(out), max_depth_(max_depth) {}

  Status Walk(const pb::PlanNode& node, int depth) {
    if (depth >= max_depth_) return internal::PlanTooDeep(max_depth_);
    std::string line(static_cast<size_t>(depth) * 2, ' ');
    std::vector<const pb::PlanNode*> inputs;
    auto input = [&](bool present, const pb::PlanNode& child) {
      if (present) inputs.push_back(&child);
    };
    switch (node.node_case()) {
      case pb::PlanNode::kScan:
        line += "Scan: " + node.scan().table_name() + " (" + Source(node.scan()) + ")";
        if (node.scan().has_projection()) {
          line += ", " + Count(node.scan().projection().columns_size(), "column");
        }
        if (node.scan().filters_size() > 0) line += ", " + Count(node.scan().filters_size(), "pushed filter");
        break;
      case pb::PlanNode::kProjection:
        line += "Projection: " + Count(node.projection().exprs_size(), "expression");
        input(node.projection().has_input(), node.projection().input());
        break;
      case pb::PlanNode::kFilter:
        line += "Filter";
        input(node.filter().has_input(), node.filter().input());
        break;
      case pb::PlanNode::kAggregate:
        line += "Aggregate: " + Count(node.aggregate().group_by_size(), "group key") + ", " +
                Count(node.aggregate().aggregates_size(), "aggregate");
        input(node.aggregate().has_input(), node.aggregate().input());
        break;
      case pb::PlanNode::kSort:
        line += "Sort: " + Count(node.sort().sort_exprs_size(), "key");
        input(node.sort().has_input(), node.sort().input());
        break;
      case pb::PlanNode::kLimit:
        line += "Limit: skip=" + std::to_string(node.limit().skip()) + ", fetch=" +
                (node.limit().has_fetch() ? std::to_string(node.limit().fetch()) : "None");
        input(node.limit().has_input(), node.limit().input());
        break;
      case pb::PlanNode::kDistinct:
        line += "Distinct";
        input(node.distinct().has_input(), node.distinct().input());
        break;
      case pb::PlanNode::kJoin:
        line += std::string("Join: ") + JoinTypeWord(node.join().type()) + ", " +
                Count(node.join().left_keys_size(), "key pair") +
                (node.join().has_filter() ? ", with a filter" : "");
        input(node.join().has_left(), node.join().left());
        input(node.join().has_right(), node.join().right());
        break;
      case pb::PlanNode::kUnion:
        line += "Union: " + Count(node.union_().inputs_size(), "input");
        for (const auto& child : node.union_().inputs()) inputs.push_back(&child);
        break;
      case pb::PlanNode::kWindow:
        line += "Window: " + Count(node.window().window_exprs_size(), "window expression");
        input(node.window().has_input(), node.window().input());
        break;
      case pb::PlanNode::NODE_NOT_SET:
        return Status::Invalid("plan node of unknown or missing kind");
    }
    out_->tree.push_back(std::move(line));
    for (const auto* child : inputs) FERRY_RETURN_NOT_OK(Walk(*child, depth + 1));
    return Status::OK();
  }

 private:
  // Records the scan's table and returns a short description of it.
  std::string Source(const pb::ScanPlan& scan) {
    InspectedTable table{scan.table_name(), "", "", static_cast<int64_t>(scan.source().ByteSizeLong())};
    const auto& source = scan.source();
    switch (source.source_case()) {
      case pb::TableSource::kParquet:
        table.kind = "parquet";
        table.detail = source.parquet().path();
        break;
      case pb::TableSource::kCsv:
        table.kind = "csv";
        table.detail = source.csv().path();
        break;
      case pb::TableSource::kMemory:
        table.kind = "in-memory";
        table.detail = Count(source.memory().partitions_size(), "partition");
        break;
      case pb::TableSource::kCatalog:
        table.kind = "by name";
        table.detail = source.catalog().name();
        break;
      case pb::TableSource::kRecursiveQuery:
        table.kind = "recursive query";
        table.detail = source.recursive_query().name();
        break;
      case pb::TableSource::kWorkTable:
        table.kind = "work table";
        table.detail = source.work_table().name();
        break;
      case pb::TableSource::SOURCE_NOT_SET:
        table.kind = "missing";
        break;
    }
    std::string description = table.kind;
    out_->tables.push_back(std::move(table));
    return description;
  }

  PlanInspection* out_;
  int max_depth_;
};

}  // namespace

Result<PlanInspection> InspectPlan(std::string_view bytes, const DecodeLimits& limits) {
  pb::PlanMessage message;
  FERRY_RETURN_NOT_OK(internal::ReadPayload(bytes, internal::kPlanKind, "plan", &message, limits));
  if (!message.has_root()) return Status::Invalid("not a ferry plan: no root plan node");
  PlanInspection out;
  out.total_bytes = static_cast<int64_t>(bytes.size());
  FERRY_RETURN_NOT_OK(PlanWalker(&out, limits.max_depth).Walk(message.root(), 0));
  out.functions = internal::FunctionEntries(message.functions());
  out.reencodes_identically = internal::ReencodesIdentically(message, internal::kPlanKind, bytes);
  return out;
}

}  // namespace ferry

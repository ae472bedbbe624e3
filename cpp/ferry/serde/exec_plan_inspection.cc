// Physical plan blobs read from the wire alone, for ferry-inspect and
// schedulers: operators and their partitioning, tables, functions.

#include "ferry/serde/envelope.h"
#include "ferry/serde/expr_serde_internal.h"
#include "ferry/serde/inspection_text_internal.h"
#include "ferry/serde/physical_serde_internal.h"
#include "ferry/serde/plan_inspection.h"
#include "ferry/serde/plan_serde_internal.h"

namespace ferry {
namespace {

namespace pb = ferry::v1;
using internal::Count;
using internal::JoinTypeWord;

std::string Fetch(bool present, int64_t fetch) {
  return present ? ", fetch=" + std::to_string(fetch) : "";
}

const char* ExchangeKind(pb::ExchangeExecNode::Kind kind) {
  switch (kind) {
    case pb::ExchangeExecNode::HASH: return "hash";
    case pb::ExchangeExecNode::ROUND_ROBIN: return "round robin";
    case pb::ExchangeExecNode::GATHER: return "gather";
    case pb::ExchangeExecNode::ORDERED_GATHER: return "ordered gather";
    case pb::ExchangeExecNode::BROADCAST: return "broadcast";
    default: return "unknown";
  }
}

const char* StageInputMode(pb::StageInputExecNode::Mode mode) {
  switch (mode) {
    case pb::StageInputExecNode::SLICE: return "slice";
    case pb::StageInputExecNode::WHOLE_TASK: return "whole task";
    case pb::StageInputExecNode::ALL: return "all";
    default: return "unknown";
  }
}

class ExecWalker {
 public:
  ExecWalker(PlanInspection* out, int max_depth) : out_(out), max_depth_(max_depth) {}

  Status Walk(const pb::ExecNode& node, int depth) {
    if (depth >= max_depth_) return internal::PlanTooDeep(max_depth_);
    std::string line(static_cast<size_t>(depth) * 2, ' ');
    std::vector<const pb::ExecNode*> inputs;
    auto input = [&](bool present, const pb::ExecNode& child) {
      if (present) inputs.push_back(&child);
    };
    switch (node.node_case()) {
      case pb::ExecNode::kProjection:
        line += "ProjectionExec: " + Count(node.projection().exprs_size(), "expression");
        input(node.projection().has_input(), node.projection().input());
        break;
      case pb::ExecNode::kFilter:
        line += "FilterExec";
        input(node.filter().has_input(), node.filter().input());
        break;
      case pb::ExecNode::kPartialAggregate: {
        const auto& n = node.partial_aggregate();
        line += "PartialAggregateExec: " + Count(n.group_by_size(), "group key") + ", " +
                Count(n.aggregates_size(), "aggregate");
        input(n.has_input(), n.input());
        break;
      }
      case pb::ExecNode::kFinalAggregate: {
        const auto& n = node.final_aggregate();
        line += "FinalAggregateExec: " + Count(static_cast<int>(n.num_group_keys()), "group key") + ", " +
                Count(n.aggregates_size(), "aggregate");
        input(n.has_input(), n.input());
        break;
      }
      case pb::ExecNode::kSort: {
        const auto& n = node.sort();
        line += "SortExec: " + Count(n.keys_size(), "key") + Fetch(n.has_fetch(), n.fetch()) +
                (n.per_partition() ? ", per partition" : "");
        input(n.has_input(), n.input());
        break;
      }
      case pb::ExecNode::kSortMerge: {
        const auto& n = node.sort_merge();
        line += "SortMergeExec: " + Count(n.keys_size(), "key") + Fetch(n.has_fetch(), n.fetch());
        input(n.has_input(), n.input());
        break;
      }
      case pb::ExecNode::kLimit: {
        const auto& n = node.limit();
        line += "LimitExec: skip=" + std::to_string(n.skip()) + Fetch(n.has_fetch(), n.fetch());
        input(n.has_input(), n.input());
        break;
      }
      case pb::ExecNode::kHashJoin: {
        const auto& n = node.hash_join();
        line += std::string("HashJoinExec: ") + JoinTypeWord(n.type()) + ", " +
                Count(n.left_keys_size(), "key pair") +
                (n.mode() == pb::HashJoinExecNode::PARTITIONED ? ", partitioned" : ", collected build") +
                (n.has_filter() ? ", with a filter" : "");
        input(n.has_left(), n.left());
        input(n.has_right(), n.right());
        break;
      }
      case pb::ExecNode::kExchange: {
        const auto& n = node.exchange();
        line += std::string("ExchangeExec: ") + ExchangeKind(n.kind());
        if (n.kind() == pb::ExchangeExecNode::HASH) line += " on " + Count(n.keys_size(), "key");
        line += " into " + Count(static_cast<int>(n.num_outputs()), "partition");
        input(n.has_input(), n.input());
        break;
      }
      case pb::ExecNode::kWindow:
        line += "WindowExec: " + Count(node.window().window_exprs_size(), "window expression") +
                (node.window().per_partition() ? ", per partition" : "");
        input(node.window().has_input(), node.window().input());
        break;
      case pb::ExecNode::kUnion:
        line += "UnionExec: " + Count(node.union_().inputs_size(), "input");
        for (const auto& child : node.union_().inputs()) inputs.push_back(&child);
        break;
      case pb::ExecNode::kMemoryScan:
        line += "MemoryScanExec: " + Count(node.memory_scan().source().memory().partitions_size(), "partition");
        AddTable("(memory scan)", node.memory_scan().source());
        break;
      case pb::ExecNode::kFileScan: {
        const auto& n = node.file_scan();
        line += "FileScanExec: " + AddTable(n.source().has_parquet() ? n.source().parquet().path()
                                            : n.source().has_csv()   ? n.source().csv().path()
                                                                     : "",
                                            n.source()) +
                ", " + Count(n.splits_size(), "split");
        if (n.filters_size() > 0) line += ", " + Count(n.filters_size(), "pushed filter");
        break;
      }
      case pb::ExecNode::kStageInput: {
        const auto& n = node.stage_input();
        line += "StageInputExec: stage " + std::to_string(n.stage_id()) + ", " + StageInputMode(n.mode()) +
                ", " + Count(static_cast<int>(n.num_partitions()), "partition");
        break;
      }
      case pb::ExecNode::kSharedSubplan: {
        const auto& n = node.shared_subplan();
        line += "SharedSubplanExec: subplan " + std::to_string(n.id()) +
                (n.has_input() ? " (computed once)" : " (read again)");
        input(n.has_input(), n.input());
        break;
      }
      case pb::ExecNode::NODE_NOT_SET:
        return Status::Invalid("physical plan node of unknown or missing kind");
    }
    out_->tree.push_back(std::move(line));
    for (const auto* child : inputs) FERRY_RETURN_NOT_OK(Walk(*child, depth + 1));
    return Status::OK();
  }

 private:
  // Records a scanned table and returns how it travels.
  std::string AddTable(const std::string& name, const pb::TableSource& source) {
    InspectedTable table{name, "", "", static_cast<int64_t>(source.ByteSizeLong())};
    switch (source.source_case()) {
      case pb::TableSource::kParquet: table.kind = "parquet"; table.detail = source.parquet().path(); break;
      case pb::TableSource::kCsv: table.kind = "csv"; table.detail = source.csv().path(); break;
      case pb::TableSource::kMemory:
        table.kind = "in-memory";
        table.detail = Count(source.memory().partitions_size(), "partition");
        break;
      case pb::TableSource::kCatalog: table.kind = "by name"; table.detail = source.catalog().name(); break;
      case pb::TableSource::kRecursiveQuery:
        table.kind = "recursive query";
        table.detail = source.recursive_query().name();
        break;
      case pb::TableSource::kWorkTable: table.kind = "work table"; table.detail = source.work_table().name(); break;
      case pb::TableSource::SOURCE_NOT_SET: table.kind = "missing"; break;
    }
    std::string kind = table.kind;
    out_->tables.push_back(std::move(table));
    return kind;
  }

  PlanInspection* out_;
  int max_depth_;
};

}  // namespace

namespace internal {

Status InspectExecTree(const pb::ExecNode& root, int depth, int max_depth, PlanInspection* out) {
  return ExecWalker(out, max_depth).Walk(root, depth);
}

Status OversizedInspected(const char* noun, const PlanInspection& inspection, int64_t max_bytes) {
  std::vector<PlanPart> parts;
  for (const auto& table : inspection.tables) {
    if (table.kind == "in-memory") parts.push_back({"in-memory table " + table.scan_name, table.bytes});
  }
  for (const auto& function : inspection.functions) {
    if (function.definition.empty()) continue;
    parts.push_back({std::string(FunctionEntryKindName(function.kind)) + " function '" + function.name +
                         "' definition",
                     static_cast<int64_t>(function.definition.size())});
  }
  return OversizedPlan(noun, inspection.total_bytes, max_bytes, std::move(parts));
}

}  // namespace internal

Result<PlanInspection> InspectPhysicalPlan(std::string_view bytes, const DecodeLimits& limits) {
  pb::PhysicalPlanMessage message;
  FERRY_RETURN_NOT_OK(internal::ReadPayload(bytes, internal::kPhysicalPlanKind, "physical plan",
                                            &message, limits));
  if (!message.has_root()) return Status::Invalid("not a ferry physical plan: no root operator");
  PlanInspection out;
  out.total_bytes = static_cast<int64_t>(bytes.size());
  FERRY_RETURN_NOT_OK(internal::InspectExecTree(message.root(), 0, limits.max_depth, &out));
  out.functions = internal::FunctionEntries(message.functions());
  out.reencodes_identically = internal::ReencodesIdentically(message, internal::kPhysicalPlanKind, bytes);
  return out;
}

Status CheckEncodedPhysicalPlanSize(std::string_view encoded, int64_t max_bytes) {
  if (static_cast<int64_t>(encoded.size()) <= max_bytes) return Status::OK();
  FERRY_ASSIGN_OR_RAISE(auto inspection, InspectPhysicalPlan(encoded));
  return internal::OversizedInspected("physical plan", inspection, max_bytes);
}

}  // namespace ferry

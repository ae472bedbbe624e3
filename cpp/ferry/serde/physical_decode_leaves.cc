// The leaves of a decoded physical plan: rows carried inline, files
// reopened to read exactly the sender's splits, stage inputs bound.

#include "ferry/exec/operators.h"
#include "ferry/exec/tables.h"
#include "ferry/function/bind.h"
#include "ferry/serde/decoded_schema_cache_internal.h"
#include "ferry/serde/filtered_table_cache.h"
#include "ferry/serde/literal_serde_internal.h"
#include "ferry/serde/physical_serde_internal.h"
#include "ferry/serde/plan_serde_internal.h"

namespace ferry::internal {
namespace {

namespace pb = ferry::v1;

// A scan's projection, checked against the table's columns.
Result<std::optional<std::vector<int>>> Projection(bool present, const pb::Projection& projection,
                                                   const arrow::Schema& schema) {
  if (!present) return std::nullopt;
  return DecodeIndices(projection.columns(), &schema, "projection");
}

// The receiver's table named by a memory scan, its rows spread over the
// sender's partition count so the plan around the scan keeps its shape.
Result<ExecPtr> MemoryScanByName(const pb::MemoryScanExecNode& n, const ScanTables& tables,
                                 const DecodeLimits& limits) {
  const int64_t partitions = n.num_partitions();
  FERRY_RETURN_NOT_OK(CheckPartitions(partitions, limits, "memory scan"));
  FERRY_ASSIGN_OR_RAISE(auto table, ResolveCatalogTable(n.source().catalog(), tables.resolve));
  FERRY_ASSIGN_OR_RAISE(auto projection, Projection(n.has_projection(), n.projection(), *table->schema()));
  FERRY_ASSIGN_OR_RAISE(auto scan, table->Scan(projection, static_cast<int>(partitions)));
  if (scan->num_partitions() == partitions) return ExecPtr(std::move(scan));
  auto source = table->Source();
  const auto* rows = source ? std::get_if<InMemorySource>(&*source) : nullptr;
  if (rows == nullptr) {
    return Status::Invalid("table '", n.source().catalog().name(), "' scans as ",
                           scan->num_partitions(), " partitions here; the plan reads it as ",
                           partitions);
  }
  BatchVector batches;
  for (const auto& partition : rows->partitions) batches.insert(batches.end(), partition.begin(), partition.end());
  auto spread = SplitIntoPartitions(batches, static_cast<int>(partitions));
  spread.resize(static_cast<size_t>(partitions));  // fewer rows than partitions: some stay empty
  return MakeMemoryScanExec(rows->schema, std::move(spread), projection);
}

}  // namespace

Result<ExecPtr> DecodeMemoryScan(const pb::MemoryScanExecNode& n, const ScanTables& tables,
                                 const DecodeLimits& limits) {
  if (n.has_source() && n.source().has_catalog()) return MemoryScanByName(n, tables, limits);
  if (!n.has_source() || !n.source().has_memory()) {
    return Status::Invalid("memory scan without an in-memory table source");
  }
  FERRY_ASSIGN_OR_RAISE(auto source, DecodeTableSource(n.source()));
  const size_t carried = std::get<InMemorySource>(source).partitions.size();
  FERRY_RETURN_NOT_OK(CheckPartitions(std::max<int64_t>(1, carried), limits, "memory scan"));
  FERRY_ASSIGN_OR_RAISE(auto table, tables.open(source));
  FERRY_ASSIGN_OR_RAISE(auto projection, Projection(n.has_projection(), n.projection(), *table->schema()));
  FERRY_ASSIGN_OR_RAISE(auto scan, table->Scan(projection, static_cast<int>(carried)));
  if (scan->num_partitions() != std::max<int>(1, static_cast<int>(carried))) {
    return Status::Invalid("memory scan of ", carried, " partitions opened as ",
                           scan->num_partitions());
  }
  return ExecPtr(std::move(scan));
}

Result<ExecPtr> DecodeFileScan(const pb::FileScanExecNode& n, std::vector<Expr> filters,
                               const ScanTables& tables, const DecodeLimits& limits) {
  const bool by_name = n.has_source() && n.source().has_catalog();
  if (!n.has_source() || !(n.source().has_parquet() || n.source().has_csv() || by_name)) {
    return Status::Invalid("file scan without a Parquet or CSV table source");
  }
  FERRY_RETURN_NOT_OK(CheckPartitions(n.splits_size(), limits, "file scan"));
  std::vector<std::vector<int>> splits;
  for (const auto& split : n.splits()) {
    FERRY_ASSIGN_OR_RAISE(auto row_groups, DecodeIndices(split.row_groups(), nullptr, "row group"));
    splits.push_back(std::move(row_groups));
  }
  FERRY_ASSIGN_OR_RAISE(auto declared, DecodeSchema(n.has_schema(), n.schema(), "file scan"));
  std::shared_ptr<const TableProvider> table;
  if (by_name) {
    FERRY_ASSIGN_OR_RAISE(table, ResolveCatalogTable(n.source().catalog(), tables.resolve));
  } else {
    FERRY_ASSIGN_OR_RAISE(auto source, DecodeTableSource(n.source()));
    FERRY_ASSIGN_OR_RAISE(table, tables.open(source));
  }
  FERRY_ASSIGN_OR_RAISE(auto projection, Projection(n.has_projection(), n.projection(), *table->schema()));
  if (!filters.empty()) {
    auto& filtered_tables = ProcessFilteredTables();
    if (auto filtered = filtered_tables.Find(table, filters)) {
      table = std::move(filtered);  // these filters bound over this table before
    } else {
      for (const auto& filter : filters) {
        FERRY_RETURN_NOT_OK(BindScalar(filter, *table->schema()).status());
      }
      FERRY_ASSIGN_OR_RAISE(table, filtered_tables.WithFilters(table, filters));
    }
  }
  FERRY_ASSIGN_OR_RAISE(auto scan, table->ScanSplits(projection, splits));
  if (!SameSchema(*scan->schema(), *declared, /*check_metadata=*/false)) {
    return Status::Invalid(table->Describe(), " reads as ", scan->schema()->ToString(),
                           " here but read as ", declared->ToString(),
                           " where the plan was made; the file differs");
  }
  if (scan->num_partitions() != n.splits_size()) {
    return Status::Invalid("scan of ", n.splits_size(), " splits opened as ",
                           scan->num_partitions(), " partitions");
  }
  return ExecPtr(std::move(scan));
}

Result<ExecPtr> DecodeStageInput(const pb::StageInputExecNode& n, const StageInputBinder& bind,
                                 const DecodeLimits& limits) {
  StageInputSpec spec;
  spec.stage_id = n.stage_id();
  switch (n.mode()) {
    case pb::StageInputExecNode::SLICE:
      spec.mode = StageInputMode::kSlice;
      break;
    case pb::StageInputExecNode::WHOLE_TASK:
      spec.mode = StageInputMode::kWholeTask;
      break;
    case pb::StageInputExecNode::ALL:
      spec.mode = StageInputMode::kAll;
      break;
    default:
      return Status::Invalid("unknown stage input mode ", static_cast<int>(n.mode()));
  }
  FERRY_RETURN_NOT_OK(CheckPartitions(n.num_partitions(), limits, "stage input"));
  spec.num_partitions = static_cast<int>(n.num_partitions());
  FERRY_ASSIGN_OR_RAISE(spec.schema, DecodeSchema(n.has_schema(), n.schema(), "stage input"));
  if (n.has_partitioning()) {
    FERRY_ASSIGN_OR_RAISE(auto columns, DecodeIndices(n.partitioning().columns(), spec.schema.get(),
                                                "stage input partitioning"));
    if (columns.empty()) return Status::Invalid("stage input hash-partitioned on no columns");
    spec.partitioning = HashPartitioning{std::move(columns), spec.num_partitions};
  }
  ExecPtr plan;
  if (bind) {
    FERRY_ASSIGN_OR_RAISE(plan, bind(spec));
    if (plan == nullptr) return Status::Invalid("stage input of stage ", spec.stage_id, " bound to nothing");
  } else {
    plan = MakeStageInputExec(spec, nullptr);
  }
  auto partitioning = plan->output_partitioning();
  const bool same_partitioning =
      !spec.partitioning ||
      (partitioning && partitioning->columns == spec.partitioning->columns &&
       partitioning->num_partitions == spec.partitioning->num_partitions);
  if (plan->num_partitions() != spec.num_partitions || !same_partitioning ||
      !SameSchema(*plan->schema(), *spec.schema, /*check_metadata=*/false)) {
    return Status::Invalid("stage input of stage ", spec.stage_id, " (", spec.num_partitions,
                           " partitions of ", spec.schema->ToString(),
                           spec.partitioning ? ", hash-partitioned" : "", ") bound to ",
                           plan->Describe(), " with ", plan->num_partitions(), " partitions of ",
                           plan->schema()->ToString(),
                           same_partitioning ? "" : ", not hash-partitioned alike");
  }
  return plan;
}

Result<std::shared_ptr<arrow::Schema>> DecodeSchema(bool present, const ferry::v1::Schema& schema,
                                                    const char* what) {
  if (!present) return Status::Invalid(what, " without a schema");
  auto& cache = DecodedSchemaCache::Instance();
  if (auto known = cache.Find(schema.arrow_ipc())) return known;
  const std::string label = std::string(what) + " schema";
  FERRY_ASSIGN_OR_RAISE(auto ipc, ReadIpcStream(schema.arrow_ipc(), label.c_str()));
  if (!ipc.second.empty()) return Status::Invalid("malformed ", label, ": it holds record batches");
  cache.Insert(schema.arrow_ipc(), ipc.first);
  return ipc.first;
}

Status CheckPartitions(int64_t n, const DecodeLimits& limits, const char* what) {
  if (n < 1 || n > limits.max_partitions) {
    return Status::Invalid(what, ": ", n, " partitions, outside 1..", limits.max_partitions);
  }
  return Status::OK();
}

Result<std::vector<int>> DecodeIndices(const google::protobuf::RepeatedField<uint32_t>& in,
                                       const arrow::Schema* schema, const char* what) {
  std::vector<int> out;
  out.reserve(in.size());
  const int64_t limit = schema ? schema->num_fields() : INT32_MAX;
  for (uint32_t index : in) {
    if (static_cast<int64_t>(index) >= limit) {
      return Status::IndexError(what, " column index ", index, " out of range");
    }
    out.push_back(static_cast<int>(index));
  }
  return out;
}

}  // namespace ferry::internal

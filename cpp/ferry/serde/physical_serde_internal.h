#pragma once

// What physical_encode.cc and the physical decoder's files share.

#include <memory>
#include <optional>
#include <vector>

#include <arrow/type.h>
#include <google/protobuf/repeated_field.h>

#include "ferry/common/status.h"
#include "ferry/expr/expr.h"
#include "ferry/serde/decode_limits.h"
#include "ferry/serde/physical_serde.h"
#include "ferry/serde/plan_inspection.h"
#include "ferry/v1/physical.pb.h"

namespace ferry::internal {

/// The Envelope kind of an encoded physical plan.
inline constexpr const char* kPhysicalPlanKind = "physical_plan";

/// A schema as an Arrow IPC stream holding only the schema.
Status EncodeSchema(const arrow::Schema& schema, ferry::v1::Schema* out);
/// Reads EncodeSchema's bytes from untrusted input; `what` names the schema
/// in errors ("projection without a schema", "malformed projection schema: ...").
Result<std::shared_ptr<arrow::Schema>> DecodeSchema(bool present, const ferry::v1::Schema& schema,
                                                    const char* what);

/// Invalid unless 1 <= n <= limits.max_partitions.
Status CheckPartitions(int64_t n, const DecodeLimits& limits, const char* what);
/// Column indices from the wire, each below `schema`'s field count (below
/// INT32_MAX without a schema); IndexError naming `what` otherwise.
Result<std::vector<int>> DecodeIndices(const google::protobuf::RepeatedField<uint32_t>& in,
                                       const arrow::Schema* schema, const char* what);

/// Where a decoded scan's table comes from: its source opened, or (sent by
/// name) the receiver's catalog.
struct ScanTables {
  TableOpener open;
  TableResolver resolve;
};

/// The leaves (physical_decode_leaves.cc): an in-memory table's rows (or
/// the receiver's table of that name, spread over the sender's partition
/// count), a file reopened (or found by name) to read exactly the sender's
/// splits (`filters` already decoded from the node), a stage input bound
/// by `bind` (or left unbound).
Result<ExecPtr> DecodeMemoryScan(const ferry::v1::MemoryScanExecNode& node, const ScanTables& tables,
                                 const DecodeLimits& limits);
Result<ExecPtr> DecodeFileScan(const ferry::v1::FileScanExecNode& node, std::vector<Expr> filters,
                               const ScanTables& tables, const DecodeLimits& limits);
Result<ExecPtr> DecodeStageInput(const ferry::v1::StageInputExecNode& node,
                                 const StageInputBinder& bind, const DecodeLimits& limits);

/// The schema a projection of `exprs` over `input` has when each column
/// is named, typed and made nullable as the logical expression it was
/// bound from says (function/bind.h OutputField): what the planner makes
/// for a DataFrame select. nullopt when an expression has no logical
/// source. A projection whose schema is this one travels without it
/// (ProjectionExecNode.schema absent), the decoder deriving it the same way.
std::optional<std::shared_ptr<arrow::Schema>> DerivedProjectionSchema(
    const std::vector<PhysicalExprPtr>& exprs, const arrow::Schema& input);
/// DerivedProjectionSchema for `exprs` the decoder has just bound over
/// their input (BindScalar): their own types are what binding their
/// sources again would give, so nothing is bound twice.
std::optional<std::shared_ptr<arrow::Schema>> DerivedProjectionSchemaOfBound(
    const std::vector<PhysicalExprPtr>& exprs);

/// arrow::Schema::Equals without its fingerprints: computing one formats
/// every field through a stringstream, which costs more than comparing two
/// schemas that are each compared once.
bool SameSchema(const arrow::Schema& a, const arrow::Schema& b, bool check_metadata);

/// Appends one line per operator of `root` to `out->tree` (and its tables
/// to `out->tables`), `root` indented `depth` levels (exec_plan_inspection.cc).
Status InspectExecTree(const ferry::v1::ExecNode& root, int depth, int max_depth, PlanInspection* out);
/// The error for an encoded `noun` of `inspection.total_bytes` bytes over
/// `max_bytes`, naming its largest inline tables and function definitions.
Status OversizedInspected(const char* noun, const PlanInspection& inspection, int64_t max_bytes);

}  // namespace ferry::internal

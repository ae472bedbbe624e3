#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "ferry/common/status.h"
#include "ferry/exec/execution_plan.h"
#include "ferry/exec/stage_input.h"
#include "ferry/function/registry.h"
#include "ferry/serde/decode_limits.h"
#include "ferry/serde/extension_codec.h"
#include "ferry/serde/plan_serde.h"

namespace ferry {

/// Builds the leaf for a stage input met while decoding (default:
/// MakeStageInputExec(spec, nullptr)). Its plan must have the spec's schema
/// and partition count.
using StageInputBinder = std::function<Result<ExecPtr>(const StageInputSpec& spec)>;

/// A scan a physical plan refers to by its table's name in the receiver's
/// catalog, with the schema the table has on the sender.
struct TableByName {
  std::string name;
  std::shared_ptr<arrow::Schema> schema;
};

/// What a caller of the physical encoder may choose or watch.
struct PhysicalEncodeOptions {
  /// For a scan's source (an in-memory table's rows, a file): the table to
  /// name instead of carrying the source, or nullopt to carry it.
  std::function<std::optional<TableByName>(const TableSource& source)> table_by_name;
  /// Called for each memory scan the plan carries inline, with its rows and
  /// the bytes its source takes on the wire (how a session warns about
  /// large inline tables, once per table).
  std::function<void(const std::vector<BatchVector>& partitions, int64_t bytes)> observe_inline_table;
};

/// Encodes `plan` as wire format v1 bytes (an Envelope of kind
/// "physical_plan"). Each operator travels as its kind, its parameters and
/// the logical expressions its bound ones came from (SourceOf), all sharing
/// one function table whose definitions come from `codec` (as EncodePlan).
/// Exchanges travel as their ExchangeInfo, stage inputs as their
/// StageInputSpec, scans as their table's source plus what each partition
/// reads. NotImplemented for an operator that cannot describe itself, or
/// an expression not bound from a logical one; Invalid for a plan a
/// decoder would refuse (too deep, too large, too many nodes).
Result<std::string> EncodePhysicalPlan(const ExecutionPlan& plan, const ExtensionCodec& codec,
                                       const PhysicalEncodeOptions& options = {});

/// Decodes bytes from EncodePhysicalPlan; any input yields a plan or an error naming the defect.
///
/// Every operator is rebuilt through the factory the planner used, its
/// expressions bound again to its decoded input (exec/operator_binders.h),
/// so a decoded plan is what the planner built: partition i of it yields
/// the rows partition i of the original yields. Functions resolve as
/// DecodeExpr resolves them; tables open through `open_table`; stage inputs
/// through `bind_stage_input`. Beyond DecodePlan's limits, the decoder
/// checks what the operators rely on: column indices in range, declared
/// schemas matching the expressions' types, boolean predicates, inputs'
/// partition counts (equal for a join; one where an operator needs one;
/// at most limits.max_partitions), hash-partitioned inputs where a join or
/// a final aggregate is partitioned.
/// Tables sent by name come from `resolve_table` (none given: a clear
/// error) and must have the schema the sender's table had.
Result<ExecPtr> DecodePhysicalPlan(std::string_view bytes, const ExtensionCodec& codec,
                                   const FunctionRegistry& registry, const TableOpener& open_table,
                                   const DecodeLimits& limits = {},
                                   const StageInputBinder& bind_stage_input = nullptr,
                                   const TableResolver& resolve_table = nullptr);

}  // namespace ferry

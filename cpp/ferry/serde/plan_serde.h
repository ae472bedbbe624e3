#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "ferry/common/status.h"
#include "ferry/function/registry.h"
#include "ferry/plan/logical_plan.h"
#include "ferry/serde/decode_limits.h"
#include "ferry/serde/expr_serde.h"
#include "ferry/serde/extension_codec.h"

namespace ferry {

/// Opens the table a decoded scan reads (a session reopens files by path
/// and rebuilds in-memory tables from their batches).
using TableOpener =
    std::function<Result<std::shared_ptr<const TableProvider>>(const TableSource& source)>;

/// Finds the table a plan refers to by name (CatalogTable on the wire) in
/// the receiver's catalog; KeyError naming it when there is none.
using TableResolver =
    std::function<Result<std::shared_ptr<const TableProvider>>(const std::string& name)>;

/// Told of every in-memory table a plan carries inline, with the size of
/// its Arrow IPC streams (a session warns about large ones).
using InlineTableObserver = std::function<void(const ScanNode& scan, int64_t bytes)>;

/// How EncodePlan writes a plan beyond its function codec.
struct PlanEncodeOptions {
  /// Largest encoding accepted: a plan over it is Invalid, the message
  /// naming its largest parts (inline tables, UDF definitions) and their
  /// sizes, so an oversized plan fails at the sender, not at a receiver.
  /// Never above DecodeLimits::max_bytes, which always applies.
  int64_t max_bytes = 16LL << 20;
  /// Scans for which this is true refer to their table by name (their
  /// ScanNode::table_name) and its schema instead of carrying its source.
  std::function<bool(const ScanNode& scan)> table_by_name;
  InlineTableObserver observe_inline_table;
};

/// Encodes `plan` as wire format v1 bytes (an Envelope of kind "plan").
/// Every expression of the plan shares one function table, each distinct
/// function written once, its definition from `codec`. Tables travel as
/// their TableProvider::Source(): files by path, in-memory tables inline;
/// or by name when `options.table_by_name` says so. NotImplemented for a
/// table that cannot describe itself; Invalid for a plan a decoder would
/// refuse (too deep, too large, too many nodes) or over options.max_bytes.
Result<std::string> EncodePlan(const LogicalPlan& plan, const ExtensionCodec& codec,
                               const PlanEncodeOptions& options = {});

/// Decodes bytes from EncodePlan, rebuilding every node through
/// plan/builder.h (so a decoded plan is validated like a built one) and
/// opening its tables with `open_table`; tables sent by name come from
/// `resolve_table` (none given: a clear error) and must have the schema
/// the sender saw. Functions resolve as DecodeExpr resolves them. Any
/// input yields a plan or an error naming the defect: never a crash, a
/// hang, or memory out of proportion to the input.
Result<PlanPtr> DecodePlan(std::string_view bytes, const ExtensionCodec& codec,
                           const FunctionRegistry& registry, const TableOpener& open_table,
                           const DecodeLimits& limits = {},
                           const TableResolver& resolve_table = nullptr);

}  // namespace ferry

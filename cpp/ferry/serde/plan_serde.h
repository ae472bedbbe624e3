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

/// Told of every in-memory table a plan carries inline, with the size of
/// its Arrow IPC streams (a session warns about large ones).
using InlineTableObserver = std::function<void(const ScanNode& scan, int64_t bytes)>;

/// Encodes `plan` as wire format v1 bytes (an Envelope of kind "plan").
/// Every expression of the plan shares one function table, each distinct
/// function written once, its definition from `codec`. Tables travel as
/// their TableProvider::Source(): files by path, in-memory tables inline.
/// NotImplemented for a table that cannot describe itself; Invalid for a
/// plan a decoder would refuse (too deep, too large, too many nodes).
Result<std::string> EncodePlan(const LogicalPlan& plan, const ExtensionCodec& codec,
                               const InlineTableObserver& observe_inline_table = nullptr);

/// Decodes bytes from EncodePlan, rebuilding every node through
/// plan/builder.h (so a decoded plan is validated like a built one) and
/// opening its tables with `open_table`. Functions resolve as DecodeExpr
/// resolves them. Any input yields a plan or an error naming the defect:
/// never a crash, a hang, or memory out of proportion to the input.
Result<PlanPtr> DecodePlan(std::string_view bytes, const ExtensionCodec& codec,
                           const FunctionRegistry& registry, const TableOpener& open_table,
                           const DecodeLimits& limits = {});

}  // namespace ferry

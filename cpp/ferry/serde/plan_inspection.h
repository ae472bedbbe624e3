#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/common/status.h"
#include "ferry/serde/decode_limits.h"
#include "ferry/serde/function_table.h"

namespace ferry {

/// What an encoded plan holds, read from the wire without opening a table,
/// resolving a function or running anything: how a Python-free process (a
/// scheduler, ferry-inspect) sees a plan it routes.

/// A table a scan of the plan reads, as the wire carries it.
struct InspectedTable {
  std::string scan_name;  ///< the scan's table name
  std::string kind;       ///< "parquet", "csv", "in-memory" or "by name"
  std::string detail;     ///< the path, the partition count, or empty
  int64_t bytes = 0;      ///< bytes this source takes in the plan
};

struct PlanInspection {
  /// One line per node, inputs indented two spaces below their reader.
  std::vector<std::string> tree;
  std::vector<InspectedTable> tables;
  /// The plan's function table, in wire order.
  std::vector<FunctionTableEntry> functions;
  int64_t total_bytes = 0;
  /// Whether serializing what was parsed gives back the input byte for byte.
  bool reencodes_identically = false;
};

/// Inspects bytes from EncodePlan under DecodePlan's size, count, envelope,
/// parse and depth checks, with its messages.
Result<PlanInspection> InspectPlan(std::string_view bytes, const DecodeLimits& limits = {});

/// Inspects bytes from EncodePhysicalPlan (exec_plan_inspection.cc) under
/// DecodePhysicalPlan's size, count, envelope, parse and depth checks: one
/// line per operator with its partitioning, each scan's table (the memory
/// scans' named "(memory scan)"), the function table.
Result<PlanInspection> InspectPhysicalPlan(std::string_view bytes, const DecodeLimits& limits = {});

/// OK when `encoded` (a physical plan's bytes) takes at most `max_bytes`;
/// otherwise Invalid naming its largest parts, as EncodePlan's limit does.
Status CheckEncodedPhysicalPlanSize(std::string_view encoded, int64_t max_bytes);

}  // namespace ferry

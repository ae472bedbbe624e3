#pragma once

// What plan_encode.cc and plan_decode.cc share.

#include "ferry/common/status.h"
#include "ferry/plan/table_provider.h"
#include "ferry/v1/plan.pb.h"

namespace ferry::internal {

/// The Envelope kind of an encoded plan.
inline constexpr const char* kPlanKind = "plan";

/// Plan levels and the expression levels below them count against one
/// depth limit (a lone scan is level 1, a filter over it 2, the filter's
/// predicate starts at 3), so a plan nests no deeper than an expression.
inline Status PlanTooDeep(int max_depth) {
  return Status::Invalid("plan nests deeper than the limit of ", max_depth, " levels");
}

/// A table's rows as the wire carries them (table_source_serde.cc).
Status EncodeTableSource(const TableSource& source, ferry::v1::TableSource* out);
/// Reads a TableSource from untrusted bytes; in-memory batches are fully
/// validated. Invalid naming the defect otherwise.
Result<TableSource> DecodeTableSource(const ferry::v1::TableSource& source);

}  // namespace ferry::internal

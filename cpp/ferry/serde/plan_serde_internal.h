#pragma once

// What plan_encode.cc and plan_decode.cc share.

#include <functional>
#include <string>
#include <vector>

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

/// A part of an encoded plan that an oversized plan's error names.
struct PlanPart {
  std::string description;  ///< e.g. "in-memory table 't'"
  int64_t bytes = 0;
};

/// Invalid when `message` serializes to more than `max_bytes`, naming the
/// largest of `inline_tables` and of the function table's definitions
/// with their sizes (plan_size_guard.cc).
Status CheckEncodedPlanSize(const ferry::v1::PlanMessage& message,
                            const std::vector<PlanPart>& inline_tables, int64_t max_bytes);

/// The error CheckEncodedPlanSize returns, for a `noun` ("plan",
/// "physical plan") of `size` bytes made of `parts`.
Status OversizedPlan(const char* noun, int64_t size, int64_t max_bytes, std::vector<PlanPart> parts);

/// A reference to the receiver's table `name`, with the sender's schema.
Status EncodeCatalogTable(const std::string& name, const std::shared_ptr<arrow::Schema>& schema,
                          ferry::v1::TableSource* out);
/// The table a CatalogTable names, from `resolve`; KeyError when the
/// receiver has none (or no catalog), Invalid when its schema differs
/// from the sender's.
Result<std::shared_ptr<const TableProvider>> ResolveCatalogTable(
    const ferry::v1::CatalogTable& table,
    const std::function<Result<std::shared_ptr<const TableProvider>>(const std::string&)>& resolve);

/// A table's rows as the wire carries them (table_source_serde.cc).
Status EncodeTableSource(const TableSource& source, ferry::v1::TableSource* out);
/// Reads a TableSource from untrusted bytes; in-memory batches are fully
/// validated. Invalid naming the defect otherwise.
Result<TableSource> DecodeTableSource(const ferry::v1::TableSource& source);

}  // namespace ferry::internal

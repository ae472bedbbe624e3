#pragma once

// What physical_encode.cc and physical_decode.cc share.

#include <memory>

#include <arrow/type.h>

#include "ferry/common/status.h"
#include "ferry/v1/physical.pb.h"

namespace ferry::internal {

/// The Envelope kind of an encoded physical plan.
inline constexpr const char* kPhysicalPlanKind = "physical_plan";

/// A schema as an Arrow IPC stream holding only the schema.
Status EncodeSchema(const arrow::Schema& schema, ferry::v1::Schema* out);
/// Reads EncodeSchema's bytes from untrusted input; `what` names the schema
/// in errors ("malformed projection schema: ...").
Result<std::shared_ptr<arrow::Schema>> DecodeSchema(bool present, const ferry::v1::Schema& schema,
                                                    const char* what);

}  // namespace ferry::internal

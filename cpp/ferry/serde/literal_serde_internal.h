#pragma once

// Arrow values on the wire: literals (protobuf scalars or an Arrow IPC
// stream of one row) and cast types (an IPC schema of one field).

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <arrow/scalar.h>
#include <arrow/type.h>

#include "ferry/common/status.h"
#include "ferry/v1/expr.pb.h"

namespace ferry {

/// An Arrow IPC stream: `schema`, then `batches` (none: a schema-only stream).
Result<std::string> WriteIpcStream(const std::shared_ptr<arrow::Schema>& schema,
                                   const std::vector<std::shared_ptr<arrow::RecordBatch>>& batches);

using IpcContents =
    std::pair<std::shared_ptr<arrow::Schema>, std::vector<std::shared_ptr<arrow::RecordBatch>>>;
/// Reads an IPC stream from untrusted bytes: field names and time zones
/// must be UTF-8 and every batch passes Arrow's full validation; otherwise
/// Invalid("malformed WHAT: ...").
Result<IpcContents> ReadIpcStream(const std::string& bytes, const char* what);

/// Writes `scalar` as the narrowest Literal form that holds it exactly.
Status EncodeLiteral(const arrow::Scalar& scalar, ferry::v1::Literal* out);

/// Reads a Literal from untrusted bytes: Invalid ("malformed literal: ...")
/// for anything Arrow's full validation rejects, or whose type carries
/// text (field names, time zones) that is not UTF-8.
Result<std::shared_ptr<arrow::Scalar>> DecodeLiteral(const ferry::v1::Literal& literal);

/// A cast target type as an IPC schema of one field named "type".
Result<std::string> EncodeType(const std::shared_ptr<arrow::DataType>& type);

/// Reads EncodeType's bytes from untrusted input, with DecodeLiteral's checks.
Result<std::shared_ptr<arrow::DataType>> DecodeType(const std::string& bytes);

}  // namespace ferry

#pragma once

#include <memory>

#include <arrow/record_batch.h>
#include <arrow/type.h>

#include "ferry/common/status.h"

namespace ferry {

/// Arrow 26's selection, sort, hash-join and string kernels have no
/// string_view/binary_view layouts (filter, take, sort_indices, is_in,
/// match_like, utf8_slice_codeunits, ...), so ferry executes on utf8 and
/// binary and casts view columns (also inside lists and structs) once,
/// where data enters: in-memory tables at registration, file scans per
/// batch as it is read.

/// `type` with every string_view/binary_view replaced by utf8/binary.
std::shared_ptr<arrow::DataType> WithoutViews(const std::shared_ptr<arrow::DataType>& type);

/// `schema` with WithoutViews applied to each field; the same pointer when
/// nothing changes.
std::shared_ptr<arrow::Schema> WithoutViews(const std::shared_ptr<arrow::Schema>& schema);

/// `batch` with its view columns cast; the same batch when it has none.
Result<std::shared_ptr<arrow::RecordBatch>> CastViews(std::shared_ptr<arrow::RecordBatch> batch);

/// A reader yielding CastViews of each batch of `reader`; `reader` itself
/// when its schema has no views.
std::shared_ptr<arrow::RecordBatchReader> CastViews(
    std::shared_ptr<arrow::RecordBatchReader> reader);

}  // namespace ferry

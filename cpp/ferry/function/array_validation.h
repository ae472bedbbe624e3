#pragma once

#include <arrow/array.h>
#include <arrow/record_batch.h>

#include "ferry/common/status.h"

namespace ferry {

/// Checks an array from outside the engine (a UDF's result) as strictly as
/// Arrow's ValidateFull: offsets in order and in bounds, strings valid
/// UTF-8, children consistent. Invalid, with Arrow's description, if not.
///
/// Why not ValidateFull itself: it checks UTF-8 string by string, ~25 ns a
/// row for short strings, which doubled the cost of a cheap string UDF.
/// For utf8 and large_utf8 this checks the offsets as binary (in order, in
/// bounds), the whole character range as UTF-8 in one pass, and that every
/// string starts on a character boundary: together exactly "every string
/// is valid UTF-8", at a fraction of the cost. Other types, and a string
/// array that fails that check (for Arrow's verdict and message), go
/// through ValidateFull; for fixed-width types it costs nothing per row.
Status ValidateForeignArray(const arrow::Array& array);

/// Checks a record batch from outside the engine (a table handed over
/// through the Arrow C data interface) as ValidateForeignArray checks an
/// array, after the batch's own structure (column count, lengths and types
/// against its schema). Invalid naming the column at fault if not.
Status ValidateForeignBatch(const arrow::RecordBatch& batch);

}  // namespace ferry

#pragma once

#include <memory>

#include <arrow/array.h>

#include "ferry/common/status.h"

namespace ferry {

/// `values` as a hash key that agrees with SQL equality: floating-point
/// -0.0 becomes 0.0 (they compare equal but differ in bits, and hash tables
/// compare bits). Other arrays are returned as they are, without a copy.
Result<std::shared_ptr<arrow::Array>> NormalizeGroupingKey(std::shared_ptr<arrow::Array> values);

}  // namespace ferry

#pragma once

#include <cstdint>
#include <vector>

#include <arrow/array.h>

#include "ferry/common/status.h"

namespace ferry {

/// Whether HashRows can hash a key of this type (flat types: numbers,
/// temporals, decimals, booleans, strings and binaries of every layout).
bool CanHashRows(const arrow::DataType& type);

/// One 64-bit hash per row over `keys` (all `num_rows` long). Rows whose
/// keys are equal under SQL equality hash alike: -0.0 and 0.0 agree, every
/// NaN agrees, NULL has its own hash. The same values hash the same in any
/// process, so hash partitions are stable across threads and machines.
Result<std::vector<uint64_t>> HashRows(const arrow::ArrayVector& keys, int64_t num_rows);

}  // namespace ferry

#pragma once

#include <cstdint>
#include <vector>

#include <arrow/array.h>

#include "ferry/common/status.h"
#include "ferry/expr/expr.h"

namespace ferry {

/// Peer groups and frames of one sorted window partition (rows [0, n)).
struct PartitionLayout {
  std::vector<int64_t> peer_start;
  std::vector<int64_t> peer_end;
  std::vector<int64_t> frame_start;
  std::vector<int64_t> frame_end;
};

/// Computes `frame`'s bounds for every row. `peer_break[i]` is true where
/// row i starts a new peer group (row 0 always does). `order_key` is the
/// single ORDER BY column RANGE frames with offsets measure distance in
/// (null otherwise); `descending` is its direction.
Result<PartitionLayout> ComputeLayout(int64_t n, const uint8_t* peer_break, const WindowFrame& frame,
                                      const std::shared_ptr<arrow::Array>& order_key, bool descending);

}  // namespace ferry

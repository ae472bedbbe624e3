#pragma once

#include <memory>
#include <vector>

#include "ferry/common/status.h"
#include "ferry/function/aggregate_function.h"

namespace ferry {

/// An aggregate's value over each row's frame [frame_start[i], frame_end[i])
/// of one sorted window partition. Built-in sum/count/avg use prefix sums and
/// min/max a monotonic deque (O(1) per row for any frame); every other
/// aggregate, Python UDAFs included, runs its accumulator over each frame.
Result<std::shared_ptr<arrow::Array>> AggregateOverFrames(const AggregateFunction& func,
                                                          const TypeVector& arg_types,
                                                          const ArrayVector& args, int64_t num_rows,
                                                          const std::vector<int64_t>& frame_start,
                                                          const std::vector<int64_t>& frame_end);

}  // namespace ferry

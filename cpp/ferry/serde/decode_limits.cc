#include "ferry/serde/decode_limits.h"

namespace ferry {
namespace {

Status CheckRange(const char* name, int64_t value, int64_t low, int64_t high) {
  if (value >= low && value <= high) return Status::OK();
  return Status::Invalid("decode limit ", name, " must be between ", low, " and ", high, ", got ",
                         value);
}

}  // namespace

Status ValidateDecodeLimits(const DecodeLimits& limits) {
  constexpr int64_t kUnbounded = INT64_MAX;
  FERRY_RETURN_NOT_OK(CheckRange("max_depth", limits.max_depth, 1, kMaxDecodeDepth));
  FERRY_RETURN_NOT_OK(CheckRange("max_bytes", limits.max_bytes, 1, kMaxDecodeBytes));
  FERRY_RETURN_NOT_OK(CheckRange("max_nodes", limits.max_nodes, 1, kUnbounded));
  FERRY_RETURN_NOT_OK(CheckRange("max_functions", limits.max_functions, 1, kUnbounded));
  return CheckRange("max_list_items", limits.max_list_items, 1, kUnbounded);
}

}  // namespace ferry

#pragma once

// Parquet's RLE/bit-packed hybrid encoding, which carries definition
// levels and dictionary indices: a sequence of runs, each either one value
// repeated (RLE) or groups of 8 values bit-packed at a fixed width.

#include <cstdint>

#include "ferry/common/status.h"

namespace ferry {

/// Decodes an RLE/bit-packed hybrid stream of `bit_width`-bit values.
///
/// Resumable: successive Decode calls continue where the last one stopped.
/// Never reads outside [data, data + size): a stream that ends early or
/// declares an impossible run gives Invalid. Does not own `data`.
class RleBitPackedDecoder {
 public:
  RleBitPackedDecoder() = default;
  /// `bit_width` must be in [0, 32] (checked by Make callers: see Valid).
  RleBitPackedDecoder(const uint8_t* data, int64_t size, int bit_width)
      : data_(data), end_(data + size), bit_width_(bit_width) {}

  static bool ValidBitWidth(int bit_width) { return bit_width >= 0 && bit_width <= 32; }

  /// Decodes the next `count` values into `out`.
  Status Decode(int64_t count, uint32_t* out);

 private:
  Status NextRun();

  const uint8_t* data_ = nullptr;
  const uint8_t* end_ = nullptr;
  int bit_width_ = 0;
  // The current run: `repeat_left` copies of `repeat_value`, or
  // `packed_left` values bit-packed from `packed_` at value `packed_index_`.
  int64_t repeat_left_ = 0;
  uint32_t repeat_value_ = 0;
  int64_t packed_left_ = 0;
  const uint8_t* packed_ = nullptr;
  int64_t packed_index_ = 0;
};

}  // namespace ferry

#include "ferry/exec/parquet_rle.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <utility>

namespace ferry {
namespace {

uint64_t LoadLittleEndian64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof(v));
  return v;  // x86-64 and aarch64 Linux are little-endian, as Parquet is
}

// Unpacks `count` values of `W` bits starting at value `first` of `packed`,
// which holds `bytes` bytes. With W a constant, each value is one
// unaligned load, a shift and a mask.
template <int W>
void Unpack(const uint8_t* packed, int64_t bytes, int64_t first, int64_t count, uint32_t* out) {
  if constexpr (W == 0) {
    std::fill(out, out + count, 0u);
  } else {
    constexpr uint64_t kMask = (W == 32) ? 0xffffffffull : ((1ull << W) - 1);
    int64_t i = 0;
    // Up to 16 bits wide, a group of 8 values is W <= 16 bytes: one or two
    // loads, then constant shifts.
    if constexpr (W <= 16) {
      while (((first + i) & 7) != 0 && i < count) {
        const int64_t bit = (first + i) * W;
        uint64_t word = 0;
        for (int64_t b = bit >> 3; b < std::min<int64_t>(bytes, (bit >> 3) + 3); ++b) {
          word |= static_cast<uint64_t>(packed[b]) << (8 * (b - (bit >> 3)));
        }
        out[i++] = static_cast<uint32_t>((word >> (bit & 7)) & kMask);
      }
      for (; i + 8 <= count; i += 8) {
        const int64_t byte = (first + i) / 8 * W;
        if constexpr (W <= 8) {
          if (byte + 8 > bytes) break;
          const uint64_t word = LoadLittleEndian64(packed + byte);
          for (int j = 0; j < 8; ++j) out[i + j] = static_cast<uint32_t>((word >> (j * W)) & kMask);
        } else {
          if (byte + 16 > bytes) break;
          const unsigned __int128 word =
              LoadLittleEndian64(packed + byte) |
              (static_cast<unsigned __int128>(LoadLittleEndian64(packed + byte + 8)) << 64);
          for (int j = 0; j < 8; ++j) out[i + j] = static_cast<uint32_t>((word >> (j * W)) & kMask);
        }
      }
    }
    // Value v's load covers bytes [v*W/8, v*W/8 + 8).
    const int64_t fast_limit = bytes >= 8 ? ((bytes - 8) * 8) / W + 1 : 0;
    const int64_t fast_count = std::clamp<int64_t>(fast_limit - first, 0, count);
    for (; i < fast_count; ++i) {
      const int64_t bit = (first + i) * W;
      out[i] = static_cast<uint32_t>((LoadLittleEndian64(packed + (bit >> 3)) >> (bit & 7)) & kMask);
    }
    // The last values, whose 8-byte load would pass the end, byte by byte.
    for (; i < count; ++i) {
      const int64_t bit = (first + i) * W;
      uint64_t word = 0;
      const int64_t byte = bit >> 3;
      for (int64_t b = 0; b < 8 && byte + b < bytes; ++b) {
        word |= static_cast<uint64_t>(packed[byte + b]) << (8 * b);
      }
      out[i] = static_cast<uint32_t>((word >> (bit & 7)) & kMask);
    }
  }
}

using UnpackFn = void (*)(const uint8_t*, int64_t, int64_t, int64_t, uint32_t*);

template <int... W>
constexpr auto MakeUnpackTable(std::integer_sequence<int, W...>) {
  return std::array<UnpackFn, sizeof...(W)>{&Unpack<W>...};
}

constexpr auto kUnpack = MakeUnpackTable(std::make_integer_sequence<int, 33>{});

}  // namespace

Status RleBitPackedDecoder::NextRun() {
  uint32_t header = 0;
  for (int shift = 0;; shift += 7) {
    if (data_ >= end_) return Status::Invalid("Parquet RLE stream ends inside a run header");
    if (shift > 28) return Status::Invalid("Parquet RLE run header longer than 5 bytes");
    const uint8_t byte = *data_++;
    header |= static_cast<uint32_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) break;
  }
  if (header & 1) {
    const int64_t groups = header >> 1;
    const int64_t bytes = std::min<int64_t>(groups * bit_width_, end_ - data_);
    // A writer may cut the last run's padding: only whole values count.
    packed_left_ = bit_width_ == 0 ? groups * 8 : std::min(groups * 8, bytes * 8 / bit_width_);
    packed_ = data_;
    packed_index_ = 0;
    data_ += bytes;
    if (packed_left_ == 0) return Status::Invalid("Parquet RLE stream has an empty bit-packed run");
  } else {
    repeat_left_ = header >> 1;
    const int value_bytes = (bit_width_ + 7) / 8;
    if (end_ - data_ < value_bytes) return Status::Invalid("Parquet RLE stream ends inside a run value");
    uint32_t value = 0;
    for (int b = 0; b < value_bytes; ++b) value |= static_cast<uint32_t>(data_[b]) << (8 * b);
    data_ += value_bytes;
    if (bit_width_ < 32 && (value >> bit_width_) != 0) {
      return Status::Invalid("Parquet RLE run value ", value, " wider than ", bit_width_, " bits");
    }
    repeat_value_ = value;
    if (repeat_left_ == 0) return Status::Invalid("Parquet RLE stream has an empty run");
  }
  return Status::OK();
}

Status RleBitPackedDecoder::Decode(int64_t count, uint32_t* out) {
  while (count > 0) {
    if (repeat_left_ == 0 && packed_left_ == 0) FERRY_RETURN_NOT_OK(NextRun());
    if (repeat_left_ > 0) {
      const int64_t n = std::min(count, repeat_left_);
      std::fill(out, out + n, repeat_value_);
      repeat_left_ -= n;
      out += n;
      count -= n;
    } else {
      const int64_t n = std::min(count, packed_left_);
      const int64_t bytes = (packed_index_ + packed_left_) * bit_width_ / 8 +
                            ((packed_index_ + packed_left_) * bit_width_ % 8 != 0);
      kUnpack[bit_width_](packed_, bytes, packed_index_, n, out);
      packed_index_ += n;
      packed_left_ -= n;
      out += n;
      count -= n;
    }
  }
  return Status::OK();
}

}  // namespace ferry

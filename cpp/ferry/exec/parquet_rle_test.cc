#include "ferry/exec/parquet_rle.h"

#include <cstdint>
#include <vector>

#include <gtest/gtest.h>

namespace ferry {
namespace {

// An independent writer of the hybrid encoding, straight from the Parquet
// spec: ULEB128 run headers, RLE values in ceil(width/8) little-endian
// bytes, bit-packed groups of 8 values LSB first.
class HybridWriter {
 public:
  explicit HybridWriter(int width) : width_(width) {}

  void Repeat(uint32_t value, uint32_t count) {
    Header(count << 1);
    for (int b = 0; b < (width_ + 7) / 8; ++b) bytes_.push_back(static_cast<uint8_t>(value >> (8 * b)));
  }
  // `values` padded with zeros to a multiple of 8.
  void Packed(std::vector<uint32_t> values) {
    while (values.size() % 8) values.push_back(0);
    Header(static_cast<uint32_t>(values.size() / 8) << 1 | 1);
    uint64_t bits = 0;
    int filled = 0;
    for (uint32_t v : values) {
      for (int i = 0; i < width_; ++i) {
        bits |= static_cast<uint64_t>((v >> i) & 1) << filled++;
        if (filled == 8) {
          bytes_.push_back(static_cast<uint8_t>(bits));
          bits = 0;
          filled = 0;
        }
      }
    }
  }
  const std::vector<uint8_t>& bytes() const { return bytes_; }

 private:
  void Header(uint32_t header) {
    do {
      uint8_t byte = header & 0x7f;
      header >>= 7;
      bytes_.push_back(byte | (header ? 0x80 : 0));
    } while (header);
  }
  int width_;
  std::vector<uint8_t> bytes_;
};

std::vector<uint32_t> DecodeAll(const std::vector<uint8_t>& bytes, int width, int64_t count,
                                int64_t step) {
  RleBitPackedDecoder decoder(bytes.data(), static_cast<int64_t>(bytes.size()), width);
  std::vector<uint32_t> out(count);
  for (int64_t at = 0; at < count; at += step) {
    EXPECT_TRUE(decoder.Decode(std::min(step, count - at), out.data() + at).ok());
  }
  return out;
}

TEST(RleBitPackedDecoderTest, MixedRunsAtEveryWidthAndStep) {
  for (int width : {1, 2, 3, 7, 8, 9, 12, 16, 17, 24, 31, 32}) {
    const uint32_t mask = width == 32 ? 0xffffffffu : (1u << width) - 1;
    HybridWriter writer(width);
    std::vector<uint32_t> expected;
    writer.Repeat(mask, 300);
    expected.insert(expected.end(), 300, mask);
    std::vector<uint32_t> packed;
    for (uint32_t i = 0; i < 203; ++i) packed.push_back((i * 2654435761u) & mask);
    writer.Packed(packed);
    expected.insert(expected.end(), packed.begin(), packed.end());
    expected.insert(expected.end(), 5, 0);  // the last group's padding
    writer.Repeat(1, 7);
    expected.insert(expected.end(), 7, 1);
    for (int64_t step : {1, 5, 8, 100, 1000}) {
      EXPECT_EQ(DecodeAll(writer.bytes(), width, static_cast<int64_t>(expected.size()), step), expected)
          << "width " << width << ", step " << step;
    }
  }
}

TEST(RleBitPackedDecoderTest, WidthZeroIsAllZeros) {
  HybridWriter writer(0);
  writer.Repeat(0, 10);
  writer.Packed(std::vector<uint32_t>(16, 0));
  EXPECT_EQ(DecodeAll(writer.bytes(), 0, 26, 3), std::vector<uint32_t>(26, 0));
}

TEST(RleBitPackedDecoderTest, AStreamThatEndsEarlyIsInvalid) {
  HybridWriter writer(5);
  writer.Repeat(3, 4);
  RleBitPackedDecoder decoder(writer.bytes().data(), static_cast<int64_t>(writer.bytes().size()), 5);
  std::vector<uint32_t> out(5);
  auto status = decoder.Decode(5, out.data());
  EXPECT_TRUE(status.IsInvalid()) << status;
  // An empty stream, and a run header cut short.
  RleBitPackedDecoder empty(nullptr, 0, 3);
  EXPECT_TRUE(empty.Decode(1, out.data()).IsInvalid());
  const uint8_t cut[] = {0x80};
  RleBitPackedDecoder header(cut, 1, 3);
  EXPECT_TRUE(header.Decode(1, out.data()).IsInvalid());
}

TEST(RleBitPackedDecoderTest, ARunValueWiderThanTheWidthIsInvalid) {
  HybridWriter writer(8);
  writer.Repeat(200, 4);
  RleBitPackedDecoder decoder(writer.bytes().data(), static_cast<int64_t>(writer.bytes().size()), 3);
  std::vector<uint32_t> out(4);
  EXPECT_TRUE(decoder.Decode(4, out.data()).IsInvalid());
}

TEST(RleBitPackedDecoderTest, ATruncatedLastPackedRunKeepsItsWholeValues) {
  // A writer may drop the last group's padding bytes: 3 values of 8 bits
  // in a run declaring one group of 8.
  const uint8_t bytes[] = {0x03, 10, 20, 30};
  RleBitPackedDecoder decoder(bytes, sizeof(bytes), 8);
  std::vector<uint32_t> out(4);
  ASSERT_TRUE(decoder.Decode(3, out.data()).ok());
  EXPECT_EQ(std::vector<uint32_t>(out.begin(), out.begin() + 3), (std::vector<uint32_t>{10, 20, 30}));
  EXPECT_TRUE(decoder.Decode(1, out.data()).IsInvalid());
}

}  // namespace
}  // namespace ferry

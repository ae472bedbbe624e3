// HashRows decides which partition a row goes to, so equal keys must hash
// alike whatever their layout (else a join or a group is split across
// partitions and loses matches), and distinct keys must spread.

#include "ferry/exec/row_hash.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <arrow/api.h>
#include <gtest/gtest.h>

#include "ferry/testing/test_util.h"

namespace ferry {
namespace {

using testing::ArrayFromJson;

std::vector<uint64_t> Hash(const arrow::ArrayVector& keys) {
  const int64_t n = keys.empty() ? 0 : keys.front()->length();
  auto hashes = HashRows(keys, n);
  EXPECT_TRUE(hashes.ok()) << hashes.status().ToString();
  return hashes.ValueOrDie();
}

std::vector<uint64_t> Hash1(const std::shared_ptr<arrow::Array>& key) { return Hash({key}); }

template <typename Builder>
std::shared_ptr<arrow::Array> Strings(const std::vector<std::optional<std::string>>& values) {
  Builder builder;
  for (const auto& v : values) {
    if (v) {
      EXPECT_TRUE(builder.Append(*v).ok());
    } else {
      EXPECT_TRUE(builder.AppendNull().ok());
    }
  }
  return builder.Finish().ValueOrDie();
}

template <typename Builder, typename T>
std::shared_ptr<arrow::Array> Floats(const std::vector<T>& values) {
  Builder builder;
  for (T v : values) EXPECT_TRUE(builder.Append(v).ok());
  return builder.Finish().ValueOrDie();
}

// Values include the empty string, short strings, a string of exactly 8
// bytes (one full word), one of 12 (a view's inline limit) and longer ones
// (out of line in a view), an embedded NUL and a NULL.
const std::vector<std::optional<std::string>>& StringValues() {
  static const std::vector<std::optional<std::string>> values = {
      std::string(""), std::string("a"), std::string("a\0", 2), std::string("abcdefgh"),
      std::string("abcdefghijkl"), std::string("abcdefghijklmnopqrstuvwxyz"), std::nullopt,
      std::string("\xc3\xa9t\xc3\xa9")};
  return values;
}

TEST(RowHashTest, EveryStringAndBinaryLayoutHashesAlike) {
  const auto& values = StringValues();
  const auto expected = Hash1(Strings<arrow::StringBuilder>(values));
  EXPECT_EQ(Hash1(Strings<arrow::LargeStringBuilder>(values)), expected) << "large_utf8";
  EXPECT_EQ(Hash1(Strings<arrow::StringViewBuilder>(values)), expected) << "string_view";
  EXPECT_EQ(Hash1(Strings<arrow::BinaryBuilder>(values)), expected) << "binary";
  EXPECT_EQ(Hash1(Strings<arrow::LargeBinaryBuilder>(values)), expected) << "large_binary";
  EXPECT_EQ(Hash1(Strings<arrow::BinaryViewBuilder>(values)), expected) << "binary_view";
  // As the first column of a two-column key, too.
  auto second = ArrayFromJson(arrow::int64(), "[1, 2, 3, 4, 5, 6, 7, 8]");
  EXPECT_EQ(Hash({Strings<arrow::StringViewBuilder>(values), second}),
            Hash({Strings<arrow::LargeStringBuilder>(values), second}));
}

TEST(RowHashTest, DistinctStringsHashApart) {
  // "" vs NULL, "a" vs "a\0" (same first word once zero-padded), and the
  // rest: all eight values are distinct keys, so all eight hashes differ.
  auto hashes = Hash1(Strings<arrow::StringBuilder>(StringValues()));
  EXPECT_EQ(std::set<uint64_t>(hashes.begin(), hashes.end()).size(), hashes.size());
}

TEST(RowHashTest, NegativeZeroAndZeroHashAlike) {
  const double inf = std::numeric_limits<double>::infinity();
  auto f64 = Hash1(Floats<arrow::DoubleBuilder, double>({0.0, -0.0, 1.0, -1.0, inf, -inf}));
  EXPECT_EQ(f64[0], f64[1]);
  EXPECT_EQ(std::set<uint64_t>({f64[0], f64[2], f64[3], f64[4], f64[5]}).size(), 5u);
  auto f32 = Hash1(Floats<arrow::FloatBuilder, float>({0.0f, -0.0f, 2.5f}));
  EXPECT_EQ(f32[0], f32[1]);
  EXPECT_NE(f32[0], f32[2]);
}

TEST(RowHashTest, EveryNanHashesAlike) {
  const double qnan = std::numeric_limits<double>::quiet_NaN();
  const double snan = std::numeric_limits<double>::signaling_NaN();
  uint64_t payload_bits = 0x7ff0000000000123ULL;  // a NaN with a payload
  double payload;
  std::memcpy(&payload, &payload_bits, sizeof payload);
  ASSERT_TRUE(std::isnan(payload));
  auto f64 = Hash1(Floats<arrow::DoubleBuilder, double>({qnan, -qnan, snan, payload, 0.0, 1.0}));
  EXPECT_EQ(f64[0], f64[1]);
  EXPECT_EQ(f64[0], f64[2]);
  EXPECT_EQ(f64[0], f64[3]);
  EXPECT_NE(f64[0], f64[4]);
  EXPECT_NE(f64[0], f64[5]);
  auto f32 = Hash1(Floats<arrow::FloatBuilder, float>(
      {std::numeric_limits<float>::quiet_NaN(), -std::numeric_limits<float>::quiet_NaN(), 0.0f}));
  EXPECT_EQ(f32[0], f32[1]);
  EXPECT_NE(f32[0], f32[2]);
}

// A NULL's hash must not depend on the bytes under it (Arrow leaves them
// undefined), and must differ from the values a column commonly holds.
TEST(RowHashTest, NullsHashAlikeWhateverTheBytesUnderThem) {
  // int64 [5 (null), 7 (null), 0, 5]: the two nulls carry different data.
  std::vector<int64_t> data = {5, 7, 0, 5};
  auto values = arrow::Buffer::FromVector(data);
  auto validity = arrow::AllocateBitmap(4).ValueOrDie();
  uint8_t bits = 0b1100;
  std::memcpy(validity->mutable_data(), &bits, 1);
  auto ints = std::make_shared<arrow::Int64Array>(
      4, values, std::shared_ptr<arrow::Buffer>(std::move(validity)), 2);
  ASSERT_TRUE(ints->ValidateFull().ok());
  auto h = Hash1(ints);
  EXPECT_EQ(h[0], h[1]);
  EXPECT_NE(h[0], h[2]) << "NULL vs 0";
  EXPECT_NE(h[0], h[3]) << "NULL vs the value under it";

  // utf8 where a null slot spans "xyz" of the data buffer.
  std::vector<int32_t> offsets = {0, 3, 3, 6};
  auto string_validity = arrow::AllocateBitmap(3).ValueOrDie();
  uint8_t string_bits = 0b110;
  std::memcpy(string_validity->mutable_data(), &string_bits, 1);
  auto strings = std::make_shared<arrow::StringArray>(
      3, arrow::Buffer::FromVector(offsets), arrow::Buffer::FromString("xyzxyz"),
      std::shared_ptr<arrow::Buffer>(std::move(string_validity)), 1);
  ASSERT_TRUE(strings->ValidateFull().ok());
  auto hs = Hash1(strings);  // [null, "", "xyz"]
  EXPECT_EQ(std::set<uint64_t>(hs.begin(), hs.end()).size(), 3u);
  auto plain_null = Hash1(ArrayFromJson(arrow::utf8(), R"([null, "xyz"])"));
  EXPECT_EQ(hs[0], plain_null[0]);
  EXPECT_EQ(hs[2], plain_null[1]);

  // NULL in a double column differs from 0.0 and from NaN.
  auto doubles = Hash1(ArrayFromJson(arrow::float64(), "[null, 0.0, NaN, null]"));
  EXPECT_EQ(doubles[0], doubles[3]);
  EXPECT_NE(doubles[0], doubles[1]);
  EXPECT_NE(doubles[0], doubles[2]);
}

TEST(RowHashTest, MultiColumnRowsHashByEveryColumn) {
  auto a = ArrayFromJson(arrow::int64(), "[1, 1, 2, 1, null, 1, 1]");
  auto b = ArrayFromJson(arrow::utf8(), R"(["a", "b", "a", "a", "a", null, "a"])");
  auto c = ArrayFromJson(arrow::boolean(), "[true, true, true, true, true, true, false]");
  auto h = Hash({a, b, c});
  EXPECT_EQ(h[0], h[3]);  // rows 0 and 3 are equal
  std::set<uint64_t> distinct = {h[0], h[1], h[2], h[4], h[5], h[6]};
  EXPECT_EQ(distinct.size(), 6u) << "a row differing in one column must hash apart";
  // (NULL, x) and (x, NULL) are different rows.
  auto swap = Hash({ArrayFromJson(arrow::int64(), "[null, 3]"), ArrayFromJson(arrow::int64(), "[3, null]")});
  EXPECT_NE(swap[0], swap[1]);
}

TEST(RowHashTest, SlicedArraysHashTheirOwnRows) {
  for (const auto& type : {arrow::int32(), arrow::float64(), arrow::utf8(), arrow::boolean()}) {
    std::string json = type->id() == arrow::Type::STRING  ? R"(["p", "q", null, "r", "s", "t", "u"])"
                       : type->id() == arrow::Type::BOOL ? "[true, false, null, true, true, false, null]"
                                                         : "[1, 2, null, 4, 5, 6, 7]";
    auto whole = ArrayFromJson(type, json);
    auto full = Hash1(whole);
    for (int64_t offset : {1, 2, 3}) {
      auto part = Hash1(whole->Slice(offset, 3));
      for (int64_t i = 0; i < 3; ++i) {
        EXPECT_EQ(part[i], full[offset + i]) << type->ToString() << " offset " << offset << " row " << i;
      }
    }
  }
}

TEST(RowHashTest, FixedWidthTypesHashEqualValuesAlike) {
  // Equal values within one column hash alike, distinct ones apart, for
  // every flat type the planner may hash.
  struct Case {
    std::shared_ptr<arrow::DataType> type;
    std::string json;  // rows 0 and 2 equal, the others distinct
  };
  std::vector<Case> cases = {
      {arrow::int8(), "[-1, 1, -1, 0, null]"},
      {arrow::uint64(), "[18446744073709551615, 1, 18446744073709551615, 0, null]"},
      {arrow::boolean(), "[true, false, true, null]"},
      {arrow::date32(), "[19000, 19001, 19000, 0, null]"},
      {arrow::timestamp(arrow::TimeUnit::MICRO), "[1, 2, 1, 0, null]"},
      {arrow::decimal128(10, 2), R"(["1.50", "-1.50", "1.50", "0.00", null])"},
      {arrow::fixed_size_binary(3), R"(["abc", "abd", "abc", "\u0000\u0000\u0000", null])"},
  };
  for (const auto& c : cases) {
    ASSERT_TRUE(CanHashRows(*c.type)) << c.type->ToString();
    auto h = Hash1(ArrayFromJson(c.type, c.json));
    EXPECT_EQ(h[0], h[2]) << c.type->ToString();
    std::set<uint64_t> distinct(h.begin(), h.end());
    EXPECT_EQ(distinct.size(), h.size() - 1) << c.type->ToString();
  }
  // A column of type null: every row is NULL, all alike.
  auto nulls = Hash1(std::make_shared<arrow::NullArray>(3));
  EXPECT_EQ(nulls[0], nulls[2]);
}

// The exchange maps a hash onto a partition; whichever bits it uses must be
// well mixed. Each of 8 buckets expects 1250 of 10,000 keys (sd ~33).
void ExpectSpread(const std::vector<uint64_t>& hashes, const std::string& what) {
  std::vector<int> low(8, 0), high(8, 0), mult(8, 0);
  for (uint64_t h : hashes) {
    ++low[h % 8];
    ++high[h >> 61];
    ++mult[((h >> 32) * 8) >> 32];
  }
  for (int b = 0; b < 8; ++b) {
    EXPECT_GT(low[b], 1050) << what << " low bits, bucket " << b;
    EXPECT_LT(low[b], 1450) << what << " low bits, bucket " << b;
    EXPECT_GT(high[b], 1050) << what << " high bits, bucket " << b;
    EXPECT_LT(high[b], 1450) << what << " high bits, bucket " << b;
    EXPECT_GT(mult[b], 1050) << what << " multiply-shift, bucket " << b;
    EXPECT_LT(mult[b], 1450) << what << " multiply-shift, bucket " << b;
  }
}

TEST(RowHashTest, DistinctKeysSpreadOverBuckets) {
  constexpr int kRows = 10000;
  arrow::Int64Builder dense, strided, wide;
  arrow::StringBuilder strings;
  arrow::DoubleBuilder doubles;
  for (int i = 0; i < kRows; ++i) {
    ASSERT_TRUE(dense.Append(i).ok());
    ASSERT_TRUE(strided.Append(int64_t{i} * 1024).ok());  // low bits all zero
    ASSERT_TRUE(wide.Append(int64_t{i} << 40).ok());      // only high bits vary
    ASSERT_TRUE(strings.Append("key" + std::to_string(i)).ok());
    ASSERT_TRUE(doubles.Append(i * 0.5).ok());
  }
  ExpectSpread(Hash1(dense.Finish().ValueOrDie()), "0..9999");
  ExpectSpread(Hash1(strided.Finish().ValueOrDie()), "multiples of 1024");
  ExpectSpread(Hash1(wide.Finish().ValueOrDie()), "i << 40");
  ExpectSpread(Hash1(strings.Finish().ValueOrDie()), "key0..key9999");
  ExpectSpread(Hash1(doubles.Finish().ValueOrDie()), "i * 0.5");
}

// "The same values hash the same in any process": partitions computed by
// different processes (or machines) must agree, so the hash may not be
// seeded per process or depend on addresses. These values were produced by
// HashRows itself; a change here means every process exchanging data must
// be upgraded together, which is worth a deliberate decision.
TEST(RowHashTest, HashesAreTheSameInEveryProcess) {
  EXPECT_EQ(Hash1(ArrayFromJson(arrow::int64(), "[0, 1, -1, null]")),
            (std::vector<uint64_t>{17395526219779491151ULL, 10979545136285706244ULL, 9684062730833995631ULL,
                                   7919343681442926725ULL}));
  EXPECT_EQ(Hash1(ArrayFromJson(arrow::utf8(), R"(["", "ferry", "a longer string value"])")),
            (std::vector<uint64_t>{3998411274607395365ULL, 1381623060101191279ULL, 2609870243704430362ULL}));
  EXPECT_EQ(Hash1(ArrayFromJson(arrow::float64(), "[0.0, NaN, 1.5]")),
            (std::vector<uint64_t>{17395526219779491151ULL, 14054110211038096188ULL,
                                   13746700197257982523ULL}));
  EXPECT_EQ(Hash({ArrayFromJson(arrow::int32(), "[7, null]"), ArrayFromJson(arrow::utf8(), R"(["x", "y"])")}),
            (std::vector<uint64_t>{16338083498348141909ULL, 3743089498949435651ULL}));
}

TEST(RowHashTest, EmptyInputsAndErrors) {
  auto empty = HashRows({ArrayFromJson(arrow::utf8(), "[]")}, 0);
  ASSERT_TRUE(empty.ok()) << empty.status().ToString();
  EXPECT_TRUE(empty->empty());
  // No key columns: every row hashes alike (one partition gets them all).
  auto no_keys = HashRows({}, 3);
  ASSERT_TRUE(no_keys.ok());
  ASSERT_EQ(no_keys->size(), 3u);
  EXPECT_EQ((*no_keys)[0], (*no_keys)[2]);

  auto mismatch = HashRows({ArrayFromJson(arrow::int64(), "[1, 2]")}, 3);
  EXPECT_TRUE(mismatch.status().IsInvalid()) << mismatch.status().ToString();

  auto list = ArrayFromJson(arrow::list(arrow::int64()), "[[1], [2]]");
  auto unsupported = HashRows({list}, 2);
  EXPECT_TRUE(unsupported.status().IsNotImplemented()) << unsupported.status().ToString();
}

TEST(RowHashTest, CanHashRowsMatchesWhatHashRowsAccepts) {
  for (const auto& type : {arrow::int8(), arrow::uint32(), arrow::int64(), arrow::float32(),
                           arrow::float64(), arrow::boolean(), arrow::utf8(), arrow::large_utf8(),
                           arrow::utf8_view(), arrow::binary(), arrow::binary_view(),
                           arrow::fixed_size_binary(4), arrow::decimal128(12, 3),
                           arrow::decimal256(40, 3), arrow::date32(), arrow::date64(),
                           arrow::timestamp(arrow::TimeUnit::NANO, "UTC"), arrow::null()}) {
    EXPECT_TRUE(CanHashRows(*type)) << type->ToString();
  }
  for (const auto& type :
       {arrow::list(arrow::int64()), arrow::struct_({arrow::field("a", arrow::int64())}),
        arrow::dictionary(arrow::int32(), arrow::utf8()), arrow::float16(),
        arrow::month_day_nano_interval(), arrow::day_time_interval(),
        arrow::map(arrow::utf8(), arrow::int64())}) {
    EXPECT_FALSE(CanHashRows(*type)) << type->ToString();
    auto array = arrow::MakeArrayOfNull(type, 2).ValueOrDie();
    auto hashed = HashRows({array}, 2);
    EXPECT_FALSE(hashed.ok()) << type->ToString() << " hashed although CanHashRows says no";
  }
}

}  // namespace
}  // namespace ferry

#include "ferry/function/array_validation.h"

#include <arrow/api.h>
#include <gtest/gtest.h>

#include "ferry/testing/test_util.h"

namespace ferry {
namespace {

using testing::ArrayFromJson;

// A utf8 (or large_utf8) array over hand-made offsets and characters.
template <typename OffsetType = int32_t>
std::shared_ptr<arrow::Array> Strings(const std::vector<OffsetType>& offsets, const std::string& chars,
                                      std::shared_ptr<arrow::Buffer> validity = nullptr) {
  auto type = sizeof(OffsetType) == 4 ? arrow::utf8() : arrow::large_utf8();
  auto offset_buffer = arrow::Buffer::FromString(
      std::string(reinterpret_cast<const char*>(offsets.data()), offsets.size() * sizeof(OffsetType)));
  auto data = arrow::ArrayData::Make(type, static_cast<int64_t>(offsets.size()) - 1,
                                     {validity, offset_buffer, arrow::Buffer::FromString(chars)});
  return arrow::MakeArray(data);
}

TEST(ValidateForeignArrayTest, AcceptsWhatArrowAccepts) {
  for (const auto& array : {
           ArrayFromJson(arrow::utf8(), R"(["a", "", null, "héllo", "日本"])"),
           ArrayFromJson(arrow::utf8(), R"(["pad", "a", "bb", null])")->Slice(1, 3),
           ArrayFromJson(arrow::large_utf8(), R"(["x", "ÿ"])"),
           ArrayFromJson(arrow::utf8(), "[]"),
           ArrayFromJson(arrow::list(arrow::utf8()), R"([["a"], null, []])"),
           ArrayFromJson(arrow::float64(), "[1.5, null]"),
       }) {
    ASSERT_TRUE(array->ValidateFull().ok());
    EXPECT_TRUE(ValidateForeignArray(*array).ok()) << array->ToString();
  }
}

TEST(ValidateForeignArrayTest, RefusesOffsetsOutOfOrderOrBounds) {
  auto backwards = ValidateForeignArray(*Strings({0, 5, 2, 5}, "abcde"));
  ASSERT_TRUE(backwards.IsInvalid());
  EXPECT_NE(backwards.message().find("offset"), std::string::npos) << backwards.ToString();
  EXPECT_TRUE(ValidateForeignArray(*Strings({0, 2, 9}, "abcde")).IsInvalid());
  EXPECT_TRUE(ValidateForeignArray(*Strings<int64_t>({0, 3, 1}, "abc")).IsInvalid());
}

TEST(ValidateForeignArrayTest, RefusesInvalidUtf8) {
  auto bad = ValidateForeignArray(*Strings({0, 1, 2}, "a\xff"));
  ASSERT_TRUE(bad.IsInvalid());
  EXPECT_NE(bad.message().find("UTF8"), std::string::npos) << bad.ToString();
  // Valid as a whole ("é" is C3 A9), but split inside the character.
  EXPECT_TRUE(ValidateForeignArray(*Strings({0, 1, 2}, "\xc3\xa9")).IsInvalid());
  EXPECT_TRUE(ValidateForeignArray(*Strings<int64_t>({0, 1, 2}, "\xc3\xa9")).IsInvalid());
}

TEST(ValidateForeignArrayTest, NullSlotsFollowArrow) {
  // Arrow does not read a null slot's bytes; neither does the verdict.
  uint8_t second_is_null = 0b01;
  auto validity = arrow::Buffer::FromString(std::string(1, static_cast<char>(second_is_null)));
  auto array = Strings({0, 1, 2}, "a\xff", validity);
  ASSERT_TRUE(array->ValidateFull().ok());
  EXPECT_TRUE(ValidateForeignArray(*array).ok());
}

TEST(ValidateForeignBatchTest, NamesTheColumnAtFault) {
  auto schema = arrow::schema({arrow::field("n", arrow::int64()), arrow::field("s", arrow::utf8())});
  auto good = ArrayFromJson(arrow::int64(), "[1, null, 3]");
  auto batch = arrow::RecordBatch::Make(schema, 3, {good, Strings({0, 2, 1, 3}, "abc")});
  auto status = ValidateForeignBatch(*batch);
  ASSERT_TRUE(status.IsInvalid());
  EXPECT_NE(status.message().find("column 's' (string): "), std::string::npos) << status.message();
  // The same check Arrow's ValidateFull makes: the reference agrees.
  EXPECT_FALSE(batch->ValidateFull().ok());
}

TEST(ValidateForeignBatchTest, ChecksTheBatchStructureFirst) {
  // A column shorter than the batch claims: its values would be read past
  // their end.
  auto schema = arrow::schema({arrow::field("n", arrow::int64())});
  auto batch = arrow::RecordBatch::Make(schema, 5, {ArrayFromJson(arrow::int64(), "[1, 2]")});
  EXPECT_TRUE(ValidateForeignBatch(*batch).IsInvalid());
}

TEST(ValidateForeignBatchTest, AcceptsValidBatchesEmptyOnesAndNulls) {
  auto schema = arrow::schema({arrow::field("n", arrow::int64()), arrow::field("s", arrow::utf8())});
  auto batch = arrow::RecordBatch::Make(schema, 3, {ArrayFromJson(arrow::int64(), "[1, null, 3]"),
                                                    ArrayFromJson(arrow::utf8(), R"(["é", null, ""])")});
  EXPECT_TRUE(ValidateForeignBatch(*batch).ok());
  auto empty = arrow::RecordBatch::Make(schema, 0, {ArrayFromJson(arrow::int64(), "[]"),
                                                    ArrayFromJson(arrow::utf8(), "[]")});
  EXPECT_TRUE(ValidateForeignBatch(*empty).ok());
}

}  // namespace
}  // namespace ferry

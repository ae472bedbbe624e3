#include "ferry/exec/view_types.h"

#include <arrow/compute/api.h>
#include <gtest/gtest.h>

#include "ferry/testing/test_util.h"

namespace ferry {
namespace {

using testing::ArrayFromJson;

TEST(ViewTypesTest, WithoutViewsReplacesNestedViews) {
  EXPECT_TRUE(WithoutViews(arrow::utf8_view())->Equals(arrow::utf8()));
  EXPECT_TRUE(WithoutViews(arrow::binary_view())->Equals(arrow::binary()));
  EXPECT_TRUE(WithoutViews(arrow::list(arrow::utf8_view()))->Equals(arrow::list(arrow::utf8())));
  auto nested = arrow::struct_({arrow::field("a", arrow::int32()),
                                arrow::field("b", arrow::large_list(arrow::binary_view()))});
  EXPECT_TRUE(WithoutViews(nested)->Equals(arrow::struct_(
      {arrow::field("a", arrow::int32()), arrow::field("b", arrow::large_list(arrow::binary()))})));
  // Unchanged types and schemas come back as the same object.
  auto plain = arrow::list(arrow::int64());
  EXPECT_EQ(WithoutViews(plain), plain);
  auto schema = arrow::schema({arrow::field("x", arrow::utf8())});
  EXPECT_EQ(WithoutViews(schema), schema);
}

TEST(ViewTypesTest, CastViewsKeepsValuesNullsAndOtherColumns) {
  auto strings =
      ArrayFromJson(arrow::utf8(), R"(["short", null, "a string longer than twelve", ""])");
  auto views = arrow::compute::Cast(*strings, arrow::utf8_view()).ValueOrDie();
  auto ints = ArrayFromJson(arrow::int32(), "[1, 2, null, 4]");
  auto schema =
      arrow::schema({arrow::field("s", arrow::utf8_view()), arrow::field("i", arrow::int32())});
  auto batch = arrow::RecordBatch::Make(schema, 4, {views, ints});
  auto cast = CastViews(batch).ValueOrDie();
  EXPECT_TRUE(cast->schema()->field(0)->type()->Equals(arrow::utf8()));
  EXPECT_TRUE(cast->column(0)->Equals(*strings));
  EXPECT_EQ(cast->column(1), ints);  // borrowed, not copied
  EXPECT_EQ(CastViews(cast).ValueOrDie(), cast);
}

TEST(ViewTypesTest, ReaderCastsEveryBatchAndEmptyStreams) {
  auto schema = arrow::schema({arrow::field("b", arrow::binary_view())});
  auto binaries = ArrayFromJson(arrow::binary(), R"(["x", null])");
  auto views = arrow::compute::Cast(*binaries, arrow::binary_view()).ValueOrDie();
  auto batch = arrow::RecordBatch::Make(schema, 2, {views});
  auto reader = CastViews(arrow::RecordBatchReader::Make({batch, batch}, schema).ValueOrDie());
  EXPECT_TRUE(reader->schema()->field(0)->type()->Equals(arrow::binary()));
  int batches = 0;
  for (auto next = reader->Next().ValueOrDie(); next; next = reader->Next().ValueOrDie()) {
    EXPECT_TRUE(next->column(0)->Equals(*binaries));
    ++batches;
  }
  EXPECT_EQ(batches, 2);
  auto empty = CastViews(arrow::RecordBatchReader::Make({}, schema).ValueOrDie());
  EXPECT_EQ(empty->Next().ValueOrDie(), nullptr);
}

}  // namespace
}  // namespace ferry

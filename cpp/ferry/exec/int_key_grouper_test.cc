#include "ferry/exec/int_key_grouper.h"

#include <arrow/builder.h>
#include <gtest/gtest.h>

#include "ferry/testing/test_util.h"

namespace ferry {
namespace {

using testing::ArrayFromJson;

TEST(IntKeyGrouperTest, IdsFollowFirstAppearanceWithNullAsItsOwnGroup) {
  auto grouper = IntKeyGrouper::Make(arrow::int64());
  ASSERT_NE(grouper, nullptr);
  auto keys = ArrayFromJson(arrow::int64(), "[5, null, -3, 5, null, 9223372036854775807, -3]");
  std::vector<uint32_t> ids(keys->length());
  grouper->Consume(*keys, ids.data());
  EXPECT_EQ(ids, (std::vector<uint32_t>{0, 1, 2, 0, 1, 3, 2}));
  EXPECT_EQ(grouper->num_groups(), 4u);
  auto uniques = grouper->Uniques().ValueOrDie();
  EXPECT_TRUE(uniques->Equals(*ArrayFromJson(arrow::int64(), "[5, null, -3, 9223372036854775807]")))
      << uniques->ToString();
}

TEST(IntKeyGrouperTest, LookupFindsOnlyConsumedKeysAndNullOnlyWhenAsked) {
  auto grouper = IntKeyGrouper::Make(arrow::int32());
  auto build = ArrayFromJson(arrow::int32(), "[7, null, -1]");
  std::vector<uint32_t> ids(3);
  grouper->Consume(*build, ids.data());
  auto probe = ArrayFromJson(arrow::int32(), "[-1, 8, null, 7]");
  std::vector<int32_t> found(4);
  grouper->Lookup(*probe, found.data(), /*null_matches=*/false);
  EXPECT_EQ(found, (std::vector<int32_t>{2, -1, -1, 0}));
  grouper->Lookup(*probe, found.data(), /*null_matches=*/true);
  EXPECT_EQ(found, (std::vector<int32_t>{2, -1, 1, 0}));
  EXPECT_EQ(grouper->num_groups(), 3u);  // lookups add nothing
}

TEST(IntKeyGrouperTest, RunsOfEqualKeysKeepTheirIdsAcrossNullsAndSlices) {
  // Consecutive equal keys share the previous row's id without a probe; a
  // NULL between two equal keys must not leak its group into the run, and
  // a zero key at the start is not mistaken for a run.
  auto grouper = IntKeyGrouper::Make(arrow::int64());
  auto keys = ArrayFromJson(arrow::int64(), "[0, 0, 4, 4, null, null, 4, 0, 0, 7, 7, 7]");
  std::vector<uint32_t> ids(keys->length());
  grouper->Consume(*keys, ids.data());
  EXPECT_EQ(ids, (std::vector<uint32_t>{0, 0, 1, 1, 2, 2, 1, 0, 0, 3, 3, 3}));
  // A slice that starts inside a run.
  auto slice = keys->Slice(3, 5);  // 4, null, null, 4, 0
  std::vector<uint32_t> sliced(5);
  grouper->Consume(*slice, sliced.data());
  EXPECT_EQ(sliced, (std::vector<uint32_t>{1, 2, 2, 1, 0}));

  auto probe = ArrayFromJson(arrow::int64(), "[9, 9, 4, 4, null, null, 4, 9, 0, 0]");
  std::vector<int32_t> found(probe->length());
  grouper->Lookup(*probe, found.data(), /*null_matches=*/false);
  EXPECT_EQ(found, (std::vector<int32_t>{-1, -1, 1, 1, -1, -1, 1, -1, 0, 0}));
  grouper->Lookup(*probe, found.data(), /*null_matches=*/true);
  EXPECT_EQ(found, (std::vector<int32_t>{-1, -1, 1, 1, 2, 2, 1, -1, 0, 0}));
  EXPECT_EQ(grouper->num_groups(), 4u);
}

TEST(IntKeyGrouperTest, GrowsPastItsFirstTableAndKeepsEveryId) {
  auto grouper = IntKeyGrouper::Make(arrow::uint32());
  arrow::UInt32Builder builder;
  const int n = 50'000;
  for (int i = 0; i < n; ++i) ASSERT_TRUE(builder.Append(4'000'000'000u - 7u * i).ok());
  auto keys = builder.Finish().ValueOrDie();
  std::vector<uint32_t> ids(n);
  grouper->Consume(*keys, ids.data());
  for (int i = 0; i < n; ++i) ASSERT_EQ(ids[i], static_cast<uint32_t>(i));
  std::vector<int32_t> again(n);
  grouper->Lookup(*keys->Slice(0), again.data(), false);
  for (int i = 0; i < n; ++i) ASSERT_EQ(again[i], i);
  auto uniques = grouper->Uniques().ValueOrDie();
  EXPECT_TRUE(uniques->Equals(*keys));  // values above 2^31 survive the round trip
}

TEST(IntKeyGrouperTest, TemporalKeysKeepTheirTypeAndSlicedInputsTheirOffset) {
  auto grouper = IntKeyGrouper::Make(arrow::date32());
  auto keys = ArrayFromJson(arrow::date32(), "[1, 2, 1, 3]")->Slice(1);
  std::vector<uint32_t> ids(3);
  grouper->Consume(*keys, ids.data());
  EXPECT_EQ(ids, (std::vector<uint32_t>{0, 1, 2}));
  auto uniques = grouper->Uniques().ValueOrDie();
  EXPECT_TRUE(uniques->Equals(*ArrayFromJson(arrow::date32(), "[2, 1, 3]"))) << uniques->ToString();
  EXPECT_EQ(IntKeyGrouper::Make(arrow::utf8()), nullptr);
  EXPECT_EQ(IntKeyGrouper::Make(arrow::float64()), nullptr);
  EXPECT_EQ(IntKeyGrouper::Make(arrow::int8()), nullptr);
}

}  // namespace
}  // namespace ferry

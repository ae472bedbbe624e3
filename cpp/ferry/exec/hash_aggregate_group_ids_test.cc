// GroupIds: string keys of one short length are grouped as fixed-size
// binary and handed back as strings; a value of another length moves the
// groups to a plain grouper with the same ids. Expected ids by hand.

#include "ferry/exec/hash_aggregate_group_ids.h"

#include <arrow/builder.h>
#include <gtest/gtest.h>

#include "ferry/testing/test_util.h"

namespace ferry {
namespace {

using testing::ArrayFromJson;

std::vector<uint32_t> Ids(GroupIds& groups, const arrow::ArrayVector& keys) {
  auto ids = groups.Consume(keys, keys.front()->length());
  EXPECT_TRUE(ids.ok()) << ids.status().ToString();
  if (!ids.ok()) return {};
  return std::vector<uint32_t>(*ids, *ids + keys.front()->length());
}

void ExpectKeys(GroupIds& groups, const arrow::ArrayVector& expected) {
  auto keys = groups.Keys();
  ASSERT_TRUE(keys.ok()) << keys.status().ToString();
  ASSERT_EQ(keys->size(), expected.size());
  for (size_t k = 0; k < expected.size(); ++k) {
    ASSERT_TRUE((*keys)[k]->ValidateFull().ok()) << (*keys)[k]->ValidateFull().ToString();
    EXPECT_TRUE((*keys)[k]->Equals(*expected[k]))
        << "expected " << expected[k]->ToString() << "\n got " << (*keys)[k]->ToString();
  }
}

TEST(GroupIdsTest, ShortStringKeysWithNullsAndSlices) {
  auto groups = GroupIds::Make({arrow::utf8(), arrow::utf8()}).ValueOrDie();
  auto flag = ArrayFromJson(arrow::utf8(), R"(["A", "N", null, "A", "R", "N"])");
  auto status = ArrayFromJson(arrow::utf8(), R"(["F", "O", "O", "F", "F", "O"])");
  EXPECT_EQ(Ids(groups, {flag, status}), (std::vector<uint32_t>{0, 1, 2, 0, 3, 1}));
  // A slice starting at row 2 (a NULL first), then an all-NULL batch.
  EXPECT_EQ(Ids(groups, {flag->Slice(2, 3), status->Slice(2, 3)}),
            (std::vector<uint32_t>{2, 0, 3}));
  auto nulls = ArrayFromJson(arrow::utf8(), "[null, null]");
  EXPECT_EQ(Ids(groups, {nulls, ArrayFromJson(arrow::utf8(), R"(["F", "O"])")}),
            (std::vector<uint32_t>{4, 2}));
  EXPECT_EQ(groups.num_groups(), 5u);
  ExpectKeys(groups, {ArrayFromJson(arrow::utf8(), R"(["A", "N", null, "R", null])"),
                      ArrayFromJson(arrow::utf8(), R"(["F", "O", "O", "F", "F"])")});
}

TEST(GroupIdsTest, AnotherLengthKeepsEveryIdSoFar) {
  auto groups = GroupIds::Make({arrow::binary(), arrow::int32()}).ValueOrDie();
  auto first = ArrayFromJson(arrow::binary(), R"(["ab", "cd", "ab"])");
  auto ints = ArrayFromJson(arrow::int32(), "[1, 1, 1]");
  EXPECT_EQ(Ids(groups, {first, ints}), (std::vector<uint32_t>{0, 1, 0}));
  // "abc" and "" do not fit two bytes: the groups move, ids stay.
  auto second = ArrayFromJson(arrow::binary(), R"(["abc", "cd", "", "ab"])");
  auto more = ArrayFromJson(arrow::int32(), "[1, 1, 1, 2]");
  EXPECT_EQ(Ids(groups, {second, more}), (std::vector<uint32_t>{2, 1, 3, 4}));
  EXPECT_EQ(Ids(groups, {first, ints}), (std::vector<uint32_t>{0, 1, 0}));
  ExpectKeys(groups, {ArrayFromJson(arrow::binary(), R"(["ab", "cd", "abc", "", "ab"])"),
                      ArrayFromJson(arrow::int32(), "[1, 1, 1, 1, 2]")});
}

TEST(GroupIdsTest, NoRowsGiveEmptyKeysOfTheirTypes) {
  auto groups = GroupIds::Make({arrow::utf8()}).ValueOrDie();
  EXPECT_EQ(groups.num_groups(), 0u);
  ExpectKeys(groups, {ArrayFromJson(arrow::utf8(), "[]")});
  auto started = GroupIds::Make({arrow::utf8()}).ValueOrDie();
  EXPECT_TRUE(Ids(started, {ArrayFromJson(arrow::utf8(), "[]")}).empty());
  EXPECT_EQ(Ids(started, {ArrayFromJson(arrow::utf8(), R"(["xy", "xy"])")}),
            (std::vector<uint32_t>{0, 0}));
  ExpectKeys(started, {ArrayFromJson(arrow::utf8(), R"(["xy"])")});
  auto global = GroupIds::Make({}).ValueOrDie();
  EXPECT_EQ(global.num_groups(), 1u);
}

// Past kIntKeyGroups the groups move to the integer table, sized from the
// estimate: a fair one, one far too large (bounded by what was seen, not
// allocated whole) and none give the same ids and keys.
TEST(GroupIdsTest, ExpectedGroupsSizeTheIntegerTableWithoutChangingIds) {
  const int64_t n = 3 * GroupIds::kIntKeyGroups;
  arrow::Int64Builder builder;
  for (int64_t i = 0; i < n; ++i) ASSERT_TRUE(builder.Append((i * 7) % (n / 2) - 5).ok());
  auto keys = builder.Finish().ValueOrDie();
  for (int64_t expected : {int64_t{0}, n / 2, int64_t{1} << 40}) {
    SCOPED_TRACE(expected);
    auto groups = GroupIds::Make({arrow::int64()}, expected).ValueOrDie();
    std::vector<uint32_t> ids;
    for (int64_t at = 0; at < n; at += 10'000) {
      auto batch = keys->Slice(at, std::min<int64_t>(10'000, n - at));
      auto got = Ids(groups, {batch});
      ids.insert(ids.end(), got.begin(), got.end());
    }
    ASSERT_EQ(groups.num_groups(), static_cast<uint32_t>(n / 2));
    // Keys (i * 7) mod n/2 for i < n/2 are all distinct (7 and n/2 coprime);
    // the second half repeats the first.
    for (int64_t i = 0; i < n; ++i) ASSERT_EQ(ids[i], static_cast<uint32_t>(i % (n / 2))) << i;
    auto uniques = groups.Keys().ValueOrDie();
    ASSERT_TRUE(uniques[0]->Equals(*keys->Slice(0, n / 2)));
  }
}

}  // namespace
}  // namespace ferry

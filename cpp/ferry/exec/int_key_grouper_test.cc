#include "ferry/exec/int_key_grouper.h"

#include <limits>
#include <optional>
#include <random>
#include <unordered_map>

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

// Tables past the prefetch threshold and batches that are not a multiple
// of the block size, checked against std::unordered_map: ids in order of
// first appearance, NULLs one group, lookups finding exactly those keys.
TEST(IntKeyGrouperTest, LargeRandomKeysMatchAMapAcrossBlocksAndGrowth) {
  std::mt19937_64 rng(7);
  auto grouper = IntKeyGrouper::Make(arrow::int64());
  std::unordered_map<int64_t, uint32_t> expected;
  int64_t null_id = -1;
  uint32_t next = 0;
  for (int64_t batch_rows : {1, 127, 128, 129, 50'000, 300'001}) {
    arrow::Int64Builder builder;
    std::vector<std::optional<int64_t>> rows;
    for (int64_t i = 0; i < batch_rows; ++i) {
      if (rng() % 97 == 0) {
        rows.push_back(std::nullopt);
        ASSERT_TRUE(builder.AppendNull().ok());
      } else {
        // Half the keys repeat earlier ones; signs and magnitudes vary.
        const int64_t key = static_cast<int64_t>(rng() % 400'000) * (rng() % 2 ? 1 : -1) << 20;
        rows.push_back(key);
        ASSERT_TRUE(builder.Append(key).ok());
      }
    }
    auto keys = builder.Finish().ValueOrDie();
    std::vector<uint32_t> ids(batch_rows);
    grouper->Consume(*keys, ids.data());
    for (int64_t i = 0; i < batch_rows; ++i) {
      uint32_t want;
      if (!rows[i]) {
        if (null_id < 0) null_id = next++;
        want = static_cast<uint32_t>(null_id);
      } else {
        auto [it, added] = expected.emplace(*rows[i], next);
        if (added) ++next;
        want = it->second;
      }
      ASSERT_EQ(ids[i], want) << "row " << i << " of a batch of " << batch_rows;
    }
  }
  EXPECT_EQ(grouper->num_groups(), next);
  EXPECT_GT(grouper->capacity(), uint64_t{1} << 16);  // the prefetching path ran
  // Lookups: present keys, absent odd keys, NULLs.
  arrow::Int64Builder probe_builder;
  std::vector<int32_t> want;
  for (int i = 0; i < 100'003; ++i) {
    if (i % 101 == 0) {
      ASSERT_TRUE(probe_builder.AppendNull().ok());
      want.push_back(-1);
      continue;
    }
    const int64_t key = static_cast<int64_t>(rng() % 400'000) << 20 | (i % 3 == 0 ? 1 : 0);
    ASSERT_TRUE(probe_builder.Append(key).ok());
    auto it = expected.find(key);
    want.push_back(it == expected.end() ? -1 : static_cast<int32_t>(it->second));
  }
  auto probe = probe_builder.Finish().ValueOrDie();
  std::vector<int32_t> found(probe->length());
  grouper->Lookup(*probe, found.data(), /*null_matches=*/false);
  EXPECT_EQ(found, want);
}

TEST(IntKeyGrouperTest, ExpectedGroupsSizeTheTableOnce) {
  auto grouper = IntKeyGrouper::Make(arrow::int64(), 100'000);
  const uint64_t capacity = grouper->capacity();
  EXPECT_GE(capacity, 200'000u);  // load factor at most 1/2
  arrow::Int64Builder builder;
  for (int64_t i = 0; i < 100'000; ++i) ASSERT_TRUE(builder.Append(i * 7919).ok());
  auto keys = builder.Finish().ValueOrDie();
  std::vector<uint32_t> ids(keys->length());
  grouper->Consume(*keys, ids.data());
  EXPECT_EQ(grouper->capacity(), capacity);
  for (int64_t i = 0; i < 100'000; ++i) ASSERT_EQ(ids[i], static_cast<uint32_t>(i));
  // Empty input: no groups, no crash; a negative estimate is no estimate.
  auto empty = IntKeyGrouper::Make(arrow::int32(), -5);
  auto none = ArrayFromJson(arrow::int32(), "[]");
  empty->Consume(*none, nullptr);
  empty->Lookup(*none, nullptr, true);
  EXPECT_EQ(empty->num_groups(), 0u);
  EXPECT_EQ(empty->Uniques().ValueOrDie()->length(), 0);
}

TEST(HashTableMemoryTest, ReleasedLargeBlocksAreReusedAndSmallOnesAreNot) {
  const size_t large = HashTableMemory::kMinCachedBytes * 3;
  const size_t before = HashTableMemory::cached_bytes();
  void* address;
  {
    auto block = HashTableMemory::Acquire(large);
    address = block.get();
    static_cast<char*>(block.get())[large - 1] = 1;
  }
  EXPECT_EQ(HashTableMemory::cached_bytes(), before + large);
  {
    auto again = HashTableMemory::Acquire(large);
    EXPECT_EQ(again.get(), address);
    EXPECT_EQ(HashTableMemory::cached_bytes(), before);
  }
  { auto small = HashTableMemory::Acquire(HashTableMemory::kMinCachedBytes / 2); }
  EXPECT_EQ(HashTableMemory::cached_bytes(), before + large);
}

// Slots start narrow (keys within 32 bits) and widen at the first key past
// them, mid-batch and mid-table, keeping every id; keys equal in their low
// 32 bits stay apart, and a narrow table looks wide keys up as absent.
TEST(IntKeyGrouperTest, KeysPastThirtyTwoBitsWidenTheSlotsAndKeepEveryId) {
  auto grouper = IntKeyGrouper::Make(arrow::int64());
  const int64_t big = int64_t{1} << 32;
  arrow::Int64Builder builder;
  std::vector<int64_t> keys;
  for (int64_t i = 0; i < 100'000; ++i) keys.push_back(i - 50'000);  // narrow
  auto narrow = [&] {
    arrow::Int64Builder b;
    EXPECT_TRUE(b.AppendValues(keys).ok());
    return b.Finish().ValueOrDie();
  }();
  std::vector<uint32_t> ids(narrow->length());
  grouper->Consume(*narrow, ids.data());
  for (int64_t i = 0; i < narrow->length(); ++i) ASSERT_EQ(ids[i], static_cast<uint32_t>(i));
  // Before widening: keys sharing low bits with present ones are absent.
  auto probe = ArrayFromJson(arrow::int64(), "[4294967296, 4294967297, 1, -4294967295, null]");
  std::vector<int32_t> found(5);
  grouper->Lookup(*probe, found.data(), /*null_matches=*/false);
  EXPECT_EQ(found, (std::vector<int32_t>{-1, -1, 50'001, -1, -1}));
  // 300 narrow repeats, then wide keys in the third block of the batch.
  std::vector<int64_t> mixed;
  for (int64_t i = 0; i < 300; ++i) mixed.push_back(i);
  for (int64_t k : {big, big + 1, int64_t{1}, -big + 1, std::numeric_limits<int64_t>::min(), big}) {
    mixed.push_back(k);
  }
  ASSERT_TRUE(builder.AppendValues(mixed).ok());
  auto wide = builder.Finish().ValueOrDie();
  std::vector<uint32_t> wide_ids(wide->length());
  grouper->Consume(*wide, wide_ids.data());
  for (int64_t i = 0; i < 300; ++i) ASSERT_EQ(wide_ids[i], static_cast<uint32_t>(i + 50'000));
  EXPECT_EQ(std::vector<uint32_t>(wide_ids.begin() + 300, wide_ids.end()),
            (std::vector<uint32_t>{100'000, 100'001, 50'001, 100'002, 100'003, 100'000}));
  grouper->Lookup(*probe, found.data(), /*null_matches=*/false);
  EXPECT_EQ(found, (std::vector<int32_t>{100'000, 100'001, 50'001, 100'002, -1}));
  grouper->Lookup(*narrow, reinterpret_cast<int32_t*>(ids.data()), false);
  for (int64_t i = 0; i < narrow->length(); ++i) ASSERT_EQ(ids[i], static_cast<uint32_t>(i));
  auto uniques = grouper->Uniques().ValueOrDie();
  ASSERT_EQ(uniques->length(), 100'004);
  EXPECT_TRUE(uniques->Slice(100'000)->Equals(*ArrayFromJson(
      arrow::int64(), "[4294967296, 4294967297, -4294967295, -9223372036854775808]")));
}

// Four-byte keys fill narrow slots with their bits: uint32 values past
// 2^31 and int32 negatives alike.
TEST(IntKeyGrouperTest, FourByteKeysOfEitherSignRoundTrip) {
  auto unsigned_grouper = IntKeyGrouper::Make(arrow::uint32());
  auto u = ArrayFromJson(arrow::uint32(), "[4294967295, 0, 2147483648, 4294967295, 2147483647]");
  std::vector<uint32_t> ids(5);
  unsigned_grouper->Consume(*u, ids.data());
  EXPECT_EQ(ids, (std::vector<uint32_t>{0, 1, 2, 0, 3}));
  EXPECT_TRUE(unsigned_grouper->Uniques().ValueOrDie()->Equals(
      *ArrayFromJson(arrow::uint32(), "[4294967295, 0, 2147483648, 2147483647]")));
  auto signed_grouper = IntKeyGrouper::Make(arrow::int32());
  auto s = ArrayFromJson(arrow::int32(), "[-1, -2147483648, 2147483647, -1]");
  signed_grouper->Consume(*s, ids.data());
  EXPECT_EQ(std::vector<uint32_t>(ids.begin(), ids.begin() + 4), (std::vector<uint32_t>{0, 1, 2, 0}));
  std::vector<int32_t> found(4);
  signed_grouper->Lookup(*s, found.data(), false);
  EXPECT_EQ(found, (std::vector<int32_t>{0, 1, 2, 0}));
}

}  // namespace
}  // namespace ferry

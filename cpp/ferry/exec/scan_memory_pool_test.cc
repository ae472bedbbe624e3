#include "ferry/exec/scan_memory_pool.h"

#include <cstring>

#include <arrow/api.h>
#include <gtest/gtest.h>

namespace ferry {
namespace {

constexpr int64_t kMiB = 1 << 20;

TEST(RecyclingMemoryPoolTest, ReusesAFreedBlockOfTheSameCapacity) {
  arrow::ProxyMemoryPool base(arrow::default_memory_pool());
  RecyclingMemoryPool pool(&base, 8 * kMiB);
  uint8_t* first = nullptr;
  ASSERT_TRUE(pool.Allocate(kMiB, &first).ok());
  pool.Free(first, kMiB);
  EXPECT_EQ(pool.cached_bytes(), kMiB);
  EXPECT_EQ(pool.bytes_allocated(), 0);
  // A request that rounds to the same capacity gets the same block back.
  uint8_t* second = nullptr;
  ASSERT_TRUE(pool.Allocate(kMiB - 1000, &second).ok());
  EXPECT_EQ(second, first);
  EXPECT_EQ(pool.cached_bytes(), 0);
  EXPECT_EQ(pool.bytes_allocated(), kMiB - 1000);
  EXPECT_EQ(pool.num_allocations(), 2);
  pool.Free(second, kMiB - 1000);
  pool.ReleaseUnused();
  EXPECT_EQ(pool.cached_bytes(), 0);
  EXPECT_EQ(base.bytes_allocated(), 0);
}

TEST(RecyclingMemoryPoolTest, SmallAndOddlyAlignedBlocksAreNeverCached) {
  arrow::ProxyMemoryPool base(arrow::default_memory_pool());
  RecyclingMemoryPool pool(&base, 8 * kMiB);
  uint8_t* small = nullptr;
  ASSERT_TRUE(pool.Allocate(4096, &small).ok());
  uint8_t* aligned = nullptr;
  ASSERT_TRUE(pool.Allocate(kMiB, 4096, &aligned).ok());
  EXPECT_EQ(reinterpret_cast<uintptr_t>(aligned) % 4096, 0u);
  pool.Free(small, 4096);
  pool.Free(aligned, kMiB, 4096);
  EXPECT_EQ(pool.cached_bytes(), 0);
  EXPECT_EQ(base.bytes_allocated(), 0);
  uint8_t* empty = nullptr;
  ASSERT_TRUE(pool.Allocate(0, &empty).ok());
  pool.Free(empty, 0);
  EXPECT_EQ(base.bytes_allocated(), 0);
}

TEST(RecyclingMemoryPoolTest, CachesNoMoreThanItsCap) {
  arrow::ProxyMemoryPool base(arrow::default_memory_pool());
  RecyclingMemoryPool pool(&base, 2 * kMiB);
  uint8_t* blocks[3] = {};
  for (auto& block : blocks) ASSERT_TRUE(pool.Allocate(kMiB, &block).ok());
  for (auto* block : blocks) pool.Free(block, kMiB);
  EXPECT_EQ(pool.cached_bytes(), 2 * kMiB);
  EXPECT_EQ(base.bytes_allocated(), 2 * kMiB);  // the third went back
  pool.ReleaseUnused();
  EXPECT_EQ(base.bytes_allocated(), 0);
}

TEST(RecyclingMemoryPoolTest, ReallocateKeepsTheBytesAcrossCapacities) {
  arrow::ProxyMemoryPool base(arrow::default_memory_pool());
  RecyclingMemoryPool pool(&base, 8 * kMiB);
  uint8_t* data = nullptr;
  ASSERT_TRUE(pool.Allocate(1000, &data).ok());
  std::memset(data, 7, 1000);
  // small -> cached -> larger cached -> same capacity -> small again
  for (int64_t size : {int64_t{300} << 10, kMiB, kMiB + 1, kMiB + 2, int64_t{2000}}) {
    const int64_t old_size = pool.bytes_allocated();
    ASSERT_TRUE(pool.Reallocate(old_size, size, &data).ok()) << size;
    EXPECT_EQ(pool.bytes_allocated(), size);
    for (int i = 0; i < 1000; ++i) ASSERT_EQ(data[i], 7) << "at " << i << " after growing to " << size;
  }
  pool.Free(data, 2000);
  EXPECT_EQ(pool.bytes_allocated(), 0);
  EXPECT_GE(pool.max_memory(), kMiB + 1);
  pool.ReleaseUnused();
  EXPECT_EQ(base.bytes_allocated(), 0);
}

TEST(RecyclingMemoryPoolTest, BuffersFromArrowBuildersRoundTrip) {
  RecyclingMemoryPool pool(arrow::default_memory_pool(), 8 * kMiB);
  for (int round = 0; round < 3; ++round) {
    arrow::Int64Builder builder(&pool);
    for (int64_t i = 0; i < 200000; ++i) ASSERT_TRUE(builder.Append(i * round).ok());
    auto array = builder.Finish().ValueOrDie();
    const auto& values = static_cast<const arrow::Int64Array&>(*array);
    EXPECT_EQ(values.Value(199999), 199999 * round);
  }
  EXPECT_EQ(pool.bytes_allocated(), 0);
  EXPECT_GT(pool.cached_bytes(), 0);
}

}  // namespace
}  // namespace ferry

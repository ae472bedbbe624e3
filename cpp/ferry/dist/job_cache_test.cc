// The worker's job cache: one decode per job and session, never a job
// decoded for one session handed to another.

#include "ferry/dist/job_cache.h"

#include <gtest/gtest.h>

namespace ferry {
namespace {

TEST(JobCacheTest, DecodesOncePerJobAndSession) {
  JobCache cache(4);
  int decodes = 0;
  auto decode = [&]() -> Result<StagePlan> {
    ++decodes;
    return StagePlan{};
  };
  auto a = std::make_shared<int>(1);
  auto b = std::make_shared<int>(2);
  auto first = cache.Get("job one", a, decode).ValueOrDie();
  EXPECT_EQ(cache.Get("job one", a, decode).ValueOrDie(), first);
  EXPECT_EQ(decodes, 1);
  EXPECT_NE(cache.Get("job one", b, decode).ValueOrDie(), first);  // another session
  EXPECT_EQ(decodes, 2);
  cache.Get("job one", nullptr, decode).ValueOrDie();  // the default session
  cache.Get("job one", nullptr, decode).ValueOrDie();
  EXPECT_EQ(decodes, 3);
  cache.Get("job two", a, decode).ValueOrDie();  // other bytes
  EXPECT_EQ(decodes, 4);
  // A session that is gone matches nothing, even at a reused address.
  a.reset();
  auto c = std::make_shared<int>(3);
  cache.Get("job one", c, decode).ValueOrDie();
  EXPECT_EQ(decodes, 5);
}

TEST(JobCacheTest, AFailedDecodeIsNotKept) {
  JobCache cache;
  int decodes = 0;
  auto failing = [&]() -> Result<StagePlan> {
    ++decodes;
    return Status::Invalid("bad job");
  };
  EXPECT_TRUE(cache.Get("job", nullptr, failing).status().IsInvalid());
  EXPECT_TRUE(cache.Get("job", nullptr, failing).status().IsInvalid());
  EXPECT_EQ(decodes, 2);
}

}  // namespace
}  // namespace ferry

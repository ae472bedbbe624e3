#include "ferry/exec/parallel.h"

#include <atomic>
#include <mutex>
#include <set>
#include <stdexcept>
#include <system_error>
#include <vector>

#include <gtest/gtest.h>

#include "ferry/exec/parallel_internal.h"

namespace ferry {
namespace {

// Starts up to `allowed` threads, then fails as std::thread does when the
// system is out of threads.
internal::StartThread FailAfter(int allowed, std::atomic<int>* started) {
  return [allowed, started](std::function<void()> work) {
    if (started->load() >= allowed) {
      throw std::system_error(std::make_error_code(std::errc::resource_unavailable_try_again));
    }
    ++*started;
    return std::thread(std::move(work));
  };
}

// Runs 1000 indices on 8 threads with the given start policy; each index
// must run exactly once.
void ExpectEveryIndexOnce(int allowed) {
  constexpr int64_t kCount = 1000;
  std::vector<std::atomic<int>> hits(kCount);
  std::atomic<int> started{0};
  auto status = internal::ParallelForWith(
      kCount, 8,
      [&](int64_t i) {
        ++hits[i];
        return Status::OK();
      },
      FailAfter(allowed, &started));
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(started.load(), std::min(allowed, 7));
  for (int64_t i = 0; i < kCount; ++i) ASSERT_EQ(hits[i].load(), 1) << "index " << i;
}

TEST(ParallelForTest, NoThreadStartsCallerDoesAllTheWork) { ExpectEveryIndexOnce(0); }

TEST(ParallelForTest, SomeThreadsStartTheyShareTheRest) { ExpectEveryIndexOnce(3); }

TEST(ParallelForTest, AllThreadsStart) { ExpectEveryIndexOnce(100); }

TEST(ParallelForTest, ReturnsTheFirstError) {
  auto status = ParallelFor(50, 4, [](int64_t i) -> Status {
    if (i == 7) return Status::Invalid("index 7 is bad");
    return Status::OK();
  });
  ASSERT_FALSE(status.ok());
  EXPECT_TRUE(status.IsInvalid());
  EXPECT_EQ(status.message(), "index 7 is bad");
}

TEST(ParallelForTest, ExceptionInBodyBecomesAnError) {
  auto status = ParallelFor(20, 4, [](int64_t i) -> Status {
    if (i == 3) throw std::runtime_error("boom");
    return Status::OK();
  });
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("boom"), std::string::npos) << status.ToString();
}

}  // namespace
}  // namespace ferry

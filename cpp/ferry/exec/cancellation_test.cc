// A query stops when its stop token is triggered: at its next batch,
// whichever thread (caller, ParallelFor helper, exchange producer) runs it,
// with the status given to RequestStop; without a token nothing changes.

#include "ferry/exec/cancellation.h"

#include <atomic>
#include <thread>

#include <gtest/gtest.h>

#include "ferry/exec/execution_plan.h"
#include "ferry/exec/parallel.h"
#include "ferry/testing/exec_test_util.h"

namespace ferry {
namespace {

std::shared_ptr<arrow::Schema> Schema() { return arrow::schema({arrow::field("a", arrow::int64())}); }

BatchPtr Batch(int64_t value) {
  arrow::Int64Builder builder;
  EXPECT_TRUE(builder.Append(value).ok());
  return arrow::RecordBatch::Make(Schema(), 1, {builder.Finish().ValueOrDie()});
}

// `partitions` partitions of `batches` one-row batches each.
ExecPtr Scan(int partitions, int batches) {
  std::vector<BatchVector> data(partitions);
  for (auto& partition : data) {
    for (int i = 0; i < batches; ++i) partition.push_back(Batch(i));
  }
  return testing::ScanOf(Schema(), std::move(data));
}

TEST(CancellationTest, WithoutATokenNothingStops) {
  EXPECT_TRUE(CheckStopRequested().ok());
  auto collected = Collect(*Scan(3, 4), 2);
  ASSERT_TRUE(collected.ok()) << collected.status().ToString();
  EXPECT_EQ(collected->size(), 12u);
}

TEST(CancellationTest, AStoppedQueryFailsWithTheStopStatus) {
  arrow::StopSource stop;
  stop.RequestStop(Status::Cancelled("stopped by the test"));
  ScopedStopToken scoped(stop.token());
  auto collected = Collect(*Scan(3, 4), 2);
  ASSERT_FALSE(collected.ok());
  EXPECT_TRUE(collected.status().IsCancelled());
  EXPECT_EQ(collected.status().message(), "stopped by the test");
}

TEST(CancellationTest, TheTokenIsScopedToTheThread) {
  arrow::StopSource stop;
  stop.RequestStop();
  {
    ScopedStopToken scoped(stop.token());
    EXPECT_FALSE(CheckStopRequested().ok());
    std::thread other([] { EXPECT_TRUE(CheckStopRequested().ok()); });  // not started by the engine
    other.join();
  }
  EXPECT_TRUE(CheckStopRequested().ok());  // restored on scope exit
}

TEST(CancellationTest, ParallelForHelpersInheritTheToken) {
  arrow::StopSource stop;
  ScopedStopToken scoped(stop.token());
  std::atomic<int> ran{0};
  auto status = ParallelFor(1000, 4, [&](int64_t i) -> Status {
    if (i == 10) stop.RequestStop();
    // Every thread, helpers included, sees the request once it is made.
    if (i > 10 && stop.token().IsStopRequested()) FERRY_RETURN_NOT_OK(CheckStopRequested());
    ++ran;
    return Status::OK();
  });
  EXPECT_TRUE(status.IsCancelled()) << status.ToString();
  EXPECT_LT(ran.load(), 1000);
}

TEST(CancellationTest, AStopMidQueryEndsItAtTheNextBatch) {
  // Stop after the consumer has seen a few batches of a long stream,
  // through an exchange (producer threads) and a projection.
  arrow::StopSource stop;
  ScopedStopToken scoped(stop.token());
  auto plan = MakeRoundRobinRepartitionExec(Scan(2, 100'000), 2);
  auto stream = plan->Execute(0);
  ASSERT_TRUE(stream.ok());
  int seen = 0;
  Status status;
  while (true) {
    auto batch = (*stream)->Next();
    if (!batch.ok()) {
      status = batch.status();
      break;
    }
    ASSERT_NE(*batch, nullptr) << "the stream ended without noticing the stop";
    if (++seen == 5) stop.RequestStop();
  }
  EXPECT_TRUE(status.IsCancelled()) << status.ToString();
  EXPECT_LT(seen, 1000);
}

}  // namespace
}  // namespace ferry

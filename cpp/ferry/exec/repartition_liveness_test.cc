// The exchanges must never hang: not when partitions are read one after
// another on one thread, not when a consumer walks away early, not when the
// input fails; and a plan runs twice with the same rows.

#include <string>
#include <vector>

#include <arrow/api.h>
#include <gtest/gtest.h>

#include "ferry/exec/operators.h"
#include "ferry/exec/repartition_test_rows.h"
#include "ferry/function/bind.h"
#include "ferry/testing/exec_test_util.h"
#include "ferry/testing/test_util.h"

namespace ferry {
namespace {

using testing::CellText;
using testing::DrainPartitions;
using testing::FinishesWithin;
using testing::KeyOf;
using testing::PlanRows;
using testing::ScanOf;
using testing::ScriptedExec;
using testing::SortedRows;
using testing::SplitRows;
using repartition_test::Flatten;
using repartition_test::RandomRows;
using repartition_test::RepartitionExecTest;
using repartition_test::RowSchema;

// Exchanges with many batches per input partition, so their queues fill
// up many times over while partitions are read one at a time.
ExecPtr BusyHashExchange(int inputs, int outputs) {
  auto rows = RandomRows(6000, 1000, 0.05, 8);
  return MakeHashRepartitionExec(ScanOf(RowSchema(), SplitRows(rows, inputs, 20)), {KeyOf(RowSchema(), 0)},
                                 outputs);
}

TEST_F(RepartitionExecTest, PartitionsReadOneAfterAnotherOnOneThreadDoNotDeadlock) {
  const auto expected = SortedRows({RandomRows(6000, 1000, 0.05, 8)});
  ASSERT_TRUE(FinishesWithin(30, [&] {
    for (int outputs : {2, 8}) {
      auto plan = BusyHashExchange(4, outputs);
      // In order, each stream drained and dropped before the next opens.
      BatchVector all;
      for (int p = 0; p < outputs; ++p) {
        auto stream = plan->Execute(p).ValueOrDie();
        while (auto batch = stream->Next().ValueOrDie()) all.push_back(batch);
      }
      EXPECT_EQ(SortedRows(all), expected);
      // Every stream opened first, then drained last to first.
      all.clear();
      std::vector<StreamPtr> streams;
      for (int p = 0; p < outputs; ++p) streams.push_back(plan->Execute(p).ValueOrDie());
      for (int p = outputs - 1; p >= 0; --p) {
        while (auto batch = streams[p]->Next().ValueOrDie()) all.push_back(batch);
      }
      EXPECT_EQ(SortedRows(all), expected);
      // Through Collect with a single thread.
      EXPECT_EQ(PlanRows(*plan, 1), expected);
    }
  }));
}

TEST_F(RepartitionExecTest, NestedExchangesReadOnOneThreadDoNotDeadlock) {
  const auto expected = SortedRows({RandomRows(6000, 1000, 0.05, 8)});
  ASSERT_TRUE(FinishesWithin(30, [&] {
    auto inner = BusyHashExchange(3, 5);
    auto middle = MakeRoundRobinRepartitionExec(inner, 3);
    auto outer = MakeHashRepartitionExec(middle, {KeyOf(RowSchema(), 1)}, 7);
    EXPECT_EQ(PlanRows(*outer, 1), expected);
    EXPECT_EQ(PlanRows(*MakeCoalescePartitionsExec(outer), 1), expected);
  }));
}

TEST_F(RepartitionExecTest, ConsumerLeavingEarlyDoesNotHang) {
  auto one = RandomRows(50, 10, 0.1, 9);
  for (int outputs : {1, 4}) {
    // An input far larger than anyone reads: producers must stop because
    // their consumers went away, not because the input ended.
    ASSERT_TRUE(FinishesWithin(20, [&] {
      auto source = std::make_shared<ScriptedExec>(one, 3, 1 << 30, Status::OK());
      {
        // Only partition 0 is ever opened; one batch read. (Keyed on id,
        // which is unique in `one`, so partition 0 does get rows: the
        // input never ends, and a partition without rows would wait forever.)
        auto plan = MakeHashRepartitionExec(source, {KeyOf(RowSchema(), 2)}, outputs);
        auto stream = plan->Execute(0).ValueOrDie();
        auto batch = stream->Next();
        ASSERT_TRUE(batch.ok()) << batch.status().ToString();
      }
      {
        // Every partition opened, one batch read from each, then all dropped.
        auto plan = MakeRoundRobinRepartitionExec(source, outputs);
        std::vector<StreamPtr> streams;
        for (int p = 0; p < outputs; ++p) streams.push_back(plan->Execute(p).ValueOrDie());
        for (auto& stream : streams) ASSERT_NE(stream->Next().ValueOrDie(), nullptr);
        streams.clear();
      }
      {
        // The streams outlive the plan and are dropped after it.
        std::vector<StreamPtr> streams;
        {
          auto plan = MakeHashRepartitionExec(source, {KeyOf(RowSchema(), 2)}, outputs);
          for (int p = 0; p < outputs; ++p) streams.push_back(plan->Execute(p).ValueOrDie());
        }
        ASSERT_TRUE(streams[0]->Next().ok());
      }
      {
        // A gather read for one batch.
        auto plan = MakeCoalescePartitionsExec(source);
        auto stream = plan->Execute(0).ValueOrDie();
        ASSERT_NE(stream->Next().ValueOrDie(), nullptr);
      }
    }));
  }
}

TEST_F(RepartitionExecTest, InputErrorReachesEveryConsumer) {
  auto one = RandomRows(20, 10, 0.1, 10);
  for (int failing : {-1, 2}) {
    for (int outputs : {1, 3}) {
      auto source = std::make_shared<ScriptedExec>(one, 4, 3, Status::IOError("disk on fire"), failing);
      std::vector<ExecPtr> plans = {MakeHashRepartitionExec(source, {KeyOf(RowSchema(), 0)}, outputs),
                                    MakeRoundRobinRepartitionExec(source, outputs),
                                    MakeCoalescePartitionsExec(source)};
      for (const auto& plan : plans) {
        SCOPED_TRACE(plan->Describe() + ", failing " + std::to_string(failing));
        ASSERT_TRUE(FinishesWithin(10, [&] {
          auto collected = CollectPartitions(*plan);
          ASSERT_FALSE(collected.ok());
          EXPECT_TRUE(collected.status().IsIOError()) << collected.status().ToString();
          EXPECT_NE(collected.status().message().find("disk on fire"), std::string::npos);
          // Read one partition after another: each one ends in the error,
          // never in a quiet end of stream.
          std::vector<StreamPtr> streams;
          for (int p = 0; p < plan->num_partitions(); ++p) streams.push_back(plan->Execute(p).ValueOrDie());
          for (auto& stream : streams) {
            Status status;
            while (true) {
              auto batch = stream->Next();
              if (!batch.ok()) {
                status = batch.status();
                break;
              }
              if (*batch == nullptr) break;
            }
            EXPECT_TRUE(status.IsIOError()) << "partition ended with " << status.ToString();
          }
        }));
      }
    }
  }
}

TEST_F(RepartitionExecTest, SamePlanRunsTwiceWithTheSameRows) {
  auto rows = RandomRows(500, 40, 0.1, 11);
  const auto expected = SortedRows({rows});
  auto scan = ScanOf(RowSchema(), SplitRows(rows, 3, 17));
  for (const auto& plan : {MakeHashRepartitionExec(scan, {KeyOf(RowSchema(), 0)}, 5),
                           MakeRoundRobinRepartitionExec(scan, 5), MakeCoalescePartitionsExec(scan)}) {
    SCOPED_TRACE(plan->Describe());
    ASSERT_TRUE(FinishesWithin(20, [&] {
      auto first = DrainPartitions(*plan);
      auto second = DrainPartitions(*plan, 1);
      EXPECT_EQ(SortedRows(Flatten(first)), expected);
      EXPECT_EQ(SortedRows(Flatten(second)), expected);
      if (plan->num_partitions() > 1 && plan->Describe().find("Hash") != std::string::npos) {
        // The hash decides the partition, so each partition holds the same rows.
        for (int p = 0; p < plan->num_partitions(); ++p) {
          EXPECT_EQ(SortedRows(first[p]), SortedRows(second[p])) << "partition " << p;
        }
      }
      // An execution abandoned after one batch does not leak into the next.
      {
        auto stream = plan->Execute(0).ValueOrDie();
        ASSERT_TRUE(stream->Next().ok());
      }
      EXPECT_EQ(PlanRows(*plan), expected);
    }));
  }
}

TEST_F(RepartitionExecTest, PartitionOutOfRangeIsAnError) {
  auto scan = ScanOf(RowSchema(), {{RandomRows(5, 3, 0.0, 12)}});
  for (const auto& plan : {MakeHashRepartitionExec(scan, {KeyOf(RowSchema(), 0)}, 3),
                           MakeRoundRobinRepartitionExec(scan, 3), MakeBroadcastExec(scan, 3)}) {
    EXPECT_FALSE(plan->Execute(3).ok()) << plan->Describe();
    EXPECT_FALSE(plan->Execute(-1).ok()) << plan->Describe();
  }
}

}  // namespace
}  // namespace ferry

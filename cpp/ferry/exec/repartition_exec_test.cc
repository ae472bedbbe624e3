// The exchanges (hash, round-robin, gather, broadcast) must hand every
// input row to exactly one consumer and put equal keys together, whatever
// the keys, NULLs and partition counts.

#include <cmath>
#include <limits>
#include <map>
#include <set>
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

// Which output partitions each key (the text of columns `keys`) landed in.
std::map<std::string, std::set<int>> KeyPlacement(const std::vector<BatchVector>& partitions,
                                                  const std::vector<int>& keys) {
  std::map<std::string, std::set<int>> placement;
  for (int p = 0; p < static_cast<int>(partitions.size()); ++p) {
    for (const auto& batch : partitions[p]) {
      for (int64_t i = 0; i < batch->num_rows(); ++i) {
        std::string key;
        for (int k : keys) key += CellText(*batch->column(k), i) + "|";
        placement[key].insert(p);
      }
    }
  }
  return placement;
}

void ExpectSchemas(const std::vector<BatchVector>& partitions, const arrow::Schema& schema) {
  for (const auto& partition : partitions) {
    for (const auto& batch : partition) {
      ASSERT_TRUE(batch->schema()->Equals(schema)) << batch->schema()->ToString();
      ASSERT_TRUE(batch->ValidateFull().ok());
    }
  }
}

TEST_F(RepartitionExecTest, HashKeepsEveryRowOnceAndEachKeyInOnePartition) {
  auto rows = RandomRows(300, 23, 0.1, 1);
  const auto expected = SortedRows({rows});
  for (const std::vector<int>& keys : {std::vector<int>{0}, std::vector<int>{0, 1}}) {
    for (int inputs = 1; inputs <= 4; ++inputs) {
      for (int outputs = 1; outputs <= 8; ++outputs) {
        SCOPED_TRACE("keys " + std::to_string(keys.size()) + ", inputs " + std::to_string(inputs) +
                     ", outputs " + std::to_string(outputs));
        std::vector<PhysicalExprPtr> key_exprs;
        for (int k : keys) key_exprs.push_back(KeyOf(RowSchema(), k));
        auto plan = MakeHashRepartitionExec(ScanOf(RowSchema(), SplitRows(rows, inputs)), key_exprs, outputs);
        ASSERT_EQ(plan->num_partitions(), outputs);
        ASSERT_TRUE(plan->schema()->Equals(*RowSchema()));
        // Alternate parallel and one-thread consumption.
        auto partitions = DrainPartitions(*plan, outputs % 2 ? 1 : 0);
        ASSERT_EQ(static_cast<int>(partitions.size()), outputs);
        ExpectSchemas(partitions, *RowSchema());
        EXPECT_EQ(SortedRows(Flatten(partitions)), expected);
        for (const auto& [key, where] : KeyPlacement(partitions, keys)) {
          EXPECT_EQ(where.size(), 1u) << "key " << key << " is in " << where.size() << " partitions";
        }
      }
    }
  }
}

TEST_F(RepartitionExecTest, NullKeysMeetInOnePartition) {
  // Half the rows have a NULL key; they all land together, away from no one.
  auto rows = RandomRows(200, 5, 0.5, 2);
  auto plan = MakeHashRepartitionExec(ScanOf(RowSchema(), SplitRows(rows, 3)), {KeyOf(RowSchema(), 0)}, 6);
  auto partitions = DrainPartitions(*plan);
  auto placement = KeyPlacement(partitions, {0});
  ASSERT_TRUE(placement.count("null|"));
  EXPECT_EQ(placement["null|"].size(), 1u);
  EXPECT_EQ(SortedRows(Flatten(partitions)), SortedRows({rows}));
}

TEST_F(RepartitionExecTest, EqualFloatKeysMeetWhateverTheirBits) {
  // -0.0 and 0.0 group together, as do all NaNs: a different partition
  // for each would split a group of the final aggregation.
  auto schema = arrow::schema({arrow::field("x", arrow::float64()), arrow::field("id", arrow::int64())});
  std::vector<BatchVector> parts;
  for (int p = 0; p < 4; ++p) {
    auto id = [&](int i) { return std::to_string(4 * p + i); };
    parts.push_back({testing::BatchFromJson(
        schema, "[{\"x\": 0.0, \"id\": " + id(0) + "}, {\"x\": -0.0, \"id\": " + id(1) +
                    "}, {\"x\": NaN, \"id\": " + id(2) + "}, {\"x\": " + std::to_string(p + 1) +
                    ".5, \"id\": " + id(3) + "}]")});
  }
  // A NaN with its sign bit set, in the last partition.
  arrow::DoubleBuilder x;
  ASSERT_TRUE(x.Append(-std::numeric_limits<double>::quiet_NaN()).ok());
  parts.back().push_back(arrow::RecordBatch::Make(
      schema, 1, {x.Finish().ValueOrDie(), testing::ArrayFromJson(arrow::int64(), "[99]")}));
  for (int outputs : {2, 5, 8}) {
    auto plan = MakeHashRepartitionExec(ScanOf(schema, parts), {KeyOf(schema, 0)}, outputs);
    auto partitions = DrainPartitions(*plan);
    std::set<int> zeros, nans;
    for (int p = 0; p < outputs; ++p) {
      for (const auto& batch : partitions[p]) {
        auto values = std::static_pointer_cast<arrow::DoubleArray>(batch->column(0));
        for (int64_t i = 0; i < batch->num_rows(); ++i) {
          if (values->Value(i) == 0.0) zeros.insert(p);
          if (std::isnan(values->Value(i))) nans.insert(p);
        }
      }
    }
    EXPECT_EQ(zeros.size(), 1u) << outputs << " outputs";
    EXPECT_EQ(nans.size(), 1u) << outputs << " outputs";
    EXPECT_EQ(PlanRows(*plan).size(), 17u);
  }
}

TEST_F(RepartitionExecTest, EmptyInputsGiveEmptyPartitions) {
  auto zero_rows = arrow::RecordBatch::MakeEmpty(RowSchema()).ValueOrDie();
  std::vector<std::vector<BatchVector>> inputs = {
      std::vector<BatchVector>{},   // no partitions at all
      std::vector<BatchVector>(1),  // one partition, no batches
      std::vector<BatchVector>(3),  // three without batches
      std::vector<BatchVector>{BatchVector{zero_rows}, BatchVector{zero_rows, zero_rows}},
  };
  for (size_t c = 0; c < inputs.size(); ++c) {
    for (int outputs : {1, 3, 8}) {
      auto scan = ScanOf(RowSchema(), inputs[c]);
      for (const auto& plan : {MakeHashRepartitionExec(scan, {KeyOf(RowSchema(), 0)}, outputs),
                               MakeRoundRobinRepartitionExec(scan, outputs)}) {
        ASSERT_TRUE(FinishesWithin(10, [&] {
          auto partitions = DrainPartitions(*plan);
          EXPECT_EQ(static_cast<int>(partitions.size()), outputs);
          EXPECT_TRUE(SortedRows(Flatten(partitions)).empty()) << "case " << c;
        }));
      }
      ASSERT_TRUE(
          FinishesWithin(10, [&] { EXPECT_TRUE(PlanRows(*MakeCoalescePartitionsExec(scan)).empty()); }));
    }
  }
}

TEST_F(RepartitionExecTest, FewKeysLeaveSomePartitionsEmpty) {
  // Two distinct keys over eight outputs: at least six partitions get no
  // rows, and they must still end cleanly.
  auto schema = RowSchema();
  auto rows = testing::BatchFromJson(schema, R"([{"k": 1, "s": "a", "id": 0}, {"k": 2, "s": "b", "id": 1},
                                                 {"k": 1, "s": "c", "id": 2},
                                                 {"k": 2, "s": null, "id": 3}])");
  auto plan = MakeHashRepartitionExec(ScanOf(schema, SplitRows(rows, 2, 1)), {KeyOf(schema, 0)}, 8);
  auto partitions = DrainPartitions(*plan, 1);
  int non_empty = 0;
  for (const auto& partition : partitions) {
    int64_t n = 0;
    for (const auto& batch : partition) n += batch->num_rows();
    non_empty += n > 0;
  }
  EXPECT_GE(non_empty, 1);
  EXPECT_LE(non_empty, 2);
  EXPECT_EQ(SortedRows(Flatten(partitions)), SortedRows({rows}));
}

TEST_F(RepartitionExecTest, SkewedKeyStaysTogetherAndNothingIsLost) {
  // 90% of 20,000 rows carry key 42; the rest spread. The hot partition
  // buffers far more than a queue holds while the others drain.
  constexpr int64_t kRows = 20000;
  std::mt19937 rng(3);
  arrow::Int64Builder k, id;
  arrow::StringBuilder s;
  for (int64_t i = 0; i < kRows; ++i) {
    ASSERT_TRUE(k.Append(rng() % 10 < 9 ? 42 : static_cast<int64_t>(rng() % 1000)).ok());
    ASSERT_TRUE(s.Append("x").ok());
    ASSERT_TRUE(id.Append(i).ok());
  }
  auto rows = arrow::RecordBatch::Make(
      RowSchema(), kRows, {k.Finish().ValueOrDie(), s.Finish().ValueOrDie(), id.Finish().ValueOrDie()});
  int64_t hot_rows = 0;
  auto keys = std::static_pointer_cast<arrow::Int64Array>(rows->column(0));
  for (int64_t i = 0; i < kRows; ++i) hot_rows += keys->Value(i) == 42;
  for (int threads : {0, 1}) {
    auto scan = ScanOf(RowSchema(), SplitRows(rows, 4, 100));
    auto plan = MakeHashRepartitionExec(scan, {KeyOf(RowSchema(), 0)}, 4);
    ASSERT_TRUE(FinishesWithin(20, [&] {
      auto partitions = DrainPartitions(*plan, threads);
      auto placement = KeyPlacement(partitions, {0});
      ASSERT_EQ(placement["42|"].size(), 1u);
      const int hot = *placement["42|"].begin();
      int64_t in_hot = 0;
      for (const auto& batch : partitions[hot]) in_hot += batch->num_rows();
      EXPECT_GE(in_hot, hot_rows);
      for (const auto& [key, where] : placement) EXPECT_EQ(where.size(), 1u) << key;
      EXPECT_EQ(SortedRows(Flatten(partitions)), SortedRows({rows}));
    }));
  }
}

TEST_F(RepartitionExecTest, DistinctKeysSpreadOverPartitions) {
  // 8,000 distinct keys over 8 partitions: no partition is starved or hot.
  auto rows = RandomRows(8000, 1 << 30, 0.0, 4);
  auto scan = ScanOf(RowSchema(), SplitRows(rows, 2, 500));
  auto plan = MakeHashRepartitionExec(scan, {KeyOf(RowSchema(), 0)}, 8);
  auto partitions = DrainPartitions(*plan);
  for (int p = 0; p < 8; ++p) {
    int64_t n = 0;
    for (const auto& batch : partitions[p]) n += batch->num_rows();
    EXPECT_GT(n, 800) << "partition " << p;
    EXPECT_LT(n, 1200) << "partition " << p;
  }
}

TEST_F(RepartitionExecTest, RoundRobinAndCoalesceKeepEveryRowOnce) {
  auto rows = RandomRows(157, 10, 0.2, 5);
  const auto expected = SortedRows({rows});
  for (int inputs = 1; inputs <= 4; ++inputs) {
    auto scan = ScanOf(RowSchema(), SplitRows(rows, inputs, 5));
    for (int outputs = 1; outputs <= 8; ++outputs) {
      auto plan = MakeRoundRobinRepartitionExec(scan, outputs);
      ASSERT_EQ(plan->num_partitions(), outputs);
      auto partitions = DrainPartitions(*plan, outputs % 2 ? 0 : 1);
      ExpectSchemas(partitions, *RowSchema());
      EXPECT_EQ(SortedRows(Flatten(partitions)), expected) << inputs << " -> " << outputs;
      // Coalescing the round robin's output again gives back every row.
      auto gathered = MakeCoalescePartitionsExec(plan);
      ASSERT_EQ(gathered->num_partitions(), 1);
      EXPECT_EQ(PlanRows(*gathered), expected) << inputs << " -> " << outputs << " -> 1";
    }
    auto coalesced = MakeCoalescePartitionsExec(scan);
    ASSERT_EQ(coalesced->num_partitions(), 1);
    if (inputs == 1) EXPECT_EQ(coalesced, scan) << "one partition needs no gather";
    EXPECT_EQ(PlanRows(*coalesced), expected);
  }
}

TEST_F(RepartitionExecTest, RoundRobinDealsBatchesEvenly) {
  // One producer, 12 batches of 5 rows, 4 outputs: 3 batches (15 rows) each.
  auto rows = RandomRows(60, 10, 0.0, 6);
  auto plan = MakeRoundRobinRepartitionExec(ScanOf(RowSchema(), SplitRows(rows, 1, 5)), 4);
  auto partitions = DrainPartitions(*plan);
  for (int p = 0; p < 4; ++p) {
    int64_t n = 0;
    for (const auto& batch : partitions[p]) n += batch->num_rows();
    EXPECT_EQ(n, 15) << "partition " << p;
  }
}

TEST_F(RepartitionExecTest, OrderedCoalesceKeepsPartitionOrder) {
  auto rows = RandomRows(100, 10, 0.2, 7);
  auto scan = ScanOf(RowSchema(), SplitRows(rows, 4, 6));
  auto plan = MakeOrderedCoalesceExec(scan);
  ASSERT_EQ(plan->num_partitions(), 1);
  for (int threads : {0, 1}) {
    auto batches = Collect(*plan, threads).ValueOrDie();
    auto table = testing::ToTable(RowSchema(), batches);
    auto expected = testing::ToTable(RowSchema(), {rows});
    EXPECT_TRUE(table->Equals(*expected)) << table->ToString();
  }
  auto single = ScanOf(RowSchema(), {{rows}});
  EXPECT_EQ(MakeOrderedCoalesceExec(single), single) << "one partition needs no gather";
}

TEST_F(RepartitionExecTest, BroadcastGivesEveryPartitionAllRows) {
  auto rows = RandomRows(80, 10, 0.2, 13);
  const auto expected = SortedRows({rows});
  for (int inputs : {1, 3}) {
    for (int outputs : {1, 4}) {
      auto plan = MakeBroadcastExec(ScanOf(RowSchema(), SplitRows(rows, inputs)), outputs);
      ASSERT_EQ(plan->num_partitions(), outputs);
      for (int threads : {0, 1}) {
        auto partitions = DrainPartitions(*plan, threads);
        for (int p = 0; p < outputs; ++p) EXPECT_EQ(SortedRows(partitions[p]), expected) << p;
      }
    }
  }
  auto failing = std::make_shared<ScriptedExec>(rows, 2, 1, Status::Invalid("bad input"));
  auto collected = CollectPartitions(*MakeBroadcastExec(failing, 3));
  EXPECT_TRUE(collected.status().IsInvalid()) << collected.status().ToString();
}

TEST_F(RepartitionExecTest, ExplainNamesPartitioningAndCounts) {
  auto scan = ScanOf(RowSchema(), SplitRows(RandomRows(10, 3, 0.0, 14), 3));
  auto hashed = MakeHashRepartitionExec(scan, {KeyOf(RowSchema(), 0), KeyOf(RowSchema(), 1)}, 5);
  EXPECT_NE(hashed->Describe().find("RepartitionExec: partitioning=Hash("), std::string::npos)
      << hashed->Describe();
  EXPECT_NE(hashed->Describe().find("], 5), input_partitions=3"), std::string::npos) << hashed->Describe();
  auto dealt = MakeRoundRobinRepartitionExec(scan, 4);
  EXPECT_NE(dealt->Describe().find("RoundRobinBatch(4)"), std::string::npos) << dealt->Describe();
  auto gathered = MakeCoalescePartitionsExec(scan);
  EXPECT_NE(gathered->Describe().find("CoalescePartitionsExec: 3 -> 1"), std::string::npos)
      << gathered->Describe();
  auto copies = MakeBroadcastExec(scan, 6);
  EXPECT_NE(copies->Describe().find("BroadcastExec: 3 -> 6"), std::string::npos) << copies->Describe();
  // The tree shows the exchange above its input.
  const auto tree = ExplainPhysical(*hashed);
  EXPECT_LT(tree.find("RepartitionExec"), tree.find("MemoryScanExec")) << tree;
}

}  // namespace
}  // namespace ferry

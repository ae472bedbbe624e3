// A plan run task by task, each task handed only its own slice of the
// inputs SlicedInputs names, gives the rows of the whole plan: the
// inputs it names really are read by slice only.

#include "ferry/dist/sliced_inputs.h"

#include <gtest/gtest.h>

#include "ferry/dist/task_runner.h"
#include "ferry/session/dataframe.h"
#include "ferry/session/session_context.h"
#include "ferry/testing/test_util.h"

namespace ferry {
namespace {

using testing::BatchFromJson;
using testing::ToTable;

Expr Agg(const std::string& name, std::vector<Expr> args) {
  return AggregateCall(BuiltinFunctions().GetAggregate(name).ValueOrDie(), name, std::move(args),
                       false);
}

// Runs every stage; a task gets ExtractSlice of its slice of each sliced
// input. Counts the sliced inputs seen in `sliced_reads`.
Result<BatchVector> RunSliced(const StagePlan& plan, int* sliced_reads) {
  std::map<int, std::vector<std::shared_ptr<arrow::Buffer>>> outputs;
  for (const auto& stage : plan.stages) {
    const auto sliced = SlicedInputs(stage);
    *sliced_reads += static_cast<int>(sliced.size());
    for (int task = 0; task < stage.num_tasks; ++task) {
      StageOutputs inputs;
      for (int input : stage.inputs) {
        if (!sliced.count(input)) {
          inputs[input] = outputs.at(input);
          continue;
        }
        std::vector<std::shared_ptr<const TaskOutputReader>> readers;
        for (const auto& buffer : outputs.at(input)) {
          FERRY_ASSIGN_OR_RAISE(auto reader, TaskOutputReader::Open(buffer));
          readers.push_back(std::move(reader));
        }
        FERRY_ASSIGN_OR_RAISE(auto slice, ExtractSlice(readers, task));
        inputs[input] = {slice};
      }
      FERRY_ASSIGN_OR_RAISE(auto bound, BindStageInputs(stage.fragment, inputs));
      FERRY_ASSIGN_OR_RAISE(auto result, RunTask(bound, task));
      outputs[stage.id].push_back(result.output);
    }
  }
  BatchVector rows;
  for (const auto& buffer : outputs.at(plan.root().id)) {
    FERRY_ASSIGN_OR_RAISE(auto reader, TaskOutputReader::Open(buffer));
    FERRY_ASSIGN_OR_RAISE(auto batches, reader->Read());
    rows.insert(rows.end(), batches.begin(), batches.end());
  }
  return rows;
}

class SlicedInputsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ctx_ = SessionContext::Make(SessionConfig{3});
    auto schema = arrow::schema({arrow::field("k", arrow::utf8()), arrow::field("v", arrow::int64())});
    std::vector<BatchVector> partitions = {
        {BatchFromJson(schema, R"([{"k": "a", "v": 1}, {"k": "b", "v": 2}, {"k": "c", "v": 7}])")},
        {},
        {BatchFromJson(schema, R"([{"k": null, "v": 10}, {"k": "b", "v": 5}, {"k": "d", "v": 4}])")},
    };
    ASSERT_TRUE(ctx_->RegisterTable("t", MakeMemoryTable(schema, partitions).ValueOrDie()).ok());
    t_ = std::make_unique<DataFrame>(ctx_->Table("t").ValueOrDie());
  }

  // The sliced inputs the plan has, after checking its rows.
  int ExpectSameRows(const Result<DataFrame>& df) {
    EXPECT_TRUE(df.ok()) << df.status().ToString();
    auto physical = df->CreatePhysicalPlan().ValueOrDie();
    auto staged = CutIntoStages(physical).ValueOrDie();
    auto expected = testing::SortedTable(ToTable(physical->schema(), Collect(*physical).ValueOrDie()));
    int sliced_reads = 0;
    auto rows = RunSliced(staged, &sliced_reads);
    EXPECT_TRUE(rows.ok()) << rows.status().ToString() << "\n" << ExplainStages(staged);
    auto got = testing::SortedTable(ToTable(physical->schema(), *rows));
    EXPECT_TRUE(got->Equals(*expected)) << "got\n" << got->ToString() << "expected\n"
                                        << expected->ToString() << ExplainStages(staged);
    return sliced_reads;
  }

  std::shared_ptr<SessionContext> ctx_;
  std::unique_ptr<DataFrame> t_;
};

TEST_F(SlicedInputsTest, GroupedAggregateReadsItsSliceOnly) {
  EXPECT_GE(ExpectSameRows(t_->Aggregate({Col("k")}, {Agg("sum", {Col("v")}), Agg("count", {})})), 1);
}

TEST_F(SlicedInputsTest, PartitionedJoinReadsItsSlicesOnly) {
  auto u = t_->Select({Alias(Col("k"), "k2"), Alias(Col("v"), "w")}).ValueOrDie();
  for (auto type : {JoinType::kInner, JoinType::kFull, JoinType::kLeftAnti}) {
    ExpectSameRows(t_->Join(u, type, {"k"}, {"k2"}));
  }
}

TEST_F(SlicedInputsTest, UnionOfShufflesIsNotSlicedByTask) {
  // A union renumbers partitions: task 4 reads partition 1 of its second
  // input, so handing it slice 4 would lose rows.
  auto keys = t_->Aggregate({Col("k")}, {Agg("count", {})}).ValueOrDie();
  ExpectSameRows(keys.Union(keys));
  ExpectSameRows(t_->Select({Col("k")})->Union(t_->Select({Col("k")}).ValueOrDie())->Distinct());
}

TEST_F(SlicedInputsTest, GatheredInputsAreNotSliced) {
  auto physical = t_->Aggregate({}, {Agg("sum", {Col("v")})})->CreatePhysicalPlan().ValueOrDie();
  auto staged = CutIntoStages(physical).ValueOrDie();
  ASSERT_GE(staged.stages.size(), 2u);
  EXPECT_TRUE(SlicedInputs(staged.root()).empty()) << ExplainStages(staged);
  int sliced_reads = 0;
  ASSERT_TRUE(RunSliced(staged, &sliced_reads).ok());
}

}  // namespace
}  // namespace ferry

// A distributed plan run task by task in one process must give the rows
// the same plan gives run whole: every stage cut, every slice read.

#include "ferry/dist/stage_planner.h"

#include <gtest/gtest.h>

#include "ferry/dist/task_runner.h"
#include "ferry/exec/stage_input.h"
#include "ferry/session/dataframe.h"
#include "ferry/session/session_context.h"
#include "ferry/testing/staged_run.h"
#include "ferry/testing/test_util.h"

namespace ferry {
namespace {

using testing::BatchFromJson;
using testing::ToTable;

Expr I(int64_t v) { return Lit(std::make_shared<arrow::Int64Scalar>(v)); }
Expr Agg(const std::string& name, std::vector<Expr> args, bool distinct = false) {
  return AggregateCall(BuiltinFunctions().GetAggregate(name).ValueOrDie(), name, std::move(args),
                       distinct);
}

class StagePlannerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ctx_ = SessionContext::Make(SessionConfig{3});
    auto schema = arrow::schema({arrow::field("k", arrow::utf8()), arrow::field("v", arrow::int64())});
    std::vector<BatchVector> partitions = {
        {BatchFromJson(schema, R"([{"k": "a", "v": 1}, {"k": "b", "v": 2}, {"k": "c", "v": 7}])"),
         BatchFromJson(schema, R"([{"k": "a", "v": null}])")},
        {},
        {BatchFromJson(schema, R"([{"k": null, "v": 10}, {"k": "b", "v": 5}, {"k": "a", "v": 4}])")},
    };
    ASSERT_TRUE(ctx_->RegisterTable("t", MakeMemoryTable(schema, partitions).ValueOrDie()).ok());
    t_ = std::make_unique<DataFrame>(ctx_->Table("t").ValueOrDie());
  }

  // Checks the staged run against the whole plan, row for row when
  // `ordered`, as sorted tables otherwise; returns the stage plan.
  StagePlan ExpectSameRows(const Result<DataFrame>& df, bool ordered) {
    EXPECT_TRUE(df.ok()) << df.status().ToString();
    auto physical = df->CreatePhysicalPlan().ValueOrDie();
    auto staged = CutIntoStages(physical);
    EXPECT_TRUE(staged.ok()) << staged.status().ToString();
    auto expected = ToTable(physical->schema(), Collect(*physical).ValueOrDie());
    auto got_rows = testing::RunStaged(*staged);
    EXPECT_TRUE(got_rows.ok()) << got_rows.status().ToString() << "\n" << ExplainStages(*staged);
    auto got = ToTable(physical->schema(), *got_rows);
    if (!ordered) {
      expected = testing::SortedTable(expected);
      got = testing::SortedTable(got);
    }
    EXPECT_TRUE(got->Equals(*expected)) << "got\n" << got->ToString() << "expected\n"
                                        << expected->ToString() << ExplainStages(*staged);
    return *staged;
  }

  std::shared_ptr<SessionContext> ctx_;
  std::unique_ptr<DataFrame> t_;
};

TEST_F(StagePlannerTest, GroupedAggregateShufflesByKey) {
  auto plan = ExpectSameRows(
      t_->Aggregate({Col("k")}, {Agg("sum", {Col("v")}), Agg("count", {}), Agg("count", {Col("k")}, true)}),
      false);
  ASSERT_GE(plan.stages.size(), 2u);
  EXPECT_EQ(plan.stages[0].output_slices, 3);  // the partial phase writes one slice per partition
  EXPECT_NE(ExplainStages(plan).find("StageInputExec: stage=0, mode=slice"), std::string::npos);
}

TEST_F(StagePlannerTest, SortWithLimitMergesWholeTaskOutputs) {
  ExpectSameRows(t_->Sort({Sort(Col("v"), false, true)})->Limit(4, 1), true);
  ExpectSameRows(t_->Sort({Sort(Col("k"), true, true), Sort(Col("v"), true, false)}), true);
}

TEST_F(StagePlannerTest, JoinsOfEveryKind) {
  auto u = t_->Select({Alias(Col("k"), "k2"), Alias(Binary(Col("v"), Operator::kMultiply, I(2)), "w")})
               .ValueOrDie();
  for (auto type : {JoinType::kInner, JoinType::kLeft, JoinType::kRight, JoinType::kFull,
                    JoinType::kLeftSemi, JoinType::kLeftAnti}) {
    ExpectSameRows(t_->Join(u, type, {"k"}, {"k2"}), false);
  }
}

TEST_F(StagePlannerTest, UnionDistinctAndGlobalAggregate) {
  auto keys = t_->Select({Col("k")}).ValueOrDie();
  ExpectSameRows(keys.Union(keys)->Distinct(), false);
  ExpectSameRows(t_->Aggregate({}, {Agg("sum", {Col("v")}), Agg("count", {})}), true);
  ExpectSameRows(t_->Filter(Binary(Col("v"), Operator::kGt, I(100)))->Aggregate({}, {Agg("count", {})}),
                 true);
}

TEST_F(StagePlannerTest, LimitWithoutSortReadsTasksInOrder) {
  ExpectSameRows(t_->Limit(3, 2), true);
}

TEST_F(StagePlannerTest, UnboundStageInputsRefuseToRun) {
  auto physical = t_->Aggregate({Col("k")}, {Agg("count", {})})->CreatePhysicalPlan().ValueOrDie();
  auto plan = CutIntoStages(physical).ValueOrDie();
  auto result = RunTask(plan.root().fragment, 0);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("not bound"), std::string::npos);
  // A task index past the stage's tasks, and inputs from a missing stage.
  EXPECT_TRUE(RunTask(plan.stages[0].fragment, 99).status().IsIndexError());
  EXPECT_TRUE(BindStageInputs(plan.root().fragment, {}).status().IsInvalid());
}

TEST_F(StagePlannerTest, CorruptTaskOutputsAreErrors) {
  auto bytes = std::make_shared<arrow::Buffer>("not an arrow file");
  EXPECT_TRUE(TaskOutputReader::Open(bytes).status().IsInvalid());
  auto physical = t_->Aggregate({Col("k")}, {Agg("count", {})})->CreatePhysicalPlan().ValueOrDie();
  auto plan = CutIntoStages(physical).ValueOrDie();
  auto map_output = RunTask(BindStageInputs(plan.stages[0].fragment, {}).ValueOrDie(), 0).ValueOrDie();
  // Every truncation of a real output is refused or read whole, never a crash.
  for (int64_t size = 0; size < map_output.output->size(); size += 7) {
    auto cut = arrow::SliceBuffer(map_output.output, 0, size);
    auto reader = TaskOutputReader::Open(cut);
    if (!reader.ok()) continue;
    auto stream = (*reader)->OpenAll();
    if (!stream.ok()) continue;
    while (true) {
      auto batch = (*stream)->Next();
      if (!batch.ok() || *batch == nullptr) break;
    }
  }
}

}  // namespace
}  // namespace ferry

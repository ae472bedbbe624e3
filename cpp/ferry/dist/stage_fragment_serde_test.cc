// Every stage fragment of a distributed plan travels as a physical plan:
// decoded on the other side (stage inputs unbound), bound to the other
// tasks' outputs and run task by task, the stages give the rows the whole
// plan gives in one process.

#include <gtest/gtest.h>

#include "ferry/dist/stage_planner.h"
#include "ferry/dist/task_runner.h"
#include "ferry/session/dataframe.h"
#include "ferry/session/session_context.h"
#include "ferry/testing/exec_test_util.h"
#include "ferry/testing/staged_run.h"
#include "ferry/testing/test_util.h"

namespace ferry {
namespace {

Expr I(int64_t v) { return Lit(std::make_shared<arrow::Int64Scalar>(v)); }
Expr Agg(const std::string& name, std::vector<Expr> args, bool distinct = false) {
  return AggregateCall(BuiltinFunctions().GetAggregate(name).ValueOrDie(), name, std::move(args),
                       distinct);
}

std::shared_ptr<arrow::Schema> Schema() {
  return arrow::schema({arrow::field("k", arrow::int64()), arrow::field("v", arrow::int64())});
}

// `rows` rows (k = i % keys, v = i, every 5th v NULL) over `parts` partitions.
std::shared_ptr<const TableProvider> Rows(int64_t rows, int64_t keys, int parts) {
  arrow::Int64Builder k, v;
  for (int64_t i = 0; i < rows; ++i) {
    EXPECT_TRUE(k.Append(i % keys).ok());
    EXPECT_TRUE((i % 5 == 2 ? v.AppendNull() : v.Append(i)).ok());
  }
  auto batch = arrow::RecordBatch::Make(Schema(), rows, {k.Finish().ValueOrDie(), v.Finish().ValueOrDie()});
  return MakeMemoryTable(Schema(), testing::SplitRows(batch, parts, 1000)).ValueOrDie();
}

TEST(StageFragmentSerdeTest, ShippedStagesGiveTheWholePlansRows) {
  auto sender = SessionContext::Make(SessionConfig{3});
  auto receiver = SessionContext::Make(SessionConfig{2});
  // Both over the broadcast threshold, so the join exchanges both sides.
  auto left = sender->Scan(Rows(140'000, 50'000, 3), "left").ValueOrDie();
  auto right = sender->Scan(Rows(135'000, 60'000, 2), "right").ValueOrDie();
  auto small = sender->Scan(Rows(40, 7, 2), "small").ValueOrDie();
  std::vector<Result<DataFrame>> queries = {
      left.Join(right, JoinType::kInner, {"k"}, {"k"})
          ->Aggregate({Col("k")}, {Agg("count", {Col("v")}), Agg("max", {Col("v_right")})}),
      left.Join(small, JoinType::kLeft, {"k"}, {"k"})->Aggregate({}, {Agg("sum", {Col("v_right")})}),
      left.Aggregate({}, {Agg("count", {Col("k")}, true)}),
      small.Sort({Sort(Col("v"), false, true)})->Limit(5, 2),
      small.Select({Col("k"), Col("v"),
                    Alias(Window(Agg("sum", {Col("v")}), {Col("k")}, {Sort(Col("v"), true, false)},
                                 WindowFrame::Default(true)),
                          "running")}),
  };
  for (const auto& query : queries) {
    ASSERT_TRUE(query.ok()) << query.status().ToString();
    auto plan = query->CreatePhysicalPlan().ValueOrDie();
    SCOPED_TRACE(ExplainPhysical(*plan));
    auto stages = CutIntoStages(plan).ValueOrDie();
    StagePlan shipped;
    for (const auto& stage : stages.stages) {
      auto bytes = sender->EncodeExecutionPlan(*stage.fragment);
      ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
      auto decoded = receiver->DecodeExecutionPlan(*bytes);
      ASSERT_TRUE(decoded.ok()) << decoded.status().ToString() << "\n" << ExplainPhysical(*stage.fragment);
      EXPECT_EQ(ExplainPhysical(**decoded), ExplainPhysical(*stage.fragment));
      Stage copy = stage;
      copy.fragment = *decoded;
      shipped.stages.push_back(std::move(copy));
    }
    auto staged = testing::RunStaged(shipped);
    ASSERT_TRUE(staged.ok()) << staged.status().ToString();
    EXPECT_EQ(testing::SortedRows(*staged), testing::PlanRows(*plan));
    EXPECT_GT(stages.stages.size(), 1u);
  }
}

}  // namespace
}  // namespace ferry

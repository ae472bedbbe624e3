// Jobs through bytes: a decoded job runs to the rows of the plan it came
// from, and a job whose stages contradict each other is refused.

#include "ferry/dist/job.h"

#include <gtest/gtest.h>

#include "ferry/dist/task_runner.h"
#include "ferry/serde/envelope.h"
#include "ferry/session/dataframe.h"
#include "ferry/session/session_context.h"
#include "ferry/testing/staged_run.h"
#include "ferry/testing/test_util.h"
#include "ferry/v1/job.pb.h"

namespace ferry {
namespace {

using testing::BatchFromJson;

Expr Agg(const std::string& name, std::vector<Expr> args) {
  return AggregateCall(BuiltinFunctions().GetAggregate(name).ValueOrDie(), name, std::move(args),
                       false);
}

class JobTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ctx_ = SessionContext::Make(SessionConfig{2});
    auto schema = arrow::schema({arrow::field("k", arrow::utf8()), arrow::field("v", arrow::int64())});
    table_ = MakeMemoryTable(schema, {{BatchFromJson(schema, R"([{"k": "a", "v": 1}, {"k": "b", "v": 2}])")},
                                          {BatchFromJson(schema, R"([{"k": "a", "v": 5}, {"k": null, "v": 7}])")}})
                     .ValueOrDie();
    df_ = std::make_unique<DataFrame>(
        ctx_->Scan(table_, "t")->Aggregate({Col("k")}, {Agg("sum", {Col("v")})})
            ->Sort({Sort(Col("k"), true, true)}).ValueOrDie());
  }

  std::shared_ptr<SessionContext> ctx_;
  std::shared_ptr<const TableProvider> table_;
  std::unique_ptr<DataFrame> df_;
};

TEST_F(JobTest, DecodedJobRunsToTheSameRows) {
  auto job = PlanJob(*df_, 3).ValueOrDie();
  auto bytes = EncodeJob(job, *ctx_, true).ValueOrDie();
  auto header = ReadJobHeader(bytes).ValueOrDie();
  EXPECT_EQ(header.job_id, job.job_id);
  EXPECT_TRUE(header.python_udf_inlining);
  auto decoded = DecodeJob(bytes, *SessionContext::Make()).ValueOrDie();
  ASSERT_EQ(decoded.stages.size(), job.plan.stages.size());
  auto rows = testing::RunStaged(decoded).ValueOrDie();
  auto table = testing::ToTable(job.schema, rows);
  testing::ExpectArrayEquals(arrow::utf8(), R"([null, "a", "b"])", table->column(0));
  testing::ExpectArrayEquals(arrow::int64(), "[7, 6, 2]", table->column(1));
}

TEST_F(JobTest, AFunctionSeveralStagesCallIsInTheJobsTableOnce) {
  auto abs = [](Expr e) {
    return ScalarCall(BuiltinFunctions().GetScalar("abs").ValueOrDie(), "abs", {std::move(e)});
  };
  auto one = Lit(std::make_shared<arrow::Int64Scalar>(1));
  auto df = ctx_->Scan(table_, "t")->Filter(Binary(abs(Col("v")), Operator::kGt, one))
                ->Aggregate({Col("k")}, {Alias(Agg("sum", {Col("v")}), "s")})
                ->Select({Col("k"), Alias(abs(Col("s")), "a")});
  ASSERT_TRUE(df.ok()) << df.status().ToString();
  auto job = PlanJob(*df, 3).ValueOrDie();
  int calling = 0;
  for (const auto& stage : job.plan.stages) {
    calling += ExplainPhysical(*stage.fragment).find("abs") != std::string::npos;
  }
  ASSERT_EQ(calling, 2);
  auto bytes = EncodeJob(job, *ctx_, true).ValueOrDie();
  v1::JobMessage message;
  ASSERT_TRUE(message.ParseFromString(UnwrapEnvelope(bytes, "job").ValueOrDie().payload));
  int abs_entries = 0;
  for (const auto& function : message.functions()) abs_entries += function.name() == "abs";
  EXPECT_EQ(abs_entries, 1);
  auto decoded = DecodeJob(bytes, *SessionContext::Make()).ValueOrDie();
  auto table = testing::ToTable(job.schema, testing::RunStaged(decoded).ValueOrDie());
  table = testing::SortedTable(table);
  // Rows with |v| > 1, nulls last: ("a", 5), ("b", 2), (null, 7).
  testing::ExpectArrayEquals(arrow::utf8(), R"(["a", "b", null])", table->column(0));
  testing::ExpectArrayEquals(arrow::int64(), "[5, 2, 7]", table->column(1));
}

TEST_F(JobTest, ContradictoryStagesAreRefused) {
  auto job = PlanJob(*df_, 3).ValueOrDie();
  auto bytes = EncodeJob(job, *ctx_, false).ValueOrDie();
  EXPECT_FALSE(ReadJobHeader(bytes)->python_udf_inlining);
  auto tamper = [&](auto&& change) {
    auto envelope = UnwrapEnvelope(bytes, "job").ValueOrDie();
    v1::JobMessage message;
    EXPECT_TRUE(message.ParseFromString(envelope.payload));
    change(message);
    return WrapEnvelope("job", message.SerializeAsString()).ValueOrDie();
  };
  auto expect_refused = [&](const std::string& tampered, const std::string& what) {
    auto result = DecodeJob(tampered, *ctx_);
    ASSERT_FALSE(result.ok()) << what;
    EXPECT_TRUE(result.status().IsInvalid()) << result.status().ToString();
  };
  expect_refused(tamper([](auto& m) { m.mutable_stages(0)->set_num_tasks(99); }), "task count");
  expect_refused(tamper([](auto& m) { m.mutable_stages(0)->set_output_slices(1); }), "slices");
  expect_refused(tamper([](auto& m) { m.mutable_stages(0)->set_id(5); }), "numbering");
  expect_refused(tamper([](auto& m) { m.mutable_stages()->SwapElements(0, m.stages_size() - 1); }),
                 "order");
  expect_refused(tamper([](auto& m) { m.clear_stages(); }), "no stages");
  expect_refused(tamper([](auto& m) { m.mutable_stages(0)->clear_fragment(); }), "no fragment");
  expect_refused(tamper([](auto& m) { m.clear_functions(); }), "function table");
  expect_refused(tamper([](auto& m) { m.mutable_stages(m.stages_size() - 1)->clear_inputs(); }),
                 "undeclared input");
  EXPECT_TRUE(DecodeJob("not a job", *ctx_).status().IsInvalid());
  EXPECT_TRUE(PlanJob(*df_, 0).status().IsInvalid());
}

}  // namespace
}  // namespace ferry

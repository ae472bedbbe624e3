// Jobs through bytes: a decoded job runs to the rows of the plan it came
// from, and a job whose stages contradict each other is refused.

#include "ferry/dist/job.h"

#include <gtest/gtest.h>

#include "ferry/dist/task_runner.h"
#include "ferry/serde/envelope.h"
#include "ferry/session/dataframe.h"
#include "ferry/session/session_context.h"
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
    auto table = MakeMemoryTable(schema, {{BatchFromJson(schema, R"([{"k": "a", "v": 1}, {"k": "b", "v": 2}])")},
                                          {BatchFromJson(schema, R"([{"k": "a", "v": 5}, {"k": null, "v": 7}])")}})
                     .ValueOrDie();
    df_ = std::make_unique<DataFrame>(
        ctx_->Scan(table, "t")->Aggregate({Col("k")}, {Agg("sum", {Col("v")})})
            ->Sort({Sort(Col("k"), true, true)}).ValueOrDie());
  }

  std::shared_ptr<SessionContext> ctx_;
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
  std::map<int, std::vector<std::shared_ptr<arrow::Buffer>>> outputs;
  for (const auto& stage : decoded.stages) {
    StageOutputs inputs;
    for (int input : stage.inputs) inputs[input] = outputs.at(input);
    auto bound = BindStageInputs(stage.fragment, inputs).ValueOrDie();
    for (int task = 0; task < stage.num_tasks; ++task) {
      outputs[stage.id].push_back(RunTask(bound, task).ValueOrDie().output);
    }
  }
  BatchVector rows;
  for (const auto& buffer : outputs.at(decoded.root().id)) {
    auto stream = TaskOutputReader::Open(buffer).ValueOrDie()->OpenAll().ValueOrDie();
    while (auto batch = stream->Next().ValueOrDie()) rows.push_back(batch);
  }
  auto table = testing::ToTable(job.schema, rows);
  testing::ExpectArrayEquals(arrow::utf8(), R"([null, "a", "b"])", table->column(0));
  testing::ExpectArrayEquals(arrow::int64(), "[7, 6, 2]", table->column(1));
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
  expect_refused(tamper([](auto& m) { m.mutable_stages(m.stages_size() - 1)->clear_inputs(); }),
                 "undeclared input");
  EXPECT_TRUE(DecodeJob("not a job", *ctx_).status().IsInvalid());
  EXPECT_TRUE(PlanJob(*df_, 0).status().IsInvalid());
}

}  // namespace
}  // namespace ferry

// Physical plans through the wire: every operator round-trips (same tree,
// same bytes again, same rows in every partition), stage inputs bind, and
// any corruption of the bytes gives a plan or an error.

#include <random>

#include "ferry/exec/operator_binders.h"
#include "ferry/serde/physical_serde_test_fixture.h"

namespace ferry {
namespace {

namespace pb = ferry::v1;
using namespace ferry::testing;  // NOLINT: the fixture and its helpers

// The operators of `plan`'s tree, by Describe() prefix up to the colon.
std::string Operators(const ExecutionPlan& plan) {
  std::string out = plan.Describe().substr(0, plan.Describe().find(':'));
  for (const auto& child : plan.children()) out += " " + Operators(*child);
  return out;
}

TEST_F(PhysicalSerdeTest, ScansAndRowwiseOperators) {
  ExpectRoundTrip(*small_);
  ExpectRoundTrip(Parquet());
  ExpectRoundTrip(Csv());
  // The optimizer hands v > 150 to the Parquet scan (pruned row groups) and
  // narrows the filter's output to what the projection reads.
  auto pushed = Parquet().Filter(Gt(Col("v"), I(150)))->Select({Alias(Fn("abs", {Col("v")}), "a")});
  auto decoded = ExpectRoundTrip(pushed);
  ASSERT_NE(decoded, nullptr);
  EXPECT_NE(Operators(*decoded).find("ParquetScanExec"), std::string::npos);
  ExpectRoundTrip(small_->Filter(Gt(Col("v"), I(1)))->Select({Col("k"), Alias(Binary(Col("v"), Operator::kMultiply, I(2)), "w")}));
  ExpectRoundTrip(small_->Sort({Sort(Col("v"), false, true)}), /*ordered=*/true);
  ExpectRoundTrip(small_->Sort({Col("k"), Col("v")})->Limit(3, 1), /*ordered=*/true);
  ExpectRoundTrip(small_->Limit(2, 1), /*ordered=*/true);
  ExpectRoundTrip(big_->Sort({Sort(Col("v"), false, true)})->Limit(5), /*ordered=*/true);
}

TEST_F(PhysicalSerdeTest, ScanSplitsReadWhatTheSendersRead) {
  auto plan = Parquet().CreatePhysicalPlan().ValueOrDie();
  ASSERT_EQ(plan->num_partitions(), 3);
  auto info = plan->operator_info();
  ASSERT_NE(info, nullptr);
  const auto& scan = std::get<FileScanInfo>(info->value);
  EXPECT_EQ(scan.splits, (std::vector<std::vector<int>>{{0, 3}, {1}, {2}}));
  // The receiver plans 2 partitions of its own, but the decoded scan keeps 3.
  auto decoded = ExpectRoundTrip(plan);
  ASSERT_NE(decoded, nullptr);
  EXPECT_EQ(decoded->num_partitions(), 3);
}

TEST_F(PhysicalSerdeTest, AggregatesInEveryShape) {
  // Hash-partitioned final phase.
  auto grouped = small_->Aggregate({Col("k")}, {Agg("sum", {Col("v")}), Agg("count", {Col("v")})});
  auto decoded = ExpectRoundTrip(grouped);
  ASSERT_NE(decoded, nullptr);
  EXPECT_NE(Operators(*decoded).find("RepartitionExec"), std::string::npos);
  ExpectRoundTrip(small_->Aggregate({}, {Agg("min", {Col("v")}), Agg("avg", {Col("v")})}));
  ExpectRoundTrip(small_->Select({Col("k")})->Distinct());
  // count(DISTINCT): two levels of aggregation.
  ExpectRoundTrip(big_->Aggregate({Col("k")}, {Agg("count", {Col("v")}, true), Agg("max", {Col("v")})}));
  ExpectRoundTrip(small_->Aggregate({}, {Agg("count", {Col("v")}, true)}));
  // Order-sensitive: partial states merge in partition order.
  auto ordered = small_->Aggregate({Col("k")}, {Agg("first_value", {Col("v")}), Agg("array_agg", {Col("v")})});
  decoded = ExpectRoundTrip(ordered);
  ASSERT_NE(decoded, nullptr);
  EXPECT_NE(ExplainPhysical(*decoded).find("in partition order"), std::string::npos);
  // Expressions in keys and arguments.
  ExpectRoundTrip(big_->Aggregate({Alias(Fn("upper", {Col("k")}), "K")},
                                  {Alias(Agg("sum", {Binary(Col("v"), Operator::kAdd, I(1))}), "s")}));
}

TEST_F(PhysicalSerdeTest, JoinsInEveryMode) {
  for (auto type : {JoinType::kInner, JoinType::kLeft, JoinType::kRight, JoinType::kFull,
                    JoinType::kLeftSemi, JoinType::kLeftAnti}) {
    SCOPED_TRACE(JoinTypeName(type));
    // Small sides: broadcast where the type allows.
    ExpectRoundTrip(small_->Join(Parquet(), type, {"k"}, {"k"}));
    // With a filter beyond the keys.
    ExpectRoundTrip(small_->JoinOn(Csv(), type, {Eq(Col("k"), Col("f0")), Gt(Col("v"), I(1))}));
  }
  // Large sides: both exchanged on the keys; the smaller (left) one built.
  for (auto type : {JoinType::kInner, JoinType::kFull, JoinType::kLeftAnti}) {
    SCOPED_TRACE(JoinTypeName(type));
    auto decoded = ExpectRoundTrip(big_->Join(*bigger_, type, {"k"}, {"k"}));
    ASSERT_NE(decoded, nullptr);
    EXPECT_NE(ExplainPhysical(*decoded).find("mode=Partitioned"), std::string::npos);
    EXPECT_NE(ExplainPhysical(*decoded).find("build=left"), std::string::npos);
  }
  ExpectRoundTrip(small_->JoinOn(Csv(), JoinType::kInner, {}));  // cross join
  ExpectRoundTrip(small_->JoinOn(*big_, JoinType::kInner, {}));
}

TEST_F(PhysicalSerdeTest, WindowsAndUnions) {
  auto row_number = WindowCall(BuiltinFunctions().GetWindow("row_number").ValueOrDie(), "row_number", {});
  auto window = Window(row_number, {Col("k")}, {Sort(Col("v"), true, false)}, WindowFrame::Default(true));
  auto running = Window(Agg("sum", {Col("v")}), {}, {Sort(Col("v"), true, false)}, WindowFrame::Default(true));
  auto first = Window(Agg("first_value", {Col("v")}), {Col("k")}, {Sort(Col("v"), false, true)},
                      WindowFrame::Default(true));
  // A chain: the whole-input window over a gather, the others per partition
  // of a hash exchange; the mode travels with each operator.
  auto decoded = ExpectRoundTrip(small_->Select({Col("k"), Col("v"), Alias(window, "rn"),
                                                 Alias(running, "total"), Alias(first, "top")}));
  ASSERT_NE(decoded, nullptr);
  const auto explained = ExplainPhysical(*decoded);
  EXPECT_NE(explained.find("WindowAggExec(per partition)"), std::string::npos) << explained;
  // The gathering mode (one partition out of several in) travels too.
  auto scan = big_->CreatePhysicalPlan().ValueOrDie();
  ASSERT_GT(scan->num_partitions(), 1);
  auto spec = BindWindow(window, *scan->schema()).ValueOrDie();
  auto fields = scan->schema()->fields();
  fields.push_back(arrow::field("rn", spec.type));
  decoded = ExpectRoundTrip(MakeWindowExec(scan, {spec}, arrow::schema(fields)));
  ASSERT_NE(decoded, nullptr);
  EXPECT_EQ(decoded->num_partitions(), 1);
  EXPECT_EQ(decoded->Describe().rfind("WindowAggExec: ", 0), 0u) << decoded->Describe();
  ExpectRoundTrip(small_->Union(Parquet()));
  ExpectRoundTrip(small_->Union(*big_)->Aggregate({Col("k")}, {Agg("count", {})}));
}

TEST_F(PhysicalSerdeTest, ExchangesTravelAsTheyDescribeThemselves) {
  auto scan = small_->CreatePhysicalPlan().ValueOrDie();
  auto schema = scan->schema();
  auto v = BindScalar(Col("v"), *schema).ValueOrDie();
  std::vector<ExecPtr> plans = {
      MakeHashRepartitionExec(scan, {testing::KeyOf(schema, 0)}, 4),
      MakeHashRepartitionExec(scan, {v}, 2),
      MakeRoundRobinRepartitionExec(scan, 5),
      MakeCoalescePartitionsExec(scan),
      MakeOrderedCoalesceExec(scan),
      MakeBroadcastExec(scan, 3),
  };
  for (const auto& plan : plans) {
    SCOPED_TRACE(plan->Describe());
    auto decoded = ExpectRoundTrip(plan, /*ordered=*/AsExchange(*plan)->kind != ExchangeKind::kHash &&
                                             AsExchange(*plan)->kind != ExchangeKind::kRoundRobin &&
                                             AsExchange(*plan)->kind != ExchangeKind::kGather);
    ASSERT_NE(decoded, nullptr);
    ASSERT_NE(AsExchange(*decoded), nullptr);
    EXPECT_EQ(AsExchange(*decoded)->kind, AsExchange(*plan)->kind);
    EXPECT_EQ(decoded->output_partitioning().has_value(), plan->output_partitioning().has_value());
  }
}

// A task's stage input: partition i of every input is `partitions[i]`.
class RowsSource final : public StageInputSource {
 public:
  explicit RowsSource(std::vector<BatchVector> partitions) : partitions_(std::move(partitions)) {}
  Result<StreamPtr> Open(const StageInputSpec& spec, int partition) const override {
    return MakeVectorStream(partitions_.at(partition));
  }

 private:
  std::vector<BatchVector> partitions_;
};

TEST_F(PhysicalSerdeTest, StageInputsBindOnTheReceiver) {
  StageInputSpec spec{7, StageInputMode::kSlice, 3, Schema(), HashPartitioning{{0}, 3}};
  auto leaf = MakeStageInputExec(spec, nullptr);
  auto v = BindScalar(Gt(Col("v"), I(1)), *Schema()).ValueOrDie();
  auto partial = MakePartialAggregateExec(MakeFilterExec(leaf, v), {testing::KeyOf(Schema(), 0)}, {"k"},
                                          {}).ValueOrDie();
  auto plan = MakeFinalAggregateExec(partial, 1, {}, arrow::schema({arrow::field("k", arrow::utf8())}))
                  .ValueOrDie();
  auto bytes = sender_->EncodeExecutionPlan(*plan).ValueOrDie();

  // Unbound by default: the tree is there, running it is an error.
  auto unbound = Decode(bytes).ValueOrDie();
  EXPECT_EQ(ExplainPhysical(*unbound), ExplainPhysical(*plan));
  EXPECT_FALSE(CollectPartitions(*unbound).ok());

  // Bound: the binder sees the spec and supplies the rows.
  std::vector<StageInputSpec> seen;
  auto rows = testing::SplitRows(BatchFromJson(Schema(), R"([{"k": "a", "v": 2}, {"k": "a", "v": 0},
                                                          {"k": "b", "v": 3}])"), 3, 1);
  auto source = std::make_shared<RowsSource>(rows);
  auto bound = Decode(bytes, [&](const StageInputSpec& s) -> Result<ExecPtr> {
    seen.push_back(s);
    return MakeStageInputExec(s, source);
  });
  ASSERT_TRUE(bound.ok()) << bound.status().ToString();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].stage_id, 7);
  EXPECT_EQ(seen[0].mode, StageInputMode::kSlice);
  EXPECT_EQ(seen[0].num_partitions, 3);
  EXPECT_TRUE(seen[0].schema->Equals(*Schema()));
  ASSERT_TRUE(seen[0].partitioning.has_value());
  EXPECT_EQ(seen[0].partitioning->columns, std::vector<int>{0});
  EXPECT_EQ(testing::PlanRows(**bound), (std::vector<std::string>{"a", "b"}));

  // A binder must keep the spec's shape: partitions, schema, partitioning.
  for (auto make : std::vector<std::function<ExecPtr(const StageInputSpec&)>>{
           [&](const StageInputSpec& s) { return MakeMemoryScanExec(s.schema, {rows[0]}, std::nullopt).ValueOrDie(); },
           [&](const StageInputSpec& s) { return MakeMemoryScanExec(s.schema, rows, std::nullopt).ValueOrDie(); },
       }) {
    auto wrong = Decode(bytes, [&](const StageInputSpec& s) -> Result<ExecPtr> { return make(s); });
    EXPECT_TRUE(wrong.status().IsInvalid());
    EXPECT_NE(wrong.status().message().find("stage input of stage 7"), std::string::npos)
        << wrong.status().ToString();
  }
  auto failing = Decode(bytes, [](const StageInputSpec&) -> Result<ExecPtr> {
    return Status::IOError("no such task output");
  });
  EXPECT_EQ(failing.status().message(), "no such task output");
  for (auto mode : {StageInputMode::kWholeTask, StageInputMode::kAll}) {
    StageInputSpec other{2, mode, 1, Schema(), std::nullopt};
    auto decoded = Decode(sender_->EncodeExecutionPlan(*MakeStageInputExec(other, nullptr)).ValueOrDie());
    ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
    EXPECT_EQ(AsStageInput(**decoded)->mode, mode);
    EXPECT_FALSE(AsStageInput(**decoded)->partitioning.has_value());
  }
}

TEST_F(PhysicalSerdeTest, WhatCannotTravelIsRefusedWhenEncoding) {
  // A hash key computed by an expression built directly, with no source.
  auto scan = small_->CreatePhysicalPlan().ValueOrDie();
  auto length = MakeArrowCall("utf8_length", {testing::KeyOf(Schema(), 0)}, nullptr, "length(k)")
                    .ValueOrDie();
  auto refused = sender_->EncodeExecutionPlan(*MakeHashRepartitionExec(scan, {length}, 2));
  ASSERT_TRUE(refused.status().IsNotImplemented()) << refused.status().ToString();
  EXPECT_NE(refused.status().message().find("was not bound from a logical expression"), std::string::npos);
  // An operator that does not describe itself.
  auto scripted = std::make_shared<testing::ScriptedExec>(BatchFromJson(Schema(), "[]"), 1, 0, Status::OK());
  refused = sender_->EncodeExecutionPlan(*MakeCoalescePartitionsExec(scripted));
  ASSERT_TRUE(refused.status().IsNotImplemented());
  EXPECT_EQ(refused.status().message(),
            "operator 'ScriptedExec' cannot travel in a physical plan: it does not describe itself");
}

TEST_F(PhysicalSerdeTest, EnvelopeKindsAreKeptApart) {
  auto bytes = sender_->EncodeExecutionPlan(*small_->CreatePhysicalPlan().ValueOrDie()).ValueOrDie();
  EXPECT_EQ(receiver_->DecodePlan(bytes).status().message(),
            "these bytes hold a ferry physical plan, not a ferry plan");
  auto logical = sender_->EncodePlan(*small_->plan()).ValueOrDie();
  EXPECT_EQ(Decode(logical).status().message(), "these bytes hold a ferry plan, not a ferry physical plan");
  EXPECT_EQ(Decode("").status().message(), "not a ferry physical plan: empty bytes");
  EXPECT_EQ(Decode("hello, world").status().message(), "not a ferry physical plan");
  pb::PhysicalPlanMessage empty;
  EXPECT_EQ(Decode(Framed(empty)).status().message(), "not a ferry physical plan: no root operator");
  empty.mutable_root();
  EXPECT_EQ(Decode(Framed(empty)).status().message(), "physical plan operator of unknown or missing kind");
}

TEST_F(PhysicalSerdeTest, AnyCorruptionYieldsAPlanOrAnError) {
  auto df = small_->Filter(Gt(Col("v"), I(1)))
                ->JoinOn(Csv(), JoinType::kLeft, {Eq(Col("k"), Col("f0"))})
                ->Aggregate({Col("k")}, {Agg("sum", {Col("v")}), Agg("count", {Col("v")}, true)})
                ->Sort({Col("k")});
  auto bytes = sender_->EncodeExecutionPlan(*df->CreatePhysicalPlan().ValueOrDie()).ValueOrDie();
  for (size_t cut = 0; cut < bytes.size(); cut += 5) {
    EXPECT_FALSE(Decode(bytes.substr(0, cut)).ok()) << "prefix of " << cut << " bytes decoded";
  }
  std::mt19937 rng(11);
  int decoded = 0;
  for (int trial = 0; trial < 2000; ++trial) {
    std::string corrupt = bytes;
    for (int i = 0; i <= trial % 3; ++i) corrupt[rng() % corrupt.size()] ^= static_cast<char>(1 << (rng() % 8));
    auto result = Decode(corrupt);
    if (!result.ok()) continue;
    ++decoded;
    // A decoded plan must be usable: described, and run (to rows or an error).
    (void)ExplainPhysical(**result);
    (void)CollectPartitions(**result);
  }
  SUCCEED() << decoded << " corrupted plans still decoded";
  for (int trial = 0; trial < 300; ++trial) {
    std::string noise(rng() % 200, '\0');
    for (auto& c : noise) c = static_cast<char>(rng());
    EXPECT_FALSE(Decode(noise).ok());
  }
}

TEST_F(PhysicalSerdeTest, DepthIsBoundedAcrossOperatorsAndExpressions) {
  auto plan = small_->CreatePhysicalPlan().ValueOrDie();
  for (int i = 0; i < 120; ++i) plan = MakeLimitExec(plan, 0, std::nullopt);
  auto bytes = sender_->EncodeExecutionPlan(*plan).ValueOrDie();
  DecodeLimits tight;
  tight.max_depth = 100;
  auto result = DecodePhysicalPlan(bytes, *ByNameCodec(), BuiltinFunctions(),
                                   SessionContext::OpenTableSource, tight);
  EXPECT_EQ(result.status().message(), "plan nests deeper than the limit of 100 levels");
  for (int i = 0; i < 400; ++i) plan = MakeLimitExec(plan, 0, std::nullopt);
  EXPECT_EQ(sender_->EncodeExecutionPlan(*plan).status().message(),
            "plan nests deeper than the limit of 500 levels");
}


}  // namespace
}  // namespace ferry

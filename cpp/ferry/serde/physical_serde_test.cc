// Physical plans through the wire: every operator round-trips (same tree,
// same bytes again, same rows in every partition), stage inputs bind, and
// any corruption of the bytes gives a plan or an error.

#include "ferry/serde/physical_serde.h"

#include <filesystem>
#include <functional>
#include <fstream>
#include <random>

#include <unistd.h>

#include <arrow/io/file.h>
#include <gtest/gtest.h>
#include <parquet/arrow/writer.h>

#include "ferry/exec/exchange_info.h"
#include "ferry/exec/operator_info.h"
#include "ferry/exec/operators.h"
#include "ferry/exec/physical_planner.h"
#include "ferry/function/bind.h"
#include "ferry/plan/builder.h"
#include "ferry/session/dataframe.h"
#include "ferry/session/session_context.h"
#include "ferry/testing/exec_test_util.h"
#include "ferry/testing/test_util.h"
#include "ferry/v1/envelope.pb.h"
#include "ferry/v1/physical.pb.h"

namespace ferry {
namespace {

namespace pb = ferry::v1;
using testing::BatchFromJson;
using testing::SortedRows;

Expr I(int64_t v) { return Lit(std::make_shared<arrow::Int64Scalar>(v)); }
Expr Agg(const std::string& name, std::vector<Expr> args, bool distinct = false) {
  return AggregateCall(BuiltinFunctions().GetAggregate(name).ValueOrDie(), name, std::move(args),
                       distinct);
}
Expr Fn(const std::string& name, std::vector<Expr> args) {
  return ScalarCall(BuiltinFunctions().GetScalar(name).ValueOrDie(), name, std::move(args));
}
Expr Gt(Expr a, Expr b) { return Binary(std::move(a), Operator::kGt, std::move(b)); }
Expr Eq(Expr a, Expr b) { return Binary(std::move(a), Operator::kEq, std::move(b)); }

std::shared_ptr<arrow::Schema> Schema() {
  return arrow::schema({arrow::field("k", arrow::utf8()), arrow::field("v", arrow::int64())});
}

// `rows` rows (k = "k<i % keys>", v = i, every 7th v NULL) in `parts` partitions.
std::vector<BatchVector> Generated(int64_t rows, int64_t keys, int parts) {
  arrow::StringBuilder k;
  arrow::Int64Builder v;
  for (int64_t i = 0; i < rows; ++i) {
    EXPECT_TRUE(k.Append("k" + std::to_string(i % keys)).ok());
    EXPECT_TRUE((i % 7 == 3 ? v.AppendNull() : v.Append(i)).ok());
  }
  auto batch = arrow::RecordBatch::Make(Schema(), rows, {k.Finish().ValueOrDie(), v.Finish().ValueOrDie()});
  return testing::SplitRows(batch, parts, 4096);
}

class PhysicalSerdeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sender_ = SessionContext::Make(SessionConfig{3});
    receiver_ = SessionContext::Make(SessionConfig{2});
    std::vector<BatchVector> partitions = {
        {BatchFromJson(Schema(), R"([{"k": "a", "v": 1}, {"k": "b", "v": 2}])"),
         BatchFromJson(Schema(), R"([{"k": "a", "v": null}])")},
        {},
        {BatchFromJson(Schema(), R"([{"k": null, "v": 10}, {"k": "b", "v": 5}, {"k": "c", "v": 4}])")},
    };
    small_ = Table(partitions, "sales");
    // Over the broadcast threshold: joins of these two exchange both sides.
    big_ = Table(Generated(135'000, 90'000, 3), "big");
    bigger_ = Table(Generated(140'000, 100'000, 2), "bigger");
    dir_ = std::filesystem::temp_directory_path() / ("ferry_physical_serde_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    parquet_path_ = (dir_ / "other.parquet").string();
    auto other = arrow::Table::FromRecordBatches(
                     {BatchFromJson(Schema(), R"([{"k": "a", "v": 100}, {"k": "c", "v": 300},
                                                {"k": "d", "v": null}, {"k": "a", "v": 7},
                                                {"k": "e", "v": 250}, {"k": "b", "v": 90},
                                                {"k": "c", "v": 301}])")})
                     .ValueOrDie();
    auto sink = arrow::io::FileOutputStream::Open(parquet_path_).ValueOrDie();
    // Row groups of two rows: four of them, spread over three partitions.
    ASSERT_TRUE(parquet::arrow::WriteTable(*other, arrow::default_memory_pool(), sink, 2).ok());
    ASSERT_TRUE(sink->Close().ok());
    csv_path_ = (dir_ / "names.csv").string();
    std::ofstream(csv_path_) << "a;Alice\nb;Bob\nz;Zed\n";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  DataFrame Table(std::vector<BatchVector> partitions, const std::string& name) {
    return sender_->Scan(MakeMemoryTable(Schema(), std::move(partitions)).ValueOrDie(), name).ValueOrDie();
  }
  DataFrame Parquet() { return sender_->ReadParquet(parquet_path_).ValueOrDie(); }
  DataFrame Csv() { return sender_->ReadCsv(csv_path_, CsvOptions{false, ';'}).ValueOrDie(); }

  // Encodes `plan`, decodes it in another session, and checks the tree,
  // the bytes it encodes to again, and the rows of every partition.
  // Returns the decoded plan.
  ExecPtr ExpectRoundTrip(const ExecPtr& plan, bool ordered = false) {
    auto bytes = sender_->EncodeExecutionPlan(*plan);
    EXPECT_TRUE(bytes.ok()) << bytes.status().ToString() << "\n" << ExplainPhysical(*plan);
    if (!bytes.ok()) return nullptr;
    auto decoded = receiver_->DecodeExecutionPlan(*bytes);
    EXPECT_TRUE(decoded.ok()) << decoded.status().ToString() << "\n" << ExplainPhysical(*plan);
    if (!decoded.ok()) return nullptr;
    EXPECT_EQ(ExplainPhysical(**decoded), ExplainPhysical(*plan));
    EXPECT_TRUE((*decoded)->schema()->Equals(*plan->schema(), /*check_metadata=*/true));
    auto again = receiver_->EncodeExecutionPlan(**decoded);
    EXPECT_TRUE(again.ok() && *again == *bytes) << "re-encoding differs";
    const auto want = testing::DrainPartitions(*plan);
    const auto got = testing::DrainPartitions(**decoded);
    EXPECT_EQ(got.size(), want.size());
    for (size_t p = 0; p < want.size() && p < got.size(); ++p) {
      SCOPED_TRACE("partition " + std::to_string(p));
      if (ordered) {
        auto w = testing::ToTable(plan->schema(), want[p]);
        auto g = testing::ToTable(plan->schema(), got[p]);
        EXPECT_TRUE(g->Equals(*w)) << "expected\n" << w->ToString() << "got\n" << g->ToString();
      } else {
        EXPECT_EQ(SortedRows(got[p]), SortedRows(want[p]));
      }
    }
    return *decoded;
  }
  ExecPtr ExpectRoundTrip(const Result<DataFrame>& df, bool ordered = false) {
    EXPECT_TRUE(df.ok()) << df.status().ToString();
    if (!df.ok()) return nullptr;
    auto plan = df->CreatePhysicalPlan();
    EXPECT_TRUE(plan.ok()) << plan.status().ToString();
    return plan.ok() ? ExpectRoundTrip(*plan, ordered) : nullptr;
  }

  Result<ExecPtr> Decode(const std::string& bytes, const StageInputBinder& bind = nullptr) {
    return receiver_->DecodeExecutionPlan(bytes, bind);
  }

  std::shared_ptr<SessionContext> sender_, receiver_;
  std::optional<DataFrame> small_, big_, bigger_;
  std::filesystem::path dir_;
  std::string parquet_path_, csv_path_;
};

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
  ExpectRoundTrip(small_->Select({Col("k"), Col("v"), Alias(window, "rn"), Alias(running, "total"),
                                  Alias(first, "top")}));
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

// Bytes from elsewhere: a PhysicalPlanMessage as an Envelope.
std::string Framed(const pb::PhysicalPlanMessage& message) {
  pb::Envelope envelope;
  envelope.set_magic("ferry");
  envelope.set_wire_version(1);
  envelope.set_kind("physical_plan");
  envelope.set_payload(message.SerializeAsString());
  return envelope.SerializeAsString();
}

pb::PhysicalPlanMessage Parsed(const std::string& bytes) {
  pb::Envelope envelope;
  EXPECT_TRUE(envelope.ParseFromString(bytes));
  pb::PhysicalPlanMessage message;
  EXPECT_TRUE(message.ParseFromString(envelope.payload()));
  return message;
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

class PhysicalValidationTest : public PhysicalSerdeTest {
 protected:
  // Encodes `plan`, applies `edit` to the message, decodes the result.
  template <typename Edit>
  Status Edited(const ExecPtr& plan, Edit edit) {
    auto message = Parsed(sender_->EncodeExecutionPlan(*plan).ValueOrDie());
    edit(message.mutable_root());
    auto decoded = Decode(Framed(message));
    return decoded.status();
  }
  ExecPtr Plan(const Result<DataFrame>& df) { return df->CreatePhysicalPlan().ValueOrDie(); }
};

TEST_F(PhysicalValidationTest, ColumnIndicesAndSchemas) {
  auto filtered = Plan(small_->Filter(Gt(Col("v"), I(1)))->Select({Col("k")}));
  // The projection reads column 0 of the filter's narrowed output.
  auto st = Edited(filtered, [](pb::ExecNode* root) {
    root->mutable_projection()->mutable_exprs(0)->set_column(5);
  });
  EXPECT_TRUE(st.IsIndexError()) << st.ToString();
  EXPECT_EQ(st.message(), "column index 5 out of range for an input of 1 columns");
  st = Edited(filtered, [](pb::ExecNode* root) {
    root->mutable_projection()->mutable_input()->mutable_filter()->mutable_keep()->set_columns(0, 9);
  });
  EXPECT_EQ(st.message(), "filter column index 9 out of range");
  st = Edited(filtered, [](pb::ExecNode* root) { root->mutable_projection()->clear_schema(); });
  EXPECT_EQ(st.message(), "projection without a schema");
  st = Edited(filtered, [&](pb::ExecNode* root) {
    auto* node = root->mutable_projection();
    auto other = Parsed(sender_->EncodeExecutionPlan(*Plan(small_->Select({Col("v")}))).ValueOrDie());
    *node->mutable_schema() = other.root().projection().schema();
  });
  EXPECT_TRUE(st.IsTypeError()) << st.ToString();
  EXPECT_EQ(st.message(), "projection column 0 ('v') is declared Int64 but is Utf8");
  // A predicate must be boolean.
  st = Edited(filtered, [&](pb::ExecNode* root) {
    auto* predicate = root->mutable_projection()->mutable_input()->mutable_filter()->mutable_predicate();
    predicate->clear_bound();
    predicate->set_column(1);
  });
  EXPECT_TRUE(st.IsTypeError()) << st.ToString();
  EXPECT_EQ(st.message(), "filter predicate v@1 is Int64, not Boolean");
  st = Edited(filtered, [&](pb::ExecNode* root) {
    root->mutable_projection()->mutable_input()->mutable_filter()->mutable_predicate()->clear_bound();
  });
  EXPECT_EQ(st.message(), "physical expression of unknown or missing kind");
  st = Edited(filtered, [&](pb::ExecNode* root) {
    root->mutable_projection()->mutable_input()->mutable_filter()->clear_input();
  });
  EXPECT_EQ(st.message(), "filter is missing its input");
}

TEST_F(PhysicalValidationTest, PartitionCounts) {
  auto joined = Plan(big_->Join(*bigger_, JoinType::kInner, {"k"}, {"k"}));
  ASSERT_NE(ExplainPhysical(*joined).find("mode=Partitioned"), std::string::npos);
  // Join inputs of different partition counts.
  auto st = Edited(joined, [](pb::ExecNode* root) {
    root->mutable_hash_join()->mutable_right()->mutable_exchange()->set_num_outputs(2);
  });
  EXPECT_EQ(st.message(), "hash join inputs have 3 and 2 partitions");
  // A partitioned join whose inputs are not partitioned alike on the keys.
  st = Edited(joined, [](pb::ExecNode* root) {
    auto* exchange = root->mutable_hash_join()->mutable_right()->mutable_exchange();
    exchange->set_kind(pb::ExchangeExecNode::ROUND_ROBIN);
    exchange->clear_keys();
  });
  EXPECT_EQ(st.message(),
            "a partitioned hash join over 3 partitions needs both inputs hash-partitioned alike on its keys");
  // A collect-build join whose build side is not broadcast.
  st = Edited(joined, [](pb::ExecNode* root) {
    root->mutable_hash_join()->set_mode(pb::HashJoinExecNode::COLLECT_BUILD);
  });
  EXPECT_EQ(st.message(),
            "a collect-build hash join over 3 partitions needs its build side broadcast to every partition");
  st = Edited(joined, [](pb::ExecNode* root) {
    root->mutable_hash_join()->mutable_left()->mutable_exchange()->set_num_outputs(1'000'000);
  });
  EXPECT_EQ(st.message(), "exchange: 1000000 partitions, outside 1..100000");
  st = Edited(joined, [](pb::ExecNode* root) {
    root->mutable_hash_join()->mutable_left()->mutable_exchange()->set_num_outputs(0);
  });
  EXPECT_EQ(st.message(), "exchange: 0 partitions, outside 1..100000");
  st = Edited(joined, [](pb::ExecNode* root) { root->mutable_hash_join()->set_left_keys(0, 7); });
  EXPECT_EQ(st.message(), "join key 0 refers to a column the join's inputs lack");
  // A final aggregate without keys needs one partition; with keys, its
  // input partitioned on them.
  auto global = Plan(small_->Aggregate({}, {Agg("sum", {Col("v")})}));
  st = Edited(global, [](pb::ExecNode* root) {
    auto* input = root->mutable_final_aggregate()->mutable_input();
    pb::ExecNode partial = input->exchange().input();
    *input = partial;
  });
  EXPECT_EQ(st.message(), "a final aggregate without group keys needs its input in one partition");
  auto grouped = Plan(small_->Aggregate({Col("k")}, {Agg("sum", {Col("v")})}));
  st = Edited(grouped, [](pb::ExecNode* root) {
    auto* exchange = root->mutable_final_aggregate()->mutable_input()->mutable_exchange();
    exchange->set_kind(pb::ExchangeExecNode::ROUND_ROBIN);
    exchange->clear_keys();
  });
  EXPECT_EQ(st.message(),
            "a final aggregate over 3 partitions needs its input hash-partitioned on group keys");
  st = Edited(grouped, [](pb::ExecNode* root) {
    auto* final = root->mutable_final_aggregate();
    final->mutable_aggregates(0)->clear_arg_types();
  });
  EXPECT_EQ(st.message(), "final aggregate argument without a schema");
  st = Edited(grouped, [](pb::ExecNode* root) { root->mutable_final_aggregate()->set_num_group_keys(0); });
  EXPECT_EQ(st.message(), "final aggregate input schema has 2 fields for 1 columns");
  st = Edited(Plan(small_->Sort({Col("v")})->Limit(2)), [](pb::ExecNode* root) {
    root->mutable_limit()->set_fetch(-1);
  });
  EXPECT_EQ(st.message(), "limit fetch -1 is negative");
}

TEST_F(PhysicalValidationTest, ScansAndStageInputs) {
  auto parquet = Plan(Parquet());
  auto st = Edited(parquet, [](pb::ExecNode* root) {
    root->mutable_file_scan()->mutable_splits(0)->set_row_groups(0, 40);
  });
  EXPECT_TRUE(st.IsIndexError()) << st.ToString();
  EXPECT_NE(st.message().find("row group 40 out of range"), std::string::npos);
  st = Edited(parquet, [](pb::ExecNode* root) { root->mutable_file_scan()->mutable_projection()->add_columns(2); });
  EXPECT_TRUE(st.IsIndexError()) << st.ToString();
  st = Edited(parquet, [](pb::ExecNode* root) { root->mutable_file_scan()->clear_splits(); });
  EXPECT_EQ(st.message(), "file scan: 0 partitions, outside 1..100000");
  // The file changed between sender and receiver.
  st = Edited(parquet, [&](pb::ExecNode* root) {
    auto csv = Parsed(sender_->EncodeExecutionPlan(*Plan(Csv())).ValueOrDie());
    *root->mutable_file_scan()->mutable_schema() = csv.root().file_scan().schema();
  });
  EXPECT_NE(st.message().find("where the plan was made; the file differs"), std::string::npos);
  auto bytes = sender_->EncodeExecutionPlan(*parquet).ValueOrDie();
  std::filesystem::remove(parquet_path_);
  auto missing = Decode(bytes);
  ASSERT_TRUE(missing.status().IsIOError()) << missing.status().ToString();
  EXPECT_NE(missing.status().message().find(parquet_path_), std::string::npos);

  auto memory = Plan(*small_);
  st = Edited(memory, [](pb::ExecNode* root) { root->mutable_memory_scan()->mutable_projection()->add_columns(3); });
  EXPECT_TRUE(st.IsIndexError()) << st.ToString();

  auto leaf = MakeStageInputExec(StageInputSpec{1, StageInputMode::kSlice, 4, Schema(), HashPartitioning{{1}, 4}},
                                 nullptr);
  st = Edited(leaf, [](pb::ExecNode* root) { root->mutable_stage_input()->mutable_partitioning()->set_columns(0, 2); });
  EXPECT_EQ(st.message(), "stage input partitioning column index 2 out of range");
  st = Edited(leaf, [](pb::ExecNode* root) { root->mutable_stage_input()->set_mode(pb::StageInputExecNode::MODE_UNSPECIFIED); });
  EXPECT_EQ(st.message(), "unknown stage input mode 0");
  auto incoherent = sender_->EncodeExecutionPlan(*MakeStageInputExec(
      StageInputSpec{1, StageInputMode::kSlice, 4, Schema(), HashPartitioning{{1}, 3}}, nullptr));
  EXPECT_EQ(incoherent.status().message(),
            "stage input of stage 1 is hash-partitioned over 3 partitions but has 4");
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

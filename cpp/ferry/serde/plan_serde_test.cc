// Plans through the wire: every node kind round-trips (same plan text, same
// results), tables reopen or rebuild, and any corruption of the bytes gives
// a plan or an error.

#include "ferry/serde/plan_serde.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>

#include <unistd.h>

#include <arrow/compute/api.h>
#include <arrow/io/file.h>
#include <gtest/gtest.h>
#include <parquet/arrow/writer.h>

#include "ferry/plan/builder.h"
#include "ferry/session/dataframe.h"
#include "ferry/session/session_context.h"
#include "ferry/testing/test_util.h"
#include "ferry/v1/envelope.pb.h"
#include "ferry/v1/plan.pb.h"

namespace ferry {
namespace {

using testing::BatchFromJson;

Expr I(int64_t v) { return Lit(std::make_shared<arrow::Int64Scalar>(v)); }
Expr Agg(const std::string& name, std::vector<Expr> args) {
  return AggregateCall(BuiltinFunctions().GetAggregate(name).ValueOrDie(), name, std::move(args));
}
Expr Fn(const std::string& name, std::vector<Expr> args) {
  return ScalarCall(BuiltinFunctions().GetScalar(name).ValueOrDie(), name, std::move(args));
}

std::shared_ptr<arrow::Schema> Schema() {
  return arrow::schema({arrow::field("k", arrow::utf8()), arrow::field("v", arrow::int64())});
}

// All rows in a canonical order, so results compare whatever the partitioning.
std::shared_ptr<arrow::Table> Sorted(const std::shared_ptr<arrow::Schema>& schema, const BatchVector& batches) {
  auto table = testing::ToTable(schema, batches);
  std::vector<arrow::compute::SortKey> keys;
  for (const auto& field : schema->fields()) keys.emplace_back(field->name());
  auto indices = arrow::compute::SortIndices(arrow::Datum(table), arrow::compute::SortOptions(keys)).ValueOrDie();
  return arrow::compute::Take(table, indices).ValueOrDie().table()->CombineChunks().ValueOrDie();
}

class PlanSerdeTest : public ::testing::Test {
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
    memory_ = std::make_unique<DataFrame>(
        sender_->Scan(MakeMemoryTable(Schema(), partitions).ValueOrDie(), "sales").ValueOrDie());
    dir_ = std::filesystem::temp_directory_path() / ("ferry_plan_serde_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    parquet_path_ = (dir_ / "other.parquet").string();
    auto other = arrow::Table::FromRecordBatches(
                     {BatchFromJson(Schema(), R"([{"k": "a", "v": 100}, {"k": "c", "v": 300}, {"k": "d", "v": null}])")})
                     .ValueOrDie();
    auto sink = arrow::io::FileOutputStream::Open(parquet_path_).ValueOrDie();
    ASSERT_TRUE(parquet::arrow::WriteTable(*other, arrow::default_memory_pool(), sink, 2).ok());
    ASSERT_TRUE(sink->Close().ok());
    csv_path_ = (dir_ / "names.csv").string();
    std::ofstream(csv_path_) << "a;Alice\nb;Bob\nz;Zed\n";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Encodes, decodes into another session, and checks plan text, schema and results.
  void ExpectRoundTrip(const Result<DataFrame>& built) {
    ASSERT_TRUE(built.ok()) << built.status().ToString();
    const auto& plan = *built->plan();
    auto bytes = sender_->EncodePlan(plan);
    ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
    auto decoded = receiver_->DecodePlan(*bytes);
    ASSERT_TRUE(decoded.ok()) << decoded.status().ToString() << "\n" << plan.ToString();
    EXPECT_EQ((*decoded)->ToString(), plan.ToString());
    EXPECT_TRUE((*decoded)->schema->Equals(*plan.schema, /*check_metadata=*/true))
        << (*decoded)->schema->ToString() << "\nvs\n" << plan.schema->ToString();
    auto expected = built->Collect();
    auto actual = DataFrame(receiver_, *decoded).Collect();
    ASSERT_TRUE(expected.ok()) << expected.status().ToString();
    ASSERT_TRUE(actual.ok()) << actual.status().ToString();
    auto want = Sorted(plan.schema, *expected);
    auto got = Sorted(plan.schema, *actual);
    EXPECT_TRUE(got->Equals(*want)) << "expected\n" << want->ToString() << "got\n" << got->ToString();
  }

  DataFrame Parquet() { return sender_->ReadParquet(parquet_path_).ValueOrDie(); }
  DataFrame Csv() { return sender_->ReadCsv(csv_path_, CsvOptions{false, ';'}).ValueOrDie(); }

  std::shared_ptr<SessionContext> sender_, receiver_;
  std::unique_ptr<DataFrame> memory_;
  std::filesystem::path dir_;
  std::string parquet_path_, csv_path_;
};

TEST_F(PlanSerdeTest, ScansOfEveryTableKind) {
  ExpectRoundTrip(*memory_);
  ExpectRoundTrip(Parquet());
  ExpectRoundTrip(Csv());
  // A projected scan with a pushed filter, reopened and pruned again.
  auto table = MakeParquetTable(parquet_path_).ValueOrDie();
  std::vector<Expr> filters = {Binary(Col("v"), Operator::kGt, I(150))};
  auto pruned = table->WithFilters(filters).ValueOrDie();
  auto scan = plan::Scan("pruned", pruned, std::vector<int>{1}, filters).ValueOrDie();
  ExpectRoundTrip(DataFrame(sender_, scan));
}

TEST_F(PlanSerdeTest, EverySingleInputNode) {
  auto df = memory_->Filter(Binary(Col("v"), Operator::kGt, I(1)));
  ExpectRoundTrip(df);
  ExpectRoundTrip(df->Select({Col("k"), Alias(Binary(Col("v"), Operator::kMultiply, I(2)), "w")}));
  ExpectRoundTrip(memory_->Aggregate({Col("k")}, {Agg("sum", {Col("v")}), Agg("count", {Col("v")})}));
  ExpectRoundTrip(memory_->Sort({Sort(Col("v"), false, true)}));
  ExpectRoundTrip(memory_->Sort({Col("k"), Col("v")})->Limit(3, 1));
  auto sorted = memory_->Sort({Col("v")})->plan();
  ExpectRoundTrip(DataFrame(sender_, plan::Limit(sorted, 2, std::nullopt).ValueOrDie()));
  ExpectRoundTrip(memory_->Select({Col("k")})->Distinct());
  auto row_number = WindowCall(BuiltinFunctions().GetWindow("row_number").ValueOrDie(), "row_number", {});
  auto window = Window(row_number, {Col("k")}, {Sort(Col("v"), true, false)}, WindowFrame::Default(true));
  auto running = Window(Agg("sum", {Col("v")}), {}, {Sort(Col("v"), true, false)}, WindowFrame::Default(true));
  ExpectRoundTrip(memory_->Select({Col("k"), Col("v"), Alias(window, "rn"), Alias(running, "total")}));
}

TEST_F(PlanSerdeTest, EveryJoinTypeAndUnion) {
  for (auto type : {JoinType::kInner, JoinType::kLeft, JoinType::kRight, JoinType::kFull,
                    JoinType::kLeftSemi, JoinType::kLeftAnti}) {
    SCOPED_TRACE(JoinTypeName(type));
    ExpectRoundTrip(memory_->Join(Parquet(), type, {"k"}, {"k"}));
    // join_on with a filter beyond the keys, over CSV.
    ExpectRoundTrip(memory_->JoinOn(Csv(), type,
                                    {Binary(Binary(Col("k"), Operator::kEq, Col("f0")), Operator::kAnd,
                                            Binary(Col("v"), Operator::kGt, I(1)))}));
  }
  ExpectRoundTrip(memory_->JoinOn(Csv(), JoinType::kInner, {}));  // cross join
  ExpectRoundTrip(memory_->Union(Parquet()));
}

TEST_F(PlanSerdeTest, OneFunctionTableForThePlan) {
  auto df = memory_->Filter(Binary(Fn("abs", {Col("v")}), Operator::kGt, I(1)))
                ->Select({Alias(Fn("abs", {Col("v")}), "a")});
  auto bytes = sender_->EncodePlan(*df->plan()).ValueOrDie();
  ferry::v1::Envelope envelope;
  ASSERT_TRUE(envelope.ParseFromString(bytes));
  EXPECT_EQ(envelope.kind(), "plan");
  ferry::v1::PlanMessage message;
  ASSERT_TRUE(message.ParseFromString(envelope.payload()));
  ASSERT_EQ(message.functions_size(), 1);
  EXPECT_EQ(message.functions(0).name(), "abs");
  ExpectRoundTrip(*df);
  // A plan is not an expression, nor the other way round.
  auto as_expr = sender_->DecodeExpr(bytes);
  EXPECT_EQ(as_expr.status().message(), "these bytes hold a ferry plan, not a ferry expression");
  auto expr_bytes = sender_->EncodeExpr(Col("k")).ValueOrDie();
  EXPECT_EQ(receiver_->DecodePlan(expr_bytes).status().message(),
            "these bytes hold a ferry expression, not a ferry plan");
}

TEST_F(PlanSerdeTest, MissingFileIsNamed) {
  auto bytes = sender_->EncodePlan(*Parquet().plan()).ValueOrDie();
  std::filesystem::remove(parquet_path_);
  auto decoded = receiver_->DecodePlan(bytes);
  ASSERT_TRUE(decoded.status().IsIOError()) << decoded.status().ToString();
  EXPECT_NE(decoded.status().message().find(parquet_path_), std::string::npos);
}

TEST_F(PlanSerdeTest, AnyCorruptionYieldsAPlanOrAnError) {
  auto df = memory_->Filter(Binary(Col("v"), Operator::kGt, I(1)))
                ->JoinOn(Csv(), JoinType::kLeft, {Binary(Col("k"), Operator::kEq, Col("f0"))})
                ->Aggregate({Col("k")}, {Agg("sum", {Col("v")})});
  auto bytes = sender_->EncodePlan(*df->plan()).ValueOrDie();
  EXPECT_EQ(receiver_->DecodePlan("").status().message(), "not a ferry plan: empty bytes");
  EXPECT_EQ(receiver_->DecodePlan("hello, world").status().message(), "not a ferry plan");
  for (size_t cut = 0; cut < bytes.size(); cut += 7) {
    EXPECT_FALSE(receiver_->DecodePlan(bytes.substr(0, cut)).ok()) << "prefix of " << cut << " bytes decoded";
  }
  std::mt19937 rng(7);
  for (int trial = 0; trial < 1500; ++trial) {
    std::string corrupt = bytes;
    for (int i = 0; i <= trial % 3; ++i) corrupt[rng() % corrupt.size()] ^= static_cast<char>(1 << (rng() % 8));
    auto result = receiver_->DecodePlan(corrupt);
    if (result.ok()) (void)(*result)->ToString();  // a decoded plan must be usable
  }
}

// Bytes from elsewhere: a PlanMessage as an Envelope of kind "plan".
std::string Framed(const ferry::v1::PlanMessage& message) {
  ferry::v1::Envelope envelope;
  envelope.set_magic("ferry");
  envelope.set_wire_version(1);
  envelope.set_kind("plan");
  envelope.set_payload(message.SerializeAsString());
  return envelope.SerializeAsString();
}

TEST_F(PlanSerdeTest, ListsOfNumbersAndBytesAreCounted) {
  ferry::v1::PlanMessage partitions;
  auto* memory = partitions.mutable_root()->mutable_scan()->mutable_source()->mutable_memory();
  for (int i = 0; i < 100'001; ++i) memory->add_partitions("");
  EXPECT_EQ(receiver_->DecodePlan(Framed(partitions)).status().message(),
            "a list (ferry.v1.MemorySource.partitions) has more than 100000 items; the decoder's "
            "limit is 100000");
  ferry::v1::PlanMessage columns;
  auto* projection = columns.mutable_root()->mutable_scan()->mutable_projection();
  for (int i = 0; i < 100'001; ++i) projection->add_columns(static_cast<uint32_t>(i % 3));
  EXPECT_EQ(receiver_->DecodePlan(Framed(columns)).status().message(),
            "a list (ferry.v1.Projection.columns) has more than 100000 items; the decoder's "
            "limit is 100000");
  // Under the limit, the defects themselves are reported.
  ferry::v1::PlanMessage few;
  few.mutable_root()->mutable_scan()->mutable_source()->mutable_memory()->add_partitions("junk");
  EXPECT_NE(receiver_->DecodePlan(Framed(few)).status().message().find("malformed in-memory table"),
            std::string::npos);
  ferry::v1::PlanMessage empty_node;
  empty_node.mutable_root();
  EXPECT_EQ(receiver_->DecodePlan(Framed(empty_node)).status().message(),
            "plan node of unknown or missing kind");
}

TEST_F(PlanSerdeTest, DepthIsBoundedAcrossPlanAndExpressions) {
  // A filter whose predicate (v > 1) takes two levels below it, under n limits.
  auto build = [&](int limits) {
    PlanPtr plan = plan::Filter(memory_->plan(), Binary(Col("v"), Operator::kGt, I(1))).ValueOrDie();
    for (int i = 0; i < limits; ++i) plan = plan::Limit(plan, 0, std::nullopt).ValueOrDie();
    return plan;
  };
  EXPECT_TRUE(sender_->EncodePlan(*build(497)).ok());  // the predicate's column at level 500
  auto refused = sender_->EncodePlan(*build(498));
  ASSERT_TRUE(refused.status().IsInvalid());
  EXPECT_EQ(refused.status().message(), "expression nests deeper than the limit of 500 levels");
  // Deeper plans than the decoder's limit are refused, by the same words.
  auto bytes = sender_->EncodePlan(*build(120)).ValueOrDie();
  DecodeLimits tight;
  tight.max_depth = 100;
  auto result = DecodePlan(bytes, *ByNameCodec(), BuiltinFunctions(), SessionContext::OpenTableSource, tight);
  EXPECT_EQ(result.status().message(), "plan nests deeper than the limit of 100 levels");
}

}  // namespace
}  // namespace ferry

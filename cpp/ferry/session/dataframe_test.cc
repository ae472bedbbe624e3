// End-to-end tests of the core through DataFrame: planning, pushdown and
// every operator, over several partitions.

#include "ferry/session/dataframe.h"

#include <cstdio>
#include <fstream>

#include <arrow/io/file.h>
#include <gtest/gtest.h>
#include <parquet/arrow/writer.h>

#include "ferry/session/session_context.h"
#include "ferry/testing/test_util.h"

namespace ferry {
namespace {

using testing::BatchFromJson;
using testing::ExpectArrayEquals;
using testing::ToTable;

Expr I(int64_t v) { return Lit(std::make_shared<arrow::Int64Scalar>(v)); }
Expr Agg(const std::string& name, std::vector<Expr> args, bool distinct = false) {
  auto func = BuiltinFunctions().GetAggregate(name).ValueOrDie();
  return AggregateCall(func, name, std::move(args), distinct);
}

std::shared_ptr<arrow::Schema> SalesSchema() {
  return arrow::schema({arrow::field("k", arrow::utf8()), arrow::field("v", arrow::int64())});
}

class DataFrameTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ctx_ = SessionContext::Make(SessionConfig{3});
    // Three partitions, one of them empty, with nulls in keys and values.
    std::vector<BatchVector> partitions = {
        {BatchFromJson(SalesSchema(), R"([{"k": "a", "v": 1}, {"k": "b", "v": 2}])"),
         BatchFromJson(SalesSchema(), R"([{"k": "a", "v": null}])")},
        {},
        {BatchFromJson(SalesSchema(), R"([{"k": null, "v": 10}, {"k": "b", "v": 5}, {"k": "a", "v": 4}])")},
    };
    auto table = MakeMemoryTable(SalesSchema(), partitions).ValueOrDie();
    ASSERT_TRUE(ctx_->RegisterTable("sales", table).ok());
    df_ = std::make_unique<DataFrame>(ctx_->Table("sales").ValueOrDie());
  }

  std::shared_ptr<arrow::Table> Run(const Result<DataFrame>& df) {
    EXPECT_TRUE(df.ok()) << df.status().ToString();
    auto batches = df->Collect();
    EXPECT_TRUE(batches.ok()) << batches.status().ToString();
    return ToTable(df->schema(), *batches);
  }

  std::shared_ptr<SessionContext> ctx_;
  std::unique_ptr<DataFrame> df_;
};

TEST_F(DataFrameTest, FilterAndProjectKeepPartitionOrder) {
  auto out = Run(df_->Filter(Binary(Col("v"), Operator::kGt, I(1)))
                     ->Select({Col("k"), Alias(Binary(Col("v"), Operator::kMultiply, I(10)), "v10")}));
  ExpectArrayEquals(arrow::utf8(), R"(["b", null, "b", "a"])", out->GetColumnByName("k"));
  ExpectArrayEquals(arrow::int64(), "[20, 100, 50, 40]", out->GetColumnByName("v10"));
}

TEST_F(DataFrameTest, TwoPhaseGroupedAggregate) {
  auto out = Run(df_->Aggregate({Col("k")}, {Agg("sum", {Col("v")}), Agg("count", {}),
                                             Agg("count", {Col("v")}), Agg("max", {Col("v")})})
                     ->Sort({Sort(Col("k"), true, false)}));
  ExpectArrayEquals(arrow::utf8(), R"(["a", "b", null])", out->column(0));
  ExpectArrayEquals(arrow::int64(), "[5, 7, 10]", out->column(1));
  ExpectArrayEquals(arrow::int64(), "[3, 2, 1]", out->column(2));
  ExpectArrayEquals(arrow::int64(), "[2, 2, 1]", out->column(3));
  ExpectArrayEquals(arrow::int64(), "[4, 5, 10]", out->column(4));
}

TEST_F(DataFrameTest, GlobalAggregateOverNoRows) {
  auto out = Run(df_->Filter(Binary(Col("v"), Operator::kGt, I(100)))
                     ->Aggregate({}, {Agg("count", {}), Agg("sum", {Col("v")})}));
  ExpectArrayEquals(arrow::int64(), "[0]", out->column(0));
  ExpectArrayEquals(arrow::int64(), "[null]", out->column(1));
}

TEST_F(DataFrameTest, CountDistinctAcrossPartitions) {
  auto out = Run(df_->Aggregate({}, {Agg("count", {Col("k")}, true)}));
  ExpectArrayEquals(arrow::int64(), "[2]", out->column(0));
}

TEST_F(DataFrameTest, SortDescendingNullsFirstWithLimitAndOffset) {
  auto out = Run(df_->Sort({Sort(Col("v"), false, true)})->Limit(3, 1));
  ExpectArrayEquals(arrow::int64(), "[10, 5, 4]", out->GetColumnByName("v"));
}

TEST_F(DataFrameTest, LimitWithoutSortStopsEarly) {
  auto out = Run(df_->Limit(2, 2));
  ExpectArrayEquals(arrow::int64(), "[null, 10]", out->GetColumnByName("v"));
}

TEST_F(DataFrameTest, DistinctAndUnion) {
  auto keys = df_->Select({Col("k")}).ValueOrDie();
  auto out = Run(keys.Union(keys)->Distinct()->Sort({Sort(Col("k"), true, true)}));
  ExpectArrayEquals(arrow::utf8(), R"([null, "a", "b"])", out->column(0));
}

TEST_F(DataFrameTest, JoinsNeverMatchNullKeys) {
  auto names_schema = arrow::schema({arrow::field("k", arrow::utf8()), arrow::field("name", arrow::utf8())});
  auto names = MakeMemoryTable(names_schema, {{BatchFromJson(names_schema,
      R"([{"k": "a", "name": "Ann"}, {"k": "c", "name": "Cy"}, {"k": null, "name": "Nil"}])")}}).ValueOrDie();
  auto right = ctx_->Scan(names, "names").ValueOrDie();

  auto inner = Run(df_->Join(right, JoinType::kInner, {"k"}, {"k"})->Sort({Sort(Col("v"), true, false)}));
  EXPECT_EQ(inner->num_columns(), 3);  // the shared key appears once
  ExpectArrayEquals(arrow::int64(), "[1, 4, null]", inner->GetColumnByName("v"));

  auto full = Run(df_->Join(right, JoinType::kFull, {"k"}, {"k"}));
  EXPECT_EQ(full->num_rows(), 3 + 2 + 1 + 2);  // 3 matches, b twice, null key left, c and null right

  auto anti = Run(df_->Join(right, JoinType::kLeftAnti, {"k"}, {"k"})->Sort({Sort(Col("v"), true, false)}));
  ExpectArrayEquals(arrow::int64(), "[2, 5, 10]", anti->GetColumnByName("v"));
  EXPECT_EQ(anti->num_columns(), 2);
}

TEST_F(DataFrameTest, ClashingColumnsGetSuffix) {
  auto out = df_->Join(*df_, JoinType::kInner, {"k"}, {"k"}).ValueOrDie();
  EXPECT_EQ(out.schema()->field(2)->name(), "v_right");
}

TEST_F(DataFrameTest, WithColumnReplacesInPlaceAndDropChecksNames) {
  auto out = df_->WithColumn("v", Binary(Col("v"), Operator::kAdd, I(1))).ValueOrDie();
  EXPECT_EQ(out.schema()->field(1)->name(), "v");
  EXPECT_TRUE(df_->Drop({"missing"}).status().IsKeyError());
}

TEST_F(DataFrameTest, EagerValidationNamesTheProblem) {
  auto bad = df_->Select({Col("x")});
  EXPECT_TRUE(bad.status().IsKeyError());
  auto not_bool = df_->Filter(Col("v"));
  ASSERT_TRUE(not_bool.status().IsTypeError());
  EXPECT_NE(not_bool.status().message().find("not Boolean"), std::string::npos);
  auto dup = df_->Select({Col("v"), Col("v")});
  EXPECT_TRUE(dup.status().IsInvalid());
}

TEST(FileScanTest, ParquetAndCsvScanOnlyProjectedColumns) {
  auto schema = arrow::schema({arrow::field("a", arrow::int64()), arrow::field("b", arrow::utf8()),
                               arrow::field("c", arrow::float64())});
  auto batch = BatchFromJson(schema, R"([{"a": 1, "b": "x", "c": 0.5}, {"a": 2, "b": null, "c": 1.5},
                                          {"a": 3, "b": "z", "c": null}])");
  auto table = arrow::Table::FromRecordBatches({batch}).ValueOrDie();
  std::string parquet_path = ::testing::TempDir() + "/ferry_scan_test.parquet";
  auto sink = arrow::io::FileOutputStream::Open(parquet_path).ValueOrDie();
  ASSERT_TRUE(parquet::arrow::WriteTable(*table, arrow::default_memory_pool(), sink, /*chunk_size=*/2).ok());
  ASSERT_TRUE(sink->Close().ok());
  std::string csv_path = ::testing::TempDir() + "/ferry_scan_test.csv";
  std::ofstream(csv_path) << "a,b,c\n1,x,0.5\n2,,1.5\n3,z,\n";

  auto ctx = SessionContext::Make(SessionConfig{2});
  for (auto df : {ctx->ReadParquet(parquet_path).ValueOrDie(),
                  ctx->ReadCsv(csv_path, CsvOptions{}).ValueOrDie()}) {
    auto query = df.Filter(Binary(Col("a"), Operator::kGtEq, I(2)))->Select({Col("c")}).ValueOrDie();
    auto explain = query.Explain().ValueOrDie();
    EXPECT_NE(explain.find("projection=[a, c]"), std::string::npos) << explain;
    auto out = ToTable(query.schema(), query.Collect().ValueOrDie());
    ExpectArrayEquals(arrow::float64(), "[1.5, null]", out->column(0));
  }
  auto missing = ctx->ReadParquet("/nonexistent/x.parquet");
  ASSERT_TRUE(missing.status().IsIOError());
  EXPECT_NE(missing.status().message().find("/nonexistent/x.parquet"), std::string::npos);
  std::remove(parquet_path.c_str());
  std::remove(csv_path.c_str());
}

}  // namespace
}  // namespace ferry

// Cardinality estimates: exact where the source knows, the documented
// rules of thumb elsewhere, nullopt when a source cannot tell.

#include "ferry/plan/statistics.h"

#include <cstdio>
#include <fstream>

#include <arrow/io/file.h>
#include <parquet/arrow/writer.h>

#include "ferry/plan/builder.h"
#include "ferry/plan/optimizer.h"
#include "ferry/plan/optimizer_test_util.h"

namespace ferry {
namespace {

using testing::Agg;
using testing::And;
using testing::Eq;
using testing::Gt;
using testing::I;
using testing::S;

class StatisticsTest : public testing::OptimizerTest {
 protected:
  double Rows(const Result<DataFrame>& df) {
    EXPECT_TRUE(df.ok()) << df.status().ToString();
    auto rows = EstimateRows(*df->plan());
    EXPECT_TRUE(rows.has_value()) << df->plan()->ToString();
    return rows.value_or(-1);
  }
};

TEST_F(StatisticsTest, MemoryTablesAreExact) {
  EXPECT_EQ(Rows(Table("orders")), 7);
  EXPECT_EQ(Rows(Table("customers")), 5);
  EXPECT_EQ(Rows(Table("orders").Select({Col("o_id")})), 7);
}

TEST_F(StatisticsTest, FiltersScaleByPredicateShape) {
  EXPECT_DOUBLE_EQ(Rows(Table("orders").Filter(Eq(Col("status"), S("open")))), 0.7);
  EXPECT_DOUBLE_EQ(Rows(Table("orders").Filter(Gt(Col("amount"), I(1)))), 7.0 / 3);
  EXPECT_DOUBLE_EQ(
      Rows(Table("orders").Filter(And(Eq(Col("status"), S("open")), Gt(Col("amount"), I(1))))),
      0.7 / 3);
  EXPECT_DOUBLE_EQ(
      Rows(Table("orders").Filter(testing::Or(Eq(Col("status"), S("a")), Eq(Col("o_id"), I(1))))),
      7 * 0.19);
  EXPECT_DOUBLE_EQ(Rows(Table("orders").Filter(Not(Eq(Col("status"), S("open"))))), 6.3);
}

TEST_F(StatisticsTest, JoinsAggregatesUnionsLimits) {
  auto orders = Table("orders");
  auto customers = Table("customers");
  EXPECT_EQ(Rows(orders.Join(customers, JoinType::kInner, {"cust"}, {"cust"})), 7);
  EXPECT_EQ(Rows(customers.Join(orders, JoinType::kLeft, {"cust"}, {"cust"})), 7);
  EXPECT_EQ(Rows(orders.Join(customers, JoinType::kLeftSemi, {"cust"}, {"cust"})), 3.5);
  EXPECT_EQ(Rows(orders.Aggregate({}, {Agg("count", {})})), 1);
  EXPECT_EQ(Rows(orders.Aggregate({Col("status")}, {Agg("count", {})})), 1);  // at least one group
  EXPECT_EQ(Rows(orders.Union(orders)), 14);
  EXPECT_EQ(Rows(orders.Limit(3, 2)), 3);
  EXPECT_EQ(Rows(orders.Limit(10, 5)), 2);
  EXPECT_EQ(Rows(orders.Distinct()), 3.5);
}

class Unsized final : public TableProvider {
 public:
  const std::shared_ptr<arrow::Schema>& schema() const override { return schema_; }
  std::string Describe() const override { return "Unsized"; }
  Result<std::shared_ptr<ExecutionPlan>> Scan(const std::optional<std::vector<int>>&,
                                              int) const override {
    return Status::NotImplemented("never scanned");
  }

 private:
  std::shared_ptr<arrow::Schema> schema_ = arrow::schema({arrow::field("cust", arrow::int64())});
};

TEST_F(StatisticsTest, UnknownSourcesMakeUnknownEstimates) {
  auto unsized = ctx_->Scan(std::make_shared<Unsized>(), "unsized").ValueOrDie();
  EXPECT_FALSE(EstimateRows(*unsized.plan()).has_value());
  auto join = Table("orders").Join(unsized, JoinType::kInner, {"cust"}, {"cust"}).ValueOrDie();
  EXPECT_FALSE(EstimateRows(*join.plan()).has_value());
  // A limit bounds any input.
  EXPECT_EQ(EstimateRows(*unsized.Limit(4)->plan()), 4);
}

TEST_F(StatisticsTest, FilesReportFooterRowsOrASizeGuess) {
  auto table = arrow::Table::Make(
      arrow::schema({arrow::field("x", arrow::int64())}),
      {testing::ArrayFromJson(arrow::int64(), "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]")});
  std::string parquet_path = ::testing::TempDir() + "/statistics_test.parquet";
  auto sink = arrow::io::FileOutputStream::Open(parquet_path).ValueOrDie();
  ASSERT_TRUE(parquet::arrow::WriteTable(*table, arrow::default_memory_pool(), sink, 4).ok());
  ASSERT_TRUE(sink->Close().ok());
  auto parquet = MakeParquetTable(parquet_path).ValueOrDie();
  EXPECT_EQ(parquet->EstimatedRows(), 11);

  std::string csv_path = ::testing::TempDir() + "/statistics_test.csv";
  {
    std::ofstream csv(csv_path);
    csv << "a,b\n";
    for (int i = 0; i < 100; ++i) csv << "1234567,1234567\n";
  }
  auto csv = MakeCsvTable(csv_path, CsvOptions{}).ValueOrDie();
  // 1604 bytes at 8 bytes per value, 2 values a row: about 100 rows.
  EXPECT_NEAR(*csv->EstimatedRows(), 100, 1);
  std::remove(parquet_path.c_str());
  std::remove(csv_path.c_str());
}

TEST_F(StatisticsTest, ParquetIntegerRangesBoundDistinctValues) {
  auto table = arrow::Table::Make(
      arrow::schema({arrow::field("x", arrow::int64()), arrow::field("g", arrow::int32()),
                     arrow::field("s", arrow::utf8())}),
      {testing::ArrayFromJson(arrow::int64(), "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 40]"),
       testing::ArrayFromJson(arrow::int32(), "[7, 8, 9, 7, 8, 9, 7, null, 9, 7, 8]"),
       testing::ArrayFromJson(arrow::utf8(), R"(["a", "b", "a", "b", "a", "b", "a", "b", "a", "b", "a"])")});
  std::string path = ::testing::TempDir() + "/statistics_distinct_test.parquet";
  auto sink = arrow::io::FileOutputStream::Open(path).ValueOrDie();
  ASSERT_TRUE(parquet::arrow::WriteTable(*table, arrow::default_memory_pool(), sink, 4).ok());
  ASSERT_TRUE(sink->Close().ok());
  auto parquet = MakeParquetTable(path).ValueOrDie();
  EXPECT_EQ(parquet->EstimatedDistinct(0), 40);  // max - min + 1 over all row groups
  EXPECT_EQ(parquet->EstimatedDistinct(1), 3);   // NULLs aside
  EXPECT_EQ(parquet->EstimatedDistinct(2), 2);   // a small table's dictionary, counted
  // Through a plan: never above the rows (11).
  auto scan = plan::Scan("t", parquet).ValueOrDie();
  EXPECT_EQ(EstimateDistinct(*scan, 0), 11);
  EXPECT_EQ(EstimateDistinct(*scan, 1), 3);
  EXPECT_EQ(EstimateDomain(*scan, 0), 11);
  EXPECT_EQ(EstimateDistinct(*scan, 2), 2);
  // x's 11 values cover x's 11: containment says every row matches, so a
  // semi join keeps all, and an anti join not none but its floor, a tenth.
  auto t = ctx_->Scan(parquet, "t").ValueOrDie();
  auto semi = t.Join(ctx_->Scan(parquet, "u").ValueOrDie(), JoinType::kLeftSemi, {"x"}, {"x"});
  auto anti = t.Join(ctx_->Scan(parquet, "u").ValueOrDie(), JoinType::kLeftAnti, {"x"}, {"x"});
  EXPECT_DOUBLE_EQ(*EstimateRows(*semi->plan()), 11);
  EXPECT_DOUBLE_EQ(*EstimateRows(*anti->plan()), 1.1);
  std::remove(path.c_str());
}

TEST_F(StatisticsTest, DictionaryEntriesCountStringValues) {
  // 40000 rows in two row groups: `part` cycles through 200 short strings,
  // `flag` through 4, `name` is unique (its dictionary is not small).
  arrow::StringBuilder part, flag, name;
  for (int i = 0; i < 40000; ++i) {
    ASSERT_TRUE(part.Append("p" + std::to_string(i % 200)).ok());
    ASSERT_TRUE(flag.Append(std::string(1, static_cast<char>('A' + i % 4))).ok());
    ASSERT_TRUE(name.Append("customer " + std::to_string(i)).ok());
  }
  auto schema = arrow::schema({arrow::field("part", arrow::utf8()), arrow::field("flag", arrow::utf8()),
                               arrow::field("name", arrow::utf8())});
  auto table = arrow::Table::Make(schema, {part.Finish().ValueOrDie(), flag.Finish().ValueOrDie(),
                                           name.Finish().ValueOrDie()});
  std::string path = ::testing::TempDir() + "/statistics_dictionary_test.parquet";
  auto sink = arrow::io::FileOutputStream::Open(path).ValueOrDie();
  ASSERT_TRUE(parquet::arrow::WriteTable(*table, arrow::default_memory_pool(), sink, 20000).ok());
  ASSERT_TRUE(sink->Close().ok());
  auto parquet = MakeParquetTable(path).ValueOrDie();
  EXPECT_EQ(parquet->EstimatedDistinct(0), 200);
  EXPECT_EQ(parquet->EstimatedDistinct(1), 4);
  EXPECT_EQ(parquet->EstimatedDistinct(2), std::nullopt);
  ASSERT_TRUE(ctx_->RegisterTable("dictionary", parquet).ok());
  auto rows = [&](const Expr& predicate) { return Rows(Table("dictionary").Filter(predicate)); };
  // One value of 200 keeps 1 row in 200; three of them, three.
  EXPECT_DOUBLE_EQ(rows(Eq(Col("part"), S("p7"))), 200);
  EXPECT_DOUBLE_EQ(rows(InList(Col("part"), {S("p1"), S("p2"), S("p3")})), 600);
  EXPECT_DOUBLE_EQ(rows(Binary(Col("part"), Operator::kNotEq, S("p7"))), 39800);
  // Never above the guess without a count: a column of 4 values keeps 10%.
  EXPECT_DOUBLE_EQ(rows(Eq(Col("flag"), S("A"))), 4000);
  EXPECT_DOUBLE_EQ(rows(Eq(Col("name"), S("customer 1"))), 4000);
  // An OR of equalities on one column keeps what its IN list keeps; on two
  // columns, or mixed with another comparison, the guesses combine.
  EXPECT_DOUBLE_EQ(rows(testing::Or(Eq(Col("part"), S("p1")), Eq(Col("part"), S("p2")))), 400);
  EXPECT_DOUBLE_EQ(rows(testing::Or(testing::Or(Eq(Col("part"), S("p1")), Eq(S("p2"), Col("part"))),
                                    Eq(Col("part"), S("p3")))),
                   600);
  EXPECT_DOUBLE_EQ(rows(testing::Or(Eq(Col("part"), S("p1")), Eq(Col("flag"), S("A")))),
                   40000 * 0.19);
  EXPECT_DOUBLE_EQ(rows(testing::Or(Eq(Col("part"), S("p1")),
                                    Binary(Col("part"), Operator::kNotEq, S("p2")))),
                   40000 * (0.1 + 0.9 - 0.09));
  std::remove(path.c_str());
}

TEST_F(StatisticsTest, SmallTablesCountEveryStringDictionary) {
  // 25 unique names, as TPC-H's nation: the dictionary is as large as the
  // column, yet counted, since the table is small.
  arrow::StringBuilder name;
  for (int i = 0; i < 25; ++i) ASSERT_TRUE(name.Append("nation number " + std::to_string(i)).ok());
  auto schema = arrow::schema({arrow::field("n_name", arrow::utf8())});
  auto table = arrow::Table::Make(schema, {name.Finish().ValueOrDie()});
  std::string path = ::testing::TempDir() + "/statistics_small_table_test.parquet";
  auto sink = arrow::io::FileOutputStream::Open(path).ValueOrDie();
  ASSERT_TRUE(parquet::arrow::WriteTable(*table, arrow::default_memory_pool(), sink, 1024).ok());
  ASSERT_TRUE(sink->Close().ok());
  auto parquet = MakeParquetTable(path).ValueOrDie();
  EXPECT_EQ(parquet->EstimatedDistinct(0), 25);
  ASSERT_TRUE(ctx_->RegisterTable("nation", parquet).ok());
  auto rows = [&](const Expr& predicate) { return Rows(Table("nation").Filter(predicate)); };
  EXPECT_DOUBLE_EQ(rows(Eq(Col("n_name"), S("nation number 3"))), 1);
  EXPECT_DOUBLE_EQ(
      rows(testing::Or(Eq(Col("n_name"), S("nation number 3")), Eq(Col("n_name"), S("x")))), 2);
  std::remove(path.c_str());
}

TEST_F(StatisticsTest, RangeFiltersKeepTheShareOfTheColumnsRange) {
  // 100 rows in row groups of 25: day d = i (days since 1970), x = i + 1,
  // price = i / 10 (0.0 .. 9.9), ascending, so row groups prune by range.
  arrow::Date32Builder days;
  arrow::Int64Builder xs;
  arrow::Decimal128Builder prices(arrow::decimal128(15, 2));
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(days.Append(i).ok());
    ASSERT_TRUE(xs.Append(i + 1).ok());
    ASSERT_TRUE(prices.Append(arrow::Decimal128(i * 10)).ok());
  }
  auto schema = arrow::schema({arrow::field("d", arrow::date32()), arrow::field("x", arrow::int64()),
                               arrow::field("price", arrow::decimal128(15, 2))});
  auto table = arrow::Table::Make(schema, {days.Finish().ValueOrDie(), xs.Finish().ValueOrDie(),
                                           prices.Finish().ValueOrDie()});
  std::string path = ::testing::TempDir() + "/statistics_range_test.parquet";
  auto sink = arrow::io::FileOutputStream::Open(path).ValueOrDie();
  parquet::WriterProperties::Builder props;
  props.enable_store_decimal_as_integer();
  ASSERT_TRUE(parquet::arrow::WriteTable(*table, arrow::default_memory_pool(), sink, 25, props.build()).ok());
  ASSERT_TRUE(sink->Close().ok());
  auto parquet = MakeParquetTable(path).ValueOrDie();
  EXPECT_EQ(parquet->EstimatedRange(0), (std::pair<double, double>{0, 99}));
  EXPECT_EQ(parquet->EstimatedRange(2), (std::pair<double, double>{0, 9.9}));
  ASSERT_TRUE(ctx_->RegisterTable("ranged", parquet).ok());
  auto date = [](int32_t day) { return Lit(std::make_shared<arrow::Date32Scalar>(day)); };
  auto rows = [&](const Expr& predicate) {
    return Rows(Table("ranged").Filter(predicate));
  };
  // 10 <= d < 20: ten days of a hundred, whichever way a comparison faces.
  EXPECT_DOUBLE_EQ(rows(And(Binary(Col("d"), Operator::kGtEq, date(10)), Binary(Col("d"), Operator::kLt, date(20)))), 10);
  EXPECT_DOUBLE_EQ(rows(And(Binary(date(10), Operator::kLtEq, Col("d")), Binary(date(20), Operator::kGt, Col("d")))), 10);
  EXPECT_DOUBLE_EQ(rows(Between(Col("x"), I(21), I(30))), 10);
  EXPECT_DOUBLE_EQ(rows(Eq(Col("x"), I(5))), 1);
  // Decimals spread continuously: below 2.475 is a quarter of 0 .. 9.9.
  auto quarter = Lit(std::make_shared<arrow::Decimal128Scalar>(arrow::Decimal128(2475), arrow::decimal128(15, 3)));
  EXPECT_DOUBLE_EQ(rows(Binary(Col("price"), Operator::kLt, quarter)), 25);
  // Outside the range: next to nothing; a string column: the guess.
  EXPECT_DOUBLE_EQ(rows(Gt(Col("x"), I(500))), 100 * 1e-4);
  EXPECT_DOUBLE_EQ(rows(And(Gt(Col("x"), I(50)), Eq(Col("d"), date(3)))), 100 * 0.5 * 0.01);
  // Row groups pruned by the same filter count once: d < 25 reads the
  // first row group (25 rows), all of which the filter keeps.
  auto pruned = PushFiltersIntoScans(Table("ranged").Filter(Binary(Col("d"), Operator::kLt, date(25)))->plan());
  ASSERT_TRUE(pruned.ok());
  EXPECT_DOUBLE_EQ(*EstimateRows(**pruned), 25);
  std::remove(path.c_str());
}

}  // namespace
}  // namespace ferry

// Filters into scans: Parquet scans skip row groups whose statistics rule
// a filter out, the filter still runs above, explain() shows it.

#include <cstdio>

#include <arrow/io/file.h>
#include <parquet/arrow/writer.h>

#include "ferry/plan/optimizer.h"
#include "ferry/plan/optimizer_test_util.h"
#include "ferry/plan/statistics.h"

namespace ferry {
namespace {

using testing::And;
using testing::Gt;
using testing::I;
using testing::Lt;

class ScanFilterPushdownTest : public testing::OptimizerTest {
 protected:
  void SetUp() override {
    OptimizerTest::SetUp();
    // Three row groups of four rows: x 1-4, 5-8 and 9-12; y NULL only in the first.
    auto schema = arrow::schema({arrow::field("x", arrow::int64()), arrow::field("y", arrow::utf8())});
    auto table = arrow::Table::Make(
        schema, {testing::ArrayFromJson(arrow::int64(), "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]"),
                 testing::ArrayFromJson(arrow::utf8(), R"([null, "a", "b", "c", "d", "e", "f",
                                                          "g", "h", "i", "j", "k"])")});
    // One file per test: ctest runs tests as parallel processes.
    path_ = ::testing::TempDir() + "/scan_filter_pushdown_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".parquet";
    auto sink = arrow::io::FileOutputStream::Open(path_).ValueOrDie();
    ASSERT_TRUE(parquet::arrow::WriteTable(*table, arrow::default_memory_pool(), sink, 4).ok());
    ASSERT_TRUE(sink->Close().ok());
    ASSERT_TRUE(ctx_->RegisterTable("t", MakeParquetTable(path_).ValueOrDie()).ok());
  }
  void TearDown() override { std::remove(path_.c_str()); }

  PlanPtr Push(const Result<DataFrame>& df) { return Rewrite(df, PushFiltersIntoScans); }
  static double ScanRows(const PlanPtr& plan) {
    return EstimateRows(*plan->inputs().at(0)).value_or(-1);
  }

  std::string path_;
};

TEST_F(ScanFilterPushdownTest, ParquetSkipsRowGroupsByStatistics) {
  auto plan = Push(Table("t").Filter(Gt(Col("x"), I(9))));
  EXPECT_EQ(plan->ToString(),
            "Filter: x > Int64(9)\n"
            "  TableScan: t filters=[x > Int64(9)]\n");
  EXPECT_EQ(ScanRows(plan), 4);  // only the last row group is left
  testing::ExpectArrayEquals(arrow::int64(), "[10, 11, 12]", Execute(plan)->column(0));
}

TEST_F(ScanFilterPushdownTest, RangesNullsAndDisjunctionsPrune) {
  EXPECT_EQ(ScanRows(Push(Table("t").Filter(And(Gt(Col("x"), I(3)), Lt(Col("x"), I(6)))))), 8);
  EXPECT_EQ(ScanRows(Push(Table("t").Filter(IsNull(Col("y"))))), 4);
  EXPECT_EQ(ScanRows(Push(Table("t").Filter(Gt(Col("x"), I(100))))), 0);
  auto either = testing::Or(Lt(Col("x"), I(2)), Gt(Col("x"), I(11)));
  auto plan = Push(Table("t").Filter(either));
  EXPECT_EQ(ScanRows(plan), 8);
  testing::ExpectArrayEquals(arrow::int64(), "[1, 12]", testing::Canonical(Execute(plan))->column(0));
}

TEST_F(ScanFilterPushdownTest, OnlyConjunctsWithAnArrowFormOrOneDictionaryColumnGo) {
  // LIKE has no Arrow form: over y alone (dictionary-encoded) the scan
  // decides it per distinct value; beside x it stays above only.
  auto like = Like(Col("y"), Lit(std::make_shared<arrow::StringScalar>("%a%")));
  auto mixed = testing::Or(like, Gt(Col("x"), I(11)));
  auto plan = Push(Table("t").Filter(And(mixed, Lt(Col("x"), I(5)))));
  EXPECT_EQ(plan->ToString(),
            "Filter: (y LIKE Utf8(\"%a%\") OR x > Int64(11)) AND x < Int64(5)\n"
            "  TableScan: t filters=[x < Int64(5)]\n");
  testing::ExpectArrayEquals(arrow::int64(), "[2]", Execute(plan)->column(0));
  plan = Push(Table("t").Filter(And(like, Lt(Col("x"), I(5)))));
  EXPECT_EQ(plan->ToString(),
            "Filter: y LIKE Utf8(\"%a%\") AND x < Int64(5)\n"
            "  TableScan: t filters=[y LIKE Utf8(\"%a%\"), x < Int64(5)]\n");
  testing::ExpectArrayEquals(arrow::int64(), "[2]", Execute(plan)->column(0));
}

TEST_F(ScanFilterPushdownTest, ProjectedScansNameSourceColumns) {
  // After projection pushdown the scan reads y alone; the filter is on x.
  auto df = Table("t").Filter(Gt(Col("x"), I(8)))->Select({Col("y")});
  auto optimized = Optimize(df->plan()).ValueOrDie();
  EXPECT_EQ(optimized->ToString(),
            "Projection: y\n"
            "  Filter: x > Int64(8)\n"
            "    TableScan: t projection=[x, y] filters=[x > Int64(8)]\n");
  auto explain = df->Explain().ValueOrDie();
  EXPECT_NE(explain.find("filters=[x > Int64(8)]"), std::string::npos) << explain;
  auto out = testing::Canonical(Execute(optimized));
  testing::ExpectArrayEquals(arrow::utf8(), R"(["h", "i", "j", "k"])", out->column(0));
}

TEST_F(ScanFilterPushdownTest, MemoryTablesTakeNoFilters) {
  auto df = Table("orders").Filter(Gt(Col("amount"), I(60)));
  EXPECT_EQ(Push(df)->ToString(), df->plan()->ToString());
}

}  // namespace
}  // namespace ferry

// Aggregate input reduction: a semi join below an aggregate goes in only
// where the reducer is small and holds few of the key's values.

#include <cstdio>

#include <arrow/io/file.h>
#include <parquet/arrow/writer.h>

#include "ferry/exec/tables.h"
#include "ferry/plan/optimizer.h"
#include "ferry/plan/optimizer_test_util.h"

namespace ferry {
namespace {

using testing::Agg;

class AggregateInputReductionTest : public testing::OptimizerTest {
 protected:
  // A Parquet table of `rows` rows, k = first + i % keys, v = i.
  void WriteTable(const std::string& name, int rows, int first, int keys,
                  const std::string& file_suffix = "") {
    arrow::Int64Builder k, v;
    for (int i = 0; i < rows; ++i) {
      ASSERT_TRUE(k.Append(first + i % keys).ok());
      ASSERT_TRUE(v.Append(i).ok());
    }
    auto schema = arrow::schema({arrow::field(name + "_k", arrow::int64()), arrow::field(name + "_v", arrow::int64())});
    auto table = arrow::Table::Make(schema, {k.Finish().ValueOrDie(), v.Finish().ValueOrDie()});
    // ctest runs each test in its own process, two at a time: the test's
    // name keeps their files apart.
    paths_.push_back(::testing::TempDir() + "/reduction_" +
                     ::testing::UnitTest::GetInstance()->current_test_info()->name() + "_" + name +
                     file_suffix + ".parquet");
    auto sink = arrow::io::FileOutputStream::Open(paths_.back()).ValueOrDie();
    ASSERT_TRUE(parquet::arrow::WriteTable(*table, arrow::default_memory_pool(), sink, 1000).ok());
    ASSERT_TRUE(sink->Close().ok());
    ASSERT_TRUE(ctx_->RegisterTable(name, MakeParquetTable(paths_.back()).ValueOrDie()).ok());
  }
  void TearDown() override {
    for (const auto& path : paths_) std::remove(path.c_str());
  }

  Result<DataFrame> FewKeysWithTheirSums();

  // `reducer` joined to the per-key sums of 2000 lines over keys 0..99.
  PlanPtr Reduce(const std::string& reducer) {
    auto sums = Table("lines").Aggregate({Col("lines_k")}, {Alias(Agg("sum", {Col("lines_v")}), "total")});
    auto df = Table(reducer).Join(*sums, JoinType::kInner, {reducer + "_k"}, {"lines_k"});
    return Rewrite(df, ReduceAggregateInputs);
  }

  std::vector<std::string> paths_;
};

TEST_F(AggregateInputReductionTest, OnlyAReducerHoldingFewKeysGoesBelow) {
  WriteTable("lines", 2000, 0, 100);
  WriteTable("few", 20, 0, 20);     // keys 0..19 of 0..99
  WriteTable("most", 100, 0, 100);  // every key: a semi join would remove nothing
  WriteTable("none", 20, 500, 20);  // keys 500..519: no group survives
  EXPECT_NE(Reduce("few")->ToString().find("type=semi"), std::string::npos) << Reduce("few")->ToString();
  EXPECT_EQ(Reduce("most")->ToString().find("type=semi"), std::string::npos) << Reduce("most")->ToString();
  EXPECT_NE(Reduce("none")->ToString().find("type=semi"), std::string::npos);
  // Rows: Rewrite checks them against the plan without the semi join.
  EXPECT_EQ(Execute(Reduce("few"))->num_rows(), 20);
  EXPECT_EQ(Execute(Reduce("most"))->num_rows(), 100);
  EXPECT_EQ(Execute(Reduce("none"))->num_rows(), 0);
}

int Count(const std::string& text, const std::string& part) {
  int n = 0;
  for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

// Q17's first half over fresh tables: 20 "few" keys joined to the per-key
// sums of 2000 "lines" over keys 0..99.
Result<DataFrame> AggregateInputReductionTest::FewKeysWithTheirSums() {
  WriteTable("lines", 2000, 0, 100);
  WriteTable("few", 20, 0, 20);
  auto sums = Table("lines")
                  .Aggregate({Col("lines_k")}, {Alias(Agg("sum", {Col("lines_v")}), "total")})
                  ->Select({Alias(Col("lines_k"), "sum_k"), Col("total")});
  return Table("few").Join(*sums, JoinType::kInner, {"few_k"}, {"sum_k"});
}

TEST_F(AggregateInputReductionTest, TheJoinBackReadsTheReducedInputTheAggregateReads) {
  // TPC-H Q17's shape: per-key sums of lines, joined to a few keys and back
  // to lines. Both reads of lines become the same `lines ⋉ few`, which the
  // physical planner computes once; rows as without the optimizer.
  auto per_key = FewKeysWithTheirSums();
  auto df = per_key->Join(Table("lines"), JoinType::kInner, {"few_k"}, {"lines_k"});
  auto optimized = Rewrite(df, [](const PlanPtr& plan) { return Optimize(plan); });
  const auto text = optimized->ToString();
  EXPECT_EQ(Count(text, "Join: type=semi on=[lines_k = few_k]"), 2) << text;
  EXPECT_EQ(Execute(optimized)->num_rows(), 20 * 20);
}

TEST_F(AggregateInputReductionTest, ATableRegisteredAgainUnderItsNameIsNotReused) {
  // The sums read the first "lines"; the join back reads the one registered
  // after it under the same name (other keys): equal plans, other rows.
  auto per_key = FewKeysWithTheirSums();
  ASSERT_TRUE(ctx_->DeregisterTable("lines").ok());
  WriteTable("lines", 3000, 10, 100, "_again");
  auto df = per_key->Join(Table("lines"), JoinType::kInner, {"few_k"}, {"lines_k"});
  auto optimized = Rewrite(df, [](const PlanPtr& plan) { return Optimize(plan); });
  EXPECT_EQ(Count(optimized->ToString(), "Join: type=semi on=[lines_k = few_k]"), 1)
      << optimized->ToString();
  EXPECT_EQ(Execute(optimized)->num_rows(), 10 * 30);  // keys 10..19, 30 new lines each
}

}  // namespace
}  // namespace ferry

// The SQL layer without Python: parsing, binding against a session's
// catalog, and results of bound plans (hand-computed expectations).

#include <gtest/gtest.h>

#include "ferry/exec/tables.h"
#include "ferry/plan/plan_equality.h"
#include "ferry/session/dataframe.h"
#include "ferry/session/session_context.h"
#include "ferry/sql/parser.h"
#include "ferry/sql/statement.h"
#include "ferry/testing/exec_test_util.h"
#include "ferry/testing/test_util.h"

namespace ferry::sql {
namespace {

using ferry::testing::BatchFromJson;
using ferry::testing::SortedRows;

class SqlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SessionConfig config;
    config.target_partitions = 2;
    ctx_ = SessionContext::Make(config);
    auto schema = arrow::schema({arrow::field("id", arrow::int64()), arrow::field("k", arrow::utf8())});
    auto batch = BatchFromJson(schema, R"([{"id": 1, "k": "a"}, {"id": 2, "k": null},
                                          {"id": 3, "k": "a"}, {"id": null, "k": "b"}])");
    ASSERT_TRUE(ctx_->RegisterTable("t", *MakeMemoryTable(schema, {{batch}})).ok());
  }

  std::vector<std::string> Rows(const std::string& sql) {
    auto df = ctx_->Sql(sql);
    EXPECT_TRUE(df.ok()) << df.status().ToString();
    if (!df.ok()) return {};
    auto batches = df->Collect();
    EXPECT_TRUE(batches.ok()) << batches.status().ToString();
    return batches.ok() ? SortedRows(*batches) : std::vector<std::string>{};
  }

  std::shared_ptr<SessionContext> ctx_;
};

TEST(SqlParserTest, SyntaxErrorNamesLineColumnAndText) {
  auto tree = Parse("SELECT 1\nFROM t WHERE WHERE");
  ASSERT_FALSE(tree.ok());
  EXPECT_TRUE(tree.status().IsInvalid());
  EXPECT_NE(tree.status().message().find("line 2, column 14"), std::string::npos) << tree.status();
  EXPECT_NE(tree.status().message().find("FROM t WHERE WHERE"), std::string::npos);
  EXPECT_TRUE(Parse("SELECT a FROM t").ok());
}

TEST(SqlParserTest, DescribePositionPointsAtTheColumn) {
  EXPECT_EQ(DescribePosition("ab\ncd", 4), "line 2, column 2\n  cd\n   ^");
  EXPECT_EQ(DescribePosition("ab", 9), "");
}

TEST_F(SqlTest, GroupByWithNullGroupAndCount) {
  EXPECT_EQ(Rows("SELECT k, count(*), sum(id) FROM t GROUP BY k"),
            (std::vector<std::string>{"a|2|4", "b|1|null", "null|1|2"}));
}

TEST_F(SqlTest, NotInWithNullInSubqueryKeepsNothing) {
  EXPECT_EQ(Rows("SELECT id FROM t WHERE id NOT IN (SELECT id FROM t WHERE k = 'b')"),
            std::vector<std::string>{});
  EXPECT_EQ(Rows("SELECT id FROM t WHERE id NOT IN (SELECT id FROM t WHERE k = 'a')"),
            (std::vector<std::string>{"2"}));
}

TEST_F(SqlTest, CorrelatedExistsIsASemiJoin) {
  auto df = ctx_->Sql("SELECT id FROM t a WHERE EXISTS (SELECT 1 FROM t b WHERE b.k = a.k AND b.id > a.id)");
  ASSERT_TRUE(df.ok()) << df.status();
  EXPECT_NE(df->plan()->ToString().find("type=semi"), std::string::npos) << df->plan()->ToString();
  EXPECT_EQ(SortedRows(*df->Collect()), (std::vector<std::string>{"1"}));
}

TEST_F(SqlTest, ScalarSubqueryWithSeveralRowsFailsAfterARoundTrip) {
  // k = 'a' has two rows (ids 1 and 3): a scalar subquery over them fails
  // for the outer rows whose k is 'a', and only for those.
  const std::string sql = "SELECT id, (SELECT b.id FROM t b WHERE b.k = a.k) AS other FROM t a";
  auto df = ctx_->Sql(sql);
  ASSERT_TRUE(df.ok()) << df.status();
  EXPECT_NE(df->plan()->ToString().find("scalar_subquery_value"), std::string::npos) << df->plan()->ToString();
  auto bytes = ctx_->EncodePlan(*df->plan());
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  auto decoded = ctx_->DecodePlan(*bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_TRUE(PlanEquals(**decoded, *df->plan()));
  auto failed = DataFrame(ctx_, *decoded).Collect();
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.status().message().find("more than one row returned by a subquery used as an expression "
                                           "(the scalar subquery at line 1, column 12)"),
            std::string::npos)
      << failed.status();
  EXPECT_EQ(Rows(sql + " WHERE a.k <> 'a' OR a.k IS NULL"), (std::vector<std::string>{"2|null", "null|null"}));
}

TEST_F(SqlTest, UnknownNamesSuggestCloseOnes) {
  auto df = ctx_->Sql("SELECT idd FROM t");
  ASSERT_FALSE(df.ok());
  EXPECT_TRUE(df.status().IsKeyError());
  EXPECT_NE(df.status().message().find("did you mean: id"), std::string::npos) << df.status();
  df = ctx_->Sql("SELECT * FROM tt");
  ASSERT_FALSE(df.ok());
  EXPECT_NE(df.status().message().find("table 'tt' not found"), std::string::npos) << df.status();
}

TEST_F(SqlTest, ViewsExpandToTheirPlan) {
  ASSERT_TRUE(ctx_->Sql("CREATE VIEW v AS SELECT id * 10 AS x FROM t WHERE k = 'a'").ok());
  EXPECT_EQ(Rows("SELECT x FROM v"), (std::vector<std::string>{"10", "30"}));
  auto table = ctx_->Table("v");
  ASSERT_TRUE(table.ok());
  EXPECT_EQ(table->plan()->As<ScanNode>(), nullptr);
}

TEST(SqlExternalTableTest, ParsesDataFusionSyntax) {
  auto statement = ParseCreateExternalTable(
      "CREATE EXTERNAL TABLE IF NOT EXISTS x STORED AS CSV WITH HEADER ROW DELIMITER '|' LOCATION '/a b.csv';");
  ASSERT_TRUE(statement.ok()) << statement.status();
  ASSERT_TRUE(statement->has_value());
  EXPECT_EQ((*statement)->name, "x");
  EXPECT_EQ((*statement)->format, "csv");
  EXPECT_EQ((*statement)->location, "/a b.csv");
  EXPECT_EQ((*statement)->delimiter, '|');
  EXPECT_TRUE((*statement)->if_not_exists);
  auto other = ParseCreateExternalTable("SELECT 'external'");
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(other->has_value());
  EXPECT_FALSE(ParseCreateExternalTable("CREATE EXTERNAL TABLE x STORED AS ORC LOCATION 'p'").ok());
}

}  // namespace
}  // namespace ferry::sql

// WITH RECURSIVE without Python: results against hand-computed rows, the
// limits' errors, and the plan's round trip through the wire format.

#include <gtest/gtest.h>

#include "ferry/exec/recursive_query_exec.h"
#include "ferry/exec/tables.h"
#include "ferry/plan/builder.h"
#include "ferry/session/dataframe.h"
#include "ferry/session/session_context.h"
#include "ferry/testing/exec_test_util.h"
#include "ferry/testing/test_util.h"

namespace ferry::sql {
namespace {

using ferry::testing::BatchFromJson;
using ferry::testing::SortedRows;

class RecursiveCteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SessionConfig config;
    config.target_partitions = 2;
    ctx_ = SessionContext::Make(config);
    // A tree: 1 -> 2, 1 -> 3, 3 -> 4, and an edge from nowhere (NULL -> 5).
    auto schema = arrow::schema({arrow::field("parent", arrow::int64()), arrow::field("child", arrow::int64())});
    auto batch = BatchFromJson(schema, R"([{"parent": 1, "child": 2}, {"parent": 1, "child": 3},
                                          {"parent": 3, "child": 4}, {"parent": null, "child": 5}])");
    ASSERT_TRUE(ctx_->RegisterTable("edges", *MakeMemoryTable(schema, {{batch}})).ok());
  }

  std::vector<std::string> Rows(const PlanPtr& plan) {
    auto batches = DataFrame(ctx_, plan).Collect();
    EXPECT_TRUE(batches.ok()) << batches.status().ToString();
    return batches.ok() ? SortedRows(*batches) : std::vector<std::string>{};
  }

  PlanPtr Bind(const std::string& sql) {
    auto df = ctx_->Sql(sql);
    EXPECT_TRUE(df.ok()) << df.status().ToString();
    return df.ok() ? df->plan() : nullptr;
  }

  std::shared_ptr<SessionContext> ctx_;
};

constexpr const char* kDescendants =
    "WITH RECURSIVE d(node, depth) AS (SELECT 1, 0 UNION ALL "
    "SELECT e.child, d.depth + 1 FROM edges e JOIN d ON e.parent = d.node) SELECT * FROM d";

TEST_F(RecursiveCteTest, WalksATreeToItsFixpoint) {
  auto plan = Bind(kDescendants);
  ASSERT_NE(plan, nullptr);
  EXPECT_EQ(Rows(plan), (std::vector<std::string>{"1|0", "2|1", "3|1", "4|2"}));
}

TEST_F(RecursiveCteTest, UnionDropsRowsSeenBeforeSoACycleEnds) {
  auto plan = Bind("WITH RECURSIVE r(n) AS (SELECT 1 UNION SELECT n % 3 + 1 FROM r) SELECT * FROM r");
  ASSERT_NE(plan, nullptr);
  EXPECT_EQ(Rows(plan), (std::vector<std::string>{"1", "2", "3"}));
}

TEST_F(RecursiveCteTest, EndlessRecursionHitsTheIterationLimit) {
  auto df = ctx_->Sql("WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r");
  ASSERT_TRUE(df.ok()) << df.status().ToString();
  auto result = df->Collect();
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("did not reach a fixpoint within 10000 iterations"), std::string::npos)
      << result.status();
}

// The limits come from the session's settings, and each error names its setting.
TEST_F(RecursiveCteTest, SessionSettingsBoundIterationsAndRows) {
  const std::string counting = "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 6) ";
  SessionConfig config;
  config.max_recursive_iterations = 5;  // n = 1..6 takes exactly 5 iterations adding rows, a 6th adding none
  auto tight = SessionContext::Make(config);
  auto fails = tight->Sql(counting + "SELECT count(*) FROM r");
  ASSERT_TRUE(fails.ok()) << fails.status().ToString();
  auto refused = fails->Collect();
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("within 5 iterations (the limit, session setting max_recursive_iterations)"),
            std::string::npos)
      << refused.status();

  config.max_recursive_iterations = 6;
  auto enough = SessionContext::Make(config)->Sql(counting + "SELECT count(*), sum(n) FROM r");
  ASSERT_TRUE(enough.ok()) << enough.status().ToString();
  auto batches = enough->Collect();
  ASSERT_TRUE(batches.ok()) << batches.status().ToString();
  EXPECT_EQ(SortedRows(*batches), (std::vector<std::string>{"6|21"}));

  config = SessionConfig{};
  config.max_recursive_rows = 4;
  auto rows = SessionContext::Make(config)->Sql(counting + "SELECT * FROM r");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  auto too_many = rows->Collect();
  ASSERT_FALSE(too_many.ok());
  EXPECT_NE(too_many.status().message().find("more than 4 rows (the limit, session setting max_recursive_rows)"),
            std::string::npos)
      << too_many.status();

  config.max_recursive_rows = -1;
  auto negative = SessionContext::Make(config)->Sql(counting + "SELECT * FROM r");
  ASSERT_FALSE(negative.ok());
  EXPECT_NE(negative.status().message().find("max_recursive_rows (-1)"), std::string::npos) << negative.status();
}

TEST_F(RecursiveCteTest, PlanTravelsAndRunsTheSameOnTheReceiver) {
  auto plan = Bind(kDescendants);
  ASSERT_NE(plan, nullptr);
  auto bytes = ctx_->EncodePlan(*plan);
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  auto receiver = SessionContext::Make(SessionConfig{2});
  auto decoded = receiver->DecodePlan(*bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ((*decoded)->ToString(), plan->ToString());
  auto batches = DataFrame(receiver, *decoded).Collect();
  ASSERT_TRUE(batches.ok()) << batches.status().ToString();
  EXPECT_EQ(SortedRows(*batches), (std::vector<std::string>{"1|0", "2|1", "3|1", "4|2"}));
}

TEST_F(RecursiveCteTest, DecoderRefusesLimitsAboveItsOwn) {
  auto plan = Bind(kDescendants);
  ASSERT_NE(plan, nullptr);
  auto bytes = ctx_->EncodePlan(*plan);
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  auto decoded = ctx_->DecodePlan(*bytes);
  ASSERT_TRUE(decoded.ok());
  const LogicalPlan& top = **decoded;
  const auto* scan = top.inputs().empty() ? top.As<ScanNode>() : top.inputs()[0]->As<ScanNode>();
  ASSERT_NE(scan, nullptr);
  const auto* query = dynamic_cast<const RecursiveQueryTable*>(scan->source.get());
  ASSERT_NE(query, nullptr);
  EXPECT_EQ(query->limits().max_iterations, RecursiveQueryLimits{}.max_iterations);
  // A sender asking for more iterations than the receiver allows itself.
  auto greedy = RecursiveQueryTable::Make("d", query->anchor(), query->recursive(), false,
                                          RecursiveQueryLimits{RecursiveQueryLimits{}.max_iterations + 1, 10});
  ASSERT_TRUE(greedy.ok());
  auto greedy_plan = ferry::plan::Scan("d", *greedy);
  ASSERT_TRUE(greedy_plan.ok());
  auto greedy_bytes = ctx_->EncodePlan(**greedy_plan);
  ASSERT_TRUE(greedy_bytes.ok()) << greedy_bytes.status().ToString();
  auto refused = ctx_->DecodePlan(*greedy_bytes);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("limits"), std::string::npos) << refused.status();
}

TEST_F(RecursiveCteTest, WorkTableIsNeverScannedOnItsOwn) {
  WorkTable work("r", arrow::schema({arrow::field("n", arrow::int64())}), false);
  auto scan = work.Scan(std::nullopt, 1);
  ASSERT_FALSE(scan.ok());
  EXPECT_NE(scan.status().message().find("read only inside that query's recursive term"), std::string::npos);
}

}  // namespace
}  // namespace ferry::sql

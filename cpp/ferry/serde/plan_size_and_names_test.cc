// Plans over the encode size limit fail naming their largest parts; tables
// sent by name resolve in the receiver's catalog or fail naming why; the
// inspection of a plan blob lists its tree and tables without opening them.

#include <gtest/gtest.h>

#include "ferry/plan/builder.h"
#include "ferry/serde/plan_inspection.h"
#include "ferry/serde/plan_serde.h"
#include "ferry/session/dataframe.h"
#include "ferry/session/session_context.h"
#include "ferry/testing/test_util.h"

namespace ferry {
namespace {

using testing::BatchFromJson;

std::shared_ptr<arrow::Schema> Schema() { return arrow::schema({arrow::field("v", arrow::int64())}); }

std::shared_ptr<const TableProvider> Table(const std::string& json) {
  return MakeMemoryTable(Schema(), {{BatchFromJson(Schema(), json)}}).ValueOrDie();
}

std::string Rows(int n) {
  std::string json = "[";
  for (int i = 0; i < n; ++i) json += (i ? "," : "") + std::string("{\"v\": ") + std::to_string(i) + "}";
  return json + "]";
}

TEST(PlanSizeGuardTest, NamesTheLargestInlineTable) {
  SessionConfig config;
  config.max_encoded_plan_bytes = 4096;
  auto ctx = SessionContext::Make(config);
  ASSERT_TRUE(ctx->RegisterTable("big", Table(Rows(2000))).ok());
  ASSERT_TRUE(ctx->RegisterTable("small", Table(Rows(2))).ok());
  auto plan = ctx->Table("big")->Union(*ctx->Table("small"))->plan();
  auto refused = ctx->EncodePlan(*plan);
  ASSERT_FALSE(refused.ok());
  const auto& message = refused.status().message();
  EXPECT_NE(message.find("over the limit of 4096 (max_encoded_plan_bytes)"), std::string::npos) << message;
  EXPECT_NE(message.find("largest parts: in-memory table 'big': "), std::string::npos) << message;
  EXPECT_LT(message.find("'big'"), message.find("'small'"));
  // By name, the plan is small again.
  auto by_name = ctx->EncodePlan(*plan, nullptr, TablesByName{true, {}});
  ASSERT_TRUE(by_name.ok()) << by_name.status().ToString();
  EXPECT_LT(by_name->size(), 1024u);
}

TEST(PlanByNameTest, ResolvesInTheReceiverOrFailsClearly) {
  auto sender = SessionContext::Make();
  ASSERT_TRUE(sender->RegisterTable("t", Table(R"([{"v": 1}])")).ok());
  auto plan = sender->Table("t")->plan();
  ASSERT_TRUE(sender->ShipTableByName("t").ok());
  auto bytes = sender->EncodePlan(*plan).ValueOrDie();

  auto receiver = SessionContext::Make();
  auto missing = receiver->DecodePlan(bytes);
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(missing.status().IsKeyError());
  EXPECT_NE(missing.status().message().find("refers to table 't' by name"), std::string::npos);

  auto other_schema = arrow::schema({arrow::field("v", arrow::utf8())});
  ASSERT_TRUE(receiver->RegisterTable("t", MakeMemoryTable(other_schema, {{}}).ValueOrDie()).ok());
  auto differs = receiver->DecodePlan(bytes);
  ASSERT_FALSE(differs.ok());
  EXPECT_NE(differs.status().message().find("in the receiving session has schema"), std::string::npos);

  ASSERT_TRUE(receiver->RegisterTable("t", Table(R"([{"v": 7}, {"v": null}])")).ok());
  auto decoded = receiver->DecodePlan(bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  auto rows = DataFrame(receiver, *decoded).Count();
  EXPECT_EQ(*rows, 2);

  // Without a catalog at all (a bare decoder), the error says so.
  auto bare = DecodePlan(bytes, *ByNameCodec(), BuiltinFunctions(), SessionContext::OpenTableSource);
  ASSERT_FALSE(bare.ok());
  EXPECT_NE(bare.status().message().find("given no catalog"), std::string::npos);
}

TEST(PlanInspectionTest, ListsTreeTablesAndReencodesIdentically) {
  auto ctx = SessionContext::Make();
  ASSERT_TRUE(ctx->RegisterTable("a", Table(R"([{"v": 1}])")).ok());
  ASSERT_TRUE(ctx->RegisterTable("b", Table(R"([{"v": 2}])")).ok());
  auto df = ctx->Table("a")->Union(*ctx->Table("b"))->Limit(5).ValueOrDie();
  auto bytes = ctx->EncodePlan(*df.plan(), nullptr, TablesByName{false, {"b"}}).ValueOrDie();
  auto inspection = InspectPlan(bytes).ValueOrDie();
  ASSERT_EQ(inspection.tree.size(), 4u);
  EXPECT_EQ(inspection.tree[0], "Limit: skip=0, fetch=5");
  EXPECT_EQ(inspection.tree[1], "  Union: 2 inputs");
  EXPECT_EQ(inspection.tree[2], "    Scan: a (in-memory)");
  EXPECT_EQ(inspection.tree[3], "    Scan: b (by name)");
  ASSERT_EQ(inspection.tables.size(), 2u);
  EXPECT_EQ(inspection.tables[0].kind, "in-memory");
  EXPECT_EQ(inspection.tables[1].detail, "b");
  EXPECT_GT(inspection.tables[0].bytes, 100);
  EXPECT_TRUE(inspection.reencodes_identically);
  EXPECT_EQ(InspectPlan("").status().message(), "not a ferry plan: empty bytes");
  EXPECT_FALSE(InspectPlan(bytes.substr(0, bytes.size() - 4)).ok());
}

}  // namespace
}  // namespace ferry

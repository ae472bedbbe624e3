// A session decodes expressions and plans within its config's decode
// limits; the defaults accept what a tightened session refuses.

#include <gtest/gtest.h>

#include "ferry/plan/builder.h"
#include "ferry/session/dataframe.h"
#include "ferry/session/session_context.h"
#include "ferry/testing/test_util.h"

namespace ferry {
namespace {

Expr Negations(int count) {
  Expr expr = Col("a");
  for (int i = 0; i < count; ++i) expr = Negative(expr);
  return expr;
}

std::shared_ptr<SessionContext> Tight(int max_depth) {
  SessionConfig config;
  config.decode_limits.max_depth = max_depth;
  return SessionContext::Make(config);
}

TEST(SessionDecodeLimitsTest, ExpressionsDecodeWithinTheSessionsDepth) {
  auto sender = SessionContext::Make();
  auto bytes = sender->EncodeExpr(Negations(11)).ValueOrDie();  // 12 levels
  auto refused = Tight(10)->DecodeExpr(bytes);
  ASSERT_TRUE(refused.status().IsInvalid());
  EXPECT_EQ(refused.status().message(), "expression nests deeper than the limit of 10 levels");
  EXPECT_TRUE(Tight(12)->DecodeExpr(bytes).ok());
  EXPECT_TRUE(sender->DecodeExpr(bytes).ok());
}

TEST(SessionDecodeLimitsTest, PlansDecodeWithinTheSessionsLimits) {
  auto sender = SessionContext::Make();
  auto schema = arrow::schema({arrow::field("a", arrow::int64())});
  auto table = MakeMemoryTable(schema, {{testing::BatchFromJson(schema, R"([{"a": 1}])")}}).ValueOrDie();
  auto df = sender->Scan(table, "t").ValueOrDie().Select({Negations(3)}).ValueOrDie();
  auto bytes = sender->EncodePlan(*df.plan()).ValueOrDie();
  EXPECT_TRUE(Tight(2)->DecodePlan(bytes).status().IsInvalid());
  SessionConfig small;
  small.decode_limits.max_bytes = static_cast<int64_t>(bytes.size()) - 1;
  auto refused = SessionContext::Make(small)->DecodePlan(bytes);
  ASSERT_TRUE(refused.status().IsInvalid());
  EXPECT_NE(refused.status().message().find("exceeds the limit of"), std::string::npos);
  EXPECT_TRUE(sender->DecodePlan(bytes).ok());
}

}  // namespace
}  // namespace ferry

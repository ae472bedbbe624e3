// Join reordering: chains of inner joins start from the smallest input and
// grow only along join conditions; columns and rows stay the same.

#include "ferry/plan/optimizer.h"
#include "ferry/plan/optimizer_test_util.h"

namespace ferry {
namespace {

using testing::Canonical;
using testing::Gt;
using testing::I;

class JoinReorderTest : public testing::OptimizerTest {
 protected:
  void SetUp() override {
    OptimizerTest::SetUp();
    auto regions = arrow::schema({arrow::field("region", arrow::utf8()),
                                  arrow::field("zone", arrow::utf8())});
    Register("regions", regions,
             {{testing::BatchFromJson(regions, R"([["EU", "EMEA"], ["US", "AMER"]])")}});
  }

  PlanPtr Reorder(const Result<DataFrame>& df) { return Rewrite(df, ReorderJoins); }
};

TEST_F(JoinReorderTest, StartsFromTheSmallestAndNeverCrossJoins) {
  // orders (7 rows, filtered to an estimated 2.3) is smaller than customers
  // (5) but shares no condition with regions (2), the smallest: customers
  // must come second, or regions and orders would form a cross product.
  auto df = Table("orders")
                .Filter(Gt(Col("amount"), I(60)))
                ->Join(Table("customers"), JoinType::kInner, {"cust"}, {"cust"})
                ->Join(Table("regions"), JoinType::kInner, {"region"}, {"region"});
  auto plan = Reorder(df);
  EXPECT_EQ(plan->ToString(),
            "Projection: o_id, cust, amount, status, name, region, zone\n"
            "  Join: type=inner on=[cust#1 = cust]\n"
            "    Join: type=inner on=[region = region]\n"
            "      TableScan: regions\n"
            "      TableScan: customers\n"
            "    Filter: amount > Int64(60)\n"
            "      TableScan: orders\n");
  auto out = testing::Canonical(Execute(plan));
  // Orders above 60 with a known customer: 1, 2 (Ann, EU), 3, 6 (Bo, US).
  testing::ExpectArrayEquals(arrow::int64(), "[1, 2, 3, 6]", out->GetColumnByName("o_id"));
  testing::ExpectArrayEquals(arrow::utf8(), R"(["EMEA", "EMEA", "AMER", "AMER"])",
                             out->GetColumnByName("zone"));
}

TEST_F(JoinReorderTest, OptimizeReordersUnlessToldNotTo) {
  auto df = Table("orders")
                .Join(Table("customers"), JoinType::kInner, {"cust"}, {"cust"})
                ->Join(Table("regions"), JoinType::kInner, {"region"}, {"region"});
  OptimizerOptions keep;
  keep.reorder_joins = false;
  auto written = Optimize(df->plan(), keep).ValueOrDie();
  // As written: orders joins customers first, no projection on top.
  EXPECT_TRUE(written->As<JoinNode>() != nullptr) << written->ToString();
  EXPECT_EQ(written->ToString().find("#"), std::string::npos) << written->ToString();
  auto reordered = Optimize(df->plan()).ValueOrDie();
  EXPECT_TRUE(reordered->As<ProjectionNode>() != nullptr) << reordered->ToString();
  EXPECT_NE(reordered->ToString().find("on=[cust#1 = cust]"), std::string::npos)
      << reordered->ToString();
  EXPECT_TRUE(Canonical(Execute(written))->Equals(*Canonical(Execute(reordered))));
}

TEST_F(JoinReorderTest, AGreedyOrderAlreadyWrittenIsKept) {
  auto df = Table("regions")
                .Join(Table("customers"), JoinType::kInner, {"region"}, {"region"})
                ->Join(Table("orders"), JoinType::kInner, {"cust"}, {"cust"});
  auto plan = Reorder(df);
  EXPECT_TRUE(plan->As<JoinNode>() != nullptr) << plan->ToString();
  EXPECT_EQ(plan->ToString(), df->plan()->ToString());
}

TEST_F(JoinReorderTest, ImpliedConditionsConnectInputsAndNoKeyRepeats) {
  // vip.vip_cust = orders.cust and orders.cust = customers.cust imply
  // vip.vip_cust = customers.cust: from vip (1 row) customers (5 rows, one
  // per cust) can come next, which the stated conditions alone do not
  // connect. orders then needs one key only: the second is implied.
  auto vip = arrow::schema({arrow::field("vip_cust", arrow::int64())});
  Register("vip", vip, {{testing::BatchFromJson(vip, "[[20]]")}});
  auto df = Table("orders")
                .Join(Table("customers"), JoinType::kInner, {"cust"}, {"cust"})
                ->Join(Table("vip"), JoinType::kInner, {"cust"}, {"vip_cust"});
  auto plan = Reorder(df);
  EXPECT_EQ(plan->ToString(),
            "Projection: o_id, cust, amount, status, name, region, vip_cust\n"
            "  Join: type=inner on=[cust#1 = cust]\n"
            "    Join: type=inner on=[vip_cust = cust]\n"
            "      TableScan: vip\n"
            "      TableScan: customers\n"
            "    TableScan: orders\n");
  // Bo (20) has orders 3 and 6.
  testing::ExpectArrayEquals(arrow::int64(), "[3, 6]", Canonical(Execute(plan))->GetColumnByName("o_id"));
}

TEST_F(JoinReorderTest, OuterJoinsBoundTheChains) {
  // The left join is not reordered; the inner chain below it is.
  auto chain = Table("orders")
                   .Join(Table("customers"), JoinType::kInner, {"cust"}, {"cust"})
                   ->Join(Table("regions"), JoinType::kInner, {"region"}, {"region"})
                   .ValueOrDie();
  auto df = chain.Join(Table("customers").Select({Alias(Col("name"), "who")}).ValueOrDie(),
                       JoinType::kLeft, {"name"}, {"who"});
  auto plan = Reorder(df);
  const auto* join = plan->As<JoinNode>();
  ASSERT_NE(join, nullptr) << plan->ToString();
  EXPECT_EQ(join->type, JoinType::kLeft);
  EXPECT_TRUE(join->left->As<ProjectionNode>() != nullptr) << plan->ToString();
  EXPECT_EQ(Execute(plan)->num_rows(), 5);
}

}  // namespace
}  // namespace ferry

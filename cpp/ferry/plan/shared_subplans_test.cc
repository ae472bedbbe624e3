// Shared subplans: a repeated join or aggregation is found once per
// occurrence and computed once, with the same rows as computing it twice.

#include "ferry/plan/shared_subplans.h"

#include "ferry/plan/optimizer.h"
#include "ferry/plan/optimizer_test_util.h"

namespace ferry {
namespace {

using testing::Agg;
using testing::Canonical;
using testing::Eq;
using testing::ToTable;

// Declared volatile; the identity, so results stay comparable.
class VolatileIdentity final : public ScalarUdf {
 public:
  VolatileIdentity() : ScalarUdf("jitter", {arrow::int64()}, arrow::int64(), Volatility::kVolatile) {}
  Result<std::shared_ptr<arrow::Array>> Invoke(const std::vector<std::shared_ptr<arrow::Array>>& args,
                                               int64_t) const override {
    return args[0];
  }
};

class SharedSubplansTest : public testing::OptimizerTest {
 protected:
  // Per customer, the sum of amounts (TPC-H Q15's revenue view).
  DataFrame Revenue() {
    return *Table("orders").Aggregate({Col("cust")}, {Alias(Agg("sum", {Col("amount")}), "total")});
  }
  // The customers whose total is the largest: the view read twice.
  DataFrame TopCustomers(const DataFrame& revenue) {
    auto top = revenue.Aggregate({}, {Alias(Agg("max", {Col("total")}), "top")});
    return *revenue.JoinOn(*top, JoinType::kInner, {Eq(Col("total"), Col("top"))});
  }

  ExecPtr Physical(const PlanPtr& plan, bool share) {
    PlannerOptions options;
    options.target_partitions = 3;
    options.share_subplans = share;
    auto physical = CreatePhysicalPlan(*plan, options);
    EXPECT_TRUE(physical.ok()) << physical.status().ToString();
    return physical.ok() ? *physical : nullptr;
  }
  // Rows computed with and without sharing (twice each way: a plan runs
  // again from scratch); fails unless all agree. Returns the explain().
  std::string ExpectSameRows(const PlanPtr& plan) {
    auto shared = Physical(plan, true);
    auto separate = Physical(plan, false);
    if (!shared || !separate) return "";
    auto want = Canonical(ToTable(plan->schema, *Collect(*separate)));
    for (int run = 0; run < 2; ++run) {
      auto got = Canonical(ToTable(plan->schema, *Collect(*shared)));
      EXPECT_TRUE(got->Equals(*want)) << "shared:\n" << got->ToString() << "separate:\n" << want->ToString();
    }
    return ExplainPhysical(*shared);
  }
};

TEST_F(SharedSubplansTest, ARepeatedAggregateIsComputedOnce) {
  auto df = TopCustomers(Revenue());
  auto plan = *Optimize(df.plan());
  auto shared = FindSharedSubplans(*plan);
  EXPECT_EQ(shared.num_groups, 1);
  ASSERT_EQ(shared.group_of.size(), 2u);
  for (const auto& [node, group] : shared.group_of) {
    EXPECT_EQ(group, 0);
    EXPECT_NE(node->As<AggregateNode>(), nullptr) << node->ToString();
  }
  auto explain = ExpectSameRows(plan);
  EXPECT_NE(explain.find("SharedSubplanExec: reader 1 of 2"), std::string::npos) << explain;
  EXPECT_NE(explain.find("SharedSubplanExec: reader 2 of 2"), std::string::npos) << explain;
  // Sums per customer: 10 -> 350, 20 -> 575, NULL -> 300, 30 -> 50, 40 -> NULL.
  auto rows = Canonical(Execute(plan));
  ASSERT_EQ(rows->num_rows(), 1);
  testing::ExpectArrayEquals(arrow::int64(), "[20]", rows->column(0));
  testing::ExpectArrayEquals(arrow::int64(), "[575]", rows->column(1));
}

TEST_F(SharedSubplansTest, ScansAndVolatileSubplansAreComputedPerReader) {
  // A repeated scan alone costs what reading it again costs: not shared.
  auto orders = Table("orders");
  auto self = orders.Join(orders, JoinType::kInner, {"o_id"}, {"o_id"});
  EXPECT_EQ(FindSharedSubplans(*self->plan()).num_groups, 0);
  // A volatile expression may give other rows each time it is computed.
  auto jitter = std::make_shared<VolatileIdentity>();
  auto noisy = *Table("orders").Aggregate(
      {Col("cust")}, {Alias(Agg("sum", {ScalarCall(jitter, "jitter", {Col("amount")})}), "total")});
  auto plan = TopCustomers(noisy).plan();
  EXPECT_EQ(FindSharedSubplans(*plan).num_groups, 0);
  EXPECT_EQ(ExpectSameRows(plan).find("SharedSubplanExec"), std::string::npos);
}

TEST_F(SharedSubplansTest, ATableRegisteredAgainIsAnotherSubplan) {
  auto before = Revenue();
  auto orders = Table("orders").plan()->schema;
  Register("orders", orders, {{testing::BatchFromJson(orders, R"([[9, 20, 1000, "open"]])")}});
  auto after = Revenue();
  auto top = after.Aggregate({}, {Alias(Agg("max", {Col("total")}), "top")});
  auto df = before.JoinOn(*top, JoinType::kInner, {Eq(Col("total"), Col("top"))});
  EXPECT_EQ(FindSharedSubplans(*df->plan()).num_groups, 0);
  // The new table's maximum, 1000, is no total of the old one.
  EXPECT_EQ(Execute(df->plan())->num_rows(), 0);
}

TEST_F(SharedSubplansTest, ASubplanInsideARepeatIsReadOnceThroughIt) {
  auto revenue = Revenue();
  auto named = *revenue.Join(Table("customers"), JoinType::kInner, {"cust"}, {"cust"});
  auto top = revenue.Aggregate({}, {Alias(Agg("max", {Col("total")}), "top")});
  // `named` twice; `revenue` in the first `named` and in `top`: the copy
  // inside the second `named` is never planned, so it is no reader. (The
  // DataFrames reuse their plan objects: one node stands for both.)
  auto df = named.Union(named)->JoinOn(*top, JoinType::kInner, {});
  auto plan = df->plan();
  auto shared = FindSharedSubplans(*plan);
  EXPECT_EQ(shared.num_groups, 2);
  auto explain = ExpectSameRows(plan);
  EXPECT_NE(explain.find("reader 2 of 2"), std::string::npos) << explain;
  EXPECT_EQ(explain.find("reader 3 of"), std::string::npos) << explain;
  // Customers 10, 20 and 30 have orders and names, twice each, beside the
  // maximum 575.
  auto rows = Canonical(Execute(plan));
  testing::ExpectArrayEquals(arrow::int64(), "[10, 10, 20, 20, 30, 30]", rows->column(0));
  testing::ExpectArrayEquals(arrow::int64(), "[575, 575, 575, 575, 575, 575]",
                             rows->column(rows->num_columns() - 1));
}

TEST_F(SharedSubplansTest, AnEmptySubplanIsSharedEmpty) {
  auto none = *Table("orders").Filter(Eq(Col("status"), testing::S("lost")));
  auto revenue = *none.Aggregate({Col("cust")}, {Alias(Agg("sum", {Col("amount")}), "total")});
  auto plan = *Optimize(TopCustomers(revenue).plan());
  EXPECT_EQ(FindSharedSubplans(*plan).num_groups, 1);
  ExpectSameRows(plan);
  EXPECT_EQ(Execute(plan)->num_rows(), 0);
}

TEST_F(SharedSubplansTest, CopiesThatNeedOtherColumnsAreSharedWidened) {
  // TPC-H Q11's shape: one join read per group and in total. Projection
  // pushdown would keep `status` in one copy only; both carry the union.
  auto eu = *Table("customers").Filter(Eq(Col("region"), testing::S("EU")));
  auto joined = [&] { return *Table("orders").Join(eu, JoinType::kInner, {"cust"}, {"cust"}); };
  auto per_status = *joined().Aggregate({Col("status")}, {Alias(Agg("sum", {Col("amount")}), "value")});
  auto total = *joined().Aggregate({}, {Alias(Agg("sum", {Col("amount")}), "total_value")});
  auto plan = *Optimize(per_status.JoinOn(total, JoinType::kInner, {})->plan());
  auto shared = FindSharedSubplans(*plan);
  EXPECT_EQ(shared.num_groups, 1) << plan->ToString();
  for (const auto& [node, group] : shared.group_of) {
    EXPECT_NE(node->As<JoinNode>(), nullptr) << node->ToString();
    EXPECT_NE(node->schema->GetFieldIndex("status"), -1) << node->ToString();
  }
  auto explain = ExpectSameRows(plan);
  EXPECT_NE(explain.find("SharedSubplanExec: reader 2 of 2"), std::string::npos) << explain;
  // EU customers 10 and 30 (the NULL key matches nothing): open 100 + 50,
  // done 250, in all 400.
  auto rows = Canonical(Execute(plan));
  ASSERT_EQ(rows->num_columns(), 3);
  testing::ExpectArrayEquals(arrow::utf8(), R"(["done", "open"])", rows->column(0));
  testing::ExpectArrayEquals(arrow::int64(), "[250, 150]", rows->column(1));
  testing::ExpectArrayEquals(arrow::int64(), "[400, 400]", rows->column(2));
}

}  // namespace
}  // namespace ferry

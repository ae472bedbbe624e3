// Projection pushdown: which columns each node keeps, that joins are
// re-indexed correctly, and that the rows stay the same.

#include "ferry/plan/optimizer.h"
#include "ferry/plan/optimizer_test_util.h"

namespace ferry {
namespace {

using testing::Agg;
using testing::Canonical;
using testing::ExpectArrayEquals;
using testing::Gt;
using testing::I;

class ProjectionPushdownTest : public testing::OptimizerTest {
 protected:
  PlanPtr Push(const Result<DataFrame>& df) { return Rewrite(df, PushDownProjections); }
};

TEST_F(ProjectionPushdownTest, JoinsCarryOnlyReadColumnsAndTheirKeys) {
  auto df = Table("orders")
                .Join(Table("customers"), JoinType::kInner, {"cust"}, {"cust"})
                ->Select({Col("name"), Col("o_id")});
  auto plan = Push(df);
  EXPECT_EQ(plan->ToString(),
            "Projection: name, o_id\n"
            "  Join: type=inner on=[cust = cust]\n"
            "    TableScan: orders projection=[o_id, cust]\n"
            "    TableScan: customers projection=[cust, name]\n");
  const auto& join = *plan->inputs()[0];
  EXPECT_EQ(join.schema->field_names(), (std::vector<std::string>{"o_id", "name"}));
  auto out = Canonical(Execute(plan));
  ExpectArrayEquals(arrow::int64(), "[1, 2, 3, 6, 5]", out->GetColumnByName("o_id"));
  ExpectArrayEquals(arrow::utf8(), R"(["Ann", "Ann", "Bo", "Bo", "Cy"])", out->GetColumnByName("name"));
}

TEST_F(ProjectionPushdownTest, SelfJoinRemapsSuffixedColumns) {
  // o_id_right and amount come from different sides, neither at its old position.
  auto df = Table("orders")
                .Join(Table("orders"), JoinType::kLeft, {"cust"}, {"cust"})
                ->Filter(Gt(Col("amount"), I(200)))
                ->Select({Col("o_id_right"), Col("amount")});
  auto plan = Push(df);
  auto text = plan->ToString();
  EXPECT_NE(text.find("TableScan: orders projection=[cust, amount]"), std::string::npos) << text;
  EXPECT_NE(text.find("TableScan: orders projection=[o_id, cust]"), std::string::npos) << text;
  // Orders above 200: 2 (cust 10: orders 1, 2), 4 (NULL cust: no match),
  // 6 (cust 20: orders 3, 6).
  auto out = Canonical(Execute(plan));
  ExpectArrayEquals(arrow::int64(), "[1, 2, 3, 6, null]", out->GetColumnByName("o_id_right"));
  ExpectArrayEquals(arrow::int64(), "[250, 250, 500, 500, 300]", out->GetColumnByName("amount"));
}

TEST_F(ProjectionPushdownTest, CountOverAJoinReadsOnlyTheKeys) {
  auto df = Table("orders")
                .Join(Table("customers"), JoinType::kFull, {"cust"}, {"cust"})
                ->Aggregate({}, {Alias(Agg("count", {}), "n")});
  auto plan = Push(df);
  auto text = plan->ToString();
  EXPECT_NE(text.find("TableScan: orders projection=[cust]"), std::string::npos) << text;
  EXPECT_NE(text.find("TableScan: customers projection=[cust]"), std::string::npos) << text;
  // 5 matched orders, 2 unmatched orders (NULL cust, 40), 2 unmatched customers (50, NULL).
  ExpectArrayEquals(arrow::int64(), "[9]", Execute(plan)->column(0));
}

TEST_F(ProjectionPushdownTest, AggregatesDropUnreadOutputs) {
  auto df = Table("orders")
                .Aggregate({Col("status")}, {Alias(Agg("sum", {Col("amount")}), "total"),
                                             Alias(Agg("max", {Col("o_id")}), "top")})
                ->Select({Col("status"), Col("total")});
  auto plan = Push(df);
  EXPECT_EQ(plan->ToString(),
            "Projection: status, total\n"
            "  Aggregate: groupBy=[status], aggr=[sum(amount) AS total]\n"
            "    TableScan: orders projection=[amount, status]\n");
  auto out = Canonical(Execute(plan));
  ExpectArrayEquals(arrow::int64(), "[1050, 225]", out->GetColumnByName("total"));
}

TEST_F(ProjectionPushdownTest, UnionInputsDropUnreadPositions) {
  auto orders = Table("orders").Select({Col("o_id"), Col("status")}).ValueOrDie();
  auto customers = Table("customers").Select({Col("cust"), Col("name")}).ValueOrDie();
  auto df = orders.Union(customers)->Select({Col("status")});
  auto plan = Push(df);
  EXPECT_EQ(plan->ToString(),
            "Projection: status\n"
            "  Union:\n"
            "    Projection: status\n"
            "      TableScan: orders projection=[status]\n"
            "    Projection: name\n"
            "      TableScan: customers projection=[name]\n");
  EXPECT_EQ(Execute(plan)->num_rows(), 12);
}

}  // namespace
}  // namespace ferry

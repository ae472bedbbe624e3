// Filter pushdown: where each conjunct lands, and that the rows stay the same.

#include "ferry/function/scalar_function.h"
#include "ferry/plan/optimizer.h"
#include "ferry/plan/optimizer_test_util.h"

namespace ferry {
namespace {

using testing::And;
using testing::Canonical;
using testing::Agg;
using testing::Eq;
using testing::Gt;
using testing::I;
using testing::Lt;
using testing::S;

class FilterPushdownTest : public testing::OptimizerTest {
 protected:
  PlanPtr Push(const Result<DataFrame>& df) { return Rewrite(df, PushDownFilters); }
};

TEST_F(FilterPushdownTest, ThroughProjectionRewritingAliases) {
  auto df = Table("orders")
                .Select({Col("o_id"), Alias(Binary(Col("amount"), Operator::kMultiply, I(2)), "twice")})
                ->Filter(Gt(Col("twice"), I(200)));
  EXPECT_EQ(Push(df)->ToString(),
            "Projection: o_id, amount * Int64(2) AS twice\n"
            "  Filter: amount * Int64(2) > Int64(200)\n"
            "    TableScan: orders\n");
  auto out = Execute(Push(df));
  testing::ExpectArrayEquals(arrow::int64(), "[2, 4, 6]", Canonical(out)->GetColumnByName("o_id"));
}

TEST_F(FilterPushdownTest, AdjacentFiltersMergeLowerFirst) {
  auto df = Table("orders").Filter(Gt(Col("amount"), I(60)))->Filter(Eq(Col("status"), S("open")));
  EXPECT_EQ(Push(df)->ToString(),
            "Filter: amount > Int64(60) AND status = Utf8(\"open\")\n"
            "  TableScan: orders\n");
}

TEST_F(FilterPushdownTest, InnerJoinSplitsConjunctsAndCopiesKeyPredicatesAcross) {
  auto df = Table("orders")
                .Join(Table("customers"), JoinType::kInner, {"cust"}, {"cust"})
                ->Filter(And(And(Gt(Col("amount"), I(60)), Lt(Col("cust"), I(30))),
                             testing::Or(Eq(Col("region"), S("US")), Gt(Col("amount"), I(200)))));
  auto plan = Push(df);
  EXPECT_EQ(plan->ToString(),
            "Filter: region = Utf8(\"US\") OR amount > Int64(200)\n"
            "  Join: type=inner on=[cust = cust]\n"
            "    Filter: amount > Int64(60) AND cust < Int64(30)\n"
            "      TableScan: orders\n"
            "    Filter: cust < Int64(30)\n"
            "      TableScan: customers\n");
  // Ann (10, EU) with order 2 (250); Bo (20, US) with orders 3 and 6.
  auto out = Canonical(Execute(plan));
  testing::ExpectArrayEquals(arrow::int64(), "[2, 3, 6]", out->GetColumnByName("o_id"));
}

TEST_F(FilterPushdownTest, LeftJoinKeepsRightSidePredicatesAbove) {
  // region IS NULL must see the NULLs the left join adds for order 4 (NULL
  // cust): pushed into customers (no NULL region there) it would instead
  // keep every order, each with a NULL region.
  auto df = Table("orders")
                .Join(Table("customers"), JoinType::kLeft, {"cust"}, {"cust"})
                ->Filter(And(Gt(Col("amount"), I(60)), IsNull(Col("region"))));
  auto plan = Push(df);
  EXPECT_EQ(plan->ToString(),
            "Filter: region IS NULL\n"
            "  Join: type=left on=[cust = cust]\n"
            "    Filter: amount > Int64(60)\n"
            "      TableScan: orders\n"
            "    TableScan: customers\n");
  testing::ExpectArrayEquals(arrow::int64(), "[4]", Execute(plan)->GetColumnByName("o_id"));
}

TEST_F(FilterPushdownTest, FiltersRejectingThePaddedNullsMakeOuterJoinsInner) {
  // region = 'EU' is never true on the rows the left join pads with NULLs.
  auto df = Table("orders")
                .Join(Table("customers"), JoinType::kLeft, {"cust"}, {"cust"})
                ->Filter(And(Gt(Col("amount"), I(60)), Eq(Col("region"), S("EU"))));
  auto plan = Push(df);
  EXPECT_EQ(plan->ToString(),
            "Join: type=inner on=[cust = cust]\n"
            "  Filter: amount > Int64(60)\n"
            "    TableScan: orders\n"
            "  Filter: region = Utf8(\"EU\")\n"
            "    TableScan: customers\n");
  // The outer join's nullable columns stay nullable.
  EXPECT_TRUE(plan->schema->GetFieldByName("region")->nullable());
  auto out = Canonical(Execute(plan));
  testing::ExpectArrayEquals(arrow::int64(), "[1, 2]", out->GetColumnByName("o_id"));
}

TEST_F(FilterPushdownTest, ACaseNullOnPaddedRowsInEveryBranchMakesOuterJoinsInner) {
  // The shape SQL binds a scalar subquery to: CASE WHEN <matched> IS NULL
  // THEN <value on no rows> ELSE <value> END over a left join. With a NULL
  // no-rows value the CASE is NULL on every padded row, whichever branch.
  auto padded_case = [](Expr no_rows) {
    return Case(std::nullopt, {{IsNull(Col("name")), std::move(no_rows)}}, Col("region"));
  };
  auto null_utf8 = Lit(arrow::MakeNullScalar(arrow::utf8()));
  auto df = Table("orders")
                .Join(Table("customers"), JoinType::kLeft, {"cust"}, {"cust"})
                ->Filter(Eq(padded_case(null_utf8), S("EU")));
  auto plan = Push(df);
  EXPECT_NE(plan->ToString().find("Join: type=inner"), std::string::npos) << plan->ToString();
  auto out = Canonical(Execute(plan));
  testing::ExpectArrayEquals(arrow::int64(), "[1, 2, 5]", out->GetColumnByName("o_id"));

  // A non-NULL no-rows value keeps the padded rows (orders 4 and 7): the
  // join stays left.
  auto kept = Table("orders")
                  .Join(Table("customers"), JoinType::kLeft, {"cust"}, {"cust"})
                  ->Filter(Eq(padded_case(S("EU")), S("EU")));
  auto kept_plan = Push(kept);
  EXPECT_NE(kept_plan->ToString().find("Join: type=left"), std::string::npos) << kept_plan->ToString();
  out = Canonical(Execute(kept_plan));
  testing::ExpectArrayEquals(arrow::int64(), "[1, 2, 4, 5, 7]", out->GetColumnByName("o_id"));
}

TEST_F(FilterPushdownTest, RightJoinPushesIntoTheRightAndItsSharedKey) {
  auto df = Table("orders")
                .Join(Table("customers"), JoinType::kRight, {"cust"}, {"cust"})
                ->Filter(And(Gt(Col("cust"), I(15)), IsNull(Col("amount"))));
  auto plan = Push(df);
  EXPECT_EQ(plan->ToString(),
            "Filter: amount IS NULL\n"
            "  Join: type=right on=[cust = cust]\n"
            "    Filter: cust > Int64(15)\n"
            "      TableScan: orders\n"
            "    Filter: cust > Int64(15)\n"
            "      TableScan: customers\n");
  // Of Bo (20: orders 3, 6), Cy (30: order 5) and Di (50: none), only Di's
  // padded row has no amount; order 7 (40, no amount) has no customer.
  testing::ExpectArrayEquals(arrow::utf8(), R"(["Di"])", Execute(plan)->GetColumnByName("name"));

  // amount > 60 rejects the padded rows: the join becomes inner, and the
  // shared key's conjunct enters both sides as before.
  auto rejecting = Table("orders")
                       .Join(Table("customers"), JoinType::kRight, {"cust"}, {"cust"})
                       ->Filter(And(Gt(Col("cust"), I(15)), Gt(Col("amount"), I(60))));
  plan = Push(rejecting);
  EXPECT_EQ(plan->ToString(),
            "Join: type=inner on=[cust = cust]\n"
            "  Filter: cust > Int64(15) AND amount > Int64(60)\n"
            "    TableScan: orders\n"
            "  Filter: cust > Int64(15)\n"
            "    TableScan: customers\n");
  auto out = Canonical(Execute(plan));
  testing::ExpectArrayEquals(arrow::int64(), "[3, 6]", out->GetColumnByName("o_id"));
}

TEST_F(FilterPushdownTest, FullJoinPushesNothing) {
  auto df = Table("orders")
                .Join(Table("customers"), JoinType::kFull, {"cust"}, {"cust"})
                ->Filter(Gt(Col("amount"), I(60)));
  auto plan = Push(df);
  EXPECT_TRUE(plan->As<FilterNode>() != nullptr) << plan->ToString();
  EXPECT_EQ(Execute(plan)->num_rows(), 5);
}

TEST_F(FilterPushdownTest, SemiAndAntiJoinsFilterTheirLeftAndTheMatchingKeys) {
  for (auto type : {JoinType::kLeftSemi, JoinType::kLeftAnti}) {
    auto df = Table("orders")
                  .Join(Table("customers"), type, {"cust"}, {"cust"})
                  ->Filter(And(Lt(Col("cust"), I(30)), Eq(Col("status"), S("open"))));
    auto plan = Push(df);
    EXPECT_EQ(plan->ToString(),
              std::string("Join: type=") + JoinTypeName(type) + " on=[cust = cust]\n" +
                  "  Filter: cust < Int64(30) AND status = Utf8(\"open\")\n"
                  "    TableScan: orders\n"
                  "  Filter: cust < Int64(30)\n"
                  "    TableScan: customers\n");
    auto out = Canonical(Execute(plan));
    // Open orders of customers below 30: 1 (10) and 3 (20), both matched.
    if (type == JoinType::kLeftSemi) {
      testing::ExpectArrayEquals(arrow::int64(), "[1, 3]", out->GetColumnByName("o_id"));
    } else {
      EXPECT_EQ(out->num_rows(), 0);
    }
  }
}

TEST_F(FilterPushdownTest, AggregatesPassOnlyGroupKeyConjuncts) {
  auto df = Table("orders")
                .Aggregate({Col("status")}, {Alias(Agg("sum", {Col("amount")}), "total")})
                ->Filter(And(Eq(Col("status"), S("done")), Gt(Col("total"), I(100))));
  auto plan = Push(df);
  EXPECT_EQ(plan->ToString(),
            "Filter: total > Int64(100)\n"
            "  Aggregate: groupBy=[status], aggr=[sum(amount) AS total]\n"
            "    Filter: status = Utf8(\"done\")\n"
            "      TableScan: orders\n");
  auto out = Execute(plan);
  testing::ExpectArrayEquals(arrow::int64(), "[1050]", out->GetColumnByName("total"));
}

TEST_F(FilterPushdownTest, GlobalAggregateStopsEveryConjunct) {
  // Over no rows a global aggregate still yields one row: nothing passes.
  auto df = Table("orders")
                .Aggregate({}, {Alias(Agg("count", {}), "n")})
                ->Filter(Gt(Col("n"), I(100)));
  auto plan = Push(df);
  EXPECT_TRUE(plan->As<FilterNode>() != nullptr) << plan->ToString();
  EXPECT_EQ(Execute(plan)->num_rows(), 0);
}

TEST_F(FilterPushdownTest, UnionRenamesColumnsPerInput) {
  auto renamed = Table("customers").Select({Alias(Col("cust"), "id")}).ValueOrDie();
  auto ids = Table("orders").Select({Col("cust")}).ValueOrDie();
  auto df = ids.Union(renamed)->Filter(Gt(Col("cust"), I(25)));
  auto plan = Push(df);
  EXPECT_EQ(plan->ToString(),
            "Union:\n"
            "  Projection: cust\n"
            "    Filter: cust > Int64(25)\n"
            "      TableScan: orders\n"
            "  Projection: cust AS id\n"
            "    Filter: cust > Int64(25)\n"
            "      TableScan: customers\n");
  testing::ExpectArrayEquals(arrow::int64(), "[30, 30, 40, 50]",
                             Canonical(Execute(plan))->column(0));
}

TEST_F(FilterPushdownTest, WindowsPassOnlyConjunctsOnCommonPartitionKeys) {
  auto row_number = BuiltinFunctions().GetWindow("row_number").ValueOrDie();
  auto window = Window(WindowCall(row_number, "row_number", {}), {Col("status")},
                       {Col("o_id")});
  auto df = Table("orders")
                .Select({Col("o_id"), Col("status"), Alias(window, "rn")})
                ->Filter(And(Eq(Col("status"), S("open")), Lt(Col("o_id"), I(5))));
  auto plan = Push(df);
  // status goes below the window; o_id < 5 there would renumber the rows.
  auto text = plan->ToString();
  auto o_id = text.find("Filter: o_id < Int64(5)");
  auto window_node = text.find("WindowAggr");
  auto status = text.find("Filter: status = Utf8(\"open\")");
  ASSERT_NE(status, std::string::npos) << text;
  EXPECT_LT(o_id, window_node) << text;
  EXPECT_LT(window_node, status) << text;
  auto out = Canonical(Execute(plan));
  testing::ExpectArrayEquals(arrow::int64(), "[1, 3]", out->GetColumnByName("o_id"));
  testing::ExpectArrayEquals(arrow::uint64(), "[1, 2]", out->GetColumnByName("rn"));
}

TEST_F(FilterPushdownTest, SortPassesLimitStops) {
  auto df = Table("orders")
                .Sort({Col("o_id")})
                ->Limit(3)
                ->Sort({Col("amount")})
                ->Filter(Gt(Col("amount"), I(90)));
  EXPECT_EQ(Push(df)->ToString(),
            "Sort: amount ASC NULLS LAST\n"
            "  Filter: amount > Int64(90)\n"
            "    Limit: skip=0, fetch=3\n"
            "      Sort: o_id ASC NULLS LAST\n"
            "        TableScan: orders\n");
}

// Declared volatile; computes the identity so results stay comparable.
class VolatileIdentity final : public ScalarUdf {
 public:
  VolatileIdentity()
      : ScalarUdf("jitter", {arrow::int64()}, arrow::int64(), Volatility::kVolatile) {}
  Result<std::shared_ptr<arrow::Array>> Invoke(const std::vector<std::shared_ptr<arrow::Array>>& args,
                                               int64_t) const override {
    return args[0];
  }
};

TEST_F(FilterPushdownTest, VolatileConjunctsStayPut) {
  auto jitter = std::make_shared<VolatileIdentity>();
  auto df = Table("orders")
                .Select({Col("o_id"), Alias(ScalarCall(jitter, "jitter", {Col("amount")}), "j")})
                ->Filter(And(Gt(Col("j"), I(60)), Lt(Col("o_id"), I(6))))
                ->Filter(Gt(ScalarCall(jitter, "jitter", {Col("o_id")}), I(1)));
  auto plan = Push(df);
  EXPECT_EQ(plan->ToString(),
            "Filter: jitter(o_id) > Int64(1)\n"
            "  Filter: j > Int64(60)\n"
            "    Projection: o_id, jitter(amount) AS j\n"
            "      Filter: o_id < Int64(6)\n"
            "        TableScan: orders\n");
  testing::ExpectArrayEquals(arrow::int64(), "[2, 3, 4]", Canonical(Execute(plan))->column(0));
}

}  // namespace
}  // namespace ferry

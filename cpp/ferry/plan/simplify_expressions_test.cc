// Constant folding and boolean simplification: the expressions they give,
// the plans, and that the rows stay the same.

#include "ferry/function/scalar_function.h"
#include "ferry/plan/optimizer.h"
#include "ferry/plan/optimizer_test_util.h"

namespace ferry {
namespace {

using testing::And;
using testing::Gt;
using testing::I;
using testing::Or;
using testing::S;

Expr B(bool v) { return Lit(std::make_shared<arrow::BooleanScalar>(v)); }
Expr Null() { return Lit(arrow::MakeNullScalar(arrow::boolean())); }
Expr Plus(Expr a, Expr b) { return Binary(std::move(a), Operator::kAdd, std::move(b)); }

std::string Simplified(const Expr& expr) { return SimplifyExpr(expr).ToString(); }

TEST(SimplifyExprTest, FoldsLiteralsWithTheFunctionMachinery) {
  EXPECT_EQ(Simplified(Plus(I(1), I(2))), "Int64(3)");
  EXPECT_EQ(Simplified(Gt(Col("a"), Plus(I(1), I(2)))), "a > Int64(3)");
  EXPECT_EQ(Simplified(Cast(S("42"), arrow::int64())), "Int64(42)");
  EXPECT_EQ(Simplified(Cast(I(7), arrow::float64())), "Float64(7)");
  EXPECT_EQ(Simplified(Plus(I(1), Lit(arrow::MakeNullScalar(arrow::int64())))), "NULL");
  EXPECT_EQ(Simplified(IsNull(Lit(arrow::MakeNullScalar(arrow::int64())))), "Boolean(true)");
}

TEST(SimplifyExprTest, LeavesFailuresForExecution) {
  // Folding must not turn a query that never evaluates this into an error.
  auto div = Binary(I(1), Operator::kDivide, I(0));
  EXPECT_EQ(Simplified(div), div.ToString());
  auto bad_cast = Cast(S("x"), arrow::int64());
  EXPECT_EQ(Simplified(bad_cast), bad_cast.ToString());
}

TEST(SimplifyExprTest, BooleanIdentitiesUnderThreeValuedLogic) {
  auto x = Gt(Col("a"), I(1));
  EXPECT_EQ(Simplified(And(x, B(true))), "a > Int64(1)");
  EXPECT_EQ(Simplified(And(B(true), x)), "a > Int64(1)");
  EXPECT_EQ(Simplified(Or(x, B(false))), "a > Int64(1)");
  EXPECT_EQ(Simplified(And(x, B(false))), "Boolean(false)");
  EXPECT_EQ(Simplified(Or(B(true), x)), "Boolean(true)");
  EXPECT_EQ(Simplified(Not(Not(x))), "a > Int64(1)");
  EXPECT_EQ(Simplified(Not(Not(Not(x)))), "NOT a > Int64(1)");
  // x AND NULL is NULL or false depending on x: nothing to simplify.
  EXPECT_EQ(Simplified(And(x, Null())), And(x, Null()).ToString());
  EXPECT_EQ(Simplified(Or(B(false), And(B(true), B(true)))), "Boolean(true)");
}

class Counter final : public ScalarUdf {
 public:
  Counter() : ScalarUdf("counter", {}, arrow::int64(), Volatility::kVolatile) {}
  Result<std::shared_ptr<arrow::Array>> Invoke(const std::vector<std::shared_ptr<arrow::Array>>&,
                                               int64_t num_rows) const override {
    arrow::Int64Builder builder;
    for (int64_t i = 0; i < num_rows; ++i) FERRY_RETURN_NOT_OK(builder.Append(i));
    return builder.Finish();
  }
};

TEST(SimplifyExprTest, VolatileCallsAreNotFolded) {
  auto call = ScalarCall(std::make_shared<Counter>(), "counter", {});
  EXPECT_EQ(Simplified(Plus(call, Plus(I(1), I(1)))), "counter() + Int64(2)");
}

class SimplifyExpressionsTest : public testing::OptimizerTest {
 protected:
  PlanPtr Simplify(const Result<DataFrame>& df) { return Rewrite(df, SimplifyExpressions); }
};

TEST_F(SimplifyExpressionsTest, FiltersLoseTrueConjunctsAndVanishWhenTrue) {
  auto df = Table("orders")
                .Filter(And(B(true), Gt(Col("amount"), Plus(I(50), I(10)))))
                ->Filter(Or(B(false), Gt(I(2), I(1))));
  EXPECT_EQ(Simplify(df)->ToString(),
            "Filter: amount > Int64(60)\n"
            "  TableScan: orders\n");
  EXPECT_EQ(Execute(Simplify(df))->num_rows(), 5);
}

TEST_F(SimplifyExpressionsTest, AFalseFilterStaysAndYieldsNothing) {
  auto df = Table("orders").Filter(And(Gt(Col("amount"), I(60)), Gt(I(1), I(2))));
  auto plan = Simplify(df);
  EXPECT_EQ(plan->ToString(),
            "Filter: Boolean(false)\n"
            "  TableScan: orders\n");
  EXPECT_EQ(Execute(plan)->num_rows(), 0);
}

TEST_F(SimplifyExpressionsTest, ProjectedColumnsKeepTheirNames) {
  auto df = Table("orders").Select({Col("o_id"), Plus(I(1), I(2)),
                                    Alias(Plus(Col("amount"), Plus(I(1), I(1))), "a2")});
  auto plan = Simplify(df);
  EXPECT_EQ(plan->ToString(),
            "Projection: o_id, Int64(3) AS Int64(1) + Int64(2), amount + Int64(2) AS a2\n"
            "  TableScan: orders\n");
  auto out = testing::Canonical(Execute(plan));
  testing::ExpectArrayEquals(arrow::int64(), "[102, 252, 77, 302, 52, 502, null]",
                             out->GetColumnByName("a2"));
  testing::ExpectArrayEquals(arrow::int64(), "[3, 3, 3, 3, 3, 3, 3]", out->column(1));
}

}  // namespace
}  // namespace ferry

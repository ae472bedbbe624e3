#include "ferry/expr/expr.h"

#include <gtest/gtest.h>

#include <arrow/scalar.h>

namespace ferry {
namespace {

Expr Int(int64_t v) { return Lit(std::make_shared<arrow::Int64Scalar>(v)); }

TEST(ExprTest, DisplaysLikeDataFusion) {
  EXPECT_EQ(Binary(Col("a"), Operator::kAdd, Int(1)).ToString(), "a + Int64(1)");
  EXPECT_EQ(Lit(std::make_shared<arrow::StringScalar>("x")).ToString(), "Utf8(\"x\")");
  EXPECT_EQ(Col("b", "t").ToString(), "t.b");
  EXPECT_EQ(IsNull(Col("a"), true).ToString(), "a IS NOT NULL");
  EXPECT_EQ(Cast(Col("a"), arrow::float64()).ToString(), "CAST(a AS Float64)");
  EXPECT_EQ(Sort(Col("a"), false, true).ToString(), "a DESC NULLS FIRST");
}

TEST(ExprTest, IntegerLiteralsDisplayAsArrowFormatsThem) {
  std::vector<std::shared_ptr<arrow::Scalar>> scalars{
      std::make_shared<arrow::Int8Scalar>(-128),        std::make_shared<arrow::Int16Scalar>(32767),
      std::make_shared<arrow::Int32Scalar>(-1),         std::make_shared<arrow::Int64Scalar>(INT64_MIN),
      std::make_shared<arrow::Int64Scalar>(0),          std::make_shared<arrow::UInt8Scalar>(255),
      std::make_shared<arrow::UInt16Scalar>(7),         std::make_shared<arrow::UInt32Scalar>(4294967295U),
      std::make_shared<arrow::UInt64Scalar>(UINT64_MAX)};
  for (const auto& scalar : scalars) {
    auto text = Lit(scalar).ToString();
    EXPECT_NE(text.find("(" + scalar->ToString() + ")"), std::string::npos) << text;
  }
  EXPECT_EQ(Lit(std::make_shared<arrow::Int64Scalar>(-42)).ToString(), "Int64(-42)");
  EXPECT_EQ(Lit(arrow::MakeNullScalar(arrow::int32())).ToString(), "NULL");
}

TEST(ExprTest, ParenthesizesLooserChildren) {
  auto sum = Binary(Col("a"), Operator::kAdd, Col("b"));
  EXPECT_EQ(Binary(sum, Operator::kMultiply, Col("c")).ToString(), "(a + b) * c");
  EXPECT_EQ(Binary(Col("c"), Operator::kMultiply, Binary(Col("a"), Operator::kMultiply, Col("b")))
                .ToString(),
            "c * a * b");
}

TEST(ExprTest, SchemaNameUsesAliasOrColumnName) {
  EXPECT_EQ(Alias(Binary(Col("a"), Operator::kAdd, Int(1)), "x").SchemaName(), "x");
  EXPECT_EQ(Col("a", "t").SchemaName(), "a");
  EXPECT_EQ(Binary(Col("a"), Operator::kGt, Int(2)).SchemaName(), "a > Int64(2)");
  // Re-aliasing replaces the alias instead of nesting.
  EXPECT_EQ(Alias(Alias(Col("a"), "x"), "y").ToString(), "a AS y");
}

TEST(ExprTest, StructuralEquality) {
  auto a = Binary(Col("a"), Operator::kAdd, Int(1));
  auto b = Binary(Col("a"), Operator::kAdd, Int(1));
  auto c = Binary(Col("a"), Operator::kAdd, Int(2));
  EXPECT_TRUE(a.Equals(b));
  EXPECT_FALSE(a.Equals(c));
  EXPECT_FALSE(a.Equals(Col("a")));
  EXPECT_TRUE(Case(std::nullopt, {{Col("p"), Int(1)}}, Int(0))
                  .Equals(Case(std::nullopt, {{Col("p"), Int(1)}}, Int(0))));
}

TEST(ExprTest, ChildrenListsSubexpressions) {
  auto between = Between(Col("x"), Int(1), Int(5));
  ASSERT_EQ(Children(between).size(), 3u);
  EXPECT_EQ(Children(Col("x")).size(), 0u);
  EXPECT_EQ(Children(InList(Col("x"), {Int(1), Int(2)})).size(), 3u);
}

}  // namespace
}  // namespace ferry

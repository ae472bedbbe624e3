// Decimal comparisons on 128-bit integers (decimal_comparison.cc): every
// operator, scales lined up either way, integers, NULLs, slices, empty
// batches. Expected values are worked out by hand.

#include <gtest/gtest.h>

#include "ferry/function/arithmetic_internal.h"
#include "ferry/function/bind.h"
#include "ferry/testing/test_util.h"

namespace ferry {
namespace {

using testing::ArrayFromJson;

Expr D(const std::string& text, int precision, int scale) {
  return Lit(std::make_shared<arrow::Decimal128Scalar>(
      arrow::Decimal128::FromString(text).ValueOrDie(), arrow::decimal128(precision, scale)));
}
Expr I(int64_t v) { return Lit(std::make_shared<arrow::Int64Scalar>(v)); }

class DecimalComparisonTest : public ::testing::Test {
 protected:
  void SetUp() override {
    EnsureArrowCompute();
    schema_ = arrow::schema({arrow::field("q", arrow::decimal128(15, 2)),
                             arrow::field("d", arrow::decimal128(12, 4)),
                             arrow::field("n", arrow::int32())});
    batch_ = arrow::RecordBatch::Make(
        schema_, 5,
        {ArrayFromJson(arrow::decimal128(15, 2), R"(["24.00", "23.99", null, "-1.50", "0.05"])"),
         ArrayFromJson(arrow::decimal128(12, 4), R"(["24.0000", "24.0001", "1.0000", null, "0.0500"])"),
         ArrayFromJson(arrow::int32(), "[24, 23, 1, -2, null]")});
  }

  void Expect(const Expr& expr, const std::string& json,
              std::shared_ptr<arrow::RecordBatch> batch = nullptr) {
    if (!batch) batch = batch_;
    auto bound = BindScalar(expr, *batch->schema());
    ASSERT_TRUE(bound.ok()) << bound.status().ToString();
    auto out = EvaluateToArray(**bound, *batch);
    ASSERT_TRUE(out.ok()) << expr.ToString() << ": " << out.status().ToString();
    auto expected = ArrayFromJson(arrow::boolean(), json);
    EXPECT_TRUE((*out)->Equals(*expected)) << expr.ToString() << ": expected "
                                           << expected->ToString() << "\n got "
                                           << (*out)->ToString();
  }

  std::shared_ptr<arrow::Schema> schema_;
  std::shared_ptr<arrow::RecordBatch> batch_;
};

TEST_F(DecimalComparisonTest, EveryOperatorAgainstAnIntegerLiteral) {
  // q: 24.00, 23.99, NULL, -1.50, 0.05 against 24.
  Expect(Binary(Col("q"), Operator::kEq, I(24)), "[true, false, null, false, false]");
  Expect(Binary(Col("q"), Operator::kNotEq, I(24)), "[false, true, null, true, true]");
  Expect(Binary(Col("q"), Operator::kLt, I(24)), "[false, true, null, true, true]");
  Expect(Binary(Col("q"), Operator::kLtEq, I(24)), "[true, true, null, true, true]");
  Expect(Binary(Col("q"), Operator::kGt, I(24)), "[false, false, null, false, false]");
  Expect(Binary(Col("q"), Operator::kGtEq, I(24)), "[true, false, null, false, false]");
  // The literal on the left.
  Expect(Binary(I(0), Operator::kGt, Col("q")), "[false, false, null, true, false]");
}

TEST_F(DecimalComparisonTest, ScalesLineUpEitherWay) {
  // A literal of larger scale than the column: 0.051 > 0.05 but < 0.06.
  Expect(Binary(Col("q"), Operator::kLt, D("0.051", 4, 3)), "[false, false, null, true, true]");
  Expect(Binary(Col("q"), Operator::kEq, D("0.050", 4, 3)), "[false, false, null, false, true]");
  // A literal of smaller scale: 23.9 against 23.99.
  Expect(Binary(Col("q"), Operator::kGt, D("23.9", 3, 1)), "[true, true, null, false, false]");
  // Column against column, scales 2 and 4, NULLs on both sides.
  Expect(Binary(Col("q"), Operator::kEq, Col("d")), "[true, false, null, null, true]");
  Expect(Binary(Col("q"), Operator::kLt, Col("d")), "[false, true, null, null, false]");
  Expect(Binary(Col("d"), Operator::kGtEq, Col("q")), "[true, true, null, null, true]");
  // An integer column becomes decimal(10, 0).
  Expect(Binary(Col("q"), Operator::kLtEq, Col("n")), "[true, false, null, false, null]");
}

TEST_F(DecimalComparisonTest, BetweenNullLiteralsSlicesAndEmptyBatches) {
  Expect(Between(Col("q"), D("0.05", 3, 2), D("24", 2, 0)), "[true, true, null, false, true]");
  Expect(Binary(Col("q"), Operator::kLt, Lit(arrow::MakeNullScalar(arrow::decimal128(5, 2)))),
         "[null, null, null, null, null]");
  Expect(Binary(Col("q"), Operator::kLt, Col("d")), "[null, null, false]", batch_->Slice(2, 3));
  Expect(Binary(Col("q"), Operator::kLt, I(24)), "[]", batch_->Slice(5, 0));
  // Both sides constant: one value for every row.
  Expect(Binary(D("1.5", 2, 1), Operator::kLt, I(2)), "[true, true, true, true, true]");
}

TEST_F(DecimalComparisonTest, ValueBeyondItsPrecisionIsAnErrorUnlessNull) {
  // 10^37 in a decimal(15, 2) column cannot be raised to scale 4 in 128
  // bits: an error, not a wrapped comparison; in a NULL row it is ignored.
  auto wide = ArrayFromJson(arrow::decimal128(38, 2),
                            R"(["1.00", "99999999999999999999999999999999999.99"])");
  auto narrow_type = arrow::decimal128(15, 2);
  auto as_declared = arrow::MakeArray(arrow::ArrayData::Make(
      narrow_type, 2, {nullptr, wide->data()->buffers[1]}, 0));
  auto schema = arrow::schema({arrow::field("q", narrow_type)});
  auto batch = arrow::RecordBatch::Make(schema, 2, {as_declared});
  auto bound = BindScalar(Binary(Col("q"), Operator::kLt, D("0.0001", 5, 4)), *schema);
  ASSERT_TRUE(bound.ok()) << bound.status().ToString();
  auto out = EvaluateToArray(**bound, *batch);
  ASSERT_FALSE(out.ok());
  EXPECT_TRUE(out.status().IsInvalid()) << out.status().ToString();
  EXPECT_NE(out.status().message().find("exceeds its type's precision"), std::string::npos)
      << out.status().ToString();

  auto bitmap = arrow::AllocateBitmap(2).ValueOrDie();
  arrow::bit_util::SetBit(bitmap->mutable_data(), 0);
  arrow::bit_util::ClearBit(bitmap->mutable_data(), 1);
  auto with_null = arrow::MakeArray(arrow::ArrayData::Make(
      narrow_type, 2, {bitmap, wide->data()->buffers[1]}, 1));
  Expect(Binary(Col("q"), Operator::kLt, D("1.0001", 5, 4)), "[true, null]",
         arrow::RecordBatch::Make(schema, 2, {with_null}));
}

}  // namespace
}  // namespace ferry

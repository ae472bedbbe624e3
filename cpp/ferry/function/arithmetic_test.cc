// Arithmetic binding: checked integers, DataFusion decimal types, calendar
// intervals. Expected values are computed by hand.

#include "ferry/function/arithmetic_internal.h"

#include <gtest/gtest.h>

#include "ferry/function/bind.h"
#include "ferry/function/registry.h"
#include "ferry/testing/test_util.h"

namespace ferry {
namespace {

using testing::ArrayFromJson;
using testing::BatchFromJson;

constexpr int64_t kMin = std::numeric_limits<int64_t>::min();

Expr I(int64_t v) { return Lit(std::make_shared<arrow::Int64Scalar>(v)); }
Expr Months(int32_t months, int32_t days = 0, int64_t nanos = 0) {
  return Lit(std::make_shared<arrow::MonthDayNanoIntervalScalar>(
      arrow::MonthDayNanoIntervalType::MonthDayNanos{months, days, nanos}));
}
Expr Call(const std::string& name, std::vector<Expr> args) {
  auto func = BuiltinFunctions().GetScalar(name).ValueOrDie();
  return ScalarCall(func, name, std::move(args));
}

Result<std::shared_ptr<arrow::Array>> Eval(const Expr& expr,
                                           const std::shared_ptr<arrow::RecordBatch>& batch) {
  FERRY_ASSIGN_OR_RAISE(auto bound, BindScalar(expr, *batch->schema()));
  return EvaluateToArray(*bound, *batch);
}

void ExpectEval(const Expr& expr, const std::shared_ptr<arrow::RecordBatch>& batch,
                const std::shared_ptr<arrow::DataType>& type, const std::string& json) {
  auto out = Eval(expr, batch);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  auto expected = ArrayFromJson(type, json);
  EXPECT_TRUE((*out)->Equals(*expected))
      << expr.ToString() << ": expected " << expected->ToString() << "\n got "
      << (*out)->ToString();
}

void ExpectOverflow(const Expr& expr, const std::shared_ptr<arrow::RecordBatch>& batch) {
  auto out = Eval(expr, batch);
  ASSERT_FALSE(out.ok()) << expr.ToString() << " gave " << (*out)->ToString();
  EXPECT_TRUE(out.status().IsInvalid()) << out.status().ToString();
  EXPECT_NE(out.status().message().find(expr.ToString()), std::string::npos)
      << out.status().ToString();
  EXPECT_NE(out.status().message().find("overflow"), std::string::npos) << out.status().ToString();
}

class IntegerOverflowTest : public ::testing::Test {
 protected:
  void SetUp() override {
    EnsureArrowCompute();
    auto schema = arrow::schema({arrow::field("a", arrow::int64()),
                                 arrow::field("u", arrow::uint64()),
                                 arrow::field("f", arrow::float64())});
    big_ = BatchFromJson(schema, R"([
      {"a": 4611686018427387904, "u": 18446744073709551615, "f": 1.0},
      {"a": null, "u": null, "f": null}])");
    min_ = BatchFromJson(schema, R"([{"a": -9223372036854775808, "u": 0, "f": 0.0}])");
  }
  std::shared_ptr<arrow::RecordBatch> big_, min_;
};

TEST_F(IntegerOverflowTest, ArithmeticOverflowIsAnError) {
  ExpectOverflow(Binary(Col("a"), Operator::kAdd, Col("a")), big_);
  ExpectOverflow(Binary(Col("a"), Operator::kMultiply, I(2)), big_);
  ExpectOverflow(Binary(Col("a"), Operator::kSubtract, I(1)), min_);
  ExpectOverflow(Binary(Col("a"), Operator::kDivide, I(-1)), min_);
  ExpectOverflow(Binary(Col("u"), Operator::kAdd, Lit(std::make_shared<arrow::UInt64Scalar>(1))),
                 big_);
  ExpectOverflow(Negative(Col("a")), min_);
  ExpectOverflow(Call("abs", {Col("a")}), min_);
}

TEST_F(IntegerOverflowTest, InRangeValuesAndNullsAreUnchanged) {
  ExpectEval(Binary(Col("a"), Operator::kSubtract, Col("a")), big_, arrow::int64(), "[0, null]");
  ExpectEval(Negative(Col("a")), big_, arrow::int64(), "[-4611686018427387904, null]");
  ExpectEval(Binary(Col("a"), Operator::kDivide, I(-2)), big_, arrow::int64(),
             "[-2305843009213693952, null]");
  ExpectEval(Binary(Col("a"), Operator::kModulo, I(-1)), min_, arrow::int64(), "[0]");
  ExpectEval(Call("abs", {Binary(Col("a"), Operator::kAdd, I(1))}), min_, arrow::int64(),
             "[9223372036854775807]");
}

TEST_F(IntegerOverflowTest, FloatsKeepIeeeSemantics) {
  ExpectEval(Binary(Col("f"), Operator::kDivide, Lit(std::make_shared<arrow::DoubleScalar>(0.0))),
             big_, arrow::float64(), "[Inf, null]");
  auto huge = Lit(std::make_shared<arrow::DoubleScalar>(1e308));
  ExpectEval(Binary(Col("f"), Operator::kSubtract, huge), big_, arrow::float64(), "[-1e308, null]");
}

TEST_F(IntegerOverflowTest, DivisionByZeroIsAnError) {
  auto out = Eval(Binary(Col("a"), Operator::kDivide, I(0)), big_);
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("divide by zero"), std::string::npos);
}

class DecimalArithmeticTest : public ::testing::Test {
 protected:
  void SetUp() override {
    EnsureArrowCompute();
    auto schema = arrow::schema({arrow::field("price", arrow::decimal128(15, 2)),
                                 arrow::field("disc", arrow::decimal128(15, 2)),
                                 arrow::field("q", arrow::decimal128(15, 2)),
                                 arrow::field("wide", arrow::decimal128(38, 4)),
                                 arrow::field("n", arrow::int32())});
    batch_ = BatchFromJson(schema, R"([
      {"price": "100.00", "disc": "0.05", "q": "17.00", "wide": "1.5000", "n": 3},
      {"price": "33.33", "disc": "0.10", "q": "24.00", "wide": "-2.0000", "n": -2},
      {"price": null, "disc": "0.00", "q": null, "wide": null, "n": null}])");
  }

  std::shared_ptr<arrow::DataType> TypeOf(const Expr& expr) {
    auto bound = BindScalar(expr, *batch_->schema());
    EXPECT_TRUE(bound.ok()) << bound.status().ToString();
    return bound.ok() ? (*bound)->type() : arrow::null();
  }

  std::shared_ptr<arrow::RecordBatch> batch_;
};

TEST_F(DecimalArithmeticTest, TpchDiscountedPrice) {
  // l_extendedprice * (1 - l_discount): 1 is decimal(20, 0), so 1 - disc is
  // decimal(23, 2) and the product decimal(min(38, 15 + 23 + 1), 4).
  auto one_minus = Binary(I(1), Operator::kSubtract, Col("disc"));
  EXPECT_TRUE(TypeOf(one_minus)->Equals(arrow::decimal128(23, 2)));
  auto net = Binary(Col("price"), Operator::kMultiply, one_minus);
  ExpectEval(net, batch_, arrow::decimal128(38, 4), R"(["95.0000", "29.9970", null])");
  // ... * (1 + tax) needs more than 38 digits: computed in decimal256, capped.
  auto taxed = Binary(net, Operator::kMultiply, Binary(I(1), Operator::kAdd, Col("disc")));
  ExpectEval(taxed, batch_, arrow::decimal128(38, 6), R"(["99.750000", "32.996700", null])");
}

TEST_F(DecimalArithmeticTest, ResultTypesFollowDataFusion) {
  EXPECT_TRUE(TypeOf(Binary(Col("price"), Operator::kAdd, Col("wide")))
                  ->Equals(arrow::decimal128(38, 4)));
  EXPECT_TRUE(TypeOf(Binary(Col("price"), Operator::kAdd, Col("n")))
                  ->Equals(arrow::decimal128(16, 2)));
  EXPECT_TRUE(TypeOf(Binary(Col("price"), Operator::kMultiply, Col("n")))
                  ->Equals(arrow::decimal128(26, 2)));
  // Division adds 4 digits of scale: decimal(15 - 2 + 2 + 6, 6).
  EXPECT_TRUE(TypeOf(Binary(Col("price"), Operator::kDivide, Col("q")))
                  ->Equals(arrow::decimal128(21, 6)));
  // A float operand makes it float arithmetic, as in DataFusion.
  EXPECT_TRUE(TypeOf(Binary(Col("price"), Operator::kMultiply,
                            Lit(std::make_shared<arrow::DoubleScalar>(0.5))))
                  ->Equals(arrow::float64()));
}

TEST_F(DecimalArithmeticTest, DivisionTruncatesToScalePlusFour) {
  ExpectEval(Binary(Col("price"), Operator::kDivide, Col("q")), batch_, arrow::decimal128(21, 6),
             R"(["5.882352", "1.388750", null])");
  ExpectEval(Binary(Col("price"), Operator::kDivide, Col("n")), batch_, arrow::decimal128(19, 6),
             R"(["33.333333", "-16.665000", null])");
  // Wide operands still divide: 38 + 38 digits go through decimal256.
  ExpectEval(Binary(Col("wide"), Operator::kDivide, Col("wide")), batch_, arrow::decimal128(38, 8),
             R"(["1.00000000", "1.00000000", null])");
}

TEST_F(DecimalArithmeticTest, ComparisonsWithIntegers) {
  ExpectEval(Binary(Col("q"), Operator::kLt, I(24)), batch_, arrow::boolean(),
             "[true, false, null]");
  ExpectEval(Binary(Col("q"), Operator::kEq, I(24)), batch_, arrow::boolean(),
             "[false, true, null]");
}

TEST_F(DecimalArithmeticTest, ValueBeyondThirtyEightDigitsIsAnError) {
  auto schema = arrow::schema({arrow::field("w", arrow::decimal128(38, 0))});
  auto batch = BatchFromJson(schema, R"([{"w": "90000000000000000000000000000000000000"}])");
  auto out = Eval(Binary(Col("w"), Operator::kAdd, Col("w")), batch);
  ASSERT_FALSE(out.ok());
  EXPECT_TRUE(out.status().IsInvalid()) << out.status().ToString();
  EXPECT_NE(out.status().message().find("w + w"), std::string::npos) << out.status().ToString();
}

// The kernel computes a batch in int64 when its values allow and redoes it
// in 128 bits when they do not; both must give the same exact answers.
class DecimalKernelPathsTest : public ::testing::Test {
 protected:
  void SetUp() override { EnsureArrowCompute(); }

  static std::shared_ptr<arrow::RecordBatch> Batch(const std::string& a, const std::string& b) {
    auto schema = arrow::schema({arrow::field("a", arrow::decimal128(38, 2)),
                                 arrow::field("b", arrow::decimal128(38, 2))});
    auto left = ArrayFromJson(arrow::decimal128(38, 2), a);
    return arrow::RecordBatch::Make(schema, left->length(),
                                    {left, ArrayFromJson(arrow::decimal128(38, 2), b)});
  }
};

TEST_F(DecimalKernelPathsTest, SixtyFourBitValuesNullsSlicesAndConstants) {
  auto batch = Batch(R"(["1.50", "-2.25", null, "100.00", "0.01"])",
                     R"(["2.00", "3.00", "1.00", null, "-0.01"])");
  ExpectEval(Binary(Col("a"), Operator::kAdd, Col("b")), batch, arrow::decimal128(38, 2),
             R"(["3.50", "0.75", null, null, "0.00"])");
  ExpectEval(Binary(Col("a"), Operator::kSubtract, Col("b")), batch, arrow::decimal128(38, 2),
             R"(["-0.50", "-5.25", null, null, "0.02"])");
  ExpectEval(Binary(Col("a"), Operator::kMultiply, Col("b")), batch, arrow::decimal128(38, 4),
             R"(["3.0000", "-6.7500", null, null, "-0.0001"])");
  // 1 - b: an integer constant on the left, rescaled to scale 2.
  ExpectEval(Binary(I(1), Operator::kSubtract, Col("b")), batch, arrow::decimal128(38, 2),
             R"(["-1.00", "-2.00", "0.00", null, "1.01"])");
  ExpectEval(Binary(Col("a"), Operator::kMultiply, I(-3)), batch, arrow::decimal128(38, 2),
             R"(["-4.50", "6.75", null, "-300.00", "-0.03"])");
  // A slice starts at its offset, in the values and in the validity.
  ExpectEval(Binary(Col("a"), Operator::kAdd, Col("b")), batch->Slice(1, 3),
             arrow::decimal128(38, 2), R"(["0.75", null, null])");
  ExpectEval(Binary(Col("a"), Operator::kMultiply, Col("b")), batch->Slice(0, 0),
             arrow::decimal128(38, 4), "[]");
}

TEST_F(DecimalKernelPathsTest, ValuesBeyondSixtyFourBitsAreExact) {
  // 2^63 = 9223372036854775808: as an operand, as a sum and as a product.
  auto batch = Batch(R"(["92233720368547758.08", "92233720368547758.07", "3037000499.98"])",
                     R"(["1.00", "0.01", "3037000499.98"])");
  ExpectEval(Binary(Col("a"), Operator::kAdd, Col("b")), batch, arrow::decimal128(38, 2),
             R"(["92233720368547759.08", "92233720368547758.08", "6074000999.96"])");
  ExpectEval(Binary(Col("a"), Operator::kMultiply, Col("b")), batch, arrow::decimal128(38, 4),
             R"(["92233720368547758.0800", "922337203685477.5807", "9223372036878769980.0004"])");
}

TEST_F(DecimalKernelPathsTest, NullRowsLeftoverBytesAreIgnored) {
  // Row 1 is NULL but its slot holds 10^37: multiplying it would overflow,
  // yet a NULL row never makes the batch fail.
  auto a = ArrayFromJson(arrow::decimal128(38, 2), R"(["2.00", "99999999999999999999999999999999999.99"])");
  auto bitmap = arrow::AllocateBitmap(2).ValueOrDie();
  arrow::bit_util::SetBit(bitmap->mutable_data(), 0);
  arrow::bit_util::ClearBit(bitmap->mutable_data(), 1);
  auto with_null = arrow::MakeArray(arrow::ArrayData::Make(
      a->type(), 2, {bitmap, a->data()->buffers[1]}, /*null_count=*/1));
  auto schema = arrow::schema({arrow::field("a", a->type())});
  auto batch = arrow::RecordBatch::Make(schema, 2, {with_null});
  ExpectEval(Binary(Col("a"), Operator::kMultiply, Col("a")), batch, arrow::decimal128(38, 4),
             R"(["4.0000", null])");
}

TEST_F(DecimalKernelPathsTest, OverflowOfTheResultTypeIsAnError) {
  // 38 nines plus 0.01 leaves decimal(38, 2); a product of two 20-digit
  // values leaves 128 bits entirely.
  auto batch = Batch(R"(["999999999999999999999999999999999999.99", "1.00"])",
                     R"(["0.01", "1.00"])");
  auto big = Batch(R"(["100000000000000000000.00"])", R"(["100000000000000000000.00"])");
  for (const auto& [expr, input] : {std::pair{Binary(Col("a"), Operator::kAdd, Col("b")), batch},
                                    std::pair{Binary(Col("a"), Operator::kMultiply, Col("b")), big}}) {
    auto out = Eval(expr, input);
    ASSERT_FALSE(out.ok()) << expr.ToString() << " gave " << (*out)->ToString();
    EXPECT_TRUE(out.status().IsInvalid()) << out.status().ToString();
    EXPECT_NE(out.status().message().find("does not fit in decimal128(38, "), std::string::npos)
        << out.status().ToString();
  }
}

class IntervalArithmeticTest : public ::testing::Test {
 protected:
  void SetUp() override {
    EnsureArrowCompute();
    auto schema = arrow::schema({arrow::field("d", arrow::date32()),
                                 arrow::field("ts", arrow::timestamp(arrow::TimeUnit::MICRO))});
    // 1995-01-31, 2000-02-29, 1969-12-31, null.
    batch_ = BatchFromJson(schema, R"([
      {"d": 9161, "ts": 791553600000000},
      {"d": 11016, "ts": 951782400000000},
      {"d": -1, "ts": -1},
      {"d": null, "ts": null}])");
  }
  std::shared_ptr<arrow::RecordBatch> batch_;
};

TEST_F(IntervalArithmeticTest, MonthsClampToTheMonthsLastDay) {
  // +1 month: 1995-02-28, 2000-03-29, 1970-01-31.
  ExpectEval(Binary(Col("d"), Operator::kAdd, Months(1)), batch_, arrow::date32(),
             "[9189, 11045, 30, null]");
  // +12 months from a leap day: 2001-02-28. -3 months: 1994-10-31, 1999-11-29, 1969-09-30.
  ExpectEval(Binary(Col("d"), Operator::kAdd, Months(12)), batch_, arrow::date32(),
             "[9526, 11381, 364, null]");
  ExpectEval(Binary(Col("d"), Operator::kSubtract, Months(3)), batch_, arrow::date32(),
             "[9069, 10924, -93, null]");
  // interval + date is date + interval; days come after months.
  ExpectEval(Binary(Months(1, 1), Operator::kAdd, Col("d")), batch_, arrow::date32(),
             "[9190, 11046, 31, null]");
}

TEST_F(IntervalArithmeticTest, TimestampsKeepTheirTimeOfDay) {
  // 1995-01-31T12:00 + 1 month 1 day 1 hour = 1995-03-01T13:00.
  const int64_t hour = 3600LL * 1000000;
  ExpectEval(Binary(Col("ts"), Operator::kAdd, Months(1, 1, 3600LL * 1000000000)), batch_,
             arrow::timestamp(arrow::TimeUnit::MICRO),
             "[" + std::to_string(794059200000000 + hour) + ", " +
                 std::to_string(954374400000000 + hour) + ", " +
                 std::to_string(2764800000000 - 1 + hour) + ", null]");
}

TEST_F(IntervalArithmeticTest, LiteralDatesFoldAndNullIntervalsGiveNull) {
  // date '1995-01-01' + interval '3 months' = 1995-04-01.
  auto date = Lit(std::make_shared<arrow::Date32Scalar>(9131));
  auto bound = BindScalar(Binary(date, Operator::kAdd, Months(3)), *batch_->schema()).ValueOrDie();
  ASSERT_NE(bound->constant(), nullptr);
  EXPECT_TRUE(bound->constant()->Equals(arrow::Date32Scalar(9221)));
  auto null_interval = Lit(arrow::MakeNullScalar(arrow::month_day_nano_interval()));
  ExpectEval(Binary(Col("d"), Operator::kAdd, null_interval), batch_, arrow::date32(),
             "[null, null, null, null]");
}

TEST_F(IntervalArithmeticTest, UnsupportedCombinationsAreTypeErrors) {
  auto out = BindScalar(Binary(Months(1), Operator::kSubtract, Col("d")), *batch_->schema());
  ASSERT_FALSE(out.ok());
  EXPECT_TRUE(out.status().IsTypeError()) << out.status().ToString();
  auto zoned = arrow::schema({arrow::field("z", arrow::timestamp(arrow::TimeUnit::SECOND, "UTC"))});
  auto z = BindScalar(Binary(Col("z"), Operator::kAdd, Months(1)), *zoned);
  ASSERT_FALSE(z.ok());
  EXPECT_TRUE(z.status().IsNotImplemented()) << z.status().ToString();
}

}  // namespace
}  // namespace ferry

#include "ferry/serde/expr_serde.h"

#include <random>

#include <arrow/scalar.h>
#include <gtest/gtest.h>

#include "ferry/function/bind.h"
#include "ferry/serde/inline_frame.h"
#include "ferry/serde/opaque_function.h"

namespace ferry {
namespace {

Expr I(int64_t v) { return Lit(std::make_shared<arrow::Int64Scalar>(v)); }

class ExprSerdeTest : public ::testing::Test {
 protected:
  void SetUp() override { EnsureArrowCompute(); }

  Expr RoundTrip(const Expr& expr) {
    auto bytes = EncodeExpr(expr, *ByNameCodec());
    EXPECT_TRUE(bytes.ok()) << bytes.status().ToString();
    auto decoded = DecodeExpr(*bytes, *ByNameCodec(), BuiltinFunctions());
    EXPECT_TRUE(decoded.ok()) << decoded.status().ToString();
    return *decoded;
  }

  Expr Rich() {
    auto upper = BuiltinFunctions().GetScalar("upper").ValueOrDie();
    auto sum = BuiltinFunctions().GetAggregate("sum").ValueOrDie();
    auto decimal = std::make_shared<arrow::Decimal128Scalar>(arrow::Decimal128(12345),
                                                             arrow::decimal128(10, 2));
    auto ts = std::make_shared<arrow::TimestampScalar>(1700000000000000,
                                                       arrow::timestamp(arrow::TimeUnit::MICRO, "UTC"));
    return Alias(
        Case(std::nullopt,
             {{Between(Col("x", "t"), I(1), I(5)), ScalarCall(upper, "upper", {Col("s")})},
              {Like(Col("s"), Lit(std::make_shared<arrow::StringScalar>("a%")), true, true),
               Cast(Lit(decimal), arrow::utf8())}},
             Lit(std::make_shared<arrow::StringScalar>("other"))),
        "label");
  }
};

TEST_F(ExprSerdeTest, RoundTripsEveryNodeKind) {
  auto sum = BuiltinFunctions().GetAggregate("count").ValueOrDie();
  std::vector<Expr> exprs = {
      Rich(),
      Binary(Negative(Col("a")), Operator::kModulo, I(3)),
      Not(IsNull(Col("a"), true)),
      InList(Col("a"), {I(1), Lit(std::make_shared<arrow::NullScalar>())}, true),
      Sort(Col("a"), false, true),
      AggregateCall(sum, "count", {}, false),
      AggregateCall(sum, "count", {Col("a")}, true),
      Lit(std::make_shared<arrow::TimestampScalar>(5, arrow::timestamp(arrow::TimeUnit::NANO))),
      Lit(arrow::MakeNullScalar(arrow::int32())),
      Lit(std::make_shared<arrow::DoubleScalar>(-0.5)),
      Lit(std::make_shared<arrow::BooleanScalar>(true)),
  };
  for (const auto& expr : exprs) {
    auto decoded = RoundTrip(expr);
    EXPECT_TRUE(decoded.Equals(expr)) << expr.ToString() << " vs " << decoded.ToString();
    EXPECT_EQ(decoded.ToString(), expr.ToString());
  }
}

TEST_F(ExprSerdeTest, SharedFunctionIsDefinedOnce) {
  auto udf = std::make_shared<OpaqueScalarFunction>("f", MakeInlineFrame(FrameFamily::kScalar, 3, 11, "payload"));
  auto expr = Binary(ScalarCall(udf, "f", {Col("a")}), Operator::kAdd, ScalarCall(udf, "f", {Col("b")}));
  auto bytes = EncodeExpr(expr, *ByNameCodec()).ValueOrDie();
  size_t count = 0;
  for (size_t pos = bytes.find("FYPYUDF"); pos != std::string::npos; pos = bytes.find("FYPYUDF", pos + 1)) {
    ++count;
  }
  EXPECT_EQ(count, 1u);
  // A Python-free decoder keeps the definition opaque and re-encodes it verbatim.
  auto kept = DecodeExpr(bytes, *ByNameCodec(), BuiltinFunctions(), UnknownFunctionPolicy::kKeepOpaque)
                  .ValueOrDie();
  EXPECT_EQ(EncodeExpr(kept, *ByNameCodec()).ValueOrDie(), bytes);
  auto refused = DecodeExpr(bytes, *ByNameCodec(), BuiltinFunctions());
  ASSERT_TRUE(refused.status().IsKeyError());
  EXPECT_NE(refused.status().message().find("register 'f' on the receiver"), std::string::npos);
}

TEST_F(ExprSerdeTest, OpaqueFunctionsCannotRun) {
  auto udf = std::make_shared<OpaqueScalarFunction>("f", MakeInlineFrame(FrameFamily::kScalar, 3, 11, "p"));
  auto bound = BindScalar(ScalarCall(udf, "f", {Col("a")}), *arrow::schema({arrow::field("a", arrow::int64())}));
  ASSERT_TRUE(bound.status().IsNotImplemented());
  EXPECT_NE(bound.status().message().find("inline scalar UDF (FYPYUDF)"), std::string::npos);
}

TEST_F(ExprSerdeTest, RejectsForeignAndOtherVersionBytes) {
  EXPECT_EQ(DecodeExpr("", *ByNameCodec(), BuiltinFunctions()).status().message(),
            "not a ferry expression: empty bytes");
  EXPECT_TRUE(DecodeExpr("\x08\x96\x01", *ByNameCodec(), BuiltinFunctions()).status().IsInvalid());
}

TEST_F(ExprSerdeTest, AnyCorruptionYieldsAnExprOrAnError) {
  auto bytes = EncodeExpr(Rich(), *ByNameCodec()).ValueOrDie();
  for (size_t cut = 0; cut < bytes.size(); ++cut) {
    auto result = DecodeExpr(bytes.substr(0, cut), *ByNameCodec(), BuiltinFunctions());
    EXPECT_FALSE(result.ok()) << "prefix of " << cut << " bytes decoded";
  }
  std::mt19937 rng(42);
  for (int trial = 0; trial < 3000; ++trial) {
    std::string corrupt = bytes;
    int flips = 1 + trial % 4;
    for (int i = 0; i < flips; ++i) corrupt[rng() % corrupt.size()] ^= static_cast<char>(1 << (rng() % 8));
    auto result = DecodeExpr(corrupt, *ByNameCodec(), BuiltinFunctions());
    if (result.ok()) (void)result->ToString();  // a decoded expr must be usable
  }
}

TEST_F(ExprSerdeTest, DeepNestingIsBounded) {
  Expr deep = Col("a");
  for (int i = 0; i < 2000; ++i) deep = Not(deep);
  auto refused = EncodeExpr(deep, *ByNameCodec());
  ASSERT_TRUE(refused.status().IsInvalid());
  EXPECT_NE(refused.status().message().find("limit of 500 levels"), std::string::npos);
  // Bytes from elsewhere nesting deeper than the limit are refused too.
  Expr medium = Col("a");
  for (int i = 0; i < 400; ++i) medium = Not(medium);
  auto bytes = EncodeExpr(medium, *ByNameCodec()).ValueOrDie();
  DecodeLimits tight;
  tight.max_depth = 100;
  auto result = DecodeExpr(bytes, *ByNameCodec(), BuiltinFunctions(), UnknownFunctionPolicy::kError, tight);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("nest"), std::string::npos) << result.status().ToString();
  Expr shallow = Col("a");
  for (int i = 0; i < 100; ++i) shallow = Not(shallow);
  EXPECT_TRUE(RoundTrip(shallow).Equals(shallow));
}

TEST(InlineFrameTest, ParsesChecksAndReportsDefects) {
  auto frame_bytes = MakeInlineFrame(FrameFamily::kAggregate, 3, 11, "blob");
  auto frame = ParseInlineFrame(frame_bytes).ValueOrDie();
  ASSERT_TRUE(frame.has_value());
  EXPECT_EQ(frame->family, FrameFamily::kAggregate);
  EXPECT_EQ(frame->version, kUnsignedFrameVersion);
  EXPECT_FALSE(frame->is_signed());
  EXPECT_EQ(frame->py_minor, 11);
  EXPECT_EQ(frame->payload, "blob");
  EXPECT_FALSE(ParseInlineFrame("not a frame").ValueOrDie().has_value());
  auto truncated = ParseInlineFrame("FYPYUDF\x01");
  ASSERT_TRUE(truncated.status().IsInvalid());
  EXPECT_NE(truncated.status().message().find("shorter than its 10-byte header"), std::string::npos);
  std::string future = frame_bytes;
  future[kFrameMagicSize] = 9;
  auto version = CheckFrameVersion(*ParseInlineFrame(future).ValueOrDie(), "agg");
  EXPECT_EQ(version.message(),
            "inline aggregate UDF (FYPYUDA) 'agg' has frame version 9; this build reads versions 1..2");
}

}  // namespace
}  // namespace ferry

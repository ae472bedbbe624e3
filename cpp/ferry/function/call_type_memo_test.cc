#include "ferry/function/call_type_memo_internal.h"

#include <gtest/gtest.h>

#include "ferry/function/bind.h"
#include "ferry/function/physical_expr.h"
#include "ferry/testing/test_util.h"

namespace ferry::internal {
namespace {

using testing::BatchFromJson;

PhysicalExprPtr Int16(int16_t v) { return MakeLiteral(std::make_shared<arrow::Int16Scalar>(v)); }

TEST(ArrowCallTypeMemo, RemembersProbedCallsByTypesAndConstants) {
  EnsureArrowCompute();
  auto& memo = ArrowCallTypeMemo::Instance();
  auto column = MakeColumnRef(0, "x", arrow::int16());
  std::vector<PhysicalExprPtr> args{column, Int16(7)};
  auto bound = MakeArrowCall("subtract_checked", args, nullptr, "x - 7");
  ASSERT_TRUE(bound.ok()) << bound.status().ToString();
  auto type = memo.Find("subtract_checked", args, nullptr);
  ASSERT_NE(type, nullptr);
  EXPECT_TRUE(type->Equals(*arrow::int16()));
  // Another constant, another argument type or other options: not the same call.
  EXPECT_EQ(memo.Find("subtract_checked", {column, Int16(8)}, nullptr), nullptr);
  EXPECT_EQ(memo.Find("subtract_checked", {MakeColumnRef(0, "x", arrow::int32()), Int16(7)}, nullptr),
            nullptr);
  arrow::compute::ArithmeticOptions options(/*check_overflow=*/true);
  EXPECT_EQ(memo.Find("subtract_checked", args, &options), nullptr);

  // A remembered call binds and evaluates as a probed one does.
  auto again = MakeArrowCall("subtract_checked", args, nullptr, "x - 7");
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE((*again)->type()->Equals(*arrow::int16()));
  auto batch = BatchFromJson(arrow::schema({arrow::field("x", arrow::int16())}),
                             R"([{"x": 10}, {"x": null}, {"x": -3}])");
  auto out = EvaluateToArray(**again, *batch);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ((*out)->ToString(), testing::ArrayFromJson(arrow::int16(), "[3, null, -10]")->ToString());
}

TEST(ArrowCallTypeMemo, KeepsNeitherFailuresNorFoldedConstants) {
  EnsureArrowCompute();
  auto& memo = ArrowCallTypeMemo::Instance();
  std::vector<PhysicalExprPtr> mismatched{MakeColumnRef(0, "s", arrow::large_binary()), Int16(1)};
  for (int i = 0; i < 2; ++i) {
    auto bound = MakeArrowCall("multiply_checked", mismatched, nullptr, "s * 1");
    ASSERT_FALSE(bound.ok());
    EXPECT_TRUE(bound.status().IsTypeError()) << bound.status().ToString();
  }
  EXPECT_EQ(memo.Find("multiply_checked", mismatched, nullptr), nullptr);

  std::vector<PhysicalExprPtr> constants{Int16(2), Int16(3)};
  auto folded = MakeArrowCall("multiply_checked", constants, nullptr, "2 * 3");
  ASSERT_TRUE(folded.ok());
  ASSERT_NE((*folded)->constant(), nullptr);
  EXPECT_EQ((*folded)->constant()->ToString(), "6");
  EXPECT_EQ(memo.Find("multiply_checked", constants, nullptr), nullptr);
}

TEST(ArrowCallTypeMemo, KeepsNoLargeConstantsOrOptions) {
  EnsureArrowCompute();
  auto& memo = ArrowCallTypeMemo::Instance();
  auto column = MakeColumnRef(0, "s", arrow::utf8());
  std::vector<PhysicalExprPtr> small{column, MakeLiteral(std::make_shared<arrow::StringScalar>("x"))};
  std::vector<PhysicalExprPtr> large{
      column, MakeLiteral(std::make_shared<arrow::StringScalar>(std::string(1000, 'x')))};
  ASSERT_TRUE(MakeArrowCall("not_equal", small, nullptr, "s != x").ok());
  ASSERT_TRUE(MakeArrowCall("not_equal", large, nullptr, "s != xxx...").ok());
  EXPECT_NE(memo.Find("not_equal", small, nullptr), nullptr);
  EXPECT_EQ(memo.Find("not_equal", large, nullptr), nullptr);

  auto values = testing::ArrayFromJson(arrow::utf8(), R"(["a", "b"])");
  auto options = std::make_shared<arrow::compute::SetLookupOptions>(values);
  ASSERT_TRUE(MakeArrowCall("is_in", {column}, options, "s IN (a, b)").ok());
  EXPECT_EQ(memo.Find("is_in", {column}, options.get()), nullptr);
}

}  // namespace
}  // namespace ferry::internal

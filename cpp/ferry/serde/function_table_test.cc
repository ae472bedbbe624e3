#include "ferry/serde/function_table.h"

#include <gtest/gtest.h>

#include "ferry/function/bind.h"
#include "ferry/serde/expr_serde.h"
#include "ferry/serde/inline_frame.h"
#include "ferry/serde/opaque_function.h"

namespace ferry {
namespace {

TEST(FunctionTableTest, ListsEveryEntryInWireOrderWithoutResolving) {
  EnsureArrowCompute();
  auto frame = MakeInlineFrame(FrameFamily::kScalar, 3, 11, "payload");
  auto udf = std::make_shared<OpaqueScalarFunction>("f", frame);
  auto abs = BuiltinFunctions().GetScalar("abs").ValueOrDie();
  auto expr = Binary(ScalarCall(udf, "f", {Col("a")}), Operator::kAdd, ScalarCall(abs, "abs", {Col("b")}));
  auto bytes = EncodeExpr(expr, *ByNameCodec()).ValueOrDie();
  auto table = ReadFunctionTable(bytes).ValueOrDie();
  ASSERT_EQ(table.size(), 2u);
  EXPECT_EQ(table[0].kind, FunctionEntryKind::kScalar);
  EXPECT_EQ(table[0].name, "f");
  EXPECT_EQ(table[0].definition, frame);
  EXPECT_EQ(table[1].name, "abs");
  EXPECT_TRUE(table[1].definition.empty());
  EXPECT_EQ(FunctionEntryKindName(table[1].kind), "scalar");
}

TEST(FunctionTableTest, AppliesTheDecodersChecks) {
  EXPECT_EQ(ReadFunctionTable("").status().message(), "not a ferry expression: empty bytes");
  DecodeLimits tiny;
  tiny.max_bytes = 3;
  EXPECT_NE(ReadFunctionTable("0123", tiny).status().message().find("exceeds the limit of 3"),
            std::string::npos);
  auto bytes = EncodeExpr(Col("a"), *ByNameCodec()).ValueOrDie();
  EXPECT_TRUE(ReadFunctionTable(bytes.substr(0, bytes.size() - 2)).status().IsInvalid());
  EXPECT_TRUE(ReadFunctionTable(bytes).ValueOrDie().empty());
}

}  // namespace
}  // namespace ferry

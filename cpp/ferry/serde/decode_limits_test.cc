// The decoder's limits, checked on hand-made protobuf bytes: each limit is
// hit exactly at its value (one below decodes), and oversized inputs are
// refused from a count of the raw bytes, before protobuf allocates.

#include <arrow/io/memory.h>
#include <arrow/ipc/writer.h>
#include <arrow/scalar.h>
#include <gtest/gtest.h>

#include "ferry/function/bind.h"
#include "ferry/serde/envelope.h"
#include "ferry/serde/expr_serde.h"
#include "ferry/v1/expr.pb.h"

namespace ferry {
namespace {

// Protobuf wire pieces: a length-delimited field and a varint field.
std::string Varint(uint64_t v) {
  std::string out;
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
  return out;
}
std::string Len(int field, const std::string& body) {
  return Varint(static_cast<uint64_t>(field) << 3 | 2) + Varint(body.size()) + body;
}

// Expr{column{name}}: Expr.column = 1, Column.name = 1.
std::string ColumnExpr(const std::string& name) { return Len(1, Len(1, name)); }

Result<Expr> DecodePayload(const std::string& payload, const DecodeLimits& limits = {}) {
  auto bytes = WrapEnvelope("expr", payload).ValueOrDie();
  return DecodeExpr(bytes, *ByNameCodec(), BuiltinFunctions(), UnknownFunctionPolicy::kError, limits);
}

// ExprMessage{root: IN(a, [a] * items)}: ExprMessage.root = 1, Expr.in_list
// = 10, InList.expr = 1, InList.list = 2.
std::string InListPayload(int64_t items) {
  std::string in_list = Len(1, ColumnExpr("a"));
  const std::string item = Len(2, ColumnExpr("a"));
  in_list.reserve(in_list.size() + item.size() * items);
  for (int64_t i = 0; i < items; ++i) in_list += item;
  return Len(1, Len(10, in_list));
}

Expr Negations(int count) {
  Expr expr = Col("a");
  for (int i = 0; i < count; ++i) expr = Negative(expr);
  return expr;
}

class DecodeLimitsTest : public ::testing::Test {
 protected:
  void SetUp() override { EnsureArrowCompute(); }
};

TEST_F(DecodeLimitsTest, EncoderAndDecoderAgreeOnDepth) {
  // 499 negations over a column: 500 levels, the limit, both ways.
  auto at_limit = Negations(499);
  auto bytes = EncodeExpr(at_limit, *ByNameCodec());
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  auto decoded = DecodeExpr(*bytes, *ByNameCodec(), BuiltinFunctions());
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_TRUE(decoded->Equals(at_limit));
  EXPECT_EQ(EncodeExpr(*decoded, *ByNameCodec()).ValueOrDie(), *bytes);

  // 500 negations: 501 levels, refused by both with the same message.
  auto refused = EncodeExpr(Negations(500), *ByNameCodec());
  ASSERT_TRUE(refused.status().IsInvalid());
  EXPECT_EQ(refused.status().message(), "expression nests deeper than the limit of 500 levels");
  std::string payload = ColumnExpr("a");
  for (int i = 0; i < 500; ++i) payload = Len(6, Len(1, payload));  // Expr.negative = 6
  auto too_deep = DecodePayload(Len(1, payload));
  ASSERT_TRUE(too_deep.status().IsInvalid());
  EXPECT_EQ(too_deep.status().message(), "expression nests deeper than the limit of 500 levels");
}

TEST_F(DecodeLimitsTest, FunctionTableIsBounded) {
  // Empty function entries cost two bytes each on the wire but a parsed
  // message each in memory: 5M of them (10 MB) is refused from the count.
  const std::string root = Len(1, ColumnExpr("a"));
  std::string payload = root;
  const std::string entry = Len(2, "");
  for (int i = 0; i < 5'000'000; ++i) payload += entry;
  auto refused = DecodePayload(payload);
  ASSERT_TRUE(refused.status().IsInvalid());
  EXPECT_EQ(refused.status().message(),
            "function table has more than 10000 entries; the decoder's limit is 10000");
  // Exactly at the limit, unreferenced entries are fine.
  std::string at_limit = root;
  for (int i = 0; i < 10'000; ++i) at_limit += entry;
  EXPECT_TRUE(DecodePayload(at_limit).ok());
}

TEST_F(DecodeLimitsTest, ListItemsAreBounded) {
  auto ok = DecodePayload(InListPayload(100'000));
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  ASSERT_NE(ok->As<InListNode>(), nullptr);
  EXPECT_EQ(ok->As<InListNode>()->list.size(), 100'000u);
  auto refused = DecodePayload(InListPayload(100'001));
  ASSERT_TRUE(refused.status().IsInvalid());
  EXPECT_EQ(refused.status().message(),
            "a list (ferry.v1.InList.list) has more than 100000 items; the decoder's limit is 100000");
  // The encoder refuses what the decoder would.
  std::vector<Expr> items(100'001, Col("a"));
  auto encoded = EncodeExpr(InList(Col("a"), items), *ByNameCodec());
  ASSERT_TRUE(encoded.status().IsInvalid());
  EXPECT_NE(encoded.status().message().find("more than 100000 items"), std::string::npos);
}

TEST_F(DecodeLimitsTest, TotalNodesAreBounded) {
  DecodeLimits limits;
  limits.max_nodes = 1000;
  // Root Expr, its InList, the IN operand (Expr + Column) and each item
  // (Expr + Column): 4 + 2 * items messages.
  EXPECT_TRUE(DecodePayload(InListPayload(498), limits).ok());
  auto refused = DecodePayload(InListPayload(499), limits);
  ASSERT_TRUE(refused.status().IsInvalid());
  EXPECT_EQ(refused.status().message(),
            "encoded expression holds more than 1000 nodes; the decoder's limit is 1000");
  // Unknown fields are kept by protobuf, so they count too.
  std::string unknown = Len(1, ColumnExpr("a"));
  for (int i = 0; i < 1000; ++i) unknown += Varint(99 << 3) + Varint(1);  // field 99, varint
  EXPECT_TRUE(DecodePayload(unknown, limits).status().IsInvalid());
}

// A literal whose IPC schema names its struct field with bytes that are
// not UTF-8 ("\xff"): Arrow accepts it, ferry must not.
TEST_F(DecodeLimitsTest, NonUtf8FieldNamesInLiteralsAreRefused) {
  auto type = arrow::struct_({arrow::field("\xff", arrow::int32())});
  auto schema = arrow::schema({arrow::field("value", type)});
  auto array = arrow::MakeArrayOfNull(type, 1).ValueOrDie();
  auto sink = arrow::io::BufferOutputStream::Create().ValueOrDie();
  auto writer = arrow::ipc::MakeStreamWriter(sink, schema).ValueOrDie();
  ASSERT_TRUE(writer->WriteRecordBatch(*arrow::RecordBatch::Make(schema, 1, {array})).ok());
  ASSERT_TRUE(writer->Close().ok());
  auto ipc = sink->Finish().ValueOrDie()->ToString();
  // Expr.literal = 2, Literal.arrow_ipc = 1.
  auto refused = DecodePayload(Len(1, Len(2, Len(1, ipc))));
  ASSERT_TRUE(refused.status().IsInvalid());
  EXPECT_EQ(refused.status().message(), "malformed literal: a field name is not valid UTF-8");
}

TEST(ValidateDecodeLimitsTest, AcceptsTheDefaultsAndEveryValueInRange) {
  EXPECT_TRUE(ValidateDecodeLimits({}).ok());
  EXPECT_TRUE(ValidateDecodeLimits({1, 1, 1, 1, 1}).ok());
  EXPECT_TRUE(ValidateDecodeLimits({kMaxDecodeDepth, kMaxDecodeBytes, INT64_MAX, INT64_MAX, INT64_MAX}).ok());
}

TEST(ValidateDecodeLimitsTest, NamesTheSettingOutOfRange) {
  auto message = [](DecodeLimits limits) { return ValidateDecodeLimits(limits).message(); };
  DecodeLimits deep;
  deep.max_depth = kMaxDecodeDepth + 1;
  EXPECT_EQ(message(deep), "decode limit max_depth must be between 1 and 500, got 501");
  DecodeLimits zero_bytes;
  zero_bytes.max_bytes = 0;
  EXPECT_EQ(message(zero_bytes), "decode limit max_bytes must be between 1 and 2147483647, got 0");
  DecodeLimits huge_bytes;
  huge_bytes.max_bytes = kMaxDecodeBytes + 1;
  EXPECT_TRUE(ValidateDecodeLimits(huge_bytes).IsInvalid());
  DecodeLimits negative_nodes;
  negative_nodes.max_nodes = -5;
  EXPECT_EQ(message(negative_nodes),
            "decode limit max_nodes must be between 1 and 9223372036854775807, got -5");
  DecodeLimits no_functions;
  no_functions.max_functions = 0;
  EXPECT_TRUE(ValidateDecodeLimits(no_functions).IsInvalid());
  DecodeLimits no_items;
  no_items.max_list_items = 0;
  EXPECT_TRUE(ValidateDecodeLimits(no_items).IsInvalid());
}

}  // namespace
}  // namespace ferry

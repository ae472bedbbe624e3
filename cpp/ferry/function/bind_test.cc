#include "ferry/function/bind.h"

#include <gtest/gtest.h>

#include "ferry/function/registry.h"
#include "ferry/testing/test_util.h"

namespace ferry {
namespace {

using testing::ArrayFromJson;
using testing::BatchFromJson;

std::shared_ptr<arrow::Schema> TestSchema() {
  return arrow::schema({arrow::field("i", arrow::int64()), arrow::field("f", arrow::float64()),
                        arrow::field("s", arrow::utf8()), arrow::field("d", arrow::date32())});
}

Expr I(int64_t v) { return Lit(std::make_shared<arrow::Int64Scalar>(v)); }
Expr S(const std::string& v) { return Lit(std::make_shared<arrow::StringScalar>(v)); }
Expr Eq(Expr a, Expr b) { return Binary(std::move(a), Operator::kEq, std::move(b)); }
Expr Lt(Expr a, Expr b) { return Binary(std::move(a), Operator::kLt, std::move(b)); }
Expr Gt(Expr a, Expr b) { return Binary(std::move(a), Operator::kGt, std::move(b)); }
Expr Call(const std::string& name, std::vector<Expr> args) {
  auto func = BuiltinFunctions().GetScalar(name).ValueOrDie();
  return ScalarCall(func, name, std::move(args));
}

std::shared_ptr<arrow::Array> Eval(const Expr& expr, const std::shared_ptr<arrow::RecordBatch>& batch) {
  auto bound = BindScalar(expr, *batch->schema());
  EXPECT_TRUE(bound.ok()) << bound.status().ToString();
  auto out = EvaluateToArray(**bound, *batch);
  EXPECT_TRUE(out.ok()) << out.status().ToString();
  return *out;
}

class BindTest : public ::testing::Test {
 protected:
  void SetUp() override {
    EnsureArrowCompute();
    batch_ = BatchFromJson(TestSchema(), R"([
      {"i": 1, "f": 1.5, "s": "Apple", "d": 0},
      {"i": null, "f": 2.0, "s": "banana", "d": 31},
      {"i": -7, "f": null, "s": null, "d": null}])");
  }
  std::shared_ptr<arrow::RecordBatch> batch_;
};

TEST_F(BindTest, IntPlusFloatIsFloat) {
  auto bound = BindScalar(Binary(Col("i"), Operator::kAdd, Col("f")), *TestSchema()).ValueOrDie();
  EXPECT_TRUE(bound->type()->Equals(arrow::float64()));
  auto out = Eval(Binary(Col("i"), Operator::kAdd, Col("f")), batch_);
  EXPECT_TRUE(out->Equals(*ArrayFromJson(arrow::float64(), "[2.5, null, null]")));
}

TEST_F(BindTest, ModuloTruncatesLikeSql) {
  auto out = Eval(Binary(Col("i"), Operator::kModulo, I(3)), batch_);
  EXPECT_TRUE(out->Equals(*ArrayFromJson(arrow::int64(), "[1, null, -1]")));
}

TEST_F(BindTest, KleeneLogic) {
  auto is_big = Binary(Col("i"), Operator::kGt, I(0));
  auto out = Eval(Binary(is_big, Operator::kOr, Binary(Col("f"), Operator::kGt, I(1))), batch_);
  EXPECT_TRUE(out->Equals(*ArrayFromJson(arrow::boolean(), "[true, true, null]")));
}

TEST_F(BindTest, UnknownColumnListsAvailable) {
  auto bound = BindScalar(Col("nope"), *TestSchema());
  ASSERT_TRUE(bound.status().IsKeyError());
  EXPECT_EQ(bound.status().message(), "column 'nope' not found; available columns: i, f, s, d");
}

TEST_F(BindTest, TypeErrorNamesExpressionAndTypes) {
  auto bound = BindScalar(Binary(Col("s"), Operator::kAdd, I(1)), *TestSchema());
  ASSERT_TRUE(bound.status().IsTypeError()) << bound.status().ToString();
  EXPECT_NE(bound.status().message().find("s + Int64(1)"), std::string::npos);
  EXPECT_NE(bound.status().message().find("(Utf8, Int64)"), std::string::npos);
}

// Calls name their expression only when an error asks (ExprDisplay): the
// text must still be the expression's own, in every kind of call.
TEST_F(BindTest, ErrorsNameTheExpressionAsWritten) {
  const auto schema = TestSchema();
  auto compare = BindScalar(Binary(Col("i"), Operator::kLt, Col("s")), *schema);
  ASSERT_TRUE(compare.status().IsTypeError()) << compare.status().ToString();
  EXPECT_NE(compare.status().message().find("cannot evaluate i < s on argument types (Int64, Utf8)"),
            std::string::npos)
      << compare.status().message();
  auto negated = BindScalar(Not(Col("s")), *schema);
  ASSERT_TRUE(negated.status().IsTypeError()) << negated.status().ToString();
  EXPECT_NE(negated.status().message().find("cannot evaluate NOT s on argument types (Utf8)"),
            std::string::npos)
      << negated.status().message();
  auto between = BindScalar(Between(Col("i"), Col("s"), I(2)), *schema);
  ASSERT_FALSE(between.ok());
  EXPECT_NE(between.status().message().find("i BETWEEN s AND Int64(2)"), std::string::npos)
      << between.status().message();
  auto like = BindScalar(Like(Col("s"), Col("s")), *schema);
  ASSERT_TRUE(like.status().IsTypeError()) << like.status().ToString();
  EXPECT_EQ(like.status().message(), "the pattern of s LIKE s must be a string literal");
  auto in_list = BindScalar(InList(Col("i"), {}), *schema);
  ASSERT_FALSE(in_list.ok());
  EXPECT_EQ(in_list.status().message(), "i IN ([]) has an empty list");
}

// Output field names come from the expression text, built apart from
// binding: each kind of expression keeps the name it always had.
TEST_F(BindTest, OutputFieldNamesAreTheExpressionText) {
  const auto schema = TestSchema();
  const std::vector<std::pair<Expr, std::string>> cases = {
      {Binary(Col("i"), Operator::kGt, I(1)), "i > Int64(1)"},
      {Binary(Binary(Col("i"), Operator::kAdd, I(1)), Operator::kMultiply, Col("f")),
       "(i + Int64(1)) * f"},
      {IsNull(Col("s"), true), "s IS NOT NULL"},
      {Not(Binary(Col("i"), Operator::kEq, I(0))), "NOT i = Int64(0)"},
      {Between(Col("i"), I(1), I(2), true), "i NOT BETWEEN Int64(1) AND Int64(2)"},
      {InList(Col("i"), {I(1), I(5)}), "i IN ([Int64(1), Int64(5)])"},
      {Like(Col("s"), S("a%"), false, true), "s ILIKE Utf8(\"a%\")"},
      {Case(std::nullopt, {{Binary(Col("i"), Operator::kGt, I(0)), S("pos")}}, S("neg")),
       "CASE WHEN i > Int64(0) THEN Utf8(\"pos\") ELSE Utf8(\"neg\") END"},
      {Alias(Binary(Col("i"), Operator::kLt, I(3)), "small"), "small"},
  };
  for (const auto& [expr, name] : cases) {
    auto field = OutputField(expr, *schema);
    ASSERT_TRUE(field.ok()) << name << ": " << field.status().ToString();
    EXPECT_EQ((*field)->name(), name);
  }
}

TEST_F(BindTest, ImpossibleCastIsTypeError) {
  auto bound = BindScalar(Cast(Col("d"), arrow::list(arrow::int8())), *TestSchema());
  ASSERT_TRUE(bound.status().IsTypeError()) << bound.status().ToString();
  EXPECT_NE(bound.status().message().find("cannot cast Date32"), std::string::npos);
}

TEST_F(BindTest, CaseWhenWithNullBranches) {
  auto expr = Case(std::nullopt, {{Binary(Col("i"), Operator::kGt, I(0)), S("pos")}},
                   Lit(std::make_shared<arrow::NullScalar>()));
  EXPECT_TRUE(Eval(expr, batch_)->Equals(*ArrayFromJson(arrow::utf8(), R"(["pos", null, null])")));
}

TEST_F(BindTest, InListBetweenLike) {
  EXPECT_TRUE(Eval(InList(Col("i"), {I(1), I(5)}), batch_)
                  ->Equals(*ArrayFromJson(arrow::boolean(), "[true, null, false]")));
  EXPECT_TRUE(Eval(Between(Col("i"), I(-10), I(0)), batch_)
                  ->Equals(*ArrayFromJson(arrow::boolean(), "[false, null, true]")));
  EXPECT_TRUE(Eval(Like(Col("s"), S("%an%"), false, false), batch_)
                  ->Equals(*ArrayFromJson(arrow::boolean(), "[false, true, null]")));
  EXPECT_TRUE(Eval(Like(Col("s"), S("a%"), false, true), batch_)
                  ->Equals(*ArrayFromJson(arrow::boolean(), "[true, false, null]")));
}

TEST(BindNarrowingTest, IntegerLiteralsTakeTheColumnsWidthWhenTheyFit) {
  EnsureArrowCompute();
  auto schema = arrow::schema({arrow::field("small", arrow::int8()),
                               arrow::field("size", arrow::int32()),
                               arrow::field("count", arrow::uint16())});
  auto batch = BatchFromJson(schema, R"([
    {"small": 100, "size": 15, "count": 0},
    {"small": null, "size": 3, "count": 65535},
    {"small": -128, "size": null, "count": 7}])");
  auto bound = [&](const Expr& expr) { return BindScalar(expr, *schema).ValueOrDie()->ToString(); };
  // One hash lookup over int32, not a chain of comparisons each casting
  // the column up to int64.
  EXPECT_EQ(bound(InList(Col("size"), {I(49), I(15), I(3)})), "is_in(size@1)");
  EXPECT_EQ(bound(Eq(Col("size"), I(15))), "equal(size@1, Int32(15))");
  EXPECT_EQ(bound(Between(Col("size"), I(1), I(5))),
            "and_kleene(greater_equal(size@1, Int32(1)), less_equal(size@1, Int32(5)))");
  // Out of the column's range: compared as Int64, never wrapped.
  EXPECT_EQ(bound(Lt(Col("small"), I(300))), "less(small@0, Int64(300))");
  EXPECT_TRUE(Eval(Lt(Col("small"), I(300)), batch)
                  ->Equals(*ArrayFromJson(arrow::boolean(), "[true, null, true]")));
  EXPECT_TRUE(Eval(Eq(Col("small"), I(-128 + 256)), batch)
                  ->Equals(*ArrayFromJson(arrow::boolean(), "[false, null, false]")));
  EXPECT_TRUE(Eval(Gt(Col("count"), I(-1)), batch)
                  ->Equals(*ArrayFromJson(arrow::boolean(), "[true, true, true]")));
  EXPECT_TRUE(Eval(InList(Col("count"), {I(-1), I(65535), I(70000)}), batch)
                  ->Equals(*ArrayFromJson(arrow::boolean(), "[false, true, false]")));
  EXPECT_TRUE(Eval(InList(Col("size"), {I(49), I(15), I(3)}), batch)
                  ->Equals(*ArrayFromJson(arrow::boolean(), "[true, true, null]")));
}

TEST_F(BindTest, StringLiteralComparesWithDate) {
  auto out = Eval(Binary(Col("d"), Operator::kGt, S("1970-01-15")), batch_);
  EXPECT_TRUE(out->Equals(*ArrayFromJson(arrow::boolean(), "[false, true, null]")));
}

TEST_F(BindTest, BuiltinStringFunctions) {
  EXPECT_TRUE(Eval(Call("upper", {Col("s")}), batch_)
                  ->Equals(*ArrayFromJson(arrow::utf8(), R"(["APPLE", "BANANA", null])")));
  EXPECT_TRUE(Eval(Call("substr", {Col("s"), I(2), I(3)}), batch_)
                  ->Equals(*ArrayFromJson(arrow::utf8(), R"(["ppl", "ana", null])")));
  EXPECT_TRUE(Eval(Call("concat", {Col("s"), S("-"), Col("i")}), batch_)
                  ->Equals(*ArrayFromJson(arrow::utf8(), R"(["Apple-1", "banana-", "--7"])")));
  EXPECT_TRUE(Eval(Call("nullif", {Col("i"), I(1)}), batch_)
                  ->Equals(*ArrayFromJson(arrow::int64(), "[null, null, -7]")));
  EXPECT_TRUE(Eval(Call("coalesce", {Col("i"), I(0)}), batch_)
                  ->Equals(*ArrayFromJson(arrow::int64(), "[1, 0, -7]")));
}

TEST_F(BindTest, DateParts) {
  EXPECT_TRUE(Eval(Call("date_part", {S("month"), Col("d")}), batch_)
                  ->Equals(*ArrayFromJson(arrow::int32(), "[1, 2, null]")));
  EXPECT_TRUE(Eval(Call("date_trunc", {S("month"), Col("d")}), batch_)
                  ->Equals(*ArrayFromJson(arrow::date32(), "[0, 31, null]")));
  auto bad = BindScalar(Call("date_part", {S("fortnight"), Col("d")}), *TestSchema());
  EXPECT_TRUE(bad.status().IsInvalid());
  EXPECT_NE(bad.status().message().find("unknown date part 'fortnight'"), std::string::npos);
}

TEST_F(BindTest, ArityAndLiteralArgumentErrors) {
  auto arity = BindScalar(Call("abs", {Col("i"), Col("f")}), *TestSchema());
  ASSERT_TRUE(arity.status().IsInvalid());
  EXPECT_NE(arity.status().message().find("abs expects 1 argument, got 2"), std::string::npos);
  auto literal = BindScalar(Call("round", {Col("f"), Col("i")}), *TestSchema());
  ASSERT_TRUE(literal.status().IsTypeError());
  EXPECT_NE(literal.status().message().find("must be a literal"), std::string::npos);
}

TEST_F(BindTest, AggregateInScalarContextIsRejected) {
  auto sum = BuiltinFunctions().GetAggregate("sum").ValueOrDie();
  auto bound = BindScalar(AggregateCall(sum, "sum", {Col("i")}), *TestSchema());
  ASSERT_TRUE(bound.status().IsInvalid());
  EXPECT_NE(bound.status().message().find("use DataFrame.aggregate"), std::string::npos);
}

TEST_F(BindTest, ConstantsFoldAtBindTime) {
  auto bound = BindScalar(Binary(I(2), Operator::kMultiply, I(21)), *TestSchema()).ValueOrDie();
  ASSERT_NE(bound->constant(), nullptr);
  EXPECT_EQ(bound->constant()->ToString(), "42");
}

}  // namespace
}  // namespace ferry

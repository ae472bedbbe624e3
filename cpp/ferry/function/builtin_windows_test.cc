// The built-in window functions' evaluators on hand-made WindowPartitions.

#include "ferry/function/window_function.h"

#include <string>
#include <vector>

#include <arrow/api.h>
#include <arrow/compute/api.h>
#include <gtest/gtest.h>

#include "ferry/testing/test_util.h"

namespace ferry {
namespace {

using testing::ArrayFromJson;
using Vec = std::vector<int64_t>;

std::shared_ptr<const WindowFunction> Function(const std::string& name) {
  for (const auto& func : BuiltinWindowFunctions()) {
    if (func->name() == name) return func;
  }
  ADD_FAILURE() << "no built-in window function " << name;
  return nullptr;
}

Expr I(int64_t v) { return Lit(arrow::MakeScalar(v)); }
Expr D(double v) { return Lit(arrow::MakeScalar(v)); }

// A partition with its peer groups and frames; frames default to the whole
// partition.
struct Part {
  Vec peer_start, peer_end, frame_start, frame_end;
  ArrayVector args;
  int64_t n;

  Part(const Vec& ps, const Vec& pe, ArrayVector a = {}) : peer_start(ps), peer_end(pe), args(std::move(a)) {
    n = static_cast<int64_t>(ps.size());
    frame_start.assign(n, 0);
    frame_end.assign(n, n);
  }
  WindowPartition Get() const {
    WindowPartition p;
    p.num_rows = n;
    p.args = args;
    p.peer_start = &peer_start;
    p.peer_end = &peer_end;
    p.frame_start = &frame_start;
    p.frame_end = &frame_end;
    return p;
  }
};

// Seven rows in four peer groups: {0,1} {2,3,4} {5} {6}.
Part Peers(ArrayVector args = {}) {
  return Part({0, 0, 2, 2, 2, 5, 6}, {2, 2, 5, 5, 5, 6, 7}, std::move(args));
}
// n rows, each its own peer group.
Part Distinct(int64_t n, ArrayVector args = {}) {
  Vec ps(n), pe(n);
  for (int64_t i = 0; i < n; ++i) {
    ps[i] = i;
    pe[i] = i + 1;
  }
  return Part(ps, pe, std::move(args));
}

Result<std::shared_ptr<arrow::Array>> RunWindow(const std::string& name, const Part& part,
                                          const std::vector<Expr>& arg_exprs = {}) {
  // The evaluators use Arrow compute kernels beyond the core set.
  static const bool initialized = arrow::compute::Initialize().ok();
  EXPECT_TRUE(initialized);
  auto func = Function(name);
  if (!func) return Status::Invalid("missing");
  TypeVector types;
  for (const auto& a : part.args) types.push_back(a->type());
  // Literal parameters (offsets, bucket counts, defaults) after the values.
  for (size_t i = part.args.size(); i < arg_exprs.size(); ++i) {
    const auto* literal = arg_exprs[i].As<LiteralNode>();
    types.push_back(literal ? literal->value->type : arrow::null());
  }
  FERRY_ASSIGN_OR_RAISE(auto evaluator, func->MakeEvaluator(types, arg_exprs));
  return evaluator->Evaluate(part.Get());
}

void Expect(const std::string& name, const Part& part, const std::vector<Expr>& arg_exprs,
            const std::shared_ptr<arrow::DataType>& type, const std::string& json) {
  auto result = RunWindow(name, part, arg_exprs);
  ASSERT_TRUE(result.ok()) << name << ": " << result.status().ToString();
  auto expected = ArrayFromJson(type, json);
  EXPECT_TRUE((*result)->Equals(*expected))
      << name << ": expected " << expected->ToString() << "\n got " << (*result)->ToString();
}

void ExpectDoubles(const std::string& name, const Part& part, const std::vector<double>& expected) {
  auto result = RunWindow(name, part);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  ASSERT_EQ((*result)->type_id(), arrow::Type::DOUBLE);
  const auto& values = static_cast<const arrow::DoubleArray&>(**result);
  ASSERT_EQ(values.length(), static_cast<int64_t>(expected.size()));
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_TRUE(values.IsValid(i));
    EXPECT_DOUBLE_EQ(values.Value(i), expected[i]) << name << " row " << i;
  }
}

Expr V() { return Col("v"); }

TEST(BuiltinWindowsTest, AllRegistered) {
  for (const char* name : {"row_number", "rank", "dense_rank", "percent_rank", "cume_dist", "ntile", "lag",
                           "lead", "first_value", "last_value", "nth_value"}) {
    EXPECT_NE(Function(name), nullptr) << name;
  }
}

TEST(BuiltinWindowsTest, ReturnTypes) {
  for (const char* name : {"row_number", "rank", "dense_rank"}) {
    EXPECT_TRUE(Function(name)->ReturnType({}).ValueOrDie()->Equals(*arrow::uint64())) << name;
  }
  EXPECT_TRUE(Function("ntile")->ReturnType({arrow::int64()}).ValueOrDie()->Equals(*arrow::uint64()));
  for (const char* name : {"percent_rank", "cume_dist"}) {
    EXPECT_TRUE(Function(name)->ReturnType({}).ValueOrDie()->Equals(*arrow::float64())) << name;
  }
  for (const char* name : {"lag", "lead", "first_value", "last_value"}) {
    EXPECT_TRUE(Function(name)->ReturnType({arrow::utf8()}).ValueOrDie()->Equals(*arrow::utf8())) << name;
  }
  EXPECT_TRUE(
      Function("nth_value")->ReturnType({arrow::int32(), arrow::int64()}).ValueOrDie()->Equals(*arrow::int32()));
}

TEST(BuiltinWindowsTest, WrongArgumentCounts) {
  auto status = Function("row_number")->ReturnType({arrow::int64()}).status();
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.ToString().find("row_number"), std::string::npos) << status.ToString();
  EXPECT_FALSE(Function("lag")->ReturnType({}).ok());
  EXPECT_FALSE(Function("lag")->ReturnType({arrow::int64(), arrow::int64(), arrow::int64(), arrow::int64()}).ok());
  EXPECT_FALSE(Function("nth_value")->ReturnType({arrow::int64()}).ok());
  EXPECT_FALSE(Function("ntile")->ReturnType({}).ok());
}

TEST(BuiltinWindowsTest, RowNumber) {
  Expect("row_number", Peers(), {}, arrow::uint64(), "[1, 2, 3, 4, 5, 6, 7]");
}

TEST(BuiltinWindowsTest, RankWithTies) {
  Expect("rank", Peers(), {}, arrow::uint64(), "[1, 1, 3, 3, 3, 6, 7]");
  Expect("dense_rank", Peers(), {}, arrow::uint64(), "[1, 1, 2, 2, 2, 3, 4]");
}

TEST(BuiltinWindowsTest, RankAllPeers) {
  Part all({0, 0, 0}, {3, 3, 3});
  Expect("rank", all, {}, arrow::uint64(), "[1, 1, 1]");
  Expect("dense_rank", all, {}, arrow::uint64(), "[1, 1, 1]");
  ExpectDoubles("percent_rank", all, {0, 0, 0});
  ExpectDoubles("cume_dist", all, {1, 1, 1});
}

TEST(BuiltinWindowsTest, PercentRankAndCumeDist) {
  ExpectDoubles("percent_rank", Peers(), {0, 0, 2.0 / 6, 2.0 / 6, 2.0 / 6, 5.0 / 6, 1});
  ExpectDoubles("cume_dist", Peers(), {2.0 / 7, 2.0 / 7, 5.0 / 7, 5.0 / 7, 5.0 / 7, 6.0 / 7, 1});
}

TEST(BuiltinWindowsTest, SingleRow) {
  Expect("row_number", Distinct(1), {}, arrow::uint64(), "[1]");
  Expect("rank", Distinct(1), {}, arrow::uint64(), "[1]");
  ExpectDoubles("percent_rank", Distinct(1), {0});
  ExpectDoubles("cume_dist", Distinct(1), {1});
  Expect("ntile", Distinct(1), {I(5)}, arrow::uint64(), "[1]");
}

TEST(BuiltinWindowsTest, EmptyPartition) {
  Part empty({}, {}, {ArrayFromJson(arrow::int64(), "[]")});
  for (const char* name : {"row_number", "rank", "dense_rank"}) {
    Expect(name, Part({}, {}), {}, arrow::uint64(), "[]");
  }
  ExpectDoubles("percent_rank", Part({}, {}), {});
  ExpectDoubles("cume_dist", Part({}, {}), {});
  Expect("ntile", Part({}, {}), {I(3)}, arrow::uint64(), "[]");
  Expect("lag", empty, {V(), I(1), I(0)}, arrow::int64(), "[]");
  Expect("lead", empty, {V()}, arrow::int64(), "[]");
  Expect("first_value", empty, {V()}, arrow::int64(), "[]");
  Expect("nth_value", empty, {V(), I(2)}, arrow::int64(), "[]");
}

TEST(BuiltinWindowsTest, Ntile) {
  // 7 rows in 3 buckets: sizes 3, 2, 2.
  Expect("ntile", Distinct(7), {I(3)}, arrow::uint64(), "[1, 1, 1, 2, 2, 3, 3]");
  // Even split.
  Expect("ntile", Distinct(6), {I(3)}, arrow::uint64(), "[1, 1, 2, 2, 3, 3]");
  // 10 rows in 4 buckets: sizes 3, 3, 2, 2.
  Expect("ntile", Distinct(10), {I(4)}, arrow::uint64(), "[1, 1, 1, 2, 2, 2, 3, 3, 4, 4]");
  Expect("ntile", Distinct(4), {I(1)}, arrow::uint64(), "[1, 1, 1, 1]");
  // Ignores peers.
  Expect("ntile", Peers(), {I(2)}, arrow::uint64(), "[1, 1, 1, 1, 2, 2, 2]");
}

TEST(BuiltinWindowsTest, NtileMoreBucketsThanRows) {
  Expect("ntile", Distinct(3), {I(10)}, arrow::uint64(), "[1, 2, 3]");
  Expect("ntile", Distinct(4), {I(4)}, arrow::uint64(), "[1, 2, 3, 4]");
}

TEST(BuiltinWindowsTest, NtileRejectsBadBucketCounts) {
  auto zero = RunWindow("ntile", Distinct(3), {I(0)});
  ASSERT_FALSE(zero.ok());
  EXPECT_NE(zero.status().ToString().find("bucket"), std::string::npos) << zero.status().ToString();
  EXPECT_FALSE(RunWindow("ntile", Distinct(3), {I(-2)}).ok());
  EXPECT_FALSE(RunWindow("ntile", Distinct(3), {D(2.5)}).ok());
  EXPECT_FALSE(RunWindow("ntile", Distinct(3), {Col("x")}).ok());
  EXPECT_FALSE(RunWindow("ntile", Distinct(3), {Lit(arrow::MakeNullScalar(arrow::int64()))}).ok());
}

TEST(BuiltinWindowsTest, LagAndLeadDefaults) {
  auto v = ArrayFromJson(arrow::int64(), "[1, null, 3, 4]");
  Expect("lag", Distinct(4, {v}), {V()}, arrow::int64(), "[null, 1, null, 3]");
  Expect("lead", Distinct(4, {v}), {V()}, arrow::int64(), "[null, 3, 4, null]");
}

TEST(BuiltinWindowsTest, LagAndLeadOffsetsAndDefaultValues) {
  auto v = ArrayFromJson(arrow::int64(), "[1, null, 3, 4]");
  // A NULL value inside the partition stays NULL; only rows shifted past
  // the partition take the default.
  Expect("lag", Distinct(4, {v}), {V(), I(2), I(-1)}, arrow::int64(), "[-1, -1, 1, null]");
  Expect("lead", Distinct(4, {v}), {V(), I(1), I(0)}, arrow::int64(), "[null, 3, 4, 0]");
  Expect("lead", Distinct(4, {v}), {V(), I(3), I(9)}, arrow::int64(), "[4, 9, 9, 9]");
  Expect("lag", Distinct(4, {v}), {V(), I(0)}, arrow::int64(), "[1, null, 3, 4]");
  Expect("lag", Distinct(4, {v}), {V(), I(10), I(7)}, arrow::int64(), "[7, 7, 7, 7]");
  // A NULL default is no default.
  Expect("lag", Distinct(4, {v}), {V(), I(1), Lit(arrow::MakeNullScalar(arrow::int64()))}, arrow::int64(),
         "[null, 1, null, 3]");
}

TEST(BuiltinWindowsTest, LagNegativeOffsetLooksForward) {
  auto v = ArrayFromJson(arrow::int64(), "[1, 2, 3]");
  Expect("lag", Distinct(3, {v}), {V(), I(-1), I(0)}, arrow::int64(), "[2, 3, 0]");
  Expect("lead", Distinct(3, {v}), {V(), I(-1), I(0)}, arrow::int64(), "[0, 1, 2]");
}

TEST(BuiltinWindowsTest, LagDefaultIsCastToTheValueType) {
  auto v = ArrayFromJson(arrow::float64(), "[1.5, 2.5]");
  Expect("lag", Distinct(2, {v}), {V(), I(1), I(0)}, arrow::float64(), "[0.0, 1.5]");
  auto s = ArrayFromJson(arrow::utf8(), R"(["a", "b", "c"])");
  Expect("lead", Distinct(3, {s}), {V(), I(1), Lit(arrow::MakeScalar("z"))}, arrow::utf8(),
         R"(["b", "c", "z"])");
}

TEST(BuiltinWindowsTest, LagIgnoresPeers) {
  auto v = ArrayFromJson(arrow::int64(), "[10, 20, 30, 40, 50, 60, 70]");
  Expect("lag", Peers({v}), {V()}, arrow::int64(), "[null, 10, 20, 30, 40, 50, 60]");
}

TEST(BuiltinWindowsTest, LagRejectsBadParameters) {
  auto v = ArrayFromJson(arrow::int64(), "[1, 2, 3]");
  auto bad_default = RunWindow("lag", Distinct(3, {v}), {V(), I(1), Lit(arrow::MakeScalar("x"))});
  ASSERT_FALSE(bad_default.ok());
  EXPECT_NE(bad_default.status().ToString().find("default"), std::string::npos)
      << bad_default.status().ToString();
  EXPECT_FALSE(RunWindow("lag", Distinct(3, {v}), {V(), Col("x")}).ok());
  EXPECT_FALSE(RunWindow("lead", Distinct(3, {v}), {V(), D(1.5)}).ok());
  EXPECT_FALSE(RunWindow("lag", Distinct(3, {v}), {V(), I(1), Col("x")}).ok());
}

TEST(BuiltinWindowsTest, FrameValues) {
  auto v = ArrayFromJson(arrow::int64(), "[10, null, 30, 40, 50]");
  Part part = Distinct(5, {v});
  // ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING, with an empty frame on row 4.
  part.frame_start = {0, 0, 1, 2, 4};
  part.frame_end = {2, 3, 4, 5, 4};
  Expect("first_value", part, {V()}, arrow::int64(), "[10, 10, null, 30, null]");
  Expect("last_value", part, {V()}, arrow::int64(), "[null, 30, 40, 50, null]");
  Expect("nth_value", part, {V(), I(1)}, arrow::int64(), "[10, 10, null, 30, null]");
  Expect("nth_value", part, {V(), I(2)}, arrow::int64(), "[null, null, 30, 40, null]");
  Expect("nth_value", part, {V(), I(3)}, arrow::int64(), "[null, 30, 40, 50, null]");
  Expect("nth_value", part, {V(), I(4)}, arrow::int64(), "[null, null, null, null, null]");
}

TEST(BuiltinWindowsTest, FrameValuesWholePartition) {
  auto s = ArrayFromJson(arrow::utf8(), R"(["a", "b", "c"])");
  Expect("first_value", Distinct(3, {s}), {V()}, arrow::utf8(), R"(["a", "a", "a"])");
  Expect("last_value", Distinct(3, {s}), {V()}, arrow::utf8(), R"(["c", "c", "c"])");
  Expect("nth_value", Distinct(3, {s}), {V(), I(2)}, arrow::utf8(), R"(["b", "b", "b"])");
}

TEST(BuiltinWindowsTest, NthValueRejectsBadN) {
  auto v = ArrayFromJson(arrow::int64(), "[1, 2, 3]");
  auto zero = RunWindow("nth_value", Distinct(3, {v}), {V(), I(0)});
  ASSERT_FALSE(zero.ok());
  EXPECT_NE(zero.status().ToString().find("nth_value"), std::string::npos) << zero.status().ToString();
  EXPECT_FALSE(RunWindow("nth_value", Distinct(3, {v}), {V(), I(-1)}).ok());
  EXPECT_FALSE(RunWindow("nth_value", Distinct(3, {v}), {V(), Col("x")}).ok());
}

TEST(BuiltinWindowsTest, EvaluatorIsReusableAcrossPartitions) {
  auto func = Function("dense_rank");
  auto evaluator = func->MakeEvaluator({}, {}).ValueOrDie();
  auto first = evaluator->Evaluate(Peers().Get()).ValueOrDie();
  auto second = evaluator->Evaluate(Peers().Get()).ValueOrDie();
  EXPECT_TRUE(first->Equals(*second)) << first->ToString() << " vs " << second->ToString();
  auto lag = Function("lag")->MakeEvaluator({arrow::int64()}, {V()}).ValueOrDie();
  auto a = lag->Evaluate(Distinct(2, {ArrayFromJson(arrow::int64(), "[1, 2]")}).Get()).ValueOrDie();
  auto b = lag->Evaluate(Distinct(3, {ArrayFromJson(arrow::int64(), "[5, 6, 7]")}).Get()).ValueOrDie();
  EXPECT_TRUE(a->Equals(*ArrayFromJson(arrow::int64(), "[null, 1]"))) << a->ToString();
  EXPECT_TRUE(b->Equals(*ArrayFromJson(arrow::int64(), "[null, 5, 6]"))) << b->ToString();
}

}  // namespace
}  // namespace ferry

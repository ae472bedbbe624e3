// The built-in aggregates on every supported input type, at the edges
// (empty input, groups that appear late, NaN, overflow) and their errors.

#include <map>

#include <arrow/array/util.h>

#include "ferry/function/aggregate_test_util.h"

namespace ferry {
namespace aggregate_test {
namespace {

const std::vector<std::string> kAllNames = {
    "count",       "sum",        "avg",         "mean",       "min",
    "max",         "var",        "var_samp",    "var_pop",    "stddev",
    "stddev_samp", "stddev_pop", "first_value", "last_value", "array_agg"};

struct MinMaxCase {
  std::shared_ptr<arrow::DataType> type;
  std::string values;  // five rows in groups 0, 1, 0, 1, 0; group 2 has none
  std::string min;
  std::string max;
};

TEST_F(AggregatesTest, MinMaxEveryType) {
  const Groups groups = {0, 1, 0, 1, 0};
  const std::vector<MinMaxCase> cases = {
      {arrow::int8(), "[-128, null, 127, null, 0]", "[-128, null, null]", "[127, null, null]"},
      {arrow::int16(), "[5, -7, 3, 9, 4]", "[3, -7, null]", "[5, 9, null]"},
      {arrow::int64(), "[-9223372036854775808, 1, 9223372036854775807, 2, 0]",
       "[-9223372036854775808, 1, null]", "[9223372036854775807, 2, null]"},
      {arrow::uint8(), "[255, 0, 1, 7, null]", "[1, 0, null]", "[255, 7, null]"},
      {arrow::uint32(), "[4294967295, 3, 0, 2, 1]", "[0, 2, null]", "[4294967295, 3, null]"},
      {arrow::uint64(), "[18446744073709551615, 3, 5, 2, 1]", "[1, 2, null]",
       "[18446744073709551615, 3, null]"},
      {arrow::float32(), "[1.5, -0.5, -2.5, null, 3.25]", "[-2.5, -0.5, null]",
       "[3.25, -0.5, null]"},
      {arrow::float64(), "[1, NaN, -2, NaN, null]", "[-2, NaN, null]", "[1, NaN, null]"},
      {arrow::float64(), "[1, 5, NaN, 6, -3]", "[-3, 5, null]", "[NaN, 6, null]"},
      {arrow::boolean(), "[true, null, false, true, true]", "[false, true, null]",
       "[true, true, null]"},
      {arrow::date32(), "[19000, 3, 18000, 4, null]", "[18000, 3, null]", "[19000, 4, null]"},
      {arrow::date64(), "[86400000, 0, 172800000, null, 0]", "[0, 0, null]",
       "[172800000, 0, null]"},
      {arrow::timestamp(arrow::TimeUnit::MICRO, "UTC"), "[10, 20, -5, 30, 7]", "[-5, 20, null]",
       "[10, 30, null]"},
      {arrow::timestamp(arrow::TimeUnit::SECOND), "[3, null, 1, null, 2]", "[1, null, null]",
       "[3, null, null]"},
      {arrow::time32(arrow::TimeUnit::MILLI), "[1000, 5, 2000, 6, 500]", "[500, 5, null]",
       "[2000, 6, null]"},
      {arrow::time64(arrow::TimeUnit::NANO), "[1, 2, 3, 4, 5]", "[1, 2, null]", "[5, 4, null]"},
      {arrow::duration(arrow::TimeUnit::SECOND), "[-1, 2, 3, 4, -9]", "[-9, 2, null]",
       "[3, 4, null]"},
      {arrow::decimal128(10, 2), R"(["1.00", "-2.50", "99.99", "0.01", "-100.00"])",
       R"(["-100.00", "-2.50", null])", R"(["99.99", "0.01", null])"},
      {arrow::utf8(), R"(["b", "", "ab", "z", "abc"])", R"(["ab", "", null])",
       R"(["b", "z", null])"},
      {arrow::large_utf8(), R"(["é", "e", "f", null, "ee"])", R"(["ee", "e", null])",
       R"(["é", "e", null])"},
      {arrow::binary(), R"(["\u0000", "b", "", "a", "\u0000\u0000"])", R"(["", "a", null])",
       R"(["\u0000\u0000", "b", null])"},
      {arrow::large_binary(), R"([null, null, null, "x", null])", R"([null, "x", null])",
       R"([null, "x", null])"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.type->ToString() + " " + c.values);
    auto values = Json(c.type, c.values);
    ExpectAggregate("min", {values}, groups, 3, Json(c.type, c.min));
    ExpectAggregate("max", {values}, groups, 3, Json(c.type, c.max));
  }
}

TEST_F(AggregatesTest, CollectOddTypes) {
  const Groups groups = {0, 1, 0};
  auto nulls = std::make_shared<arrow::NullArray>(3);
  ExpectAggregate("array_agg", {nulls}, groups, 3,
                  Json(arrow::list(arrow::null()), "[[null, null], [null], null]"));
  ExpectAggregate("last_value", {nulls}, groups, 3, Json(arrow::null(), "[null, null, null]"));
  auto bools = Json(arrow::boolean(), "[true, null, false]");
  ExpectAggregate("array_agg", {bools}, groups, 3,
                  Json(arrow::list(arrow::boolean()), "[[true, false], [null], null]"));
  ExpectAggregate("first_value", {bools}, groups, 3, Json(arrow::boolean(), "[true, null, null]"));
  auto intervals = Json(arrow::month_day_nano_interval(), "[[1, 2, 3], [4, 5, 6], null]");
  ExpectAggregate("array_agg", {intervals}, groups, 3,
                  Json(arrow::list(arrow::month_day_nano_interval()),
                       "[[[1, 2, 3], null], [[4, 5, 6]], null]"));
  auto structs = Json(arrow::struct_({arrow::field("a", arrow::int8())}),
                      R"([{"a": 1}, {"a": null}, null])");
  ExpectAggregate("last_value", {structs}, groups, 3,
                  Json(structs->type(), R"([null, {"a": null}, null])"));
  ExpectAggregate("array_agg", {structs}, groups, 3,
                  Json(arrow::list(structs->type()), R"([[{"a": 1}, null], [{"a": null}], null])"));
}

TEST_F(AggregatesTest, ReturnTypes) {
  auto ret = [](const std::string& name, std::shared_ptr<arrow::DataType> type) {
    return Function(name)->ReturnType({type}).ValueOrDie()->ToString();
  };
  EXPECT_EQ(ret("sum", arrow::int8()), "int64");
  EXPECT_EQ(ret("sum", arrow::uint16()), "uint64");
  EXPECT_EQ(ret("sum", arrow::float32()), "double");
  EXPECT_EQ(ret("sum", arrow::decimal128(7, 3)), "decimal128(17, 3)");
  EXPECT_EQ(ret("avg", arrow::int32()), "double");
  EXPECT_EQ(ret("stddev_pop", arrow::uint8()), "double");
  EXPECT_EQ(ret("min", arrow::timestamp(arrow::TimeUnit::NANO, "Europe/Paris")),
            "timestamp[ns, tz=Europe/Paris]");
  EXPECT_EQ(ret("first_value", arrow::struct_({arrow::field("a", arrow::int8())})),
            "struct<a: int8>");
  EXPECT_EQ(ret("array_agg", arrow::utf8()), "list<item: string>");
  EXPECT_EQ(Function("count")->ReturnType({}).ValueOrDie()->ToString(), "int64");
}

void ExpectError(const Status& status, arrow::StatusCode code, const std::string& message) {
  EXPECT_EQ(status.code(), code) << status.ToString();
  EXPECT_EQ(status.message(), message);
}

TEST_F(AggregatesTest, TypeErrorsNameFunctionAndType) {
  const auto type_error = arrow::StatusCode::TypeError;
  auto list = arrow::list(arrow::int32());
  ExpectError(Function("sum")->ReturnType({arrow::utf8()}).status(), type_error,
              "sum does not support Utf8");
  ExpectError(Function("sum")->MakeAccumulator({arrow::boolean()}, false).status(), type_error,
              "sum does not support Boolean");
  ExpectError(Function("avg")->StateFields({arrow::date32()}, false).status(), type_error,
              "avg does not support Date32");
  ExpectError(Function("mean")->ReturnType({arrow::utf8()}).status(), type_error,
              "mean does not support Utf8");
  ExpectError(Function("var_pop")->ReturnType({arrow::large_utf8()}).status(), type_error,
              "var_pop does not support LargeUtf8");
  ExpectError(Function("stddev")->MakeAccumulator({arrow::decimal128(5, 1)}, false).status(),
              type_error, "stddev does not support decimal128(5, 1)");
  ExpectError(Function("min")->ReturnType({list}).status(), type_error,
              "min does not support list<item: int32>");
  ExpectError(Function("max")->StateFields({arrow::null()}, false).status(), type_error,
              "max does not support Null");
  ExpectError(Function("count")->MakeAccumulator({list}, true).status(), type_error,
              "count(DISTINCT) does not support list<item: int32>");
  ExpectError(Function("count")->StateFields({list}, true).status(), type_error,
              "count(DISTINCT) does not support list<item: int32>");
}

TEST_F(AggregatesTest, ArityErrors) {
  const auto invalid = arrow::StatusCode::Invalid;
  TypeVector two = {arrow::int64(), arrow::int64()};
  ExpectError(Function("sum")->ReturnType(two).status(), invalid,
              "sum expects 1 argument, got 2");
  ExpectError(Function("count")->ReturnType({arrow::int8(), arrow::int8(), arrow::int8()}).status(),
              invalid, "count expects 0 or 1 arguments, got 3");
  ExpectError(Function("count")->MakeAccumulator({}, true).status(), invalid,
              "count(DISTINCT) expects 1 argument, got 0");
  for (const auto& name : kAllNames) {
    if (name == "count") continue;
    SCOPED_TRACE(name);
    ExpectError(Function(name)->ReturnType({}).status(), invalid,
                name + " expects 1 argument, got 0");
    ExpectError(Function(name)->StateFields(two, false).status(), invalid,
                name + " expects 1 argument, got 2");
    ExpectError(Function(name)->MakeAccumulator(two, false).status(), invalid,
                name + " expects 1 argument, got 2");
  }
}

TEST_F(AggregatesTest, DistinctOnlyForCount) {
  for (const auto& name : kAllNames) {
    if (name == "count") continue;
    SCOPED_TRACE(name);
    const std::string message = "DISTINCT is only supported for count, not " + name;
    ExpectError(Function(name)->MakeAccumulator({arrow::int64()}, true).status(),
                arrow::StatusCode::NotImplemented, message);
    ExpectError(Function(name)->StateFields({arrow::int64()}, true).status(),
                arrow::StatusCode::NotImplemented, message);
  }
}

// The global group of an aggregation without GROUP BY exists even when no
// row arrives: Update/Merge with zero rows, no ids and one group.
TEST_F(AggregatesTest, EmptyInput) {
  for (const auto& name : kAllNames) {
    for (bool merge : {false, true}) {
      SCOPED_TRACE(name + (merge ? " merge" : " update"));
      auto func = Function(name);
      TypeVector types = {arrow::int64()};
      auto acc = func->MakeAccumulator(types, false).ValueOrDie();
      ArrayVector inputs;
      if (merge) {
        for (const auto& field : func->StateFields(types, false).ValueOrDie()) {
          inputs.push_back(arrow::MakeEmptyArray(field->type()).ValueOrDie());
        }
        ASSERT_TRUE(acc->Merge(inputs, nullptr, 0, 1).ok());
      } else {
        inputs.push_back(arrow::MakeEmptyArray(arrow::int64()).ValueOrDie());
        ASSERT_TRUE(acc->Update(inputs, nullptr, 0, 1).ok());
      }
      auto result = CheckedEvaluate(*func, types, acc.get(), 1);
      EXPECT_EQ(result->null_count(), name == "count" ? 0 : 1);
      CheckedState(*func, types, false, acc.get(), 1);
    }
  }
  auto count_star = Function("count")->MakeAccumulator({}, false).ValueOrDie();
  ASSERT_TRUE(count_star->Update({}, nullptr, 0, 1).ok());
  ExpectEqual(Json(arrow::int64(), "[0]"), count_star->Evaluate().ValueOrDie());
  auto distinct = Function("count")->MakeAccumulator({arrow::utf8()}, true).ValueOrDie();
  ASSERT_TRUE(distinct->Update({Json(arrow::utf8(), "[]")}, nullptr, 0, 1).ok());
  ExpectEqual(Json(arrow::int64(), "[0]"), distinct->Evaluate().ValueOrDie());
}

// Groups only grow between calls; groups never updated get the empty state.
TEST_F(AggregatesTest, GroupsAppearLate) {
  const std::map<std::string, std::string> expected = {
      {"count", "[1, 1, 0, 2, 0]"},
      {"sum", "[1, 2, null, 7, null]"},
      {"min", "[1, 2, null, 3, null]"},
      {"max", "[1, 2, null, 4, null]"},
      {"first_value", "[1, 2, null, 3, null]"},
      {"last_value", "[1, 2, null, 4, null]"},
  };
  for (const auto& [name, result] : expected) {
    SCOPED_TRACE(name);
    auto func = Function(name);
    auto acc = func->MakeAccumulator({arrow::int64()}, false).ValueOrDie();
    Groups first = {0, 1}, second = {3, 3};
    ASSERT_TRUE(acc->Update({Json(arrow::int64(), "[1, 2]")}, first.data(), 2, 2).ok());
    ASSERT_TRUE(acc->Update({Json(arrow::int64(), "[3, 4]")}, second.data(), 2, 5).ok());
    CheckedState(*func, {arrow::int64()}, false, acc.get(), 5);
    auto out = CheckedEvaluate(*func, {arrow::int64()}, acc.get(), 5);
    ExpectEqual(Json(func->ReturnType({arrow::int64()}).ValueOrDie(), result), out);
  }
}

TEST_F(AggregatesTest, StatesOfUntouchedGroupsMergeAsEmpty) {
  // Partial A saw only group 0; its state for group 1 must not count.
  for (const auto& name : kAllNames) {
    SCOPED_TRACE(name);
    auto a = RunTwoPhase(name, {Json(arrow::int16(), "[4, 6]")}, {0, 0}, 2, 2);
    EXPECT_TRUE(a->IsValid(0));
    EXPECT_EQ(a->IsNull(1), name != "count");
  }
}

// States may reach Merge sliced (e.g. cut into batches on the way).
TEST_F(AggregatesTest, MergesSlicedStates) {
  auto values = Json(arrow::int32(), "[5, null, 7, 1, 2, null, 9, 3, 3]");
  const Groups groups = {0, 1, 2, 3, 1, 2, 2, 1, 1};
  for (const auto& name : kAllNames) {
    for (bool distinct : {false, true}) {
      if (distinct && name != "count") continue;
      SCOPED_TRACE(name + (distinct ? " distinct" : ""));
      auto func = Function(name);
      auto partial = func->MakeAccumulator({arrow::int32()}, distinct).ValueOrDie();
      ASSERT_TRUE(partial->Update({values}, groups.data(), 9, 4).ok());
      auto states = CheckedState(*func, {arrow::int32()}, distinct, partial.get(), 4);
      for (auto& state : states) state = state->Slice(1, 2);
      auto final_acc = func->MakeAccumulator({arrow::int32()}, distinct).ValueOrDie();
      const Groups ids = {1, 0};
      ASSERT_TRUE(final_acc->Merge(states, ids.data(), 2, 2).ok());
      auto expected = partial->Evaluate().ValueOrDie();
      auto merged = CheckedEvaluate(*func, {arrow::int32()}, final_acc.get(), 2);
      ExpectEqual(expected->Slice(2, 1), merged->Slice(0, 1));
      ExpectEqual(expected->Slice(1, 1), merged->Slice(1, 1));
    }
  }
}

}  // namespace
}  // namespace aggregate_test
}  // namespace ferry

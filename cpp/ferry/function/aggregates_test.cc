// Hand-computed results of every built-in aggregate on one small input with
// nulls, a sliced array, a group whose only row is null and a group with
// no rows, each checked single-phase and merged from two partials.

#include <cmath>

#include "ferry/function/aggregate_test_util.h"

namespace ferry {
namespace aggregate_test {
namespace {

// Eight rows over four groups; group 3 gets no rows, group 2 one null.
const Groups kGroups = {0, 1, 0, 1, 2, 0, 1, 0};
constexpr uint32_t kNumGroups = 4;

// The rows sit inside a longer array so every input arrives with an offset.
ArrayPtr Sliced(const std::shared_ptr<arrow::DataType>& type, const std::string& rows) {
  return Json(type, "[" + rows + "]")->Slice(1, 8);
}

ArrayPtr Ints() { return Sliced(arrow::int32(), "99, 1, null, 3, 4, null, 6, 7, null, 98"); }

TEST_F(AggregatesTest, RegistersEveryFunction) {
  std::vector<std::string> names;
  for (const auto& func : BuiltinAggregateFunctions()) names.push_back(func->name());
  std::vector<std::string> expected = {
      "count",       "sum",         "avg",        "mean",       "min",
      "max",         "var",         "var_samp",   "var_pop",    "stddev",
      "stddev_samp", "stddev_pop",  "first_value", "last_value", "array_agg"};
  EXPECT_EQ(names, expected);
}

TEST_F(AggregatesTest, Count) {
  ExpectAggregate("count", {Ints()}, kGroups, kNumGroups, Json(arrow::int64(), "[3, 2, 0, 0]"));
  ExpectAggregate("count", {}, kGroups, kNumGroups, Json(arrow::int64(), "[4, 3, 1, 0]"));
  auto strings = Sliced(arrow::utf8(), R"("z", "a", null, "b", "c", null, "d", "e", null, "y")");
  ExpectAggregate("count", {strings}, kGroups, kNumGroups, Json(arrow::int64(), "[3, 2, 0, 0]"));
  auto nulls = std::make_shared<arrow::NullArray>(8);
  ExpectAggregate("count", {nulls}, kGroups, kNumGroups, Json(arrow::int64(), "[0, 0, 0, 0]"));
}

TEST_F(AggregatesTest, CountDistinct) {
  auto ints = Sliced(arrow::int64(), "0, 5, 5, 5, 7, null, null, 7, 5, 0");
  // g0: 5, 5, null, 5 -> {5}; g1: 5, 7, 7 -> {5, 7}; g2: null.
  ExpectAggregate("count", {ints}, kGroups, kNumGroups, Json(arrow::int64(), "[1, 2, 0, 0]"),
                  /*distinct=*/true);
  auto strings = Sliced(arrow::utf8(), R"("q", "a", "b", "a", "b", null, "c", "b", "a", "q")");
  // g0: a, a, c, a -> 2; g1: b, b, b -> 1; g2: null -> 0.
  ExpectAggregate("count", {strings}, kGroups, kNumGroups, Json(arrow::int64(), "[2, 1, 0, 0]"),
                  true);
  auto doubles = Sliced(arrow::float64(), "0, 1.5, 2.5, -1, 3, 1.5, 4, 2.5, null, 0");
  // g0: 1.5, -1, 4, null -> 3; g1: 2.5, 3, 2.5 -> 2; g2: 1.5 -> 1.
  ExpectAggregate("count", {doubles}, kGroups, kNumGroups, Json(arrow::int64(), "[3, 2, 1, 0]"),
                  true);
}

TEST_F(AggregatesTest, CountDistinctStateHoldsTheValues) {
  auto func = Function("count");
  auto acc = func->MakeAccumulator({arrow::utf8()}, true).ValueOrDie();
  auto values = Json(arrow::utf8(), R"(["x", "y", "x", null, "z"])");
  Groups groups = {0, 0, 0, 0, 2};
  ASSERT_TRUE(acc->Update({values}, groups.data(), 5, 3).ok());
  auto state = CheckedState(*func, {arrow::utf8()}, true, acc.get(), 3);
  // A set: the order within a list is unspecified.
  const auto& lists = static_cast<const arrow::ListArray&>(*state[0]);
  EXPECT_EQ(lists.null_count(), 0);
  EXPECT_EQ(lists.value_length(0), 2);
  EXPECT_EQ(lists.value_length(1), 0);
  auto first = lists.value_slice(0)->ToString();
  EXPECT_TRUE(first == Json(arrow::utf8(), R"(["x", "y"])")->ToString() ||
              first == Json(arrow::utf8(), R"(["y", "x"])")->ToString())
      << first;
  ExpectEqual(Json(arrow::utf8(), R"(["z"])"), lists.value_slice(2));
}

TEST_F(AggregatesTest, Sum) {
  ExpectAggregate("sum", {Ints()}, kGroups, kNumGroups,
                  Json(arrow::int64(), "[10, 11, null, null]"));
  auto bytes = Sliced(arrow::uint8(), "0, 200, 1, 100, 2, 3, 250, 4, 5, 0");
  ExpectAggregate("sum", {bytes}, kGroups, kNumGroups,
                  Json(arrow::uint64(), "[555, 7, 3, null]"));
  auto small = Sliced(arrow::int8(), "0, -128, 1, -128, 2, 3, -128, 4, 5, 0");
  ExpectAggregate("sum", {small}, kGroups, kNumGroups, Json(arrow::int64(), "[-379, 7, 3, null]"));
  auto floats = Sliced(arrow::float32(), "0, 0.5, 1.25, null, 2, 3, null, 4, 5, 0");
  ExpectAggregate("sum", {floats}, kGroups, kNumGroups,
                  Json(arrow::float64(), "[5.5, 7.25, 3, null]"));
}

// An overflowing sum is an error (PostgreSQL, DuckDB), never a wrapped value.
Status SumStatus(const ArrayPtr& values, const Groups& groups, uint32_t num_groups) {
  auto acc = Function("sum")->MakeAccumulator({values->type()}, false).ValueOrDie();
  return acc->Update({values}, groups.data(), values->length(), num_groups);
}

TEST_F(AggregatesTest, SumOverflowIsAnError) {
  // 2^62 + 2^62 leaves int64 (it used to give -2^63).
  auto big = Json(arrow::int64(), "[4611686018427387904, 4611686018427387904]");
  auto status = SumStatus(big, {0, 0}, 1);
  ASSERT_TRUE(status.IsInvalid()) << status.ToString();
  EXPECT_EQ(status.message(),
            "sum overflowed Int64; cast the argument to a wider type (e.g. Float64 or Decimal128)");
  EXPECT_TRUE(SumStatus(Json(arrow::uint64(), "[18446744073709551615, 1]"), {0, 0}, 1).IsInvalid());
  EXPECT_TRUE(SumStatus(Json(arrow::int64(), "[-9223372036854775808, -1]"), {0, 0}, 1).IsInvalid());
  // The 38 digits of decimal128(38, 0) are the limit, not int128's range.
  auto decimals = Json(arrow::decimal128(38, 0), R"(["60000000000000000000000000000000000000",
                                                     "60000000000000000000000000000000000000"])");
  EXPECT_TRUE(SumStatus(decimals, {0, 0}, 1).IsInvalid());
  // In separate groups, and cancelling out in one group, nothing overflows.
  ExpectAggregate("sum", {big}, {0, 1}, 2,
                  Json(arrow::int64(), "[4611686018427387904, 4611686018427387904]"));
  auto cancelling = Json(arrow::int64(), "[9223372036854775807, -9223372036854775808, 1]");
  ExpectAggregate("sum", {cancelling}, {0, 0, 0}, 1, Json(arrow::int64(), "[0]"));
  // A merge that overflows fails too.
  auto func = Function("sum");
  auto acc = func->MakeAccumulator({arrow::int64()}, false).ValueOrDie();
  const Groups one = {0};
  auto state = Json(arrow::int64(), "[9223372036854775807]");
  ASSERT_TRUE(acc->Merge({state}, one.data(), 1, 1).ok());
  EXPECT_TRUE(acc->Merge({state}, one.data(), 1, 1).IsInvalid());
}

TEST_F(AggregatesTest, SumDecimal) {
  auto decimals = Sliced(arrow::decimal128(5, 2),
                         R"("0.00", "1.50", "-2.25", null, "100.00", "3.00", "0.01", "999.99",
                            "7.00", "0.00")");
  auto expected = Json(arrow::decimal128(15, 2), R"(["8.51", "1097.74", "3.00", null])");
  ExpectAggregate("sum", {decimals}, kGroups, kNumGroups, expected);
  EXPECT_TRUE(Function("sum")->ReturnType({arrow::decimal128(35, 3)}).ValueOrDie()->Equals(
      arrow::decimal128(38, 3)));
}

TEST_F(AggregatesTest, AvgDecimal) {
  // DataFusion's type: decimal(p + 4, s + 4); the mean truncates toward zero.
  auto decimals = Sliced(arrow::decimal128(5, 2),
                         R"("0.00", "1.50", "-2.25", null, "100.00", "3.00", "0.01", "999.99",
                            "7.00", "0.00")");
  // g0: 1.50, 0.01, 7.00 -> 8.51 / 3; g1: -2.25, 100.00, 999.99 -> 1097.74 / 3.
  auto expected =
      Json(arrow::decimal128(9, 6), R"(["2.836666", "365.913333", "3.000000", null])");
  ExpectAggregate("avg", {decimals}, kGroups, kNumGroups, expected);
  auto negative = Json(arrow::decimal128(5, 2), R"(["-1.00", "-1.00", "-0.01"])");
  ExpectAggregate("avg", {negative}, {0, 0, 0}, 1,
                  Json(arrow::decimal128(9, 6), R"(["-0.670000"])"));
  EXPECT_TRUE(Function("avg")->ReturnType({arrow::decimal128(36, 3)}).ValueOrDie()->Equals(
      arrow::decimal128(38, 7)));
  // 38-digit values that cancel out; the mean keeps 4 more digits of scale.
  auto widest = Json(arrow::decimal128(38, 0), R"(["99999999999999999999999999999999999999",
                                                   "-99999999999999999999999999999999999999",
                                                   "7"])");
  ExpectAggregate("avg", {widest}, {0, 0, 0}, 1, Json(arrow::decimal128(38, 4), R"(["2.3333"])"));
}

// Decimal sums add batches whose values fit 64 bits without per-row checks
// (aggregate_sum_avg.cc); mixed and wide batches, NULLs, empty input and
// a sum crossing its limit must still come out exact or as an error.
TEST_F(AggregatesTest, DecimalSumsPastSixtyFourBits) {
  // 2^63 = 9223372036854775808 is one past int64: in a batch with small
  // values, beside a NULL, and in the average's count.
  auto mixed = Json(arrow::decimal128(38, 0), R"(["9223372036854775808", "1", null, "-5",
                                                  "9223372036854775807", "2"])");
  const Groups groups = {0, 1, 1, 1, 0, 2};
  ExpectAggregate("sum", {mixed}, groups, 4,
                  Json(arrow::decimal128(38, 0),
                       R"(["18446744073709551615", "-4", "2", null])"));
  ExpectAggregate("avg", {mixed}, groups, 4,
                  Json(arrow::decimal128(38, 4),
                       R"(["9223372036854775807.5000", "-2.0000", "2.0000", null])"));
  auto empty = Json(arrow::decimal128(15, 2), "[]");
  ExpectAggregate("sum", {empty}, {}, 1, Json(arrow::decimal128(25, 2), "[null]"));
  ExpectAggregate("avg", {empty}, {}, 1, Json(arrow::decimal128(19, 6), "[null]"));
}

TEST_F(AggregatesTest, DecimalSumsOfManyRowsInFewGroups) {
  // 1,000 rows into 3 groups (row i -> i % 3), value (i - 500) / 100,
  // every 7th NULL: enough rows per group for the lane-wise partial sums.
  std::string json = "[";
  Groups groups;
  int64_t cents[3] = {0, 0, 0}, rows[3] = {0, 0, 0};
  for (int i = 0; i < 1000; ++i) {
    groups.push_back(i % 3);
    if (i % 7 == 0) {
      json += "null,";
      continue;
    }
    json += "\"" + std::to_string(i - 500) + "e-2\",";
    cents[i % 3] += i - 500;
    ++rows[i % 3];
  }
  json.back() = ']';
  auto values = Json(arrow::decimal128(15, 2), json);
  // Expected: cents as decimal strings, means truncated toward zero.
  auto as_decimal = [](int64_t units, int scale) {
    std::string digits = std::to_string(units < 0 ? -units : units);
    digits.insert(0, std::max<int>(0, scale + 1 - static_cast<int>(digits.size())), '0');
    digits.insert(digits.size() - scale, ".");
    return "\"" + std::string(units < 0 ? "-" : "") + digits + "\"";
  };
  std::string sums = "[", means = "[";
  for (int g = 0; g < 3; ++g) {
    sums += as_decimal(cents[g], 2) + (g < 2 ? "," : "]");
    means += as_decimal(cents[g] * 10000 / rows[g], 6) + (g < 2 ? "," : "]");
  }
  ExpectAggregate("sum", {values}, groups, 3, Json(arrow::decimal128(25, 2), sums));
  ExpectAggregate("avg", {values}, groups, 3, Json(arrow::decimal128(19, 6), means));
  // A slice starts at its offset: rows 10..909 only.
  ExpectEqual(RunSingle("sum", {values->Slice(10, 900)}, Groups(groups.begin() + 10, groups.begin() + 910), 3),
              [&] {
                int64_t part[3] = {0, 0, 0};
                for (int i = 10; i < 910; ++i) {
                  if (i % 7 != 0) part[i % 3] += i - 500;
                }
                std::string out = "[";
                for (int g = 0; g < 3; ++g) out += as_decimal(part[g], 2) + (g < 2 ? "," : "]");
                return Json(arrow::decimal128(25, 2), out);
              }());
}

TEST_F(AggregatesTest, DecimalSumCrossingItsLimitIsAnError) {
  // sum(decimal(8, 0)) is decimal(18, 0): two 64-bit states of 6 * 10^17
  // add up past 18 digits although each fits.
  for (const char* name : {"sum", "avg"}) {
    SCOPED_TRACE(name);
    auto func = Function(name);
    auto acc = func->MakeAccumulator({arrow::decimal128(8, 0)}, false).ValueOrDie();
    const Groups one = {0};
    ArrayVector state = {Json(arrow::decimal128(18, 0), R"(["600000000000000000"])")};
    if (std::string(name) == "avg") state.push_back(Json(arrow::int64(), "[1]"));
    ASSERT_TRUE(acc->Merge(state, one.data(), 1, 1).ok());
    auto status = acc->Merge(state, one.data(), 1, 1);
    ASSERT_TRUE(status.IsInvalid()) << status.ToString();
    EXPECT_NE(status.message().find("overflowed decimal128(18, 0)"), std::string::npos)
        << status.message();
  }
}

TEST_F(AggregatesTest, AvgAndMean) {
  auto expected = Json(arrow::float64(), "[3.3333333333333335, 5.5, null, null]");
  ExpectAggregate("avg", {Ints()}, kGroups, kNumGroups, expected);
  ExpectAggregate("mean", {Ints()}, kGroups, kNumGroups, expected);
  auto doubles = Sliced(arrow::float64(), "0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 0");
  ExpectAggregate("avg", {doubles}, kGroups, kNumGroups,
                  Json(arrow::float64(), "[2.25, 2.1666666666666665, 2.5, null]"));
  auto unsigned_ints = Sliced(arrow::uint64(), "0, 18446744073709551615, 1, 1, 1, 1, 1, 1, 1, 0");
  auto avg = RunSingle("avg", {unsigned_ints}, kGroups, kNumGroups);
  EXPECT_DOUBLE_EQ(std::static_pointer_cast<arrow::DoubleArray>(avg)->Value(0),
                   (18446744073709551615.0 + 3) / 4);
}

TEST_F(AggregatesTest, MinMax) {
  ExpectAggregate("min", {Ints()}, kGroups, kNumGroups, Json(arrow::int32(), "[1, 4, null, null]"));
  ExpectAggregate("max", {Ints()}, kGroups, kNumGroups, Json(arrow::int32(), "[6, 7, null, null]"));
  auto strings = Sliced(
      arrow::utf8(),
      R"("", "pear", "apple", "fig", "kiwi", null, "apricot", "banana", "zebra", "")");
  // g0: pear, fig, apricot, zebra; g1: apple, kiwi, banana; g2: null.
  ExpectAggregate("min", {strings}, kGroups, kNumGroups,
                  Json(arrow::utf8(), R"(["apricot", "apple", null, null])"));
  ExpectAggregate("max", {strings}, kGroups, kNumGroups,
                  Json(arrow::utf8(), R"(["zebra", "kiwi", null, null])"));
}

TEST_F(AggregatesTest, Variance) {
  // g0 = {1, 3, 6}: mean 10/3, m2 = 114/9; g1 = {4, 7}: mean 5.5, m2 = 4.5.
  auto doubles = [](const std::string& rows) { return Json(arrow::float64(), rows); };
  ExpectAggregate("var", {Ints()}, kGroups, kNumGroups,
                  doubles("[6.333333333333333, 4.5, null, null]"));
  ExpectAggregate("var_samp", {Ints()}, kGroups, kNumGroups,
                  doubles("[6.333333333333333, 4.5, null, null]"));
  ExpectAggregate("var_pop", {Ints()}, kGroups, kNumGroups,
                  doubles("[4.222222222222222, 2.25, null, null]"));
  ExpectAggregate("stddev", {Ints()}, kGroups, kNumGroups,
                  doubles("[2.5166114784235836, 2.1213203435596424, null, null]"));
  ExpectAggregate("stddev_samp", {Ints()}, kGroups, kNumGroups,
                  doubles("[2.5166114784235836, 2.1213203435596424, null, null]"));
  ExpectAggregate("stddev_pop", {Ints()}, kGroups, kNumGroups,
                  doubles("[2.0548046676563256, 1.5, null, null]"));
  // One value: the sample variance is null, the population one 0.
  auto one = Json(arrow::int16(), "[5]");
  ExpectEqual(doubles("[null]"), RunSingle("var_samp", {one}, {0}, 1));
  ExpectEqual(doubles("[0]"), RunSingle("var_pop", {one}, {0}, 1));
  ExpectEqual(doubles("[0]"), RunSingle("stddev_pop", {one}, {0}, 1));
}

TEST_F(AggregatesTest, VarianceIsNumericallyStable) {
  // A sum of squares loses every digit here; Welford/Chan keep them all.
  auto values = Json(arrow::float64(), "[1e9, 1000000004, 1000000007, 1000000013, 1000000016]");
  // Deviations from the mean 1e9 + 8: -8, -4, -1, 5, 8 -> m2 = 170. The
  // mean itself is only exact to ~1e-7, which bounds the error.
  for (int64_t split = 0; split <= 5; ++split) {
    auto var_samp = RunTwoPhase("var_samp", {values}, {0, 0, 0, 0, 0}, 1, split);
    auto var_pop = RunTwoPhase("var_pop", {values}, {0, 0, 0, 0, 0}, 1, split);
    EXPECT_NEAR(std::static_pointer_cast<arrow::DoubleArray>(var_samp)->Value(0), 42.5, 1e-6);
    EXPECT_NEAR(std::static_pointer_cast<arrow::DoubleArray>(var_pop)->Value(0), 34, 1e-6);
  }
}

TEST_F(AggregatesTest, FirstAndLastValueRespectNulls) {
  auto values = Sliced(arrow::int32(), "99, null, 2, 3, 4, 5, 6, 7, null, 98");
  // g0 rows 0, 2, 5, 7 = null, 3, 6, null; g1 = 2, 4, 7; g2 = 5.
  ExpectAggregate("first_value", {values}, kGroups, kNumGroups,
                  Json(arrow::int32(), "[null, 2, 5, null]"));
  ExpectAggregate("last_value", {values}, kGroups, kNumGroups,
                  Json(arrow::int32(), "[null, 7, 5, null]"));
  auto strings = Sliced(arrow::utf8(), R"("x", "a", "b", "c", "d", "e", "f", "g", "h", "y")");
  ExpectAggregate("first_value", {strings}, kGroups, kNumGroups,
                  Json(arrow::utf8(), R"(["a", "b", "e", null])"));
  ExpectAggregate("last_value", {strings}, kGroups, kNumGroups,
                  Json(arrow::utf8(), R"(["h", "g", "e", null])"));
}

TEST_F(AggregatesTest, FirstValueStateMarksSetGroups) {
  auto func = Function("first_value");
  auto acc = func->MakeAccumulator({arrow::int64()}, false).ValueOrDie();
  auto values = Json(arrow::int64(), "[null, 8]");
  Groups groups = {0, 2};
  ASSERT_TRUE(acc->Update({values}, groups.data(), 2, 3).ok());
  auto state = CheckedState(*func, {arrow::int64()}, false, acc.get(), 3);
  ExpectEqual(Json(arrow::int64(), "[null, null, 8]"), state[0]);
  ExpectEqual(Json(arrow::boolean(), "[true, false, true]"), state[1]);
}

TEST_F(AggregatesTest, ArrayAgg) {
  ExpectAggregate("array_agg", {Ints()}, kGroups, kNumGroups,
                  Json(arrow::list(arrow::int32()),
                       "[[1, 3, 6, null], [null, 4, 7], [null], null]"));
  auto strings = Sliced(arrow::utf8(), R"("x", "a", "b", "c", "d", "e", "f", "g", "h", "y")");
  ExpectAggregate("array_agg", {strings}, kGroups, kNumGroups,
                  Json(arrow::list(arrow::utf8()),
                       R"([["a", "c", "f", "h"], ["b", "d", "g"], ["e"], null])"));
  auto decimals = Sliced(arrow::decimal128(4, 1),
                        R"("0.0", "1.5", "2.5", null, "4.0", "5.5", "6.5", "7.0", null, "0.0")");
  ExpectAggregate("array_agg", {decimals}, kGroups, kNumGroups,
                  Json(arrow::list(arrow::decimal128(4, 1)),
                       R"([["1.5", null, "6.5", null], ["2.5", "4.0", "7.0"], ["5.5"], null])"));
  auto triples = Sliced(arrow::fixed_size_binary(3),
                        R"("zzz", "aaa", "bbb", "ccc", "ddd", "eee", null, "ggg", "hhh", "yyy")");
  ExpectAggregate("array_agg", {triples}, kGroups, kNumGroups,
                  Json(arrow::list(arrow::fixed_size_binary(3)),
                       R"([["aaa", "ccc", null, "hhh"], ["bbb", "ddd", "ggg"], ["eee"], null])"));
  auto nested = Json(arrow::list(arrow::int8()), "[[1], null, [], [2, 3]]");
  ExpectAggregate("array_agg", {nested}, {1, 0, 1, 1}, 2,
                  Json(arrow::list(arrow::list(arrow::int8())), "[[null], [[1], [], [2, 3]]]"));
}

}  // namespace
}  // namespace aggregate_test
}  // namespace ferry

// Every built-in aggregate on a few thousand random rows with nulls, many
// batches' worth of groups and some empty groups, against results computed
// row by row here, single-phase and merged from partials.

#include <algorithm>
#include <cmath>
#include <numeric>
#include <optional>
#include <random>
#include <set>
#include <tuple>

#include <arrow/array/builder_binary.h>
#include <arrow/array/builder_nested.h>
#include <arrow/array/builder_primitive.h>

#include "ferry/function/aggregate_test_util.h"

namespace ferry {
namespace aggregate_test {
namespace {

constexpr uint32_t kNumGroups = 50;  // ids drawn from [0, 45): five stay empty
constexpr int kNumRows = 3000;

template <typename T>
using Column = std::vector<std::optional<T>>;

template <typename BuilderType, typename T>
ArrayPtr Build(const Column<T>& column) {
  BuilderType builder;
  for (const auto& value : column) {
    auto status = value ? builder.Append(*value) : builder.AppendNull();
    EXPECT_TRUE(status.ok());
  }
  return builder.Finish().ValueOrDie();
}

class RandomAggregatesTest : public AggregatesTest {
 protected:
  void SetUp() override {
    std::mt19937 rng(42);
    std::uniform_int_distribution<uint32_t> group(0, 44);
    std::uniform_int_distribution<int32_t> small(-20, 20);
    std::uniform_real_distribution<double> real(-100, 100);
    std::bernoulli_distribution is_null(0.15);
    const char* words[] = {"ant", "bee", "cat", "dog", "eel", "", "fox", "gnu"};
    for (int i = 0; i < kNumRows; ++i) {
      groups_.push_back(group(rng));
      ints_.push_back(is_null(rng) ? std::nullopt : std::optional<int32_t>(small(rng)));
      doubles_.push_back(is_null(rng) ? std::nullopt : std::optional<double>(real(rng)));
      strings_.push_back(is_null(rng) ? std::nullopt
                                      : std::optional<std::string>(words[small(rng) & 7]));
    }
    int_array_ = Build<arrow::Int32Builder>(ints_);
    double_array_ = Build<arrow::DoubleBuilder>(doubles_);
    string_array_ = Build<arrow::StringBuilder>(strings_);
  }

  /// Per group, the rows' values of `column` (nulls included) in order.
  template <typename T>
  std::vector<Column<T>> PerGroup(const Column<T>& column) const {
    std::vector<Column<T>> out(kNumGroups);
    for (int i = 0; i < kNumRows; ++i) out[groups_[i]].push_back(column[i]);
    return out;
  }

  /// fold(non-null values of one group) per group; null for groups without any.
  template <typename R, typename T, typename Fold>
  Column<R> Reduce(const Column<T>& column, Fold fold) const {
    Column<R> out;
    for (const auto& rows : PerGroup(column)) {
      std::vector<T> values;
      for (const auto& v : rows) {
        if (v) values.push_back(*v);
      }
      out.push_back(values.empty() ? std::nullopt : std::optional<R>(fold(values)));
    }
    return out;
  }

  void Check(const std::string& name, const ArrayPtr& input, const ArrayPtr& expected,
             bool distinct = false) {
    ExpectAggregate(name, {input}, groups_, kNumGroups, expected, distinct);
  }

  Groups groups_;
  Column<int32_t> ints_;
  Column<double> doubles_;
  Column<std::string> strings_;
  ArrayPtr int_array_, double_array_, string_array_;
};

TEST_F(RandomAggregatesTest, CountAndCountDistinct) {
  auto count = [](const auto& values) { return static_cast<int64_t>(values.size()); };
  auto distinct = [](const auto& values) {
    return static_cast<int64_t>(std::set(values.begin(), values.end()).size());
  };
  for (const auto& [input, counts, distincts] :
       {std::tuple{int_array_, Reduce<int64_t>(ints_, count), Reduce<int64_t>(ints_, distinct)},
        std::tuple{string_array_, Reduce<int64_t>(strings_, count),
                   Reduce<int64_t>(strings_, distinct)}}) {
    Column<int64_t> zero_filled_counts, zero_filled_distincts;
    for (const auto& c : counts) zero_filled_counts.push_back(c.value_or(0));
    for (const auto& c : distincts) zero_filled_distincts.push_back(c.value_or(0));
    Check("count", input, Build<arrow::Int64Builder>(zero_filled_counts));
    Check("count", input, Build<arrow::Int64Builder>(zero_filled_distincts), true);
  }
}

// Many groups times many distinct values outgrow the dense bit matrix of
// (group, value) pairs midway; the pairs seen so far must carry over.
TEST_F(RandomAggregatesTest, CountDistinctAtHighCardinality) {
  constexpr uint32_t kGroups = 4000;
  std::vector<std::set<int64_t>> reference(kGroups);
  auto func = Function("count");
  auto acc = func->MakeAccumulator({arrow::int64()}, true).ValueOrDie();
  std::mt19937 rng(7);
  for (int64_t batch_size : {100, 1000, 70000, 5000}) {
    Column<int64_t> values;
    Groups groups;
    for (int64_t i = 0; i < batch_size; ++i) {
      const uint32_t g = rng() % kGroups;
      const int64_t v = rng() % 60000;
      groups.push_back(g);
      values.push_back(v);
      reference[g].insert(v);
    }
    auto array = Build<arrow::Int64Builder>(values);
    ASSERT_TRUE(acc->Update({array}, groups.data(), batch_size, kGroups).ok());
  }
  Column<int64_t> expected;
  for (const auto& set : reference) expected.push_back(static_cast<int64_t>(set.size()));
  ExpectEqual(Build<arrow::Int64Builder>(expected), acc->Evaluate().ValueOrDie());
  // Its state merged into a fresh accumulator counts the same.
  auto state = CheckedState(*func, {arrow::int64()}, true, acc.get(), kGroups);
  auto merged = func->MakeAccumulator({arrow::int64()}, true).ValueOrDie();
  Groups identity(kGroups);
  for (uint32_t g = 0; g < kGroups; ++g) identity[g] = g;
  ASSERT_TRUE(merged->Merge(state, identity.data(), kGroups, kGroups).ok());
  ExpectEqual(Build<arrow::Int64Builder>(expected), merged->Evaluate().ValueOrDie());
}

TEST_F(RandomAggregatesTest, SumAvgMinMax) {
  auto sum = [](const auto& values) {
    return std::accumulate(values.begin(), values.end(), int64_t{0});
  };
  auto mean = [](const std::vector<double>& values) {
    return std::accumulate(values.begin(), values.end(), 0.0) / values.size();
  };
  auto min = [](const auto& values) { return *std::min_element(values.begin(), values.end()); };
  auto max = [](const auto& values) { return *std::max_element(values.begin(), values.end()); };
  Check("sum", int_array_, Build<arrow::Int64Builder>(Reduce<int64_t>(ints_, sum)));
  Check("avg", double_array_, Build<arrow::DoubleBuilder>(Reduce<double>(doubles_, mean)));
  Check("min", int_array_, Build<arrow::Int32Builder>(Reduce<int32_t>(ints_, min)));
  Check("max", double_array_, Build<arrow::DoubleBuilder>(Reduce<double>(doubles_, max)));
  Check("min", string_array_, Build<arrow::StringBuilder>(Reduce<std::string>(strings_, min)));
  Check("max", string_array_, Build<arrow::StringBuilder>(Reduce<std::string>(strings_, max)));
}

TEST_F(RandomAggregatesTest, Variance) {
  // Textbook two-pass variance in long double as the reference.
  auto variance = [](const std::vector<double>& values, bool sample) -> std::optional<double> {
    const size_t n = values.size();
    if (n < (sample ? 2u : 1u)) return std::nullopt;
    long double mean = 0, m2 = 0;
    for (double v : values) mean += v;
    mean /= n;
    for (double v : values) m2 += (v - mean) * (v - mean);
    return static_cast<double>(m2 / (sample ? n - 1 : n));
  };
  Column<double> samp, pop, stddev, stddev_pop;
  for (const auto& rows : PerGroup(doubles_)) {
    std::vector<double> values;
    for (const auto& v : rows) {
      if (v) values.push_back(*v);
    }
    samp.push_back(variance(values, true));
    pop.push_back(variance(values, false));
    stddev.push_back(samp.back() ? std::optional(std::sqrt(*samp.back())) : std::nullopt);
    stddev_pop.push_back(pop.back() ? std::optional(std::sqrt(*pop.back())) : std::nullopt);
  }
  Check("var_samp", double_array_, Build<arrow::DoubleBuilder>(samp));
  Check("var_pop", double_array_, Build<arrow::DoubleBuilder>(pop));
  Check("stddev_samp", double_array_, Build<arrow::DoubleBuilder>(stddev));
  Check("stddev_pop", double_array_, Build<arrow::DoubleBuilder>(stddev_pop));
}

TEST_F(RandomAggregatesTest, FirstLastAndArrayAgg) {
  Column<std::string> first, last;
  arrow::ListBuilder lists(arrow::default_memory_pool(), std::make_shared<arrow::StringBuilder>(),
                           arrow::list(arrow::utf8()));
  auto* items = static_cast<arrow::StringBuilder*>(lists.value_builder());
  for (const auto& rows : PerGroup(strings_)) {
    first.push_back(rows.empty() ? std::nullopt : rows.front());
    last.push_back(rows.empty() ? std::nullopt : rows.back());
    if (rows.empty()) {
      ASSERT_TRUE(lists.AppendNull().ok());
      continue;
    }
    ASSERT_TRUE(lists.Append().ok());
    for (const auto& v : rows) ASSERT_TRUE((v ? items->Append(*v) : items->AppendNull()).ok());
  }
  Check("first_value", string_array_, Build<arrow::StringBuilder>(first));
  Check("last_value", string_array_, Build<arrow::StringBuilder>(last));
  Check("array_agg", string_array_, lists.Finish().ValueOrDie());

  arrow::ListBuilder int_lists(arrow::default_memory_pool(),
                               std::make_shared<arrow::Int32Builder>(),
                               arrow::list(arrow::int32()));
  auto* int_items = static_cast<arrow::Int32Builder*>(int_lists.value_builder());
  for (const auto& rows : PerGroup(ints_)) {
    ASSERT_TRUE((rows.empty() ? int_lists.AppendNull() : int_lists.Append()).ok());
    for (const auto& v : rows) {
      ASSERT_TRUE((v ? int_items->Append(*v) : int_items->AppendNull()).ok());
    }
  }
  Check("array_agg", int_array_, int_lists.Finish().ValueOrDie());
}

}  // namespace
}  // namespace aggregate_test
}  // namespace ferry

// Two-phase aggregation with the partial phase grouping throughout, and
// skipping to row states after a few rows, against sums, counts, minima,
// maxima and averages computed row by row here: int64 and string keys of
// high and low cardinality, clustered or not, NULL keys and values, empty
// input, 1..8 partitions.

#include "ferry/exec/hash_aggregate_partial.h"

#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <arrow/api.h>
#include <gtest/gtest.h>

#include "ferry/exec/operator_binders.h"
#include "ferry/function/bind.h"
#include "ferry/function/registry.h"
#include "ferry/testing/exec_test_util.h"
#include "ferry/testing/test_util.h"

namespace ferry {
namespace {

using testing::KeyOf;
using testing::PlanRows;
using testing::ScanOf;
using testing::SortedRows;
using testing::SplitRows;

constexpr const char* kAggregates[] = {"sum", "count", "min", "max", "avg"};

// Skips once 16 rows are in, whatever the rate.
SkipPartialAggregation Always() { return {16, -1.0}; }

struct Rows {
  std::vector<std::optional<int64_t>> keys;
  std::vector<std::optional<int64_t>> values;
};

Rows MakeRows(int64_t n, int64_t cardinality, bool clustered, uint64_t seed) {
  std::mt19937_64 rng(seed);
  Rows rows;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t key = clustered ? i * cardinality / n : static_cast<int64_t>(rng() % cardinality);
    rows.keys.push_back(rng() % 23 == 0 ? std::nullopt : std::optional<int64_t>(key * 1'000'003 - 5));
    rows.values.push_back(rng() % 11 == 0 ? std::nullopt
                                          : std::optional<int64_t>(static_cast<int64_t>(rng() % 2001) - 1000));
  }
  return rows;
}

// The rows as a batch whose key column is int64 or its decimal text.
BatchPtr ToBatch(const Rows& rows, bool string_keys) {
  std::shared_ptr<arrow::Array> keys, values;
  if (string_keys) {
    arrow::StringBuilder builder;
    for (const auto& k : rows.keys) {
      EXPECT_TRUE((k ? builder.Append(std::to_string(*k)) : builder.AppendNull()).ok());
    }
    keys = builder.Finish().ValueOrDie();
  } else {
    arrow::Int64Builder builder;
    for (const auto& k : rows.keys) EXPECT_TRUE((k ? builder.Append(*k) : builder.AppendNull()).ok());
    keys = builder.Finish().ValueOrDie();
  }
  arrow::Int64Builder builder;
  for (const auto& v : rows.values) EXPECT_TRUE((v ? builder.Append(*v) : builder.AppendNull()).ok());
  values = builder.Finish().ValueOrDie();
  auto schema = arrow::schema({arrow::field("k", keys->type()), arrow::field("v", arrow::int64())});
  return arrow::RecordBatch::Make(schema, keys->length(), {keys, values});
}

// sum, count, min, max, avg of v per key, computed row by row.
std::vector<std::string> Expected(const Rows& rows, bool string_keys) {
  struct Acc {
    int64_t sum = 0, count = 0, min = 0, max = 0;
  };
  std::map<std::optional<int64_t>, Acc> groups;
  for (size_t i = 0; i < rows.keys.size(); ++i) {
    Acc& acc = groups[rows.keys[i]];
    if (!rows.values[i]) continue;
    const int64_t v = *rows.values[i];
    acc.min = acc.count == 0 ? v : std::min(acc.min, v);
    acc.max = acc.count == 0 ? v : std::max(acc.max, v);
    acc.sum += v;
    ++acc.count;
  }
  arrow::Int64Builder sums, counts, mins, maxs;
  arrow::DoubleBuilder avgs;
  arrow::Int64Builder int_keys;
  arrow::StringBuilder string_keys_builder;
  for (const auto& [key, acc] : groups) {
    if (string_keys) {
      EXPECT_TRUE((key ? string_keys_builder.Append(std::to_string(*key)) : string_keys_builder.AppendNull()).ok());
    } else {
      EXPECT_TRUE((key ? int_keys.Append(*key) : int_keys.AppendNull()).ok());
    }
    const bool any = acc.count > 0;
    EXPECT_TRUE((any ? sums.Append(acc.sum) : sums.AppendNull()).ok());
    EXPECT_TRUE(counts.Append(acc.count).ok());
    EXPECT_TRUE((any ? mins.Append(acc.min) : mins.AppendNull()).ok());
    EXPECT_TRUE((any ? maxs.Append(acc.max) : maxs.AppendNull()).ok());
    EXPECT_TRUE((any ? avgs.Append(static_cast<double>(acc.sum) / acc.count) : avgs.AppendNull()).ok());
  }
  std::shared_ptr<arrow::Array> keys =
      string_keys ? string_keys_builder.Finish().ValueOrDie() : int_keys.Finish().ValueOrDie();
  arrow::ArrayVector columns = {keys,
                                sums.Finish().ValueOrDie(),
                                counts.Finish().ValueOrDie(),
                                mins.Finish().ValueOrDie(),
                                maxs.Finish().ValueOrDie(),
                                avgs.Finish().ValueOrDie()};
  const char* names[] = {"k", "sum", "count", "min", "max", "avg"};
  arrow::FieldVector fields;
  for (size_t c = 0; c < columns.size(); ++c) fields.push_back(arrow::field(names[c], columns[c]->type()));
  const int64_t n = keys->length();
  return SortedRows({arrow::RecordBatch::Make(arrow::schema(fields), n, columns)});
}

class PartialAggregateSkipTest : public ::testing::Test {
 protected:
  void SetUp() override { EnsureArrowCompute(); }

  // Partial (per input partition) -> hash exchange on the key into
  // `partitions` -> final, over `batch` split into `partitions` inputs.
  std::vector<std::string> Run(const BatchPtr& batch, int partitions, SkipPartialAggregation skip,
                               int64_t batch_rows) {
    auto schema = batch->schema();
    auto scan = ScanOf(schema, batch->num_rows() == 0 ? std::vector<BatchVector>(partitions)
                                                      : SplitRows(batch, partitions, batch_rows));
    std::vector<AggregateSpec> specs;
    arrow::FieldVector fields = {schema->field(0)};
    for (const char* name : kAggregates) {
      auto func = BuiltinFunctions().GetAggregate(name).ValueOrDie();
      auto spec = BindAggregate(AggregateCall(func, name, {Col("v")}), *schema);
      EXPECT_TRUE(spec.ok()) << spec.status().ToString();
      fields.push_back(arrow::field(name, spec->return_type));
      specs.push_back(*spec);
    }
    auto partial =
        MakePartialAggregateExec(scan, {KeyOf(schema, 0)}, {"k"}, specs, skip).ValueOrDie();
    auto exchanged = MakeHashRepartitionExec(partial, {KeyOf(partial->schema(), 0)}, partitions);
    auto final_plan = MakeFinalAggregateExec(exchanged, 1, specs, arrow::schema(fields));
    EXPECT_TRUE(final_plan.ok()) << final_plan.status().ToString();
    return PlanRows(**final_plan);
  }
};

TEST_F(PartialAggregateSkipTest, SkippingOrNotGivesTheRowByRowResult) {
  struct Case {
    int64_t rows, cardinality;
    bool clustered, string_keys;
  };
  for (const Case& c : {Case{3000, 3000, false, false}, Case{3000, 7, false, false},
                        Case{3000, 750, true, false}, Case{2000, 1500, false, true},
                        Case{2000, 5, true, true}}) {
    const Rows rows = MakeRows(c.rows, c.cardinality, c.clustered, c.rows + c.cardinality);
    const auto batch = ToBatch(rows, c.string_keys);
    const auto expected = Expected(rows, c.string_keys);
    for (int partitions = 1; partitions <= 8; ++partitions) {
      SCOPED_TRACE(::testing::Message() << c.rows << " rows, " << c.cardinality << " keys"
                                        << (c.clustered ? ", clustered" : "")
                                        << (c.string_keys ? ", string keys" : "") << ", "
                                        << partitions << " partitions");
      EXPECT_EQ(Run(batch, partitions, SkipPartialAggregation::Never(), 64), expected);
      EXPECT_EQ(Run(batch, partitions, Always(), 64), expected);
      EXPECT_EQ(Run(batch, partitions, SkipPartialAggregation(), 64), expected);
    }
  }
}

TEST_F(PartialAggregateSkipTest, EmptyInputAndAllNullKeys) {
  const auto empty = ToBatch(Rows{}, false);
  for (int partitions : {1, 3}) {
    EXPECT_TRUE(Run(empty, partitions, Always(), 64).empty());
    EXPECT_TRUE(Run(empty, partitions, SkipPartialAggregation::Never(), 64).empty());
  }
  Rows nulls;
  for (int i = 0; i < 100; ++i) {
    nulls.keys.push_back(std::nullopt);
    nulls.values.push_back(i % 3 ? std::optional<int64_t>(i) : std::nullopt);
  }
  const auto expected = Expected(nulls, false);
  ASSERT_EQ(expected.size(), 1u);
  EXPECT_EQ(Run(ToBatch(nulls, false), 2, Always(), 10), expected);
}

// Where the probe's second half keeps finding new groups the partial phase
// stops grouping; where it finds none it keeps going. Seen from the
// partial's output: skipping emits one row per input row after the probe.
TEST_F(PartialAggregateSkipTest, TheProbeDecidesOnTheRateOfNewGroups) {
  auto partial_rows = [&](const Rows& rows) {
    const auto batch = ToBatch(rows, false);
    auto func = BuiltinFunctions().GetAggregate("sum").ValueOrDie();
    auto spec = BindAggregate(AggregateCall(func, "sum", {Col("v")}), *batch->schema()).ValueOrDie();
    auto scan = ScanOf(batch->schema(), SplitRows(batch, 1, 100));
    auto partial = MakePartialAggregateExec(scan, {KeyOf(batch->schema(), 0)}, {"k"}, {spec},
                                            SkipPartialAggregation{1000, 0.15})
                       .ValueOrDie();
    return PlanRows(*partial).size();
  };
  // All keys distinct: after 1000 rows every row is its own state.
  Rows distinct;
  for (int64_t i = 0; i < 5000; ++i) {
    distinct.keys.push_back(i % 2 ? i : 10'000 - i);
    distinct.values.push_back(i);
  }
  EXPECT_EQ(partial_rows(distinct), 5000u);
  // Ten keys: the probe's second half finds no new group; grouping goes on.
  Rows few;
  for (int64_t i = 0; i < 5000; ++i) {
    few.keys.push_back(i % 10);
    few.values.push_back(i);
  }
  EXPECT_EQ(partial_rows(few), 10u);
}

}  // namespace
}  // namespace ferry

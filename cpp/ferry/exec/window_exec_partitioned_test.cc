// The window operator per partition, over a hash exchange on PARTITION BY:
// every row's value must be what SQL says, whatever the number of
// partitions (1..8), with empty and skewed partitions, NULL partition keys,
// ties in ORDER BY and every frame unit. The expected values come from a
// brute-force reading of each definition over the rows, not from the
// operator's own algorithms.

#include <algorithm>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <arrow/api.h>
#include <gtest/gtest.h>

#include "ferry/exec/operator_binders.h"
#include "ferry/exec/operators.h"
#include "ferry/function/bind.h"
#include "ferry/function/registry.h"
#include "ferry/testing/exec_test_util.h"

namespace ferry {
namespace {

using testing::CellText;
using testing::DrainPartitions;
using testing::KeyOf;
using testing::ScanOf;
using testing::SplitRows;
using Kind = WindowFrame::Bound::Kind;

struct Row {
  std::optional<int64_t> k;  // PARTITION BY
  int64_t o;                 // ORDER BY, with ties
  int64_t id;                // unique: breaks ties, names the row
  std::optional<int64_t> v;  // argument
};

std::shared_ptr<arrow::Schema> RowSchema() {
  return arrow::schema({arrow::field("k", arrow::int64()), arrow::field("o", arrow::int64()),
                        arrow::field("id", arrow::int64()), arrow::field("v", arrow::int64())});
}

// `n` rows; `hot_share` of them in partition key 0 (skew), 5% with a NULL key.
std::vector<Row> RandomRows(int n, int keys, double hot_share, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> unit(0, 1);
  std::vector<Row> rows;
  for (int i = 0; i < n; ++i) {
    Row row;
    const double draw = unit(rng);
    if (draw < 0.05) {
      row.k = std::nullopt;
    } else {
      row.k = draw < 0.05 + hot_share ? 0 : static_cast<int64_t>(rng() % keys);
    }
    row.o = static_cast<int64_t>(rng() % 12);
    row.id = i;
    if (unit(rng) >= 0.1) row.v = static_cast<int64_t>(rng() % 200) - 100;
    rows.push_back(row);
  }
  return rows;
}

BatchPtr BatchOf(const std::vector<Row>& rows) {
  arrow::Int64Builder k, o, id, v;
  for (const auto& row : rows) {
    EXPECT_TRUE((row.k ? k.Append(*row.k) : k.AppendNull()).ok());
    EXPECT_TRUE(o.Append(row.o).ok());
    EXPECT_TRUE(id.Append(row.id).ok());
    EXPECT_TRUE((row.v ? v.Append(*row.v) : v.AppendNull()).ok());
  }
  return arrow::RecordBatch::Make(RowSchema(), static_cast<int64_t>(rows.size()),
                                  {k.Finish().ValueOrDie(), o.Finish().ValueOrDie(),
                                   id.Finish().ValueOrDie(), v.Finish().ValueOrDie()});
}

// ---- the reference: each definition read literally ------------------------

// Rows of `row`'s window partition (NULL keys together), sorted by (o, id).
std::vector<Row> PartitionOf(const std::vector<Row>& rows, const Row& row) {
  std::vector<Row> out;
  for (const auto& other : rows) {
    if (other.k == row.k) out.push_back(other);
  }
  std::sort(out.begin(), out.end(),
            [](const Row& a, const Row& b) { return a.o != b.o ? a.o < b.o : a.id < b.id; });
  return out;
}

int64_t DistinctOrderKeysBelow(const std::vector<Row>& part, int64_t o) {
  std::set<int64_t> seen;
  for (const auto& r : part) {
    if (r.o < o) seen.insert(r.o);
  }
  return static_cast<int64_t>(seen.size());
}

enum class Agg { kSum, kCount, kMin };

std::string Aggregate(Agg agg, const std::vector<Row>& frame) {
  std::optional<int64_t> acc;
  int64_t count = 0;
  for (const auto& r : frame) {
    if (!r.v) continue;
    ++count;
    if (agg == Agg::kSum) acc = acc.value_or(0) + *r.v;
    if (agg == Agg::kMin) acc = std::min(acc.value_or(*r.v), *r.v);
  }
  if (agg == Agg::kCount) return std::to_string(count);
  return acc ? std::to_string(*acc) : "null";
}

// One case: a window expression and the value the reference gives a row.
struct Case {
  std::string name;
  Expr expr;
  std::function<std::string(const std::vector<Row>& part, size_t at)> expected;
};

WindowFrame::Bound P(int64_t n) { return {Kind::kPreceding, arrow::MakeScalar(n)}; }
WindowFrame::Bound F(int64_t n) { return {Kind::kFollowing, arrow::MakeScalar(n)}; }
WindowFrame::Bound Current() { return {Kind::kCurrentRow, nullptr}; }

std::vector<Case> Cases() {
  const auto& functions = BuiltinFunctions();
  auto window_fn = [&](const std::string& name, std::vector<Expr> args) {
    return WindowCall(functions.GetWindow(name).ValueOrDie(), name, std::move(args));
  };
  auto aggregate = [&](const std::string& name) {
    return AggregateCall(functions.GetAggregate(name).ValueOrDie(), name, {Col("v")});
  };
  const std::vector<Expr> by_k = {Col("k")};
  const std::vector<Expr> unique = {Sort(Col("o")), Sort(Col("id"))};
  const std::vector<Expr> tied = {Sort(Col("o"))};
  using Units = WindowFrame::Units;
  std::vector<Case> cases;
  cases.push_back({"row_number", Window(window_fn("row_number", {}), by_k, unique, WindowFrame::Default(true)),
                   [](const std::vector<Row>& part, size_t at) { return std::to_string(at + 1); }});
  cases.push_back({"rank", Window(window_fn("rank", {}), by_k, tied, WindowFrame::Default(true)),
                   [](const std::vector<Row>& part, size_t at) {
                     int64_t below = 0;
                     for (const auto& r : part) below += r.o < part[at].o;
                     return std::to_string(below + 1);
                   }});
  cases.push_back({"dense_rank", Window(window_fn("dense_rank", {}), by_k, tied, WindowFrame::Default(true)),
                   [](const std::vector<Row>& part, size_t at) {
                     return std::to_string(DistinctOrderKeysBelow(part, part[at].o) + 1);
                   }});
  cases.push_back({"lag", Window(window_fn("lag", {Col("v")}), by_k, unique, WindowFrame::Default(true)),
                   [](const std::vector<Row>& part, size_t at) {
                     if (at == 0 || !part[at - 1].v) return std::string("null");
                     return std::to_string(*part[at - 1].v);
                   }});
  // Default frame with ties: RANGE UNBOUNDED PRECEDING .. CURRENT ROW, peers included.
  cases.push_back({"running sum", Window(aggregate("sum"), by_k, tied, WindowFrame::Default(true)),
                   [](const std::vector<Row>& part, size_t at) {
                     std::vector<Row> frame;
                     for (const auto& r : part) {
                       if (r.o <= part[at].o) frame.push_back(r);
                     }
                     return Aggregate(Agg::kSum, frame);
                   }});
  cases.push_back({"rows sum", Window(aggregate("sum"), by_k, unique, WindowFrame{Units::kRows, P(2), F(1)}),
                   [](const std::vector<Row>& part, size_t at) {
                     std::vector<Row> frame;
                     for (size_t j = 0; j < part.size(); ++j) {
                       if (j + 2 >= at && j <= at + 1) frame.push_back(part[j]);
                     }
                     return Aggregate(Agg::kSum, frame);
                   }});
  cases.push_back({"range sum", Window(aggregate("sum"), by_k, tied, WindowFrame{Units::kRange, P(3), F(1)}),
                   [](const std::vector<Row>& part, size_t at) {
                     std::vector<Row> frame;
                     for (const auto& r : part) {
                       if (r.o >= part[at].o - 3 && r.o <= part[at].o + 1) frame.push_back(r);
                     }
                     return Aggregate(Agg::kSum, frame);
                   }});
  cases.push_back({"groups count", Window(aggregate("count"), by_k, tied, WindowFrame{Units::kGroups, P(1), Current()}),
                   [](const std::vector<Row>& part, size_t at) {
                     const int64_t mine = DistinctOrderKeysBelow(part, part[at].o);
                     std::vector<Row> frame;
                     for (const auto& r : part) {
                       const int64_t group = DistinctOrderKeysBelow(part, r.o);
                       if (group >= mine - 1 && group <= mine) frame.push_back(r);
                     }
                     return Aggregate(Agg::kCount, frame);
                   }});
  cases.push_back({"partition min", Window(aggregate("min"), by_k, {}, WindowFrame::Default(false)),
                   [](const std::vector<Row>& part, size_t at) { return Aggregate(Agg::kMin, part); }});
  return cases;
}

// ---- running the operator --------------------------------------------------

class WindowPerPartitionTest : public ::testing::Test {
 protected:
  void SetUp() override { EnsureArrowCompute(); }

  // The window over `rows` (cut into `input_partitions`), exchanged on k
  // into `partitions`; checks every row against the reference.
  static void Check(const std::vector<Row>& rows, int input_partitions, int partitions) {
    auto schema = RowSchema();
    auto scan = ScanOf(schema, SplitRows(BatchOf(rows), input_partitions, 13));
    auto exchanged = MakeHashRepartitionExec(scan, {KeyOf(schema, 0)}, partitions);
    for (const auto& c : Cases()) {
      SCOPED_TRACE(c.name + ", " + std::to_string(partitions) + " partitions");
      auto spec = BindWindow(c.expr, *schema);
      ASSERT_TRUE(spec.ok()) << spec.status().ToString();
      auto fields = schema->fields();
      fields.push_back(arrow::field("w", spec->type));
      auto window = MakeWindowExec(exchanged, {*spec}, arrow::schema(fields), /*per_partition=*/true);
      ASSERT_EQ(window->num_partitions(), partitions);
      ASSERT_TRUE(window->output_partitioning().has_value());
      std::map<int64_t, std::string> got;
      for (const auto& partition : DrainPartitions(*window)) {
        for (const auto& batch : partition) {
          const auto& ids = static_cast<const arrow::Int64Array&>(*batch->column(2));
          for (int64_t i = 0; i < batch->num_rows(); ++i) {
            EXPECT_TRUE(got.emplace(ids.Value(i), CellText(*batch->column(4), i)).second)
                << "row " << ids.Value(i) << " twice";
          }
        }
      }
      ASSERT_EQ(got.size(), rows.size());
      int wrong = 0;
      std::map<std::optional<int64_t>, std::vector<Row>> parts;
      for (const auto& row : rows) {
        if (!parts.count(row.k)) parts[row.k] = PartitionOf(rows, row);
        const auto& part = parts[row.k];
        const size_t at = std::find_if(part.begin(), part.end(),
                                       [&](const Row& r) { return r.id == row.id; }) - part.begin();
        const std::string want = c.expected(part, at);
        if (got[row.id] != want && ++wrong <= 3) {
          ADD_FAILURE() << "row " << row.id << ": got " << got[row.id] << ", want " << want;
        }
      }
      EXPECT_EQ(wrong, 0);
    }
  }
};

TEST_F(WindowPerPartitionTest, EveryPartitionCountGivesTheReferenceValues) {
  const auto rows = RandomRows(400, 9, 0.0, 1);
  for (int partitions = 1; partitions <= 8; ++partitions) Check(rows, 3, partitions);
}

TEST_F(WindowPerPartitionTest, SkewedAndEmptyPartitions) {
  // Two thirds of the rows in one key; 3 keys over 8 partitions leave most empty.
  Check(RandomRows(300, 3, 0.66, 2), 4, 8);
  // More input partitions than rows: most input partitions are empty too.
  Check(RandomRows(5, 4, 0.0, 3), 7, 3);
}

TEST_F(WindowPerPartitionTest, OneHugeWindowPartition) {
  auto rows = RandomRows(600, 1, 0.0, 4);
  for (auto& row : rows) row.k = 7;
  Check(rows, 3, 4);
}

TEST_F(WindowPerPartitionTest, NullPartitionKeysFormOnePartition) {
  auto rows = RandomRows(200, 5, 0.0, 5);
  for (size_t i = 0; i < rows.size(); i += 3) rows[i].k = std::nullopt;
  Check(rows, 2, 5);
}

TEST_F(WindowPerPartitionTest, EmptyInputGivesNoRows) { Check({}, 2, 4); }

TEST_F(WindowPerPartitionTest, GatheringModeReadsEveryInputPartition) {
  const auto rows = RandomRows(100, 4, 0.0, 6);
  auto schema = RowSchema();
  auto scan = ScanOf(schema, SplitRows(BatchOf(rows), 3));
  auto spec = BindWindow(Cases()[0].expr, *schema).ValueOrDie();
  auto fields = schema->fields();
  fields.push_back(arrow::field("w", spec.type));
  auto gathered = MakeWindowExec(scan, {spec}, arrow::schema(fields));
  EXPECT_EQ(gathered->num_partitions(), 1);
  EXPECT_FALSE(gathered->output_partitioning().has_value());
  auto per_partition = MakeWindowExec(MakeHashRepartitionExec(scan, {KeyOf(schema, 0)}, 3), {spec},
                                      arrow::schema(fields), /*per_partition=*/true);
  EXPECT_EQ(testing::PlanRows(*gathered), testing::PlanRows(*per_partition));
}

TEST_F(WindowPerPartitionTest, PartitionOutOfRangeIsAnError) {
  auto schema = RowSchema();
  auto scan = ScanOf(schema, SplitRows(BatchOf(RandomRows(10, 2, 0.0, 7)), 2));
  auto spec = BindWindow(Cases()[0].expr, *schema).ValueOrDie();
  auto fields = schema->fields();
  fields.push_back(arrow::field("w", spec.type));
  auto window = MakeWindowExec(scan, {spec}, arrow::schema(fields), /*per_partition=*/true);
  EXPECT_EQ(window->num_partitions(), 2);
  EXPECT_TRUE(window->Execute(2).status().IsIndexError());
  EXPECT_TRUE(window->Execute(-1).status().IsIndexError());
}

}  // namespace
}  // namespace ferry

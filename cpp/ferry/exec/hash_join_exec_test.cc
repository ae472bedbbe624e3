// The hash join against a nested-loop join computed here, for every join
// type, either build side, partitioned (both sides hash-exchanged on the
// keys, 1..8 partitions) and collect-build (build side broadcast), over
// NULL keys, many-to-many keys, empty sides, multi-column and string keys.

#include <random>
#include <string>
#include <vector>

#include <arrow/api.h>
#include <gtest/gtest.h>

#include "ferry/exec/operators.h"
#include "ferry/exec/tables.h"
#include "ferry/function/bind.h"
#include "ferry/plan/builder.h"
#include "ferry/testing/exec_test_util.h"
#include "ferry/testing/test_util.h"

namespace ferry {
namespace {

using testing::DrainPartitions;
using testing::FinishesWithin;
using testing::KeyOf;
using testing::PlanRows;
using testing::ScanOf;
using testing::ScriptedExec;
using testing::SortedRows;
using testing::SplitRows;

// Operators built directly, without the planner that loads Arrow's
// compute functions (the join's key coalescing calls one).
class HashJoinExecTest : public ::testing::Test {
 protected:
  void SetUp() override { EnsureArrowCompute(); }
};

constexpr JoinType kAllTypes[] = {JoinType::kInner, JoinType::kLeft,     JoinType::kRight,
                                  JoinType::kFull,  JoinType::kLeftSemi, JoinType::kLeftAnti};

// Both sides of a join and the logical JoinNode the builder makes for them.
struct JoinCase {
  std::string name;
  BatchPtr left;
  BatchPtr right;
  std::vector<std::string> left_keys;
  std::vector<std::string> right_keys;
};

struct BuiltJoin {
  JoinNode node;
  std::shared_ptr<arrow::Schema> schema;
};

BuiltJoin BuildJoinNode(const JoinCase& c, JoinType type) {
  auto table = [](const BatchPtr& batch) {
    return MakeMemoryTable(batch->schema(), {{batch}}).ValueOrDie();
  };
  auto left = plan::Scan("l", table(c.left)).ValueOrDie();
  auto right = plan::Scan("r", table(c.right)).ValueOrDie();
  auto joined = plan::Join(left, right, type, c.left_keys, c.right_keys);
  EXPECT_TRUE(joined.ok()) << joined.status().ToString();
  const auto& plan = *joined.ValueOrDie();
  return {*plan.As<JoinNode>(), plan.schema};
}

// The join by definition: every (left, right) pair compared, keys equal
// when all are non-NULL and equal (-0.0 = 0.0, as Scalar::Equals has it).
std::vector<std::string> NestedLoopJoin(const BatchPtr& left, const BatchPtr& right, const JoinNode& join) {
  auto matches = [&](int64_t i, int64_t j) {
    for (size_t k = 0; k < join.left_keys.size(); ++k) {
      auto l = testing::CellValue(*left->column(join.left_keys[k]), i);
      auto r = testing::CellValue(*right->column(join.right_keys[k]), j);
      if (!l->is_valid || !r->is_valid || !l->Equals(*r)) return false;
    }
    return true;
  };
  // i or j is -1 for the missing side of an unmatched row.
  auto row = [&](int64_t i, int64_t j) {
    std::string out;
    for (size_t c = 0; c < join.output_columns.size(); ++c) {
      const auto& col = join.output_columns[c];
      const bool from_left = col.left >= 0 && i >= 0 && left->column(col.left)->IsValid(i);
      std::string cell = "null";
      if (from_left) {
        cell = testing::CellText(*left->column(col.left), i);
      } else if (col.right >= 0 && j >= 0) {
        cell = testing::CellText(*right->column(col.right), j);
      }
      out += (c ? "|" : "") + cell;
    }
    return out;
  };
  std::vector<std::string> rows;
  std::vector<bool> right_matched(right->num_rows(), false);
  for (int64_t i = 0; i < left->num_rows(); ++i) {
    bool matched = false;
    for (int64_t j = 0; j < right->num_rows(); ++j) {
      if (!matches(i, j)) continue;
      matched = true;
      right_matched[j] = true;
      if (join.type != JoinType::kLeftSemi && join.type != JoinType::kLeftAnti) rows.push_back(row(i, j));
    }
    if ((join.type == JoinType::kLeftSemi && matched) || (join.type == JoinType::kLeftAnti && !matched) ||
        (!matched && (join.type == JoinType::kLeft || join.type == JoinType::kFull))) {
      rows.push_back(row(i, -1));
    }
  }
  if (join.type == JoinType::kRight || join.type == JoinType::kFull) {
    for (int64_t j = 0; j < right->num_rows(); ++j) {
      if (!right_matched[j]) rows.push_back(row(-1, j));
    }
  }
  std::sort(rows.begin(), rows.end());
  return rows;
}

template <typename Builder, typename Gen>
std::shared_ptr<arrow::Array> Column(int64_t n, double null_rate, std::mt19937& rng, Gen gen) {
  Builder builder;
  std::bernoulli_distribution is_null(null_rate);
  for (int64_t i = 0; i < n; ++i) {
    if (is_null(rng)) {
      EXPECT_TRUE(builder.AppendNull().ok());
    } else {
      EXPECT_TRUE(builder.Append(gen(i)).ok());
    }
  }
  return builder.Finish().ValueOrDie();
}

// Keys drawn from overlapping small ranges (many-to-many, unmatched rows
// on both sides), 15% NULL keys; payload columns identify rows.
std::vector<JoinCase> Cases() {
  std::mt19937 rng(42);
  std::vector<JoinCase> cases;
  auto ints = [&](int64_t n, int lo, int hi, double nulls) {
    return Column<arrow::Int64Builder>(
        n, nulls, rng, [&](int64_t) { return lo + static_cast<int64_t>(rng() % (hi - lo)); });
  };
  auto ids = [&](int64_t n, int64_t base) {
    return Column<arrow::Int64Builder>(n, 0.0, rng, [&](int64_t i) { return base + i; });
  };
  auto strings = [&](int64_t n, std::vector<std::string> domain, double nulls) {
    return Column<arrow::StringBuilder>(
        n, nulls, rng, [&, domain](int64_t) { return domain[rng() % domain.size()]; });
  };
  {
    // Shared key name: the builder drops the right key (inner/left) or
    // coalesces the two (right/full).
    auto ls = arrow::schema({arrow::field("k", arrow::int64()), arrow::field("lv", arrow::int64())});
    auto rs = arrow::schema({arrow::field("k", arrow::int64()), arrow::field("rv", arrow::int64())});
    auto left = arrow::RecordBatch::Make(ls, 60, {ints(60, 0, 12, 0.15), ids(60, 0)});
    auto right = arrow::RecordBatch::Make(rs, 45, {ints(45, 6, 18, 0.15), ids(45, 1000)});
    cases.push_back({"int keys", left, right, {"k"}, {"k"}});
    cases.push_back({"empty left", left->Slice(0, 0), right, {"k"}, {"k"}});
    cases.push_back({"empty right", left, right->Slice(0, 0), {"k"}, {"k"}});
    cases.push_back({"both empty", left->Slice(0, 0), right->Slice(0, 0), {"k"}, {"k"}});
    // Every key NULL on one side: nothing matches.
    auto all_null = arrow::RecordBatch::Make(
        rs, 10, {arrow::MakeArrayOfNull(arrow::int64(), 10).ValueOrDie(), ids(10, 2000)});
    cases.push_back({"all right keys null", left, all_null, {"k"}, {"k"}});
  }
  {
    // Two key columns, int32 and utf8, named apart so both are output.
    auto ls = arrow::schema({arrow::field("a", arrow::int32()), arrow::field("b", arrow::utf8()),
                             arrow::field("lv", arrow::int64())});
    auto rs = arrow::schema({arrow::field("ra", arrow::int32()), arrow::field("rb", arrow::utf8()),
                             arrow::field("rv", arrow::utf8())});
    auto a = [&](int64_t n) {
      return Column<arrow::Int32Builder>(n, 0.1, rng,
                                         [&](int64_t) { return static_cast<int32_t>(rng() % 4); });
    };
    auto left = arrow::RecordBatch::Make(ls, 50, {a(50), strings(50, {"x", "y", "z"}, 0.1), ids(50, 0)});
    auto right = arrow::RecordBatch::Make(
        rs, 40, {a(40), strings(40, {"y", "z", "w"}, 0.1), strings(40, {"p", "q"}, 0.2)});
    cases.push_back({"two keys", left, right, {"a", "b"}, {"ra", "rb"}});
  }
  {
    // String keys of all lengths, one shared name.
    auto ls = arrow::schema({arrow::field("name", arrow::utf8()), arrow::field("lv", arrow::int64())});
    auto rs = arrow::schema({arrow::field("name", arrow::utf8()), arrow::field("rv", arrow::int64())});
    std::vector<std::string> domain = {"", "a", "ab", "abcdefgh", "abcdefghijklmnop", "\xc3\xa9", "zz"};
    auto left = arrow::RecordBatch::Make(ls, 40, {strings(40, domain, 0.15), ids(40, 0)});
    auto right = arrow::RecordBatch::Make(
        rs, 40, {strings(40, {"a", "ab", "zz", "q", "abcdefghijklmnop"}, 0.15), ids(40, 500)});
    cases.push_back({"string keys", left, right, {"name"}, {"name"}});
  }
  {
    // Double keys: -0.0 joins 0.0.
    auto ls = arrow::schema({arrow::field("x", arrow::float64()), arrow::field("lv", arrow::int64())});
    auto rs = arrow::schema({arrow::field("y", arrow::float64()), arrow::field("rv", arrow::int64())});
    auto left = testing::BatchFromJson(ls, R"([{"x": 0.0, "lv": 1}, {"x": -0.0, "lv": 2}, {"x": 1.5, "lv": 3},
                                               {"x": null, "lv": 4}, {"x": 2.5, "lv": 5}])");
    auto right = testing::BatchFromJson(rs, R"([{"y": -0.0, "rv": 10}, {"y": 1.5, "rv": 11},
                                                {"y": null, "rv": 12}, {"y": 0.0, "rv": 13},
                                                {"y": 7.0, "rv": 14}])");
    cases.push_back({"double keys", left, right, {"x"}, {"y"}});
  }
  return cases;
}

std::string Label(const JoinCase& c, JoinType type, bool build_left, const std::string& mode) {
  return c.name + ", " + JoinTypeName(type) + ", build " + (build_left ? "left" : "right") + ", " + mode;
}

TEST_F(HashJoinExecTest, PartitionedMatchesNestedLoopJoin) {
  for (const auto& c : Cases()) {
    for (JoinType type : kAllTypes) {
      auto built = BuildJoinNode(c, type);
      const auto expected = NestedLoopJoin(c.left, c.right, built.node);
      for (bool build_left : {false, true}) {
        for (int n = 1; n <= 8; ++n) {
          const std::string label = Label(c, type, build_left, "partitioned " + std::to_string(n));
          SCOPED_TRACE(label);
          // Input partition counts differ from each other and from n.
          auto left_scan = ScanOf(c.left->schema(), SplitRows(c.left, 1 + n % 4, 6));
          auto right_scan = ScanOf(c.right->schema(), SplitRows(c.right, 1 + (n + 1) % 3, 5));
          std::vector<PhysicalExprPtr> lk, rk;
          for (int k : built.node.left_keys) lk.push_back(KeyOf(c.left->schema(), k));
          for (int k : built.node.right_keys) rk.push_back(KeyOf(c.right->schema(), k));
          auto join = MakeHashJoinExec(MakeHashRepartitionExec(left_scan, lk, n),
                                       MakeHashRepartitionExec(right_scan, rk, n), built.node,
                                       HashJoinMode::kPartitioned, build_left, built.schema);
          ASSERT_TRUE(join.ok()) << join.status().ToString();
          ASSERT_EQ((*join)->num_partitions(), n);
          ASSERT_TRUE(FinishesWithin(20, [&] {
            auto partitions = DrainPartitions(**join, n % 2 ? 1 : 0);
            BatchVector all;
            for (const auto& p : partitions) {
              for (const auto& batch : p) {
                ASSERT_TRUE(batch->schema()->Equals(*built.schema)) << batch->schema()->ToString();
                ASSERT_TRUE(batch->ValidateFull().ok());
                all.push_back(batch);
              }
            }
            EXPECT_EQ(SortedRows(all), expected);
          }));
        }
        // One partition each side, gathered, no hash exchange at all.
        SCOPED_TRACE(Label(c, type, build_left, "gathered"));
        auto join = MakeHashJoinExec(
            MakeCoalescePartitionsExec(ScanOf(c.left->schema(), SplitRows(c.left, 3))),
            MakeCoalescePartitionsExec(ScanOf(c.right->schema(), SplitRows(c.right, 2))), built.node,
            HashJoinMode::kPartitioned, build_left, built.schema);
        ASSERT_TRUE(join.ok()) << join.status().ToString();
        EXPECT_EQ(PlanRows(**join), expected);
      }
    }
  }
}

TEST_F(HashJoinExecTest, CollectBuildMatchesNestedLoopJoinWhereAllowed) {
  for (const auto& c : Cases()) {
    for (JoinType type : kAllTypes) {
      auto built = BuildJoinNode(c, type);
      const auto expected = NestedLoopJoin(c.left, c.right, built.node);
      for (bool build_left : {false, true}) {
        const BatchPtr& build = build_left ? c.left : c.right;
        const BatchPtr& probe = build_left ? c.right : c.left;
        for (int n : {1, 3, 5}) {
          SCOPED_TRACE(Label(c, type, build_left, "collect-build " + std::to_string(n)));
          auto probe_scan = ScanOf(probe->schema(), SplitRows(probe, n, 4));
          auto build_side = MakeBroadcastExec(ScanOf(build->schema(), SplitRows(build, 2, 3)), n);
          const auto mode = HashJoinMode::kCollectBuild;
          auto join = build_left
                          ? MakeHashJoinExec(build_side, probe_scan, built.node, mode, true, built.schema)
                          : MakeHashJoinExec(probe_scan, build_side, built.node, mode, false, built.schema);
          if (BuildSideEmitsAtEnd(type, build_left) && n > 1) {
            // Each partition would emit the broadcast side's unmatched (or
            // matched) rows again: n copies.
            EXPECT_TRUE(join.status().IsInvalid()) << join.status().ToString();
            continue;
          }
          ASSERT_TRUE(join.ok()) << join.status().ToString();
          ASSERT_TRUE(FinishesWithin(20, [&] { EXPECT_EQ(PlanRows(**join, n == 3 ? 1 : 0), expected); }));
        }
      }
    }
  }
}

TEST_F(HashJoinExecTest, BuildSideEmitsAtEndExactlyForPreservedOrFilteredBuildSides) {
  // build right: the right side is emitted at the end for right and full
  // joins; build left: for left, full, semi and anti (all emit left rows).
  EXPECT_FALSE(BuildSideEmitsAtEnd(JoinType::kInner, false));
  EXPECT_FALSE(BuildSideEmitsAtEnd(JoinType::kInner, true));
  EXPECT_FALSE(BuildSideEmitsAtEnd(JoinType::kLeft, false));
  EXPECT_TRUE(BuildSideEmitsAtEnd(JoinType::kLeft, true));
  EXPECT_TRUE(BuildSideEmitsAtEnd(JoinType::kRight, false));
  EXPECT_FALSE(BuildSideEmitsAtEnd(JoinType::kRight, true));
  EXPECT_TRUE(BuildSideEmitsAtEnd(JoinType::kFull, false));
  EXPECT_TRUE(BuildSideEmitsAtEnd(JoinType::kFull, true));
  EXPECT_FALSE(BuildSideEmitsAtEnd(JoinType::kLeftSemi, false));
  EXPECT_TRUE(BuildSideEmitsAtEnd(JoinType::kLeftSemi, true));
  EXPECT_FALSE(BuildSideEmitsAtEnd(JoinType::kLeftAnti, false));
  EXPECT_TRUE(BuildSideEmitsAtEnd(JoinType::kLeftAnti, true));
}

TEST_F(HashJoinExecTest, InputsWithDifferentPartitionCountsAreRefused) {
  const auto c = Cases().front();
  auto built = BuildJoinNode(c, JoinType::kInner);
  auto join = MakeHashJoinExec(ScanOf(c.left->schema(), SplitRows(c.left, 2)),
                               ScanOf(c.right->schema(), SplitRows(c.right, 3)), built.node,
                               HashJoinMode::kPartitioned, false, built.schema);
  EXPECT_TRUE(join.status().IsInvalid()) << join.status().ToString();
}

// Large enough that one probe batch yields more than an output batch's
// worth of pairs, and a full join emits over 65,536 unmatched build rows.
TEST_F(HashJoinExecTest, LargeManyToManyAndUnmatchedOutputs) {
  constexpr int64_t kLeft = 4000, kRight = 80000, kHot = 200;
  auto ls = arrow::schema({arrow::field("k", arrow::int64()), arrow::field("lv", arrow::int64())});
  auto rs = arrow::schema({arrow::field("rk", arrow::int64()), arrow::field("rv", arrow::int64())});
  arrow::Int64Builder lk, lv, rk, rv;
  for (int64_t i = 0; i < kLeft; ++i) {
    ASSERT_TRUE(lk.Append(i % 4).ok());  // keys 0..3, 1000 rows each
    ASSERT_TRUE(lv.Append(i).ok());
  }
  for (int64_t j = 0; j < kRight; ++j) {
    // keys 0 and 1 a hundred rows each; everything else unmatched.
    ASSERT_TRUE(rk.Append(j < kHot ? j % 2 : 100 + j).ok());
    ASSERT_TRUE(rv.Append(j).ok());
  }
  auto left = arrow::RecordBatch::Make(ls, kLeft, {lk.Finish().ValueOrDie(), lv.Finish().ValueOrDie()});
  auto right = arrow::RecordBatch::Make(rs, kRight, {rk.Finish().ValueOrDie(), rv.Finish().ValueOrDie()});
  JoinCase c{"large", left, right, {"k"}, {"rk"}};
  auto built = BuildJoinNode(c, JoinType::kFull);
  // Expected by counting: matched pairs 2 keys * 1000 * 100 = 200,000
  // (100,000 from each 2,000-row probe batch); left unmatched (keys 2, 3)
  // 2,000; right unmatched 80,000 - 200.
  constexpr int64_t kPairs = 200000, kLeftAlone = 2000, kRightAlone = kRight - kHot;
  for (bool build_left : {false, true}) {
    for (int n : {1, 3}) {
      SCOPED_TRACE(std::string("build ") + (build_left ? "left" : "right") + ", n " + std::to_string(n));
      auto join = MakeHashJoinExec(
          MakeHashRepartitionExec(ScanOf(ls, SplitRows(left, 2, 4000)), {KeyOf(ls, 0)}, n),
          MakeHashRepartitionExec(ScanOf(rs, SplitRows(right, 2, 40000)), {KeyOf(rs, 0)}, n), built.node,
          HashJoinMode::kPartitioned, build_left, built.schema);
      ASSERT_TRUE(join.ok()) << join.status().ToString();
      int64_t pairs = 0, left_alone = 0, right_alone = 0, pair_checksum = 0;
      size_t batches = 0;
      for (const auto& partition : DrainPartitions(**join)) {
        batches += partition.size();
        for (const auto& batch : partition) {
          // Output is cut into batches of about 64Ki rows (a key's matches
          // may run over), not one batch per probe batch.
          ASSERT_LT(batch->num_rows(), 2 * 65536);
          auto k = std::static_pointer_cast<arrow::Int64Array>(batch->column(0));
          auto lvals = std::static_pointer_cast<arrow::Int64Array>(batch->column(1));
          auto rkeys = std::static_pointer_cast<arrow::Int64Array>(batch->column(2));
          auto rvals = std::static_pointer_cast<arrow::Int64Array>(batch->column(3));
          for (int64_t i = 0; i < batch->num_rows(); ++i) {
            if (lvals->IsValid(i) && rvals->IsValid(i)) {
              ++pairs;
              ASSERT_EQ(k->Value(i), rkeys->Value(i));
              ASSERT_EQ(lvals->Value(i) % 4, rvals->Value(i) % 2);
              pair_checksum += lvals->Value(i) * 100003 + rvals->Value(i);
            } else if (lvals->IsValid(i)) {
              ++left_alone;
              ASSERT_GE(k->Value(i), 2);
              ASSERT_TRUE(rkeys->IsNull(i));
            } else {
              ++right_alone;
              ASSERT_GE(rkeys->Value(i), 100);
              ASSERT_TRUE(k->IsNull(i));
            }
          }
        }
      }
      EXPECT_GE(batches, 4u);
      EXPECT_EQ(pairs, kPairs);
      EXPECT_EQ(left_alone, kLeftAlone);
      EXPECT_EQ(right_alone, kRightAlone);
      // Each left row of keys 0/1 pairs with the 100 right rows of its key.
      int64_t expected_checksum = 0;
      for (int64_t i = 0; i < kLeft; ++i) {
        if (i % 4 > 1) continue;
        for (int64_t j = 0; j < kHot; ++j) {
          if (j % 2 == i % 4) expected_checksum += i * 100003 + j;
        }
      }
      EXPECT_EQ(pair_checksum, expected_checksum);
    }
  }
}

TEST_F(HashJoinExecTest, EarlyDropAndErrorsDoNotHang) {
  const auto c = Cases().front();
  auto built = BuildJoinNode(c, JoinType::kFull);
  auto ls = c.left->schema();
  auto rs = c.right->schema();
  ASSERT_TRUE(FinishesWithin(20, [&] {
    // An endless probe side; partition 0 read for one batch, then dropped.
    auto endless = std::make_shared<ScriptedExec>(c.left, 2, 1 << 30, Status::OK());
    {
      auto right = ScanOf(rs, SplitRows(c.right, 2));
      auto join = MakeHashJoinExec(MakeHashRepartitionExec(endless, {KeyOf(ls, 0)}, 4),
                                   MakeHashRepartitionExec(right, {KeyOf(rs, 0)}, 4),
                                   built.node, HashJoinMode::kPartitioned, false, built.schema)
                      .ValueOrDie();
      for (int p = 0; p < 4; ++p) {
        auto stream = join->Execute(p).ValueOrDie();
        auto batch = stream->Next();
        ASSERT_TRUE(batch.ok()) << batch.status().ToString();
      }
    }
    // A failing build side fails the join, in every partition.
    auto failing = std::make_shared<ScriptedExec>(c.right, 3, 2, Status::IOError("lost the build"));
    for (bool build_left : {false, true}) {
      auto left = ScanOf(ls, SplitRows(c.left, 2));
      auto join = MakeHashJoinExec(MakeHashRepartitionExec(left, {KeyOf(ls, 0)}, 3),
                                   MakeHashRepartitionExec(failing, {KeyOf(rs, 0)}, 3), built.node,
                                   HashJoinMode::kPartitioned, build_left, built.schema)
                      .ValueOrDie();
      auto collected = CollectPartitions(*join, 1);
      EXPECT_TRUE(collected.status().IsIOError()) << collected.status().ToString();
    }
  }));
}

TEST_F(HashJoinExecTest, DictionaryKeysWithDifferentDictionaries) {
  auto dict = arrow::dictionary(arrow::int32(), arrow::utf8());
  auto ls = arrow::schema({arrow::field("k", dict), arrow::field("lv", arrow::int64())});
  auto rs = arrow::schema({arrow::field("k", dict), arrow::field("rv", arrow::int64())});
  auto make = [&](const std::shared_ptr<arrow::Schema>& schema, const std::string& indices,
                  const std::string& values, const std::string& payload) {
    auto keys = arrow::DictionaryArray::FromArrays(dict, testing::ArrayFromJson(arrow::int32(), indices),
                                                   testing::ArrayFromJson(arrow::utf8(), values))
                    .ValueOrDie();
    auto data = testing::ArrayFromJson(arrow::int64(), payload);
    return arrow::RecordBatch::Make(schema, data->length(), {keys, data});
  };
  // left k = [a, b, NULL, b], right k = [b, c, b]: dictionaries differ.
  JoinCase c{"dictionary keys", make(ls, "[0, 1, null, 1]", R"(["a", "b"])", "[1, 2, 3, 4]"),
             make(rs, "[0, 1, 0]", R"(["b", "c"])", "[5, 6, 7]"), {"k"}, {"k"}};
  for (JoinType type : kAllTypes) {
    auto built = BuildJoinNode(c, type);
    for (bool build_left : {false, true}) {
      SCOPED_TRACE(Label(c, type, build_left, "gathered"));
      auto join = MakeHashJoinExec(ScanOf(ls, {{c.left}}), ScanOf(rs, {{c.right}}), built.node,
                                   HashJoinMode::kPartitioned, build_left, built.schema);
      ASSERT_TRUE(join.ok()) << join.status().ToString();
      EXPECT_EQ(PlanRows(**join), NestedLoopJoin(c.left, c.right, built.node));
    }
  }
}

TEST_F(HashJoinExecTest, SamePlanRunsTwice) {
  const auto c = Cases().front();
  auto built = BuildJoinNode(c, JoinType::kFull);
  const auto expected = NestedLoopJoin(c.left, c.right, built.node);
  auto ls = c.left->schema();
  auto rs = c.right->schema();
  auto join = MakeHashJoinExec(MakeHashRepartitionExec(ScanOf(ls, SplitRows(c.left, 3)), {KeyOf(ls, 0)}, 4),
                               MakeHashRepartitionExec(ScanOf(rs, SplitRows(c.right, 2)), {KeyOf(rs, 0)}, 4),
                               built.node, HashJoinMode::kPartitioned, true, built.schema)
                  .ValueOrDie();
  ASSERT_TRUE(FinishesWithin(20, [&] {
    EXPECT_EQ(PlanRows(*join), expected);
    EXPECT_EQ(PlanRows(*join, 1), expected);
  }));
  const std::string line = join->Describe();
  EXPECT_NE(line.find("HashJoinExec: mode=Partitioned"), std::string::npos) << line;
  EXPECT_NE(line.find("build=left"), std::string::npos) << line;
}

}  // namespace
}  // namespace ferry

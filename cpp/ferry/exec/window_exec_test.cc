// Ordered windows end to end. Peer groups (rows with equal ORDER BY keys)
// are what rank() and the default RANGE frame depend on; the expected
// values below are worked out by hand. Under `make test-asan` these also
// guard PeerBreaks against reading a freed array.

#include <gtest/gtest.h>

#include "ferry/session/dataframe.h"
#include "ferry/session/session_context.h"
#include "ferry/testing/test_util.h"

namespace ferry {
namespace {

using testing::BatchFromJson;
using testing::ExpectArrayEquals;
using testing::ToTable;

std::shared_ptr<arrow::Table> RunOrderedWindow(const std::string& json, Expr window) {
  auto schema = arrow::schema({arrow::field("g", arrow::utf8()), arrow::field("o", arrow::int64()),
                               arrow::field("v", arrow::int64())});
  auto ctx = SessionContext::Make(SessionConfig{2});
  auto table = MakeMemoryTable(schema, {{BatchFromJson(schema, json)}}).ValueOrDie();
  EXPECT_TRUE(ctx->RegisterTable("t", table).ok());
  auto df = ctx->Table("t").ValueOrDie().Select({Col("o"), Alias(std::move(window), "w")});
  EXPECT_TRUE(df.ok()) << df.status().ToString();
  auto sorted = df->Sort({Sort(Col("o"))});
  EXPECT_TRUE(sorted.ok()) << sorted.status().ToString();
  auto batches = sorted->Collect();
  EXPECT_TRUE(batches.ok()) << batches.status().ToString();
  return ToTable(sorted->schema(), *batches);
}

TEST(WindowExecTest, RankSeesPeersIncludingNulls) {
  auto rank = BuiltinFunctions().GetWindow("rank").ValueOrDie();
  // ORDER BY o: 1, 2, 2, 3, null, null (nulls last, and equal to each other).
  auto result = RunOrderedWindow(
      R"([{"g": "a", "o": 2, "v": 1}, {"g": "a", "o": null, "v": 1}, {"g": "a", "o": 1, "v": 1},
          {"g": "a", "o": 3, "v": 1}, {"g": "a", "o": 2, "v": 1}, {"g": "a", "o": null, "v": 1}])",
      Window(WindowCall(rank, "rank", {}), {}, {Col("o")}));
  ExpectArrayEquals(arrow::uint64(), "[1, 2, 2, 4, 5, 5]", result->GetColumnByName("w"));
}

TEST(WindowExecTest, DefaultRangeFrameSumsWholePeerGroups) {
  auto sum = BuiltinFunctions().GetAggregate("sum").ValueOrDie();
  // Per partition g, running sum of v over RANGE UNBOUNDED PRECEDING ..
  // CURRENT ROW: a row sees every peer of its own key.
  auto result = RunOrderedWindow(
      R"([{"g": "a", "o": 1, "v": 1}, {"g": "b", "o": 2, "v": 10}, {"g": "a", "o": 3, "v": 2},
          {"g": "a", "o": 3, "v": 4}, {"g": "b", "o": 4, "v": 20}, {"g": "a", "o": 5, "v": 8}])",
      Window(AggregateCall(sum, "sum", {Col("v")}), {Col("g")}, {Col("o")}));
  // Sorted by o: a1 -> 1; b2 -> 10; a3, a3 -> 1+2+4 = 7 each; b4 -> 30; a5 -> 15.
  ExpectArrayEquals(arrow::int64(), "[1, 10, 7, 7, 30, 15]", result->GetColumnByName("w"));
}

}  // namespace
}  // namespace ferry

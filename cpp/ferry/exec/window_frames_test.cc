// ComputeLayout: peer groups and frame bounds for every unit / bound
// combination, on small hand-made sorted partitions.

#include "ferry/exec/window_frames.h"

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include <arrow/api.h>
#include <gtest/gtest.h>

#include "ferry/testing/test_util.h"

namespace ferry {
namespace {

using testing::ArrayFromJson;
using Kind = WindowFrame::Bound::Kind;
using Units = WindowFrame::Units;
using Vec = std::vector<int64_t>;

WindowFrame::Bound UP() { return {Kind::kUnboundedPreceding, nullptr}; }
WindowFrame::Bound UF() { return {Kind::kUnboundedFollowing, nullptr}; }
WindowFrame::Bound CR() { return {Kind::kCurrentRow, nullptr}; }
WindowFrame::Bound P(int64_t n) { return {Kind::kPreceding, arrow::MakeScalar(n)}; }
WindowFrame::Bound F(int64_t n) { return {Kind::kFollowing, arrow::MakeScalar(n)}; }
WindowFrame::Bound PD(double d) { return {Kind::kPreceding, arrow::MakeScalar(d)}; }
WindowFrame::Bound FD(double d) { return {Kind::kFollowing, arrow::MakeScalar(d)}; }

WindowFrame Frame(Units units, WindowFrame::Bound start, WindowFrame::Bound end) {
  return WindowFrame{units, std::move(start), std::move(end)};
}

// Seven rows in four peer groups: {0,1} {2,3,4} {5} {6}.
const std::vector<uint8_t> kBreaks = {1, 0, 1, 0, 0, 1, 1};
constexpr int64_t kN = 7;

PartitionLayout Layout(const WindowFrame& frame, const std::vector<uint8_t>& breaks = kBreaks,
                       std::shared_ptr<arrow::Array> key = nullptr, bool descending = false) {
  auto result = ComputeLayout(static_cast<int64_t>(breaks.size()), breaks.data(), frame, key, descending);
  EXPECT_TRUE(result.ok()) << result.status().ToString();
  return result.ValueOrDie();
}

// Empty frames may be reported as any start == end; normalize them to the
// half-open range [s, s) so they compare as "empty".
void ExpectFrames(const PartitionLayout& layout, const Vec& start, const Vec& end) {
  ASSERT_EQ(layout.frame_start.size(), start.size());
  ASSERT_EQ(layout.frame_end.size(), end.size());
  for (size_t i = 0; i < start.size(); ++i) {
    const int64_t s = layout.frame_start[i], e = layout.frame_end[i];
    EXPECT_LE(0, s) << "row " << i;
    EXPECT_LE(s, e) << "row " << i;
    EXPECT_LE(e, static_cast<int64_t>(start.size())) << "row " << i;
    if (start[i] >= end[i]) {
      EXPECT_EQ(s, e) << "row " << i << ": expected an empty frame, got [" << s << ", " << e << ")";
    } else {
      EXPECT_EQ(s, start[i]) << "frame start of row " << i;
      EXPECT_EQ(e, end[i]) << "frame end of row " << i;
    }
  }
}

TEST(WindowFramesTest, PeerGroups) {
  auto layout = Layout(Frame(Units::kRows, UP(), UF()));
  EXPECT_EQ(layout.peer_start, (Vec{0, 0, 2, 2, 2, 5, 6}));
  EXPECT_EQ(layout.peer_end, (Vec{2, 2, 5, 5, 5, 6, 7}));
}

TEST(WindowFramesTest, AllPeersWithoutBreaks) {
  std::vector<uint8_t> breaks = {1, 0, 0, 0};
  auto layout = Layout(Frame(Units::kRange, UP(), CR()), breaks);
  EXPECT_EQ(layout.peer_start, (Vec{0, 0, 0, 0}));
  EXPECT_EQ(layout.peer_end, (Vec{4, 4, 4, 4}));
  ExpectFrames(layout, {0, 0, 0, 0}, {4, 4, 4, 4});
}

TEST(WindowFramesTest, FirstRowAlwaysStartsAPeerGroup) {
  std::vector<uint8_t> breaks = {0, 0, 1};
  auto layout = Layout(Frame(Units::kRows, UP(), UF()), breaks);
  EXPECT_EQ(layout.peer_start, (Vec{0, 0, 2}));
  EXPECT_EQ(layout.peer_end, (Vec{2, 2, 3}));
}

TEST(WindowFramesTest, EmptyPartition) {
  for (auto units : {Units::kRows, Units::kRange, Units::kGroups}) {
    auto result = ComputeLayout(0, nullptr, Frame(units, UP(), CR()), nullptr, false);
    ASSERT_TRUE(result.ok()) << result.status().ToString();
    EXPECT_TRUE(result->frame_start.empty());
    EXPECT_TRUE(result->peer_start.empty());
  }
  auto key = ArrayFromJson(arrow::int64(), "[]");
  auto result = ComputeLayout(0, nullptr, Frame(Units::kRange, P(1), F(1)), key, false);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_TRUE(result->frame_end.empty());
}

// ---- ROWS ------------------------------------------------------------------

TEST(WindowFramesTest, RowsUnboundedPrecedingToCurrentRow) {
  ExpectFrames(Layout(Frame(Units::kRows, UP(), CR())), {0, 0, 0, 0, 0, 0, 0}, {1, 2, 3, 4, 5, 6, 7});
}

TEST(WindowFramesTest, RowsUnboundedBothSides) {
  ExpectFrames(Layout(Frame(Units::kRows, UP(), UF())), Vec(kN, 0), Vec(kN, kN));
}

TEST(WindowFramesTest, RowsCurrentRowOnly) {
  ExpectFrames(Layout(Frame(Units::kRows, CR(), CR())), {0, 1, 2, 3, 4, 5, 6}, {1, 2, 3, 4, 5, 6, 7});
}

TEST(WindowFramesTest, RowsCurrentRowToUnboundedFollowing) {
  ExpectFrames(Layout(Frame(Units::kRows, CR(), UF())), {0, 1, 2, 3, 4, 5, 6}, Vec(kN, kN));
}

TEST(WindowFramesTest, RowsPrecedingAndFollowing) {
  ExpectFrames(Layout(Frame(Units::kRows, P(1), F(2))), {0, 0, 1, 2, 3, 4, 5}, {3, 4, 5, 6, 7, 7, 7});
}

TEST(WindowFramesTest, RowsPrecedingOnlyIsEmptyAtTheStart) {
  // ROWS BETWEEN 3 PRECEDING AND 2 PRECEDING.
  ExpectFrames(Layout(Frame(Units::kRows, P(3), P(2))), {0, 0, 0, 0, 1, 2, 3}, {0, 0, 1, 2, 3, 4, 5});
}

TEST(WindowFramesTest, RowsFollowingOnlyIsEmptyAtTheEnd) {
  // ROWS BETWEEN 1 FOLLOWING AND 3 FOLLOWING.
  ExpectFrames(Layout(Frame(Units::kRows, F(1), F(3))), {1, 2, 3, 4, 5, 6, 7}, {4, 5, 6, 7, 7, 7, 7});
  // ROWS BETWEEN 2 FOLLOWING AND UNBOUNDED FOLLOWING.
  ExpectFrames(Layout(Frame(Units::kRows, F(2), UF())), {2, 3, 4, 5, 6, 7, 7}, Vec(kN, kN));
}

TEST(WindowFramesTest, RowsStartAfterEndIsEmpty) {
  ExpectFrames(Layout(Frame(Units::kRows, F(2), F(1))), Vec(kN, 0), Vec(kN, 0));
  ExpectFrames(Layout(Frame(Units::kRows, CR(), P(1))), Vec(kN, 0), Vec(kN, 0));
}

TEST(WindowFramesTest, RowsOffsetsLargerThanThePartition) {
  ExpectFrames(Layout(Frame(Units::kRows, P(100), F(100))), Vec(kN, 0), Vec(kN, kN));
  ExpectFrames(Layout(Frame(Units::kRows, P(100), P(50))), Vec(kN, 0), Vec(kN, 0));
}

TEST(WindowFramesTest, RowsIgnorePeers) {
  // Peer groups don't widen ROWS frames.
  ExpectFrames(Layout(Frame(Units::kRows, UP(), CR()), {1, 0, 0, 0}), {0, 0, 0, 0}, {1, 2, 3, 4});
}

TEST(WindowFramesTest, RowsRejectNegativeOrNonIntegerOffsets) {
  auto neg = ComputeLayout(kN, kBreaks.data(), Frame(Units::kRows, P(-1), CR()), nullptr, false);
  EXPECT_FALSE(neg.ok());
  EXPECT_NE(neg.status().ToString().find("non-negative"), std::string::npos) << neg.status().ToString();
  auto frac = ComputeLayout(kN, kBreaks.data(), Frame(Units::kRows, PD(1.5), CR()), nullptr, false);
  EXPECT_FALSE(frac.ok());
  auto groups = ComputeLayout(kN, kBreaks.data(), Frame(Units::kGroups, CR(), F(-2)), nullptr, false);
  EXPECT_FALSE(groups.ok());
}

// ---- GROUPS ----------------------------------------------------------------

TEST(WindowFramesTest, GroupsOnePrecedingToCurrentRow) {
  ExpectFrames(Layout(Frame(Units::kGroups, P(1), CR())), {0, 0, 0, 0, 0, 2, 5}, {2, 2, 5, 5, 5, 6, 7});
}

TEST(WindowFramesTest, GroupsCurrentRowToOneFollowing) {
  ExpectFrames(Layout(Frame(Units::kGroups, CR(), F(1))), {0, 0, 2, 2, 2, 5, 6}, {5, 5, 6, 6, 6, 7, 7});
}

TEST(WindowFramesTest, GroupsCurrentRowIsThePeerGroup) {
  ExpectFrames(Layout(Frame(Units::kGroups, CR(), CR())), {0, 0, 2, 2, 2, 5, 6}, {2, 2, 5, 5, 5, 6, 7});
}

TEST(WindowFramesTest, GroupsPrecedingOnly) {
  // GROUPS BETWEEN 2 PRECEDING AND 1 PRECEDING: empty in the first group.
  ExpectFrames(Layout(Frame(Units::kGroups, P(2), P(1))), {0, 0, 0, 0, 0, 0, 2}, {0, 0, 2, 2, 2, 5, 6});
}

TEST(WindowFramesTest, GroupsFollowingOnly) {
  // GROUPS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING: empty in the last group.
  ExpectFrames(Layout(Frame(Units::kGroups, F(1), UF())), {2, 2, 5, 5, 5, 6, 7}, {7, 7, 7, 7, 7, 7, 7});
  ExpectFrames(Layout(Frame(Units::kGroups, F(1), F(2))), {2, 2, 5, 5, 5, 6, 7}, {6, 6, 7, 7, 7, 7, 7});
}

TEST(WindowFramesTest, GroupsUnboundedBothSides) {
  ExpectFrames(Layout(Frame(Units::kGroups, UP(), UF())), Vec(kN, 0), Vec(kN, kN));
  ExpectFrames(Layout(Frame(Units::kGroups, UP(), CR())), Vec(kN, 0), {2, 2, 5, 5, 5, 6, 7});
}

TEST(WindowFramesTest, GroupsLargeOffsets) {
  ExpectFrames(Layout(Frame(Units::kGroups, P(10), F(10))), Vec(kN, 0), Vec(kN, kN));
}

// ---- RANGE -----------------------------------------------------------------

TEST(WindowFramesTest, RangeDefaultFrameIncludesPeers) {
  ExpectFrames(Layout(Frame(Units::kRange, UP(), CR())), Vec(kN, 0), {2, 2, 5, 5, 5, 6, 7});
}

TEST(WindowFramesTest, RangeCurrentRowBounds) {
  ExpectFrames(Layout(Frame(Units::kRange, CR(), UF())), {0, 0, 2, 2, 2, 5, 6}, Vec(kN, kN));
  ExpectFrames(Layout(Frame(Units::kRange, CR(), CR())), {0, 0, 2, 2, 2, 5, 6}, {2, 2, 5, 5, 5, 6, 7});
  ExpectFrames(Layout(Frame(Units::kRange, UP(), UF())), Vec(kN, 0), Vec(kN, kN));
}

TEST(WindowFramesTest, RangeIntegerOffsets) {
  auto key = ArrayFromJson(arrow::int64(), "[1, 1, 3, 3, 3, 6, 10]");
  // RANGE BETWEEN 2 PRECEDING AND CURRENT ROW.
  ExpectFrames(Layout(Frame(Units::kRange, P(2), CR()), kBreaks, key), {0, 0, 0, 0, 0, 5, 6},
               {2, 2, 5, 5, 5, 6, 7});
  // RANGE BETWEEN 2 PRECEDING AND 2 FOLLOWING.
  ExpectFrames(Layout(Frame(Units::kRange, P(2), F(2)), kBreaks, key), {0, 0, 0, 0, 0, 5, 6},
               {5, 5, 5, 5, 5, 6, 7});
  // RANGE BETWEEN CURRENT ROW AND 3 FOLLOWING.
  ExpectFrames(Layout(Frame(Units::kRange, CR(), F(3)), kBreaks, key), {0, 0, 2, 2, 2, 5, 6},
               {5, 5, 6, 6, 6, 6, 7});
  // RANGE BETWEEN UNBOUNDED PRECEDING AND 4 FOLLOWING.
  ExpectFrames(Layout(Frame(Units::kRange, UP(), F(4)), kBreaks, key), Vec(kN, 0), {5, 5, 6, 6, 6, 7, 7});
}

TEST(WindowFramesTest, RangePrecedingOnlyAndFollowingOnly) {
  auto key = ArrayFromJson(arrow::int64(), "[1, 1, 3, 3, 3, 6, 10]");
  // RANGE BETWEEN 5 PRECEDING AND 1 PRECEDING: keys in [k-5, k-1].
  ExpectFrames(Layout(Frame(Units::kRange, P(5), P(1)), kBreaks, key), {0, 0, 0, 0, 0, 0, 5},
               {0, 0, 2, 2, 2, 5, 6});
  // RANGE BETWEEN 1 FOLLOWING AND 3 FOLLOWING: keys in [k+1, k+3].
  ExpectFrames(Layout(Frame(Units::kRange, F(1), F(3)), kBreaks, key), {2, 2, 5, 5, 5, 7, 7},
               {5, 5, 6, 6, 6, 7, 7});
  // RANGE BETWEEN 2 FOLLOWING AND UNBOUNDED FOLLOWING.
  ExpectFrames(Layout(Frame(Units::kRange, F(2), UF()), kBreaks, key), {2, 2, 5, 5, 5, 6, 7},
               {7, 7, 7, 7, 7, 7, 7});
}

TEST(WindowFramesTest, RangeZeroOffsetMeansPeers) {
  auto key = ArrayFromJson(arrow::int64(), "[1, 1, 3, 3, 3, 6, 10]");
  ExpectFrames(Layout(Frame(Units::kRange, P(0), F(0)), kBreaks, key), {0, 0, 2, 2, 2, 5, 6},
               {2, 2, 5, 5, 5, 6, 7});
}

TEST(WindowFramesTest, RangeFloatKeysAndOffsets) {
  auto key = ArrayFromJson(arrow::float64(), "[1.0, 1.0, 1.5, 1.5, 1.5, 2.2, 3.0]");
  // RANGE BETWEEN 0.5 PRECEDING AND CURRENT ROW.
  ExpectFrames(Layout(Frame(Units::kRange, PD(0.5), CR()), kBreaks, key), {0, 0, 0, 0, 0, 5, 6},
               {2, 2, 5, 5, 5, 6, 7});
  // RANGE BETWEEN 0.25 PRECEDING AND 0.75 FOLLOWING.
  ExpectFrames(Layout(Frame(Units::kRange, PD(0.25), FD(0.75)), kBreaks, key), {0, 0, 2, 2, 2, 5, 6},
               {5, 5, 6, 6, 6, 6, 7});
}

TEST(WindowFramesTest, RangeFloatOffsetOnIntegerKey) {
  auto key = ArrayFromJson(arrow::int32(), "[1, 1, 3, 3, 3, 6, 10]");
  // RANGE BETWEEN 2.5 PRECEDING AND CURRENT ROW: keys in [k-2.5, k].
  ExpectFrames(Layout(Frame(Units::kRange, PD(2.5), CR()), kBreaks, key), {0, 0, 0, 0, 0, 5, 6},
               {2, 2, 5, 5, 5, 6, 7});
}

TEST(WindowFramesTest, RangeDescending) {
  // Sorted descending: {10} {6} {3,3,3} {1,1}; PRECEDING means larger keys.
  auto key = ArrayFromJson(arrow::int64(), "[10, 6, 3, 3, 3, 1, 1]");
  std::vector<uint8_t> breaks = {1, 1, 1, 0, 0, 1, 0};
  // RANGE BETWEEN 3 PRECEDING AND CURRENT ROW: keys in [k, k+3].
  ExpectFrames(Layout(Frame(Units::kRange, P(3), CR()), breaks, key, true), {0, 1, 1, 1, 1, 2, 2},
               {1, 2, 5, 5, 5, 7, 7});
  // RANGE BETWEEN CURRENT ROW AND 2 FOLLOWING: keys in [k-2, k].
  ExpectFrames(Layout(Frame(Units::kRange, CR(), F(2)), breaks, key, true), {0, 1, 2, 2, 2, 5, 5},
               {1, 2, 7, 7, 7, 7, 7});
  // RANGE BETWEEN 1 FOLLOWING AND 4 FOLLOWING: keys in [k-4, k-1].
  ExpectFrames(Layout(Frame(Units::kRange, F(1), F(4)), breaks, key, true), {1, 2, 5, 5, 5, 7, 7},
               {2, 5, 7, 7, 7, 7, 7});
}

TEST(WindowFramesTest, RangeNullKeysLastArePeers) {
  // Ascending, NULLS LAST: {1} {2} {null, null}.
  auto key = ArrayFromJson(arrow::int64(), "[1, 2, null, null]");
  std::vector<uint8_t> breaks = {1, 1, 1, 0};
  ExpectFrames(Layout(Frame(Units::kRange, P(1), F(1)), breaks, key), {0, 0, 2, 2}, {2, 2, 4, 4});
  ExpectFrames(Layout(Frame(Units::kRange, UP(), F(1)), breaks, key), {0, 0, 0, 0}, {2, 2, 4, 4});
  ExpectFrames(Layout(Frame(Units::kRange, P(5), UF()), breaks, key), {0, 0, 2, 2}, {4, 4, 4, 4});
}

TEST(WindowFramesTest, RangeNullKeysLastDescending) {
  // Descending, NULLS LAST: {5} {2} {null}.
  auto key = ArrayFromJson(arrow::int64(), "[5, 2, null]");
  std::vector<uint8_t> breaks = {1, 1, 1};
  ExpectFrames(Layout(Frame(Units::kRange, P(3), CR()), breaks, key, true), {0, 0, 2}, {1, 2, 3});
  ExpectFrames(Layout(Frame(Units::kRange, CR(), F(10)), breaks, key, true), {0, 1, 2}, {2, 2, 3});
}

TEST(WindowFramesTest, RangeNullKeysFirstArePeers) {
  // Ascending, NULLS FIRST: {null, null} {1} {2}. A NULL row's offset
  // bounds are its peer group; non-NULL rows never reach the NULLs through
  // an offset.
  auto key = ArrayFromJson(arrow::int64(), "[null, null, 1, 2]");
  std::vector<uint8_t> breaks = {1, 0, 1, 1};
  ExpectFrames(Layout(Frame(Units::kRange, P(1), CR()), breaks, key), {0, 0, 2, 2}, {2, 2, 3, 4});
  ExpectFrames(Layout(Frame(Units::kRange, CR(), F(1)), breaks, key), {0, 0, 2, 3}, {2, 2, 4, 4});
  ExpectFrames(Layout(Frame(Units::kRange, P(1), UF()), breaks, key), {0, 0, 2, 2}, {4, 4, 4, 4});
}

TEST(WindowFramesTest, RangeOffsetsNeedAKey) {
  auto result = ComputeLayout(kN, kBreaks.data(), Frame(Units::kRange, P(1), CR()), nullptr, false);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().ToString().find("ORDER BY"), std::string::npos) << result.status().ToString();
}

TEST(WindowFramesTest, RangeOffsetsNeedANumericKey) {
  auto key = ArrayFromJson(arrow::utf8(), R"(["a", "a", "b", "b", "b", "c", "d"])");
  auto result = ComputeLayout(kN, kBreaks.data(), Frame(Units::kRange, P(1), CR()), key, false);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().ToString().find("numeric"), std::string::npos) << result.status().ToString();
}

TEST(WindowFramesTest, RangeRejectsBadOffsets) {
  auto key = ArrayFromJson(arrow::int64(), "[1, 1, 3, 3, 3, 6, 10]");
  auto negative = ComputeLayout(kN, kBreaks.data(), Frame(Units::kRange, P(-1), CR()), key, false);
  ASSERT_FALSE(negative.ok());
  EXPECT_NE(negative.status().ToString().find("non-negative"), std::string::npos);
  WindowFrame::Bound text{Kind::kPreceding, arrow::MakeScalar("x")};
  auto non_numeric = ComputeLayout(kN, kBreaks.data(), Frame(Units::kRange, text, CR()), key, false);
  EXPECT_FALSE(non_numeric.ok());
  WindowFrame::Bound null_offset{Kind::kFollowing, arrow::MakeNullScalar(arrow::int64())};
  auto null_result = ComputeLayout(kN, kBreaks.data(), Frame(Units::kRange, CR(), null_offset), key, false);
  EXPECT_FALSE(null_result.ok());
}

// Brute force over random sorted integer keys: every RANGE/ROWS/GROUPS
// frame equals the set of rows satisfying its definition.
TEST(WindowFramesTest, RandomizedAgainstDefinition) {
  std::mt19937 rng(7);
  for (int round = 0; round < 200; ++round) {
    const int64_t n = rng() % 12;
    std::vector<int64_t> keys(n);
    for (auto& k : keys) k = static_cast<int64_t>(rng() % 8);
    const bool descending = rng() % 2;
    std::sort(keys.begin(), keys.end());
    if (descending) std::reverse(keys.begin(), keys.end());
    std::vector<uint8_t> breaks(n);
    Vec group(n);
    for (int64_t i = 0; i < n; ++i) {
      breaks[i] = i == 0 || keys[i] != keys[i - 1];
      group[i] = i == 0 ? 0 : group[i - 1] + breaks[i];
    }
    arrow::Int64Builder builder;
    ASSERT_TRUE(builder.AppendValues(keys).ok());
    std::shared_ptr<arrow::Array> key = builder.Finish().ValueOrDie();
    auto bound = [&](bool start) -> std::pair<WindowFrame::Bound, int64_t> {
      switch (rng() % 4) {
        case 0: return {start ? UP() : UF(), 0};
        case 1: return {CR(), 0};
        case 2: { int64_t d = rng() % 4; return {P(d), -d}; }
        default: { int64_t d = rng() % 4; return {F(d), d}; }
      }
    };
    auto [sb, start_offset] = bound(true);
    auto [eb, end_offset] = bound(false);
    // Plain copies: clang 14 cannot capture structured bindings in a lambda.
    const int64_t so = start_offset, eo = end_offset;
    const bool s_unb = sb.kind == Kind::kUnboundedPreceding;
    const bool e_unb = eb.kind == Kind::kUnboundedFollowing;
    for (auto units : {Units::kRows, Units::kGroups, Units::kRange}) {
      auto layout = Layout(Frame(units, sb, eb), breaks, key, descending);
      Vec start(n), end(n);
      for (int64_t i = 0; i < n; ++i) {
        // Position of row j relative to row i along the frame's units.
        auto in_frame = [&](int64_t j) {
          int64_t rel;
          if (units == Units::kRows) rel = j - i;
          else if (units == Units::kGroups) rel = group[j] - group[i];
          else rel = descending ? keys[i] - keys[j] : keys[j] - keys[i];
          return (s_unb || rel >= so) && (e_unb || rel <= eo);
        };
        int64_t first = -1, last = -1;
        for (int64_t j = 0; j < n; ++j) {
          if (in_frame(j)) {
            if (first < 0) first = j;
            last = j;
          }
        }
        start[i] = first < 0 ? 0 : first;
        end[i] = first < 0 ? 0 : last + 1;
      }
      SCOPED_TRACE("round " + std::to_string(round) + " units " + std::to_string(static_cast<int>(units)) +
                   " frame " + Frame(units, sb, eb).ToString() + (descending ? " desc" : " asc"));
      ExpectFrames(layout, start, end);
    }
  }
}

}  // namespace
}  // namespace ferry

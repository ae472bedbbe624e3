#include "ferry/exec/window_frames.h"

#include <algorithm>
#include <cmath>

#include <arrow/compute/api.h>

namespace ferry {
namespace {

using Kind = WindowFrame::Bound::Kind;

Result<int64_t> IntegerOffset(const WindowFrame::Bound& bound, const char* units) {
  if (!bound.offset || !bound.offset->is_valid || !arrow::is_integer(bound.offset->type->id())) {
    return Status::Invalid(units, " frame offsets must be non-negative integers");
  }
  FERRY_ASSIGN_OR_RAISE(auto value, bound.offset->CastTo(arrow::int64()));
  int64_t offset = static_cast<const arrow::Int64Scalar&>(*value).value;
  if (offset < 0) return Status::Invalid(units, " frame offsets must be non-negative, got ", offset);
  return offset;
}

// Signed position of a bound relative to the current row/group: -N for N
// PRECEDING, +N for N FOLLOWING.
Result<int64_t> SignedOffset(const WindowFrame::Bound& bound, const char* units) {
  if (bound.kind == Kind::kCurrentRow) return 0;
  FERRY_ASSIGN_OR_RAISE(int64_t offset, IntegerOffset(bound, units));
  return bound.kind == Kind::kPreceding ? -offset : offset;
}

// Bound offsets are parsed once per partition, not once per row.
struct Offsets {
  int64_t start = 0;
  int64_t end = 0;
};

bool HasOffset(const WindowFrame::Bound& bound) {
  return bound.kind != Kind::kUnboundedPreceding && bound.kind != Kind::kUnboundedFollowing;
}

Result<Offsets> ParseOffsets(const WindowFrame& frame, const char* units) {
  Offsets offsets;
  if (HasOffset(frame.start)) {
    FERRY_ASSIGN_OR_RAISE(offsets.start, SignedOffset(frame.start, units));
  }
  if (HasOffset(frame.end)) {
    FERRY_ASSIGN_OR_RAISE(offsets.end, SignedOffset(frame.end, units));
  }
  return offsets;
}

Status RowsFrames(int64_t n, const WindowFrame& frame, PartitionLayout* out) {
  FERRY_ASSIGN_OR_RAISE(auto at, ParseOffsets(frame, "ROWS"));
  for (int64_t i = 0; i < n; ++i) {
    int64_t start = frame.start.kind == Kind::kUnboundedFollowing ? n : 0;
    int64_t end = frame.end.kind == Kind::kUnboundedPreceding ? 0 : n;
    if (HasOffset(frame.start)) start = std::clamp<int64_t>(i + at.start, 0, n);
    if (HasOffset(frame.end)) end = std::clamp<int64_t>(i + at.end + 1, 0, n);
    out->frame_start[i] = start;
    out->frame_end[i] = std::max(start, end);
  }
  return Status::OK();
}

Status GroupsFrames(int64_t n, const WindowFrame& frame, PartitionLayout* out) {
  // Peer groups as [begin, end) ranges, and each row's group.
  std::vector<int64_t> begins;
  std::vector<int64_t> group_of(n);
  for (int64_t i = 0; i < n; ++i) {
    if (out->peer_start[i] == i) begins.push_back(i);
    group_of[i] = static_cast<int64_t>(begins.size()) - 1;
  }
  const int64_t groups = static_cast<int64_t>(begins.size());
  begins.push_back(n);
  FERRY_ASSIGN_OR_RAISE(auto at, ParseOffsets(frame, "GROUPS"));
  for (int64_t i = 0; i < n; ++i) {
    int64_t start = frame.start.kind == Kind::kUnboundedFollowing ? n : 0;
    int64_t end = frame.end.kind == Kind::kUnboundedPreceding ? 0 : n;
    if (HasOffset(frame.start)) start = begins[std::clamp<int64_t>(group_of[i] + at.start, 0, groups)];
    if (HasOffset(frame.end)) end = begins[std::clamp<int64_t>(group_of[i] + at.end + 1, 0, groups)];
    out->frame_start[i] = start;
    out->frame_end[i] = std::max(start, end);
  }
  return Status::OK();
}

Result<double> RangeOffset(const WindowFrame::Bound& bound) {
  if (!bound.offset || !bound.offset->is_valid) return Status::Invalid("RANGE offsets must be non-null");
  auto value = bound.offset->CastTo(arrow::float64());
  if (!value.ok()) {
    return Status::TypeError("RANGE offset ", bound.offset->ToString(), " is not numeric");
  }
  double offset = static_cast<const arrow::DoubleScalar&>(**value).value;
  if (offset < 0) return Status::Invalid("RANGE offsets must be non-negative, got ", offset);
  return bound.kind == Kind::kPreceding ? -offset : offset;
}

// RANGE with CURRENT ROW / UNBOUNDED bounds is peer-based; with offsets it
// needs one numeric ORDER BY key and measures distance along it.
Status RangeFrames(int64_t n, const WindowFrame& frame, const std::shared_ptr<arrow::Array>& key,
                   bool descending, PartitionLayout* out) {
  auto is_offset = [](const WindowFrame::Bound& b) {
    return b.kind == Kind::kPreceding || b.kind == Kind::kFollowing;
  };
  std::vector<double> values;
  std::vector<uint8_t> null_key;  // empty when the key has no NULLs
  if (is_offset(frame.start) || is_offset(frame.end)) {
    if (!key) return Status::Invalid("RANGE frames with offsets need exactly one ORDER BY key");
    auto as_double = arrow::compute::Cast(*key, arrow::float64());
    if (!as_double.ok()) {
      return Status::TypeError("RANGE frames with offsets need a numeric ORDER BY key, not ",
                               DisplayTypeName(*key->type()));
    }
    const auto& doubles = static_cast<const arrow::DoubleArray&>(**as_double);
    values.resize(n);
    for (int64_t i = 0; i < n; ++i) values[i] = doubles.Value(i);
    if (doubles.null_count() > 0) {
      // NULL keys sort together at one end and only ever see their peers; a
      // sentinel at that end keeps the values sorted for the two pointers.
      const bool nulls_first = doubles.IsNull(0);
      const double sentinel = (nulls_first != descending) ? -HUGE_VAL : HUGE_VAL;
      null_key.assign(n, 0);
      for (int64_t i = 0; i < n; ++i) {
        if (doubles.IsNull(i)) {
          values[i] = sentinel;
          null_key[i] = 1;
        }
      }
    }
  }
  // In sort direction, "distance d after row i" means key + d (ascending)
  // or key - d (descending).
  const double sign = descending ? -1.0 : 1.0;
  auto after = [&](int64_t i, double d) { return values[i] + sign * d; };
  auto before_target = [&](int64_t j, double target) {
    return descending ? values[j] > target : values[j] < target;
  };
  auto within_target = [&](int64_t j, double target) {
    return descending ? values[j] >= target : values[j] <= target;
  };
  double start_distance = 0, end_distance = 0;
  if (is_offset(frame.start)) {
    FERRY_ASSIGN_OR_RAISE(start_distance, RangeOffset(frame.start));
  }
  if (is_offset(frame.end)) {
    FERRY_ASSIGN_OR_RAISE(end_distance, RangeOffset(frame.end));
  }
  int64_t lo = 0, hi = 0;  // two pointers: frames move monotonically
  for (int64_t i = 0; i < n; ++i) {
    int64_t start = 0, end = n;
    switch (frame.start.kind) {
      case Kind::kUnboundedPreceding:
        start = 0;
        break;
      case Kind::kCurrentRow:
        start = out->peer_start[i];
        break;
      case Kind::kUnboundedFollowing:
        start = n;
        break;
      default: {
        double target = after(i, start_distance);
        lo = std::min(lo, i);
        while (lo < n && before_target(lo, target)) ++lo;
        while (lo > 0 && !before_target(lo - 1, target)) --lo;
        start = null_key.empty() || !null_key[i] ? lo : out->peer_start[i];
      }
    }
    switch (frame.end.kind) {
      case Kind::kUnboundedFollowing:
        end = n;
        break;
      case Kind::kCurrentRow:
        end = out->peer_end[i];
        break;
      case Kind::kUnboundedPreceding:
        end = 0;
        break;
      default: {
        double target = after(i, end_distance);
        hi = std::max(hi, i);
        while (hi < n && within_target(hi, target)) ++hi;
        while (hi > 0 && !within_target(hi - 1, target)) --hi;
        end = null_key.empty() || !null_key[i] ? hi : out->peer_end[i];
      }
    }
    out->frame_start[i] = start;
    out->frame_end[i] = std::max(start, end);
  }
  return Status::OK();
}

}  // namespace

Result<PartitionLayout> ComputeLayout(int64_t n, const uint8_t* peer_break, const WindowFrame& frame,
                                      const std::shared_ptr<arrow::Array>& order_key, bool descending) {
  PartitionLayout layout;
  layout.peer_start.resize(n);
  layout.peer_end.resize(n);
  layout.frame_start.resize(n);
  layout.frame_end.resize(n);
  int64_t start = 0;
  for (int64_t i = 0; i < n; ++i) {
    if (i == 0 || peer_break[i]) start = i;
    layout.peer_start[i] = start;
  }
  int64_t end = n;
  for (int64_t i = n - 1; i >= 0; --i) {
    layout.peer_end[i] = end;
    if (layout.peer_start[i] == i) end = i;
  }
  switch (frame.units) {
    case WindowFrame::Units::kRows:
      FERRY_RETURN_NOT_OK(RowsFrames(n, frame, &layout));
      break;
    case WindowFrame::Units::kGroups:
      FERRY_RETURN_NOT_OK(GroupsFrames(n, frame, &layout));
      break;
    case WindowFrame::Units::kRange:
      FERRY_RETURN_NOT_OK(RangeFrames(n, frame, order_key, descending, &layout));
      break;
  }
  return layout;
}

}  // namespace ferry

#pragma once

#include <cstdint>

#include "ferry/common/status.h"

namespace ferry {

/// The deepest nesting any session may accept: what encoders write at most,
/// and what the recursive decoders' stack use is sized for. A session may
/// lower its max_depth, never raise it past this.
inline constexpr int kMaxDecodeDepth = 500;
/// The largest input any session may accept: protobuf reads at most 2 GiB.
inline constexpr int64_t kMaxDecodeBytes = (1LL << 31) - 1;

/// Bounds every decoder enforces, whatever the bytes claim. Together they
/// cap the memory a decode can take: bytes are bounded by `max_bytes`, and
/// each protobuf message costs a fixed amount once parsed, so bounding the
/// counts (checked on the raw bytes, before anything is allocated) bounds
/// the rest. docs/wire-format.md lists them.
struct DecodeLimits {
  /// Deepest expression nesting accepted, in levels: a lone column is one
  /// level, NOT over it two. Encoders refuse to write deeper trees.
  int max_depth = kMaxDecodeDepth;
  /// Largest encoded expression accepted.
  int64_t max_bytes = 256LL << 20;
  /// Most protobuf messages in one payload: expression nodes and their
  /// parts, function entries, and unknown fields alike.
  int64_t max_nodes = 250'000;
  /// Most entries in the function table.
  int64_t max_functions = 10'000;
  /// Most items in any one list: IN items, call arguments, CASE branches,
  /// PARTITION BY or ORDER BY keys; in plans also projected columns, join
  /// keys and output columns, union inputs, in-memory table partitions.
  int64_t max_list_items = 100'000;
  /// Most partitions of any operator of a physical plan (an exchange's
  /// outputs, a stage input's, a scan's splits).
  int64_t max_partitions = 100'000;
};

/// OK when every limit is usable: max_depth in 1..kMaxDecodeDepth,
/// max_bytes in 1..kMaxDecodeBytes, the counts at least 1. Invalid naming
/// the setting, its value and the allowed range otherwise. Sessions check
/// limits given by a user with this before using them.
Status ValidateDecodeLimits(const DecodeLimits& limits);

}  // namespace ferry

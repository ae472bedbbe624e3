#pragma once

#include <cstdint>

namespace ferry {

/// Bounds every decoder enforces, whatever the bytes claim. Together they
/// cap the memory a decode can take: bytes are bounded by `max_bytes`, and
/// each protobuf message costs a fixed amount once parsed, so bounding the
/// counts (checked on the raw bytes, before anything is allocated) bounds
/// the rest. docs/wire-format.md lists them.
struct DecodeLimits {
  /// Deepest expression nesting accepted, in levels: a lone column is one
  /// level, NOT over it two. Encoders refuse to write deeper trees.
  int max_depth = 500;
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

}  // namespace ferry

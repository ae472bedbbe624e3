#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "ferry/exec/hash_aggregate_group_ids.h"
#include "ferry/exec/operators.h"

namespace ferry {

/// When the partial phase of an aggregation stops grouping and hands each
/// row on as its own group's state (DataFusion's
/// skip_partial_aggregation_probe): the final phase groups every row
/// anyway, and where grouping barely reduces the rows, a second hash table
/// as large as the input costs more than it saves.
///
/// The decision is taken once, after `probe_rows` rows, on the rate of new
/// groups among the second half of them, not on groups / rows: keys drawn
/// at random from a smaller set show many new groups early and few later
/// (4M rows over 80K keys: groups / rows 0.49 after 131K rows, new groups
/// then 0.19 per row and falling), while clustered keys (files in key
/// order, TPC-H's lineitem by order key) keep their rate.
struct SkipPartialAggregation {
  int64_t probe_rows = 250'000;
  /// Measured at 2 partitions, 4M rows, sum and count by one int64 key
  /// (CPU, grouping always -> skipping after the probe): clustered keys
  /// at 0.1 groups per row 0.103 -> 0.122 s, at 0.2 0.168 -> 0.139 s, at
  /// 0.5 0.268 -> 0.208 s; random keys at rate 0.04 after the probe
  /// (80K keys) 0.086 -> 0.124 s, at 0.52 (400K keys) 0.231 -> 0.209 s.
  /// TPC-H Q18's lineitem by order key, 0.25: 0.49 -> 0.46 s.
  double max_new_group_rate = 0.15;

  /// Never skips (a rate is at most 1).
  static SkipPartialAggregation Never() { return {0, 2.0}; }
};

/// One fresh accumulator per aggregate.
Result<std::vector<std::unique_ptr<GroupsAccumulator>>> MakeAccumulators(
    const std::vector<AggregateSpec>& aggregates);

/// The partial phase of a grouping with aggregate functions over one
/// partition's `input`: [group keys..., states...] of what it grouped, then,
/// once it skips, [keys..., one row's states...] per input batch. It skips
/// only with group keys and where every aggregate's row states are cheap
/// (AggregateFunction::cheap_row_states). `accumulators` may already hold
/// the single global group (no group keys).
StreamPtr MakePartialAggregateStream(StreamPtr input, GroupIds groups,
                                     std::vector<std::unique_ptr<GroupsAccumulator>> accumulators,
                                     std::vector<PhysicalExprPtr> group_by,
                                     std::vector<AggregateSpec> aggregates,
                                     std::shared_ptr<arrow::Schema> schema,
                                     SkipPartialAggregation skip);

/// MakePartialAggregateExec (operators.h) with a chosen skipping rule.
Result<ExecPtr> MakePartialAggregateExec(ExecPtr input, std::vector<PhysicalExprPtr> group_by,
                                         std::vector<std::string> group_names,
                                         std::vector<AggregateSpec> aggregates,
                                         SkipPartialAggregation skip);

}  // namespace ferry

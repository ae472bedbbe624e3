// Cutting a stage's scans into row-group ranges, one task each: with more
// row groups than partitions, smaller tasks let more workers (and retries)
// share a scan than the driver's partition count would.

#include "ferry/dist/scan_ranges.h"

#include "ferry/common/overloaded.h"
#include "ferry/exec/operator_info.h"
#include "ferry/session/session_context.h"

namespace ferry {
namespace {

// The operators whose partition p reads only partition p of their input
// (a union: one partition of one input), whatever the partition count.
bool ReadsPartitionWise(const OperatorInfo& info) {
  return std::visit(Overloaded{
                        [](const ProjectionInfo&) { return true; },
                        [](const FilterInfo&) { return true; },
                        [](const PartialAggregateInfo&) { return true; },
                        [](const SortInfo& sort) { return sort.per_partition; },
                        [](const UnionInfo&) { return true; },
                        [](const auto&) { return false; },
                    },
                    info.value);
}

// One split per row group, in the planned splits' order.
std::vector<std::vector<int>> OneRowGroupEach(const std::vector<std::vector<int>>& splits) {
  std::vector<std::vector<int>> ranges;
  for (const auto& split : splits) {
    for (int row_group : split) ranges.push_back({row_group});
  }
  return ranges;
}

Result<ExecPtr> Rescan(const ExecPtr& scan, const FileScanInfo& info) {
  if (!std::holds_alternative<ParquetFileSource>(info.source)) return scan;
  auto ranges = OneRowGroupEach(info.splits);
  if (ranges.size() <= info.splits.size()) return scan;
  FERRY_ASSIGN_OR_RAISE(auto table, SessionContext::OpenTableSource(info.source));
  if (!info.filters.empty()) {
    FERRY_ASSIGN_OR_RAISE(table, table->WithFilters(info.filters));
  }
  FERRY_ASSIGN_OR_RAISE(auto rescanned, table->ScanSplits(info.projection, ranges));
  // The file changed since planning: keep the plan as it was made.
  if (!rescanned->schema()->Equals(*scan->schema())) return scan;
  return rescanned;
}

}  // namespace

Result<ExecPtr> SplitScansIntoRanges(const ExecPtr& task_plan) {
  auto info = task_plan->operator_info();
  if (info == nullptr) return task_plan;
  if (const auto* scan = std::get_if<FileScanInfo>(&info->value)) return Rescan(task_plan, *scan);
  if (!ReadsPartitionWise(*info)) return task_plan;
  std::vector<ExecPtr> children;
  for (const auto& child : task_plan->children()) {
    FERRY_ASSIGN_OR_RAISE(auto split, SplitScansIntoRanges(child));
    children.push_back(std::move(split));
  }
  return ReplaceChildren(task_plan, std::move(children));
}

}  // namespace ferry

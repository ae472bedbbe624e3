// Filters into scans: hands each conjunct of a filter right above a scan to
// the scan's table when it can use it (Parquet skips row groups whose
// statistics rule the conjunct out). Tables use filters inexactly, so the
// filter node stays; the scan now reads less and says so in explain().

#include "ferry/plan/builder.h"
#include "ferry/plan/optimizer.h"
#include "ferry/plan/rewrite.h"

namespace ferry {
namespace {

Result<PlanPtr> IntoScan(const PlanPtr& filter_plan, const FilterNode& filter, const ScanNode& scan) {
  const auto& scanned = *filter.input->schema;
  const auto& source = *scan.source->schema();
  std::vector<Expr> taken;
  for (const auto& conjunct : SplitConjunction(filter.predicate)) {
    if (IsVolatile(conjunct)) continue;
    // Over the source's columns: a projection may have renumbered them.
    auto over_source = ReplaceColumns(conjunct, scanned, [&](int index) -> std::optional<Expr> {
      const auto& name = scanned.field(index)->name();
      if (source.GetAllFieldIndices(name).size() != 1) return std::nullopt;
      return Col(name);
    });
    if (over_source && scan.source->SupportsFilter(*over_source) != FilterPushdown::kUnsupported) {
      taken.push_back(std::move(*over_source));
    }
  }
  if (taken.empty()) return filter_plan;
  FERRY_ASSIGN_OR_RAISE(auto source_with_filters, scan.source->WithFilters(taken));
  auto filters = scan.filters;
  filters.insert(filters.end(), taken.begin(), taken.end());
  FERRY_ASSIGN_OR_RAISE(auto new_scan, plan::Scan(scan.table_name, std::move(source_with_filters),
                                                  scan.projection, std::move(filters)));
  return WithNewInputs(filter_plan, {std::move(new_scan)});
}

Result<PlanPtr> Push(const PlanPtr& plan) {
  if (const auto* filter = plan->As<FilterNode>()) {
    if (const auto* scan = filter->input->As<ScanNode>()) return IntoScan(plan, *filter, *scan);
  }
  std::vector<PlanPtr> inputs;
  for (const auto& input : plan->inputs()) {
    FERRY_ASSIGN_OR_RAISE(auto pushed, Push(input));
    inputs.push_back(std::move(pushed));
  }
  return WithNewInputs(plan, std::move(inputs));
}

}  // namespace

Result<PlanPtr> PushFiltersIntoScans(const PlanPtr& plan) { return Push(plan); }

}  // namespace ferry

#include "ferry/exec/scan_decided_filters.h"

#include <algorithm>

#include "ferry/plan/rewrite.h"

namespace ferry {

// The scan keeps only rows for which each decided filter is true, the
// rows a FilterExec would keep for it: evaluating it again above the scan
// re-reads every surviving string (TPC-H Q12's is_in on l_shipmode).
std::optional<Expr> PredicateLeftAbove(const Expr& predicate, const ExecutionPlan& input) {
  const auto decided = FiltersDecidedByScan(input);
  if (decided.empty()) return predicate;
  std::vector<Expr> left;
  for (auto& conjunct : SplitConjunction(predicate)) {
    const bool done = std::any_of(decided.begin(), decided.end(),
                                  [&](const Expr& filter) { return filter.Equals(conjunct); });
    if (!done) left.push_back(std::move(conjunct));
  }
  return Conjoin(left);
}

}  // namespace ferry

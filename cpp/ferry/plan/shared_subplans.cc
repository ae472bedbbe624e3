#include "ferry/plan/shared_subplans.h"

#include <map>
#include <string>
#include <vector>

#include "ferry/common/overloaded.h"
#include "ferry/plan/plan_equality.h"
#include "ferry/plan/rewrite.h"

namespace ferry {
namespace {

// The expressions `plan`'s node evaluates itself (not its inputs').
std::vector<Expr> NodeExprs(const LogicalPlan& plan) {
  return std::visit(
      Overloaded{
          [](const ScanNode& n) { return n.filters; },
          [](const ProjectionNode& n) { return n.exprs; },
          [](const FilterNode& n) { return std::vector<Expr>{n.predicate}; },
          [](const AggregateNode& n) {
            auto exprs = n.group_by;
            exprs.insert(exprs.end(), n.aggregates.begin(), n.aggregates.end());
            return exprs;
          },
          [](const SortPlanNode& n) { return n.sort_exprs; },
          [](const LimitNode&) { return std::vector<Expr>{}; },
          [](const DistinctNode&) { return std::vector<Expr>{}; },
          [](const JoinNode& n) {
            return n.filter ? std::vector<Expr>{*n.filter} : std::vector<Expr>{};
          },
          [](const UnionNode&) { return std::vector<Expr>{}; },
          [](const WindowPlanNode& n) { return n.window_exprs; },
      },
      plan.node);
}

// What a subplan is, as far as sharing cares.
struct Traits {
  bool does_work = false;  // joins or aggregates somewhere
  bool volatile_ = false;  // a second evaluation could give other rows
};

bool SameBatches(const InMemorySource& a, const InMemorySource& b) {
  if (a.partitions.size() != b.partitions.size()) return false;
  for (size_t p = 0; p < a.partitions.size(); ++p) {
    if (a.partitions[p] != b.partitions[p]) return false;  // the same batch objects
  }
  return true;
}

// Whether two scans read the same rows. Each scan's table object may be
// its own (filters handed to a table make a new one), so what they read
// decides; a table that cannot say matches only itself.
bool SameTable(const TableProvider& a, const TableProvider& b) {
  if (&a == &b) return true;
  auto a_source = a.Source();
  auto b_source = b.Source();
  if (!a_source || !b_source || a_source->index() != b_source->index()) return false;
  if (const auto* x = std::get_if<ParquetFileSource>(&*a_source)) {
    return x->path == std::get<ParquetFileSource>(*b_source).path;
  }
  if (const auto* x = std::get_if<CsvFileSource>(&*a_source)) {
    const auto& y = std::get<CsvFileSource>(*b_source);
    return x->path == y.path && x->has_header == y.has_header && x->delimiter == y.delimiter;
  }
  return SameBatches(std::get<InMemorySource>(*a_source), std::get<InMemorySource>(*b_source));
}

// Equal plans read tables of the same names; sharing also needs the same
// tables (a name may be registered again between two DataFrames).
bool SameSources(const LogicalPlan& a, const LogicalPlan& b) {
  if (const auto* scan = a.As<ScanNode>()) return SameTable(*scan->source, *b.As<ScanNode>()->source);
  const auto a_inputs = a.inputs();
  const auto b_inputs = b.inputs();
  for (size_t i = 0; i < a_inputs.size(); ++i) {
    if (!SameSources(*a_inputs[i], *b_inputs[i])) return false;
  }
  return true;
}

bool Volatile(const LogicalPlan& plan) {
  for (const auto& expr : NodeExprs(plan)) {
    if (IsVolatile(expr)) return true;
  }
  for (const auto& input : plan.inputs()) {
    if (Volatile(*input)) return true;
  }
  return false;
}

class Finder {
 public:
  // Groups every node of `plan` with the equal nodes seen before it.
  Traits Index(const LogicalPlan& plan) {
    Traits traits;
    for (const auto& input : plan.inputs()) {
      const Traits child = Index(*input);
      traits.does_work = traits.does_work || child.does_work;
      traits.volatile_ = traits.volatile_ || child.volatile_;
    }
    traits.does_work = traits.does_work || plan.As<JoinNode>() || plan.As<AggregateNode>() ||
                       plan.As<DistinctNode>() || plan.As<WindowPlanNode>();
    for (const auto& expr : NodeExprs(plan)) traits.volatile_ = traits.volatile_ || IsVolatile(expr);
    if (!traits.does_work || traits.volatile_) return traits;
    // The tree's text narrows the candidates; PlanEquals decides.
    auto& candidates = by_text_[plan.ToString()];
    int group = -1;
    for (const auto& [representative, id] : candidates) {
      if (PlanEquals(*representative, plan) && SameSources(*representative, plan)) group = id;
    }
    if (group < 0) {
      group = static_cast<int>(readers_.size());
      candidates.emplace_back(&plan, group);
      readers_.push_back(0);
    }
    candidate_group_[&plan] = group;
    return traits;
  }

  // Counts the readers of each group the way the physical planner meets
  // them: a group's subtree is planned (and walked) on its first reach
  // only; later reaches read the shared result.
  void CountReaders(const LogicalPlan& plan) {
    if (auto it = candidate_group_.find(&plan); it != candidate_group_.end()) {
      if (readers_[it->second]++ > 0) return;
    }
    for (const auto& input : plan.inputs()) CountReaders(*input);
  }

  // Keeps the occurrences reached more than once, renumbered densely.
  SharedSubplans Result(const LogicalPlan& plan) {
    SharedSubplans shared;
    std::map<int, int> renumbered;
    Collect(plan, &shared, &renumbered);
    shared.num_groups = static_cast<int>(renumbered.size());
    return shared;
  }

 private:
  void Collect(const LogicalPlan& plan, SharedSubplans* shared, std::map<int, int>* renumbered) {
    if (auto it = candidate_group_.find(&plan); it != candidate_group_.end() && readers_[it->second] > 1) {
      auto [entry, first] = renumbered->emplace(it->second, static_cast<int>(renumbered->size()));
      shared->group_of[&plan] = entry->second;
      if (!first) return;
    }
    for (const auto& input : plan.inputs()) Collect(*input, shared, renumbered);
  }

  std::map<std::string, std::vector<std::pair<const LogicalPlan*, int>>> by_text_;
  std::unordered_map<const LogicalPlan*, int> candidate_group_;
  std::vector<int> readers_;
};

}  // namespace

bool SameRows(const LogicalPlan& a, const LogicalPlan& b) {
  return PlanEquals(a, b) && SameSources(a, b) && !Volatile(a);
}

SharedSubplans FindSharedSubplans(const LogicalPlan& plan) {
  Finder finder;
  finder.Index(plan);
  finder.CountReaders(plan);
  return finder.Result(plan);
}

}  // namespace ferry

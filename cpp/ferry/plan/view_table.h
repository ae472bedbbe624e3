#pragma once

#include <memory>
#include <string>

#include "ferry/plan/logical_plan.h"
#include "ferry/plan/table_provider.h"

namespace ferry {

/// A view: a named plan registered like a table. Whoever resolves the name
/// (SessionContext::Table, SQL) expands it to its plan, so no plan ever
/// scans one; Scan() says so if asked.
class ViewTable final : public TableProvider {
 public:
  explicit ViewTable(PlanPtr plan) : plan_(std::move(plan)) {}

  const PlanPtr& plan() const { return plan_; }
  const std::shared_ptr<arrow::Schema>& schema() const override { return plan_->schema; }
  std::string Describe() const override { return "View"; }
  Result<std::shared_ptr<ExecutionPlan>> Scan(const std::optional<std::vector<int>>&,
                                              int) const override {
    return Status::Invalid("a view is expanded to its plan, never scanned");
  }

 private:
  PlanPtr plan_;
};

/// The plan a view stands for, or nullptr when `table` is no view.
inline PlanPtr ViewPlan(const TableProvider& table) {
  const auto* view = dynamic_cast<const ViewTable*>(&table);
  return view ? view->plan() : nullptr;
}

}  // namespace ferry

// How a session writes physical plans (one, or a job's stages): tables by
// name where it ships them so, and a warning once per large inline table.
// A physical scan knows its source, not its table's name: a registered
// table is recognised by its source (the same batches, the same file).

#include <algorithm>

#include "ferry/common/overloaded.h"
#include "ferry/serde/plan_inspection.h"
#include "ferry/session/session_context.h"

namespace ferry {
namespace {

bool SameSource(const TableSource& a, const TableSource& b) {
  return std::visit(
      Overloaded{
          [](const InMemorySource& x, const InMemorySource& y) { return x.partitions == y.partitions; },
          [](const ParquetFileSource& x, const ParquetFileSource& y) { return x.path == y.path; },
          [](const CsvFileSource& x, const CsvFileSource& y) {
            return x.path == y.path && x.has_header == y.has_header && x.delimiter == y.delimiter;
          },
          [](const auto&, const auto&) { return false; },
      },
      a, b);
}

using NamedTables = std::vector<std::pair<std::string, std::shared_ptr<const TableProvider>>>;

}  // namespace

PhysicalEncodeOptions SessionContext::PhysicalEncodeOptionsFor(std::vector<std::string>* warnings,
                                                               const TablesByName& by_name) const {
  PhysicalEncodeOptions options;
  NamedTables named;
  {
    std::lock_guard lock(state_->mutex);
    for (const auto& [name, table] : state_->tables) {
      const bool chosen = by_name.all || state_->tables_shipped_by_name.count(name) > 0 ||
                          std::find(by_name.names.begin(), by_name.names.end(), name) != by_name.names.end();
      if (chosen) named.emplace_back(name, table);
    }
  }
  if (!named.empty()) {
    options.table_by_name = [named = std::move(named)](const TableSource& source) -> std::optional<TableByName> {
      for (const auto& [name, table] : named) {
        auto own = table->Source();
        if (own && SameSource(*own, source)) return TableByName{name, table->schema()};
      }
      return std::nullopt;
    };
  }
  if (warnings == nullptr) return options;
  options.observe_inline_table = [state = state_, warnings](const std::vector<BatchVector>& partitions,
                                                             int64_t bytes) {
    const int64_t threshold = state->config.inline_table_warn_bytes;
    if (bytes <= threshold) return;
    std::shared_ptr<const arrow::RecordBatch> first;
    for (const auto& partition : partitions) {
      if (first == nullptr && !partition.empty()) first = partition.front();
    }
    std::string name;
    {
      std::lock_guard lock(state->mutex);
      if (first != nullptr && !state->warned_inline_batches.insert(first).second) return;
      for (const auto& [table_name, table] : state->tables) {
        auto source = table->Source();
        const auto* memory = source ? std::get_if<InMemorySource>(&*source) : nullptr;
        if (memory != nullptr && memory->partitions == partitions) name = " '" + table_name + "'";
      }
    }
    warnings->push_back("in-memory table" + name + " travels inline in the physical plan: " +
                        std::to_string(bytes) + " bytes (warning threshold " +
                        std::to_string(threshold) + "); write it to Parquet to ship it by path");
  };
  return options;
}

Result<std::string> SessionContext::EncodeExecutionPlan(const ExecutionPlan& plan,
                                                       std::vector<std::string>* warnings,
                                                       const TablesByName& by_name) const {
  for (const auto& name : by_name.names) FERRY_RETURN_NOT_OK(GetTable(name).status());
  auto options = PhysicalEncodeOptionsFor(warnings, by_name);
  // Which chosen tables the plan scans, to refuse a name it does not.
  std::set<std::string> named;
  if (options.table_by_name) {
    options.table_by_name = [choose = options.table_by_name, &named](const TableSource& source) {
      auto table = choose(source);
      if (table) named.insert(table->name);
      return table;
    };
  }
  FERRY_ASSIGN_OR_RAISE(auto bytes, ferry::EncodePhysicalPlan(plan, *codec_, options));
  for (const auto& name : by_name.names) {
    if (named.count(name) == 0) {
      return Status::Invalid("tables_by_name names '", name,
                             "', which the physical plan does not scan");
    }
  }
  FERRY_RETURN_NOT_OK(CheckEncodedPhysicalPlanSize(bytes, state_->config.max_encoded_plan_bytes));
  return bytes;
}

}  // namespace ferry

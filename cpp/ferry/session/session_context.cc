#include "ferry/session/session_context.h"

#include <thread>

#include "ferry/function/bind.h"
#include "ferry/plan/builder.h"
#include "ferry/session/dataframe.h"

namespace ferry {

std::shared_ptr<SessionContext> SessionContext::Make(SessionConfig config) {
  EnsureArrowCompute();
  return std::shared_ptr<SessionContext>(new SessionContext(config));
}

SessionContext::SessionContext(SessionConfig config)
    : config_(config), functions_(FunctionRegistry::MakeWithBuiltins()) {}

int SessionContext::target_partitions() const {
  if (config_.target_partitions > 0) return config_.target_partitions;
  return std::max(1u, std::thread::hardware_concurrency());
}

Status SessionContext::RegisterTable(const std::string& name,
                                     std::shared_ptr<const TableProvider> table) {
  if (name.empty()) return Status::Invalid("a table name must not be empty");
  std::lock_guard lock(mutex_);
  tables_[name] = std::move(table);
  return Status::OK();
}

Status SessionContext::DeregisterTable(const std::string& name) {
  std::lock_guard lock(mutex_);
  if (tables_.erase(name) == 0) return Status::KeyError("no table named '", name, "'");
  return Status::OK();
}

Result<std::shared_ptr<const TableProvider>> SessionContext::GetTable(
    const std::string& name) const {
  std::lock_guard lock(mutex_);
  auto it = tables_.find(name);
  if (it != tables_.end()) return it->second;
  std::string known;
  for (const auto& [table, _] : tables_) known += (known.empty() ? "" : ", ") + table;
  return Status::KeyError("no table named '", name, "'; registered tables: ",
                          known.empty() ? "(none)" : known);
}

bool SessionContext::HasTable(const std::string& name) const {
  std::lock_guard lock(mutex_);
  return tables_.count(name) > 0;
}

std::vector<std::string> SessionContext::TableNames() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> names;
  for (const auto& [name, _] : tables_) names.push_back(name);
  return names;
}

Result<DataFrame> SessionContext::Table(const std::string& name) {
  FERRY_ASSIGN_OR_RAISE(auto table, GetTable(name));
  return Scan(std::move(table), name);
}

Result<DataFrame> SessionContext::Scan(std::shared_ptr<const TableProvider> table,
                                       std::string label) {
  FERRY_ASSIGN_OR_RAISE(auto plan, plan::Scan(std::move(label), std::move(table)));
  return DataFrame(shared_from_this(), std::move(plan));
}

Result<DataFrame> SessionContext::ReadParquet(const std::string& path) {
  FERRY_ASSIGN_OR_RAISE(auto table, MakeParquetTable(path));
  return Scan(std::move(table), path);
}

Result<DataFrame> SessionContext::ReadCsv(const std::string& path, const CsvOptions& options) {
  FERRY_ASSIGN_OR_RAISE(auto table, MakeCsvTable(path, options));
  return Scan(std::move(table), path);
}

}  // namespace ferry

#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "ferry/common/status.h"
#include "ferry/exec/execution_plan.h"
#include "ferry/exec/tables.h"
#include "ferry/function/registry.h"
#include "ferry/plan/table_provider.h"

namespace ferry {

class DataFrame;

struct SessionConfig {
  /// Partitions scans aim for and threads that run them; 0: one per core.
  int target_partitions = 0;
};

/// A session: configuration, named tables and callable functions.
///
/// Thread-safe. DataFrames hold a shared_ptr to the session they came from.
class SessionContext : public std::enable_shared_from_this<SessionContext> {
 public:
  static std::shared_ptr<SessionContext> Make(SessionConfig config = {});

  const SessionConfig& config() const { return config_; }
  int target_partitions() const;
  FunctionRegistry& functions() { return *functions_; }
  const FunctionRegistry& functions() const { return *functions_; }

  /// Registers (or replaces) a table under `name`.
  Status RegisterTable(const std::string& name, std::shared_ptr<const TableProvider> table);
  /// KeyError when no table has that name.
  Status DeregisterTable(const std::string& name);
  Result<std::shared_ptr<const TableProvider>> GetTable(const std::string& name) const;
  bool HasTable(const std::string& name) const;
  std::vector<std::string> TableNames() const;

  Result<DataFrame> Table(const std::string& name);
  /// A DataFrame over an unregistered provider (from_arrow, read_parquet).
  Result<DataFrame> Scan(std::shared_ptr<const TableProvider> table, std::string label);
  Result<DataFrame> ReadParquet(const std::string& path);
  Result<DataFrame> ReadCsv(const std::string& path, const CsvOptions& options);

 private:
  explicit SessionContext(SessionConfig config);

  SessionConfig config_;
  std::shared_ptr<FunctionRegistry> functions_;
  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<const TableProvider>> tables_;
};

}  // namespace ferry

#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "ferry/common/status.h"
#include "ferry/function/aggregate_function.h"
#include "ferry/function/scalar_function.h"
#include "ferry/function/window_function.h"

namespace ferry {

/// Functions a session can call by name: built-ins plus registered UDFs.
///
/// Thread-safe. Names are case-insensitive (stored lower-case), as in SQL.
class FunctionRegistry {
 public:
  /// A registry holding every built-in scalar and aggregate function.
  static std::shared_ptr<FunctionRegistry> MakeWithBuiltins();

  /// A copy sharing the same function objects; later changes stay apart.
  std::shared_ptr<FunctionRegistry> Clone() const;

  void AddScalar(std::shared_ptr<const ScalarFunction> func);
  void AddAggregate(std::shared_ptr<const AggregateFunction> func);
  void AddWindow(std::shared_ptr<const WindowFunction> func);
  /// KeyError "unknown function 'x'" naming close candidates when absent.
  Result<std::shared_ptr<const ScalarFunction>> GetScalar(const std::string& name) const;
  Result<std::shared_ptr<const AggregateFunction>> GetAggregate(const std::string& name) const;
  Result<std::shared_ptr<const WindowFunction>> GetWindow(const std::string& name) const;
  /// Removes the functions of that name (any kind); KeyError when none.
  Status Remove(const std::string& name);
  std::vector<std::string> ScalarNames() const;
  std::vector<std::string> AggregateNames() const;
  std::vector<std::string> WindowNames() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<const ScalarFunction>> scalars_;
  std::map<std::string, std::shared_ptr<const AggregateFunction>> aggregates_;
  std::map<std::string, std::shared_ptr<const WindowFunction>> windows_;
};

/// The process-wide built-ins, shared by every registry and by the
/// expression builders (ferry.functions).
const FunctionRegistry& BuiltinFunctions();

/// Built-in function lists, one per file that defines them.
std::vector<std::shared_ptr<const ScalarFunction>> BuiltinScalarFunctions();
std::vector<std::shared_ptr<const AggregateFunction>> BuiltinAggregateFunctions();

}  // namespace ferry

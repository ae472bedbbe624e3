#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include <arrow/compute/api.h>
#include <arrow/type.h>

#include "ferry/function/physical_expr.h"

namespace ferry::internal {

/// Output types of Arrow compute calls that MakeArrowCall has already
/// probed, so binding the same call again (every decode of a plan binds all
/// of its expressions anew) skips the probe's empty-array execution.
///
/// A call is the function name, its options (FunctionOptions::Equals) and
/// per argument either its type or, for a constant argument, its value: a
/// probe runs on exactly these, so an entry answers what the probe would.
/// Only successful probes are kept; a call that failed probes (and fails)
/// again. Calls whose arguments are all constant are folded by the probe
/// and never kept, nor calls with options other than CastOptions or with
/// a constant over 256 bytes (either could hold a large array).
/// Thread-safe; bounded (cleared when full).
class ArrowCallTypeMemo {
 public:
  static ArrowCallTypeMemo& Instance();

  /// The remembered output type of this call, or nullptr.
  std::shared_ptr<arrow::DataType> Find(const std::string& function,
                                        const std::vector<PhysicalExprPtr>& args,
                                        const arrow::compute::FunctionOptions* options);
  void Insert(const std::string& function, const std::vector<PhysicalExprPtr>& args,
              std::shared_ptr<arrow::compute::FunctionOptions> options,
              std::shared_ptr<arrow::DataType> type);
  /// Entries held (for tests).
  size_t size();

 private:
  // One argument as the probe sees it: a constant's value, else its type.
  struct ProbedArg {
    std::shared_ptr<arrow::DataType> type;
    std::shared_ptr<arrow::Scalar> constant;
  };
  struct Entry {
    std::string function;
    std::shared_ptr<arrow::compute::FunctionOptions> options;
    std::vector<ProbedArg> args;
    std::shared_ptr<arrow::DataType> type;
  };
  static bool SameCall(const Entry& entry, const std::string& function,
                       const std::vector<PhysicalExprPtr>& args,
                       const arrow::compute::FunctionOptions* options);

  ArrowCallTypeMemo() = default;

  std::mutex mutex_;
  std::unordered_multimap<size_t, Entry> entries_;
};

}  // namespace ferry::internal

#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <arrow/array.h>
#include <arrow/type.h>

#include "ferry/common/status.h"
#include "ferry/expr/expr.h"
#include "ferry/function/aggregate_function.h"

namespace ferry {

/// One window partition's rows, sorted by the window's ORDER BY, as a
/// window function sees them. All arrays and vectors are num_rows long.
struct WindowPartition {
  int64_t num_rows = 0;
  /// The function's evaluated arguments, in sorted order.
  ArrayVector args;
  /// The ORDER BY key values, in sorted order (empty without ORDER BY).
  ArrayVector order_keys;
  /// Row i's peers (rows with equal ORDER BY keys) span
  /// [peer_start[i], peer_end[i]); without ORDER BY all rows are peers.
  const std::vector<int64_t>* peer_start = nullptr;
  const std::vector<int64_t>* peer_end = nullptr;
  /// Row i's frame spans [frame_start[i], frame_end[i]) (empty when
  /// start >= end).
  const std::vector<int64_t>* frame_start = nullptr;
  const std::vector<int64_t>* frame_end = nullptr;
};

/// Computes a window function over one partition at a time. One instance
/// serves one thread.
class WindowEvaluator {
 public:
  virtual ~WindowEvaluator() = default;
  /// One value per row of `partition`, of the function's return type.
  virtual Result<std::shared_ptr<arrow::Array>> Evaluate(const WindowPartition& partition) = 0;
};

/// A window-only function (row_number, rank, lag, ...; Python UDWFs).
class WindowFunction {
 public:
  virtual ~WindowFunction() = default;
  virtual const std::string& name() const = 0;
  virtual Result<std::shared_ptr<arrow::DataType>> ReturnType(const TypeVector& arg_types) const = 0;
  /// A fresh evaluator. `args` are the call's expressions, for parameters
  /// that must be literals (lag's offset, ntile's bucket count).
  virtual Result<std::unique_ptr<WindowEvaluator>> MakeEvaluator(
      const TypeVector& arg_types, const std::vector<Expr>& args) const = 0;
};

/// The built-in window functions.
std::vector<std::shared_ptr<const WindowFunction>> BuiltinWindowFunctions();

}  // namespace ferry

#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <arrow/array.h>
#include <arrow/type.h>

#include "ferry/common/status.h"

namespace ferry {

using ArrayVector = std::vector<std::shared_ptr<arrow::Array>>;
using TypeVector = std::vector<std::shared_ptr<arrow::DataType>>;

/// Vectorized accumulator for one aggregate over many groups.
///
/// The two-phase contract: a partial accumulator sees raw rows (Update) and
/// emits its per-group intermediate state (State); a final accumulator sees
/// those states (Merge) and emits results (Evaluate). Group ids are dense,
/// in [0, total_num_groups), and total_num_groups only grows between calls.
/// One instance is used by one thread at a time.
class GroupsAccumulator {
 public:
  virtual ~GroupsAccumulator() = default;

  /// Folds rows into groups. `args` hold one array per argument (none for
  /// count(*)), each `num_rows` long; group_ids[i] is row i's group.
  virtual Status Update(const ArrayVector& args, const uint32_t* group_ids, int64_t num_rows,
                        uint32_t total_num_groups) = 0;
  /// Folds other accumulators' states (arrays laid out as StateFields) in.
  virtual Status Merge(const ArrayVector& states, const uint32_t* group_ids, int64_t num_rows,
                       uint32_t total_num_groups) = 0;
  /// Intermediate state, one array per state field, total_num_groups long.
  virtual Result<ArrayVector> State() = 0;
  /// Final value per group, total_num_groups long, of the return type.
  virtual Result<std::shared_ptr<arrow::Array>> Evaluate() = 0;
};

/// An aggregate function (built-in or user-defined), stateless and shared.
class AggregateFunction {
 public:
  virtual ~AggregateFunction() = default;
  virtual const std::string& name() const = 0;
  /// Result type for these argument types; TypeError naming the function
  /// and types when unsupported, Invalid on wrong arity.
  virtual Result<std::shared_ptr<arrow::DataType>> ReturnType(const TypeVector& arg_types) const = 0;
  /// The intermediate state's fields (names are prefixes, made unique by
  /// the caller).
  virtual Result<arrow::FieldVector> StateFields(const TypeVector& arg_types,
                                                 bool distinct) const = 0;
  /// A fresh accumulator. `distinct` asks for DISTINCT semantics;
  /// NotImplemented where the function does not support it.
  virtual Result<std::unique_ptr<GroupsAccumulator>> MakeAccumulator(const TypeVector& arg_types,
                                                                     bool distinct) const = 0;
  /// Whether one row's state (an accumulator updated with one group per
  /// row) costs about a vectorized pass, so a partial aggregation that
  /// barely reduces may hand rows on as states instead of grouping them.
  /// Off by default: a Python UDAF would call back once per row.
  virtual bool cheap_row_states(bool distinct) const { return false; }
};

}  // namespace ferry

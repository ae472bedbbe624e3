#pragma once

#include <vector>

#include "ferry/exec/execution_plan.h"
#include "ferry/function/physical_expr.h"

namespace ferry {

/// What an exchange operator does, for code that must see through it: a
/// distributed plan is cut into stages exactly at these nodes, and the
/// physical wire format encodes them from this description.
enum class ExchangeKind {
  kHash,           // rows to partition hash(keys) mod num_outputs
  kRoundRobin,     // batches dealt over num_outputs partitions
  kGather,         // every partition into one, any order
  kOrderedGather,  // every partition into one, partition 0 first
  kBroadcast,      // every one of num_outputs partitions reads all input
};

struct ExchangeInfo {
  ExchangeKind kind;
  ExecPtr input;
  /// Hash keys, bound to `input`'s schema (kHash only).
  std::vector<PhysicalExprPtr> keys;
  int num_outputs = 1;
};

/// The exchange `plan` is, or nullptr for every other operator.
inline const ExchangeInfo* AsExchange(const ExecutionPlan& plan) { return plan.exchange_info(); }

}  // namespace ferry

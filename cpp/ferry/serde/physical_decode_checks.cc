// What a decoded operator must agree with before it is built: the types
// its message declares, its fetch, and (for joins) how its inputs are
// partitioned. Untrusted bytes may claim anything; these say what is wrong.

#include "ferry/exec/exchange_info.h"
#include "ferry/exec/stage_input.h"
#include "ferry/expr/expr.h"
#include "ferry/serde/physical_decode_checks_internal.h"

namespace ferry::internal {

// `declared` has exactly the `actual` types, in order.
Status CheckTypes(const arrow::Schema& declared, const Types& actual, const char* what) {
  if (declared.num_fields() != static_cast<int>(actual.size())) {
    return Status::Invalid(what, " schema has ", declared.num_fields(), " fields for ",
                           actual.size(), " columns");
  }
  for (int i = 0; i < declared.num_fields(); ++i) {
    if (!declared.field(i)->type()->Equals(*actual[i])) {
      return Status::TypeError(what, " column ", i, " ('", declared.field(i)->name(),
                               "') is declared ", DisplayTypeName(*declared.field(i)->type()),
                               " but is ", DisplayTypeName(*actual[i]));
    }
  }
  return Status::OK();
}

Types TypesOf(const arrow::FieldVector& fields) {
  Types types;
  for (const auto& field : fields) types.push_back(field->type());
  return types;
}

Types TypesOf(const std::vector<PhysicalExprPtr>& exprs) {
  Types types;
  for (const auto& expr : exprs) types.push_back(expr->type());
  return types;
}

Result<std::optional<int64_t>> Fetch(bool present, int64_t fetch, const char* what) {
  if (!present) return std::nullopt;
  if (fetch < 0) return Status::Invalid(what, " fetch ", fetch, " is negative");
  return fetch;
}

// Whether `left` and `right` are hash-partitioned over their partitions on
// key columns at the same positions of the join's key pairs, so that rows
// with equal keys meet in partitions of the same index.
bool PartitionedAlike(const ExecutionPlan& left, const std::vector<int>& left_keys,
                      const ExecutionPlan& right, const std::vector<int>& right_keys) {
  auto lp = left.output_partitioning();
  auto rp = right.output_partitioning();
  const int n = left.num_partitions();
  if (!lp || !rp || lp->num_partitions != n || rp->num_partitions != n ||
      lp->columns.size() != rp->columns.size() || lp->columns.empty()) {
    return false;
  }
  for (size_t i = 0; i < lp->columns.size(); ++i) {
    bool paired = false;
    for (size_t k = 0; k < left_keys.size(); ++k) {
      paired = paired || (left_keys[k] == lp->columns[i] && right_keys[k] == rp->columns[i]);
    }
    if (!paired) return false;
  }
  return true;
}

// Every partition of `plan` holds all of its rows: a broadcast, or a stage
// input every partition of which reads every producer task.
bool ReadsWhole(const ExecutionPlan& plan) {
  if (const auto* exchange = AsExchange(plan)) return exchange->kind == ExchangeKind::kBroadcast;
  if (const auto* input = AsStageInput(plan)) return input->mode == StageInputMode::kAll;
  return false;
}

}  // namespace ferry::internal

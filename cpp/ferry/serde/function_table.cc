#include "ferry/serde/function_table.h"

#include "ferry/serde/expr_serde_internal.h"

namespace ferry {

std::string_view FunctionEntryKindName(FunctionEntryKind kind) {
  switch (kind) {
    case FunctionEntryKind::kScalar:
      return "scalar";
    case FunctionEntryKind::kAggregate:
      return "aggregate";
    case FunctionEntryKind::kWindow:
      return "window";
    case FunctionEntryKind::kUnspecified:
      break;
  }
  return "unspecified";
}

Result<std::vector<FunctionTableEntry>> ReadFunctionTable(std::string_view bytes,
                                                          const DecodeLimits& limits) {
  FERRY_ASSIGN_OR_RAISE(auto message, internal::ParseExprMessage(bytes, limits));
  return internal::FunctionEntries(message.functions());
}

std::vector<FunctionTableEntry> internal::FunctionEntries(const internal::FunctionTable& functions) {
  std::vector<FunctionTableEntry> entries;
  entries.reserve(functions.size());
  for (const auto& function : functions) {
    using pb = ferry::v1::FunctionDefinition;
    auto kind = function.kind() == pb::SCALAR      ? FunctionEntryKind::kScalar
                : function.kind() == pb::AGGREGATE ? FunctionEntryKind::kAggregate
                : function.kind() == pb::WINDOW    ? FunctionEntryKind::kWindow
                                                   : FunctionEntryKind::kUnspecified;
    entries.push_back({kind, function.name(), function.definition()});
  }
  return entries;
}

}  // namespace ferry

#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "ferry/common/status.h"
#include "ferry/serde/decode_limits.h"

namespace ferry {

/// Reading an encoded expression's function table as it is on the wire,
/// without resolving any entry: how a Python-free process (a router,
/// ferry-inspect) sees every inline frame, whatever kind of function
/// carries it and whether or not this process could decode the expression.

enum class FunctionEntryKind { kUnspecified, kScalar, kAggregate, kWindow };

/// "scalar", "aggregate", "window", or "unspecified".
std::string_view FunctionEntryKindName(FunctionEntryKind kind);

struct FunctionTableEntry {
  FunctionEntryKind kind;
  std::string name;
  std::string definition;  // empty: by name
};

/// The function table of `bytes`, in wire order. Applies DecodeExpr's size,
/// count, envelope and parse checks, with its messages; never resolves or
/// runs anything.
Result<std::vector<FunctionTableEntry>> ReadFunctionTable(std::string_view bytes,
                                                          const DecodeLimits& limits = {});

}  // namespace ferry

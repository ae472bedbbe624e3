#pragma once

// What expr_encode.cc and expr_decode.cc share.

#include <string_view>

#include "ferry/common/status.h"
#include "ferry/serde/decode_limits.h"
#include "ferry/v1/expr.pb.h"

namespace ferry::internal {

/// The Envelope kind of an encoded expression.
inline constexpr const char* kExprKind = "expr";

/// Encoder and decoder count levels alike (a lone column is level 1) and
/// refuse with the same words, so no bytes encode that cannot decode.
inline Status TooDeep(int max_depth) {
  return Status::Invalid("expression nests deeper than the limit of ", max_depth, " levels");
}

/// The ExprMessage inside encoded expression bytes, after the size and
/// count limits and the envelope checks, nesting-guarded; no function is
/// resolved. DecodeExpr's first half, shared with ReadFunctionTable.
Result<ferry::v1::ExprMessage> ParseExprMessage(std::string_view bytes, const DecodeLimits& limits);

}  // namespace ferry::internal

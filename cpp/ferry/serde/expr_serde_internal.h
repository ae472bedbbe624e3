#pragma once

// What expr_encode.cc and expr_decode.cc share.

#include "ferry/common/status.h"

namespace ferry::internal {

/// The Envelope kind of an encoded expression.
inline constexpr const char* kExprKind = "expr";

/// Encoder and decoder count levels alike (a lone column is level 1) and
/// refuse with the same words, so no bytes encode that cannot decode.
inline Status TooDeep(int max_depth) {
  return Status::Invalid("expression nests deeper than the limit of ", max_depth, " levels");
}

}  // namespace ferry::internal

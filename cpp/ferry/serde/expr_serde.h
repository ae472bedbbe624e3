#pragma once

#include <string>
#include <string_view>

#include "ferry/common/status.h"
#include "ferry/expr/expr.h"
#include "ferry/function/registry.h"
#include "ferry/serde/decode_limits.h"
#include "ferry/serde/extension_codec.h"

namespace ferry {

/// How a decoder treats a function whose definition no codec reads and
/// whose name the registry lacks.
enum class UnknownFunctionPolicy {
  kError,     // an execution context: fail naming the function and the fix
  kKeepOpaque // an inspecting tool: keep it as an opaque function
};

/// Encodes `expr` as wire format v1 bytes (an Envelope of kind "expr").
/// Each distinct function is written once, its definition from `codec`.
Result<std::string> EncodeExpr(const Expr& expr, const ExtensionCodec& codec);

/// Decodes bytes from EncodeExpr. Functions resolve through `codec`
/// first, then by name in `registry`. Any input yields an Expr or an
/// Invalid/KeyError naming the defect: never a crash, a hang, or memory
/// out of proportion to the input.
Result<Expr> DecodeExpr(std::string_view bytes, const ExtensionCodec& codec,
                        const FunctionRegistry& registry,
                        UnknownFunctionPolicy unknown = UnknownFunctionPolicy::kError,
                        const DecodeLimits& limits = {});

}  // namespace ferry

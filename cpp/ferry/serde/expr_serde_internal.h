#pragma once

// What the expression and plan encoders and decoders share: the expression
// codec writing into (and reading from) one function table, the depth rule,
// and the checks every payload passes before it is parsed.

#include <memory>
#include <string>
#include <string_view>

#include <google/protobuf/message.h>
#include <google/protobuf/repeated_ptr_field.h>

#include "ferry/common/status.h"
#include "ferry/expr/expr.h"
#include "ferry/function/registry.h"
#include "ferry/serde/decode_limits.h"
#include "ferry/serde/expr_serde.h"
#include "ferry/serde/extension_codec.h"
#include "ferry/serde/function_table.h"
#include "ferry/v1/expr.pb.h"

namespace ferry::internal {

/// The Envelope kind of an encoded expression.
inline constexpr const char* kExprKind = "expr";

/// Encoder and decoder count levels alike (a lone column is level 1) and
/// refuse with the same words, so no bytes encode that cannot decode.
inline Status TooDeep(int max_depth) {
  return Status::Invalid("expression nests deeper than the limit of ", max_depth, " levels");
}

using FunctionTable = google::protobuf::RepeatedPtrField<ferry::v1::FunctionDefinition>;

/// A wire function table's entries as they are, nothing resolved.
std::vector<FunctionTableEntry> FunctionEntries(const FunctionTable& functions);

/// Writes expressions whose functions all go to one table, each distinct
/// function object once however many expressions call it.
class ExprWriter {
 public:
  /// `functions` must outlive the writer.
  ExprWriter(const ExtensionCodec& codec, FunctionTable* functions, int max_depth);
  ~ExprWriter();
  /// `depth`: the levels already used above `expr` (0 for a root).
  Status Write(const Expr& expr, ferry::v1::Expr* out, int depth);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

/// Reads expressions against one function table; each entry is resolved on
/// first reference and reused after.
class ExprReader {
 public:
  /// `functions`, `codec`, `registry` and `limits` must outlive the reader.
  ExprReader(const FunctionTable& functions, const ExtensionCodec& codec,
             const FunctionRegistry& registry, UnknownFunctionPolicy unknown,
             const DecodeLimits& limits);
  ~ExprReader();
  /// `depth`: the levels already used above `node` (0 for a root).
  Result<Expr> Read(const ferry::v1::Expr& node, int depth);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

/// Checks `bytes` (size, message counts, Envelope framing of `kind`) and
/// parses its payload into `out`, under `limits`. `noun` names the object
/// in messages ("expression", "plan").
Status ReadPayload(std::string_view bytes, const std::string& kind, const char* noun,
                   google::protobuf::Message* out, const DecodeLimits& limits);

/// Serializes `message` and wraps it as `kind`, refusing (as "cannot encode
/// the NOUN: ...") what ReadPayload would refuse under default limits.
Result<std::string> WritePayload(const google::protobuf::Message& message, const std::string& kind,
                                 const char* noun);

/// Whether serializing `message` and wrapping it as `kind` gives `bytes`
/// back exactly: what an inspection reports as "re-encoded: identical".
bool ReencodesIdentically(const google::protobuf::Message& message, const std::string& kind,
                          std::string_view bytes);

/// The ExprMessage inside encoded expression bytes, after the size and
/// count limits and the envelope checks, nesting-guarded; no function is
/// resolved. DecodeExpr's first half, shared with ReadFunctionTable.
Result<ferry::v1::ExprMessage> ParseExprMessage(std::string_view bytes, const DecodeLimits& limits);

}  // namespace ferry::internal

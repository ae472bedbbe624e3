// The checks every encoded payload passes, expression or plan, before and
// after protobuf parses it (docs/wire-format.md, "Envelope").

#include <google/protobuf/io/coded_stream.h>

#include "ferry/serde/envelope.h"
#include "ferry/serde/expr_serde_internal.h"
#include "ferry/serde/protobuf_logging_internal.h"
#include "ferry/serde/wire_budget_internal.h"
#include "ferry/v1/envelope.pb.h"

namespace ferry::internal {

Status ReadPayload(std::string_view bytes, const std::string& kind, const char* noun,
                   google::protobuf::Message* out, const DecodeLimits& limits) {
  if (static_cast<int64_t>(bytes.size()) > limits.max_bytes) {
    return Status::Invalid("encoded ", noun, " of ", bytes.size(), " bytes exceeds the limit of ",
                           limits.max_bytes);
  }
  QuietProtobufUtf8Errors();
  // Counted before each parse: protobuf allocates per message however few
  // bytes the message took.
  FERRY_RETURN_NOT_OK(CheckWireBudget(bytes, ferry::v1::Envelope::descriptor(), limits, noun));
  FERRY_ASSIGN_OR_RAISE(auto envelope, UnwrapEnvelope(bytes, kind));
  FERRY_RETURN_NOT_OK(CheckWireBudget(envelope.payload, out->GetDescriptor(), limits, noun));
  google::protobuf::io::CodedInputStream input(
      reinterpret_cast<const uint8_t*>(envelope.payload.data()),
      static_cast<int>(envelope.payload.size()));
  // Protobuf's own nesting guard, set above ours so ours reports first: a
  // level is at most three messages deep (CASE branches; a plan node and
  // its node message take two).
  input.SetRecursionLimit(3 * limits.max_depth + 8);
  if (!out->ParseFromCodedStream(&input) || !input.ConsumedEntireMessage()) {
    return Status::Invalid("not a ferry ", noun, ": the payload is malformed or too deeply nested");
  }
  return Status::OK();
}

bool ReencodesIdentically(const google::protobuf::Message& message, const std::string& kind,
                          std::string_view bytes) {
  std::string payload;
  if (!message.SerializeToString(&payload)) return false;
  auto again = WrapEnvelope(kind, std::move(payload));
  return again.ok() && *again == bytes;
}

Result<std::string> WritePayload(const google::protobuf::Message& message, const std::string& kind,
                                 const char* noun) {
  std::string payload;
  if (!message.SerializeToString(&payload)) {
    return Status::SerializationError("cannot serialize the ", noun);
  }
  const DecodeLimits limits;
  if (static_cast<int64_t>(payload.size()) > limits.max_bytes) {
    return Status::Invalid("cannot encode the ", noun, ": it takes ", payload.size(),
                           " bytes, over the decoder's limit of ", limits.max_bytes);
  }
  // The same count a decoder makes: bytes it would refuse are never written.
  auto budget = CheckWireBudget(payload, message.GetDescriptor(), limits, noun);
  if (!budget.ok()) return Status::Invalid("cannot encode the ", noun, ": ", budget.message());
  return WrapEnvelope(kind, std::move(payload));
}

}  // namespace ferry::internal

#include "ferry/serde/envelope.h"

#include <climits>

#include "ferry/v1/envelope.pb.h"

namespace ferry {
namespace {
constexpr const char* kMagic = "ferry";

// What users call each kind in messages ("not a ferry expression").
std::string Noun(const std::string& kind) {
  if (kind == "expr") return "expression";
  if (kind == "physical_plan") return "physical plan";
  return kind;
}
}  // namespace

Result<std::string> WrapEnvelope(const std::string& kind, std::string payload) {
  return WriteEnvelope(Envelope{kWireVersion, kind, std::move(payload), {}, {}});
}

Result<std::string> WriteEnvelope(const Envelope& in) {
  ferry::v1::Envelope envelope;
  envelope.set_magic(kMagic);
  envelope.set_wire_version(in.wire_version);
  envelope.set_kind(in.kind);
  envelope.set_payload(in.payload);
  envelope.set_key_id(in.key_id);
  envelope.set_signature(in.signature);
  std::string out;
  if (!envelope.SerializeToString(&out)) return Status::Invalid("cannot serialize ", in.kind);
  return out;
}

namespace {

// Parses and checks the framing; `noun` names what was expected.
Result<ferry::v1::Envelope> ParseEnvelope(std::string_view bytes, const std::string& noun) {
  if (bytes.empty()) return Status::Invalid("not a ferry ", noun, ": empty bytes");
  if (bytes.size() > static_cast<size_t>(INT_MAX)) {
    return Status::Invalid("not a ferry ", noun, ": ", bytes.size(), " bytes, more than protobuf reads");
  }
  ferry::v1::Envelope envelope;
  if (!envelope.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())) ||
      envelope.magic() != kMagic) {
    return Status::Invalid("not a ferry ", noun);
  }
  if (envelope.wire_version() != kWireVersion) {
    return Status::Invalid("wire version ", envelope.wire_version(), "; this build reads ",
                           kWireVersion, "..", kWireVersion);
  }
  return envelope;
}

}  // namespace

Result<std::string> PeekEnvelopeKind(std::string_view bytes) {
  FERRY_ASSIGN_OR_RAISE(auto envelope, ParseEnvelope(bytes, "blob"));
  return envelope.kind();
}

namespace {

Envelope Take(ferry::v1::Envelope* envelope) {
  return Envelope{envelope->wire_version(), std::move(*envelope->mutable_kind()),
                  std::move(*envelope->mutable_payload()), std::move(*envelope->mutable_key_id()),
                  std::move(*envelope->mutable_signature())};
}

}  // namespace

Result<Envelope> UnwrapEnvelope(std::string_view bytes, const std::string& expected_kind) {
  FERRY_ASSIGN_OR_RAISE(auto envelope, ParseEnvelope(bytes, Noun(expected_kind)));
  if (envelope.kind() != expected_kind) {
    return Status::Invalid("these bytes hold a ferry ", Noun(envelope.kind()), ", not a ferry ",
                           Noun(expected_kind));
  }
  return Take(&envelope);
}

Result<Envelope> ReadEnvelope(std::string_view bytes, bool* canonical) {
  FERRY_ASSIGN_OR_RAISE(auto envelope, ParseEnvelope(bytes, "blob"));
  if (canonical != nullptr) {
    // Serialization of this message is deterministic (no maps, fields in
    // number order, unknown fields last), so anything else was altered
    // after it was written.
    *canonical = envelope.GetReflection()->GetUnknownFields(envelope).empty() &&
                 envelope.SerializeAsString() == bytes;
  }
  return Take(&envelope);
}

}  // namespace ferry

#include "ferry/serde/envelope_signing.h"

namespace ferry {
namespace {

constexpr std::string_view kDomain{"ferry-envelope\0", 15};

void AppendU32(uint32_t value, std::string* out) {
  for (int shift = 24; shift >= 0; shift -= 8) out->push_back(static_cast<char>((value >> shift) & 0xff));
}

std::string Noun(const std::string& kind) {
  if (kind == "physical_plan") return "physical plan";
  if (kind == "expr") return "expression";
  return kind;
}

}  // namespace

std::string EnvelopeSignedBytes(const Envelope& envelope) {
  std::string out(kDomain);
  out.reserve(out.size() + 12 + envelope.kind.size() + envelope.key_id.size() + envelope.payload.size());
  AppendU32(envelope.wire_version, &out);
  AppendU32(static_cast<uint32_t>(envelope.kind.size()), &out);
  out.append(envelope.kind);
  AppendU32(static_cast<uint32_t>(envelope.key_id.size()), &out);
  out.append(envelope.key_id);
  out.append(envelope.payload);
  return out;
}

Result<std::string> SignEnvelope(std::string_view bytes, const PayloadKeyring& keys) {
  FERRY_ASSIGN_OR_RAISE(auto envelope, ReadEnvelope(bytes));
  envelope.key_id = keys.signing_key_id();
  FERRY_ASSIGN_OR_RAISE(envelope.signature, keys.TagWithSigningKey(EnvelopeSignedBytes(envelope)));
  return WriteEnvelope(envelope);
}

Status VerifyEnvelope(std::string_view bytes, const PayloadKeyring& keys) {
  bool canonical = false;
  auto read = ReadEnvelope(bytes, &canonical);
  if (!read.ok()) {
    return Status::UnknownError("refusing these bytes: they are not a signed ferry envelope (",
                                read.status().message(), ")");
  }
  const Envelope& envelope = *read;
  auto refuse = [&](auto&&... why) {
    return Status::UnknownError("refusing the ferry ", Noun(envelope.kind), " before decoding it: ", why...);
  };
  if (envelope.key_id.empty() && envelope.signature.empty()) {
    return refuse("it is unsigned, and this session accepts only plans signed with one of its keys (",
                  keys.HeldIds(), "); have the sender sign with a shared key "
                  "(SessionContext.with_payload_keys)");
  }
  if (!canonical) return refuse("its bytes were altered after signing (fields added, repeated or reordered)");
  FERRY_ASSIGN_OR_RAISE(auto check, keys.CheckTag(envelope.key_id, EnvelopeSignedBytes(envelope),
                                                  envelope.signature));
  switch (check) {
    case PayloadKeyring::TagCheck::kValid:
      return Status::OK();
    case PayloadKeyring::TagCheck::kUnknownKey:
      return refuse("it is signed with key id ", DescribeKeyId(envelope.key_id),
                    ", which this session does not hold (it holds ", keys.HeldIds(), ")");
    case PayloadKeyring::TagCheck::kMismatch:
      break;
  }
  return refuse("its signature does not match key '", envelope.key_id,
                "': the bytes were altered after signing, or signed with another secret");
}

Result<std::string> SignEnvelopeFor(std::string bytes, const ExtensionCodec& codec) {
  const auto keys = codec.payload_keys();
  if (keys == nullptr) return bytes;
  return SignEnvelope(bytes, *keys);
}

Status VerifyEnvelopeFor(std::string_view bytes, const ExtensionCodec& codec) {
  const auto keys = codec.payload_keys();
  if (keys == nullptr) return Status::OK();
  return VerifyEnvelope(bytes, *keys);
}

Result<std::string> UnsignedEnvelope(std::string_view bytes) {
  FERRY_ASSIGN_OR_RAISE(auto envelope, ReadEnvelope(bytes));
  envelope.key_id.clear();
  envelope.signature.clear();
  return WriteEnvelope(envelope);
}

}  // namespace ferry

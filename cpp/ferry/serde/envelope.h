#pragma once

#include <string>
#include <string_view>

#include "ferry/common/status.h"

namespace ferry {

/// The wire format's major version this build writes and reads.
inline constexpr uint32_t kWireVersion = 1;

struct Envelope {
  uint32_t wire_version = kWireVersion;
  std::string kind;
  std::string payload;
  /// Signed envelopes only (envelope_signing.h); empty otherwise.
  std::string key_id;
  std::string signature;
};

/// Frames `payload` as ferry bytes of `kind` at kWireVersion.
Result<std::string> WrapEnvelope(const std::string& kind, std::string payload);
/// Checks the framing of `bytes` and returns what it carries. Invalid, with
/// what is wrong, for empty, foreign, truncated or other-version bytes, or
/// a kind other than `expected_kind`.
Result<Envelope> UnwrapEnvelope(std::string_view bytes, const std::string& expected_kind);
/// The kind `bytes` declare ("expr", "plan", ...), after the framing checks
/// UnwrapEnvelope makes; for tools that take any ferry blob.
Result<std::string> PeekEnvelopeKind(std::string_view bytes);
/// UnwrapEnvelope for any kind. `canonical` (when given) is set to whether
/// `bytes` are exactly what WrapEnvelope (and signing) write for what they
/// hold: no field repeated, reordered or added.
Result<Envelope> ReadEnvelope(std::string_view bytes, bool* canonical = nullptr);
/// The bytes of `envelope`, signature fields included when set.
Result<std::string> WriteEnvelope(const Envelope& envelope);

}  // namespace ferry

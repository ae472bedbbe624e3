#pragma once

// Signed envelopes: a sender holding payload keys signs the whole envelope
// of every plan, physical plan and job it writes (Envelope fields key_id
// and signature), as well as each inline frame inside; a receiver holding
// keys verifies the envelope before it parses anything the envelope
// carries, and refuses unsigned, altered or unknown-key envelopes.
//
// The tag is HMAC-SHA256, under the key named by key_id, over
//   "ferry-envelope" 0x00, wire_version (u32 big-endian),
//   len(kind) (u32 BE), kind, len(key_id) (u32 BE), key_id, payload
// and a signed envelope must be in canonical form (exactly the bytes its
// sender wrote: no field added, repeated or reordered). Like frame
// signatures, it proves who built the bytes, not that they are safe.
// Expressions keep signing their inline frames only.

#include <string>
#include <string_view>

#include "ferry/common/status.h"
#include "ferry/serde/envelope.h"
#include "ferry/serde/extension_codec.h"
#include "ferry/serde/frame_signing.h"

namespace ferry {

/// The bytes an envelope's tag covers.
std::string EnvelopeSignedBytes(const Envelope& envelope);

/// `bytes` (an unsigned envelope) signed with the keyring's signing key.
Result<std::string> SignEnvelope(std::string_view bytes, const PayloadKeyring& keys);

/// OK when `bytes` is a canonical envelope signed under one of the keys.
/// Otherwise an UnknownError (the class of every signature refusal) naming
/// the kind and why: not an envelope, unsigned, altered after signing,
/// signed with a key id not held, or a tag that does not match. Reads the
/// envelope's framing only: safe before any decoding.
Status VerifyEnvelope(std::string_view bytes, const PayloadKeyring& keys);

/// `bytes` signed when `codec` holds payload keys, as they are otherwise.
Result<std::string> SignEnvelopeFor(std::string bytes, const ExtensionCodec& codec);
/// VerifyEnvelope when `codec` holds payload keys; OK otherwise (a receiver
/// without keys reads signed and unsigned envelopes alike).
Status VerifyEnvelopeFor(std::string_view bytes, const ExtensionCodec& codec);

/// `bytes` without their signature: what the sender signed (for tools that
/// compare a re-encoding with the original).
Result<std::string> UnsignedEnvelope(std::string_view bytes);

}  // namespace ferry

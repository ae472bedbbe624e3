#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "ferry/common/status.h"

namespace ferry {

/// Inline UDF frames: the definition bytes of a function shipped by value.
///
///   version 1 (unsigned):
///     <7-byte family magic><1><py major u8><py minor u8><payload>
///   version 2 (signed, see frame_signing.h):
///     <7-byte family magic><2><py major u8><py minor u8>
///     <key id length u8><key id><payload><32-byte HMAC-SHA256 tag>
///
/// Families: "FYPYUDF" scalar, "FYPYUDA" aggregate, "FYPYUDW" window.
/// The payload (a pickle, for Python) is opaque to the core: a Python-free
/// process can recognise, route and re-encode a frame but never run it.
inline constexpr std::string_view kScalarFrameMagic = "FYPYUDF";
inline constexpr std::string_view kAggregateFrameMagic = "FYPYUDA";
inline constexpr std::string_view kWindowFrameMagic = "FYPYUDW";
inline constexpr size_t kFrameMagicSize = 7;
inline constexpr size_t kFrameHeaderSize = kFrameMagicSize + 3;
/// Frame versions this build reads. Unsigned frames are written as version
/// 1 (so older receivers still read them), signed frames as version 2.
inline constexpr uint8_t kMinFrameVersion = 1;
inline constexpr uint8_t kMaxFrameVersion = 2;
inline constexpr uint8_t kUnsignedFrameVersion = 1;
inline constexpr uint8_t kSignedFrameVersion = 2;
/// Signed frames: key id length bounds and the HMAC-SHA256 tag size.
inline constexpr size_t kMaxKeyIdSize = 64;
inline constexpr size_t kFrameTagSize = 32;

enum class FrameFamily { kScalar, kAggregate, kWindow };

/// "FYPYUDF" etc.
std::string_view FrameMagic(FrameFamily family);
/// "scalar UDF (FYPYUDF)" etc., for messages.
std::string FrameFamilyDescription(FrameFamily family);

struct InlineFrame {
  FrameFamily family;
  uint8_t version;
  uint8_t py_major;
  uint8_t py_minor;
  std::string_view payload;  // views the parsed bytes
  // Version 2 only (empty otherwise): the signing key's id, the tag, and
  // the bytes the tag covers (the whole frame but the tag).
  std::string_view key_id;
  std::string_view tag;
  std::string_view signed_bytes;

  bool is_signed() const { return version == kSignedFrameVersion; }
};

/// The frame `definition` holds, nullopt when it starts with no family
/// magic (not an inline frame at all), or Invalid naming the defect when it
/// claims to be one but is malformed (truncated header, empty payload).
/// Version support is the caller's check: see CheckFrameVersion.
Result<std::optional<InlineFrame>> ParseInlineFrame(std::string_view definition);

/// Invalid naming both versions when this build cannot read `frame`.
Status CheckFrameVersion(const InlineFrame& frame, const std::string& function_name);

/// Builds an unsigned (version 1) frame around `payload`; signed frames
/// come from PayloadKeyring::Sign.
std::string MakeInlineFrame(FrameFamily family, uint8_t py_major, uint8_t py_minor,
                            std::string_view payload);

}  // namespace ferry

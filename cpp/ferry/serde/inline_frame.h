#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "ferry/common/status.h"

namespace ferry {

/// Inline UDF frames: the definition bytes of a function shipped by value.
///
///   <7-byte family magic><wire version u8><py major u8><py minor u8><payload>
///
/// Families: "FYPYUDF" scalar, "FYPYUDA" aggregate, "FYPYUDW" window.
/// The payload (a pickle, for Python) is opaque to the core: a Python-free
/// process can recognise, route and re-encode a frame but never run it.
inline constexpr std::string_view kScalarFrameMagic = "FYPYUDF";
inline constexpr std::string_view kAggregateFrameMagic = "FYPYUDA";
inline constexpr std::string_view kWindowFrameMagic = "FYPYUDW";
inline constexpr size_t kFrameMagicSize = 7;
inline constexpr size_t kFrameHeaderSize = kFrameMagicSize + 3;
/// Frame versions this build reads; it writes the newest.
inline constexpr uint8_t kMinFrameVersion = 1;
inline constexpr uint8_t kMaxFrameVersion = 1;

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
};

/// The frame `definition` holds, nullopt when it starts with no family
/// magic (not an inline frame at all), or Invalid naming the defect when it
/// claims to be one but is malformed (truncated header, empty payload).
/// Version support is the caller's check: see CheckFrameVersion.
Result<std::optional<InlineFrame>> ParseInlineFrame(std::string_view definition);

/// Invalid naming both versions when this build cannot read `frame`.
Status CheckFrameVersion(const InlineFrame& frame, const std::string& function_name);

/// Builds a frame of the newest version around `payload`.
std::string MakeInlineFrame(FrameFamily family, uint8_t py_major, uint8_t py_minor,
                            std::string_view payload);

}  // namespace ferry

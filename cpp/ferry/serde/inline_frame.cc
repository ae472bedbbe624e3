#include "ferry/serde/inline_frame.h"

namespace ferry {

std::string_view FrameMagic(FrameFamily family) {
  switch (family) {
    case FrameFamily::kScalar:
      return kScalarFrameMagic;
    case FrameFamily::kAggregate:
      return kAggregateFrameMagic;
    case FrameFamily::kWindow:
      return kWindowFrameMagic;
  }
  return "";
}

std::string FrameFamilyDescription(FrameFamily family) {
  const char* kind = family == FrameFamily::kScalar      ? "scalar"
                     : family == FrameFamily::kAggregate ? "aggregate"
                                                         : "window";
  return std::string(kind) + " UDF (" + std::string(FrameMagic(family)) + ")";
}

Result<std::optional<InlineFrame>> ParseInlineFrame(std::string_view definition) {
  std::optional<FrameFamily> family;
  for (auto candidate : {FrameFamily::kScalar, FrameFamily::kAggregate, FrameFamily::kWindow}) {
    auto magic = FrameMagic(candidate);
    if (definition.substr(0, magic.size()) == magic) family = candidate;
  }
  if (!family) return std::nullopt;
  if (definition.size() < kFrameHeaderSize) {
    return Status::Invalid("malformed inline ", FrameFamilyDescription(*family), " frame: ",
                           definition.size(), " bytes, shorter than its ", kFrameHeaderSize,
                           "-byte header");
  }
  InlineFrame frame{*family, static_cast<uint8_t>(definition[kFrameMagicSize]),
                    static_cast<uint8_t>(definition[kFrameMagicSize + 1]),
                    static_cast<uint8_t>(definition[kFrameMagicSize + 2]),
                    definition.substr(kFrameHeaderSize)};
  if (frame.payload.empty()) {
    return Status::Invalid("malformed inline ", FrameFamilyDescription(*family),
                           " frame: no payload after the header");
  }
  return frame;
}

Status CheckFrameVersion(const InlineFrame& frame, const std::string& function_name) {
  if (frame.version < kMinFrameVersion || frame.version > kMaxFrameVersion) {
    return Status::Invalid("inline ", FrameFamilyDescription(frame.family), " '", function_name,
                           "' has frame version ", static_cast<int>(frame.version),
                           "; this build reads versions ", static_cast<int>(kMinFrameVersion),
                           "..", static_cast<int>(kMaxFrameVersion));
  }
  return Status::OK();
}

std::string MakeInlineFrame(FrameFamily family, uint8_t py_major, uint8_t py_minor,
                            std::string_view payload) {
  std::string frame(FrameMagic(family));
  frame.push_back(static_cast<char>(kMaxFrameVersion));
  frame.push_back(static_cast<char>(py_major));
  frame.push_back(static_cast<char>(py_minor));
  frame.append(payload);
  return frame;
}

}  // namespace ferry

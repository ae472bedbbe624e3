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

namespace {

// Splits a version-2 frame's rest into key id, payload and tag.
Status ParseSignature(std::string_view definition, InlineFrame* frame) {
  auto malformed = [&](auto&&... what) {
    return Status::Invalid("malformed signed inline ", FrameFamilyDescription(frame->family),
                           " frame: ", what...);
  };
  std::string_view rest = definition.substr(kFrameHeaderSize);
  if (rest.empty()) return malformed("no key id after the header");
  size_t id_size = static_cast<uint8_t>(rest[0]);
  if (id_size == 0 || id_size > kMaxKeyIdSize) {
    return malformed("key id length ", id_size, " is outside 1..", kMaxKeyIdSize);
  }
  if (rest.size() <= 1 + id_size + kFrameTagSize) {
    return malformed(definition.size(), " bytes cannot hold a ", id_size,
                     "-byte key id, a payload and a ", kFrameTagSize, "-byte signature");
  }
  frame->key_id = rest.substr(1, id_size);
  frame->payload = rest.substr(1 + id_size, rest.size() - 1 - id_size - kFrameTagSize);
  frame->tag = definition.substr(definition.size() - kFrameTagSize);
  frame->signed_bytes = definition.substr(0, definition.size() - kFrameTagSize);
  return Status::OK();
}

}  // namespace

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
  if (frame.is_signed()) FERRY_RETURN_NOT_OK(ParseSignature(definition, &frame));
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
  frame.push_back(static_cast<char>(kUnsignedFrameVersion));
  frame.push_back(static_cast<char>(py_major));
  frame.push_back(static_cast<char>(py_minor));
  frame.append(payload);
  return frame;
}

}  // namespace ferry

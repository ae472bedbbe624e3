// Fuzz target: the inline UDF frame parser and the signature check, as a
// receiver runs them before anything could be unpickled (nothing is). The
// keyring holds the key the seed corpus was signed with, so mutations of
// signed seeds reach the tag comparison. Invariants: a parsed frame's
// views lie inside the input; a frame verifies only if its tag is the
// HMAC of its signed bytes; an unsigned frame never verifies.

#include <cstdint>
#include <string_view>

#include "ferry/serde/frame_signing.h"
#include "ferry/serde/inline_frame.h"
#include "fuzz_check.h"

namespace {

// The key tests/fuzz/make_corpus.py signs its seeds with.
constexpr std::string_view kKeyId = "fuzz-key";
constexpr std::string_view kSecret = "ferry fuzz corpus signing key 32";

bool Inside(std::string_view part, std::string_view whole) {
  return part.empty() || (part.data() >= whole.data() &&
                          part.data() + part.size() <= whole.data() + whole.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto keyring =
      ferry::PayloadKeyring::Make({{std::string(kKeyId), std::string(kSecret)}}, std::string(kKeyId))
          .ValueOrDie();
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto parsed = ferry::ParseInlineFrame(bytes);
  if (!parsed.ok() || !parsed->has_value()) return 0;
  const ferry::InlineFrame& frame = **parsed;
  FERRY_FUZZ_CHECK(Inside(frame.payload, bytes) && Inside(frame.key_id, bytes) &&
                       Inside(frame.tag, bytes) && Inside(frame.signed_bytes, bytes),
                   "a frame's parts lie inside its bytes");
  (void)ferry::FrameFamilyDescription(frame.family);
  (void)ferry::DescribeKeyId(frame.key_id);
  if (!ferry::CheckFrameVersion(frame, "fuzzed").ok()) return 0;
  const bool verified = keyring->Verify(frame, "fuzzed").ok();
  if (!frame.is_signed()) {
    FERRY_FUZZ_CHECK(!verified, "an unsigned frame never verifies");
    return 0;
  }
  auto expected = ferry::HmacSha256(kSecret, frame.signed_bytes);
  FERRY_FUZZ_CHECK(expected.ok(), "HMAC computes");
  const bool tag_matches = frame.key_id == kKeyId && *expected == frame.tag;
  FERRY_FUZZ_CHECK(verified == tag_matches, "a frame verifies exactly when its tag is the HMAC");
  return 0;
}

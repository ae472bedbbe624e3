#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/common/status.h"
#include "ferry/serde/inline_frame.h"

namespace ferry {

/// Signed inline frames (frame version 2): HMAC-SHA256 over every byte of
/// the frame before the tag, i.e. the family magic, the frame version, the
/// sender's Python major.minor, the key id (length-prefixed) and the
/// payload. The tag proves the frame was built by a holder of the key; it
/// says nothing about whether the payload's code is safe to run.
///
/// HMAC comes from OpenSSL's libcrypto; tags compare in constant time.

/// Keys are named so they can rotate: 1..64 characters from
/// [A-Za-z0-9._:-] (they travel in every signed frame and appear in errors).
Status ValidatePayloadKeyId(std::string_view key_id);
/// Secrets shorter than this are refused: HMAC-SHA256 wants 256 bits, and a
/// short secret can be guessed offline from one signed frame.
inline constexpr size_t kMinPayloadSecretSize = 16;

/// A key id read from a frame, for display: quoted when it is a valid id,
/// else its bytes in hex ("0x...") since it came from untrusted input.
std::string DescribeKeyId(std::string_view key_id);

/// HMAC-SHA256(key, message): 32 raw bytes.
Result<std::string> HmacSha256(std::string_view key, std::string_view message);

/// Whether a signed frame's tag is HMAC-SHA256(secret, frame.signed_bytes).
/// False for an unsigned frame.
Result<bool> FrameTagMatches(const InlineFrame& frame, std::string_view secret);

/// A session's payload keys: signs the frames it writes with one of them,
/// and accepts only frames signed with any of them. Immutable, shareable
/// across threads.
class PayloadKeyring {
 public:
  /// Invalid naming the defect: no keys, a malformed key id, a secret
  /// shorter than kMinPayloadSecretSize, or `sign_with` not among `keys`.
  static Result<std::shared_ptr<const PayloadKeyring>> Make(std::map<std::string, std::string> keys,
                                                            std::string sign_with);

  /// The key ids, sorted; the secrets never leave the keyring.
  std::vector<std::string> key_ids() const;
  const std::string& signing_key_id() const { return sign_with_; }

  /// A signed (version 2) frame around `payload`.
  Result<std::string> Sign(FrameFamily family, uint8_t py_major, uint8_t py_minor,
                           std::string_view payload) const;

  /// HMAC-SHA256 of `message` under the signing key (whole envelopes,
  /// envelope_signing.h).
  Result<std::string> TagWithSigningKey(std::string_view message) const;

  enum class TagCheck { kValid, kUnknownKey, kMismatch };
  /// Whether key `key_id` is held and `tag` is HMAC-SHA256 of `message`
  /// under it (compared in constant time).
  Result<TagCheck> CheckTag(std::string_view key_id, std::string_view message, std::string_view tag) const;

  /// The key ids for messages: "'a', 'b'".
  std::string HeldIds() const;

  /// OK when `frame` carries a valid tag under one of the keys. Otherwise an
  /// UnknownError (the strict-refusal class) naming the function, the family
  /// and why: unsigned, unknown key id, or a tag that does not match. Looks
  /// at nothing but the frame's bytes: safe before any unpickling.
  Status Verify(const InlineFrame& frame, const std::string& function_name) const;

 private:
  PayloadKeyring(std::map<std::string, std::string> keys, std::string sign_with)
      : keys_(std::move(keys)), sign_with_(std::move(sign_with)) {}

  std::map<std::string, std::string> keys_;
  std::string sign_with_;
};

}  // namespace ferry

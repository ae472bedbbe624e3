#include "ferry/serde/frame_signing.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace ferry {
namespace {

bool IsKeyIdChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == ':' || c == '-';
}

}  // namespace

std::string DescribeKeyId(std::string_view key_id) {
  std::string out;
  if (ValidatePayloadKeyId(key_id).ok()) {
    out.push_back('\'');
    out.append(key_id);
    out.push_back('\'');
    return out;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  out.append("0x");
  for (unsigned char c : key_id) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

Status ValidatePayloadKeyId(std::string_view key_id) {
  if (key_id.empty() || key_id.size() > kMaxKeyIdSize) {
    return Status::Invalid("payload key id must be 1..", kMaxKeyIdSize, " characters, got ",
                           key_id.size());
  }
  for (char c : key_id) {
    if (!IsKeyIdChar(c)) {
      return Status::Invalid("payload key id '", key_id,
                             "' may only use letters, digits and . _ : -");
    }
  }
  return Status::OK();
}

Result<std::string> HmacSha256(std::string_view key, std::string_view message) {
  unsigned char tag[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(message.data()), message.size(), tag,
           &size) == nullptr ||
      size != kFrameTagSize) {
    return Status::UnknownError("HMAC-SHA256 failed in libcrypto");
  }
  return std::string(reinterpret_cast<const char*>(tag), size);
}

namespace {

Result<bool> TagMatches(std::string_view secret, std::string_view message, std::string_view tag) {
  FERRY_ASSIGN_OR_RAISE(auto expected, HmacSha256(secret, message));
  return tag.size() == expected.size() && CRYPTO_memcmp(tag.data(), expected.data(), expected.size()) == 0;
}

}  // namespace

Result<bool> FrameTagMatches(const InlineFrame& frame, std::string_view secret) {
  if (!frame.is_signed()) return false;
  return TagMatches(secret, frame.signed_bytes, frame.tag);
}

Result<std::shared_ptr<const PayloadKeyring>> PayloadKeyring::Make(
    std::map<std::string, std::string> keys, std::string sign_with) {
  if (keys.empty()) return Status::Invalid("payload keys: at least one key is needed");
  for (const auto& [id, secret] : keys) {
    FERRY_RETURN_NOT_OK(ValidatePayloadKeyId(id));
    if (secret.size() < kMinPayloadSecretSize) {
      return Status::Invalid("payload key '", id, "' is ", secret.size(),
                             " bytes; use a random secret of at least ", kMinPayloadSecretSize,
                             " bytes (32 recommended, e.g. secrets.token_bytes(32))");
    }
  }
  if (keys.count(sign_with) == 0) {
    return Status::Invalid("sign_with names key '", sign_with, "', which is not among the keys");
  }
  return std::shared_ptr<const PayloadKeyring>(
      new PayloadKeyring(std::move(keys), std::move(sign_with)));
}

std::vector<std::string> PayloadKeyring::key_ids() const {
  std::vector<std::string> ids;
  for (const auto& entry : keys_) ids.push_back(entry.first);
  return ids;
}

std::string PayloadKeyring::HeldIds() const {
  std::string out;
  for (const auto& entry : keys_) out += (out.empty() ? "'" : ", '") + entry.first + "'";
  return out;
}

Result<std::string> PayloadKeyring::Sign(FrameFamily family, uint8_t py_major, uint8_t py_minor,
                                         std::string_view payload) const {
  std::string frame(FrameMagic(family));
  frame.push_back(static_cast<char>(kSignedFrameVersion));
  frame.push_back(static_cast<char>(py_major));
  frame.push_back(static_cast<char>(py_minor));
  frame.push_back(static_cast<char>(sign_with_.size()));
  frame.append(sign_with_);
  frame.append(payload);
  FERRY_ASSIGN_OR_RAISE(auto tag, HmacSha256(keys_.at(sign_with_), frame));
  frame.append(tag);
  return frame;
}

Result<std::string> PayloadKeyring::TagWithSigningKey(std::string_view message) const {
  return HmacSha256(keys_.at(sign_with_), message);
}

Result<PayloadKeyring::TagCheck> PayloadKeyring::CheckTag(std::string_view key_id, std::string_view message,
                                                          std::string_view tag) const {
  auto key = keys_.find(std::string(key_id));
  if (key == keys_.end()) return TagCheck::kUnknownKey;
  FERRY_ASSIGN_OR_RAISE(bool matches, TagMatches(key->second, message, tag));
  return matches ? TagCheck::kValid : TagCheck::kMismatch;
}

Status PayloadKeyring::Verify(const InlineFrame& frame, const std::string& function_name) const {
  auto refuse = [&](auto&&... why) {
    return Status::UnknownError("refusing the inline ", FrameFamilyDescription(frame.family), " '",
                                function_name, "' without unpickling it: ", why...);
  };
  if (!frame.is_signed()) {
    return refuse("it is unsigned, and this session accepts only payloads signed with one of its "
                  "keys (", HeldIds(), "); have the sender sign with a shared key "
                  "(SessionContext.with_payload_keys)");
  }
  auto key = keys_.find(std::string(frame.key_id));
  if (key == keys_.end()) {
    return refuse("it is signed with key id ", DescribeKeyId(frame.key_id),
                  ", which this session does not hold (it holds ", HeldIds(), ")");
  }
  FERRY_ASSIGN_OR_RAISE(bool matches, FrameTagMatches(frame, key->second));
  if (!matches) {
    return refuse("its signature does not match key '", key->first,
                  "': the frame was altered after signing, or signed with another secret");
  }
  return Status::OK();
}

}  // namespace ferry

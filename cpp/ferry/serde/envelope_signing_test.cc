#include "ferry/serde/envelope_signing.h"

#include <gtest/gtest.h>

namespace ferry {
namespace {

const std::string kSecret(32, 's');
const std::string kOther(32, 'x');

std::shared_ptr<const PayloadKeyring> Keyring(const std::string& id, const std::string& secret) {
  return PayloadKeyring::Make({{id, secret}}, id).ValueOrDie();
}

std::string Plain() { return WrapEnvelope("plan", "\x0a\x03xyz plan payload").ValueOrDie(); }

bool Contains(const Status& status, const std::string& text) {
  return status.message().find(text) != std::string::npos;
}

TEST(EnvelopeSigningTest, SignedBytesAreTheUnsignedEnvelopePlusKeyIdAndTag) {
  const auto plain = Plain();
  const auto signed_bytes = SignEnvelope(plain, *Keyring("k1", kSecret)).ValueOrDie();
  // Fields 5 and 6 follow the sender's bytes unchanged.
  ASSERT_EQ(signed_bytes.substr(0, plain.size()), plain);
  EXPECT_EQ(signed_bytes.substr(plain.size(), 5), std::string("\x2a\x02k1\x32"));
  auto envelope = ReadEnvelope(signed_bytes).ValueOrDie();
  EXPECT_EQ(envelope.key_id, "k1");
  // The tag computed here from the documented layout, not from EnvelopeSignedBytes.
  std::string message("ferry-envelope\0", 15);
  message += std::string("\0\0\0\x01", 4) + std::string("\0\0\0\x04", 4) + "plan" +
             std::string("\0\0\0\x02", 4) + "k1" + envelope.payload;
  EXPECT_EQ(envelope.signature, HmacSha256(kSecret, message).ValueOrDie());
  EXPECT_EQ(UnsignedEnvelope(signed_bytes).ValueOrDie(), plain);
}

TEST(EnvelopeSigningTest, VerifiesWhatItSigned) {
  const auto keys = Keyring("k1", kSecret);
  const auto signed_bytes = SignEnvelope(Plain(), *keys).ValueOrDie();
  EXPECT_TRUE(VerifyEnvelope(signed_bytes, *keys).ok());
  // A keyring holding the signer's key among others verifies it too (rotation).
  auto both = PayloadKeyring::Make({{"k1", kSecret}, {"k2", kOther}}, "k2").ValueOrDie();
  EXPECT_TRUE(VerifyEnvelope(signed_bytes, *both).ok());
}

TEST(EnvelopeSigningTest, RefusesUnsignedUnknownKeyAndOtherSecret) {
  const auto keys = Keyring("k1", kSecret);
  auto unsigned_status = VerifyEnvelope(Plain(), *keys);
  EXPECT_TRUE(unsigned_status.IsUnknownError());
  EXPECT_TRUE(Contains(unsigned_status, "unsigned")) << unsigned_status;
  EXPECT_TRUE(Contains(unsigned_status, "'k1'")) << unsigned_status;

  auto other_id = VerifyEnvelope(SignEnvelope(Plain(), *Keyring("k9", kSecret)).ValueOrDie(), *keys);
  EXPECT_TRUE(Contains(other_id, "key id 'k9'")) << other_id;

  auto other_secret = VerifyEnvelope(SignEnvelope(Plain(), *Keyring("k1", kOther)).ValueOrDie(), *keys);
  EXPECT_TRUE(Contains(other_secret, "does not match key 'k1'")) << other_secret;
  EXPECT_TRUE(Contains(other_secret, "ferry plan")) << other_secret;
}

TEST(EnvelopeSigningTest, EveryFlippedByteAndEveryTruncationIsRefused) {
  const auto keys = Keyring("k1", kSecret);
  const auto good = SignEnvelope(Plain(), *keys).ValueOrDie();
  for (size_t i = 0; i < good.size(); ++i) {
    for (unsigned char mask : {0x01, 0x80, 0xff}) {
      std::string bad = good;
      bad[i] = static_cast<char>(bad[i] ^ mask);
      EXPECT_FALSE(VerifyEnvelope(bad, *keys).ok()) << "byte " << i << " ^ " << int{mask};
    }
  }
  for (size_t n = 0; n < good.size(); ++n) {
    EXPECT_FALSE(VerifyEnvelope(good.substr(0, n), *keys).ok()) << "truncated to " << n;
  }
}

TEST(EnvelopeSigningTest, RefusesFieldsAddedAfterSigning) {
  const auto keys = Keyring("k1", kSecret);
  const auto good = SignEnvelope(Plain(), *keys).ValueOrDie();
  // An unknown field appended, and the kind repeated (protobuf keeps the last).
  for (const auto& extra : {std::string("\x3a\x01z", 3), std::string("\x1a\x04plan", 6)}) {
    auto status = VerifyEnvelope(good + extra, *keys);
    EXPECT_TRUE(Contains(status, "altered after signing")) << status;
  }
}

TEST(EnvelopeSigningTest, WithoutKeysNothingIsSignedOrChecked) {
  const auto codec = ByNameCodec();
  EXPECT_EQ(SignEnvelopeFor(Plain(), *codec).ValueOrDie(), Plain());
  EXPECT_TRUE(VerifyEnvelopeFor(Plain(), *codec).ok());
  const auto signed_bytes = SignEnvelope(Plain(), *Keyring("k1", kSecret)).ValueOrDie();
  EXPECT_TRUE(VerifyEnvelopeFor(signed_bytes, *codec).ok());
  EXPECT_TRUE(UnwrapEnvelope(signed_bytes, "plan").ok());
}

}  // namespace
}  // namespace ferry

#include "ferry/serde/frame_signing.h"

#include <gtest/gtest.h>

namespace ferry {
namespace {

const std::string kOld(32, 'o');
const std::string kNew(32, 'n');

std::shared_ptr<const PayloadKeyring> Keyring(std::map<std::string, std::string> keys,
                                              std::string sign_with) {
  return PayloadKeyring::Make(std::move(keys), std::move(sign_with)).ValueOrDie();
}

InlineFrame Parse(const std::string& bytes) {
  auto frame = ParseInlineFrame(bytes).ValueOrDie();
  EXPECT_TRUE(frame.has_value());
  return *frame;
}

TEST(FrameSigningTest, HmacMatchesRfc4231TestCase2) {
  auto tag = HmacSha256("Jefe", "what do ya want for nothing?").ValueOrDie();
  static constexpr unsigned char kExpected[] = {
      0x5b, 0xdc, 0xc1, 0x46, 0xbf, 0x60, 0x75, 0x4e, 0x6a, 0x04, 0x24, 0x26, 0x08, 0x95, 0x75, 0xc7,
      0x5a, 0x00, 0x3f, 0x08, 0x9d, 0x27, 0x39, 0x83, 0x9d, 0xec, 0x58, 0xb9, 0x64, 0xec, 0x38, 0x43};
  EXPECT_EQ(tag, std::string(reinterpret_cast<const char*>(kExpected), sizeof kExpected));
}

TEST(FrameSigningTest, SignedFrameLayoutAndRoundTrip) {
  auto keys = Keyring({{"k1", kOld}}, "k1");
  auto bytes = keys->Sign(FrameFamily::kWindow, 3, 11, "payload").ValueOrDie();
  ASSERT_EQ(bytes.size(), 10 + 1 + 2 + 7 + kFrameTagSize);
  EXPECT_EQ(bytes.substr(0, 13), std::string("FYPYUDW\x02\x03\x0b\x02k1", 13));
  auto frame = Parse(bytes);
  EXPECT_TRUE(frame.is_signed());
  EXPECT_EQ(frame.key_id, "k1");
  EXPECT_EQ(frame.payload, "payload");
  EXPECT_EQ(frame.tag, HmacSha256(kOld, bytes.substr(0, bytes.size() - 32)).ValueOrDie());
  EXPECT_TRUE(keys->Verify(frame, "w").ok());
}

TEST(FrameSigningTest, EveryFlippedByteIsRefusedOrMalformed) {
  auto keys = Keyring({{"k1", kOld}}, "k1");
  auto bytes = keys->Sign(FrameFamily::kScalar, 3, 11, "abc").ValueOrDie();
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string bad = bytes;
    bad[i] = static_cast<char>(bad[i] ^ 0x01);
    auto frame = ParseInlineFrame(bad);
    if (!frame.ok() || !frame->has_value()) continue;  // malformed, or no longer a frame
    if (!(*frame)->is_signed()) {
      EXPECT_FALSE(keys->Verify(**frame, "f").ok()) << "byte " << i;
      continue;
    }
    EXPECT_TRUE(keys->Verify(**frame, "f").IsUnknownError()) << "byte " << i;
  }
}

TEST(FrameSigningTest, RefusalsNameTheFunctionAndTheReason) {
  auto receiver = Keyring({{"k1", kOld}}, "k1");
  auto unsigned_frame = MakeInlineFrame(FrameFamily::kScalar, 3, 11, "p");
  auto status = receiver->Verify(Parse(unsigned_frame), "double");
  EXPECT_TRUE(status.IsUnknownError());
  EXPECT_NE(status.message().find("scalar UDF (FYPYUDF) 'double'"), std::string::npos);
  EXPECT_NE(status.message().find("unsigned"), std::string::npos);

  auto other = Keyring({{"k9", kNew}}, "k9")->Sign(FrameFamily::kScalar, 3, 11, "p").ValueOrDie();
  status = receiver->Verify(Parse(other), "double");
  EXPECT_NE(status.message().find("key id 'k9', which this session does not hold"),
            std::string::npos) << status.message();

  auto forged = Keyring({{"k1", kNew}}, "k1")->Sign(FrameFamily::kScalar, 3, 11, "p").ValueOrDie();
  status = receiver->Verify(Parse(forged), "double");
  EXPECT_NE(status.message().find("signature does not match key 'k1'"), std::string::npos);
}

TEST(FrameSigningTest, RotationAcceptsOldAndNewKeys) {
  auto receiver = Keyring({{"old", kOld}, {"new", kNew}}, "new");
  for (const auto* id : {"old", "new"}) {
    auto sender = Keyring({{id, id == std::string("old") ? kOld : kNew}}, id);
    auto bytes = sender->Sign(FrameFamily::kAggregate, 3, 11, "state").ValueOrDie();
    EXPECT_TRUE(receiver->Verify(Parse(bytes), "agg").ok()) << id;
  }
  EXPECT_EQ(receiver->key_ids(), (std::vector<std::string>{"new", "old"}));
}

TEST(FrameSigningTest, MalformedSignedFramesReportTheirDefect) {
  auto bytes = Keyring({{"k1", kOld}}, "k1")->Sign(FrameFamily::kScalar, 3, 11, "p").ValueOrDie();
  for (size_t keep : {size_t{10}, size_t{11}, size_t{13}, bytes.size() - 1}) {
    auto frame = ParseInlineFrame(bytes.substr(0, keep));
    ASSERT_TRUE(frame.status().IsInvalid()) << keep;
    EXPECT_NE(frame.status().message().find("malformed signed inline scalar UDF (FYPYUDF)"),
              std::string::npos) << frame.status().message();
  }
  std::string zero_id = bytes;
  zero_id[10] = 0;
  EXPECT_NE(ParseInlineFrame(zero_id).status().message().find("key id length 0"), std::string::npos);
}

TEST(FrameSigningTest, KeyringRefusesBadKeys) {
  EXPECT_TRUE(PayloadKeyring::Make({}, "k").status().IsInvalid());
  EXPECT_NE(PayloadKeyring::Make({{"k1", "short"}}, "k1").status().message().find("at least 16"),
            std::string::npos);
  EXPECT_NE(PayloadKeyring::Make({{"bad id", kOld}}, "bad id").status().message().find("may only use"),
            std::string::npos);
  EXPECT_NE(PayloadKeyring::Make({{"k1", kOld}}, "k2").status().message().find("'k2'"),
            std::string::npos);
}

}  // namespace
}  // namespace ferry

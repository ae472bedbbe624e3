#include "ferry/serde/envelope.h"

#include <gtest/gtest.h>

namespace ferry {
namespace {

TEST(EnvelopeTest, RoundTrips) {
  auto bytes = WrapEnvelope("expr", std::string("\x00payload", 8)).ValueOrDie();
  auto envelope = UnwrapEnvelope(bytes, "expr").ValueOrDie();
  EXPECT_EQ(envelope.kind, "expr");
  EXPECT_EQ(envelope.payload, std::string("\x00payload", 8));
}

TEST(EnvelopeTest, RejectsEmptyForeignAndTruncatedBytes) {
  EXPECT_EQ(UnwrapEnvelope("", "expr").status().message(), "not a ferry expression: empty bytes");
  EXPECT_EQ(UnwrapEnvelope("hello world", "expr").status().message(), "not a ferry expression");
  auto bytes = WrapEnvelope("expr", "payload").ValueOrDie();
  for (size_t cut = 1; cut < bytes.size(); ++cut) {
    auto result = UnwrapEnvelope(std::string_view(bytes).substr(0, cut), "expr");
    EXPECT_FALSE(result.ok() && result->payload == "payload") << "cut at " << cut;
  }
}

TEST(EnvelopeTest, RejectsOtherKindsAndVersions) {
  auto plan = WrapEnvelope("plan", "x").ValueOrDie();
  EXPECT_EQ(UnwrapEnvelope(plan, "expr").status().message(),
            "these bytes hold a ferry plan, not a ferry expression");
}

}  // namespace
}  // namespace ferry

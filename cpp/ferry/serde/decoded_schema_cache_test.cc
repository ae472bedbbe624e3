#include "ferry/serde/decoded_schema_cache_internal.h"

#include <gtest/gtest.h>

#include "ferry/serde/literal_serde_internal.h"
#include "ferry/serde/physical_serde_internal.h"
#include "ferry/v1/physical.pb.h"

namespace ferry::internal {
namespace {

ferry::v1::Schema Encoded(const arrow::Schema& schema) {
  ferry::v1::Schema out;
  EXPECT_TRUE(EncodeSchema(schema, &out).ok());
  return out;
}

TEST(DecodedSchemaCache, SameBytesShareOneSchemaOtherBytesDoNot) {
  auto a = arrow::schema({arrow::field("cache_test_a", arrow::int64()),
                          arrow::field("b", arrow::utf8(), /*nullable=*/false)});
  auto first = DecodeSchema(true, Encoded(*a), "test");
  auto second = DecodeSchema(true, Encoded(*a), "test");
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_TRUE((*first)->Equals(*a, /*check_metadata=*/true));
  EXPECT_EQ(first->get(), second->get());  // read once

  // Differing only in a field's nullability, name or metadata: another entry.
  for (const auto& other :
       {arrow::schema({arrow::field("cache_test_a", arrow::int64()), arrow::field("b", arrow::utf8())}),
        arrow::schema({arrow::field("cache_test_A", arrow::int64()),
                       arrow::field("b", arrow::utf8(), false)}),
        a->WithMetadata(arrow::key_value_metadata({"k"}, {"v"}))}) {
    auto decoded = DecodeSchema(true, Encoded(*other), "test");
    ASSERT_TRUE(decoded.ok());
    EXPECT_TRUE((*decoded)->Equals(*other, /*check_metadata=*/true)) << (*decoded)->ToString();
    EXPECT_FALSE((*decoded)->Equals(*a, /*check_metadata=*/true));
  }
}

TEST(DecodedSchemaCache, MalformedBytesAreNeverKept) {
  ferry::v1::Schema garbage;
  garbage.set_arrow_ipc("not arrow ipc at all");
  for (int i = 0; i < 2; ++i) EXPECT_FALSE(DecodeSchema(true, garbage, "test").ok());
  EXPECT_EQ(DecodedSchemaCache::Instance().Find(garbage.arrow_ipc()), nullptr);
}

TEST(EncodeSchema, WritesWhatAnIpcStreamOfNoBatchesHolds) {
  auto dictionary = arrow::dictionary(arrow::int32(), arrow::utf8());
  for (const auto& schema :
       {arrow::schema({}), arrow::schema({arrow::field("x", arrow::int64(), false)}),
        arrow::schema({arrow::field("d", dictionary), arrow::field("e", dictionary),
                       arrow::field("l", arrow::list(arrow::field("item", dictionary))),
                       arrow::field("s", arrow::struct_({arrow::field("t", arrow::timestamp(
                                                              arrow::TimeUnit::MICRO, "UTC"))}))},
                      arrow::key_value_metadata({"k"}, {"v"}))}) {
    auto stream = WriteIpcStream(schema, {});
    ASSERT_TRUE(stream.ok());
    EXPECT_EQ(Encoded(*schema).arrow_ipc(), *stream) << schema->ToString();
    auto back = DecodeSchema(true, Encoded(*schema), "test");
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_TRUE((*back)->Equals(*schema, /*check_metadata=*/true));
  }
}

TEST(SameSchema, AgreesWithArrowEquals) {
  auto base = arrow::schema({arrow::field("x", arrow::int32()), arrow::field("y", arrow::float64())});
  std::vector<std::shared_ptr<arrow::Schema>> variants{
      base,
      arrow::schema({arrow::field("x", arrow::int32()), arrow::field("y", arrow::float32())}),
      arrow::schema({arrow::field("x", arrow::int32())}),
      arrow::schema({arrow::field("x", arrow::int32(), false), arrow::field("y", arrow::float64())}),
      base->WithMetadata(arrow::key_value_metadata({"k"}, {"v"})),
      arrow::schema({arrow::field("x", arrow::int32())->WithMetadata(arrow::key_value_metadata({"k"}, {"v"})),
                     arrow::field("y", arrow::float64())}),
  };
  for (const auto& a : variants) {
    for (const auto& b : variants) {
      for (bool metadata : {false, true}) {
        EXPECT_EQ(SameSchema(*a, *b, metadata), a->Equals(*b, metadata))
            << a->ToString() << " vs " << b->ToString() << " metadata=" << metadata;
      }
    }
  }
}

}  // namespace
}  // namespace ferry::internal

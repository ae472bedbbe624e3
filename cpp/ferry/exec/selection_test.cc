#include "ferry/exec/selection.h"

#include <random>

#include <arrow/api.h>
#include <arrow/compute/api.h>
#include <gtest/gtest.h>

namespace ferry {
namespace {

template <typename Builder, typename Gen>
std::shared_ptr<arrow::Array> Random(int64_t n, double null_rate, Gen gen, std::mt19937& rng) {
  Builder builder;
  std::bernoulli_distribution is_null(null_rate);
  for (int64_t i = 0; i < n; ++i) {
    if (is_null(rng)) {
      EXPECT_TRUE(builder.AppendNull().ok());
    } else {
      EXPECT_TRUE(builder.Append(gen(rng)).ok());
    }
  }
  return builder.Finish().ValueOrDie();
}

// FilterRecordBatch must agree with Arrow's Filter (NULL mask = drop) for
// every width, sliced inputs, all-set/all-clear words and masks with nulls.
TEST(SelectionTest, MatchesArrowFilter) {
  arrow::compute::Initialize().ok();
  std::mt19937 rng(7);
  for (double density : {0.0, 0.03, 0.5, 0.97, 1.0}) {
    for (double mask_nulls : {0.0, 0.2}) {
      const int64_t n = 1000 + static_cast<int64_t>(rng() % 300);
      std::bernoulli_distribution keep(density);
      auto mask = Random<arrow::BooleanBuilder>(n, mask_nulls, [&](auto& r) { return keep(r); }, rng);
      auto i8 = Random<arrow::Int8Builder>(n, 0.0, [](auto& r) { return static_cast<int8_t>(r()); }, rng);
      auto i16 = Random<arrow::Int16Builder>(n, 0.0, [](auto& r) { return static_cast<int16_t>(r()); }, rng);
      auto f32 = Random<arrow::FloatBuilder>(n, 0.0, [](auto& r) { return static_cast<float>(r()); }, rng);
      auto i64 = Random<arrow::Int64Builder>(n, 0.0, [](auto& r) { return static_cast<int64_t>(r()); }, rng);
      auto nullable = Random<arrow::DoubleBuilder>(n, 0.3, [](auto& r) { return r() * 0.5; }, rng);
      auto strings = Random<arrow::StringBuilder>(n, 0.1, [](auto& r) { return std::to_string(r() % 97); }, rng);
      auto schema = arrow::schema({arrow::field("a", arrow::int8()), arrow::field("b", arrow::int16()),
                                   arrow::field("c", arrow::float32()), arrow::field("d", arrow::int64()),
                                   arrow::field("e", arrow::float64()), arrow::field("f", arrow::utf8())});
      auto batch = arrow::RecordBatch::Make(schema, n, {i8, i16, f32, i64, nullable, strings});
      for (int64_t offset : {int64_t{0}, int64_t{3}, int64_t{64}}) {
        auto sliced = batch->Slice(offset);
        auto sliced_mask = std::static_pointer_cast<arrow::BooleanArray>(mask->Slice(offset));
        auto ours = FilterRecordBatch(*sliced, *sliced_mask).ValueOrDie();
        auto theirs = arrow::compute::Filter(sliced, sliced_mask).ValueOrDie().record_batch();
        ASSERT_TRUE(ours->Equals(*theirs)) << "density " << density << " offset " << offset;
        ASSERT_TRUE(ours->ValidateFull().ok());
      }
    }
  }
}

}  // namespace
}  // namespace ferry

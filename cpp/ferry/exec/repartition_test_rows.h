#pragma once

// The exchange tests' fixture and the rows they feed through: an int64
// key with NULLs, a string with NULLs and a row number (so a lost or
// duplicated row is visible).

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <arrow/api.h>
#include <gtest/gtest.h>

#include "ferry/exec/execution_plan.h"
#include "ferry/function/bind.h"

namespace ferry::repartition_test {

// Operators built directly, without the planner that loads Arrow's
// compute functions.
class RepartitionExecTest : public ::testing::Test {
 protected:
  void SetUp() override { EnsureArrowCompute(); }
};

inline std::shared_ptr<arrow::Schema> RowSchema() {
  return arrow::schema({arrow::field("k", arrow::int64()), arrow::field("s", arrow::utf8()),
                        arrow::field("id", arrow::int64())});
}

// `rows` rows: k from [0, key_domain) or NULL, s from a few strings or
// NULL, id = row number (so a lost or duplicated row is visible).
inline BatchPtr RandomRows(int64_t rows, int key_domain, double null_rate, uint32_t seed) {
  std::mt19937 rng(seed);
  std::bernoulli_distribution is_null(null_rate);
  arrow::Int64Builder k, id;
  arrow::StringBuilder s;
  for (int64_t i = 0; i < rows; ++i) {
    if (is_null(rng)) {
      EXPECT_TRUE(k.AppendNull().ok());
    } else {
      EXPECT_TRUE(k.Append(static_cast<int64_t>(rng() % key_domain)).ok());
    }
    if (is_null(rng)) {
      EXPECT_TRUE(s.AppendNull().ok());
    } else {
      std::string value = "s";
      value += std::to_string(rng() % 3);
      EXPECT_TRUE(s.Append(value).ok());
    }
    EXPECT_TRUE(id.Append(i).ok());
  }
  return arrow::RecordBatch::Make(
      RowSchema(), rows, {k.Finish().ValueOrDie(), s.Finish().ValueOrDie(), id.Finish().ValueOrDie()});
}

inline BatchVector Flatten(const std::vector<BatchVector>& partitions) {
  BatchVector all;
  for (const auto& partition : partitions) all.insert(all.end(), partition.begin(), partition.end());
  return all;
}

}  // namespace ferry::repartition_test

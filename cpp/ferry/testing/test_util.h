#pragma once

// Helpers shared by the core's GoogleTest suites (test code only).

#include <memory>
#include <string>
#include <vector>

#include <arrow/api.h>
#include <arrow/json/from_string.h>
#include <gtest/gtest.h>

#include "ferry/exec/execution_plan.h"

namespace ferry::testing {

/// An array from Arrow's JSON notation, e.g. ArrayFromJson(int64(), "[1, null]").
inline std::shared_ptr<arrow::Array> ArrayFromJson(const std::shared_ptr<arrow::DataType>& type,
                                                   const std::string& json) {
  auto result = arrow::json::ArrayFromJSONString(type, json);
  EXPECT_TRUE(result.ok()) << result.status().ToString();
  return result.ValueOrDie();
}

/// A record batch from JSON rows, e.g. BatchFromJson(schema, R"([{"a": 1}])").
inline std::shared_ptr<arrow::RecordBatch> BatchFromJson(const std::shared_ptr<arrow::Schema>& schema,
                                                         const std::string& json) {
  auto array = ArrayFromJson(arrow::struct_(schema->fields()), json);
  auto batch = arrow::RecordBatch::FromStructArray(array).ValueOrDie();
  return arrow::RecordBatch::Make(schema, batch->num_rows(), batch->columns());
}

/// All batches concatenated into one table, chunks combined.
inline std::shared_ptr<arrow::Table> ToTable(const std::shared_ptr<arrow::Schema>& schema,
                                             const BatchVector& batches) {
  auto table = arrow::Table::FromRecordBatches(schema, batches).ValueOrDie();
  return table->CombineChunks().ValueOrDie();
}

/// Asserts `actual` equals the JSON-described array.
inline void ExpectArrayEquals(const std::shared_ptr<arrow::DataType>& type, const std::string& json,
                              const std::shared_ptr<arrow::ChunkedArray>& actual) {
  auto expected = ArrayFromJson(type, json);
  auto combined = arrow::Concatenate(actual->chunks()).ValueOrDie();
  EXPECT_TRUE(combined->Equals(*expected))
      << "expected " << expected->ToString() << "\n got " << combined->ToString();
}

}  // namespace ferry::testing

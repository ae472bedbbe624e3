#pragma once

// Helpers shared by the core's GoogleTest suites (test code only).

#include <memory>
#include <string>
#include <vector>

#include <arrow/api.h>
#include <arrow/compute/api_vector.h>
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

/// `table` with its rows sorted by every column in turn, nulls last, for
/// comparing results whose row order is not defined.
inline std::shared_ptr<arrow::Table> SortedTable(const std::shared_ptr<arrow::Table>& table) {
  std::vector<arrow::compute::SortKey> keys;
  for (const auto& field : table->schema()->fields()) {
    keys.emplace_back(field->name(), arrow::compute::SortOrder::Ascending,
                      arrow::compute::NullPlacement::AtEnd);
  }
  arrow::compute::SortOptions options(keys);
  auto indices = arrow::compute::SortIndices(arrow::Datum(table), options).ValueOrDie();
  auto sorted = arrow::compute::Take(arrow::Datum(table), arrow::Datum(indices)).ValueOrDie();
  return sorted.table()->CombineChunks().ValueOrDie();
}

}  // namespace ferry::testing

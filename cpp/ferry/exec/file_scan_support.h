#pragma once

// What the Parquet and CSV tables share: projecting a file's schema and
// reading an Arrow RecordBatchReader as a ferry stream.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <arrow/record_batch.h>
#include <arrow/type.h>

#include "ferry/exec/cancellation.h"
#include "ferry/exec/execution_plan.h"

namespace ferry::file_scan {

inline std::shared_ptr<arrow::Schema> Project(const arrow::Schema& schema,
                                              const std::optional<std::vector<int>>& projection) {
  if (!projection) return std::make_shared<arrow::Schema>(schema);
  arrow::FieldVector fields;
  for (int i : *projection) fields.push_back(schema.field(i));
  return arrow::schema(std::move(fields));
}

inline Status CheckProjection(const arrow::Schema& schema,
                              const std::optional<std::vector<int>>& projection,
                              const std::string& path) {
  if (!projection) return Status::OK();
  for (int i : *projection) {
    if (i < 0 || i >= schema.num_fields()) {
      return Status::IndexError("projection index ", i, " out of range for ", path, " with ",
                                schema.num_fields(), " columns");
    }
  }
  return Status::OK();
}

inline std::string ProjectionNames(const arrow::Schema& schema) {
  std::string out;
  for (const auto& field : schema.fields()) out += (out.empty() ? "" : ", ") + field->name();
  return out;
}

// Reads a RecordBatchReader as a stream, keeping its owner alive.
template <typename Owner>
class ReaderStream final : public RecordBatchStream {
 public:
  ReaderStream(std::shared_ptr<Owner> owner, std::shared_ptr<arrow::RecordBatchReader> reader,
               std::string path)
      : owner_(std::move(owner)), reader_(std::move(reader)), path_(std::move(path)) {}

  Result<BatchPtr> Next() override {
    FERRY_RETURN_NOT_OK(CheckStopRequested());
    auto batch = reader_->Next();
    if (!batch.ok()) {
      return batch.status().WithMessage("reading ", path_, ": ", batch.status().message());
    }
    return *batch;
  }

 private:
  std::shared_ptr<Owner> owner_;
  std::shared_ptr<arrow::RecordBatchReader> reader_;
  std::string path_;
};

}  // namespace ferry::file_scan

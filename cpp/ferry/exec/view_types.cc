#include "ferry/exec/view_types.h"

#include <arrow/compute/api.h>

namespace ferry {
namespace {

class CastingReader final : public arrow::RecordBatchReader {
 public:
  explicit CastingReader(std::shared_ptr<arrow::RecordBatchReader> reader)
      : reader_(std::move(reader)), schema_(WithoutViews(reader_->schema())) {}

  std::shared_ptr<arrow::Schema> schema() const override { return schema_; }

  arrow::Status ReadNext(std::shared_ptr<arrow::RecordBatch>* batch) override {
    ARROW_RETURN_NOT_OK(reader_->ReadNext(batch));
    if (*batch) {
      ARROW_ASSIGN_OR_RAISE(*batch, CastViews(std::move(*batch)));
    }
    return arrow::Status::OK();
  }

  arrow::Status Close() override { return reader_->Close(); }

 private:
  std::shared_ptr<arrow::RecordBatchReader> reader_;
  std::shared_ptr<arrow::Schema> schema_;
};

}  // namespace

std::shared_ptr<arrow::DataType> WithoutViews(const std::shared_ptr<arrow::DataType>& type) {
  switch (type->id()) {
    case arrow::Type::STRING_VIEW:
      return arrow::utf8();
    case arrow::Type::BINARY_VIEW:
      return arrow::binary();
    case arrow::Type::LIST:
    case arrow::Type::LARGE_LIST:
    case arrow::Type::STRUCT: {
      arrow::FieldVector children;
      bool changed = false;
      for (const auto& child : type->fields()) {
        auto child_type = WithoutViews(child->type());
        changed = changed || child_type != child->type();
        children.push_back(child->WithType(std::move(child_type)));
      }
      if (!changed) return type;
      if (type->id() == arrow::Type::STRUCT) return arrow::struct_(std::move(children));
      if (type->id() == arrow::Type::LIST) return arrow::list(children[0]);
      return arrow::large_list(children[0]);
    }
    default:
      return type;
  }
}

std::shared_ptr<arrow::Schema> WithoutViews(const std::shared_ptr<arrow::Schema>& schema) {
  arrow::FieldVector fields;
  bool changed = false;
  for (const auto& field : schema->fields()) {
    auto type = WithoutViews(field->type());
    changed = changed || type != field->type();
    fields.push_back(field->WithType(std::move(type)));
  }
  if (!changed) return schema;
  return arrow::schema(std::move(fields), schema->metadata());
}

Result<std::shared_ptr<arrow::RecordBatch>> CastViews(std::shared_ptr<arrow::RecordBatch> batch) {
  auto schema = WithoutViews(batch->schema());
  if (schema == batch->schema()) return batch;
  arrow::ArrayVector columns;
  for (int i = 0; i < batch->num_columns(); ++i) {
    const auto& column = batch->column(i);
    const auto& type = schema->field(i)->type();
    if (type == column->type()) {
      columns.push_back(column);
      continue;
    }
    auto cast = arrow::compute::Cast(*column, type);
    if (!cast.ok()) {
      return cast.status().WithMessage("converting column '", schema->field(i)->name(),
                                       "' from ", column->type()->ToString(), ": ",
                                       cast.status().message());
    }
    columns.push_back(std::move(*cast));
  }
  return arrow::RecordBatch::Make(std::move(schema), batch->num_rows(), std::move(columns));
}

std::shared_ptr<arrow::RecordBatchReader> CastViews(
    std::shared_ptr<arrow::RecordBatchReader> reader) {
  if (WithoutViews(reader->schema()) == reader->schema()) return reader;
  return std::make_shared<CastingReader>(std::move(reader));
}

}  // namespace ferry

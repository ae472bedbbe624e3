#include "ferry/exec/operator_info.h"
#include "ferry/exec/operators.h"

namespace ferry {
namespace {

class MemoryScanExec final : public ExecutionPlan {
 public:
  MemoryScanExec(std::shared_ptr<arrow::Schema> schema, std::shared_ptr<arrow::Schema> source_schema,
                 std::vector<BatchVector> partitions, std::optional<std::vector<int>> projection)
      : schema_(std::move(schema)),
        source_schema_(std::move(source_schema)),
        partitions_(std::move(partitions)),
        projection_(std::move(projection)) {}

  const std::shared_ptr<arrow::Schema>& schema() const override { return schema_; }
  int num_partitions() const override { return static_cast<int>(partitions_.size()); }
  std::vector<ExecPtr> children() const override { return {}; }
  std::string Describe() const override {
    std::string out = "MemoryScanExec: partitions=" + std::to_string(partitions_.size());
    if (projection_) {
      out += ", projection=[";
      for (int i = 0; i < schema_->num_fields(); ++i) out += (i ? ", " : "") + schema_->field(i)->name();
      out += "]";
    }
    return out;
  }

  std::shared_ptr<const OperatorInfo> operator_info() const override {
    return MakeOperatorInfo(MemoryScanInfo{source_schema_, partitions_, projection_});
  }

  Result<StreamPtr> Execute(int partition) const override {
    if (partition < 0 || partition >= num_partitions()) {
      return Status::IndexError("partition ", partition, " out of range");
    }
    BatchVector batches;
    for (const auto& batch : partitions_[partition]) {
      if (projection_) {
        // Borrows the selected columns; nothing is copied.
        FERRY_ASSIGN_OR_RAISE(auto projected, batch->SelectColumns(*projection_));
        batches.push_back(std::move(projected));
      } else {
        batches.push_back(batch);
      }
    }
    return MakeVectorStream(std::move(batches));
  }

 private:
  std::shared_ptr<arrow::Schema> schema_;
  std::shared_ptr<arrow::Schema> source_schema_;  // before projection
  std::vector<BatchVector> partitions_;
  std::optional<std::vector<int>> projection_;
};

}  // namespace

Result<ExecPtr> MakeMemoryScanExec(std::shared_ptr<arrow::Schema> schema,
                                   std::vector<BatchVector> partitions,
                                   std::optional<std::vector<int>> projection) {
  auto projected = schema;
  if (projection) {
    arrow::FieldVector fields;
    for (int i : *projection) {
      if (i < 0 || i >= schema->num_fields()) {
        return Status::IndexError("projection index ", i, " out of range for ",
                                  schema->num_fields(), " columns");
      }
      fields.push_back(schema->field(i));
    }
    projected = arrow::schema(std::move(fields), schema->metadata());
  }
  if (partitions.empty()) partitions.emplace_back();
  return std::make_shared<MemoryScanExec>(std::move(projected), std::move(schema),
                                          std::move(partitions), std::move(projection));
}

}  // namespace ferry

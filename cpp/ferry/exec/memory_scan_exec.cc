#include "ferry/exec/operators.h"

namespace ferry {
namespace {

class MemoryScanExec final : public ExecutionPlan {
 public:
  MemoryScanExec(std::shared_ptr<arrow::Schema> schema, std::vector<BatchVector> partitions,
                 std::optional<std::vector<int>> projection)
      : schema_(std::move(schema)),
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
  std::vector<BatchVector> partitions_;
  std::optional<std::vector<int>> projection_;
};

}  // namespace

Result<ExecPtr> MakeMemoryScanExec(std::shared_ptr<arrow::Schema> schema,
                                   std::vector<BatchVector> partitions,
                                   std::optional<std::vector<int>> projection) {
  if (projection) {
    arrow::FieldVector fields;
    for (int i : *projection) fields.push_back(schema->field(i));
    schema = arrow::schema(std::move(fields), schema->metadata());
  }
  if (partitions.empty()) partitions.emplace_back();
  return std::make_shared<MemoryScanExec>(std::move(schema), std::move(partitions),
                                          std::move(projection));
}

}  // namespace ferry

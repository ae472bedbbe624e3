#include <algorithm>

#include <arrow/compute/api.h>

#include "ferry/exec/operators.h"
#include "ferry/exec/tables.h"
#include "ferry/exec/view_types.h"

namespace ferry {
namespace {

class MemoryTable final : public TableProvider {
 public:
  MemoryTable(std::shared_ptr<arrow::Schema> schema, std::vector<BatchVector> partitions)
      : schema_(std::move(schema)), partitions_(std::move(partitions)) {}

  const std::shared_ptr<arrow::Schema>& schema() const override { return schema_; }
  std::string Describe() const override {
    return "MemoryTable: " + std::to_string(partitions_.size()) + " partitions";
  }
  std::optional<TableSource> Source() const override {
    return InMemorySource{schema_, partitions_};
  }
  std::optional<double> EstimatedRows() const override {
    double rows = 0;
    for (const auto& partition : partitions_) {
      for (const auto& batch : partition) rows += static_cast<double>(batch->num_rows());
    }
    return rows;
  }
  Result<std::shared_ptr<ExecutionPlan>> Scan(const std::optional<std::vector<int>>& projection,
                                              int target_partitions) const override {
    FERRY_ASSIGN_OR_RAISE(auto scan, MakeMemoryScanExec(schema_, partitions_, projection));
    return std::const_pointer_cast<ExecutionPlan>(scan);
  }

 private:
  std::shared_ptr<arrow::Schema> schema_;
  std::vector<BatchVector> partitions_;
};

}  // namespace

Result<std::shared_ptr<const TableProvider>> MakeMemoryTable(std::shared_ptr<arrow::Schema> schema,
                                                             std::vector<BatchVector> partitions) {
  schema = WithoutViews(schema);
  for (auto& partition : partitions) {
    for (auto& batch : partition) {
      FERRY_ASSIGN_OR_RAISE(batch, CastViews(std::move(batch)));
    }
  }
  for (size_t p = 0; p < partitions.size(); ++p) {
    for (const auto& batch : partitions[p]) {
      if (!batch->schema()->Equals(*schema, /*check_metadata=*/false)) {
        return Status::Invalid("batch in partition ", p, " has schema ",
                               batch->schema()->ToString(), "; expected ", schema->ToString());
      }
    }
  }
  return std::make_shared<MemoryTable>(std::move(schema), std::move(partitions));
}

std::vector<BatchVector> SplitIntoPartitions(const BatchVector& batches, int num_partitions,
                                             int64_t max_batch_rows) {
  int64_t total = 0;
  for (const auto& batch : batches) total += batch->num_rows();
  num_partitions = std::max(1, num_partitions);
  const int64_t per_partition = std::max<int64_t>(1, (total + num_partitions - 1) / num_partitions);
  std::vector<BatchVector> partitions(1);
  int64_t in_partition = 0;
  for (const auto& batch : batches) {
    int64_t offset = 0;
    while (offset < batch->num_rows()) {
      if (in_partition == per_partition && static_cast<int>(partitions.size()) < num_partitions) {
        partitions.emplace_back();
        in_partition = 0;
      }
      int64_t room = static_cast<int>(partitions.size()) < num_partitions
                         ? per_partition - in_partition
                         : batch->num_rows();
      int64_t length = std::min({batch->num_rows() - offset, room, max_batch_rows});
      partitions.back().push_back(batch->Slice(offset, length));
      offset += length;
      in_partition += length;
    }
  }
  return partitions;
}

}  // namespace ferry

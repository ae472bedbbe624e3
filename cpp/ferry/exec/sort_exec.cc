#include <arrow/compute/api.h>
#include <arrow/table.h>

#include "ferry/exec/operator_info.h"
#include "ferry/exec/operators.h"

namespace ferry {
namespace {

namespace cp = arrow::compute;

class SortExec final : public ExecutionPlan {
 public:
  SortExec(ExecPtr input, std::vector<SortKeySpec> keys, std::optional<int64_t> fetch,
           bool per_partition)
      : input_(std::move(input)), keys_(std::move(keys)), fetch_(fetch),
        per_partition_(per_partition) {}

  const std::shared_ptr<arrow::Schema>& schema() const override { return input_->schema(); }
  int num_partitions() const override { return per_partition_ ? input_->num_partitions() : 1; }
  std::vector<ExecPtr> children() const override { return {input_}; }
  Result<ExecPtr> WithNewChildren(std::vector<ExecPtr> children) const override {
    FERRY_RETURN_NOT_OK(CheckChildCount(*this, children, static_cast<size_t>(1)));
    return MakeSortExec(std::move(children[0]), keys_, fetch_, per_partition_);
  }
  std::string Describe() const override {
    std::string out = per_partition_ ? "SortExec(per partition): " : "SortExec: ";
    for (size_t i = 0; i < keys_.size(); ++i) {
      out += (i ? ", " : "") + keys_[i].expr->ToString() + (keys_[i].ascending ? " ASC" : " DESC") +
             (keys_[i].nulls_first ? " NULLS FIRST" : " NULLS LAST");
    }
    if (fetch_) out += ", fetch=" + std::to_string(*fetch_);
    return out;
  }

  Partitioning output_partitioning() const override {
    return per_partition_ ? input_->output_partitioning() : std::nullopt;
  }
  std::shared_ptr<const OperatorInfo> operator_info() const override {
    return MakeOperatorInfo(SortInfo{keys_, fetch_, per_partition_});
  }

  Result<StreamPtr> Execute(int partition) const override {
    BatchVector batches;
    if (per_partition_) {
      FERRY_ASSIGN_OR_RAISE(auto stream, input_->Execute(partition));
      while (true) {
        FERRY_ASSIGN_OR_RAISE(auto batch, stream->Next());
        if (batch == nullptr) break;
        batches.push_back(std::move(batch));
      }
    } else {
      FERRY_ASSIGN_OR_RAISE(batches, Collect(*input_));
    }
    FERRY_ASSIGN_OR_RAISE(auto table, arrow::Table::FromRecordBatches(schema(), batches));
    FERRY_ASSIGN_OR_RAISE(auto combined, table->CombineChunksToBatch());
    if (combined->num_rows() == 0) return MakeVectorStream({});

    // Sort keys become columns of a side batch so any expression can sort.
    arrow::FieldVector key_fields;
    arrow::ArrayVector key_columns;
    std::vector<cp::SortKey> sort_keys;
    for (size_t i = 0; i < keys_.size(); ++i) {
      FERRY_ASSIGN_OR_RAISE(auto column, EvaluateToArray(*keys_[i].expr, *combined));
      std::string name = "k" + std::to_string(i);
      key_fields.push_back(arrow::field(name, column->type()));
      key_columns.push_back(std::move(column));
      sort_keys.emplace_back(name, keys_[i].ascending ? cp::SortOrder::Ascending
                                                      : cp::SortOrder::Descending,
                             keys_[i].nulls_first ? cp::NullPlacement::AtStart
                                                  : cp::NullPlacement::AtEnd);
    }
    auto key_batch = arrow::RecordBatch::Make(arrow::schema(key_fields), combined->num_rows(),
                                              std::move(key_columns));
    FERRY_ASSIGN_OR_RAISE(auto indices,
                          cp::SortIndices(arrow::Datum(key_batch), cp::SortOptions(sort_keys)));
    if (fetch_ && *fetch_ < indices->length()) indices = indices->Slice(0, *fetch_);
    FERRY_ASSIGN_OR_RAISE(auto sorted, cp::Take(combined, indices));
    return MakeVectorStream({sorted.record_batch()});
  }

 private:
  ExecPtr input_;
  std::vector<SortKeySpec> keys_;
  std::optional<int64_t> fetch_;
  bool per_partition_;
};

}  // namespace

ExecPtr MakeSortExec(ExecPtr input, std::vector<SortKeySpec> keys, std::optional<int64_t> fetch,
                     bool per_partition) {
  return std::make_shared<SortExec>(std::move(input), std::move(keys), fetch, per_partition);
}

}  // namespace ferry

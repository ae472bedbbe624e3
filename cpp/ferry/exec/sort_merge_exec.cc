// The gather of a parallel sort: k sorted partitions merged into one
// sorted stream (ties keep partition order), optionally cut at `fetch`.

#include <queue>

#include <arrow/compute/api_vector.h>

#include "ferry/exec/operator_info.h"
#include "ferry/exec/operators.h"
#include "ferry/exec/sort_key_comparator.h"

namespace ferry {
namespace {

namespace cp = arrow::compute;

constexpr int64_t kOutputRows = 65536;

class SortMergeStream final : public RecordBatchStream {
 public:
  SortMergeStream(std::shared_ptr<arrow::Schema> schema, std::vector<BatchPtr> runs,
                  std::vector<arrow::ArrayVector> keys, SortKeyComparator comparator,
                  std::optional<int64_t> fetch)
      : schema_(std::move(schema)), runs_(std::move(runs)), keys_(std::move(keys)),
        comparator_(std::move(comparator)), remaining_(fetch), heap_(Greater{this}) {
    for (size_t r = 0; r < runs_.size(); ++r) {
      offsets_.push_back(total_);
      total_ += runs_[r]->num_rows();
      if (runs_[r]->num_rows() > 0) heap_.push({static_cast<int>(r), 0});
    }
  }

  Result<BatchPtr> Next() override {
    if (heap_.empty() || (remaining_ && *remaining_ <= 0)) return nullptr;
    if (!all_) {
      // Rows are gathered from one concatenation of the runs, so each
      // output batch is one Take per column.
      FERRY_ASSIGN_OR_RAISE(all_, arrow::ConcatenateRecordBatches(runs_));
    }
    int64_t limit = kOutputRows;
    if (remaining_) limit = std::min(limit, *remaining_);
    arrow::Int64Builder indices;
    FERRY_RETURN_NOT_OK(indices.Reserve(std::min(limit, total_)));
    while (!heap_.empty() && indices.length() < limit) {
      Cursor top = heap_.top();
      heap_.pop();
      indices.UnsafeAppend(offsets_[top.run] + top.row);
      if (++top.row < runs_[top.run]->num_rows()) heap_.push(top);
    }
    if (remaining_) *remaining_ -= indices.length();
    FERRY_ASSIGN_OR_RAISE(auto index_array, indices.Finish());
    FERRY_ASSIGN_OR_RAISE(auto taken, cp::Take(all_, index_array));
    return taken.record_batch();
  }

 private:
  struct Cursor {
    int run;
    int64_t row;
  };
  struct Greater {
    const SortMergeStream* self;
    bool operator()(const Cursor& a, const Cursor& b) const {
      const int c = self->comparator_.Compare(self->keys_[a.run], a.row, self->keys_[b.run], b.row);
      return c != 0 ? c > 0 : a.run > b.run;
    }
  };

  std::shared_ptr<arrow::Schema> schema_;
  std::vector<BatchPtr> runs_;
  std::vector<arrow::ArrayVector> keys_;
  SortKeyComparator comparator_;
  std::optional<int64_t> remaining_;
  std::priority_queue<Cursor, std::vector<Cursor>, Greater> heap_;
  std::vector<int64_t> offsets_;
  int64_t total_ = 0;
  BatchPtr all_;
};

class SortMergeExec final : public ExecutionPlan {
 public:
  SortMergeExec(ExecPtr input, std::vector<SortKeySpec> keys, std::optional<int64_t> fetch)
      : input_(std::move(input)), keys_(std::move(keys)), fetch_(fetch) {}

  const std::shared_ptr<arrow::Schema>& schema() const override { return input_->schema(); }
  int num_partitions() const override { return 1; }
  std::vector<ExecPtr> children() const override { return {input_}; }
  Result<ExecPtr> WithNewChildren(std::vector<ExecPtr> children) const override {
    FERRY_RETURN_NOT_OK(CheckChildCount(*this, children, static_cast<size_t>(1)));
    return MakeSortMergeExec(std::move(children[0]), keys_, fetch_);
  }
  std::string Describe() const override {
    std::string out = "SortPreservingMergeExec: " + std::to_string(input_->num_partitions()) + " -> 1";
    if (fetch_) out += ", fetch=" + std::to_string(*fetch_);
    return out;
  }
  std::shared_ptr<const OperatorInfo> operator_info() const override {
    return MakeOperatorInfo(SortMergeInfo{keys_, fetch_});
  }

  Result<StreamPtr> Execute(int partition) const override {
    if (partition != 0) return Status::IndexError("partition ", partition, " out of range");
    // Each run is one partition's sorted output; they are produced in
    // parallel, then merged.
    FERRY_ASSIGN_OR_RAISE(auto partitions, CollectPartitions(*input_));
    std::vector<BatchPtr> runs;
    for (auto& batches : partitions) {
      if (batches.empty()) continue;
      if (batches.size() == 1) {
        runs.push_back(std::move(batches.front()));
      } else {
        FERRY_ASSIGN_OR_RAISE(auto run, arrow::ConcatenateRecordBatches(batches));
        runs.push_back(std::move(run));
      }
    }
    if (runs.empty()) return MakeVectorStream({});
    std::vector<std::shared_ptr<arrow::DataType>> types;
    std::vector<SortOrder> orders;
    for (const auto& key : keys_) {
      types.push_back(key.expr->type());
      orders.push_back({key.ascending, key.nulls_first});
    }
    FERRY_ASSIGN_OR_RAISE(auto comparator, SortKeyComparator::Make(types, std::move(orders)));
    std::vector<arrow::ArrayVector> keys;
    for (const auto& run : runs) {
      arrow::ArrayVector run_keys;
      for (const auto& key : keys_) {
        FERRY_ASSIGN_OR_RAISE(auto array, EvaluateToArray(*key.expr, *run));
        run_keys.push_back(std::move(array));
      }
      keys.push_back(std::move(run_keys));
    }
    return std::make_unique<SortMergeStream>(schema(), std::move(runs), std::move(keys),
                                             std::move(comparator), fetch_);
  }

 private:
  ExecPtr input_;
  std::vector<SortKeySpec> keys_;
  std::optional<int64_t> fetch_;
};

}  // namespace

bool CanMergeSortKeys(const std::vector<SortKeySpec>& keys) {
  std::vector<std::shared_ptr<arrow::DataType>> types;
  for (const auto& key : keys) types.push_back(key.expr->type());
  return SortKeyComparator::Make(types, std::vector<SortOrder>(keys.size())).ok();
}

ExecPtr MakeSortMergeExec(ExecPtr input, std::vector<SortKeySpec> keys, std::optional<int64_t> fetch) {
  return std::make_shared<SortMergeExec>(std::move(input), std::move(keys), fetch);
}

}  // namespace ferry

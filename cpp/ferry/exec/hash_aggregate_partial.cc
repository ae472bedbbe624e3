#include "ferry/exec/hash_aggregate_partial.h"

namespace ferry {
namespace {

class PartialAggregateStream final : public RecordBatchStream {
 public:
  PartialAggregateStream(StreamPtr input, GroupIds groups,
                         std::vector<std::unique_ptr<GroupsAccumulator>> accumulators,
                         std::vector<PhysicalExprPtr> group_by, std::vector<AggregateSpec> aggregates,
                         std::shared_ptr<arrow::Schema> schema, SkipPartialAggregation skip)
      : input_(std::move(input)), groups_(std::move(groups)),
        accumulators_(std::move(accumulators)), group_by_(std::move(group_by)),
        aggregates_(std::move(aggregates)), schema_(std::move(schema)), skip_(skip) {
    may_skip_ = !group_by_.empty() && skip_.max_new_group_rate < 1.0;
    for (const auto& agg : aggregates_) {
      may_skip_ = may_skip_ && agg.func->cheap_row_states(agg.distinct);
    }
  }

  Result<BatchPtr> Next() override {
    while (!done_) {
      FERRY_ASSIGN_OR_RAISE(auto batch, input_->Next());
      if (batch == nullptr) {
        done_ = true;
        break;
      }
      if (passing_through_) {
        if (batch->num_rows() == 0) continue;
        return RowStates(*batch);
      }
      FERRY_ASSIGN_OR_RAISE(auto keys, Keys(*batch));
      FERRY_ASSIGN_OR_RAISE(const uint32_t* ids, groups_.Consume(keys, batch->num_rows()));
      FERRY_RETURN_NOT_OK(Update(accumulators_, *batch, ids, groups_.num_groups()));
      if (may_skip_ && Probe(batch->num_rows())) {
        passing_through_ = true;
        return Grouped();  // what was grouped so far; rows as states from here
      }
    }
    if (passing_through_ || emitted_) return nullptr;
    emitted_ = true;
    return Grouped();
  }

 private:
  // Counts `rows` more rows in; whether the probe just ended deciding to skip.
  bool Probe(int64_t rows) {
    if (decided_) return false;
    rows_ += rows;
    if (half_rows_ < 0 && rows_ >= skip_.probe_rows / 2) {
      half_rows_ = rows_;
      half_groups_ = groups_.num_groups();
    }
    if (rows_ < skip_.probe_rows || rows_ == half_rows_) return false;
    decided_ = true;
    const double new_groups = static_cast<double>(groups_.num_groups()) - half_groups_;
    return new_groups > skip_.max_new_group_rate * static_cast<double>(rows_ - half_rows_);
  }

  Result<arrow::ArrayVector> Keys(const arrow::RecordBatch& batch) const {
    arrow::ArrayVector keys;
    for (const auto& key : group_by_) {
      FERRY_ASSIGN_OR_RAISE(auto array, EvaluateToArray(*key, batch));
      keys.push_back(std::move(array));
    }
    return keys;
  }

  Status Update(const std::vector<std::unique_ptr<GroupsAccumulator>>& accumulators,
                const arrow::RecordBatch& batch, const uint32_t* ids, uint32_t num_groups) const {
    for (size_t a = 0; a < aggregates_.size(); ++a) {
      arrow::ArrayVector args;
      for (const auto& arg : aggregates_[a].args) {
        FERRY_ASSIGN_OR_RAISE(auto array, EvaluateToArray(*arg, batch));
        args.push_back(std::move(array));
      }
      auto status = accumulators[a]->Update(args, ids, batch.num_rows(), num_groups);
      if (!status.ok()) {
        return status.WithMessage("in aggregate ", aggregates_[a].name, ": ", status.message());
      }
    }
    return Status::OK();
  }

  Result<BatchPtr> WithStates(arrow::ArrayVector columns, int64_t num_rows,
                              const std::vector<std::unique_ptr<GroupsAccumulator>>& accumulators) {
    for (auto& acc : accumulators) {
      FERRY_ASSIGN_OR_RAISE(auto states, acc->State());
      for (auto& state : states) columns.push_back(std::move(state));
    }
    auto out = arrow::RecordBatch::Make(schema_, num_rows, std::move(columns));
    FERRY_RETURN_NOT_OK(out->Validate());
    return out;
  }

  Result<BatchPtr> Grouped() {
    FERRY_ASSIGN_OR_RAISE(auto keys, groups_.Keys());
    FERRY_ASSIGN_OR_RAISE(auto out, WithStates(std::move(keys), groups_.num_groups(), accumulators_));
    accumulators_.clear();  // the groups' states are out: free them
    groups_ = GroupIds();
    return out;
  }

  // Each row of `batch` as its own group's state.
  Result<BatchPtr> RowStates(const arrow::RecordBatch& batch) {
    const int64_t n = batch.num_rows();
    if (static_cast<int64_t>(row_ids_.size()) < n) {
      const int64_t from = static_cast<int64_t>(row_ids_.size());
      row_ids_.resize(n);
      for (int64_t i = from; i < n; ++i) row_ids_[i] = static_cast<uint32_t>(i);
    }
    FERRY_ASSIGN_OR_RAISE(auto accumulators, MakeAccumulators(aggregates_));
    FERRY_RETURN_NOT_OK(Update(accumulators, batch, row_ids_.data(), static_cast<uint32_t>(n)));
    FERRY_ASSIGN_OR_RAISE(auto keys, Keys(batch));
    return WithStates(std::move(keys), n, accumulators);
  }

  StreamPtr input_;
  GroupIds groups_;
  std::vector<std::unique_ptr<GroupsAccumulator>> accumulators_;
  std::vector<PhysicalExprPtr> group_by_;
  std::vector<AggregateSpec> aggregates_;
  std::shared_ptr<arrow::Schema> schema_;
  SkipPartialAggregation skip_;
  std::vector<uint32_t> row_ids_;  // 0, 1, 2, ...: one group per row
  bool may_skip_ = false;
  int64_t rows_ = 0;
  int64_t half_rows_ = -1;  // rows and groups when half the probe was in
  int64_t half_groups_ = 0;
  bool decided_ = false;
  bool passing_through_ = false;
  bool done_ = false;
  bool emitted_ = false;
};

}  // namespace

Result<std::vector<std::unique_ptr<GroupsAccumulator>>> MakeAccumulators(
    const std::vector<AggregateSpec>& aggregates) {
  std::vector<std::unique_ptr<GroupsAccumulator>> accumulators;
  for (const auto& agg : aggregates) {
    FERRY_ASSIGN_OR_RAISE(auto acc, agg.func->MakeAccumulator(agg.arg_types, agg.distinct));
    accumulators.push_back(std::move(acc));
  }
  return accumulators;
}

StreamPtr MakePartialAggregateStream(StreamPtr input, GroupIds groups,
                                     std::vector<std::unique_ptr<GroupsAccumulator>> accumulators,
                                     std::vector<PhysicalExprPtr> group_by,
                                     std::vector<AggregateSpec> aggregates,
                                     std::shared_ptr<arrow::Schema> schema,
                                     SkipPartialAggregation skip) {
  return std::make_unique<PartialAggregateStream>(std::move(input), std::move(groups),
                                                  std::move(accumulators), std::move(group_by),
                                                  std::move(aggregates), std::move(schema), skip);
}

}  // namespace ferry

#include <arrow/array/util.h>
#include <arrow/compute/exec.h>

#include "ferry/exec/hash_aggregate_group_ids.h"
#include "ferry/exec/hash_aggregate_partial.h"
#include "ferry/exec/operator_info.h"
#include "ferry/exec/operators.h"

namespace ferry {
namespace {

namespace cp = arrow::compute;

Result<arrow::ArrayVector> EmptyArrays(const arrow::FieldVector& fields) {
  arrow::ArrayVector out;
  for (const auto& field : fields) {
    FERRY_ASSIGN_OR_RAISE(auto empty, arrow::MakeEmptyArray(field->type()));
    out.push_back(std::move(empty));
  }
  return out;
}

std::string DescribeAggregates(const char* mode, const std::vector<AggregateSpec>& aggregates,
                               const arrow::Schema& schema, size_t num_keys) {
  std::string out = std::string("AggregateExec: mode=") + mode + ", gby=[";
  for (size_t i = 0; i < num_keys; ++i) out += (i ? ", " : "") + schema.field(i)->name();
  out += "], aggr=[";
  for (size_t i = 0; i < aggregates.size(); ++i) out += (i ? ", " : "") + aggregates[i].name;
  return out + "]";
}

// The partial phase of a grouping without aggregate functions (DISTINCT,
// the inner level of count(DISTINCT)). When the first rows show that
// grouping barely reduces them (nearly every key distinct), hashing them
// twice only costs: from then on keys pass straight to the final phase,
// which removes the duplicates (DataFusion skips partial aggregation the
// same way).
class PartialDistinctStream final : public RecordBatchStream {
 public:
  static constexpr int64_t kProbeRows = 100'000;
  static constexpr double kSkipRatio = 0.8;

  PartialDistinctStream(StreamPtr input, GroupIds groups, std::vector<PhysicalExprPtr> keys,
                        std::shared_ptr<arrow::Schema> schema)
      : input_(std::move(input)), groups_(std::move(groups)), keys_(std::move(keys)),
        schema_(std::move(schema)) {}

  Result<BatchPtr> Next() override {
    while (!done_) {
      FERRY_ASSIGN_OR_RAISE(auto batch, input_->Next());
      if (batch == nullptr) {
        done_ = true;
        break;
      }
      if (batch->num_rows() == 0) continue;
      arrow::ArrayVector keys;
      for (const auto& key : keys_) {
        FERRY_ASSIGN_OR_RAISE(auto array, EvaluateToArray(*key, *batch));
        keys.push_back(std::move(array));
      }
      if (passing_through_) return arrow::RecordBatch::Make(schema_, batch->num_rows(), keys);
      FERRY_RETURN_NOT_OK(groups_.Consume(keys, batch->num_rows()).status());
      rows_ += batch->num_rows();
      if (rows_ >= kProbeRows && groups_.num_groups() > kSkipRatio * rows_) {
        passing_through_ = true;
        return Uniques();  // what was grouped so far, then raw keys
      }
    }
    if (passing_through_ || emitted_) return nullptr;
    emitted_ = true;
    return Uniques();
  }

 private:
  Result<BatchPtr> Uniques() {
    FERRY_ASSIGN_OR_RAISE(auto columns, groups_.Keys());
    return arrow::RecordBatch::Make(schema_, groups_.num_groups(), std::move(columns));
  }

  StreamPtr input_;
  GroupIds groups_;
  std::vector<PhysicalExprPtr> keys_;
  std::shared_ptr<arrow::Schema> schema_;
  int64_t rows_ = 0;
  bool passing_through_ = false;
  bool done_ = false;
  bool emitted_ = false;
};

class PartialAggregateExec final : public ExecutionPlan {
 public:
  PartialAggregateExec(ExecPtr input, std::vector<PhysicalExprPtr> group_by,
                       std::vector<AggregateSpec> aggregates, std::shared_ptr<arrow::Schema> schema,
                       SkipPartialAggregation skip)
      : input_(std::move(input)),
        group_by_(std::move(group_by)),
        aggregates_(std::move(aggregates)),
        schema_(std::move(schema)),
        skip_(skip) {}

  const std::shared_ptr<arrow::Schema>& schema() const override { return schema_; }
  int num_partitions() const override { return input_->num_partitions(); }
  std::vector<ExecPtr> children() const override { return {input_}; }
  Result<ExecPtr> WithNewChildren(std::vector<ExecPtr> children) const override {
    FERRY_RETURN_NOT_OK(CheckChildCount(*this, children, 1));
    return std::make_shared<PartialAggregateExec>(std::move(children[0]), group_by_, aggregates_,
                                                  schema_, skip_);
  }
  std::string Describe() const override {
    return DescribeAggregates("Partial", aggregates_, *schema_, group_by_.size());
  }

  // Group key i is output column i: a partitioning on input columns the
  // keys read as they are carries over.
  Partitioning output_partitioning() const override { return PartitioningThrough(*input_, group_by_); }
  std::shared_ptr<const OperatorInfo> operator_info() const override {
    std::vector<std::string> names;
    for (size_t i = 0; i < group_by_.size(); ++i) names.push_back(schema_->field(i)->name());
    return MakeOperatorInfo(PartialAggregateInfo{group_by_, std::move(names), aggregates_});
  }

  Result<StreamPtr> Execute(int partition) const override {
    TypeVector key_types;
    for (const auto& key : group_by_) key_types.push_back(key->type());
    FERRY_ASSIGN_OR_RAISE(auto groups, GroupIds::Make(key_types));
    if (aggregates_.empty() && !group_by_.empty()) {
      FERRY_ASSIGN_OR_RAISE(auto input, input_->Execute(partition));
      return std::make_unique<PartialDistinctStream>(std::move(input), std::move(groups), group_by_,
                                                     schema_);
    }
    FERRY_ASSIGN_OR_RAISE(auto accumulators, MakeAccumulators(aggregates_));
    if (group_by_.empty()) {
      // The single global group exists even when no row arrives.
      for (size_t a = 0; a < aggregates_.size(); ++a) {
        arrow::ArrayVector empty;
        for (const auto& type : aggregates_[a].arg_types) {
          FERRY_ASSIGN_OR_RAISE(auto array, arrow::MakeEmptyArray(type));
          empty.push_back(std::move(array));
        }
        FERRY_RETURN_NOT_OK(accumulators[a]->Update(empty, nullptr, 0, 1));
      }
    }
    FERRY_ASSIGN_OR_RAISE(auto input, input_->Execute(partition));
    return MakePartialAggregateStream(std::move(input), std::move(groups), std::move(accumulators),
                                      group_by_, aggregates_, schema_, skip_);
  }

 private:
  ExecPtr input_;
  std::vector<PhysicalExprPtr> group_by_;
  std::vector<AggregateSpec> aggregates_;
  std::shared_ptr<arrow::Schema> schema_;
  SkipPartialAggregation skip_;
};

class FinalAggregateExec final : public ExecutionPlan {
 public:
  FinalAggregateExec(ExecPtr partial, size_t num_keys, std::vector<AggregateSpec> aggregates,
                     std::shared_ptr<arrow::Schema> schema, int64_t expected_groups)
      : partial_(std::move(partial)),
        num_keys_(num_keys),
        aggregates_(std::move(aggregates)),
        schema_(std::move(schema)),
        expected_groups_(expected_groups) {}

  const std::shared_ptr<arrow::Schema>& schema() const override { return schema_; }
  int num_partitions() const override { return partial_->num_partitions(); }
  std::vector<ExecPtr> children() const override { return {partial_}; }
  Result<ExecPtr> WithNewChildren(std::vector<ExecPtr> children) const override {
    FERRY_RETURN_NOT_OK(CheckChildCount(*this, children, 1));
    return MakeFinalAggregateExec(std::move(children[0]), num_keys_, aggregates_, schema_,
                                  expected_groups_);
  }
  std::string Describe() const override {
    return DescribeAggregates(partial_->num_partitions() > 1 ? "FinalPartitioned" : "Final",
                              aggregates_, *schema_, num_keys_);
  }

  std::shared_ptr<const OperatorInfo> operator_info() const override {
    return MakeOperatorInfo(FinalAggregateInfo{num_keys_, aggregates_, schema_});
  }

  Partitioning output_partitioning() const override {
    auto partitioning = partial_->output_partitioning();
    if (!partitioning) return std::nullopt;
    for (int column : partitioning->columns) {
      if (column >= static_cast<int>(num_keys_)) return std::nullopt;
    }
    return partitioning;
  }

  Result<StreamPtr> Execute(int partition) const override {
    FERRY_ASSIGN_OR_RAISE(auto partial_stream, partial_->Execute(partition));
    TypeVector key_types;
    for (size_t k = 0; k < num_keys_; ++k) key_types.push_back(partial_->schema()->field(k)->type());
    FERRY_ASSIGN_OR_RAISE(auto groups, GroupIds::Make(key_types, expected_groups_));
    FERRY_ASSIGN_OR_RAISE(auto accumulators, MakeAccumulators(aggregates_));
    if (num_keys_ == 0) {
      for (size_t a = 0; a < aggregates_.size(); ++a) {
        FERRY_ASSIGN_OR_RAISE(auto empty, EmptyArrays(aggregates_[a].state_fields));
        FERRY_RETURN_NOT_OK(accumulators[a]->Merge(empty, nullptr, 0, 1));
      }
    }
    while (true) {
      FERRY_ASSIGN_OR_RAISE(auto batch, partial_stream->Next());
      if (batch == nullptr) break;
      if (batch->num_rows() == 0) continue;
      arrow::ArrayVector keys(batch->columns().begin(), batch->columns().begin() + num_keys_);
      FERRY_ASSIGN_OR_RAISE(const uint32_t* ids, groups.Consume(keys, batch->num_rows()));
      int column = static_cast<int>(num_keys_);
      for (size_t a = 0; a < aggregates_.size(); ++a) {
        arrow::ArrayVector states;
        for (size_t s = 0; s < aggregates_[a].state_fields.size(); ++s) {
          states.push_back(batch->column(column++));
        }
        auto status = accumulators[a]->Merge(states, ids, batch->num_rows(), groups.num_groups());
        if (!status.ok()) {
          return status.WithMessage("in aggregate ", aggregates_[a].name, ": ", status.message());
        }
      }
    }
    FERRY_ASSIGN_OR_RAISE(auto columns, groups.Keys());
    for (size_t a = 0; a < aggregates_.size(); ++a) {
      FERRY_ASSIGN_OR_RAISE(auto result, accumulators[a]->Evaluate());
      if (!result->type()->Equals(*schema_->field(columns.size())->type())) {
        return Status::TypeError("aggregate ", aggregates_[a].name, " produced ",
                                 result->type()->ToString(), ", declared ",
                                 schema_->field(columns.size())->type()->ToString());
      }
      columns.push_back(std::move(result));
    }
    auto out = arrow::RecordBatch::Make(schema_, groups.num_groups(), std::move(columns));
    FERRY_RETURN_NOT_OK(out->Validate());
    return MakeVectorStream({out});
  }

 private:
  ExecPtr partial_;
  size_t num_keys_;
  std::vector<AggregateSpec> aggregates_;
  std::shared_ptr<arrow::Schema> schema_;
  int64_t expected_groups_;
};

}  // namespace

Result<ExecPtr> MakePartialAggregateExec(ExecPtr input, std::vector<PhysicalExprPtr> group_by,
                                         std::vector<std::string> group_names,
                                         std::vector<AggregateSpec> aggregates) {
  return MakePartialAggregateExec(std::move(input), std::move(group_by), std::move(group_names),
                                  std::move(aggregates), SkipPartialAggregation());
}

Result<ExecPtr> MakePartialAggregateExec(ExecPtr input, std::vector<PhysicalExprPtr> group_by,
                                         std::vector<std::string> group_names,
                                         std::vector<AggregateSpec> aggregates,
                                         SkipPartialAggregation skip) {
  arrow::FieldVector fields;
  for (size_t i = 0; i < group_by.size(); ++i) {
    fields.push_back(arrow::field(group_names[i], group_by[i]->type()));
  }
  for (size_t a = 0; a < aggregates.size(); ++a) {
    for (const auto& state : aggregates[a].state_fields) {
      // Positional names keep states of same-named aggregates apart.
      fields.push_back(state->WithName(aggregates[a].name + "[" + std::to_string(a) + "]." +
                                       state->name()));
    }
  }
  auto schema = arrow::schema(std::move(fields));
  return std::make_shared<PartialAggregateExec>(std::move(input), std::move(group_by),
                                                std::move(aggregates), std::move(schema), skip);
}

Result<ExecPtr> MakeFinalAggregateExec(ExecPtr partial, size_t num_group_keys,
                                       std::vector<AggregateSpec> aggregates,
                                       std::shared_ptr<arrow::Schema> schema,
                                       int64_t expected_groups) {
  if (num_group_keys == 0 && partial->num_partitions() != 1) {
    return Status::Invalid("a final aggregate without group keys needs its input in one partition");
  }
  return std::make_shared<FinalAggregateExec>(std::move(partial), num_group_keys,
                                              std::move(aggregates), std::move(schema),
                                              std::max<int64_t>(expected_groups, 0));
}

}  // namespace ferry

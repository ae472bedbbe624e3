#include "ferry/exec/operator_info.h"
#include "ferry/exec/operators.h"

namespace ferry {
namespace {

// Walks the input's partitions in order, opening each only when needed.
class LimitStream final : public RecordBatchStream {
 public:
  LimitStream(ExecPtr input, int64_t skip, std::optional<int64_t> fetch)
      : input_(std::move(input)), to_skip_(skip), remaining_(fetch) {}

  Result<BatchPtr> Next() override {
    while (!remaining_ || *remaining_ > 0) {
      if (!current_) {
        if (next_partition_ >= input_->num_partitions()) return nullptr;
        FERRY_ASSIGN_OR_RAISE(current_, input_->Execute(next_partition_++));
      }
      FERRY_ASSIGN_OR_RAISE(auto batch, current_->Next());
      if (batch == nullptr) {
        current_.reset();
        continue;
      }
      if (to_skip_ >= batch->num_rows()) {
        to_skip_ -= batch->num_rows();
        continue;
      }
      int64_t length = batch->num_rows() - to_skip_;
      if (remaining_) length = std::min(length, *remaining_);
      auto out = batch->Slice(to_skip_, length);
      to_skip_ = 0;
      if (remaining_) *remaining_ -= length;
      return out;
    }
    return nullptr;
  }

 private:
  ExecPtr input_;
  int64_t to_skip_;
  std::optional<int64_t> remaining_;
  int next_partition_ = 0;
  StreamPtr current_;
};

class LimitExec final : public ExecutionPlan {
 public:
  LimitExec(ExecPtr input, int64_t skip, std::optional<int64_t> fetch)
      : input_(std::move(input)), skip_(skip), fetch_(fetch) {}

  const std::shared_ptr<arrow::Schema>& schema() const override { return input_->schema(); }
  int num_partitions() const override { return 1; }
  std::vector<ExecPtr> children() const override { return {input_}; }
  Result<ExecPtr> WithNewChildren(std::vector<ExecPtr> children) const override {
    FERRY_RETURN_NOT_OK(CheckChildCount(*this, children, static_cast<size_t>(1)));
    return MakeLimitExec(std::move(children[0]), skip_, fetch_);
  }
  std::string Describe() const override {
    return "GlobalLimitExec: skip=" + std::to_string(skip_) +
           ", fetch=" + (fetch_ ? std::to_string(*fetch_) : std::string("None"));
  }
  std::shared_ptr<const OperatorInfo> operator_info() const override {
    return MakeOperatorInfo(LimitInfo{skip_, fetch_});
  }
  Result<StreamPtr> Execute(int partition) const override {
    return std::make_unique<LimitStream>(input_, skip_, fetch_);
  }

 private:
  ExecPtr input_;
  int64_t skip_;
  std::optional<int64_t> fetch_;
};

}  // namespace

ExecPtr MakeLimitExec(ExecPtr input, int64_t skip, std::optional<int64_t> fetch) {
  return std::make_shared<LimitExec>(std::move(input), skip, fetch);
}

}  // namespace ferry

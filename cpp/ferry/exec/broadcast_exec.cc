// The broadcast exchange: one input, gathered once, read whole by every
// output partition (the small side of a broadcast join).

#include "ferry/exec/exchange_info.h"
#include "ferry/exec/execution_claims.h"
#include "ferry/exec/operators.h"

namespace ferry {
namespace {

// The gathered input of one execution; the first partition to ask
// gathers it (all input partitions in parallel), the others wait for it.
struct Gathered {
  std::mutex mutex;
  bool done = false;
  Result<BatchVector> batches = BatchVector{};
};

class BroadcastExec final : public ExecutionPlan {
 public:
  BroadcastExec(ExecPtr input, int num_outputs)
      : input_(std::move(input)),
        num_outputs_(num_outputs),
        claims_(num_outputs),
        info_{ExchangeKind::kBroadcast, input_, {}, num_outputs} {}
  const ExchangeInfo* exchange_info() const override { return &info_; }

  const std::shared_ptr<arrow::Schema>& schema() const override { return input_->schema(); }
  int num_partitions() const override { return num_outputs_; }
  std::vector<ExecPtr> children() const override { return {input_}; }
  Result<ExecPtr> WithNewChildren(std::vector<ExecPtr> children) const override {
    FERRY_RETURN_NOT_OK(CheckChildCount(*this, children, static_cast<size_t>(1)));
    return MakeBroadcastExec(std::move(children[0]), num_outputs_);
  }
  std::string Describe() const override {
    return "BroadcastExec: " + std::to_string(input_->num_partitions()) + " -> " +
           std::to_string(num_outputs_) + " copies";
  }

  Result<StreamPtr> Execute(int partition) const override {
    if (partition < 0 || partition >= num_outputs_) {
      return Status::IndexError("partition ", partition, " out of range");
    }
    auto gathered = claims_.Claim(partition, [] { return std::make_shared<Gathered>(); });
    std::lock_guard lock(gathered->mutex);
    if (!gathered->done) {
      gathered->batches = Collect(*input_);
      gathered->done = true;
    }
    FERRY_RETURN_NOT_OK(gathered->batches.status());
    return MakeVectorStream(*gathered->batches);
  }

 private:
  ExecPtr input_;
  int num_outputs_;
  mutable ExecutionClaims<Gathered> claims_;
  ExchangeInfo info_;
};

}  // namespace

ExecPtr MakeBroadcastExec(ExecPtr input, int num_outputs) {
  return std::make_shared<BroadcastExec>(std::move(input), num_outputs);
}

}  // namespace ferry

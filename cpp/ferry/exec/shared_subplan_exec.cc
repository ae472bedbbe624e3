// A subplan the plan reads more than once (shared_subplans.h found it
// twice), computed once: the first reader of a partition drains the input
// partition into memory, every later reader of it replays those batches,
// and the last one lets them go.

#include "ferry/exec/cancellation.h"
#include "ferry/exec/execution_claims.h"
#include "ferry/exec/operator_info.h"
#include "ferry/exec/operators.h"

namespace ferry {

namespace {

// One input partition of one execution.
struct SharedPartition {
  std::mutex mutex;
  bool computed = false;
  int readers_left = 0;
  Result<BatchVector> batches = BatchVector{};
};

struct SharedExecution {
  explicit SharedExecution(int num_partitions, int num_readers) : partitions(num_partitions) {
    for (auto& partition : partitions) partition.readers_left = num_readers;
  }
  std::vector<SharedPartition> partitions;
};

}  // namespace

class SharedSubplan {
 public:
  explicit SharedSubplan(ExecPtr input) : input_(std::move(input)) {}

  const ExecPtr& input() const { return input_; }
  int num_readers() const { return num_readers_; }
  // Called while planning, before any reader executes.
  int AddReader() { return num_readers_++; }

  Result<StreamPtr> Execute(int reader, int partition) {
    const int n = input_->num_partitions();
    if (partition < 0 || partition >= n) return Status::IndexError("partition ", partition, " out of range");
    auto& claims = Claims();
    if (reader < 0 || reader >= claims_readers_) {
      return Status::Invalid("shared subplan reader ", reader, " was added after execution began");
    }
    auto execution = claims.Claim(reader * n + partition, [&] {
      return std::make_shared<SharedExecution>(n, claims_readers_);
    });
    auto& slot = execution->partitions[partition];
    std::lock_guard lock(slot.mutex);
    if (!slot.computed) {
      slot.batches = Drain(partition);
      slot.computed = true;
    }
    FERRY_RETURN_NOT_OK(slot.batches.status());
    // The last reader takes the batches; the others copy the pointers.
    if (--slot.readers_left == 0) return MakeVectorStream(std::move(*slot.batches));
    return MakeVectorStream(*slot.batches);
  }

 private:
  Result<BatchVector> Drain(int partition) const {
    FERRY_ASSIGN_OR_RAISE(auto stream, input_->Execute(partition));
    BatchVector batches;
    while (true) {
      FERRY_RETURN_NOT_OK(CheckStopRequested());
      FERRY_ASSIGN_OR_RAISE(auto batch, stream->Next());
      if (batch == nullptr) return batches;
      batches.push_back(std::move(batch));
    }
  }

  // Made on first use: every reader exists by then.
  ExecutionClaims<SharedExecution>& Claims() {
    std::call_once(claims_once_, [&] {
      claims_readers_ = num_readers_;
      claims_ = std::make_unique<ExecutionClaims<SharedExecution>>(num_readers_ * input_->num_partitions());
    });
    return *claims_;
  }

  ExecPtr input_;
  int num_readers_ = 0;
  int claims_readers_ = 0;
  std::once_flag claims_once_;
  std::unique_ptr<ExecutionClaims<SharedExecution>> claims_;
};

namespace {

class SharedSubplanExec final : public ExecutionPlan {
 public:
  SharedSubplanExec(std::shared_ptr<SharedSubplan> shared, int reader)
      : shared_(std::move(shared)), reader_(reader) {}

  const std::shared_ptr<arrow::Schema>& schema() const override { return shared_->input()->schema(); }
  int num_partitions() const override { return shared_->input()->num_partitions(); }
  std::vector<ExecPtr> children() const override { return {shared_->input()}; }
  Partitioning output_partitioning() const override { return shared_->input()->output_partitioning(); }
  // A new input is a new subplan: this reader alone computes it.
  Result<ExecPtr> WithNewChildren(std::vector<ExecPtr> children) const override {
    FERRY_RETURN_NOT_OK(CheckChildCount(*this, children, static_cast<size_t>(1)));
    return MakeSharedSubplanExec(MakeSharedSubplan(std::move(children[0])));
  }
  std::shared_ptr<const OperatorInfo> operator_info() const override {
    return MakeOperatorInfo(SharedSubplanInfo{shared_});
  }
  std::string Describe() const override {
    return "SharedSubplanExec: reader " + std::to_string(reader_ + 1) + " of " +
           std::to_string(shared_->num_readers()) + " (computed once)";
  }
  Result<StreamPtr> Execute(int partition) const override { return shared_->Execute(reader_, partition); }

 private:
  std::shared_ptr<SharedSubplan> shared_;
  int reader_;
};

}  // namespace

std::shared_ptr<SharedSubplan> MakeSharedSubplan(ExecPtr input) {
  return std::make_shared<SharedSubplan>(std::move(input));
}

ExecPtr MakeSharedSubplanExec(const std::shared_ptr<SharedSubplan>& shared) {
  return std::make_shared<SharedSubplanExec>(shared, shared->AddReader());
}

const ExecPtr& SharedSubplanInput(const SharedSubplan& shared) { return shared.input(); }

}  // namespace ferry

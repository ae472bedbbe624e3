// A gather that keeps partition order: partition 0's batches, then 1's...
// Order-sensitive aggregates (first_value, last_value, array_agg without
// ORDER BY) merge partial states in input order through it.

#include "ferry/exec/exchange_info.h"
#include "ferry/exec/operators.h"

namespace ferry {
namespace {

class OrderedCoalesceExec final : public ExecutionPlan {
 public:
  explicit OrderedCoalesceExec(ExecPtr input)
      : input_(std::move(input)), info_{ExchangeKind::kOrderedGather, input_, {}, 1} {}
  const ExchangeInfo* exchange_info() const override { return &info_; }

  const std::shared_ptr<arrow::Schema>& schema() const override { return input_->schema(); }
  int num_partitions() const override { return 1; }
  std::vector<ExecPtr> children() const override { return {input_}; }
  Result<ExecPtr> WithNewChildren(std::vector<ExecPtr> children) const override {
    FERRY_RETURN_NOT_OK(CheckChildCount(*this, children, static_cast<size_t>(1)));
    return std::make_shared<OrderedCoalesceExec>(std::move(children[0]));
  }
  std::string Describe() const override {
    return "CoalescePartitionsExec: " + std::to_string(input_->num_partitions()) +
           " -> 1, in partition order";
  }

  Result<StreamPtr> Execute(int partition) const override {
    if (partition != 0) return Status::IndexError("partition ", partition, " out of range");
    // Every input partition runs at once; only the hand-over is ordered.
    FERRY_ASSIGN_OR_RAISE(auto batches, Collect(*input_));
    return MakeVectorStream(std::move(batches));
  }

 private:
  ExecPtr input_;
  ExchangeInfo info_;
};

}  // namespace

ExecPtr MakeOrderedCoalesceExec(ExecPtr input) {
  if (input->num_partitions() == 1) return input;
  return std::make_shared<OrderedCoalesceExec>(std::move(input));
}

}  // namespace ferry

// Exchanges inside one process: hash and round-robin repartitioning and
// gathering, each a set of producer threads feeding bounded queues.

#include "ferry/exec/exchange_channels.h"
#include "ferry/exec/exchange_info.h"
#include "ferry/exec/execution_claims.h"
#include "ferry/exec/hash_split.h"
#include "ferry/exec/operators.h"

namespace ferry {
namespace {

// Reads one consumer's queue; closing the stream releases the queue.
class ExchangeStream final : public RecordBatchStream {
 public:
  ExchangeStream(std::shared_ptr<ExchangeChannels> channels, int output)
      : channels_(std::move(channels)), output_(output) {}
  ~ExchangeStream() override { channels_->Close(output_); }
  Result<BatchPtr> Next() override { return channels_->Pop(output_); }

 private:
  std::shared_ptr<ExchangeChannels> channels_;
  int output_;
};

// Pushes each non-empty part of `batch` split by hash to its partition.
Status PushHashed(const BatchPtr& batch, const std::vector<PhysicalExprPtr>& keys, int n,
                  ExchangeChannels& channels, bool* stop) {
  FERRY_ASSIGN_OR_RAISE(auto parts, SplitByHash(batch, keys, n));
  for (int p = 0; p < n; ++p) {
    if (parts[p] != nullptr && !channels.Push(p, std::move(parts[p]))) {
      *stop = true;
      return Status::OK();
    }
  }
  return Status::OK();
}

class RepartitionExec final : public ExecutionPlan {
 public:
  RepartitionExec(ExecPtr input, std::vector<PhysicalExprPtr> keys, int num_outputs)
      : input_(std::move(input)),
        keys_(std::move(keys)),
        num_outputs_(num_outputs),
        claims_(num_outputs) {
    info_.kind = !keys_.empty()      ? ExchangeKind::kHash
                 : num_outputs_ == 1 ? ExchangeKind::kGather
                                     : ExchangeKind::kRoundRobin;
    info_.input = input_;
    info_.keys = keys_;
    info_.num_outputs = num_outputs_;
  }
  const ExchangeInfo* exchange_info() const override { return &info_; }

  const std::shared_ptr<arrow::Schema>& schema() const override { return input_->schema(); }
  int num_partitions() const override { return num_outputs_; }
  std::vector<ExecPtr> children() const override { return {input_}; }
  Result<ExecPtr> WithNewChildren(std::vector<ExecPtr> children) const override {
    FERRY_RETURN_NOT_OK(CheckChildCount(*this, children, static_cast<size_t>(1)));
    return std::make_shared<RepartitionExec>(std::move(children[0]), keys_, num_outputs_);
  }
  std::string Describe() const override {
    if (num_outputs_ == 1 && keys_.empty()) {
      return "CoalescePartitionsExec: " + std::to_string(input_->num_partitions()) + " -> 1";
    }
    std::string out = "RepartitionExec: partitioning=";
    if (keys_.empty()) {
      out += "RoundRobinBatch(" + std::to_string(num_outputs_) + ")";
    } else {
      out += "Hash([";
      for (size_t i = 0; i < keys_.size(); ++i) out += (i ? ", " : "") + keys_[i]->ToString();
      out += "], " + std::to_string(num_outputs_) + ")";
    }
    return out + ", input_partitions=" + std::to_string(input_->num_partitions());
  }

  Partitioning output_partitioning() const override {
    if (keys_.empty()) return std::nullopt;
    HashPartitioning out{{}, num_outputs_};
    for (const auto& key : keys_) {
      auto column = ColumnIndexOf(*key);
      if (!column) return std::nullopt;
      out.columns.push_back(*column);
    }
    return out;
  }

  Result<StreamPtr> Execute(int partition) const override {
    if (partition < 0 || partition >= num_outputs_) {
      return Status::IndexError("partition ", partition, " out of range");
    }
    auto channels = claims_.Claim(partition, [this] {
      return std::make_shared<ExchangeChannels>(
          num_outputs_, input_->num_partitions(),
          [input = input_, keys = keys_, n = num_outputs_](int producer,
                                                           ExchangeChannels& channels) {
            return Produce(*input, keys, n, producer, channels);
          });
    });
    return std::make_unique<ExchangeStream>(std::move(channels), partition);
  }

 private:
  static Status Produce(const ExecutionPlan& input, const std::vector<PhysicalExprPtr>& keys,
                        int n, int producer, ExchangeChannels& channels) {
    FERRY_ASSIGN_OR_RAISE(auto stream, input.Execute(producer));
    int64_t sent = 0;
    while (!channels.Stopped()) {
      FERRY_ASSIGN_OR_RAISE(auto batch, stream->Next());
      if (batch == nullptr) return Status::OK();
      if (batch->num_rows() == 0) continue;
      bool stop = false;
      if (keys.empty()) {
        // Round robin starts each producer at its own partition so small
        // inputs still spread.
        stop = !channels.Push(static_cast<int>((producer + sent++) % n), batch);
      } else {
        FERRY_RETURN_NOT_OK(PushHashed(batch, keys, n, channels, &stop));
      }
      if (stop) return Status::OK();
    }
    return Status::OK();
  }

  ExecPtr input_;
  std::vector<PhysicalExprPtr> keys_;
  int num_outputs_;
  mutable ExecutionClaims<ExchangeChannels> claims_;
  ExchangeInfo info_;
};

}  // namespace

ExecPtr MakeHashRepartitionExec(ExecPtr input, std::vector<PhysicalExprPtr> keys, int num_outputs) {
  return std::make_shared<RepartitionExec>(std::move(input), std::move(keys), num_outputs);
}

ExecPtr MakeRoundRobinRepartitionExec(ExecPtr input, int num_outputs) {
  return std::make_shared<RepartitionExec>(std::move(input), std::vector<PhysicalExprPtr>{},
                                           num_outputs);
}

ExecPtr MakeCoalescePartitionsExec(ExecPtr input) {
  if (input->num_partitions() == 1) return input;
  return std::make_shared<RepartitionExec>(std::move(input), std::vector<PhysicalExprPtr>{}, 1);
}

}  // namespace ferry

#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <vector>

namespace ferry {

/// Shared state of one execution of an operator whose partitions depend on
/// each other (an exchange feeds all its partitions from one set of
/// producers). Operators are immutable and executed once per query, but the
/// same plan may run again: a partition claimed twice starts a new
/// execution. Once every partition is claimed the operator lets go, so the
/// state lives exactly as long as the streams that read it.
template <typename State>
class ExecutionClaims {
 public:
  explicit ExecutionClaims(int num_partitions) : claimed_(num_partitions, false) {}

  /// The state `partition` reads, made by `make` when a new execution starts.
  std::shared_ptr<State> Claim(int partition, const std::function<std::shared_ptr<State>()>& make) {
    std::lock_guard lock(mutex_);
    if (!current_ || claimed_[partition]) {
      current_ = make();
      claimed_.assign(claimed_.size(), false);
      unclaimed_ = static_cast<int>(claimed_.size());
    }
    claimed_[partition] = true;
    std::shared_ptr<State> state = current_;
    if (--unclaimed_ == 0) current_.reset();
    return state;
  }

 private:
  std::mutex mutex_;
  std::shared_ptr<State> current_;
  std::vector<bool> claimed_;
  int unclaimed_ = 0;
};

}  // namespace ferry

#include "ferry/exec/exchange_channels.h"

#include <system_error>

#include "ferry/exec/cancellation.h"

namespace ferry {

ExchangeChannels::ExchangeChannels(int num_outputs, int num_producers, Producer produce)
    : queues_(num_outputs),
      closed_(num_outputs, false),
      open_outputs_(num_outputs),
      running_producers_(num_producers) {
  auto run = [this, produce](int producer) {
    Status status;
    try {
      status = produce(producer, *this);
    } catch (const std::exception& e) {
      status = Status::UnknownError("exchange producer failed: ", e.what());
    }
    std::lock_guard lock(mutex_);
    if (!status.ok() && error_.ok() && !cancelled_) {
      error_ = std::move(status);
      cancelled_ = true;
      room_ready_.notify_all();
    }
    --running_producers_;
    data_ready_.notify_all();
  };
  for (int i = 0; i < num_producers; ++i) {
    try {
      // Producers work for the query that built the exchange.
      threads_.emplace_back(InheritStopToken([run, i] { run(i); }));
    } catch (const std::system_error& e) {
      // Threads that did start are joined by the destructor; consumers see
      // the failure instead of a process abort.
      std::lock_guard lock(mutex_);
      running_producers_ -= num_producers - i;
      if (error_.ok()) error_ = Status::IOError("cannot start an exchange thread: ", e.what());
      cancelled_ = true;
      room_ready_.notify_all();
      data_ready_.notify_all();
      break;
    }
  }
}

ExchangeChannels::~ExchangeChannels() {
  {
    std::lock_guard lock(mutex_);
    cancelled_ = true;
    room_ready_.notify_all();
  }
  for (auto& thread : threads_) thread.join();
}

bool ExchangeChannels::AllOpenQueuesFull() const {
  for (size_t i = 0; i < queues_.size(); ++i) {
    if (!closed_[i] && queues_[i].size() < kQueueDepth) return false;
  }
  return true;
}

bool ExchangeChannels::Push(int output, BatchPtr batch) {
  std::unique_lock lock(mutex_);
  room_ready_.wait(lock, [&] { return cancelled_ || open_outputs_ == 0 || !AllOpenQueuesFull(); });
  if (cancelled_ || open_outputs_ == 0) return false;
  if (!closed_[output]) {
    queues_[output].push_back(std::move(batch));
    data_ready_.notify_all();
  }
  return true;
}

bool ExchangeChannels::Stopped() {
  std::lock_guard lock(mutex_);
  return cancelled_ || open_outputs_ == 0;
}

Result<BatchPtr> ExchangeChannels::Pop(int output) {
  std::unique_lock lock(mutex_);
  data_ready_.wait(lock, [&] {
    return !error_.ok() || !queues_[output].empty() || running_producers_ == 0;
  });
  if (!error_.ok()) return error_;
  if (queues_[output].empty()) return nullptr;
  BatchPtr batch = std::move(queues_[output].front());
  queues_[output].pop_front();
  room_ready_.notify_all();
  return batch;
}

void ExchangeChannels::Close(int output) {
  std::lock_guard lock(mutex_);
  if (closed_[output]) return;
  closed_[output] = true;
  queues_[output].clear();
  --open_outputs_;
  room_ready_.notify_all();
}

}  // namespace ferry

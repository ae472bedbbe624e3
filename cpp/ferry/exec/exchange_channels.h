#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "ferry/exec/execution_plan.h"

namespace ferry {

/// The in-process half of an exchange: batches flowing from M producer
/// threads to N consumer partitions through one queue per consumer.
///
/// Backpressure: a producer waits while every open queue already holds
/// kQueueDepth batches; as soon as any consumer has room it goes on. So a
/// consumer that is not being read yet (its partition is scheduled later)
/// can never block the partitions that are, and the exchange cannot
/// deadlock, at the price of buffering for consumers that start late.
///
/// Owned through shared_ptr by the consumer streams (and the operator until
/// every partition was claimed); the destructor cancels the producers and
/// joins them, so it must not run on a producer thread (producers hold no
/// reference).
class ExchangeChannels {
 public:
  static constexpr size_t kQueueDepth = 4;

  /// Runs `produce(i, channels)` for i in [0, num_producers) on threads of
  /// their own. A producer error fails every consumer with that error.
  using Producer = std::function<Status(int producer, ExchangeChannels& channels)>;
  ExchangeChannels(int num_outputs, int num_producers, Producer produce);
  ~ExchangeChannels();
  ExchangeChannels(const ExchangeChannels&) = delete;
  ExchangeChannels& operator=(const ExchangeChannels&) = delete;

  /// Producer side: queues `batch` for consumer `output`. Returns false
  /// when the producer should stop (cancelled, or every consumer gone).
  bool Push(int output, BatchPtr batch);
  /// Whether every consumer is gone or the exchange failed.
  bool Stopped();

  /// Consumer side: the next batch for `output`; nullptr once every
  /// producer finished and the queue is drained.
  Result<BatchPtr> Pop(int output);
  /// The consumer of `output` is gone: its queue is dropped and no longer
  /// holds producers back.
  void Close(int output);

 private:
  bool AllOpenQueuesFull() const;

  std::mutex mutex_;
  std::condition_variable data_ready_;
  std::condition_variable room_ready_;
  std::vector<std::deque<BatchPtr>> queues_;
  std::vector<bool> closed_;
  int open_outputs_;
  int running_producers_;
  bool cancelled_ = false;
  Status error_;
  std::vector<std::thread> threads_;
};

}  // namespace ferry

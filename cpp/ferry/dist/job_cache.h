#pragma once

#include <cstddef>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

#include "ferry/common/status.h"
#include "ferry/dist/stage_planner.h"

namespace ferry {

/// The decoded stages of the last few jobs a worker process ran, so every
/// task after a job's first skips decoding (and unpickling its UDFs).
/// Keyed by the SHA-256 of the job's bytes, not by the id they claim, and
/// by the worker session that decoded them: what a job decodes to depends
/// on that session (its tables sent by name, its functions, whether it is
/// strict), so a job is never handed to another session decoded.
/// Thread-safe; a job is decoded by the first task that needs it while its
/// other tasks wait for that result.
class JobCache {
 public:
  explicit JobCache(size_t capacity = 4) : capacity_(capacity) {}

  using Decoder = std::function<Result<StagePlan>()>;
  /// The stages of the job `bytes` encodes as `decode` decodes them for
  /// `session` (nullptr: a fresh default session, the same for every
  /// call): cached, or from `decode` (an error is returned, never cached).
  Result<std::shared_ptr<const StagePlan>> Get(std::string_view bytes,
                                               const std::shared_ptr<const void>& session,
                                               const Decoder& decode);

 private:
  struct Entry {
    std::string digest;
    bool has_session;
    std::weak_ptr<const void> session;  // an expired one matches nothing
    std::shared_ptr<const StagePlan> plan;
  };
  size_t capacity_;
  std::mutex mutex_;
  std::mutex decoding_;  // one decode at a time: concurrent first tasks share it
  std::list<Entry> entries_;  // newest first
};

/// The SHA-256 digest of `bytes` (32 raw bytes).
Result<std::string> Sha256(std::string_view bytes);

}  // namespace ferry

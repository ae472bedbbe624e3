#include "ferry/exec/cancellation.h"

namespace ferry {
namespace {

arrow::StopToken& ThreadToken() {
  thread_local arrow::StopToken token;
  return token;
}

}  // namespace

ScopedStopToken::ScopedStopToken(arrow::StopToken token) : previous_(std::move(ThreadToken())) {
  ThreadToken() = std::move(token);
}

ScopedStopToken::~ScopedStopToken() { ThreadToken() = std::move(previous_); }

const arrow::StopToken& CurrentStopToken() { return ThreadToken(); }

std::function<void()> InheritStopToken(std::function<void()> work) {
  return [token = CurrentStopToken(), work = std::move(work)]() {
    ScopedStopToken scoped(token);
    work();
  };
}

}  // namespace ferry

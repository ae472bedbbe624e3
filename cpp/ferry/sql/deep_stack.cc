#include "ferry/sql/deep_stack.h"

#include <pthread.h>

namespace ferry::sql {
namespace {

void* RunWork(void* work) {
  (*static_cast<const std::function<void()>*>(work))();
  return nullptr;
}

}  // namespace

Status RunOnDeepStack(size_t stack_bytes, const std::function<void()>& work, const char* what) {
  pthread_attr_t attributes;
  if (pthread_attr_init(&attributes) != 0) return Status::Invalid("cannot start a thread for ", what);
  pthread_t thread;
  const bool started = pthread_attr_setstacksize(&attributes, stack_bytes) == 0 &&
                       pthread_create(&thread, &attributes, RunWork,
                                      const_cast<std::function<void()>*>(&work)) == 0;
  pthread_attr_destroy(&attributes);
  if (!started) {
    return Status::Invalid("cannot start a thread with a ", stack_bytes >> 20, " MiB stack for ", what);
  }
  pthread_join(thread, nullptr);
  return Status::OK();
}

}  // namespace ferry::sql

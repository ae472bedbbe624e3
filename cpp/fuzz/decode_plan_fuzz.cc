// Fuzz target: DecodePlan (logical plans) on any bytes, then what a
// receiver does with it: print, re-encode, optimize, plan it into
// operators and run it. Tables: in-memory ones (Arrow IPC carried inline)
// are rebuilt; a file path is refused, so a fuzzed path never opens a file.
// A run keeps at most kMaxRows rows and is stopped after kRunBudget (its
// stop token), so a legitimately costly plan (joins of joins) is neither a
// timeout nor an out-of-memory report.
// Invariant beyond "no crash": a decoded plan re-encodes and decodes again.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string_view>
#include <thread>

#include "ferry/exec/cancellation.h"
#include "ferry/exec/execution_plan.h"
#include "ferry/exec/physical_planner.h"
#include "ferry/exec/tables.h"
#include "ferry/function/bind.h"
#include "ferry/function/registry.h"
#include "ferry/plan/builder.h"
#include "ferry/plan/optimizer.h"
#include "ferry/serde/plan_serde.h"
#include "fuzz_check.h"

namespace {

ferry::Result<std::shared_ptr<const ferry::TableProvider>> OpenInMemoryOnly(
    const ferry::TableSource& source) {
  if (const auto* memory = std::get_if<ferry::InMemorySource>(&source)) {
    return ferry::MakeMemoryTable(memory->schema, memory->partitions);
  }
  return ferry::Status::IOError("the fuzz target opens no files");
}

constexpr int64_t kMaxRows = 10'000;
constexpr auto kRunBudget = std::chrono::seconds(2);

// Runs `physical` on one thread, stopped once kRunBudget has passed.
void RunWithBudget(const ferry::ExecutionPlan& physical) {
  arrow::StopSource stop;
  std::mutex mutex;
  std::condition_variable finished;
  bool done = false;
  std::thread watchdog([&] {
    std::unique_lock lock(mutex);
    if (!finished.wait_for(lock, kRunBudget, [&] { return done; })) stop.RequestStop();
  });
  {
    ferry::ScopedStopToken scoped(stop.token());
    (void)ferry::Collect(physical, 1);
  }
  {
    std::lock_guard lock(mutex);
    done = true;
  }
  finished.notify_all();
  watchdog.join();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool ready = [] {
    ferry::EnsureArrowCompute();
    return true;
  }();
  (void)ready;
  static const auto codec = ferry::ByNameCodec();
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto plan = ferry::DecodePlan(bytes, *codec, ferry::BuiltinFunctions(), OpenInMemoryOnly);
  if (!plan.ok()) return 0;
  (void)(*plan)->ToString();
  auto again = ferry::EncodePlan(**plan, *codec);
  FERRY_FUZZ_CHECK(again.ok(), "a decoded plan re-encodes");
  auto back = ferry::DecodePlan(*again, *codec, ferry::BuiltinFunctions(), OpenInMemoryOnly);
  FERRY_FUZZ_CHECK(back.ok(), "re-encoded plan bytes decode again");
  auto limited = ferry::plan::Limit(*plan, 0, kMaxRows);
  if (!limited.ok()) return 0;
  auto optimized = ferry::Optimize(*limited);
  if (!optimized.ok()) return 0;
  auto physical = ferry::CreatePhysicalPlan(**optimized, ferry::PlannerOptions{2});
  if (!physical.ok()) return 0;
  RunWithBudget(**physical);
  return 0;
}

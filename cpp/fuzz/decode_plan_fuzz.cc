// Fuzz target: DecodePlan (logical plans) on any bytes, then what a
// receiver does before running it: print, re-encode, optimize and plan it
// into operators. Tables: in-memory ones (Arrow IPC carried inline) are
// rebuilt; a file path is refused, so a fuzzed path never opens a file.
// Invariant beyond "no crash": a decoded plan re-encodes and decodes again.

#include <cstdint>
#include <string_view>

#include "ferry/exec/physical_planner.h"
#include "ferry/exec/tables.h"
#include "ferry/function/bind.h"
#include "ferry/function/registry.h"
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
  auto optimized = ferry::Optimize(*plan);
  if (!optimized.ok()) return 0;
  (void)ferry::CreatePhysicalPlan(**optimized, ferry::PlannerOptions{2});
  return 0;
}

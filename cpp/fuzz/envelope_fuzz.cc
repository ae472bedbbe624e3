// Fuzz target: the outer framing every payload passes first
// (UnwrapEnvelope, for each kind), and the raw function-table reader a
// Python-free router uses. Invariant: an envelope that unwraps carries a
// payload no longer than the bytes, and re-wrapping it gives the bytes a
// second unwrap reads identically.

#include <cstdint>
#include <string_view>

#include "ferry/serde/envelope.h"
#include "ferry/serde/function_table.h"
#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  for (const char* kind : {"expr", "plan"}) {
    auto envelope = ferry::UnwrapEnvelope(bytes, kind);
    if (!envelope.ok()) continue;
    FERRY_FUZZ_CHECK(envelope->kind == kind, "the kind asked for");
    FERRY_FUZZ_CHECK(envelope->payload.size() <= size, "a payload within the bytes");
    auto rewrapped = ferry::WrapEnvelope(envelope->kind, envelope->payload);
    FERRY_FUZZ_CHECK(rewrapped.ok(), "an unwrapped envelope wraps again");
    auto second = ferry::UnwrapEnvelope(*rewrapped, kind);
    FERRY_FUZZ_CHECK(second.ok() && second->payload == envelope->payload,
                     "a re-wrapped envelope unwraps to the same payload");
  }
  auto table = ferry::ReadFunctionTable(bytes);
  if (table.ok()) {
    for (const auto& entry : *table) (void)ferry::FunctionEntryKindName(entry.kind);
  }
  return 0;
}

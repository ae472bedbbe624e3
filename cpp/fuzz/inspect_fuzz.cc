// Fuzz target: ferry-inspect's whole path on one blob (function table,
// frame lines, signature verdicts under a key, decode with opaque
// functions kept, listing, re-encoding), exactly as the tool runs it.

#include <cstdint>
#include <sstream>
#include <string_view>

#include "fuzz_check.h"
#include "inspect.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const ferry::tools::PayloadKeys no_keys;
  // tests/fuzz/make_corpus.py's signing key, as `--key fuzz-key=HEX` gives it.
  static const ferry::tools::PayloadKeys keys = {{"fuzz-key", "ferry fuzz corpus signing key 32"}};
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  for (const auto* given : {&no_keys, &keys}) {
    std::ostringstream out, err;
    const int status = ferry::tools::InspectBlob(bytes, *given, out, err);
    FERRY_FUZZ_CHECK(status == ferry::tools::kInspectOk || status == ferry::tools::kInspectInvalid ||
                         status == ferry::tools::kInspectUnverified,
                     "an exit status the tool documents");
    FERRY_FUZZ_CHECK(status == ferry::tools::kInspectOk || !err.str().empty(),
                     "a failure says why");
  }
  return 0;
}

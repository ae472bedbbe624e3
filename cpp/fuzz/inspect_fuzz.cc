// Fuzz target: ferry-inspect's reading path (cpp/tools/inspect_blob.h) on
// any bytes: the envelope's kind, the function table and its inline
// frames checked against a key, the expression decoded with unknown
// functions kept opaque, or the logical or physical plan read from the
// wire without opening a table; then both reports printed (to a sink).
// Invariants beyond "no crash": a report that decoded says whether it
// re-encodes identically and carries no error; one that did not, says why.

#include <cstdint>
#include <iostream>
#include <streambuf>
#include <string>

#include "fuzz_check.h"
#include "inspect_blob.h"

namespace {

// The key tests/fuzz/make_corpus.py signs its seeds with.
constexpr char kKeyId[] = "fuzz-key";
constexpr char kSecret[] = "ferry fuzz corpus signing key 32";

// Swallows the printed reports: the printing runs, the terminal stays quiet.
class NullBuffer final : public std::streambuf {
 protected:
  int overflow(int c) override { return traits_type::not_eof(c); }
  std::streamsize xsputn(const char*, std::streamsize n) override { return n; }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static NullBuffer sink;
  static const ferry::inspect::Keys keys = {{kKeyId, kSecret}};
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  ferry::inspect::Report report;
  const bool decoded = ferry::inspect::InspectBlob(bytes, keys, &report);
  if (decoded) {
    FERRY_FUZZ_CHECK(report.error.empty(), "a decoded blob carries no error");
    FERRY_FUZZ_CHECK(report.reencodes_identically.has_value(), "a decoded blob says whether it re-encodes");
  } else {
    FERRY_FUZZ_CHECK(!report.error.empty(), "a refused blob says why");
  }
  std::streambuf* out = std::cout.rdbuf(&sink);
  std::streambuf* err = std::cerr.rdbuf(&sink);
  ferry::inspect::PrintText(report);
  ferry::inspect::PrintJson(report);
  std::cout.rdbuf(out);
  std::cerr.rdbuf(err);
  return 0;
}

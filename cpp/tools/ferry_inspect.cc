// ferry-inspect: decodes a ferry expression or plan blob without Python.
//
// Prints every inline UDF frame of the function table (kind, family, frame
// version, sender's Python, payload size and SHA-256, signed or not and by
// which key id). For an expression: the expression and its functions (an
// inline aggregate or window UDF cannot be decoded without Python: its
// frame is shown, then exit status 1). For a logical or physical plan
// (or a distributed job: each stage and its fragment): its node
// (operator) tree, its
// tables (how each travels, its bytes) and its function table, read from
// the wire: no table is opened. Then whether re-encoding gives the same
// bytes: what a scheduler or a non-Python worker can do with bytes it must
// route but never unpickle. A plan's envelope shows whether it is signed
// and by which key id. With --key, it also verifies each frame's signature
// and a plan's envelope signature; with --json, it prints one JSON object
// instead of text.
//
// Usage: ferry-inspect [--json] [--key ID=HEX]... [FILE]   (standard input without FILE)
//   --key ID=HEX  a payload key (its id and its secret in hex); repeatable.
// Exit status: 0 decoded (and, with --key, every inline frame and a plan's
// envelope verified), 1 the bytes are not a valid expression or plan, 2
// usage, 3 decoded but a plan's envelope or an inline frame is unsigned or
// its signature does not verify under the keys.

#include <filesystem>
#include <fstream>
#include <iostream>

#include "ferry/serde/decode_limits.h"
#include "inspect_blob.h"

int main(int argc, char** argv) {
  ferry::inspect::Keys keys;
  bool json = false;
  const char* path = nullptr;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--key" && i + 1 < argc && ferry::inspect::AddKey(argv[i + 1], &keys)) {
      ++i;
    } else if (arg.rfind("--key=", 0) == 0 && ferry::inspect::AddKey(arg.substr(6), &keys)) {
    } else if (arg == "--json") {
      json = true;
    } else if (arg.rfind("-", 0) != 0 && path == nullptr) {
      path = argv[i];
    } else {
      std::cerr << "usage: ferry-inspect [--key ID=HEX]... [--json] [FILE]\n"
                   "  --key ID=HEX: a payload key id (letters, digits, . _ : -) and its secret "
                   "in hex\n"
                   "  --json: print one JSON object instead of text\n";
      return 2;
    }
  }
  // Never read more than the decoder would accept: a huge file or an
  // endless pipe is refused at the limit, not after filling memory.
  const int64_t limit = ferry::DecodeLimits{}.max_bytes;
  std::ifstream file;
  if (path != nullptr) {
    std::error_code error;
    const auto size = std::filesystem::file_size(path, error);
    if (!error && size > static_cast<uintmax_t>(limit)) {
      std::cerr << "ferry-inspect: " << path << " holds " << size
                << " bytes, more than the decoder's limit of " << limit << "\n";
      return 1;
    }
    file.open(path, std::ios::binary);
    if (!file) {
      std::cerr << "ferry-inspect: cannot open " << path << "\n";
      return 2;
    }
  }
  std::istream& in = path != nullptr ? file : std::cin;
  std::string bytes;
  char chunk[1 << 16];
  while (in.read(chunk, sizeof chunk) || in.gcount() > 0) {
    bytes.append(chunk, static_cast<size_t>(in.gcount()));
    if (static_cast<int64_t>(bytes.size()) > limit) {
      std::cerr << "ferry-inspect: input exceeds the decoder's limit of " << limit << " bytes\n";
      return 1;
    }
  }
  ferry::inspect::Report report;
  const bool decoded = ferry::inspect::InspectBlob(bytes, keys, &report);
  if (json) {
    ferry::inspect::PrintJson(report);
    if (!report.error.empty()) std::cerr << "ferry-inspect: " << report.error << "\n";
  } else {
    ferry::inspect::PrintText(report);
  }
  if (!decoded) return 1;
  return report.verified ? 0 : 3;
}

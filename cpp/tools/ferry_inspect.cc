// ferry-inspect: decodes a ferry expression blob without Python.
//
// Prints every inline UDF frame of the function table (kind, family, frame
// version, sender's Python, signed or not and by which key id), the
// expression and its functions (an inline aggregate or window UDF cannot be
// decoded without Python: its frame is shown, then exit status 1), then
// re-encodes it and reports whether the bytes came back identical: what a
// scheduler or a non-Python worker can do with bytes it must route but
// never unpickle. With --key, it also verifies each frame's signature.
//
// Usage: ferry-inspect [--key ID=HEX]... [FILE]   (standard input without FILE)
//   --key ID=HEX  a payload key (its id and its secret in hex); repeatable.
// Exit status: 0 decoded (and, with --key, every inline frame verified),
// 1 the bytes are not a valid expression, 2 usage, 3 decoded but an inline
// frame is unsigned or its signature does not verify under the given keys.

#include <filesystem>
#include <fstream>
#include <iostream>

#include "ferry/serde/decode_limits.h"
#include "inspect.h"

int main(int argc, char** argv) {
  ferry::tools::PayloadKeys keys;
  const char* path = nullptr;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--key" && i + 1 < argc && ferry::tools::AddPayloadKey(argv[i + 1], &keys)) {
      ++i;
    } else if (arg.rfind("--key=", 0) == 0 && ferry::tools::AddPayloadKey(arg.substr(6), &keys)) {
    } else if (arg.rfind("-", 0) != 0 && path == nullptr) {
      path = argv[i];
    } else {
      std::cerr << "usage: ferry-inspect [--key ID=HEX]... [FILE]\n"
                   "  --key ID=HEX: a payload key id (letters, digits, . _ : -) and its secret "
                   "in hex\n";
      return ferry::tools::kInspectUsage;
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
      return ferry::tools::kInspectInvalid;
    }
    file.open(path, std::ios::binary);
    if (!file) {
      std::cerr << "ferry-inspect: cannot open " << path << "\n";
      return ferry::tools::kInspectUsage;
    }
  }
  std::istream& in = path != nullptr ? file : std::cin;
  std::string bytes;
  char chunk[1 << 16];
  while (in.read(chunk, sizeof chunk) || in.gcount() > 0) {
    bytes.append(chunk, static_cast<size_t>(in.gcount()));
    if (static_cast<int64_t>(bytes.size()) > limit) {
      std::cerr << "ferry-inspect: input exceeds the decoder's limit of " << limit << " bytes\n";
      return ferry::tools::kInspectInvalid;
    }
  }
  return ferry::tools::InspectBlob(bytes, keys, std::cout, std::cerr);
}

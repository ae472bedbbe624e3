// ferry-inspect: decodes a ferry expression blob without Python.
//
// Prints the expression, its functions and any inline UDF frames (family,
// frame version, sender's Python), then re-encodes it and reports whether
// the bytes came back identical: what a scheduler or a non-Python worker
// can do with bytes it must route but never unpickle.
//
// Usage: ferry-inspect [FILE]   (reads standard input without FILE)
// Exit status: 0 decoded, 1 the bytes are not a valid expression, 2 usage.

#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>

#include "ferry/function/bind.h"
#include "ferry/function/registry.h"
#include "ferry/serde/expr_serde.h"
#include "ferry/serde/inline_frame.h"
#include "ferry/serde/opaque_function.h"

namespace {

void ListFunctions(const ferry::Expr& expr, std::set<std::string>* seen) {
  if (const auto* call = expr.As<ferry::ScalarCallNode>()) {
    std::string line = "scalar " + call->name;
    if (const auto* opaque = dynamic_cast<const ferry::OpaqueScalarFunction*>(call->func.get())) {
      auto frame = ferry::ParseInlineFrame(opaque->definition());
      if (frame.ok() && frame->has_value()) {
        const auto& f = **frame;
        line += ": inline " + ferry::FrameFamilyDescription(f.family) + ", frame version " +
                std::to_string(f.version) + ", pickled by Python " + std::to_string(f.py_major) +
                "." + std::to_string(f.py_minor) + ", " + std::to_string(f.payload.size()) +
                "-byte payload (kept opaque, never unpickled)";
      } else {
        line += ": opaque definition of " + std::to_string(opaque->definition().size()) + " bytes";
      }
    } else {
      line += ": built-in, by name";
    }
    seen->insert(line);
  }
  if (const auto* call = expr.As<ferry::AggregateCallNode>()) seen->insert("aggregate " + call->name + ": by name");
  if (const auto* call = expr.As<ferry::WindowCallNode>()) seen->insert("window " + call->name + ": by name");
  for (const auto& child : ferry::Children(expr)) ListFunctions(child, seen);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 2) {
    std::cerr << "usage: ferry-inspect [FILE]\n";
    return 2;
  }
  // Never read more than the decoder would accept: a huge file or an
  // endless pipe is refused at the limit, not after filling memory.
  const int64_t limit = ferry::DecodeLimits{}.max_bytes;
  std::ifstream file;
  if (argc == 2) {
    std::error_code error;
    const auto size = std::filesystem::file_size(argv[1], error);
    if (!error && size > static_cast<uintmax_t>(limit)) {
      std::cerr << "ferry-inspect: " << argv[1] << " holds " << size
                << " bytes, more than the decoder's limit of " << limit << "\n";
      return 1;
    }
    file.open(argv[1], std::ios::binary);
    if (!file) {
      std::cerr << "ferry-inspect: cannot open " << argv[1] << "\n";
      return 2;
    }
  }
  std::istream& in = argc == 2 ? file : std::cin;
  std::string bytes;
  char chunk[1 << 16];
  while (in.read(chunk, sizeof chunk) || in.gcount() > 0) {
    bytes.append(chunk, static_cast<size_t>(in.gcount()));
    if (static_cast<int64_t>(bytes.size()) > limit) {
      std::cerr << "ferry-inspect: input exceeds the decoder's limit of " << limit << " bytes\n";
      return 1;
    }
  }
  ferry::EnsureArrowCompute();
  // Held by value: a reference into the returned shared_ptr's object would
  // rely on ByNameCodec keeping another copy alive.
  const auto codec_ptr = ferry::ByNameCodec();
  const auto& codec = *codec_ptr;
  auto expr = ferry::DecodeExpr(bytes, codec, ferry::BuiltinFunctions(),
                                ferry::UnknownFunctionPolicy::kKeepOpaque);
  if (!expr.ok()) {
    std::cerr << "ferry-inspect: " << expr.status().message() << "\n";
    return 1;
  }
  std::cout << "expression: " << expr->ToString() << "\n";
  std::set<std::string> functions;
  ListFunctions(*expr, &functions);
  for (const auto& line : functions) std::cout << "function: " << line << "\n";
  auto again = ferry::EncodeExpr(*expr, codec);
  if (!again.ok()) {
    std::cerr << "ferry-inspect: cannot re-encode: " << again.status().message() << "\n";
    return 1;
  }
  std::cout << "re-encoded: " << (*again == bytes ? "identical" : "different") << " ("
            << bytes.size() << " bytes)\n";
  return 0;
}

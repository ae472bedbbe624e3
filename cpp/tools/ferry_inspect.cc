// ferry-inspect: decodes a ferry expression or plan blob without Python.
//
// Prints every inline UDF frame of the function table (kind, family, frame
// version, sender's Python, signed or not and by which key id), the
// expression and its functions (an inline aggregate or window UDF cannot be
// decoded without Python: its frame is shown, then exit status 1), then
// re-encodes it and reports whether the bytes came back identical: what a
// scheduler or a non-Python worker can do with bytes it must route but
// never unpickle. With --key, it also verifies each frame's signature.
// A plan blob shows its node tree, its tables (how each travels, and its
// bytes) and its function table, read from the wire: no table is opened.
//
// Usage: ferry-inspect [--key ID=HEX]... [FILE]   (standard input without FILE)
//   --key ID=HEX  a payload key (its id and its secret in hex); repeatable.
// Exit status: 0 decoded (and, with --key, every inline frame verified),
// 1 the bytes are not a valid expression, 2 usage, 3 decoded but an inline
// frame is unsigned or its signature does not verify under the given keys.

#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "ferry/function/bind.h"
#include "ferry/function/registry.h"
#include "ferry/serde/expr_serde.h"
#include "ferry/serde/frame_signing.h"
#include "ferry/serde/function_table.h"
#include "ferry/serde/inline_frame.h"
#include "ferry/serde/opaque_function.h"
#include "ferry/serde/plan_inspection.h"
#include "ferry/serde/envelope.h"

namespace {

using Keys = std::map<std::string, std::string>;

// Parses "ID=HEX" into keys; false on a malformed argument.
bool AddKey(std::string_view arg, Keys* keys) {
  auto eq = arg.find('=');
  if (eq == std::string_view::npos) return false;
  std::string_view id = arg.substr(0, eq), hex = arg.substr(eq + 1);
  if (!ferry::ValidatePayloadKeyId(id).ok() || hex.empty() || hex.size() % 2 != 0) return false;
  std::string secret;
  for (size_t i = 0; i < hex.size(); i += 2) {
    int value = 0;
    for (char c : hex.substr(i, 2)) {
      int digit = c >= '0' && c <= '9' ? c - '0'
                  : c >= 'a' && c <= 'f' ? c - 'a' + 10
                  : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                         : -1;
      if (digit < 0) return false;
      value = value * 16 + digit;
    }
    secret.push_back(static_cast<char>(value));
  }
  (*keys)[std::string(id)] = std::move(secret);
  return true;
}

// "signed with key 'k1'" or "unsigned", plus the verdict when keys were given.
std::string SignatureLine(const ferry::InlineFrame& frame, const Keys& keys, bool* verified) {
  if (!frame.is_signed()) {
    if (!keys.empty()) *verified = false;
    return "unsigned";
  }
  std::string line = "signed with key " + ferry::DescribeKeyId(frame.key_id);
  if (keys.empty()) return line;
  auto key = keys.find(std::string(frame.key_id));
  if (key == keys.end()) {
    *verified = false;
    return line + ", not verified: no --key for " + ferry::DescribeKeyId(frame.key_id);
  }
  auto matches = ferry::FrameTagMatches(frame, key->second);
  if (matches.ok() && *matches) return line + ", signature valid";
  *verified = false;
  return line + ", signature INVALID (altered, or signed with another secret)";
}

// The "frame:" line of a function table entry holding an inline frame.
std::optional<std::string> FrameLine(const ferry::FunctionTableEntry& entry, const Keys& keys,
                                     bool* verified) {
  std::string line = std::string(ferry::FunctionEntryKindName(entry.kind)) + " " + entry.name;
  auto frame = ferry::ParseInlineFrame(entry.definition);
  if (!frame.ok()) {
    if (!keys.empty()) *verified = false;
    return line + ": " + frame.status().message();
  }
  if (!frame->has_value()) return std::nullopt;
  const auto& f = **frame;
  return line + ": inline " + ferry::FrameFamilyDescription(f.family) + ", frame version " +
         std::to_string(f.version) + ", pickled by Python " + std::to_string(f.py_major) + "." +
         std::to_string(f.py_minor) + ", " + std::to_string(f.payload.size()) +
         "-byte payload (kept opaque, never unpickled), " + SignatureLine(f, keys, verified);
}

void ListFunctions(const ferry::Expr& expr, std::set<std::string>* seen) {
  if (const auto* call = expr.As<ferry::ScalarCallNode>()) {
    std::string line = "scalar " + call->name;
    if (const auto* opaque = dynamic_cast<const ferry::OpaqueScalarFunction*>(call->func.get())) {
      auto frame = ferry::ParseInlineFrame(opaque->definition());
      if (frame.ok() && frame->has_value()) {
        line += ": inline " + ferry::FrameFamilyDescription((*frame)->family) +
                ", kept opaque (see its frame line)";
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

// Prints a plan blob's tree, tables and functions; the exit status as main's.
int InspectPlanBlob(const std::string& bytes, const Keys& keys) {
  auto plan = ferry::InspectPlan(bytes);
  if (!plan.ok()) {
    std::cerr << "ferry-inspect: " << plan.status().message() << "\n";
    return 1;
  }
  std::cout << "plan: " << plan->tree.size() << " nodes, " << plan->total_bytes << " bytes\n";
  for (const auto& line : plan->tree) std::cout << "  " << line << "\n";
  for (const auto& table : plan->tables) {
    std::cout << "table: " << table.scan_name << ": " << table.kind;
    if (!table.detail.empty()) std::cout << " " << table.detail;
    std::cout << ", " << table.bytes << " bytes\n";
  }
  bool verified = true;
  for (const auto& entry : plan->functions) {
    std::string line = std::string(ferry::FunctionEntryKindName(entry.kind)) + " " + entry.name;
    if (auto frame = FrameLine(entry, keys, &verified)) {
      std::cout << "frame: " << *frame << "\n";
    } else {
      std::cout << "function: " << line
                << (entry.definition.empty() ? ": by name" : ": opaque definition of " +
                    std::to_string(entry.definition.size()) + " bytes") << "\n";
    }
  }
  std::cout << "re-encoded: " << (plan->reencodes_identically ? "identical" : "different") << " ("
            << bytes.size() << " bytes)\n";
  if (!verified) {
    std::cerr << "ferry-inspect: an inline frame is unsigned or does not verify under the given "
                 "keys\n";
    return 3;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Keys keys;
  const char* path = nullptr;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--key" && i + 1 < argc && AddKey(argv[i + 1], &keys)) {
      ++i;
    } else if (arg.rfind("--key=", 0) == 0 && AddKey(arg.substr(6), &keys)) {
    } else if (arg.rfind("-", 0) != 0 && path == nullptr) {
      path = argv[i];
    } else {
      std::cerr << "usage: ferry-inspect [--key ID=HEX]... [FILE]\n"
                   "  --key ID=HEX: a payload key id (letters, digits, . _ : -) and its secret "
                   "in hex\n";
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
  auto kind = ferry::PeekEnvelopeKind(bytes);
  if (kind.ok() && *kind == "plan") return InspectPlanBlob(bytes, keys);
  // Frames first, from the raw function table: they show even when this
  // process cannot decode the expression (an inline aggregate or window UDF
  // has no opaque stand-in here).
  auto table = ferry::ReadFunctionTable(bytes);
  if (!table.ok()) {
    std::cerr << "ferry-inspect: " << table.status().message() << "\n";
    return 1;
  }
  bool verified = true;
  for (const auto& entry : *table) {
    if (auto line = FrameLine(entry, keys, &verified)) std::cout << "frame: " << *line << "\n";
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
  if (!verified) {
    std::cerr << "ferry-inspect: an inline frame is unsigned or does not verify under the given "
                 "keys\n";
    return 3;
  }
  return 0;
}

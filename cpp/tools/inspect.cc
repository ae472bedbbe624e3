// ferry-inspect's work on one blob (see inspect.h).

#include "inspect.h"

#include <optional>
#include <set>

#include "ferry/function/bind.h"
#include "ferry/function/registry.h"
#include "ferry/serde/expr_serde.h"
#include "ferry/serde/frame_signing.h"
#include "ferry/serde/function_table.h"
#include "ferry/serde/inline_frame.h"
#include "ferry/serde/opaque_function.h"

namespace ferry::tools {
namespace {

using Keys = PayloadKeys;

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

}  // namespace

bool AddPayloadKey(std::string_view arg, PayloadKeys* keys) {
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

int InspectBlob(std::string_view bytes, const PayloadKeys& keys, std::ostream& out,
                std::ostream& err) {
  // Frames first, from the raw function table: they show even when this
  // process cannot decode the expression (an inline aggregate or window UDF
  // has no opaque stand-in here).
  auto table = ferry::ReadFunctionTable(bytes);
  if (!table.ok()) {
    err << "ferry-inspect: " << table.status().message() << "\n";
    return kInspectInvalid;
  }
  bool verified = true;
  for (const auto& entry : *table) {
    if (auto line = FrameLine(entry, keys, &verified)) out << "frame: " << *line << "\n";
  }
  ferry::EnsureArrowCompute();
  // Held by value: a reference into the returned shared_ptr's object would
  // rely on ByNameCodec keeping another copy alive.
  const auto codec_ptr = ferry::ByNameCodec();
  const auto& codec = *codec_ptr;
  auto expr = ferry::DecodeExpr(bytes, codec, ferry::BuiltinFunctions(),
                                ferry::UnknownFunctionPolicy::kKeepOpaque);
  if (!expr.ok()) {
    err << "ferry-inspect: " << expr.status().message() << "\n";
    return kInspectInvalid;
  }
  out << "expression: " << expr->ToString() << "\n";
  std::set<std::string> functions;
  ListFunctions(*expr, &functions);
  for (const auto& line : functions) out << "function: " << line << "\n";
  auto again = ferry::EncodeExpr(*expr, codec);
  if (!again.ok()) {
    err << "ferry-inspect: cannot re-encode: " << again.status().message() << "\n";
    return kInspectInvalid;
  }
  out << "re-encoded: " << (*again == bytes ? "identical" : "different") << " ("
            << bytes.size() << " bytes)\n";
  if (!verified) {
    err << "ferry-inspect: an inline frame is unsigned or does not verify under the given "
                 "keys\n";
    return kInspectUnverified;
  }
  return kInspectOk;
}

}  // namespace ferry::tools
